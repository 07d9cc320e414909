"""Push pre-annotated documents to Doccano, idempotently: to the main project, and to each annotator's.

The server is the source of truth: every example carries its document's ``doc_id`` and
``content_hash`` in its meta, so a push knows what a project holds (``RemoteIndex``) and uploads
only documents that are not there. Uploads go through Doccano's bulk import (one file, one task a
batch). Nothing is ever pushed over an existing example: a document whose source (external id or
file) is already in the main project with another text is reported as a conflict. If the server
dies mid-import, running push again uploads what is missing, and removes the extra copies a retried
import task may have made (unconfirmed ones only).

Annotators: Doccano shows a user of a non-collaborative project only their own spans, and imported
spans belong to the importing admin (doccano #1871). So each annotator labels in a project of their
own (``pipeline.review.doccano.projects``) that receives the same records, in the same order, by the same
bulk import: their copy of the pre-annotations costs one import, not one request a span. One pass
over the store feeds every project.

Order: documents are uploaded, and so listed to each annotator, in review order
(``pipeline.review.queue``: where review is expected to change the most first, by default); each
example's meta holds its ``rank`` and ``why``. Ranking reads the documents some project lacks once;
the upload records are then spooled to a file during the pass over the store and uploaded from it
in rank order, rather than read again in that order (a read by id per batch).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.corpus.record import Document
from pipeline.corpus.store import CorpusStore
from pipeline.errors import DoccanoImportError
from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.projects import members
from pipeline.review.doccano.remote_index import RemoteIndex
from pipeline.review.doccano.session import ReviewSession
from pipeline.review.doccano.span_copies import copy_spans
from pipeline.review.queue import DEFAULT_ORDER, QueueEntry, review_queue
from pipeline.stages import PREANNOTATE
from pipeline.util.progress import progress_bar
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

IMPORT_TASK = "RelationExtraction"  # Doccano's JSONL format with "entities" and "relations"
UPLOAD_BATCH = 5000


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PushReport:
    url: str
    project: str
    project_id: int
    uploaded: int = 0
    already_there: int = 0
    not_preannotated: int = 0
    conflicts: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    duplicates_removed: int = 0
    copies: dict[str, int] = field(default_factory=dict)  # annotator: documents added to their copy by this run
    span_copies: list[str] = field(default_factory=list)  # annotators still copied span by span (an older set-up)


def _source_key(document: Document) -> str | None:
    """Where the document came from (its JSONL id, or its file), and which part of it for a long
    input split at ingest: two parts of one input are not one document with another text."""
    meta = document.meta
    source = meta.get("external_id") or meta.get("source_path")
    return f"{source}#part {meta['part']}" if source and meta.get("part") else source


def upload_record(document: Document, queued: QueueEntry | None = None) -> dict[str, Any]:
    spans = document.entities + document.claims
    place = {"rank": queued.rank, "why": queued.reason} if queued is not None else {}
    return {
        **place,
        "text": document.text,
        "entities": [
            {"id": n, "start_offset": s["start"], "end_offset": s["end"], "label": s["label"]}
            for n, s in enumerate(spans)
        ],
        "relations": [],
        "doc_id": document.id,
        "content_hash": content_hash(document.text),
        "group": document.group,
        "source": _source_key(document) or "",
        "headline": document.meta.get("headline") or "",
    }


def push(
    session: ReviewSession, store: CorpusStore, *, order: str = DEFAULT_ORDER, progress: bool = True
) -> PushReport:
    """Push to the session's project and its annotators' projects. ``order``: uncertainty, diversity or
    corpus (``pipeline.review.queue``)."""
    doccano = session.doccano
    remote_project = session.main_project()
    report = PushReport(session.url, session.project_name, remote_project["id"])
    main = _Target.open(session.workspace, doccano, remote_project["id"], report)

    accounts = {account.username for account in session.annotator_accounts()}
    in_main = accounts & set(members(doccano, main.project_id)) if accounts else set()  # an older set-up: span_copies
    copies = [
        _Target.open(
            session.workspace, doccano, session.annotator_project(annotator)["id"], report, annotator=annotator
        )
        for annotator in sorted(accounts - in_main)
    ]
    _push_documents(doccano, store, main, copies, report, queue=_queue(store, order, main, copies), progress=progress)
    report.uploaded = main.uploaded
    report.copies = {copy.annotator: copy.uploaded for copy in copies}
    if in_main:
        report.span_copies = sorted(in_main)
        report.copies.update(copy_spans(session, main.project_id, store, main.index, in_main, progress=progress))
    return report


def give_copies(session: ReviewSession, store: CorpusStore, username: str, *, progress: bool = True) -> PushReport:
    """Make an annotator's own project and give it what the main project holds, so they can start
    without another push. Resumable like push: what their project has already is not sent again."""
    doccano = session.doccano
    found = session.find_main_project()
    report = PushReport(session.url, session.project_name, found["id"] if found else 0, copies={username: 0})
    if found is not None and username in members(doccano, found["id"]):  # an older set-up: see span_copies
        index = RemoteIndex.load(session.workspace, doccano, found["id"])
        report.span_copies = [username]
        report.copies = copy_spans(session, found["id"], store, index, {username}, progress=progress)
        return report
    own = session.annotator_project(username)
    if found is None:
        return report  # nothing pushed yet: the first push fills their project
    main = _Target(found["id"], RemoteIndex.load(session.workspace, doccano, found["id"]))
    copy = _Target.open(session.workspace, doccano, own["id"], report, annotator=username)
    copy.expected = len(main.present - copy.present)
    _push_documents(
        doccano,
        store,
        main,
        [copy],
        report,
        new_documents=False,
        queue=_queue(store, DEFAULT_ORDER, main, [copy]),
        progress=progress,
    )
    report.copies = {username: copy.uploaded}
    return report


def _queue(store: CorpusStore, order: str, main: _Target, copies: list[_Target]) -> dict[str, QueueEntry] | None:
    """The review queue of the documents some project lacks (none when nothing is to be sent: an
    unchanged re-push reads no text)."""
    if order == "corpus":
        return None
    lacking = store.ids() - main.present
    for copy in copies:
        lacking |= main.present - copy.present
    if not lacking:
        return None
    return {entry.doc_id: entry for entry in review_queue(store, order, include_reviewed=False, ids=lacking)}


def _push_documents(
    doccano: Doccano,
    store: CorpusStore,
    main: _Target,
    copies: list[_Target],
    report: PushReport,
    *,
    new_documents: bool = True,
    queue: dict[str, QueueEntry] | None = None,
    progress: bool = True,
) -> None:
    """One pass over the store: a new document goes to the main project and to every annotator's; one
    the main project has goes to the annotators' projects that lack it. So every project receives the
    same records in the same order: the ``queue``'s ranks (documents it does not rank last, in
    corpus order), or corpus order without one. ``new_documents=False`` sends annotators only what
    the main project holds."""
    remote_sources = {e["source"]: e["content_hash"] for e in main.index.examples if e.get("source")}
    with tempfile.TemporaryDirectory(prefix="newscorpus-push-") as tmp, progress_bar(progress) as bar:
        batches = _Batches(doccano, Path(tmp), report, bar)
        spool = _Spool(Path(tmp) / "ordered.jsonl") if queue is not None else None
        send = spool.add if spool is not None else batches.send
        for document in store.iter_documents([PREANNOTATE]):
            queued = queue.get(document.id) if queue is not None else None
            if document.id in main.present:
                report.already_there += 1
                if PREANNOTATE in document.outputs:
                    send(document, copies, queued)
                continue
            if not new_documents:
                continue
            if PREANNOTATE not in document.outputs:
                report.not_preannotated += 1
                continue
            source = _source_key(document)
            if source and source in remote_sources and remote_sources[source] != content_hash(document.text):
                report.conflicts.append(
                    f"{document.id}: {source} is already in the project with another text; "
                    f"not pushed over its annotations"
                )
                continue
            send(document, [main, *copies], queued)
        if spool is not None:
            for line, entry, targets in spool.in_rank_order():
                batches.send_line(line, entry, targets)
        for target in (main, *copies):
            batches.flush(target)
    for target in (main, *copies):
        target.save()


class _Spool:
    """Upload lines written to a file as the store is read, read back in rank order."""

    def __init__(self, path: Path) -> None:
        self.file = path.open("w+b")
        self.places: list[tuple[float, int, int, dict[str, Any], list[_Target]]] = []

    def add(self, document: Document, targets: list[_Target], queued: QueueEntry | None) -> None:
        targets = [target for target in targets if document.id not in target.present]
        if not targets:
            return
        line, entry = _line(document, queued)
        self.places.append(
            (queued.rank if queued is not None else float("inf"), self.file.tell(), len(line), entry, targets)
        )
        self.file.write(line)

    def in_rank_order(self):
        self.places.sort(key=lambda place: place[:2])
        for _, offset, length, entry, targets in self.places:
            self.file.seek(offset)
            yield self.file.read(length), entry, targets
        self.file.close()


def _line(document: Document, queued: QueueEntry | None) -> tuple[bytes, dict[str, Any]]:
    record = upload_record(document, queued)
    entry = {
        "id": None,
        "doc_id": record["doc_id"],
        "source": record["source"],
        "content_hash": record["content_hash"],
        "is_confirmed": False,
    }
    return orjson.dumps(record) + b"\n", entry


@dataclass
class _Target:
    """A project a push fills: the main one, or an annotator's (``annotator`` names them)."""

    project_id: int
    index: RemoteIndex
    annotator: str | None = None
    present: set[str] = field(init=False)  # doc ids
    pending: list[bytes] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(
        default_factory=list
    )  # index entries without ids: listing them costs a third of a push
    uploaded: int = 0
    failed: bool = False
    expected: int | None = None  # documents to send, when known beforehand (for the progress bar)
    task: Any = None

    def __post_init__(self) -> None:
        self.present = {e["doc_id"] for e in self.index.examples if e["doc_id"]}

    @classmethod
    def open(
        cls,
        workspace: Workspace,
        doccano: Doccano,
        project_id: int,
        report: PushReport,
        *,
        annotator: str | None = None,
    ) -> _Target:
        index = RemoteIndex.load(workspace, doccano, project_id)
        report.duplicates_removed += _remove_duplicates(doccano, project_id, index)
        return cls(project_id, index, annotator)

    @property
    def label(self) -> str:
        return f"copies for {self.annotator}" if self.annotator else "push"

    def save(self) -> None:
        if not self.failed:
            self.index.examples.extend(self.sent)  # a count that disagrees later makes the next push list again
        self.index.save()


