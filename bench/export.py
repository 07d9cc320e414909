"""Export throughput and memory: ``newscorpus export`` against ``Dataset.from_generator`` +
``save_to_disk`` of the same records, in the same run.

**The corpus is written straight into the store, not made by the pipeline.** Pre-annotating 10,000
articles through spaCy would take about an hour, and the export does not care who made its input.
The texts are bench/generated.py's articles (the shipped article's sentences shuffled, its numbers
changed, ~610 words); the stage outputs are synthetic but of the real shape: tokens from a regular
expression (words, punctuation, newline runs) instead of spaCy's tokenizer; entities by string
matching a list of names from the shipped article; COUNT claims from "<number> <word>"; and a
review record for every document (two annotators and an agreement figure), as `newscorpus pull`
writes it. Near-duplicate groups of two documents each.

**The floor** is what any exporter has to pay: the already-built feature dicts of the same
documents (made by ``pipeline.dataset.rows.document_row`` in a set-up process, loaded into memory before
the clock starts) through ``Dataset.from_generator`` with the same ``Features``, one per split,
then ``DatasetDict.save_to_disk``. **Ours** is ``export_dataset`` from the store with the default
``--format both``: reading the store, building the rows and their BIO tags, the Arrow copy, the
Parquet copy and the card, with its default number of processes (the CPUs, up to 4) and with one
("1 proc"), whose CPU time (the measured part only) is also compared with the floor's: wall time on a
shared machine moves with whatever else runs on it, CPU time much less. Each measurement runs in its own
process; peak memory is compared at two corpus sizes to show that it stays flat: peak RSS (as the
kernel counts it, with the pages of the memory-mapped Arrow files that ``save_to_disk`` and the Parquet
writer read, which grow with the data but are file-backed and reclaimable) and the peak heap (Pss_Anon
of the export and its worker processes, sampled).

    python bench/export.py [--docs 10000] [--small 2000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from generated import REPO, run_measured

SETUP = r"""
import hashlib, random, re, sys
from pathlib import Path
import numpy as np
import orjson
sys.path.insert(0, "bench")
from generated import generate
from pipeline.dataset.export import STAGES
from pipeline.dataset.rows import document_row
from pipeline.dataset.splits import split_of
from pipeline.corpus.record import REVIEWED, Document, StageOutput
from pipeline.settings import Settings
from pipeline.corpus.store import CorpusStore
from pipeline.nlp.tokenization import join_token_texts

count, root = int(sys.argv[1]), Path(sys.argv[2])
generate(root / "texts", count)
settings = Settings()
store = CorpusStore(root / "store")
NAMES = {"Shining Path": "ORG", "VRAEM": "LOC", "Peru": "GPE", "Lima": "GPE", "EFE": "ORG", "Colombia": "GPE",
         "Bolivia": "GPE", "Ayacucho": "GPE", "Víctor Quispe Palomino": "PERSON", "José": "PERSON",
         "Jul": "DATE", "Peruvian": "NORP", "United Nations": "ORG", "DEVIDA": "ORG", "Mantaro": "LOC"}
