"""User-facing progress bars (rich) that become no-ops when silenced (tests, --quiet)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

_stderr = Console(stderr=True)
_silenced = False  # --quiet: no bar anywhere in this run, the store's migration included


def silence(quiet: bool) -> None:
    global _silenced
    _silenced = quiet


class _Silent:
    def add_task(self, *args: object, **kwargs: object) -> int:
        return 0

    def update(self, *args: object, **kwargs: object) -> None:
        pass

    def advance(self, *args: object, **kwargs: object) -> None:
        pass


@contextlib.contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Progress | _Silent]:
    """A live bar on a terminal; nothing when stderr is a file or a pipe (a log gets the summary, not a
    bar's last frame or the empty line rich leaves behind)."""
    if not enabled or _silenced or not _stderr.is_terminal:
        yield _Silent()
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=_stderr, transient=True) as progress:
        yield progress