class _Batches:
    """Upload files of up to UPLOAD_BATCH documents, one per project, each record serialised once."""

    def __init__(self, doccano: Doccano, tmp: Path, report: PushReport, bar: Any) -> None:
        self.doccano, self.tmp, self.report, self.bar = doccano, tmp, report, bar

    def send(self, document: Document, targets: list[_Target], queued: QueueEntry | None = None) -> None:
        targets = [target for target in targets if document.id not in target.present]
        if targets:
            self.send_line(*_line(document, queued), targets)

    def send_line(self, line: bytes, entry: dict[str, Any], targets: list[_Target]) -> None:
        for target in targets:
            if target.task is None:
                target.task = self.bar.add_task(target.label, total=target.expected)
            target.pending.append(line)
            target.sent.append(entry)
            if len(target.pending) >= UPLOAD_BATCH:
                self.flush(target)

    def flush(self, target: _Target) -> None:
        if not target.pending:
            return
        refused = len(self.report.failed)
        where = f"{target.annotator}'s project: " if target.annotator else ""
        target.uploaded += _upload(self.doccano, target.project_id, target.pending, self.tmp, self.report, where=where)
        target.failed = target.failed or len(self.report.failed) > refused
        self.bar.advance(target.task, len(target.pending))
        target.pending = []