names = re.compile(r"\b(" + "|".join(sorted(map(re.escape, NAMES), key=len, reverse=True)) + r")\b")
counts = re.compile(r"\b(\d[\d,]*) ([a-z]+)\b")
rng = random.Random(1)
with store.locked(), store.document_writer() as texts, store.stage_writer("tokenize") as tokens, \
        store.stage_writer("preannotate") as preannotations, store.stage_writer("review") as reviews:
    group = ""
    for number, path in enumerate(sorted((root / "texts").glob("*.txt"))):
        text = path.read_text(encoding="utf-8")
        doc_id = hashlib.sha256(text.encode()).hexdigest()[:16]
        group = doc_id if number % 2 == 0 else group
        meta = {"headline": text.split("\n\n")[1], "byline": "Bench Writer", "place": "Lima, Peru", "date": "Jul 4",
                "agency": "EFE", "section": "World"}
        texts.add_document(Document(doc_id, text, meta, group), minhash=None)
        offsets = [[m.start(), m.end()] for m in re.finditer(r"\w+|[^\w\s]|\n+", text)]
        words = join_token_texts(text, np.array(offsets, dtype=np.int64))  # as the tokenize stage stores them
        tokens.add_output(doc_id, StageOutput("tokenize", "3", "bench", {"tokens": offsets, "words": words,
                                                                         "sentences": [[0, len(text)]]}))
        entities = [{"start": m.start(), "end": m.end(), "label": NAMES[m.group()], "text": m.group(),
                     "source": "gazetteer", "score": 1.0} for m in names.finditer(text)]
        claims = [{"start": m.start(), "end": m.end(), "label": "COUNT", "text": m.group(),
                   "value": float(m.group(1).replace(",", "")), "unit": m.group(2), "approx": None, "low": None,
                   "high": None, "from": None, "to": None, "source": "claims", "score": 0.9}
                  for m in counts.finditer(text)]
        preannotations.add_output(doc_id, StageOutput("preannotate", "2", "bench",
                                                      {"entities": entities, "claims": claims}))
        reviews.add_output(doc_id, StageOutput("review", "1", "bench", {
            "status": REVIEWED, "entities": entities, "claims": claims, "relations": [], "annotators": ["alice", "bob"],
            "agreement": round(rng.uniform(0.7, 1.0), 3)}))
with open(root / "rows.jsonl", "wb") as handle:  # the floor's input: the same rows, already built
    for document in store.iter_documents(STAGES):
        row = document_row(document, settings.labels)
        handle.write(orjson.dumps([split_of(document.group, settings.split), row]) + b"\n")
words = sum(len(p.read_text(encoding="utf-8").split()) for p in (root / "texts").glob("*.txt"))
print(words / count)
"""

FLOOR = """
import shutil, sys, time
from pathlib import Path
import datasets, orjson
from pipeline.dataset.schema import export_features
from pipeline.dataset.splits import SPLITS
from pipeline.settings import Settings
datasets.disable_progress_bars()
root = Path(sys.argv[1])
rows = {name: [] for name in SPLITS}
with open(root / "rows.jsonl", "rb") as handle:
    for line in handle:
        name, row = orjson.loads(line)
        rows[name].append(row)
features = export_features(Settings().labels)
shutil.rmtree(root / "floor", ignore_errors=True)
start, cpu = time.perf_counter(), time.process_time()
dataset = datasets.DatasetDict({
    name: datasets.Dataset.from_generator(lambda rows=split_rows: iter(rows), features=features,
                                          cache_dir=str(root / "floor" / ".cache"), split=datasets.NamedSplit(name),
                                          fingerprint=f"floor-{name}")
    for name, split_rows in rows.items()})
dataset.save_to_disk(str(root / "floor" / "out"))
seconds = time.perf_counter() - start
print(time.process_time() - cpu)
print(seconds)
"""

OURS = """
import os, resource, sys, threading, time
from pathlib import Path
import datasets  # imported before the clock starts, as the floor's script does
from pipeline.dataset.export import export_dataset
from pipeline.settings import Settings
from pipeline.corpus.store import CorpusStore

def anonymous_mb(pid):
    # Pss_Anon of a process and its descendants (the forked workers share pages with it, counted
    # once): the heap, without the memory-mapped Arrow files that the kernel counts in RSS.
    total = 0
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss_Anon"):
                total += int(line.split()[1]) / 1024
        for task in os.listdir(f"/proc/{pid}/task"):
            for child in open(f"/proc/{pid}/task/{task}/children").read().split():
                total += anonymous_mb(int(child))
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total

peak, done = [0.0], threading.Event()
def sample():
    while not done.wait(0.05):
        peak[0] = max(peak[0], anonymous_mb(os.getpid()))
if sys.argv[4] == "heap":  # a run of its own: reading smaps_rollup costs the kernel time
    threading.Thread(target=sample, daemon=True).start()
