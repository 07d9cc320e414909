"""The order in which documents go to review: where review is expected to change the most first.

Each pre-annotated document gets a priority, the number of corrections review is expected to make
in it, from what the pre-annotation itself says:

- spans from low-precision sources: each span is wrong with probability ``1 - score`` (a model
  span's score is the model's measured precision for its label; rules, gazetteer and place list
  score high);
- disagreement between the model and the rules: entities the gazetteer, the place list or the
  document's evidence changed from the model's own reading (one of the two is wrong);
- claims whose unit was inferred: a count takes its unit from the noun it counts, the claim most
  often corrected;
- material the pre-annotator left alone that review may add: capitalised words inside a sentence
  that no entity covers, figures that no claim or date covers;
- entity names unseen in reviewed data (once anything has been reviewed);
- text in capitals (the pre-annotator reads a truecased view, and misses more there).

A near-duplicate group is spread out:
its second document counts half, its third a quarter, so one story is not reviewed five times
before another is seen. ``diversity`` orders instead by the names a document adds to those above
it; ``corpus`` keeps the store's order.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pipeline.corpus.record import REVIEWED, Document
from pipeline.stages import PREANNOTATE, REVIEW

ORDERS = ("uncertainty", "diversity", "corpus")
LAYERS = ("entities", "claims")
NOT_NAMES = {"DATE"}
DEFAULT_ORDER = "uncertainty"

COUNT_UNIT_RISK = 0.15  # on top of the claim's own 1 - score
DISAGREEMENT_RISK = 0.3
UNCOVERED_NAME_RISK = 0.3
UNCOVERED_FIGURE_RISK = 0.3
UNSEEN_NAME_RISK = 0.1
CAPITALS_FACTOR = 1.5
GROUP_DECAY = 0.5

_MID_SENTENCE_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z][A-Za-z'&.-]+")
_FIGURE = re.compile(r"\d[\d,.]*")
_YEAR = re.compile(r"(1[89]|20)\d\d")


@dataclass
class QueueEntry:
    doc_id: str
    group: str
    priority: float
    reasons: list[str] = field(default_factory=list)
    names: frozenset[str] = frozenset()
    headline: str = ""
    rank: int = 0

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def expected_corrections(
    text: str,
    entities: list[dict[str, Any]],
    claims: list[dict[str, Any]],
    notes: list[dict[str, Any]],
    seen_names: set[str] | None = None,
    layers: tuple[str, ...] = LAYERS,
    disagreements: int = 0,
) -> tuple[float, list[str]]:
    """(priority, reasons): the corrections review is expected to make in one document, in the
    ``layers`` under review. ``disagreements``: entities where the model and the merge differ."""
    kinds = {note.get("kind") for note in notes}
    terms: list[tuple[float, str]] = []
    covered = _covered(entities + claims)
    entities = entities if "entities" in layers else []
    claims = claims if "claims" in layers else []
    spans = entities + claims
    doubtful = [s for s in spans if float(s.get("score", 1.0)) < 0.85]
    span_risk = sum(1.0 - float(s.get("score", 1.0)) for s in spans)
    if doubtful:
        by_kind: dict[str, int] = {}
        for span in doubtful:
            name = f"{span.get('source', '?')} {span['label']}"
            by_kind[name] = by_kind.get(name, 0) + 1
        shown = ", ".join(f"{name} x{n}" for name, n in sorted(by_kind.items(), key=lambda item: -item[1])[:3])
        terms.append((span_risk, f"{_n(len(doubtful), 'low-confidence span')} ({shown})"))
    elif span_risk:
        terms.append((span_risk, "span confidence"))
    if disagreements and entities:
        terms.append(
            (DISAGREEMENT_RISK * disagreements, f"{_n(disagreements, 'span')} where the model and the rules disagree")
        )
    counts = [c for c in claims if c["label"] == "COUNT"]
    if counts:
        terms.append((COUNT_UNIT_RISK * len(counts), f"{_n(len(counts), 'count')} with a unit inferred from the noun"))
    names = (
        []
        if "entities" not in layers
        else [m for m in _MID_SENTENCE_CAPITAL.finditer(text) if m.start() not in covered]
    )
    if names:
        terms.append((UNCOVERED_NAME_RISK * len(names), f"{_n(len(names), 'capitalised word')} outside any entity"))
    figures = (
        []
        if "claims" not in layers
        else [m for m in _FIGURE.finditer(text) if m.start() not in covered and not _YEAR.fullmatch(m.group())]
    )
    if figures:
        terms.append((UNCOVERED_FIGURE_RISK * len(figures), f"{_n(len(figures), 'figure')} outside any claim or date"))
    if seen_names is not None and entities:
        unseen = {s["text"] for s in entities if s["label"] not in NOT_NAMES and s["text"] not in seen_names}
        if unseen:
            terms.append((UNSEEN_NAME_RISK * len(unseen), f"{_n(len(unseen), 'name')} not in reviewed data"))
    priority = sum(weight for weight, _ in terms)
    reasons = [reason for _, reason in sorted(terms, key=lambda term: -term[0])]
    if "capitals" in kinds:
        priority *= CAPITALS_FACTOR
        reasons.insert(0, "in capitals")
    if "table" in kinds:
        reasons.insert(0, "a table: nothing pre-annotated")
    return round(priority, 3), reasons


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _covered(spans: list[dict[str, Any]]) -> set[int]:
    covered: set[int] = set()
    for span in spans:
        covered.update(range(span["start"], span["end"]))
    return covered


def entry_of(document: Document, seen_names: set[str] | None = None) -> QueueEntry | None:
    """The queue entry of a pre-annotated document (None when it is not pre-annotated)."""
    output = document.outputs.get(PREANNOTATE)
    if output is None or output.failed:
        return None
    data = output.data
    priority, reasons = expected_corrections(
        document.text,
        data["entities"],
        data["claims"],
        data.get("notes", []),
        seen_names,
        disagreements=data.get("disagreements", 0),
    )
    names = frozenset(s["text"] for s in data["entities"] if s["label"] not in NOT_NAMES)
    headline = document.meta.get("headline") or document.text.strip().partition("\n")[0]
    return QueueEntry(document.id, document.group, priority, reasons, names, headline[:80])


def order_entries(entries: list[QueueEntry], order: str = DEFAULT_ORDER) -> list[QueueEntry]:
    """The entries in review order, each with its 1-based ``rank``."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")
    if order == "uncertainty":
        ordered = _spread_groups(entries)
    elif order == "diversity":
        ordered = _by_new_names(entries)
    else:
        ordered = list(entries)
    for rank, entry in enumerate(ordered, start=1):
        entry.rank = rank
    return ordered


