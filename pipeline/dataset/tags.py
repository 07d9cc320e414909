"""Tokens, BIO tags and character spans: the exported tokens' offsets in the text, spans as tags
(checked to start and end on token boundaries) and tags back as spans."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from pipeline.errors import SpanAlignmentError, UnexportableDocumentError

_first = itemgetter(0)


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Character offsets of the exported ``tokens`` in ``text``: they are the stored tokens in order,
    whitespace-only ones left out, so each starts at the next non-whitespace character."""
    offsets, position = [], 0
    for token in tokens:
        while position < len(text) and text[position].isspace() and not token[:1].isspace():
            position += 1
        if not text.startswith(token, position):
            raise ValueError(f"token {token!r} is not at offset {position} of the text")
        offsets.append((position, position + len(token)))
        position += len(token)
    return offsets


def spans_to_tags(
    offsets: Sequence[tuple[int, int]],
    spans: Iterable[dict[str, Any]],
    labels: Sequence[str],
    *,
    doc_id: str = "?",
    layer: str = "entity",
) -> list[int]:
    """BIO tag indexes (into ``tag_names(labels)``) of the tokens at ``offsets`` for character
    ``spans`` ({start, end, label}). Raises ``SpanAlignmentError`` for a span that does not start and
    end on token boundaries or overlaps another one, ``UnexportableDocumentError`` for a label that
    is not in ``labels``."""
    return tags_of(
        offsets,
        list(map(_first, offsets)),
        spans,
        {label: number for number, label in enumerate(labels)},
        doc_id,
        layer,
    )


def tags_of(
    offsets: Sequence[Sequence[int]],
    starts: list[int],
    spans: Iterable[dict[str, Any]],
    index: dict[str, int],
    doc_id: str,
    layer: str,
) -> list[int]:
    """``spans_to_tags`` with the offsets' starts and the label index made once by the caller (a row
    tags two layers over the same tokens)."""
    tags = [0] * len(offsets)
    for span in spans:
        start, end, label = span["start"], span["end"], span["label"]
        number = index.get(label)
        if number is None:
            raise UnexportableDocumentError(
                doc_id,
                f"{layer} label {label!r} at {start}-{end} is not one of "
                f"[labels] {'claims' if layer == 'claim' else 'entities'}",
            )
        first = bisect_left(starts, start)
        after = bisect_left(starts, end)  # the first token that starts at or after the span's end
        if first == len(offsets) or offsets[first][0] != start or after <= first or offsets[after - 1][1] != end:
            raise SpanAlignmentError(doc_id, f"{layer} {label} at {start}-{end} does not align with token boundaries")
        if any(tags[first:after]):
            raise SpanAlignmentError(doc_id, f"{layer} {label} at {start}-{end} overlaps another {layer}")
        begin = 1 + 2 * number
        tags[first] = begin
        if after - first > 1:
            tags[first + 1 : after] = [begin + 1] * (after - first - 1)
    return tags


def tags_to_spans(
    offsets: Sequence[tuple[int, int]], tags: Sequence[int], labels: Sequence[str]
) -> list[dict[str, Any]]:
    """The inverse of ``spans_to_tags``: character spans ({start, end, label}) from BIO tag indexes.
    An I- tag that does not continue a span of its label starts one (as conlleval reads it)."""
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for (start, end), tag in zip(offsets, tags):
        if tag == 0:
            current = None
            continue
        label, inside = divmod(tag - 1, 2)
        if inside and current is not None and current["label"] == labels[label]:
            current["end"] = end
        else:
            current = {"start": start, "end": end, "label": labels[label]}
            spans.append(current)
    return spans
