from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.markup import escape

from pipeline.cli._util import (
    ENGINE_HELP,
    Engine,
    app,
    err,
    handle_errors,
    options,
    out,
    store_of,
    warn,
    with_engine,
    workspace_of,
)
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.corpus.ingest import IngestReport

_LISTED = 10


@app.command("ingest")
@handle_errors
def ingest_command(
    ctx: typer.Context,
    paths: list[Path] = typer.Argument(
        ...,
        help="Files (.txt, .html, .xhtml, .xml, .jsonl) and folders (read recursively; what is not read is "
        "listed with why).",
    ),
    engine: Optional[Engine] = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Add articles (.txt wire stories, .html/.xhtml/.xml pages, .jsonl) to the corpus.

    Texts already stored, and exact duplicates, are skipped; near-duplicates share a group id.
    Exits non-zero if any input was refused; the rest is still ingested.
    """
    workspace = with_engine(workspace_of(ctx), engine)
    report = run_ingest(workspace, paths, quiet=options(ctx).quiet)
    if not report.ok:
        raise typer.Exit(1)


def run_ingest(workspace: Workspace, paths: list[Path], *, quiet: bool) -> IngestReport:
    from pipeline.corpus.ingest import ingest

    report = ingest(store_of(workspace), paths, workspace.settings, progress=not quiet)
    print_ingest_report(report, quiet=quiet)
    return report


def print_ingest_report(report: IngestReport, *, quiet: bool) -> None:
    for error in report.errors:
        err.print(f"[bold red]error:[/] {escape(str(error))}")
    for message in report.warnings:
        warn(message)
    if quiet:
        return
    for duplicate in report.duplicates[:_LISTED]:
        out.print(
            f"duplicate: {duplicate.location} has the same text as {duplicate.first_seen} ({duplicate.doc_id}); skipped"
        )
    if len(report.duplicates) > _LISTED:
        out.print(f"duplicate: ... and {len(report.duplicates) - _LISTED} more")
    out.print(
        f"ingest: {report.files} files, {len(report.skipped)} not read, {len(report.added)} new documents, "
        f"{len(report.already_stored)} already in the corpus, {len(report.duplicates)} duplicates skipped, "
        f"{len(report.grouped)} near-duplicates grouped, {len(report.errors)} refused"
    )
