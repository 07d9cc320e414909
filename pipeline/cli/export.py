from __future__ import annotations

from enum import Enum
from pathlib import Path
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
    warn,
    with_engine,
    workspace_of,
)
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.dataset.export import ExportReport


class Format(str, Enum):
    arrow = "arrow"
    parquet = "parquet"
    both = "both"


@app.command("export")
@handle_errors
def export_command(
    ctx: typer.Context,
    output: Optional[str] = typer.Option(
        None,
        "--out",
        "-o",
        help="Output folder or s3://bucket/prefix. Default: exports/NAME in the workspace "
        "(\\[export] name in newscorpus.toml).",
    ),
    include_unreviewed: bool = typer.Option(
        False,
        "--include-unreviewed",
        help="Also export pre-annotated documents nobody has reviewed (marked review.status = pre-annotated).",
    ),
    fmt: Format = typer.Option(
        Format.both, "--format", "-f", help="arrow (load_from_disk), parquet (load_dataset, the Hub) or both."
    ),
    overwrite: bool = typer.Option(
        False,
        "--overwrite",
        help="Replace an existing export in the output folder (only once the new one is complete).",
    ),
    n_process: Optional[int] = typer.Option(
        None,
        "--n-process",
        "-n",
        min=1,
        help="Processes that build the rows. Default: the CPUs available, up to 4; the dataset is the same.",
    ),
    engine: Optional[Engine] = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Export the corpus as a Hugging Face dataset: train, validation and test splits and a dataset card.

    Only reviewed documents, unless --include-unreviewed. Whole near-duplicate groups stay in one
    split. Load it with datasets.load_dataset(DIR) or datasets.load_from_disk(DIR).
    """
    where = output if output is None or "://" in output else Path(output)
    run_export(
        with_engine(workspace_of(ctx), engine),
        output=where,
        include_unreviewed=include_unreviewed,
        fmt=fmt.value,
        overwrite=overwrite,
        n_process=n_process,
        quiet=options(ctx).quiet,
    )


def run_export(
    workspace: Workspace,
    *,
    output: Path | str | None = None,
    include_unreviewed: bool = False,
    fmt: str = "both",
    overwrite: bool = False,
    n_process: Optional[int] = None,
    quiet: bool,
) -> ExportReport:
    from pipeline.dataset.export import default_output, export_dataset

    report = export_dataset(
        store_of(workspace),
        workspace.settings,
        out=output or default_output(workspace.exports_dir, workspace.settings),
        annotations_dir=workspace.annotations_dir,
        include_unreviewed=include_unreviewed,
        formats=fmt,
        overwrite=overwrite,
        n_process=n_process,
        progress=not quiet,
    )
    if not workspace.settings.export.license:
        warn(
            f'the dataset\'s license is not set: the card says "other"; set [export] license in '
            f"{workspace.settings_path} to a Hugging Face Hub license id (cc-by-4.0, mit, other, ...)"
        )
    for problem in report.skipped:
        warn(str(problem))
    for name in report.empty_splits:
        warn(
            f"split {name!r} is empty: no near-duplicate group of the {report.documents} documents landed in it "
            f"(ratio {getattr(workspace.settings.split, name)}); it is kept with 0 rows and named in the card"
        )
    if not quiet:
        splits = ", ".join(f"{name} {summary.documents}" for name, summary in report.splits.items())
        reviewed = sum(s.reviewed for s in report.splits.values())
        left_out = (
            f", {report.unreviewed_left_out} pre-annotated left out (--include-unreviewed adds them)"
            if report.unreviewed_left_out
            else ""
        )
        out.print(
            f"export: {report.documents} documents ({reviewed} reviewed, {report.documents - reviewed} "
            f"pre-annotated): {splits}; {len(report.skipped)} skipped{left_out}; written to {report.out}"
        )
    return report
