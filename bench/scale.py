"""Scaling of the store and of the engines, as ratios within one run (no timed tests).

    python bench/scale.py store [--docs 200000] [--batch 20000] [--old-docs 20000]
    python bench/scale.py engines [--docs 20000] [--small 5000]

``store``: generated wire articles (the shipped article's sentences shuffled, numbers changed) are
ingested and tokenized into one workspace in batches of ``--batch``, each batch a fresh process; the
time per article of the first and of the last batch are compared (target: within 15%), so a cost
that grows with the store's size shows. Then: the store's size on disk per article against the
store of newscorpus before the tables (JSON Lines segments; the commit before them is checked out
in a git worktree and run on the first ``--old-docs`` of the same articles; target <= 1/3), and the
time of ``newscorpus show ID`` at full size, in-process and as a command (target < 1 s).

``engines``: tokenize and pre-annotate the same generated articles with the local engine and with
Ray on the same 2 cores (``ray.init(num_cpus=2)``); Ray's throughput against the local engine's
(target >= 0.85) and the peak memory per worker from ``--small`` to ``--docs`` (flat).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generated import MODEL, REPO, run_measured, seed_body, seed_sentences
from ingest_tokenize import OURS as INGEST_TOKENIZE

OLD_STORE_COMMIT = "72965bb"  # the last commit with the JSON Lines store


def write_articles(path: Path, start: int, count: int, seed: int = 0, vary: float = 0.3) -> None:
    """``count`` generated articles from number ``start`` on, as JSON Lines (one file per batch).

    The shipped article's sentences, shuffled, with numbers changed and a share ``vary`` of the
    words replaced by other words of the article: a shuffle alone makes every article share most of
    its word 3-shingles with every other, a corpus in which each new article is a near-duplicate
    candidate of all the others (no news archive looks like that, and it measures the near-duplicate
    look-up, not the store)."""
    body = seed_body()
    sentences = seed_sentences(body)
    vocabulary = sorted(set(re.findall(r"[A-Za-z]{3,}", body)))
    with path.open("w", encoding="utf-8") as handle:
        for number in range(start, start + count):
            rng = random.Random(seed * 1_000_003 + number)
            picked = rng.sample(sentences, len(sentences))
            paragraphs = [" ".join(picked[i : i + 3]) for i in range(0, len(picked), 3)]
            text = "\n\n".join(
                re.sub(r"\d[\d,]*", lambda m, rng=rng: f"{rng.randint(2, 99999):,}", p) for p in paragraphs
            )
            text = re.sub(
                r"[A-Za-z]{3,}", lambda m, rng=rng: rng.choice(vocabulary) if rng.random() < vary else m.group(), text
            )
            handle.write(json.dumps({"id": f"story-{number}", "headline": f"Story {number}", "text": text}) + "\n")


SHOW = """
import sys, time
from pathlib import Path
from pipeline.corpus.store import CorpusStore
store = CorpusStore(Path(sys.argv[1]))
start = time.perf_counter()
document = store.get_document(sys.argv[2], stages=["tokenize"])
assert document.tokens
print(time.perf_counter() - start)
"""


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _newscorpus(*args: str, env: dict | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, env=env, cwd=cwd, check=True
    )


def bench_store(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="newscorpus-scale-") as tmp:
        tmp = Path(tmp)
        workspace = tmp / "ws"
        _newscorpus("init", str(workspace))
        batches = args.docs // args.batch
        per_article = []
        for number in range(batches):
            feed = tmp / f"batch-{number}.jsonl"
            write_articles(feed, number * args.batch, args.batch)
            seconds, megabytes = run_measured(INGEST_TOKENIZE, str(feed), MODEL, str(workspace))
            per_article.append(seconds / args.batch)
            done = (number + 1) * args.batch
            print(
                f"  {done:>7} documents: batch of {args.batch} in {seconds:6.1f} s "
                f"({1000 * seconds / args.batch:.2f} ms an article), peak {megabytes:.0f} MB",
                flush=True,
            )
            if number == 0:
                first_size = _size(workspace / "corpus" / ".store")
            feed.unlink()
        before_compact = _size(workspace / "corpus" / ".store")
        _newscorpus("--workspace", str(workspace), "--quiet", "store", "compact", "--retention-hours", "0")
        size = _size(workspace / "corpus" / ".store")

        old_docs = min(args.old_docs, args.docs)
        old_tree = tmp / "old"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old_tree), OLD_STORE_COMMIT],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        try:
            old_ws = tmp / "old-ws"
            env = {**os.environ, "PYTHONPATH": str(old_tree)}
            _newscorpus("init", str(old_ws), env=env, cwd=old_tree)
            feed = tmp / "old.jsonl"
            write_articles(feed, 0, old_docs)
            _newscorpus("--workspace", str(old_ws), "--quiet", "ingest", str(feed), env=env, cwd=old_tree)
            _newscorpus("--workspace", str(old_ws), "--quiet", "tokenize", env=env, cwd=old_tree)
            old_size = _size(old_ws / "corpus" / ".store")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old_tree)], cwd=REPO, check=True)

        doc_id = (
            json.loads(_newscorpus("--workspace", str(workspace), "dump").stdout.splitlines()[-1])["id"]
            if args.docs <= 20_000
            else _last_id(workspace)
        )
        in_process = min(run_measured(SHOW, str(workspace / "corpus" / ".store"), doc_id)[0] for _ in range(3))
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            _newscorpus("--workspace", str(workspace), "show", doc_id)
            walls.append(time.perf_counter() - start)
        start = time.perf_counter()
        _newscorpus("--workspace", str(workspace), "--help")
        startup = time.perf_counter() - start

    flat = per_article[-1] / per_article[0]
    print(f"\ningest + tokenize in batches of {args.batch} into one store, up to {args.docs} articles")
    print(f"time per article, last batch / first batch: {flat:.2f} (target within 15%: 0.85-1.15)")
    print(
        f"store size per article: {size / args.docs / 1000:.1f} KB compacted "
        f"({before_compact / args.docs / 1000:.1f} KB before compaction; "
        f"{first_size / args.batch / 1000:.1f} KB after the first batch); the JSON Lines store of "
        f"{OLD_STORE_COMMIT}: {old_size / old_docs / 1000:.1f} KB for the first {old_docs} of the same articles; "
        f"ratio {size / args.docs / (old_size / old_docs):.2f} (target <= 0.33)"
    )
    print(
        f"show ID at {args.docs} documents: {in_process:.3f} s in-process (store.get_document), "
        f"{min(walls):.2f} s as a command (of which {startup:.2f} s is starting newscorpus: --help); target < 1 s"
    )


ENGINE = """
import sys, time
from pathlib import Path
from pipeline.nlp.preannotate import preannotate
from pipeline.corpus.store import CorpusStore
from pipeline.nlp.tokenization import tokenize
from pipeline.workspace import Workspace
workspace = Workspace(Path(sys.argv[1]))
settings = workspace.settings
settings.engine.kind, settings.engine.num_cpus = sys.argv[2], 2
store = CorpusStore(workspace.store_dir)
start = time.perf_counter()
tokenize(store, settings, progress=False)
report = preannotate(store, settings, workspace.annotations_dir, n_process=2, progress=False)
assert report.processed and not report.failed
print(time.perf_counter() - start)
"""


def _descendants(root: int) -> dict[int, tuple[str, int]]:
    """Processes under ``root``: pid -> (command line, peak resident memory in KB so far)."""
    parents, found = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            try:
                command = (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                status = (Path("/proc") / str(pid) / "status").read_text()
                peak = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
                found[pid] = (command, peak)
            except (OSError, StopIteration):
                continue
    return found


def run_engine(workspace: Path, engine: str) -> tuple[float, float, float]:
    """Seconds, peak MB of the main process, and the largest peak MB of a worker (spaCy's processes
    for the local engine, Ray's actors for Ray), sampled twice a second."""
    import threading

    peaks: dict[int, tuple[str, int]] = {}
    process = subprocess.Popen(
        [sys.executable, "-c", ENGINE, str(workspace), engine], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    done = threading.Event()

    def sample():
        while not done.wait(0.5):
            peaks.update(_descendants(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the {engine} engine run failed")
    workers = [
        peak
        for command, peak in peaks.values()
        if (command.startswith("ray::") if engine == "ray" else "-c" in command)
    ]
    return float(process.stdout.read().strip().splitlines()[-1]), usage.ru_maxrss / 1024, max(workers, default=0) / 1024


def bench_engines(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="newscorpus-engines-") as tmp:
        tmp = Path(tmp)
        results = {}
        for count in (args.small, args.docs):
            feed = tmp / f"articles-{count}.jsonl"
            write_articles(feed, 0, count)
            for engine in ("local", "ray"):
                workspace = tmp / f"ws-{count}-{engine}"
                _newscorpus("init", str(workspace))
                shutil.copy(REPO / "annotations" / "gazetteer.jsonl", workspace / "annotations")
                _newscorpus("--workspace", str(workspace), "--quiet", "ingest", str(feed))
                results[count, engine] = run_engine(workspace, engine)
                seconds, main_mb, worker_mb = results[count, engine]
                print(
                    f"  {count:>6} documents, {engine:>5}: {seconds:7.1f} s ({count / seconds:5.1f} documents/s), "
                    f"main process {main_mb:.0f} MB, largest worker {worker_mb:.0f} MB",
                    flush=True,
                )
    local, ray = results[args.docs, "local"], results[args.docs, "ray"]
    print(
        f"\ntokenize + pre-annotate of {args.docs} generated articles on 2 CPUs: local engine (pre-annotation "
        f"with 2 processes) against Ray (2 actors)"
    )
    print(f"Ray's throughput / the local engine's: {local[0] / ray[0]:.2f} (target >= 0.85)")
    print(
        f"largest Ray worker, {args.small} -> {args.docs} documents: {results[args.small, 'ray'][2]:.0f} -> "
        f"{ray[2]:.0f} MB (x{ray[2] / max(results[args.small, 'ray'][2], 1):.2f}; flat is close to 1); local "
        f"workers {results[args.small, 'local'][2]:.0f} -> {local[2]:.0f} MB"
    )


def _last_id(workspace: Path) -> str:
    from deltalake import DeltaTable

    table = DeltaTable(str(workspace / "corpus" / ".store" / "tables" / "documents")).to_pyarrow_table(
        columns=["id", "seq"]
    )
    return table.sort_by("seq").column("id")[-1].as_py()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    store = commands.add_parser("store")
    store.add_argument("--docs", type=int, default=200_000)
    store.add_argument("--batch", type=int, default=20_000)
    store.add_argument("--old-docs", type=int, default=20_000)
    engines = commands.add_parser("engines")
    engines.add_argument("--docs", type=int, default=20_000)
    engines.add_argument("--small", type=int, default=5_000)
    args = parser.parse_args()
    if args.command == "store":
        bench_store(args)
    else:
        bench_engines(args)


if __name__ == "__main__":
    main()
