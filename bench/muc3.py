"""Entities on wire reports in capitals: does the pre-annotator find the perpetrator organisations
that the MUC-3 key templates name?

    python bench/muc3.py [--examples 10] [--json OUT]

Reads ``annotations/external/staged/muc3-sample.jsonl`` (``stage.py --only muc3``): reports with,
for each organisation of their keys, where its names stand in the text. The pre-annotator runs as
``newscorpus preannotate`` runs it (``annotate_texts``). An organisation is found when an entity of
any label overlaps one of its mentions, found as ORG when that entity is an ORG (``ORG=`` when the
ORG is exactly a mention, ``ORG~`` when it only overlaps one, ``MISS`` when nothing does). There is no
entity gold for the rest of the text: the examples are printed for reading, not scored.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import orjson

from pipeline.evaluate import context_of
from pipeline.nlp.preannotate import annotate_texts
from pipeline.workspace import find_workspace

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "annotations" / "external" / "staged" / "muc3-sample.jsonl"


def overlapping(entities: list[dict], mention: dict) -> list[dict]:
    return [e for e in entities if e["start"] < mention["end"] and mention["start"] < e["end"]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="the staged MUC-3 sample")
    parser.add_argument("--examples", type=int, default=10, help="entity outputs to print (a seeded draw)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures and the per-organisation results")
    parser.add_argument("--workspace", type=Path, help="newscorpus workspace (default: as newscorpus finds it)")
    args = parser.parse_args()
    if not args.sample.exists():
        sys.exit(
            f"error: {args.sample} is not there; stage it: "
            f"python annotations/external/stage.py --mirrors DIR --only muc3"
        )
    records = [orjson.loads(line) for line in args.sample.read_bytes().splitlines() if line.strip()]
    workspace = find_workspace(args.workspace)
    start = time.perf_counter()
    predicted = annotate_texts([r["text"] for r in records], workspace.settings, workspace.annotations_dir)
    seconds = time.perf_counter() - start

    results = []
    for record, prediction in zip(records, predicted):
        for organisation in record["key_organisations"]:
            if not organisation["mentions"]:
                continue  # the key's names are not in this text as written
            hits = [e for m in organisation["mentions"] for e in overlapping(prediction["entities"], m)]
            spans = {(m["start"], m["end"]) for m in organisation["mentions"]}
            results.append(
                {
                    "id": record["id"],
                    "names": organisation["names"],
                    "uncertain": organisation["uncertain"],
                    "found": bool(hits),
                    "found_as_org": any(e["label"] == "ORG" for e in hits),
                    "exact_org": any(e["label"] == "ORG" and (e["start"], e["end"]) in spans for e in hits),
                    "labels": dict(Counter(e["label"] for e in hits)),
                    "entities": sorted({e["text"] for e in hits}),
                }
            )
    found = sum(r["found"] for r in results)
    as_org = sum(r["found_as_org"] for r in results)
    exact = sum(r["exact_org"] for r in results)
    entities = sum(len(p["entities"]) for p in predicted)
    print(
        f"MUC-3 sample: {len(records)} reports, {entities} entities ({seconds:.1f} s); "
        f"{len(results)} key organisations named in the text"
    )
    print(
        f"found (an entity overlaps a mention): {found}/{len(results)}; found as ORG: {as_org}/{len(results)}; "
        f"an ORG exactly on a mention: {exact}/{len(results)}"
    )
    for result in results:
        mark = (
            "ORG="
            if result["exact_org"]
            else "ORG~"
            if result["found_as_org"]
            else "    "
            if result["found"]
            else "MISS"
        )
        labels = ", ".join(f"{label} {count}" for label, count in result["labels"].items()) or "-"
        print(f"  {mark} {result['id']}  {' / '.join(result['names'])}  [{labels}]  {'; '.join(result['entities'])}")

    pool = [(record, entity) for record, prediction in zip(records, predicted) for entity in prediction["entities"]]
    print(f"\n{args.examples} entity outputs (seeded draw of {len(pool)}):")
    labels = Counter(entity["label"] for _, entity in pool)
    for record, entity in sorted(
        random.Random(0).sample(pool, min(args.examples, len(pool))), key=lambda item: (item[0]["id"], item[1]["start"])
    ):
        print(
            f"  {record['id']}  {entity['label']:<6} {entity['text']!r:<34} {entity['source']:<9} "
            f"{context_of(record['text'], entity['start'], entity['end'], 40)}"
        )
    print("labels: " + ", ".join(f"{label} {count}" for label, count in labels.most_common()))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(
            orjson.dumps(
                {
                    "reports": len(records),
                    "entities": entities,
                    "labels": labels,
                    "organisations": len(results),
                    "found": found,
                    "found_as_org": as_org,
                    "exact_org": exact,
                    "seconds": round(seconds, 2),
                    "results": results,
                },
                option=orjson.OPT_INDENT_2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
