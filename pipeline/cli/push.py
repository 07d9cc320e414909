from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, warn, workspace_of
from pipeline.review.queue import DEFAULT_ORDER, ORDERS
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.doccano.push import PushReport


@app.command("push")
@handle_errors
def push_command(
    ctx: typer.Context,
    project: Optional[str] = typer.Option(None, "--project", help="Doccano project name; default: [doccano] project."),
    order: str = typer.Option(
        DEFAULT_ORDER,
        "--order",
        help=f"Review order ({', '.join(ORDERS)}): uncertainty sends first the documents where review "
        "is expected to change the most; 'newscorpus queue' shows it.",
    ),
) -> None:
    """Upload pre-annotated documents to Doccano for review; only those not there yet.

    Creates the project (sequence labelling, overlapping spans, relations), its labels and its
    guideline (annotations/guidelines.md) if needed. Each annotator's own project ("PROJECT · NAME")
    gets the same documents by the same bulk import. The server is the local one from
    'newscorpus doccano up', or DOCCANO_URL / DOCCANO_USERNAME / DOCCANO_PASSWORD. Documents go in
    review order, each example with its rank and why in its meta.
    """
    if order not in ORDERS:
        raise typer.BadParameter(f"{order!r} is not one of {', '.join(ORDERS)}", param_hint="--order")
    report = run_push(workspace_of(ctx), project=project, order=order, quiet=options(ctx).quiet)
    if report.failed or report.conflicts:
        raise typer.Exit(1)


def run_push(
    workspace: Workspace, *, project: Optional[str] = None, order: str = DEFAULT_ORDER, quiet: bool
) -> PushReport:
    from pipeline.review.doccano.push import push
    from pipeline.review.doccano.session import ReviewSession

    report = push(ReviewSession.open(workspace, project=project), store_of(workspace), order=order, progress=not quiet)
    warn_about(report)
    if not quiet:
        copies = ", ".join(f"{name} {count}" for name, count in report.copies.items()) or "no annotators yet"
        out.print(
            f"push: {report.uploaded} documents uploaded to {report.url} project {report.project!r} "
            f"(id {report.project_id}), {report.already_there} already there, {len(report.conflicts)} conflicts, "
            f"{len(report.failed)} refused, {report.not_preannotated} not pre-annotated yet; "
            f"annotator copies: {copies}"
        )
        if report.duplicates_removed:
            out.print(f"push: removed {report.duplicates_removed} duplicate examples left by an interrupted import")
        if report.span_copies:
            out.print(
                f"push: {', '.join(report.span_copies)} still label in the main project, where an older newscorpus "
                f"added them: their copies are written span by span (slow); annotators added since have "
                f"projects of their own, filled by bulk import"
            )
    return report


def warn_about(report: PushReport) -> None:
    for conflict in report.conflicts:
        warn(f"conflict: {conflict}")
    for failure in report.failed:
        warn(f"import refused: {failure}")
