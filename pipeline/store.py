"""The corpus store: the only module that reads or writes the store's files.

Layout under ``corpus/.store/``::

    documents/000001.jsonl       one JSON line per document (id, text, meta, group)
    documents/000001.idx.jsonl   one small line per document: byte offset, id, group, minhash, meta
    stages/tokenize/000001.jsonl       one line per stage output (id, fingerprint, data or error)
    stages/tokenize/000001.idx.jsonl
    LOCK

A segment is written aside and renamed into place, the data file first and its index last; a
segment exists only when its index does. A killed writer therefore leaves whole segments and, at
worst, a temporary file or an unindexed data file that the next writer removes. Segments are never
changed once written; a later stage output for the same document supersedes an earlier one.
Everything is streamed: memory holds index entries (ids and offsets), never all texts.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.errors import DocumentNotFoundError, StoreCorruptError, StoreLockedError
from pipeline.record import Document, StageOutput
from pipeline.util.fs import TMP_SUFFIX, atomic_write

DATA_SUFFIX = ".jsonl"
INDEX_SUFFIX = ".idx.jsonl"


@dataclass(frozen=True)
class IndexEntry:
    segment: Path
    offset: int
    length: int
    fields: dict[str, Any]

    @property
    def id(self) -> str:
        return self.fields["id"]


class SegmentLog:
    """An append-only sequence of immutable, atomically written segments."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def segments(self) -> list[Path]:
        """Data files of the complete segments, oldest first."""
        if not self.directory.is_dir():
            return []
        complete = []
        for index_file in sorted(self.directory.glob(f"*{INDEX_SUFFIX}")):
            data_file = index_file.with_name(index_file.name[: -len(INDEX_SUFFIX)] + DATA_SUFFIX)
            if data_file.exists():
                complete.append(data_file)
        return complete

    def _next_number(self) -> int:
        numbers = [int(p.name.split(".")[0]) for p in self.directory.glob(f"*{DATA_SUFFIX}") if p.name[0].isdigit()]
        return max(numbers, default=0) + 1

    def remove_incomplete(self) -> list[Path]:
        """Delete what a killed writer left behind. Call only while holding the store's lock."""
        if not self.directory.is_dir():
            return []
        removed = [p for p in self.directory.glob(f".*{TMP_SUFFIX}")]
        for data_file in self.directory.glob(f"[0-9]*{DATA_SUFFIX}"):
            if data_file.name.endswith(INDEX_SUFFIX):
                continue
            if not data_file.with_name(data_file.name[: -len(DATA_SUFFIX)] + INDEX_SUFFIX).exists():
                removed.append(data_file)
        for path in removed:
            path.unlink(missing_ok=True)
        return removed

    def index(self) -> Iterator[IndexEntry]:
        for data_file in self.segments():
            index_file = data_file.with_name(data_file.name[: -len(DATA_SUFFIX)] + INDEX_SUFFIX)
            with index_file.open("rb") as handle:
                for line_number, line in enumerate(handle, 1):
                    try:
                        fields = orjson.loads(line)
                        yield IndexEntry(data_file, fields.pop("@o"), fields.pop("@n"), fields)
                    except (orjson.JSONDecodeError, KeyError):
                        raise StoreCorruptError(f"{index_file}:{line_number}: unreadable index line") from None

    def records(self) -> Iterator[dict[str, Any]]:
        for data_file in self.segments():
            with data_file.open("rb") as handle:
                for line_number, line in enumerate(handle, 1):
                    try:
                        yield orjson.loads(line)
                    except orjson.JSONDecodeError:
                        raise StoreCorruptError(f"{data_file}:{line_number}: unreadable record") from None

    def write_segment(self, lines: list[bytes], index_lines: list[bytes]) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = f"{self._next_number():06d}"
        data_file = self.directory / f"{stem}{DATA_SUFFIX}"
        with atomic_write(data_file) as handle:
            handle.writelines(lines)
        with atomic_write(self.directory / f"{stem}{INDEX_SUFFIX}") as handle:
            handle.writelines(index_lines)
        return data_file