def _upload(
    doccano: Doccano, project_id: int, lines: list[bytes], tmp: Path, report: PushReport, *, where: str = ""
) -> int:
    path = tmp / f"newscorpus-{project_id}-{len(lines)}.jsonl"
    path.write_bytes(b"".join(lines))
    task_id = doccano.start_import(project_id, str(path), IMPORT_TASK)
    status = doccano.wait_for_task(task_id, "import documents")
    errors = (status.get("result") or {}).get("error") or status.get("error") or []
    if isinstance(errors, dict):
        errors = [errors]
    for error in errors:
        report.failed.append(f"{where}line {error.get('line', '?')}: {error.get('message', error)}")
    if errors and len(errors) >= len(lines):
        raise DoccanoImportError(f"{doccano.creds.url}: the import task refused every document: {report.failed[-1]}")
    return len(lines) - len(errors)


def _remove_duplicates(doccano: Doccano, project_id: int, index: RemoteIndex) -> int:
    """Extra copies of one document (a retried import task) that nobody has confirmed: delete them."""
    extra = []
    for examples in index.by_doc_id().values():
        if len(examples) > 1:
            _, *rest = sorted(examples, key=lambda e: e["id"])
            extra.extend(e["id"] for e in rest if not e.get("is_confirmed"))
    if extra:
        with doccano.errors("delete duplicate examples"):
            doccano.client.bulk_delete_examples(project_id, extra)
        gone = set(extra)
        index.examples = [e for e in index.examples if e["id"] not in gone]
    return len(extra)
