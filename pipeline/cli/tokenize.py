from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import (
    ENGINE_HELP,
    Engine,
    app,
    handle_errors,
    options,
    out,
    store_of,
    with_engine,
    workspace_of,
)
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.nlp.tokenization import StageReport


@app.command("tokenize")
@handle_errors
def tokenize_command(
    ctx: typer.Context,
    engine: Optional[Engine] = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Tokenize and sentence-split every document not yet done with the current model and settings."""
    run_tokenize(with_engine(workspace_of(ctx), engine), quiet=options(ctx).quiet)


def run_tokenize(workspace: Workspace, *, quiet: bool) -> StageReport:
    from pipeline.nlp.tokenization import tokenize

    report = tokenize(store_of(workspace), workspace.settings, progress=not quiet)
    if not quiet:
        out.print(
            f"tokenize: {report.processed} documents tokenized with {workspace.settings.model.name}, "
            f"{report.skipped} already done, {len(report.failed)} failed"
        )
    return report
