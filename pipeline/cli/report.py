from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from pipeline.cli._util import app, handle_errors, out, store_of, workspace_of
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.report import ReviewReport


@app.command("report")
@handle_errors
def report_command(
    ctx: typer.Context,
    html_file: Optional[Path] = typer.Option(
        None,
        "--html",
        help="Write the report as an HTML page of plots to this file ('-': stdout); it opens without a network.",
    ),
    dataset: Optional[Path] = typer.Option(
        None,
        "--dataset",
        help="The export whose splits the HTML page plots. Default: exports/NAME in the workspace (\\[export] name).",
    ),
) -> None:
    """Agreement per label, and how annotators treated the pre-annotations per label and component.

    Acceptance: the share of pre-annotated spans kept unchanged, corrected (boundary or label) or
    deleted, and the spans annotators added; this says whether the pre-annotator is worth retraining.
    With --html, a page of plots instead of tables: those two, review progress per annotator at each
    pull, and the labels of the corpus and of each split of the last export.
    """
    from pipeline.dataset.export import default_output
    from pipeline.review.doccano.pull import snapshots_dir
    from pipeline.review.report import review_report

    workspace = workspace_of(ctx)
    export_folder = dataset or default_output(workspace.exports_dir, workspace.settings)
    report = review_report(
        store_of(workspace), snapshots_dir(workspace), plots=html_file is not None, export_folder=export_folder
    )
    if html_file is not None:
        _write_report_page(workspace, report, html_file)
        return
    out.print(
        f"{report.reviewed} reviewed documents"
        + (f"; agreement from snapshot {report.snapshot}" if report.snapshot else "")
    )
    if report.agreement and report.agreement["labels"]:
        table = Table(
            "label",
            "pairs",
            "span F1",
            "token kappa",
            title=f"Agreement ({report.agreement['documents']} documents with 2+ annotators)",
            title_justify="left",
        )
        for label, figures in report.agreement["labels"].items():
            table.add_row(label, str(figures["pairs"]), _fmt(figures["span_f1"]), _fmt(figures["kappa"]))
        out.print(table)
    else:
        out.print("Agreement: no document has been confirmed by two annotators yet.")
    for kind, title in (("label", "Acceptance per label"), ("source", "Acceptance per component")):
        table = Table(kind, "pre-annotated", "kept", "corrected", "deleted", "added", title=title, title_justify="left")
        for name, counts in report.acceptance.rows(kind):
            total = counts["kept"] + counts["corrected"] + counts["deleted"]

            def share(n: int, total: int = total) -> str:
                return f"{n} ({n / total:.0%})" if total else str(n)

            table.add_row(
                name,
                str(total),
                share(counts["kept"]),
                share(counts["corrected"]),
                share(counts["deleted"]),
                str(counts["added"]),
            )
        out.print(table)


def _write_report_page(workspace: Workspace, report: ReviewReport, html_file: Path) -> None:
    from pipeline.review.report_html import report_html
    from pipeline.util.fs import write_text_atomic

    labels = workspace.settings.labels
    page = report_html(
        report, labels=labels.entities + labels.claims, title=f"newscorpus review report: {workspace.root.name}"
    )
    if str(html_file) == "-":
        out.file.write(page)
    else:
        write_text_atomic(html_file, page)
        out.print(f"report: written to {html_file}")


def _fmt(value) -> str:
    return "" if value is None else f"{value:.3f}"
