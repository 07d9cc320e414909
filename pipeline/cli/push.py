from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, warn, workspace_of
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.doccano.push import PushReport


@app.command("push")
@handle_errors
def push_command(
    ctx: typer.Context,
    project: Optional[str] = typer.Option(None, "--project", help="Doccano project name; default: [doccano] project."),
) -> None:
    """Upload pre-annotated documents to Doccano for review; only those not there yet.

    Creates the project (sequence labelling, overlapping spans, relations), its labels and its
    guideline (annotations/guidelines.md) if needed. The server is the local one from
    'newscorpus doccano up', or DOCCANO_URL / DOCCANO_USERNAME / DOCCANO_PASSWORD.
    """
    report = run_push(workspace_of(ctx), project=project, quiet=options(ctx).quiet)
    if report.failed or report.conflicts:
        raise typer.Exit(1)


def run_push(workspace: Workspace, *, project: Optional[str] = None, quiet: bool) -> PushReport:
    from pipeline.doccano.push import push

    report = push(workspace, store_of(workspace), project=project, progress=not quiet)
    for conflict in report.conflicts:
        warn(f"conflict: {conflict}")
    for failure in report.failed:
        warn(f"import refused: {failure}")
    if not quiet:
        copies = ", ".join(f"{name} {count}" for name, count in report.copies.items()) or "no annotators yet"
        out.print(f"push: {report.uploaded} documents uploaded to {report.url} project {report.project!r} "
                  f"(id {report.project_id}), {report.already_there} already there, {len(report.conflicts)} conflicts, "
                  f"{len(report.failed)} refused, {report.not_preannotated} not pre-annotated yet; "
                  f"annotator copies: {copies}")
        if report.duplicates_removed:
            out.print(f"push: removed {report.duplicates_removed} duplicate examples left by an interrupted import")
    return report
