"""Entities: the statistical NER mapped to the schema, and the domain gazetteer, merged by one rule.

The rule: **where a gazetteer span and a model span overlap, the gazetteer span wins** (the model
span is dropped). Gazetteer patterns are decisions a user wrote down for this beat; the model's
guesses are generic. Spans of the same source never overlap (spaCy's ``filter_spans``: the longest
first).

Model spans are cleaned to the schema's span rules: no leading "the", no trailing punctuation or
possessive "'s", an acronym in brackets is its own span ("VRAEM Special Command (CEVRAEM)"), and a
single-token name must be tagged as a proper noun (the small model tags a sentence-initial
"Fingers" as PERSON). Each span's ``score`` is, for the gazetteer, 1.0; for the model, its published
precision for that label (``meta.json`` ``performance.ents_per_type``): spaCy's greedy NER gives no
per-span probability, and beam scoring costs more than the NER itself.
"""

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

MODEL_SOURCE = "model"
GAZETTEER_SOURCE = "gazetteer"
GAZETTEER_KEY = "gazetteer"
ENTITY_KEY = "newscorpus_entities"
ONTONOTES_TO_SCHEMA = {label: label for label in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE")}
_NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT"}
_LEADING_DROP = {"the", "The", "THE"}
_TRAILING_DROP = {"'s", "’s", "'", "’", ",", ".", ";", ":", ")", "(", "-", "—", "–", "\"", "“", "”", "‘", "’"}
RULES_SOURCE = "rules"
DEFAULT_SCORE = 0.5
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec."]
_DATE_WORDS = set(_MONTHS) | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
    "tomorrow", "year", "years", "month", "months", "week", "weeks", "day", "days", "decade", "decades",
    "century", "centuries", "ago", "weekend", "season", "spring", "summer", "autumn", "fall", "winter",
    "quarter", "night", "morning", "evening", "era", "period", "annual", "now", "recently", "time"}
# Built-in rules for dates the small model misses in datelines ("Jul 4", "July 4, 2022").
BUILTIN_PATTERNS = [
    {"label": "DATE", "id": "builtin:month-day", "pattern": [
        {"LOWER": {"IN": _MONTHS}, "IS_TITLE": True}, {"TEXT": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])$"}},
        {"TEXT": ",", "OP": "?"}, {"TEXT": {"REGEX": r"^(1[5-9]|20)\d\d$"}, "OP": "?"}]},
]


def load_patterns(path: Path) -> list[dict[str, Any]]:
    """EntityRuler/SpanRuler JSONL patterns; an error names the file and line."""
    import orjson

    from pipeline.errors import InputError

    patterns = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                pattern = orjson.loads(line)
            except orjson.JSONDecodeError as err:
                raise InputError(path, f"malformed JSON ({err.msg})", number) from None
            if not isinstance(pattern, dict) or "label" not in pattern or "pattern" not in pattern:
                raise InputError(path, "a pattern needs 'label' and 'pattern'", number)
            patterns.append(pattern)
    return patterns


def clean_model_span(span: Span) -> list[Span]:
    """The span(s) the schema wants for one model entity."""
    doc, start, end = span.doc, span.start, span.end
    parts: list[tuple[int, int]] = []
    open_bracket = next((t.i for t in span if t.text == "("), None)
    if open_bracket is not None and span.label_ in ("ORG", "GPE", "LOC", "FAC", "PERSON", "EVENT"):
        close = next((t.i for t in doc[open_bracket:min(end + 1, len(doc))] if t.text == ")"), end)
        parts = [(start, open_bracket), (open_bracket + 1, min(close, end))]
    else:
        parts = [(start, end)]
    cleaned = []
    for s, e in parts:
        while s < e and (doc[s].text in _LEADING_DROP or doc[s].is_space or doc[s].text in ("(", "“", "\"", "‘")):
            s += 1
        while e > s and (doc[e - 1].text in _TRAILING_DROP or doc[e - 1].is_space or doc[e - 1].tag_ == "POS"):
            e -= 1
        if e <= s:
            continue
        piece = Span(doc, s, e, label=span.label)
        if span.label_ in _NAME_LABELS and not any(t.tag_ in ("NNP", "NNPS") or t.is_upper for t in piece):
            continue  # not a name: "Fingers", "the armed forces"
        cleaned.append(piece)
    return cleaned


def is_date_like(span: Span) -> bool:
    """A DATE needs a date word, a year or a day number next to a month: the small model also tags
    bare numbers ("from 78 to 46") as DATE."""
    for token in span:
        if token.lower_ in _DATE_WORDS or token.lower_.rstrip("s") in _DATE_WORDS:
            return True
        if token.like_num and len(token.text) == 4 and token.text.isdigit() and 1000 <= int(token.text) <= 2100:
            return True
        if re.fullmatch(r"(1[5-9]|20)\d\d(s|-\d{2,4})?|'\d\ds", token.text):
            return True
    return False


def merge_entities(model_spans: Iterable[Span], gazetteer_spans: Iterable[Span], label_precision: dict[str, float]) -> list[dict[str, Any]]:
    gazetteer = filter_spans(list(gazetteer_spans))
    taken = set()
    for span in gazetteer:
        taken.update(range(span.start_char, span.end_char))
    records = [_record(span, RULES_SOURCE if span.id_.startswith("builtin:") else GAZETTEER_SOURCE, 1.0)
               for span in gazetteer]
    model = []
    for span in model_spans:
        label = ONTONOTES_TO_SCHEMA.get(span.label_)
        if label is None:
            continue
        model.extend(piece for piece in clean_model_span(span) if label != "DATE" or is_date_like(piece))
    for span in filter_spans(model):
        if any(c in taken for c in range(span.start_char, span.end_char)):
            continue
        records.append(_record(span, MODEL_SOURCE, label_precision.get(span.label_, DEFAULT_SCORE)))
    return sorted(records, key=lambda r: (r["start"], r["end"]))


def _record(span: Span, source: str, score: float) -> dict[str, Any]:
    return {"start": span.start_char, "end": span.end_char, "label": span.label_, "text": span.text,
            "source": source, "score": round(float(score), 4)}


class EntityMerger:
    """Merges the model's ``doc.ents`` and the gazetteer's ``doc.spans`` into schema entities,
    stored as plain records in ``doc.user_data`` (so they survive multiprocessing)."""

    def __init__(self, nlp: Language, gazetteer_key: str) -> None:
        self.gazetteer_key = gazetteer_key
        performance = nlp.meta.get("performance", {}) or {}
        per_type = performance.get("ents_per_type", {}) or {}
        self.label_precision = {label: figures.get("p", DEFAULT_SCORE) for label, figures in per_type.items()}

    def __call__(self, doc: Doc) -> Doc:
        gazetteer = doc.spans[self.gazetteer_key] if self.gazetteer_key in doc.spans else []
        doc.user_data[ENTITY_KEY] = merge_entities(doc.ents, gazetteer, self.label_precision)
        return doc


@Language.factory("newscorpus_entities", default_config={"gazetteer_key": GAZETTEER_KEY})
def make_entity_merger(nlp: Language, name: str, gazetteer_key: str) -> "EntityMerger":
    return EntityMerger(nlp, gazetteer_key)
