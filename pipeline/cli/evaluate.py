from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import orjson
import typer
from rich import box
from rich.table import Table

from pipeline.cli._util import app, err, handle_errors, out, workspace_of

if TYPE_CHECKING:
    from pipeline.evaluate import EvaluationReport


@app.command("evaluate")
@handle_errors
def evaluate_command(
    ctx: typer.Context,
    gold: Path = typer.Option(
        ..., "--gold", "-g", help="Gold JSONL: one document per line with text, entities, claims."
    ),
    model: Optional[str] = typer.Option(
        None, "--model", "-m", help="spaCy pipeline to evaluate; default: [model] name."
    ),
    errors: bool = typer.Option(
        False, "--errors", "-e", help="Also list every false positive, false negative and wrong value."
    ),
    json_out: Optional[Path] = typer.Option(None, "--json", help="Write the full report as JSON to this file."),
    min_entity_f1: Optional[float] = typer.Option(None, help="Exit 1 if entity overlap F1 is below this."),
    min_claim_f1: Optional[float] = typer.Option(None, help="Exit 1 if claim overlap F1 is below this."),
    min_value_unit: Optional[float] = typer.Option(
        None, help="Exit 1 if the share of matched claims with right value and unit is below this."
    ),
) -> None:
    """Pre-annotate the gold texts and score them: strict and overlap P/R/F1 per layer and label.

    For claims, also the share of matched claims whose value, and value and unit, are right.
    """
    from pipeline.evaluate import check_thresholds, evaluate, load_gold
    from pipeline.nlp.preannotate import annotate_texts

    workspace = workspace_of(ctx)
    documents = load_gold(
        gold, entity_labels=workspace.settings.labels.entities, claim_labels=workspace.settings.labels.claims
    )
    predicted = annotate_texts([d.text for d in documents], workspace.settings, workspace.annotations_dir, model=model)
    report = evaluate(documents, predicted)
    print_report(report, gold=gold, show_errors=errors)
    if json_out is not None:
        from pipeline.util.fs import atomic_write

        with atomic_write(json_out) as handle:
            handle.write(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2))
    thresholds = (min_entity_f1, min_claim_f1, min_value_unit)
    if any(t is not None for t in thresholds):
        failures = check_thresholds(
            report, entity_f1=min_entity_f1 or 0.0, claim_f1=min_claim_f1 or 0.0, value_unit=min_value_unit or 0.0
        )
        for failure in failures:
            err.print(f"[bold red]below the bar:[/] {failure}", markup=True)
        if failures:
            raise typer.Exit(1)


def _prf(counts) -> str:
    return f"{counts.precision:.2f}/{counts.recall:.2f}/[bold]{counts.f1:.3f}[/]"


def print_report(report: EvaluationReport, *, gold: Path, show_errors: bool) -> None:
    from pipeline.evaluate import ALL

    out.print(f"Evaluated on {report.documents} gold document(s) from {gold}")
    for layer in ("entities", "claims"):
        scores = report.layer(layer)
        if not scores.overlap[ALL].support and not scores.overlap[ALL].predicted:
            out.print(f"{layer.capitalize()}: none in the gold set (not scored)")
            continue
        table = Table(
            "label",
            "gold",
            "pred",
            "strict P/R/F1",
            "overlap P/R/F1",
            title=layer.capitalize(),
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        if layer == "claims":
            table.add_column("value")
            table.add_column("value+unit")
        for label in [*scores.labels, ALL]:
            strict, overlap = scores.strict[label], scores.overlap[label]
            row = [label, str(overlap.support), str(overlap.predicted), _prf(strict), _prf(overlap)]
            if layer == "claims":
                values = report.claim_values.get(label)
                row += (
                    [f"{values.value_share:.3f}", f"{values.value_unit_share:.3f}"]
                    if values and values.pairs
                    else ["", ""]
                )
            table.add_row(*row, end_section=label == scores.labels[-1] if scores.labels else False)
        out.print(table)
    if show_errors:
        for layer in ("entities", "claims"):
            for error in report.errors[layer]:
                out.print(
                    f"{error.kind} {layer[:-1] if layer == 'claims' else 'entity'} {error.label:<8} {error.text!r} "
                    f"[{error.start}:{error.end}]  {error.context}",
                    markup=False,
                    highlight=False,
                )
        for mismatch in report.claim_mismatches:
            out.print(
                f"VALUE {mismatch.gold_text!r}: gold {mismatch.gold_value} {mismatch.gold_unit}, "
                f"predicted {mismatch.predicted_value} {mismatch.predicted_unit}",
                markup=False,
                highlight=False,
            )