def _spread_groups(entries: list[QueueEntry]) -> list[QueueEntry]:
    by_group: dict[str, list[QueueEntry]] = {}
    for entry in entries:
        by_group.setdefault(entry.group, []).append(entry)
    keyed = []
    for members in by_group.values():
        members.sort(key=lambda e: -e.priority)
        for place, entry in enumerate(members):
            if place:
                entry.reasons = [*entry.reasons, f"near-duplicate {place + 1} of its story"]
            keyed.append((-entry.priority * GROUP_DECAY**place, entry.doc_id, entry))
    return [entry for *_, entry in sorted(keyed, key=lambda item: item[:2])]


def _by_new_names(entries: list[QueueEntry]) -> list[QueueEntry]:
    """Greedy: next the document with the most names not yet above it (lazy re-scoring; a gain only
    shrinks as names are covered), ties by priority; one document per near-duplicate group first."""
    covered: set[str] = set()
    groups_seen: set[str] = set()
    heap = [(False, -len(e.names), -e.priority, e.doc_id, n) for n, e in enumerate(entries)]
    heapq.heapify(heap)
    ordered = []
    while heap:
        key = heapq.heappop(heap)
        entry = entries[key[-1]]
        new = entry.names - covered
        fresh = (entry.group in groups_seen, -len(new), *key[2:])
        if fresh != key:
            heapq.heappush(heap, fresh)
            continue
        entry.reasons = [f"{_n(len(new), 'name')} not above it", *entry.reasons]
        covered |= new
        groups_seen.add(entry.group)
        ordered.append(entry)
    return ordered


def reviewed_names(documents: Iterable[Document]) -> set[str]:
    """Entity texts in reviewed documents."""
    names: set[str] = set()
    for document in documents:
        if document.reviewed:
            names.update(span["text"] for span in document.review.get("entities", []) if "text" in span)
            names.update(
                document.text[s["start"] : s["end"]] for s in document.review.get("entities", []) if "text" not in s
            )
    return names


def review_queue(
    store, order: str = DEFAULT_ORDER, *, include_reviewed: bool = True, ids: set[str] | None = None
) -> list[QueueEntry]:
    """The pre-annotated documents of the store (those of ``ids``; without the reviewed ones unless
    ``include_reviewed``), ranked in ``order``."""
    statuses = store.stage_values(REVIEW, "status")
    reviewed = {doc_id for doc_id, status in statuses.items() if status == REVIEWED}
    seen = reviewed_names(store.iter_documents([REVIEW], ids=reviewed)) if reviewed else None
    wanted = ids
    if not include_reviewed:
        wanted = (wanted if wanted is not None else store.ids()) - reviewed
    entries = []
    for document in store.iter_documents([PREANNOTATE], ids=wanted):
        entry = entry_of(document, seen)
        if entry is not None:
            entries.append(entry)
    return order_entries(entries, order)
