"""Push, annotator copies and pull against a real local Doccano server, with floors measured in the same run.

Floors: doccano-client's bare bulk upload of the same JSONL file into a fresh project (for push,
and for each annotator's copy), and its bare download of the same project (for pull). newscorpus's
push lists the project's examples first (idempotence) and writes its own upload file; its pull
downloads two exports (all, and what each member confirmed), keeps them as a snapshot and resolves
the review stage. Annotator copies: one annotator added with add-annotator's code (account, own
project, its copy of the 2,000 documents), then three more given theirs by one push; the target is
per annotator. The last row pulls the main project and the four annotators' projects.

``--latency-ms N`` puts a forwarder in front of the server that delays every byte N ms each way, so
the same run shows a server with a round trip of 2N ms (a remote one); the floors pass through it
too.

The 2,000 pre-annotated documents are written straight into a store (generated texts from the
shipped article; spans found by string matching), since running spaCy over them is the
pre-annotation bench's business, not this one's. The server is started in a temporary workspace
and stopped at the end.

    python bench/doccano_sync.py [--docs 2000] [--latency-ms 0]
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path

import orjson
from generated import generate
from latency_proxy import LatencyProxy

from pipeline.corpus.ingest import ingest
from pipeline.corpus.record import StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.annotators import add_annotator
from pipeline.review.doccano.credentials import PASSWORD_ENV, URL_ENV, USERNAME_ENV, read_credentials
from pipeline.review.doccano.pull import pull
from pipeline.review.doccano.push import IMPORT_TASK, give_copies, push, upload_record
from pipeline.review.doccano.server import server_down, server_up
from pipeline.review.doccano.session import ReviewSession
from pipeline.stages import PREANNOTATE
from pipeline.workspace import init_workspace

PATTERNS = {
    "LOC": r"VRAEM",
    "GPE": r"Peru",
    "ORG": r"Shining Path|Devida|CEVRAEM",
    "QUANTITY": r"[\d,]+ (?:hectares|kilograms|tons)",
}


def synthetic_store(workspace, count: int) -> CorpusStore:
    corpus = workspace.root / "generated"
    generate(corpus, count)
    store = CorpusStore(workspace.store_dir)
    ingest(store, [corpus], workspace.settings, progress=False)
    with store.locked(), store.stage_writer(PREANNOTATE) as writer:
        for document in store.iter_documents():
            spans = [
                {"start": m.start(), "end": m.end(), "label": label, "text": m.group(), "source": "bench", "score": 1.0}
                for label, pattern in PATTERNS.items()
                for m in re.finditer(pattern, document.text)
            ]
            entities = [s for s in spans if s["label"] != "QUANTITY"]
            claims = [
                {**s, "value": None, "unit": None, "approx": None, "low": None, "high": None, "from": None, "to": None}
                for s in spans
                if s["label"] == "QUANTITY"
            ]
            writer.add_output(
                document.id, StageOutput(PREANNOTATE, "bench", "bench", {"entities": entities, "claims": claims})
            )
    return store


def timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - start, result


def push_command(workspace, store):
    """What `newscorpus push` does: a session opened (login, project) and the push."""
    return push(ReviewSession.open(workspace), store, progress=False)


def pull_command(workspace, store):
    return pull(ReviewSession.open(workspace), store, progress=False)


def add_and_give_copies(workspace, store, name: str) -> int:
    """What 'newscorpus doccano add-annotator NAME' does."""
    session = ReviewSession.open(workspace)
    add_annotator(session, name)
    return give_copies(session, store, name, progress=False).copies[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="delay each way in front of the server")
    args = parser.parse_args()
    docs = args.docs
    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as tmp:
        workspace = init_workspace(Path(tmp) / "ws")
        store = synthetic_store(workspace, docs)
        info = server_up(workspace, progress=False)
        proxy = None
        try:
            creds = read_credentials(info.credentials_file)
            if args.latency_ms:
                proxy = LatencyProxy(int(creds.url.rsplit(":", 1)[1]), args.latency_ms / 1000)
                creds = type(creds)(f"http://127.0.0.1:{proxy.port}", creds.username, creds.password)
                os.environ.update({URL_ENV: creds.url, USERNAME_ENV: creds.username, PASSWORD_ENV: creds.password})
            admin = Doccano(creds)
            # floor: the same records, one file, doccano-client's bulk upload into a fresh project
            path = Path(tmp) / "bare.jsonl"
            path.write_bytes(
                b"".join(orjson.dumps(upload_record(d)) + b"\n" for d in store.iter_documents([PREANNOTATE]))
            )
            bare = admin.client.create_project(
                name="bare",
                project_type="SequenceLabeling",
                description="bench",
                allow_overlapping=True,
                use_relation=True,
            )
            for label in PATTERNS:
                admin.client.create_label_type(bare.id, "span", label)
            floor_push, _ = timed(admin.client.upload, bare.id, [str(path)], IMPORT_TASK, "JSONL")
            first_push, report = timed(push_command, workspace, store)
            assert report.uploaded == docs, report
            second_push, again = timed(push_command, workspace, store)
            assert again.uploaded == 0
            floor_pull, archive = timed(admin.client.download, report.project_id, "JSONL", dir_name=tmp)
            our_pull, pulled = timed(pull_command, workspace, store)
            assert pulled.examples == docs

            one_copy, copied = timed(add_and_give_copies, workspace, store, "annotator-1")
            assert copied == docs, copied
            for n in (2, 3, 4):
                add_annotator(ReviewSession.open(workspace), f"annotator-{n}")
            three_copies, copying = timed(push_command, workspace, store)
            assert copying.copies == {"annotator-1": 0, **{f"annotator-{n}": docs for n in (2, 3, 4)}}, copying.copies
            pull_five, pulled = timed(pull_command, workspace, store)
            assert pulled.examples == docs
        finally:
            if proxy is not None:
                proxy.close()
            server_down(workspace)
    where = "local server on 127.0.0.1" + (f", {2 * args.latency_ms:g} ms round trip" if args.latency_ms else "")
    print(f"Doccano sync, {docs} generated pre-annotated documents, {where}")
    print(f"{'':<28} {'floor s':>8} {'ours s':>8} {'docs/s':>8} {'ratio':>6}  target")
    rows = [
        ("push (bulk import)", floor_push, first_push, docs, "<= 1.3"),
        ("copies, 1 annotator", floor_push, one_copy, docs, "<= 1.5 per annotator (add-annotator)"),
        ("copies, 3 annotators", 3 * floor_push, three_copies, 3 * docs, "<= 1.5 per annotator (push)"),
        ("pull (export)", floor_pull, our_pull, docs, "<= 1.5"),
        ("pull, 1 + 4 projects", 5 * floor_pull, pull_five, 5 * docs, "(the floor: one download a project)"),
    ]
    for name, floor, ours, count, target in rows:
        print(f"{name:<28} {floor:>8.1f} {ours:>8.1f} {count / ours:>8.0f} {ours / floor:>6.2f}  {target}")
        if name == "push (bulk import)":
            print(
                f"{'re-push, unchanged':<28} {'':>8} {second_push:>8.2f} {'':>8} {second_push / first_push:>6.3f}  "
                f"< 0.05 of the first push"
            )


if __name__ == "__main__":
    main()
