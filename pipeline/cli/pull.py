from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, warn, workspace_of
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.doccano.pull import PullReport


@app.command("pull")
@handle_errors
def pull_command(
    ctx: typer.Context,
    project: Optional[str] = typer.Option(None, "--project", help="Doccano project name; default: [doccano] project."),
) -> None:
    """Fetch reviewed annotations from Doccano into a new snapshot in annotations/snapshots/.

    Documents confirmed by an annotator or approver become "reviewed" (what export uses); the rest
    stay pre-annotated. Where several annotators confirmed a document, agreement is computed and one
    version chosen: an approver's first, then the majority of spans (ties are reported).
    """
    run_pull(workspace_of(ctx), project=project, quiet=options(ctx).quiet)


def run_pull(workspace: Workspace, *, project: Optional[str] = None, quiet: bool) -> PullReport:
    from pipeline.review.doccano.pull import pull
    from pipeline.review.doccano.session import ReviewSession

    report = pull(ReviewSession.open(workspace, project=project), store_of(workspace), progress=not quiet)
    for tie in report.ties[:20]:
        warn(f"tie left out: {tie}")
    if not quiet:
        out.print(
            f"pull: {report.examples} documents from {report.url} project {report.project!r}: "
            f"{report.reviewed} reviewed, {report.pre_annotated} not confirmed yet; "
            f"annotators: {', '.join(report.annotators) or 'none'}; snapshot {report.snapshot}"
        )
        if report.unknown:
            warn(f"{report.unknown} documents in the project are not in this corpus; kept in the snapshot only")
    return report
