"""Score predicted spans against gold: precision, recall and F1 per layer and label, under a strict and
an overlap criterion, and for numeric claims whether the normalised value and unit are right.

Pure scoring: the only I/O is reading a gold file. Predictions are plain dicts
(``{"text", "entities", "claims"}``) aligned by position with the gold documents.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from scipy.optimize import linear_sum_assignment

from pipeline.errors import GoldFileError, InputNotFoundError
from pipeline.nlp.claims.lexicon import same_unit as same_measure
from pipeline.settings import CLAIM_LABELS, ENTITY_LABELS

Span = dict[str, Any]

LAYERS = ("entities", "claims")
ALL = "ALL"
VALUE_REL_TOL = 1e-3
_LABEL_ORDER = {"entities": ENTITY_LABELS, "claims": CLAIM_LABELS}
_SHOWN_CHARS = 60


@dataclass
class GoldDocument:
    """One gold line. ``path`` and ``line`` say where it came from, for error messages."""

    text: str
    entities: list[Span] = field(default_factory=list)
    claims: list[Span] = field(default_factory=list)
    id: str | None = None
    path: Path | None = None
    line: int | None = None
    layers: tuple[str, ...] = LAYERS
    """The layers annotated in this document; the others are not scored (a claims-only gold set)."""
    any_label: bool = False
    """Spans match whatever their labels (a set whose labels are not the schema's, e.g. MeasEval)."""

    def spans(self, layer: str) -> list[Span]:
        return self.entities if layer == "entities" else self.claims


# ---------------------------------------------------------------------------------------------------
# Reading gold


def load_gold(
    path: Path | str,
    *,
    entity_labels: Iterable[str] = ENTITY_LABELS,
    claim_labels: Iterable[str] = CLAIM_LABELS,
) -> list[GoldDocument]:
    """Read and validate a gold JSONL file; the first bad line raises a ``GoldFileError`` naming it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputNotFoundError(path, "gold file not found") from None
    except OSError as err:
        raise GoldFileError(path, f"cannot read: {err.strerror or err}") from None
    labels = {"entities": list(entity_labels), "claims": list(claim_labels)}
    documents = []
    # Split on "\n" only: str.splitlines() would also cut at U+2028 and friends inside JSON strings.
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if number == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as err:
            raise GoldFileError(path, f"invalid JSON: {_one_line(str(err))}", line=number) from None
        try:
            documents.append(_gold_document(record, labels, path, number))
        except ValueError as err:
            raise GoldFileError(path, str(err), line=number) from None
    return documents


def _gold_document(record: Any, labels: dict[str, list[str]], path: Path, line: int) -> GoldDocument:
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError("missing 'text'" if text is None else "'text' is not a string")
    annotated = record.get("layers", list(LAYERS))
    if not isinstance(annotated, list) or not annotated or any(layer not in LAYERS for layer in annotated):
        raise ValueError(f"'layers' must be a non-empty list of {', '.join(LAYERS)}")
    any_label = record.get("labels", "schema")
    if any_label not in ("schema", "any"):
        raise ValueError('\'labels\' must be "schema" or "any"')
    layers = {}
    for layer in LAYERS:
        spans = record.get(layer, [] if layer not in annotated else None)
        if not isinstance(spans, list):
            raise ValueError(f"missing '{layer}' list" if spans is None else f"'{layer}' is not a list")
        for index, span in enumerate(spans):
            _check_gold_span(
                span, f"{layer}[{index}]", text, labels[layer], claim=layer == "claims", any_label=any_label == "any"
            )
        layers[layer] = spans
    raw_id = record.get("id")
    return GoldDocument(
        text=text,
        entities=layers["entities"],
        claims=layers["claims"],
        id=None if raw_id is None else str(raw_id),
        path=path,
        line=line,
        layers=tuple(layer for layer in LAYERS if layer in annotated),
        any_label=any_label == "any",
    )


def _check_gold_span(
    span: Any, where: str, text: str, labels: list[str], *, claim: bool, any_label: bool = False
) -> None:
    if not isinstance(span, dict):
        raise ValueError(f"{where}: not a JSON object")
    for key in ("start", "end", "label", "text") + (("value", "unit") if claim else ()):
        if key not in span:
            raise ValueError(f"{where}: missing '{key}'")
    start, end = span["start"], span["end"]
    if not (_is_int(start) and _is_int(end)):
        raise ValueError(f"{where}: start and end must be integers")
    if start >= end:
        raise ValueError(f"{where}: start {start} >= end {end}")
    if start < 0 or end > len(text):
        raise ValueError(f"{where}: offsets {start}:{end} are outside the text ({len(text)} characters)")
    if span["label"] not in labels and not any_label:
        raise ValueError(f"{where}: label {span['label']!r} is not one of {', '.join(labels)}")
    if text[start:end] != span["text"]:
        raise ValueError(f"{where}: text {_show(span['text'])} != text[{start}:{end}] {_show(text[start:end])}")
    if claim:
        if span["value"] is not None and not _is_number(span["value"]):
            raise ValueError(f"{where}: value must be a number or null")
        if span["unit"] is not None and not isinstance(span["unit"], str):
            raise ValueError(f"{where}: unit must be a string or null")


# ---------------------------------------------------------------------------------------------------
# Matching one document's spans of one layer


def match_strict(gold: Sequence[Span], predicted: Sequence[Span], *, any_label: bool = False) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs with the same start, end and label (any label with
    ``any_label``); each span used once."""
    key = _position if any_label else _key
    waiting: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    for i, span in enumerate(gold):
        waiting[key(span)].append(i)
    pairs = []
    for j, span in enumerate(predicted):
        queue = waiting.get(key(span))
        if queue:
            pairs.append((queue.pop(0), j))
    return sorted(pairs)


def match_overlap(gold: Sequence[Span], predicted: Sequence[Span], *, any_label: bool = False) -> list[tuple[int, int]]:
    """(gold index, predicted index) pairs with the same label (any label with ``any_label``) and
    overlapping character ranges.

    One-to-one, and exact rather than greedy: per label, a maximum bipartite matching, and among the
    matchings of that size the one with the most overlapping characters (so of two predictions that
    cut one gold span in half, the one covering more of it is the true positive).
    """
    gold_by_label: dict[str, list[int]] = defaultdict(list)
    predicted_by_label: dict[str, list[int]] = defaultdict(list)
    for i, span in enumerate(gold):
        gold_by_label[ALL if any_label else span["label"]].append(i)
    for j, span in enumerate(predicted):
        predicted_by_label[ALL if any_label else span["label"]].append(j)
    pairs = []
    for label, gold_ids in gold_by_label.items():
        predicted_ids = predicted_by_label.get(label)
        if not predicted_ids:
            continue
        overlap = np.array(
            [[max(0, _overlap(gold[i], predicted[j])) for j in predicted_ids] for i in gold_ids], dtype=np.int64
        )
        if not overlap.any():
            continue
        # Each pair weighs more than the total overlap of any matching, so more pairs always win and
        # overlap only breaks ties between matchings of the same size.
        weight = np.where(overlap > 0, overlap + int(overlap.sum()) + 1, 0)
        rows, cols = linear_sum_assignment(weight, maximize=True)
        pairs.extend((gold_ids[r], predicted_ids[c]) for r, c in zip(rows, cols) if overlap[r, c] > 0)
    return sorted(pairs)


def _key(span: Span) -> tuple[Any, ...]:
    return (span["start"], span["end"], span["label"])


def _position(span: Span) -> tuple[Any, ...]:
    return (span["start"], span["end"])


def _overlap(a: Span, b: Span) -> int:
    return min(a["end"], b["end"]) - max(a["start"], b["start"])


# ---------------------------------------------------------------------------------------------------
# The report


@dataclass
class Counts:
    """True/false positives and false negatives. Undefined ratios (nothing predicted, no gold) are 0:
    read them with ``support`` (gold spans) and ``predicted``."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def predicted(self) -> int:
        return self.tp + self.fp

    @property
    def precision(self) -> float:
        return self.tp / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.tp / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        denominator = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / denominator if denominator else 0.0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    def to_json(self) -> dict[str, Any]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "support": self.support,
            "predicted": self.predicted,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass
class LayerScores:
    """Counts per label under each criterion; ``ALL`` (micro-average) first, then the labels seen in gold
    or predictions, in the settings' order (unknown predicted labels last, alphabetically)."""

    strict: dict[str, Counts]
    overlap: dict[str, Counts]

    @property
    def labels(self) -> list[str]:
        return [label for label in self.overlap if label != ALL]

    def to_json(self) -> dict[str, Any]:
        return {
            "strict": {label: counts.to_json() for label, counts in self.strict.items()},
            "overlap": {label: counts.to_json() for label, counts in self.overlap.items()},
        }


@dataclass
class ValueAgreement:
    """Of the overlap-matched claim pairs, how many have the right value, and the right value and unit."""

    pairs: int = 0
    value: int = 0
    value_unit: int = 0

    @property
    def value_share(self) -> float:
        return self.value / self.pairs if self.pairs else 0.0

    @property
    def value_unit_share(self) -> float:
        return self.value_unit / self.pairs if self.pairs else 0.0

    def add(self, other: ValueAgreement) -> None:
        self.pairs += other.pairs
        self.value += other.value
        self.value_unit += other.value_unit

    def to_json(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "value_correct": self.value,
            "value_unit_correct": self.value_unit,
            "value": self.value_share,
            "value_unit": self.value_unit_share,
        }


@dataclass
class SpanError:
    """A span left unmatched under the overlap criterion: a false positive (predicted) or negative (gold)."""

    layer: str
    kind: str  # "FP" or "FN"
    label: str
    start: int
    end: int
    text: str
    document: int  # position in the gold list
    id: str | None = None
    context: str = ""  # the text around the span, on one line, the span in [brackets]


@dataclass
class ClaimMismatch:
    """An overlap-matched claim pair whose value, or unit, is wrong."""

    label: str
    gold_text: str
    predicted_text: str
    gold_value: Any
    gold_unit: Any
    predicted_value: Any
    predicted_unit: Any
    value_ok: bool
    unit_ok: bool
    start: int  # gold offsets
    end: int
    document: int
    id: str | None = None


@dataclass
class EvaluationReport:
    documents: int
    entities: LayerScores
    claims: LayerScores
    claim_values: dict[str, ValueAgreement]
    """``ALL`` first, then per label, as in ``LayerScores``."""
    errors: dict[str, list[SpanError]]
    """Per layer, the overlap false positives and negatives, by document and offset."""
    claim_mismatches: list[ClaimMismatch]

    def layer(self, name: str) -> LayerScores:
        if name not in LAYERS:
            raise KeyError(name)
        return self.entities if name == "entities" else self.claims

    def to_json(self) -> dict[str, Any]:
        claims = self.claims.to_json()
        claims["values"] = {label: agreement.to_json() for label, agreement in self.claim_values.items()}
        return {
            "documents": self.documents,
            "entities": self.entities.to_json(),
            "claims": claims,
            "errors": {layer: [asdict(error) for error in self.errors[layer]] for layer in LAYERS},
            "claim_mismatches": [asdict(mismatch) for mismatch in self.claim_mismatches],
        }


# ---------------------------------------------------------------------------------------------------
# Scoring


def evaluate(gold: Sequence[GoldDocument], predicted: Sequence[dict[str, Any]]) -> EvaluationReport:
    """Score ``predicted[i]`` against ``gold[i]``; a missing layer in a prediction counts as no spans."""
    if len(predicted) != len(gold):
        first = gold[0].path if gold else None
        raise GoldFileError(first, f"{len(predicted)} predicted documents for {len(gold)} gold documents")
    strict: dict[str, dict[str, Counts]] = {layer: defaultdict(Counts) for layer in LAYERS}
    overlap: dict[str, dict[str, Counts]] = {layer: defaultdict(Counts) for layer in LAYERS}
    values: dict[str, ValueAgreement] = defaultdict(ValueAgreement)
    errors: dict[str, list[SpanError]] = {layer: [] for layer in LAYERS}
    mismatches: list[ClaimMismatch] = []
    for index, (document, prediction) in enumerate(zip(gold, predicted)):
        _check_alignment(document, prediction, index)
        for layer in document.layers:
            gold_spans = document.spans(layer)
            predicted_spans = _predicted_spans(document, prediction, layer, index)
            any_label = document.any_label
            _count(
                strict[layer],
                gold_spans,
                predicted_spans,
                match_strict(gold_spans, predicted_spans, any_label=any_label),
                any_label=any_label,
            )
            pairs = match_overlap(gold_spans, predicted_spans, any_label=any_label)
            _count(overlap[layer], gold_spans, predicted_spans, pairs, any_label=any_label)
            errors[layer].extend(_unmatched(document, index, layer, gold_spans, predicted_spans, pairs))
            if layer == "claims" and not any_label:
                for i, j in pairs:
                    mismatch = _compare_claims(values, document, index, gold_spans[i], predicted_spans[j])
                    if mismatch is not None:
                        mismatches.append(mismatch)
    for layer in LAYERS:
        errors[layer].sort(key=lambda e: (e.document, e.start, e.end, e.kind, e.label))
    return EvaluationReport(
        documents=len(gold),
        entities=LayerScores(_with_total(strict["entities"], "entities"), _with_total(overlap["entities"], "entities")),
        claims=LayerScores(_with_total(strict["claims"], "claims"), _with_total(overlap["claims"], "claims")),
        claim_values=_with_total(values, "claims", ValueAgreement),
        errors=errors,
        claim_mismatches=mismatches,
    )


def span_errors(report: EvaluationReport, layer: str | None = None) -> list[SpanError]:
    """The overlap false positives and negatives of one layer, or of both (entities first)."""
    layers = LAYERS if layer is None else (layer,)
    return [error for name in layers for error in report.errors[name]]


def check_thresholds(report: EvaluationReport, *, entity_f1: float, claim_f1: float, value_unit: float) -> list[str]:
    """One line per figure below its threshold (micro overlap F1 per layer, claims' value+unit share);
    an empty list is a pass."""
    failures = []
    for layer, threshold in (("entities", entity_f1), ("claims", claim_f1)):
        counts = report.layer(layer).overlap[ALL]
        if counts.f1 < threshold:
            failures.append(
                f"{layer}: overlap F1 {counts.f1:.4f} is below the threshold {threshold:g} "
                f"(tp {counts.tp}, fp {counts.fp}, fn {counts.fn})"
            )
    agreement = report.claim_values[ALL]
    if agreement.value_unit_share < value_unit:
        failures.append(
            f"claims: value and unit right in {agreement.value_unit_share:.4f} of matched pairs "
            f"({agreement.value_unit}/{agreement.pairs}), below the threshold {value_unit:g}"
        )
    return failures


def _check_alignment(document: GoldDocument, prediction: Any, index: int) -> None:
    text = prediction.get("text") if isinstance(prediction, dict) else None
    if not isinstance(text, str):
        raise GoldFileError(document.path, f"predicted document {index} has no 'text'", line=document.line)
    if text != document.text:
        shorter = min(len(text), len(document.text))
        at = next((k for k, (a, b) in enumerate(zip(text, document.text)) if a != b), shorter)
        raise GoldFileError(
            document.path,
            f"predicted document {index}: text differs from the gold text at character {at}",
            line=document.line,
        )


def _predicted_spans(document: GoldDocument, prediction: dict[str, Any], layer: str, index: int) -> list[Span]:
    spans = prediction.get(layer) or []
    where = f"predicted document {index}"
    if not isinstance(spans, list):
        raise GoldFileError(document.path, f"{where}: '{layer}' is not a list", line=document.line)
    for k, span in enumerate(spans):
        if not (
            isinstance(span, dict)
            and _is_int(span.get("start"))
            and _is_int(span.get("end"))
            and isinstance(span.get("label"), str)
        ):
            raise GoldFileError(
                document.path,
                f"{where}, {layer}[{k}]: needs integer 'start' and 'end' and a string 'label'",
                line=document.line,
            )
    return spans


def _count(
    counts: dict[str, Counts],
    gold: list[Span],
    predicted: list[Span],
    pairs: list[tuple[int, int]],
    *,
    any_label: bool = False,
) -> None:
    """Per label; with ``any_label`` a true positive and a false negative count under the gold
    span's label and a false positive under the predicted one's."""
    matched_gold = {i for i, _ in pairs}
    matched_predicted = {j for _, j in pairs}
    for i, _ in pairs:
        counts[gold[i]["label"]].tp += 1
    for i, span in enumerate(gold):
        if i not in matched_gold:
            counts[span["label"]].fn += 1
    for j, span in enumerate(predicted):
        if j not in matched_predicted:
            counts[span["label"]].fp += 1


def _unmatched(
    document: GoldDocument,
    index: int,
    layer: str,
    gold: list[Span],
    predicted: list[Span],
    pairs: list[tuple[int, int]],
) -> list[SpanError]:
    matched_gold = {i for i, _ in pairs}
    matched_predicted = {j for _, j in pairs}
    found = [("FN", span) for i, span in enumerate(gold) if i not in matched_gold]
    found += [("FP", span) for j, span in enumerate(predicted) if j not in matched_predicted]
    return [
        SpanError(
            layer=layer,
            kind=kind,
            label=span["label"],
            start=span["start"],
            end=span["end"],
            text=document.text[span["start"] : span["end"]],
            document=index,
            id=document.id,
            context=context_of(document.text, span["start"], span["end"]),
        )
        for kind, span in found
    ]


def context_of(text: str, start: int, end: int, width: int = 50) -> str:
    """The text around ``start:end`` on one line, the span in brackets: "... rose [5%] to ..."."""
    left = " ".join(text[max(0, start - width) : start].split())
    right = " ".join(text[end : end + width].split())
    before = "…" if start > width else ""
    after = "…" if end + width < len(text) else ""
    return f"{before}{left} [{' '.join(text[start:end].split())}] {right}{after}"


def _compare_claims(
    values: dict[str, ValueAgreement], document: GoldDocument, index: int, gold: Span, predicted: Span
) -> ClaimMismatch | None:
    value_ok = same_value(gold.get("value"), predicted.get("value"))
    unit_ok = same_unit(gold.get("unit"), predicted.get("unit"))
    agreement = values[gold["label"]]
    agreement.pairs += 1
    agreement.value += value_ok
    agreement.value_unit += value_ok and unit_ok
    if value_ok and unit_ok:
        return None
    return ClaimMismatch(
        label=gold["label"],
        gold_text=document.text[gold["start"] : gold["end"]],
        predicted_text=document.text[predicted["start"] : predicted["end"]],
        gold_value=gold.get("value"),
        gold_unit=gold.get("unit"),
        predicted_value=predicted.get("value"),
        predicted_unit=predicted.get("unit"),
        value_ok=value_ok,
        unit_ok=unit_ok,
        start=gold["start"],
        end=gold["end"],
        document=index,
        id=document.id,
    )


def same_value(gold: Any, predicted: Any) -> bool:
    """Both null, or both numbers within a relative tolerance of ``VALUE_REL_TOL``."""
    if gold is None or predicted is None:
        return gold is None and predicted is None
    if not (_is_number(gold) and _is_number(predicted)):
        return False
    return math.isclose(gold, predicted, rel_tol=VALUE_REL_TOL)


def same_unit(gold: Any, predicted: Any) -> bool:
    """Equal ignoring case and surrounding space (null and an empty string both mean no unit), or
    the same unit of measure however spelled ("kilometre per hour" and "km/h")."""
    if _unit(gold) == _unit(predicted):
        return True
    if not (isinstance(gold, str) and isinstance(predicted, str)):
        return False
    return same_measure(gold.replace(" / ", " per "), predicted.replace(" / ", " per "))


def _unit(unit: Any) -> Any:
    if isinstance(unit, str):
        return unit.strip().casefold() or None
    return unit


def _with_total(by_label: dict[str, Any], layer: str, kind: type = Counts) -> dict[str, Any]:
    order = _LABEL_ORDER[layer]
    known = [label for label in order if label in by_label]
    unknown = sorted(label for label in by_label if label not in order)
    total = kind()
    for label in known + unknown:
        total.add(by_label[label])
    return {ALL: total, **{label: by_label[label] for label in known + unknown}}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _show(text: Any) -> str:
    shown = repr(text)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 3] + "..."


def _one_line(message: str) -> str:
    return " ".join(message.split())