class SegmentWriter:
    """Buffers records and writes them as one segment every ``segment_size`` records."""

    def __init__(self, log: SegmentLog, segment_size: int) -> None:
        self.log = log
        self.segment_size = segment_size
        self._lines: list[bytes] = []
        self._index: list[bytes] = []
        self._offset = 0
        self.written = 0

    def add(self, record: dict[str, Any], index_fields: dict[str, Any]) -> None:
        line = orjson.dumps(record, option=orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_APPEND_NEWLINE)
        self._index.append(orjson.dumps({"@o": self._offset, "@n": len(line), **index_fields}) + b"\n")
        self._lines.append(line)
        self._offset += len(line)
        if len(self._lines) >= self.segment_size:
            self.flush()

    def flush(self) -> None:
        if self._lines:
            self.log.write_segment(self._lines, self._index)
            self.written += len(self._lines)
        self._lines, self._index, self._offset = [], [], 0


Place = tuple[str, int, int]  # segment file, byte offset, length


@dataclass(frozen=True)
class LocatedDocument:
    """Where a document and some of its stage outputs lie: small and picklable, for worker processes."""

    document: Place
    stages: dict[str, Place]

    @staticmethod
    def of(entry: IndexEntry, stage_entries: dict[str, StageEntry]) -> LocatedDocument:
        return LocatedDocument(_place(entry), {stage: _place(e.location) for stage, e in stage_entries.items()})

    def __iter__(self) -> Iterator[Any]:
        return iter((self.document, self.stages))


def _place(entry: IndexEntry) -> Place:
    return sys.intern(str(entry.segment)), entry.offset, entry.length  # one string per segment


@dataclass(frozen=True)
class StageEntry:
    id: str
    fingerprint: str
    failed: bool
    location: IndexEntry
    notes: tuple[dict[str, str], ...] = ()  # what the stage noted about the document ({"kind", "detail"})


class CorpusStore:
    def __init__(self, root: Path, *, segment_size: int = 500) -> None:
        self.root = Path(root)
        self.segment_size = segment_size
        self.documents = SegmentLog(self.root / "documents")

    def stage_log(self, stage: str) -> SegmentLog:
        return SegmentLog(self.root / "stages" / stage)

    def stages(self) -> list[str]:
        stages_dir = self.root / "stages"
        return sorted(p.name for p in stages_dir.iterdir() if p.is_dir()) if stages_dir.is_dir() else []

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's write lock; clean up what a killed writer left behind."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "LOCK", "a+") as lock_file:
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock_file.seek(0)
                holder = lock_file.read().strip() or "another process"
                raise StoreLockedError(f"{self.root}: the store is in use by {holder}; wait for it to finish") from None
            try:
                lock_file.seek(0)
                lock_file.truncate()
                lock_file.write(f"newscorpus pid {os.getpid()}")
                lock_file.flush()
                for log in [self.documents, *(self.stage_log(s) for s in self.stages())]:
                    log.remove_incomplete()
                yield
            finally:
                lock_file.truncate(0)
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def document_writer(self) -> Iterator[DocumentWriter]:
        writer = DocumentWriter(self.documents, self.segment_size)
        try:
            yield writer
        finally:
            writer.flush()  # records are whole; keep them even when the run is interrupted

    @contextlib.contextmanager
    def stage_writer(self, stage: str) -> Iterator[StageWriter]:
        writer = StageWriter(self.stage_log(stage), self.segment_size, stage)
        try:
            yield writer
        finally:
            writer.flush()

    # -- reading ---------------------------------------------------------------------------------

    def document_index(self) -> Iterator[IndexEntry]:
        """One entry per document, in ingest order: id, group, minhash, meta (no text)."""
        return self.documents.index()

    def count(self) -> int:
        return sum(1 for _ in self.document_index())

    def stage_index(self, stage: str) -> dict[str, StageEntry]:
        """The latest output of ``stage`` for each document that has one."""
        latest: dict[str, StageEntry] = {}
        for entry in self.stage_log(stage).index():
            latest[entry.id] = StageEntry(entry.id, entry.fields["fingerprint"], entry.fields["failed"], entry,
                                          tuple(entry.fields.get("notes", ())))
        return latest

    def iter_documents(self, stages: Iterable[str] = (), *, ids: set[str] | None = None) -> Iterator[Document]:
        """Stream documents in ingest order, with the latest output of each of ``stages``."""
        indexes = {stage: self.stage_index(stage) for stage in stages}
        with _SegmentReader() as reader:
            for record in self.documents.records():
                if ids is not None and record["id"] not in ids:
                    continue
                document = Document(id=record["id"], text=record["text"], meta=record["meta"], group=record["group"])
                for stage, index in indexes.items():
                    entry = index.get(document.id)
                    if entry is not None:
                        document.outputs[stage] = _stage_output(stage, reader.read(entry.location))
                yield document

    def read_located(self, located: Iterable[LocatedDocument | tuple[Place, dict[str, Place]]]) -> Iterator[Document]:
        """The documents at these places (as ``LocatedDocument.of`` takes them from the indexes, or
        the same as plain (document place, {stage: place}) pairs), each read with a seek: no segment
        is scanned, so a reader of a few documents of a large store (an export worker) pays for
        those only."""
        with _SegmentReader() as reader:
            for document_place, stage_places in located:
                record = reader.read_at(*document_place)
                document = Document(id=record["id"], text=record["text"], meta=record["meta"], group=record["group"])
                for stage, place in stage_places.items():
                    document.outputs[stage] = _stage_output(stage, reader.read_at(*place))
                yield document

    def get_document(self, doc_id: str, stages: Iterable[str] = ()) -> Document:
        for document in self.iter_documents(stages, ids={doc_id}):
            return document
        raise DocumentNotFoundError(f"no document with id {doc_id!r} in {self.root}")


