"""One dataset row per document: its tokens and tags, entities, claims, relations, metadata and review."""

from __future__ import annotations

import itertools
from operator import itemgetter
from typing import Any

from pipeline.corpus.record import PRE_ANNOTATED, REVIEWED, Document
from pipeline.dataset.schema import META_KEYS
from pipeline.dataset.tags import tags_of
from pipeline.errors import SpanAlignmentError, UnexportableDocumentError
from pipeline.nlp import tokenization
from pipeline.settings import LabelSettings

_first = itemgetter(0)


def document_row(document: Document, labels: LabelSettings) -> dict[str, Any]:
    """One dataset row (the features of ``export_features``) for a tokenized, annotated document.

    Entities and claims are the document's current ones (reviewed if confirmed, else the
    pre-annotations), in stored order, so the relations' indexes (entities first, then claims) hold.
    Raises ``UnexportableDocumentError`` (or its ``SpanAlignmentError``) when the document cannot be
    exported as it stands."""
    text = document.text
    tokenized = document.outputs.get(tokenization.STAGE)
    if tokenized is None or tokenized.failed:
        raise UnexportableDocumentError(document.id, "not tokenized (run newscorpus tokenize)")
    # Tags are made over all stored tokens, then the whitespace-only ones (paragraph breaks) are
    # deleted from tokens and tags alike: the row is built once per document, and this is several
    # times faster than filtering first (Document.tokens alone, a copy into tuples, costs more).
    # The tokenize stage stores the token texts joined (since its version 3); a text that holds the
    # separator itself, or an older output, has them cut out of the text instead.
    offsets = tokenized.data["tokens"]
    words = tokenized.data.get("words")
    tokens = words.split(tokenization.WORD_SEPARATOR) if words else []
    if len(tokens) != len(offsets):
        tokens = [text[start:end] for start, end in offsets]
    entities, claims = document.entities, document.claims
    for layer, spans in (("entity", entities), ("claim", claims)):
        for span in spans:
            start, end = span["start"], span["end"]
            if not 0 <= start < end <= len(text) or span.get("text", text[start:end]) != text[start:end]:
                raise SpanAlignmentError(
                    document.id,
                    f"{layer} {span.get('text', '')!r} at {start}-{end} does not "
                    f"match the text (the span was made on another text)",
                )
            if text[start].isspace() or text[end - 1].isspace():
                raise SpanAlignmentError(
                    document.id, f"{layer} {span['label']} at {start}-{end} starts or ends with whitespace"
                )
    entity_index = {label: number for number, label in enumerate(labels.entities)}
    claim_index = {label: number for number, label in enumerate(labels.claims)}
    starts = list(map(_first, offsets))
    ner_tags = tags_of(offsets, starts, entities, entity_index, document.id, "entity")
    claim_tags = tags_of(offsets, starts, claims, claim_index, document.id, "claim")
    for position in reversed(list(itertools.compress(itertools.count(), map(str.isspace, tokens)))):
        del tokens[position], ner_tags[position], claim_tags[position]
    relations = []
    spans_count = len(entities) + len(claims)
    for relation in document.relations:
        head, tail = relation.get("head"), relation.get("tail")
        if not (
            isinstance(head, int) and isinstance(tail, int) and 0 <= head < spans_count and 0 <= tail < spans_count
        ):
            raise UnexportableDocumentError(
                document.id, f"relation {relation!r} does not point at two of its {spans_count} entities and claims"
            )
        relations.append({"head": head, "tail": tail, "type": _string(relation.get("type"))})
    reviewed = document.reviewed
    review = document.review or {}
    meta = {key: _string(document.meta.get(key)) for key in META_KEYS[:-1]}
    meta["group"] = document.group
    return {
        "id": document.id,
        "text": text,
        "meta": meta,
        "tokens": tokens,
        "ner_tags": ner_tags,
        "claim_tags": claim_tags,
        "entities": [
            {
                "start": e["start"],
                "end": e["end"],
                "label": entity_index[e["label"]],
                "text": text[e["start"] : e["end"]],
            }
            for e in entities
        ],
        "claims": [_claim_row(claim, text, claim_index, document.id) for claim in claims],
        "relations": relations,
        "review": {
            "status": REVIEWED if reviewed else PRE_ANNOTATED,
            "annotators": [str(a) for a in review.get("annotators") or []] if reviewed else [],
            "agreement": _number(document.id, review, "agreement") if reviewed else None,
        },
    }


_CLAIM_NUMBERS = ("value", "low", "high", "from", "to")


def _claim_row(claim: dict[str, Any], text: str, index: dict[str, int], doc_id: str) -> dict[str, Any]:
    start, end = claim["start"], claim["end"]
    row = {
        "start": start,
        "end": end,
        "label": index[claim["label"]],
        "text": text[start:end],
        "unit": _string(claim.get("unit")),
        "approx": _string(claim.get("approx")),
    }
    for key in _CLAIM_NUMBERS:  # stored numbers are floats or None; anything else is checked
        value = claim.get(key)
        row[key] = value if value is None or type(value) is float else _number(doc_id, claim, key)
    return row


def _string(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(doc_id: str, record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None or type(value) is float:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UnexportableDocumentError(doc_id, f"{key} {value!r} is not a number") from None
