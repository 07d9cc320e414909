"""Memory and time of ingest and tokenize on very large inputs: one 20 MB article (.txt) and one
50 MB JSONL line, against the same commands on a small input (the baseline: imports, model, store).

Each command is its own process (``python -m pipeline``), so its peak resident memory is its own.
Target (issue 13): peak under 300 MB above the baseline; the 50 MB line in time proportional to its
size (compared with a 5 MB line).

    python bench/big_inputs.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generated import REPO, SEED


def article_text(megabytes: float) -> str:
    raw = SEED.read_text(encoding="utf-8")
    body = raw[raw.index("A massacre") : raw.index("Related Articles")]
    copies = int(megabytes * 1_000_000 / len(body.encode())) + 1
    # numbered paragraphs, so that no two are the same text
    return "\n\n".join(f"Part {n}. {body}" for n in range(copies))


def measure(workspace: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak MB of one newscorpus command in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline", "--workspace", str(workspace), "--quiet", *args],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"newscorpus {' '.join(args)} failed: {process.stderr.read().decode()[-500:]}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def run(tmp: Path, name: str, path: Path) -> dict[str, tuple[float, float]]:
    workspace = tmp / f"ws-{name}"
    subprocess.run(
        [sys.executable, "-m", "pipeline", "init", str(workspace)], cwd=REPO, check=True, capture_output=True
    )
    return {"ingest": measure(workspace, "ingest", str(path)), "tokenize": measure(workspace, "tokenize")}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="newscorpus-big-") as tmp:
        tmp = Path(tmp)
        inputs = {}
        small = tmp / "small.txt"
        small.write_text(article_text(0.004), encoding="utf-8")
        inputs["baseline (4 KB article)"] = small
        big = tmp / "big.txt"
        big.write_text(article_text(20), encoding="utf-8")
        inputs["20 MB article (.txt)"] = big
        for megabytes in (5, 50):
            line = tmp / f"line-{megabytes}.jsonl"
            line.write_text(json.dumps({"id": "big", "text": article_text(megabytes)}) + "\n", encoding="utf-8")
            inputs[f"{megabytes} MB JSONL line"] = line
        results = {name: run(tmp, str(number), path) for number, (name, path) in enumerate(inputs.items())}
    base = results["baseline (4 KB article)"]
    print(f"{'input':<26} {'ingest s':>9} {'MB':>6} {'+MB':>6} {'tokenize s':>11} {'MB':>6} {'+MB':>6}")
    for name, result in results.items():
        (ingest_s, ingest_mb), (tokenize_s, tokenize_mb) = result["ingest"], result["tokenize"]
        print(
            f"{name:<26} {ingest_s:>9.1f} {ingest_mb:>6.0f} {ingest_mb - base['ingest'][1]:>+6.0f} "
            f"{tokenize_s:>11.1f} {tokenize_mb:>6.0f} {tokenize_mb - base['tokenize'][1]:>+6.0f}"
        )
    worst = max(
        max(r["ingest"][1] - base["ingest"][1], r["tokenize"][1] - base["tokenize"][1]) for r in results.values()
    )
    print(f"largest rise above the baseline: {worst:.0f} MB (target < 300)")
    five, fifty = results["5 MB JSONL line"], results["50 MB JSONL line"]
    for stage in ("ingest", "tokenize"):
        print(
            f"{stage}: 50 MB line / 5 MB line time: {fifty[stage][0] / five[stage][0]:.1f}x (proportional: about 10x; "
            f"start-up included in both)"
        )


if __name__ == "__main__":
    main()
