"""Agreement between annotators, adjudication of their versions, and acceptance of pre-annotations.

A *version* is one annotator's spans for one document: a list of ``{start, end, label}`` (plus
``relations`` as ``{head, tail, type}`` with head and tail indexing the version's spans).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sklearn.metrics import cohen_kappa_score

Key = tuple[int, int, str]


def key(span: dict[str, Any]) -> Key:
    return (span["start"], span["end"], span["label"])


def span_f1(a: Iterable[dict[str, Any]], b: Iterable[dict[str, Any]], label: str | None = None) -> float | None:
    """Exact-match F1 between two annotators' spans (symmetric); None when neither has any."""
    ka = {key(s) for s in a if label is None or s["label"] == label}
    kb = {key(s) for s in b if label is None or s["label"] == label}
    if not ka and not kb:
        return None
    return 2 * len(ka & kb) / (len(ka) + len(kb))


def token_tags(spans: Iterable[dict[str, Any]], tokens: Sequence[tuple[int, int]], label: str) -> list[int]:
    """1 for tokens inside a span of ``label``, else 0 (for Cohen's kappa over tokens)."""
    tags = [0] * len(tokens)
    for span in spans:
        if span["label"] != label:
            continue
        for index, (start, end) in enumerate(tokens):
            if start < span["end"] and end > span["start"]:
                tags[index] = 1
    return tags


def token_kappa(a, b, tokens, label: str) -> float | None:
    ta, tb = token_tags(a, tokens, label), token_tags(b, tokens, label)
    if not any(ta) and not any(tb):
        return None
    if ta == tb:
        return 1.0
    return float(cohen_kappa_score(ta, tb))


@dataclass
class Agreement:
    """Pairwise figures over documents that two or more annotators confirmed."""

    f1: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    kappa: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    documents: int = 0

    def add(
        self, versions: dict[str, list[dict[str, Any]]], tokens: Sequence[tuple[int, int]], labels: Sequence[str]
    ) -> float | None:
        """Add one document's versions; returns its mean pairwise span F1 over all labels."""
        if len(versions) < 2:
            return None
        self.documents += 1
        overall = []
        for (_, a), (_, b) in itertools.combinations(sorted(versions.items()), 2):
            value = span_f1(a, b)
            if value is not None:
                overall.append(value)
                self.f1["ALL"].append(value)
            for label in labels:
                f1 = span_f1(a, b, label)
                if f1 is not None:
                    self.f1[label].append(f1)
                kappa = token_kappa(a, b, tokens, label)
                if kappa is not None:
                    self.kappa[label].append(kappa)
        return sum(overall) / len(overall) if overall else None

    def summary(self) -> dict[str, dict[str, float | int | None]]:
        labels = sorted(set(self.f1) | set(self.kappa), key=lambda label: (label == "ALL", label))
        return {
            label: {
                "pairs": len(self.f1.get(label, [])),
                "span_f1": _mean(self.f1.get(label)),
                "kappa": _mean(self.kappa.get(label)),
            }
            for label in labels
        }


def _mean(values: list[float] | None) -> float | None:
    return sum(values) / len(values) if values else None


def adjudicate(versions: dict[str, dict[str, Any]], approvers: set[str]) -> tuple[str, dict[str, Any], list[str]]:
    """One version out of several confirmed ones: an approver's first, then the majority of spans.

    Returns (how it was decided, the version, the spans that tied and were left out)."""
    chosen = sorted(name for name in versions if name in approvers)
    if chosen:
        return f"approver {chosen[0]}", versions[chosen[0]], []
    if len(versions) == 1:
        name = next(iter(versions))
        return f"annotator {name}", versions[name], []
    votes = Counter(
        key(span) for version in versions.values() for span in {key(s): s for s in version["spans"]}.values()
    )
    needed = len(versions) / 2
    kept = sorted(k for k, count in votes.items() if count > needed)
    ties = sorted(k for k, count in votes.items() if count == needed)
    spans = [{"start": s, "end": e, "label": label} for s, e, label in kept]
    index = {k: n for n, k in enumerate(kept)}
    relation_votes = Counter()
    for version in versions.values():
        own = version["spans"]
        for relation in version.get("relations", []):
            head, tail = key(own[relation["head"]]), key(own[relation["tail"]])
            relation_votes[(head, tail, relation["type"])] += 1
    relations = [
        {"head": index[h], "tail": index[t], "type": kind}
        for (h, t, kind), count in sorted(relation_votes.items())
        if count > needed and h in index and t in index
    ]
    tied = [f"{label} [{s}:{e}]" for s, e, label in ties]
    return f"majority of {len(versions)}", {"spans": spans, "relations": relations}, tied


@dataclass
class Acceptance:
    """What annotators did with the pre-annotations: kept, corrected (boundary or label), deleted,
    and what they added; per label and per component (the span's ``source``)."""

    counts: dict[tuple[str, str], Counter] = field(default_factory=lambda: defaultdict(Counter))

    def add(self, predicted: list[dict[str, Any]], reviewed: list[dict[str, Any]]) -> None:
        reviewed_keys = {key(s) for s in reviewed}
        matched_reviewed: set[Key] = set()
        for span in predicted:
            source = span.get("source", "?")
            if key(span) in reviewed_keys:
                outcome = "kept"
                matched_reviewed.add(key(span))
            else:
                overlapping = [r for r in reviewed if r["start"] < span["end"] and r["end"] > span["start"]]
                outcome = "corrected" if overlapping else "deleted"
                matched_reviewed.update(key(r) for r in overlapping)
            self.counts[("label", span["label"])][outcome] += 1
            self.counts[("source", source)][outcome] += 1
        for span in reviewed:
            if key(span) not in matched_reviewed:
                self.counts[("label", span["label"])]["added"] += 1
                self.counts[("source", "annotator")]["added"] += 1

    def rows(self, kind: str) -> list[tuple[str, Counter]]:
        return sorted((name, counts) for (k, name), counts in self.counts.items() if k == kind)
