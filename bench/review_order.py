"""Review order, simulated with gold: how many of all the corrections review makes are found in the
first 20% of the documents reviewed, in the review queue's order against corpus order and random.

The "annotator" is a gold set: a document's corrections are what turning its pre-annotation into
its gold takes (spans corrected, deleted and added, counted as ``report`` counts them). Each set
scores one layer, and the queue is asked to rank by that layer (``layers=``):

- ``realnews-dev``: the real-news development half (claims);
- ``conll-testa``, ``conll-train``: CoNLL-2003 (entities, mapped to PER/ORG/LOC/MISC as
  ``bench/conll.py`` does; pre-annotated spans of other labels are dropped).

The queue's weights were set from the reasoning in ``pipeline/review/queue.py``, not fitted to
these sets. "Longest first" is printed beside it, to show what document length alone would give.

    python bench/review_order.py [--sets realnews-dev,conll-testa] [--limit N] [--share 0.2]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from pipeline.nlp.preannotate import annotate_texts
from pipeline.review.agreement import Acceptance
from pipeline.review.queue import QueueEntry, expected_corrections, order_entries
from pipeline.workspace import find_workspace

REPO = Path(__file__).resolve().parent.parent
STAGED = REPO / "annotations" / "external" / "staged"
sys.path.insert(0, str(Path(__file__).resolve().parent))
from conll import TO_CONLL  # noqa: E402

SETS = {
    "realnews-dev": ("realnews-dev.jsonl", "claims"),
    "conll-testa": ("conll2003-testa.jsonl", "entities"),
    "conll-train": ("conll2003-train.jsonl", "entities"),
}
RANDOM_DRAWS = 200
TARGET = 1.5

console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def corrections(predicted: list[dict], gold: list[dict]) -> int:
    acceptance = Acceptance()
    acceptance.add(predicted, gold)
    return sum(counts["corrected"] + counts["deleted"] + counts["added"] for _, counts in acceptance.rows("label"))


def layer_spans(spans: list[dict], layer: str) -> list[dict]:
    if layer == "claims":
        return [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in spans]
    return [
        {"start": s["start"], "end": s["end"], "label": TO_CONLL[s["label"]]} for s in spans if s["label"] in TO_CONLL
    ]


def share_found(order: list[int], found: list[int], share: float) -> float:
    first = math.ceil(share * len(order))
    total = sum(found)
    return sum(found[n] for n in order[:first]) / total if total else 0.0


def run_set(name: str, limit: int | None, share: float, workspace) -> dict:
    filename, layer = SETS[name]
    path = STAGED / filename
    if not path.exists():
        sys.exit(f"error: {path} is not there; stage it: python annotations/external/stage.py --mirrors DIR")
    gold = [orjson.loads(line) for line in path.read_bytes().splitlines()[:limit] if line.strip()]
    started = time.perf_counter()
    predicted = annotate_texts([g["text"] for g in gold], workspace.settings, workspace.annotations_dir)
    seconds = time.perf_counter() - started
    found = [
        corrections(
            layer_spans(p[layer], layer),
            layer_spans(g[layer], layer)
            if layer == "claims"
            else [{"start": s["start"], "end": s["end"], "label": s["label"]} for s in g["entities"]],
        )
        for p, g in zip(predicted, gold)
    ]
    entries = []
    for number, p in enumerate(predicted):
        priority, reasons = expected_corrections(
            p["text"],
            p["entities"],
            p["claims"],
            p.get("notes", []),
            layers=(layer,),
            disagreements=p.get("disagreements", 0),
        )
        entries.append(
            QueueEntry(
                str(number),
                str(number),
                priority,
                reasons,
                frozenset(s["text"] for s in p["entities"] if s["label"] != "DATE"),
            )
        )
    index = {e.doc_id: n for n, e in enumerate(entries)}
    orders = {
        order: [index[e.doc_id] for e in order_entries(list(entries), order)]
        for order in ("uncertainty", "diversity", "corpus")
    }
    orders["longest first"] = sorted(range(len(gold)), key=lambda n: -len(gold[n]["text"]))
    shares = {order: share_found(ranked, found, share) for order, ranked in orders.items()}
    draws = [
        share_found(random.Random(seed).sample(range(len(gold)), len(gold)), found, share)
        for seed in range(RANDOM_DRAWS)
    ]
    shares["random (mean of 200)"] = sum(draws) / len(draws)
    best = sorted(range(len(gold)), key=lambda n: -found[n])
    shares["best possible"] = share_found(best, found, share)
    return {
        "name": name,
        "layer": layer,
        "documents": len(gold),
        "corrections": sum(found),
        "shares": shares,
        "seconds": seconds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default="realnews-dev,conll-testa,conll-train")
    parser.add_argument("--limit", type=int, default=None, help="first N documents of each set")
    parser.add_argument("--share", type=float, default=0.2, help="the share of documents reviewed first")
    args = parser.parse_args()
    workspace = find_workspace(REPO)
    results = [run_set(name, args.limit, args.share, workspace) for name in args.sets.split(",")]
    table = Table(
        title=f"Share of all corrections found in the first {args.share:.0%} of documents reviewed",
        title_justify="left",
    )
    table.add_column("order")
    for result in results:
        table.add_column(
            f"{result['name']}\n{result['layer']}, {result['documents']} docs,\n{result['corrections']} corrections",
            justify="right",
        )
    for order in results[0]["shares"]:
        table.add_row(order, *(f"{r['shares'][order]:.3f}" for r in results))
    table.add_row(
        "uncertainty / corpus",
        *(f"{r['shares']['uncertainty'] / r['shares']['corpus']:.2f}" for r in results),
        end_section=True,
    )
    table.add_row(
        "uncertainty / random",
        *(f"{r['shares']['uncertainty'] / r['shares']['random (mean of 200)']:.2f}" for r in results),
    )
    console.print(table)
    met = all(r["shares"]["uncertainty"] >= TARGET * r["shares"]["corpus"] for r in results)
    console.print(
        f"target: uncertainty order finds at least {TARGET}x the corrections corpus order finds "
        f"in the first {args.share:.0%}: {'met' if met else 'NOT met'} on every set"
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
