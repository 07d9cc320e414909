"""Pre-annotation throughput of newscorpus against bare ``nlp.pipe`` in the same run.

The floor is spaCy's ``nlp.pipe`` over the same texts with the same model and the same components
(tok2vec, tagger, attribute_ruler, lemmatizer, ner: no parser), doing nothing with the result.
newscorpus adds the gazetteer, the entity merger, the claim finder, rebuilding each Doc from the
stored tokens, and reading and writing the store. Both run with 1 and with 2 processes. Each
measurement is its own process; the corpus is ingested and tokenized beforehand (not measured).
Peak memory is compared at two corpus sizes to show it stays flat.

    python bench/preannotate.py [--docs 1000] [--small 300] [--repeat 1]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from generated import MODEL, generate, run_measured

SETUP = """
import sys
from pathlib import Path
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import CorpusStore
from pipeline.nlp.tokenization import tokenize
from pipeline.workspace import init_workspace
workspace = init_workspace(Path(sys.argv[2]))
store = CorpusStore(workspace.store_dir)
ingest(store, [Path(sys.argv[1])], workspace.settings, progress=False)
tokenize(store, workspace.settings, progress=False)
print(0)
"""

FLOOR = """
import sys, time
from pathlib import Path
import spacy
from pipeline.corpus.store import CorpusStore
texts = [d.text for d in CorpusStore(Path(sys.argv[1]) / "corpus" / ".store").iter_documents()]
start = time.perf_counter()
nlp = spacy.load(sys.argv[2], exclude=["parser", "senter"])
for doc in nlp.pipe(texts, n_process=int(sys.argv[3]), batch_size=32):
    pass
print(time.perf_counter() - start)
"""

OURS = """
import sys, time
from pathlib import Path
from pipeline.nlp.preannotate import preannotate
from pipeline.corpus.store import CorpusStore
from pipeline.workspace import Workspace
workspace = Workspace(Path(sys.argv[1]))
start = time.perf_counter()
report = preannotate(CorpusStore(workspace.store_dir), workspace.settings, workspace.annotations_dir,
                     n_process=int(sys.argv[3]), progress=False)
assert report.processed and not report.failed
print(time.perf_counter() - start)
"""


def prepared_workspace(tmp: Path, count: int) -> Path:
    corpus, workspace = tmp / f"corpus-{count}", tmp / f"ws-{count}"
    generate(corpus, count)
    run_measured(SETUP, str(corpus), str(workspace))
    shutil.copy(Path(__file__).resolve().parent.parent / "annotations" / "gazetteer.jsonl", workspace / "annotations")
    return workspace


def ours(workspace: Path, processes: int) -> tuple[float, float]:
    shutil.rmtree(workspace / "corpus" / ".store" / "tables" / "preannotate", ignore_errors=True)
    return run_measured(OURS, str(workspace), MODEL, str(processes))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--small", type=int, default=300, help="a smaller corpus, to see that memory stays flat")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as tmp:
        tmp = Path(tmp)
        large, small = prepared_workspace(tmp, args.docs), prepared_workspace(tmp, args.small)
        words = sum(len(p.read_text().split()) for p in (tmp / f"corpus-{args.docs}").glob("*.txt"))
        rows = []
        for processes in (1, 2):
            floor = min(run_measured(FLOOR, str(large), MODEL, str(processes)) for _ in range(args.repeat))
            mine = min(ours(large, processes) for _ in range(args.repeat))
            rows.append((processes, floor, mine))
        small_memory = ours(small, 1)[1]
    print(f"pre-annotation, {args.docs} generated articles ({words / args.docs:.0f} words each), best of {args.repeat}")
    print(
        f"{'procs':>5} {'floor s':>8} {'ours s':>8} {'floor w/s':>10} {'ours w/s':>9} {'ratio':>6} "
        f"{'floor MB':>9} {'ours MB':>8}"
    )
    for processes, (floor_s, floor_mb), (ours_s, ours_mb) in rows:
        print(
            f"{processes:>5} {floor_s:>8.1f} {ours_s:>8.1f} {words / floor_s:>10.0f} {words / ours_s:>9.0f} "
            f"{floor_s / ours_s:>6.2f} {floor_mb:>9.0f} {ours_mb:>8.0f}"
        )
    print(
        f"throughput ratio to bare nlp.pipe: {rows[0][1][0] / rows[0][2][0]:.2f} with 1 process, "
        f"{rows[1][1][0] / rows[1][2][0]:.2f} with 2 (target >= 0.8)"
    )
    print(
        f"scaling 1 -> 2 processes: ours x{rows[0][2][0] / rows[1][2][0]:.2f}, "
        f"floor x{rows[0][1][0] / rows[1][1][0]:.2f}"
    )
    print(f"peak memory {args.small} -> {args.docs} docs: {small_memory:.0f} -> {rows[0][2][1]:.0f} MB")


if __name__ == "__main__":
    main()
