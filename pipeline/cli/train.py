from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer
from rich.table import Table

from pipeline.cli._util import app, handle_errors, options, out, warn, workspace_of
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.training.train import TrainReport


class Init(str, Enum):
    base = "base"
    scratch = "scratch"


@app.command("train")
@handle_errors
def train_command(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(
        None,
        "--out",
        "-o",
        help="Where to save the trained pipeline. Default: models/NAME (\\[train] name in newscorpus.toml).",
    ),
    dataset: Optional[Path] = typer.Option(
        None, "--dataset", "-d", help="An exported dataset folder. Default: the workspace's export (exports/NAME)."
    ),
    init: Optional[Init] = typer.Option(
        None,
        "--init",
        help="Start from the base model's NER and tok2vec (base) or from random weights (scratch). "
        "Default: \\[train] init.",
    ),
    max_steps: Optional[int] = typer.Option(
        None, "--max-steps", min=1, help="Training steps at most. Default: \\[train] max_steps."
    ),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace an existing model in the output folder (only once the new one is saved)."
    ),
) -> None:
    """Train entity and claim extractors on an exported dataset and score them on its test split.

    Trains a spaCy pipeline on the CPU (NER for entities, a span categorizer for claims) on the
    train split, keeps the best step on the validation split, prints precision, recall and F1 per
    label on the test split and saves them beside the model in scores.json. Use the model with
    newscorpus preannotate --model DIR.
    """
    run_train(
        workspace_of(ctx),
        output=output,
        dataset=dataset,
        init=init.value if init else None,
        max_steps=max_steps,
        overwrite=overwrite,
        quiet=options(ctx).quiet,
    )


def run_train(
    workspace: Workspace,
    *,
    output: Optional[Path] = None,
    dataset: Optional[Path] = None,
    init: Optional[str] = None,
    max_steps: Optional[int] = None,
    overwrite: bool = False,
    quiet: bool,
) -> TrainReport:
    from pipeline.dataset.export import default_output
    from pipeline.training.train import train_extractor

    settings = workspace.settings
    report = train_extractor(
        dataset or default_output(workspace.exports_dir, settings),
        output or workspace.models_dir / settings.train.name,
        settings,
        init=init,
        max_steps=max_steps,
        overwrite=overwrite,
        progress=not quiet,
        annotations_dir=workspace.annotations_dir,
    )
    unreviewed = sum(report.pre_annotated.values())
    if unreviewed:
        warn(
            f"{unreviewed} of the {sum(report.documents.values())} documents in {report.dataset} are pre-annotated, "
            f"not reviewed (an --include-unreviewed export): the model learnt the pre-annotator's output there, "
            f"and the test figures score against it"
        )
    if not quiet:
        print_scores(report)
    return report


def _figure(value: Optional[float]) -> str:
    return "–" if value is None else f"{value:.3f}"


def print_scores(report: TrainReport) -> None:
    from pipeline.training.train import SCORES_FILE

    sizes = ", ".join(f"{name} {count}" for name, count in report.documents.items())
    table = Table(
        "layer",
        "label",
        "test spans",
        "precision",
        "recall",
        "F1",
        title=f"the trained components alone (spaCy's scorer), test split of {report.dataset} "
        f"({report.documents['test']} documents)",
    )
    layers = [score.layer for score in report.labels]
    for number, score in enumerate(report.labels):
        last_of_layer = number + 1 == len(layers) or layers[number + 1] != score.layer
        table.add_row(
            score.layer,
            score.label,
            str(score.support),
            _figure(score.precision),
            _figure(score.recall),
            _figure(score.f1),
            end_section=last_of_layer,
        )
    for layer in ("entities", "claims"):
        table.add_row(
            layer,
            "all",
            str(sum(s.support for s in report.labels if s.layer == layer)),
            _figure(report.overall[f"{layer}_precision"]),
            _figure(report.overall[f"{layer}_recall"]),
            _figure(report.overall[f"{layer}_f1"]),
            style="bold",
        )
    out.print(table)
    if report.preannotator:
        figures = report.preannotator
        out.print(
            f"the pre-annotator with this model, as 'preannotate --model' runs it (rules, gazetteer and the "
            f"trained components), on the same test split: entities F1 {figures['entities_strict_f1']:.3f}, "
            f"claims F1 {figures['claims_strict_f1']:.3f} (strict; overlap {figures['entities_overlap_f1']:.3f} "
            f"and {figures['claims_overlap_f1']:.3f}); matched claims with the right value and unit "
            f"{figures['claims_value_unit']:.3f}"
        )
    out.print(
        f"train: {report.init} start from {report.base_model}; documents {sizes}; {report.seconds:.0f} s; "
        f"saved to {report.out} (scores in {report.out / SCORES_FILE})"
    )
    out.print(f"use it: newscorpus preannotate --model {report.out}")
