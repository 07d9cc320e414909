"""Push and pull throughput against a real local Doccano server, with floors measured in the same run.

Floors: doccano-client's bare bulk upload of the same JSONL file into a fresh project (for push),
and its bare download of the same project (for pull). newscorpus's push lists the project's
examples first (idempotence) and writes its own upload file; its pull downloads two exports (all,
and what each member confirmed), keeps them as a snapshot and resolves the review stage.

The 2,000 pre-annotated documents are written straight into a store (generated texts from the
shipped article; spans found by string matching), since running spaCy over them is the
pre-annotation bench's business, not this one's. The server is started in a temporary workspace
and stopped at the end.

    python bench/doccano_sync.py [--docs 2000]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import orjson

from generated import generate

from pipeline.doccano.api import Doccano
from pipeline.doccano.credentials import read_credentials
from pipeline.doccano.pull import pull
from pipeline.doccano.push import IMPORT_TASK, push, upload_record
from pipeline.doccano.server import server_down, server_up
from pipeline.ingest import ingest
from pipeline.preannotate import STAGE as PREANNOTATE
from pipeline.record import StageOutput
from pipeline.store import CorpusStore
from pipeline.workspace import init_workspace

PATTERNS = {"LOC": r"VRAEM", "GPE": r"Peru", "ORG": r"Shining Path|Devida|CEVRAEM", "QUANTITY": r"[\d,]+ (?:hectares|kilograms|tons)"}


def synthetic_store(workspace, count: int) -> CorpusStore:
    corpus = workspace.root / "generated"
    generate(corpus, count)
    store = CorpusStore(workspace.store_dir)
    ingest(store, [corpus], workspace.settings, progress=False)
    with store.locked(), store.stage_writer(PREANNOTATE) as writer:
        for document in store.iter_documents():
            spans = [{"start": m.start(), "end": m.end(), "label": label, "text": m.group(), "source": "bench", "score": 1.0}
                     for label, pattern in PATTERNS.items() for m in re.finditer(pattern, document.text)]
            entities = [s for s in spans if s["label"] != "QUANTITY"]
            claims = [{**s, "value": None, "unit": None, "approx": None, "low": None, "high": None, "from": None, "to": None}
                      for s in spans if s["label"] == "QUANTITY"]
            writer.add_output(document.id, StageOutput(PREANNOTATE, "bench", "bench", {"entities": entities, "claims": claims}))
    return store


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as tmp:
        workspace = init_workspace(Path(tmp) / "ws")
        store = synthetic_store(workspace, args.docs)
        info = server_up(workspace, progress=False)
        try:
            admin = Doccano(read_credentials(info.credentials_file))
            # floor: the same records, one file, doccano-client's bulk upload into a fresh project
            path = Path(tmp) / "bare.jsonl"
            path.write_bytes(b"".join(orjson.dumps(upload_record(d)) + b"\n" for d in store.iter_documents([PREANNOTATE])))
            bare = admin.client.create_project(name="bare", project_type="SequenceLabeling", description="bench",
                                               allow_overlapping=True, use_relation=True)
            for label in PATTERNS:
                admin.client.create_label_type(bare.id, "span", label)
            floor_push, _ = timed(admin.client.upload, bare.id, [str(path)], IMPORT_TASK, "JSONL")
            first_push, report = timed(push, workspace, store, progress=False)
            assert report.uploaded == args.docs, report
            second_push, again = timed(push, workspace, store, progress=False)
            assert again.uploaded == 0
            floor_pull, archive = timed(admin.client.download, report.project_id, "JSONL", dir_name=tmp)
            our_pull, pulled = timed(pull, workspace, store, progress=False)
            assert pulled.examples == args.docs
        finally:
            server_down(workspace)
    print(f"Doccano sync, {args.docs} generated pre-annotated documents, local server on 127.0.0.1")
    print(f"{'':<24} {'floor s':>8} {'ours s':>8} {'docs/s':>8} {'ratio':>6}  target")
    print(f"{'push (bulk import)':<24} {floor_push:>8.1f} {first_push:>8.1f} {args.docs / first_push:>8.0f} {first_push / floor_push:>6.2f}  <= 1.3")
    print(f"{'re-push, unchanged':<24} {'':>8} {second_push:>8.2f} {'':>8} {second_push / first_push:>6.3f}  < 0.05 of the first push")
    print(f"{'pull (export)':<24} {floor_pull:>8.1f} {our_pull:>8.1f} {args.docs / our_pull:>8.0f} {our_pull / floor_pull:>6.2f}  <= 1.5")


if __name__ == "__main__":
    main()
