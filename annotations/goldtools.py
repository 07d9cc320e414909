"""What the gold-set build scripts share: locating spans by context, and the layer checks.

Standard library only; imported by annotations/gold/build_gold.py and
annotations/heldout/build_heldout.py, which are run from the repository root.
"""

from __future__ import annotations

import unicodedata

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE"}
CLAIM_LABELS = {"COUNT", "QUANTITY", "MONEY", "PERCENT"}
BAD_EDGE = set(" \t\n\r.,;:!?'\"‘’“”()[]{}—–-…")


def find_all(text: str, needle: str) -> list[int]:
    out, i = [], text.find(needle)
    while i != -1:
        out.append(i)
        i = text.find(needle, i + 1)
    return out


def locate(text: str, span: str, anchor) -> tuple[int, int]:
    """Return (start, end) of `span`, disambiguated by `anchor` (see module docstring)."""
    if isinstance(anchor, tuple):
        left, right = anchor
    elif isinstance(anchor, str):
        left, right = anchor, ""
    else:
        raise TypeError(f"bad anchor {anchor!r} for {span!r}")
    hits = [i + len(left) for i in find_all(text, left + span + right)]
    assert len(hits) == 1, f"span {span!r} with anchor {anchor!r}: {len(hits)} matches, need exactly 1"
    start = hits[0]
    end = start + len(span)
    assert text[start:end] == span, (span, text[start:end])
    if left:
        assert text[start - len(left) : start] == left
    if right:
        assert text[end : end + len(right)] == right
    return start, end


def is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P") or ch.isspace()


def check_no_overlap(items: list[dict], layer: str) -> None:
    for a, b in zip(items, items[1:]):
        assert a["end"] <= b["start"], f"{layer} overlap: {a} / {b}"
