"""The typer app, the global options, and the one place where library errors become a clean exit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape

from pipeline import __version__
from pipeline.corpus.store import CorpusStore
from pipeline.errors import NewscorpusError
from pipeline.util import progress
from pipeline.util.signals import Terminated
from pipeline.workspace import WORKSPACE_ENV, Workspace, find_workspace

app = typer.Typer(
    name="newscorpus",
    help="News articles in, a reviewed training-ready dataset of named entities and numeric claims out.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class Options:
    workspace: Optional[Path] = None
    quiet: bool = False
    verbose: bool = False


def _version(value: bool) -> None:
    if value:
        out.print(f"newscorpus {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    workspace: Optional[Path] = typer.Option(
        None,
        "--workspace",
        "-w",
        envvar=WORKSPACE_ENV,
        show_envvar=True,
        help="Workspace folder (holds newscorpus.toml). Default: the nearest one upwards from here, "
        "else this repository.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars or summaries; errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Debug logging on stderr."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    ctx.obj = Options(workspace, quiet, verbose)
    progress.silence(quiet)
    handler = RichHandler(console=err, show_path=False)
    if not verbose:
        handler.addFilter(_ours_only)  # a library's own warnings ("discarding data: None") only with --verbose
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING, format="%(message)s", handlers=[handler], force=True
    )
    logging.captureWarnings(True)  # Python warnings of libraries go the same way, under "py.warnings"


def _ours_only(record: logging.LogRecord) -> bool:
    return record.name == "root" or record.name.split(".")[0] == "pipeline"


def options(ctx: typer.Context) -> Options:
    return ctx.obj if isinstance(ctx.obj, Options) else Options()


def workspace_of(ctx: typer.Context) -> Workspace:
    return find_workspace(options(ctx).workspace)


def store_of(workspace: Workspace) -> CorpusStore:
    settings = workspace.settings.store
    location = settings.location
    where = workspace.store_dir if not location else location if "://" in location else workspace.root / location
    return CorpusStore(where, segment_size=settings.segment_size)


class Engine(str, Enum):
    local = "local"
    ray = "ray"


ENGINE_HELP = "Where the stages run: local (this process) or ray. Default: \\[engine] kind in newscorpus.toml."


def with_engine(workspace: Workspace, engine: Optional[Engine]) -> Workspace:
    """The workspace, its settings' engine replaced by the one given on the command line."""
    if engine is not None:
        workspace.settings.engine.kind = engine.value
    return workspace


def fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


def handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn library errors into one line on stderr and a non-zero exit; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except NewscorpusError as error:
            raise fail(str(error), error.exit_code) from None
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            raise fail(f"{error.strerror or error}{where}") from None
        except KeyboardInterrupt:
            raise fail("interrupted; what was finished is kept, run the command again to go on", 130) from None
        except Terminated:
            raise fail(
                "terminated; what was finished is kept, run the command again to go on", Terminated.exit_code
            ) from None

    return wrapper


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {escape(message)}")
