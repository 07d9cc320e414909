"""Where should `newscorpus train` start: the base model's NER and tok2vec ("base") or random weights
("scratch")? Both, on the same exported dataset, with the same number of steps, scored on its test split.

The dataset is the shipped article plus generated ones (bench/generated.py: its sentences shuffled,
its numbers changed), ingested, pre-annotated and exported with --include-unreviewed, through the CLI
as a user runs it. The labels are therefore the pre-annotator's, not a reviewer's, and the generated
stories repeat the shipped article's names: the figures say how fast each start learns, not how good
either would be on other news. Each `newscorpus train` prints its own per-label table; a comparison
follows. That is why the script also runs `newscorpus evaluate` on the held-out gold articles
(annotations/heldout/: five other stories, annotated by hand) with the base model and with each trained
one: the whole pre-annotator (model, gazetteer, rules, normaliser), on news the training never saw.

    python bench/train_init.py [--docs 150] [--max-steps 300]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson
from generated import REPO, SEED, generate

NEWSCORPUS = [sys.executable, "-m", "pipeline"]
HELDOUT = REPO / "annotations" / "heldout" / "heldout.jsonl"


def newscorpus(workspace: Path, *args: str, quiet: bool = True) -> None:
    command = [*NEWSCORPUS, "--workspace", str(workspace), *(["-q"] if quiet else []), *args]
    if subprocess.run(command, cwd=REPO, env={**os.environ, "COLUMNS": "120"}).returncode != 0:
        raise SystemExit(f"failed: newscorpus {' '.join(args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=150, help="generated articles besides the shipped one")
    parser.add_argument("--max-steps", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscorpus-train-") as tmp:
        workspace = Path(tmp) / "ws"
        newscorpus(Path(tmp), "init", str(workspace))
        generate(workspace / "corpus" / "generated", args.docs)
        shutil.copy(SEED, workspace / "corpus" / SEED.name)
        newscorpus(workspace, "ingest", str(workspace / "corpus"))
        newscorpus(workspace, "preannotate", "--n-process", "2")
        newscorpus(workspace, "export", "--include-unreviewed")
        scores = {}
        for init in ("base", "scratch"):
            print(f"\n== newscorpus train --init {init} --max-steps {args.max_steps}", flush=True)
            newscorpus(
                workspace,
                "train",
                "--init",
                init,
                "--max-steps",
                str(args.max_steps),
                "--out",
                str(workspace / "models" / init),
                quiet=False,
            )
            scores[init] = orjson.loads((workspace / "models" / init / "scores.json").read_bytes())
        heldout = {}
        for name, model in (("base model", None), ("trained, base", "base"), ("trained, scratch", "scratch")):
            report = Path(tmp) / f"heldout-{model}.json"
            newscorpus(
                workspace,
                "evaluate",
                "--gold",
                str(HELDOUT),
                "--json",
                str(report),
                *(["--model", str(workspace / "models" / model)] if model else []),
            )
            heldout[name] = orjson.loads(report.read_bytes())
    base, scratch = scores["base"], scores["scratch"]
    print(
        f"\n{args.docs + 1} articles (train {base['documents']['train']}, "
        f"validation {base['documents']['validation']}, test {base['documents']['test']}), "
        f"{args.max_steps} steps at most; F1 on the test split"
    )
    print(f"{'layer':<9} {'label':<9} {'spans':>6} {'base':>6} {'scratch':>8}")
    for ours, theirs in zip(base["labels"], scratch["labels"]):
        if ours["support"]:
            print(
                f"{ours['layer']:<9} {ours['label']:<9} {ours['support']:>6} {ours['f1'] or 0:>6.3f} "
                f"{theirs['f1'] or 0:>8.3f}"
            )
    for layer in ("entities", "claims"):
        print(
            f"{layer:<9} {'all':<9} {'':>6} {base['overall'][f'{layer}_f1']:>6.3f} "
            f"{scratch['overall'][f'{layer}_f1']:>8.3f}"
        )
    print(f"{'seconds':<16} {'':>6} {base['seconds']:>6.0f} {scratch['seconds']:>8.0f}")
    print(f"\nheld-out gold ({HELDOUT.relative_to(REPO)}), the whole pre-annotator, overlap F1 (P/R)")
    print(f"{'model':<18} {'entities':>20} {'claims':>20} {'value+unit':>11}")
    for name, report in heldout.items():
        entities, claims = report["entities"]["overlap"]["ALL"], report["claims"]["overlap"]["ALL"]
        print(
            f"{name:<18} {_prf(entities):>20} {_prf(claims):>20} "
            f"{report['claims']['values']['ALL']['value_unit']:>11.3f}"
        )


def _prf(counts: dict) -> str:
    return f"{counts['f1']:.3f} ({counts['precision']:.2f}/{counts['recall']:.2f})"


if __name__ == "__main__":
    main()
