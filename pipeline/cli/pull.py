from __future__ import annotations

from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from pipeline.cli._util import app, handle_errors, options, out, store_of, warn, workspace_of
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.doccano.pull import PullReport


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
    from pipeline.doccano.pull import pull

    report = pull(workspace, store_of(workspace), project=project, progress=not quiet)
    for tie in report.ties[:20]:
        warn(f"tie left out: {tie}")
    if not quiet:
        out.print(f"pull: {report.examples} documents from {report.url} project {report.project!r}: "
                  f"{report.reviewed} reviewed, {report.pre_annotated} not confirmed yet; "
                  f"annotators: {', '.join(report.annotators) or 'none'}; snapshot {report.snapshot}")
        if report.unknown:
            warn(f"{report.unknown} documents in the project are not in this corpus; kept in the snapshot only")
    return report


@app.command("report")
@handle_errors
def report_command(ctx: typer.Context) -> None:
    """Agreement per label, and how annotators treated the pre-annotations per label and component.

    Acceptance: the share of pre-annotated spans kept unchanged, corrected (boundary or label) or
    deleted, and the spans annotators added; this says whether the pre-annotator is worth retraining.
    """
    from pipeline.doccano.pull import snapshots_dir
    from pipeline.report import review_report

    workspace = workspace_of(ctx)
    report = review_report(store_of(workspace), snapshots_dir(workspace))
    out.print(f"{report.reviewed} reviewed documents" + (f"; agreement from snapshot {report.snapshot}" if report.snapshot else ""))
    if report.agreement and report.agreement["labels"]:
        table = Table("label", "pairs", "span F1", "token kappa", title=f"Agreement ({report.agreement['documents']} documents with 2+ annotators)", title_justify="left")
        for label, figures in report.agreement["labels"].items():
            table.add_row(label, str(figures["pairs"]), _fmt(figures["span_f1"]), _fmt(figures["kappa"]))
        out.print(table)
    else:
        out.print("Agreement: no document has been confirmed by two annotators yet.")
    for kind, title in (("label", "Acceptance per label"), ("source", "Acceptance per component")):
        table = Table(kind, "pre-annotated", "kept", "corrected", "deleted", "added", title=title, title_justify="left")
        for name, counts in report.acceptance.rows(kind):
            total = counts["kept"] + counts["corrected"] + counts["deleted"]
            share = (lambda n: f"{n} ({n / total:.0%})") if total else str
            table.add_row(name, str(total), share(counts["kept"]), share(counts["corrected"]), share(counts["deleted"]), str(counts["added"]))
        out.print(table)


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3f}"