class DocumentWriter(SegmentWriter):
    def add_document(self, document: Document, *, minhash: str | None) -> None:
        record = {"id": document.id, "text": document.text, "meta": document.meta, "group": document.group}
        self.add(record, {"id": document.id, "group": document.group, "minhash": minhash, "meta": document.meta})


class StageWriter(SegmentWriter):
    def __init__(self, log: SegmentLog, segment_size: int, stage: str) -> None:
        super().__init__(log, segment_size)
        self.stage = stage

    def add_output(self, doc_id: str, output: StageOutput) -> None:
        record = {"id": doc_id, "version": output.version, "fingerprint": output.fingerprint,
                  "error": output.error, "data": output.data}
        index = {"id": doc_id, "fingerprint": output.fingerprint, "failed": output.failed}
        if output.data.get("notes"):  # in the index, so that `status` lists them without reading the outputs
            index["notes"] = output.data["notes"]
        self.add(record, index)


def _stage_output(stage: str, record: dict[str, Any]) -> StageOutput:
    return StageOutput(stage, record["version"], record["fingerprint"], record["data"], record["error"])


class _SegmentReader:
    """Random access to records by index entry, keeping the segment files it opened."""

    max_open = 64

    def __init__(self) -> None:
        self._handles: dict[Path, Any] = {}

    def read(self, entry: IndexEntry) -> dict[str, Any]:
        return self.read_at(entry.segment, entry.offset, entry.length)

    def read_at(self, segment: Path | str, offset: int, length: int) -> dict[str, Any]:
        handle = self._handles.get(segment)
        if handle is None:
            if len(self._handles) >= self.max_open:
                self.__exit__()
                self._handles.clear()
            handle = self._handles[segment] = open(segment, "rb")
        handle.seek(offset)
        raw = handle.read(length)
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise StoreCorruptError(f"{segment}: unreadable record at byte {offset}") from None

    def __enter__(self) -> _SegmentReader:
        return self

    def __exit__(self, *exc: object) -> None:
        for handle in self._handles.values():
            handle.close()