def cpu_seconds():  # this process and its finished worker processes
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime

root = Path(sys.argv[1])
start, cpu = time.perf_counter(), cpu_seconds()
report = export_dataset(CorpusStore(root / "store"), Settings(), out=root / "export", overwrite=True,
                        n_process=int(sys.argv[3]) or None, progress=False)
seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
done.set()
assert report.documents == int(sys.argv[2]) and not report.skipped, report
if sys.argv[4] == "heap":
    print(peak[0])
print(cpu)
print(seconds)
"""


def run_lines(script: str, *args: str) -> tuple[list[float], float]:
    """As generated.run_measured, but every number the script prints, and its peak memory in MB."""
    process = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run failed: {script.strip().splitlines()[:3]}")
    return [float(line) for line in output.split()], usage.ru_maxrss / 1024


def prepared(tmp: Path, count: int) -> tuple[Path, float]:
    root = tmp / f"corpus-{count}"
    words, _ = run_measured(SETUP, str(count), str(root))
    return root, words


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--small", type=int, default=2_000, help="a smaller corpus, to see that memory stays flat")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = []

    def best(runs: list[tuple[list[float], float]]) -> tuple[list[float], float]:
        return min(runs, key=lambda r: r[0][-1])

    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as tmp:
        for count in (args.small, args.docs):
            root, words = prepared(Path(tmp), count)
            # interleaved, so that a neighbour's load on this shared machine falls on both alike
            runs: dict[str, list] = {"floor": [], "ours": [], "single": []}
            for _ in range(args.repeat):
                runs["floor"].append(run_lines(FLOOR, str(root)))
                runs["ours"].append(run_lines(OURS, str(root), str(count), "0", "time"))
                runs["single"].append(run_lines(OURS, str(root), str(count), "1", "time"))
            floor, ours, single = best(runs["floor"]), best(runs["ours"]), best(runs["single"])
            heap = run_lines(OURS, str(root), str(count), "1", "heap")[0][0]  # one process: like for like
            rows.append((count, floor, ours, single, heap))
    print(
        f"export, {args.docs} synthetic pre-annotated and reviewed articles ({words:.0f} words each), best of "
        f"{args.repeat}, {len(os.sched_getaffinity(0))} CPUs, load average before the run {load:.2f}"
    )
    print(
        f"{'docs':>6} {'floor s':>8} {'ours s':>7} {'docs/s':>7} {'ratio':>6} {'1 proc s':>9} {'ratio':>6} "
        f"{'floor CPU s':>12} {'1 proc CPU s':>13} {'ratio':>6} {'floor MB':>9} {'ours MB':>8} {'heap MB':>8}"
    )
    for count, floor, ours, single, heap in rows:
        (floor_cpu, floor_s), floor_mb = floor
        (_, ours_s), ours_mb = ours
        (single_cpu, single_s), _ = single
        print(
            f"{count:>6} {floor_s:>8.2f} {ours_s:>7.2f} {count / ours_s:>7.0f} {ours_s / floor_s:>6.2f} "
            f"{single_s:>9.2f} {single_s / floor_s:>6.2f} {floor_cpu:>12.2f} {single_cpu:>13.2f} "
            f"{single_cpu / floor_cpu:>6.2f} {floor_mb:>9.0f} {ours_mb:>8.0f} {heap:>8.0f}"
        )
    (small, _, (_, small_mb), _, small_heap), (large, ((_, floor_s), _), ((_, ours_s), large_mb), _, large_heap) = rows
    print(f"time ratio to the floor at {large} docs: {ours_s / floor_s:.2f} (target <= 1.5)")
    print(
        f"peak memory {small} -> {large} docs: RSS {small_mb:.0f} -> {large_mb:.0f} MB (x{large_mb / small_mb:.2f}), "
        f"heap {small_heap:.0f} -> {large_heap:.0f} MB (x{large_heap / small_heap:.2f}); flat means close to 1"
    )


if __name__ == "__main__":
    main()
