"""The corpus store: Delta Lake tables, one for the documents and one per stage.

Layout under ``corpus/.store/``::

    tables/documents/     seq, id, group_id, chars, minhash, bands, meta (JSON), text
    tables/tokenize/      seq, id, version, fingerprint, error, revision, data, tokens, words, sentences
    tables/preannotate/   ... entities, claims, left_out, notes
    tables/review/        ... entities, claims, relations, status, annotators, decision
    LOCK

Every write is a Delta commit made by delta-rs: a killed writer leaves whole commits and, at worst,
data files no commit names, which no reader sees and ``store compact`` removes. A stage re-run
replaces its rows (a merge on ``id``), so a reader sees one current row per document. Reads go by
``seq`` ranges, which the table's per-file statistics turn into the few files that hold them.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import columns
from pipeline.errors import DocumentNotFoundError, StoreConflictError, StoreCorruptError, StoreLockedError
from pipeline.util.objectstore import is_remote, remote_filesystem, requests_to

log = logging.getLogger(__name__)

DOCUMENTS = "documents"
TABLES = "tables"
READ_CHARS = 16_000_000  # text read at once while streaming documents
READ_DOCUMENTS = 256
WRITE_CHARS = 64_000_000  # a commit is made at least this often, whatever segment_size says
# ... and long documents (a long input's parts) every 8 million characters: a writer's buffer of
# their text and token offsets is what big inputs cost (bench/big_inputs.py), while more commits of
# news-sized ones slow a growing store (each commit reads the table's log)
LONG_WRITE_CHARS = 8_000_000
LONG_DOCUMENT_CHARS = 100_000


@dataclass(frozen=True)
class IndexEntry:
    """A document without its text: id, ingest order, and fields group, minhash, meta."""

    id: str
    seq: int
    fields: dict[str, Any]


@dataclass(frozen=True)
class StageEntry:
    id: str
    fingerprint: str
    failed: bool
    seq: int
    revision: str  # changes whenever the row is written again
    notes: tuple[dict[str, str], ...] = ()  # what the stage noted about the document ({"kind", "detail"})


@dataclass(frozen=True)
class LocatedDocument:
    """A document to read and the stages to read with it: small, and plain JSON for worker processes."""

    document: tuple[str, int]  # id, seq
    stages: tuple[str, ...]

    @staticmethod
    def of(entry: IndexEntry, stage_entries: dict[str, StageEntry]) -> LocatedDocument:
        return LocatedDocument((entry.id, entry.seq), tuple(stage_entries))

    def __iter__(self) -> Iterator[Any]:
        return iter((self.document, self.stages))


class CorpusStore:
    def __init__(
        self, root: Path | str, *, segment_size: int = 500, tables: str = TABLES, snapshot: dict[str, Any] | None = None
    ) -> None:
        self.remote = is_remote(root)
        self.root: Any = str(root).rstrip("/") if self.remote else Path(root)  # "s3://bucket/prefix" or a folder
        self._snapshot = snapshot
        self.segment_size = segment_size  # documents or outputs per commit
        self._tables = tables
        self._current = tables != TABLES  # another folder of tables is written by a migration only
        self._assigned: dict[str, int] = {}  # seqs of documents given to a writer, committed or not

    # -- tables ----------------------------------------------------------------------------------

    def table_path(self, name: str) -> Any:
        """A table's folder: a Path on local disk, a URI on object storage."""
        return f"{self.root}/{self._tables}/{name}" if self.remote else self.root / self._tables / name

    def has_table(self, name: str) -> bool:
        if self.remote:
            from deltalake import DeltaTable

            with requests_to(self.table_path(name)):
                return DeltaTable.is_deltatable(self.table_path(name))
        return (self.table_path(name) / "_delta_log").is_dir()

    def _table(self, name: str):
        from deltalake import DeltaTable

        self._ensure_current()
        return DeltaTable(str(self.table_path(name))) if self.has_table(name) else None

    def _dataset(self, name: str):
        """The table's current files as a pyarrow dataset, each file's statistics as its guarantee
        (so a filter on ``seq`` or ``id`` opens only the files that can match)."""
        import pyarrow.fs

        if self._snapshot is not None:
            return self._snapshot.get(name)
        table = self._table(name)
        if table is None:
            return None
        # pyarrow's own filesystem: delta-rs's default one, called from pyarrow's threads, aborted
        # the interpreter at exit now and then ("terminate called without an active exception")
        if self.remote:
            filesystem, base = remote_filesystem(self.table_path(name))
        else:
            filesystem, base = pyarrow.fs.LocalFileSystem(), str(self.table_path(name).resolve())
        files = pyarrow.fs.SubTreeFileSystem(base, filesystem)
        return _Table(str(self.table_path(name)), table.to_pyarrow_dataset(filesystem=files))

    def snapshot(self, names: Iterable[str]) -> dict[str, Any]:
        """The current state of some tables, picklable: ``CorpusStore(root, snapshot=...)`` reads it
        in a worker process without opening the tables again (delta-rs cannot run in a forked child)."""
        return {name: dataset for name in (DOCUMENTS, *names) if (dataset := self._dataset(name)) is not None}

    def stages(self) -> list[str]:
        self._ensure_current()
        if self.remote:
            import pyarrow.fs

            filesystem, base = remote_filesystem(f"{self.root}/{self._tables}")
            with requests_to(f"{self.root}/{self._tables}"):
                found = filesystem.get_file_info(pyarrow.fs.FileSelector(base, allow_not_found=True))
            names = [info.base_name for info in found if info.type == pyarrow.fs.FileType.Directory]
            return sorted(name for name in names if name != DOCUMENTS and self.has_table(name))
        tables = self.root / self._tables
        return (
            sorted(p.name for p in tables.iterdir() if p.name != DOCUMENTS and (p / "_delta_log").is_dir())
            if tables.is_dir()
            else []
        )

    def _ensure_current(self) -> None:
        """Migrate a store of the old format (JSON Lines segments) on first use."""
        if self._current or self.remote:
            return
        from pipeline.corpus.store import legacy

        if legacy.needs_migration(self.root):
            with self.locked():
                pass  # locked() migrates
        self._current = True

    # -- writing ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's write lock (one writer at a time: a second gets a clear error). Object
        storage has no lock file: there writers add rows by merges (``_TableWriter._commit``), so a
        second writer's conflicting commit gets ``StoreConflictError``. On a clean exit, the tables
        are compacted if many small files have gathered."""
        from pipeline.corpus.store import legacy

        if self.remote:
            yield
            return
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
                if legacy.needs_migration(self.root):
                    legacy.migrate(self)
                self._current = True
                yield
                self._compact_if_it_pays()
            finally:
                lock_file.truncate(0)
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _compact_if_it_pays(self) -> None:
        """Join small files when a table has gathered many (every commit adds one), so reads do not
        slow down run after run. Files no commit uses are left for ``store compact``'s vacuum."""
        from pipeline.corpus.store import maintenance

        if maintenance.needs_compaction(self):
            log.info("compacting the store's tables (many small files)")
            maintenance.compact(self, retention_hours=None)

    @contextlib.contextmanager
    def document_writer(self) -> Iterator[DocumentWriter]:
        writer = DocumentWriter(self, self.segment_size)
        try:
            yield writer
        finally:
            writer.flush()  # rows are whole; keep them even when the run is interrupted

    @contextlib.contextmanager
    def stage_writer(self, stage: str) -> Iterator[StageWriter]:
        writer = StageWriter(self, stage, self.segment_size)
        try:
            yield writer
        finally:
            writer.flush()

    # -- reading ---------------------------------------------------------------------------------

    def document_index(self) -> Iterator[IndexEntry]:
        """One entry per document, in ingest order: id, group, minhash, meta (no text)."""
        dataset = self._dataset(DOCUMENTS)
        if dataset is None:
            return
        table = dataset.read(columns=["seq", "id", "group_id", "minhash", "meta"]).sort_by("seq")
        for batch in table.to_batches(max_chunksize=4096):
            for row in batch.to_pylist():
                yield IndexEntry(
                    row["id"],
                    row["seq"],
                    {
                        "id": row["id"],
                        "group": row["group_id"],
                        "minhash": row["minhash"],
                        "meta": orjson.loads(row["meta"]),
                    },
                )

    def ids(self) -> set[str]:
        dataset = self._dataset(DOCUMENTS)
        return set(dataset.read(columns=["id"]).column("id").to_pylist()) if dataset is not None else set()

    def metas(self, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        """The meta of each of ``ids`` (those stored), read in one scan."""
        dataset, wanted = self._dataset(DOCUMENTS), pa.array(sorted(set(ids)), pa.string())
        if dataset is None or not len(wanted):
            return {}
        table = dataset.read(columns=["id", "meta"], ids=wanted)
        return {
            doc_id: orjson.loads(meta)
            for doc_id, meta in zip(table.column("id").to_pylist(), table.column("meta").to_pylist())
        }

    def group_heads(self, names: Sequence[str], seqs: Sequence[int] | None = None) -> pa.Table:
        """``names`` (those the table has) of the documents that head their near-duplicate group, all
        or those of ``seqs``."""
        dataset = self._dataset(DOCUMENTS)
        if dataset is None:
            return pa.table({name: [] for name in names})
        where = pc.field("seq").isin(list(seqs)) if seqs is not None else None
        wanted = [name for name in dict.fromkeys(["id", "group_id", *names]) if name in dataset.names]
        table = dataset.read(columns=wanted, filter=where)
        table = table.filter(pc.equal(table.column("id").cast(pa.string()), table.column("group_id").cast(pa.string())))
        return table.select([name for name in names if name in table.column_names])

    def count(self) -> int:
        dataset = self._dataset(DOCUMENTS)
        return dataset.count() if dataset is not None else 0

    def seqs(self) -> dict[str, int]:
        dataset = self._dataset(DOCUMENTS)
        if dataset is None:
            return {}
        table = dataset.read(columns=["id", "seq"])
        return dict(zip(table.column("id").to_pylist(), table.column("seq").to_pylist()))

    def pending(self, stage: str, fingerprint: str) -> set[str]:
        """Ids of documents whose ``stage`` output is missing, failed or has another fingerprint
        (worked out in Arrow: a store of millions of documents costs no Python object per document done)."""
        documents = self._dataset(DOCUMENTS)
        if documents is None:
            return set()
        ids = documents.read(columns=["id"]).column("id").cast(pa.string())
        outputs = self._dataset(stage)
        if outputs is None:
            return set(ids.to_pylist())
        done = outputs.read(columns=["id", "fingerprint", "error"])
        done = done.filter(
            pc.and_(
                pc.equal(done.column("fingerprint").cast(pa.string()), fingerprint), pc.is_null(done.column("error"))
            )
        )
        finished = done.column("id").cast(pa.string()).combine_chunks()
        return set(ids.filter(pc.invert(pc.is_in(ids, value_set=finished))).to_pylist())

    def stage_values(self, stage: str, name: str) -> dict[str, Any]:
        """One column of ``stage``'s current outputs (a typed one: ``status`` of review), by document id."""
        dataset = self._dataset(stage)
        if dataset is None or name not in dataset.names:
            return {}
        table = dataset.read(columns=["id", name])
        return dict(zip(table.column("id").to_pylist(), table.column(name).to_pylist()))

    def stage_index(self, stage: str) -> dict[str, StageEntry]:
        """The current output of ``stage`` for each document that has one."""
        dataset = self._dataset(stage)
        if dataset is None:
            return {}
        names = ["seq", "id", "fingerprint", "error", "revision"] + (["notes"] if "notes" in dataset.names else [])
        table = dataset.read(columns=names)
        index = {}
        for row in columns.rows_of(table):
            index[row["id"]] = StageEntry(
                row["id"],
                row["fingerprint"],
                row["error"] is not None,
                row["seq"],
                row["revision"],
                tuple(row.get("notes") or ()),
            )
        return index

    def iter_documents(self, stages: Iterable[str] = (), *, ids: set[str] | None = None) -> Iterator[Document]:
        """Stream documents in ingest order, with the current output of each of ``stages``."""
        reader = _Reader(self, tuple(stages))
        if reader.documents is None:
            return
        wanted = reader.documents.read(columns=["seq", "id", "chars"])
        if ids is not None:
            wanted = wanted.filter(pc.is_in(wanted.column("id"), value_set=pa.array(list(ids), pa.string())))
        wanted = wanted.sort_by("seq")
        for chunk in _chunks(
            wanted.column("id").to_pylist(), wanted.column("seq").to_pylist(), wanted.column("chars").to_pylist()
        ):
            yield from reader.read(chunk)

    def read_located(
        self, located: Iterable[LocatedDocument | tuple[Sequence[Any], Sequence[str]]]
    ) -> Iterator[Document]:
        """The documents ``LocatedDocument.of`` named (or the same as plain ((id, seq), stages) pairs),
        each with the stages it lists, read a range of ``seq`` at a time."""
        batch: list[tuple[str, int, tuple[str, ...]]] = []
        readers: dict[tuple[str, ...], _Reader] = {}
        for (doc_id, seq), stages in located:
            batch.append((doc_id, seq, tuple(stages)))
            if len(batch) == READ_DOCUMENTS:
                yield from self._read_listed(batch, readers)
                batch = []
        if batch:
            yield from self._read_listed(batch, readers)

    def _read_listed(self, batch: list[tuple[str, int, tuple[str, ...]]], readers: dict) -> Iterator[Document]:
        stages = tuple(sorted({stage for *_, listed in batch for stage in listed}))
        reader = readers.get(stages) or readers.setdefault(stages, _Reader(self, stages))
        yield from reader.read(
            [(doc_id, seq) for doc_id, seq, _ in batch], {doc_id: listed for doc_id, _, listed in batch}
        )

    def get_document(self, doc_id: str, stages: Iterable[str] = ()) -> Document:
        reader = _Reader(self, tuple(stages))
        found = (
            reader.documents.read(columns=["id", "seq"], ids=pa.array([doc_id], pa.string()))
            if reader.documents is not None
            else None
        )
        if found is None or found.num_rows == 0:
            raise DocumentNotFoundError(f"no document with id {doc_id!r} in {self.root}")
        return next(reader.read([(doc_id, found.column("seq")[0].as_py())]))


class _Reader:
    """One snapshot of the documents table and of some stage tables, read a ``seq`` range at a time."""

    def __init__(self, store: CorpusStore, stages: tuple[str, ...]) -> None:
        self.store = store
        self.documents = store._dataset(DOCUMENTS)
        self.stages = {stage: store._dataset(stage) for stage in stages}

    def read(
        self, chunk: list[tuple[str, int]], listed: dict[str, tuple[str, ...]] | None = None
    ) -> Iterator[Document]:
        """Documents of ``chunk`` (id, seq), in its order, with all stages or those ``listed`` for each."""
        ids = pa.array([doc_id for doc_id, _ in chunk], pa.string())
        seqs = [seq for _, seq in chunk]
        # only the seq range goes to the scan: a filter on a string column fails on files that
        # delta-rs's merge wrote with string_view columns ("no kernel matching (string, string_view)")
        where = (pc.field("seq") >= min(seqs)) & (pc.field("seq") <= max(seqs))
        documents = {row["id"]: row for row in columns.rows_of(self.documents.read(filter=where, ids=ids))}
        outputs = {
            stage: {row["id"]: row for row in columns.rows_of(dataset.read(filter=where, ids=ids))}
            if dataset is not None
            else {}
            for stage, dataset in self.stages.items()
        }
        for doc_id, _ in chunk:
            row = documents.get(doc_id)
            if row is None:
                raise DocumentNotFoundError(f"no document with id {doc_id!r} in {self.store.root}")
            document = columns.document_of(row)
            for stage in self.stages if listed is None else listed.get(doc_id, ()):
                output = outputs.get(stage, {}).get(doc_id)
                if output is not None:
                    document.outputs[stage] = columns.stage_output(stage, output)
            yield document


@dataclass
class _Table:
    """A table's files as of one version (picklable), read with one clear error if a file is damaged."""

    path: str
    dataset: Any

    @property
    def names(self) -> list[str]:
        return self.dataset.schema.names

    def read(self, columns: list[str] | None = None, filter: Any = None, ids: pa.Array | None = None) -> pa.Table:
        with self._damaged_files_named():
            table = self.dataset.to_table(columns=columns, filter=filter)
            return table if ids is None else table.filter(pc.is_in(table.column("id"), value_set=ids))

    def count(self) -> int:
        with self._damaged_files_named():
            return self.dataset.count_rows()

    @contextlib.contextmanager
    def _damaged_files_named(self) -> Iterator[None]:
        try:
            yield
        except (pa.ArrowException, OSError) as error:
            raise StoreCorruptError(f"{self.path}: unreadable data file ({_first_line(error)})") from None


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def writer_properties():
    from deltalake import ColumnProperties, WriterProperties

    # Parquet keeps the min and max value of every column chunk: for a text column that is two
    # whole documents (40 MB in the file, and in memory, for one 20 MB article), and dictionary
    # encoding of values that never repeat only costs memory; for the token offsets of a long
    # document the two take as much memory again as the writing itself. Only the leading columns
    # (``seq``, ``id``) are filtered on, through the statistics Delta's log keeps of them.
    plain = ColumnProperties(dictionary_enabled=False, statistics_enabled="NONE")
    indexed = ColumnProperties(dictionary_enabled=False, statistics_enabled="CHUNK")
    return WriterProperties(
        max_row_group_size=columns.ROW_GROUP_ROWS,
        compression="ZSTD",
        default_column_properties=plain,
        column_properties={name: indexed for name in columns.INDEXED_NAMES},
    )


def _chunks(ids: list[str], seqs: list[int], chars: list[int]) -> Iterator[list[tuple[str, int]]]:
    chunk: list[tuple[str, int]] = []
    size = 0
    for doc_id, seq, length in zip(ids, seqs, chars):
        if chunk and (len(chunk) == READ_DOCUMENTS or size + length > READ_CHARS):
            yield chunk
            chunk, size = [], 0
        chunk.append((doc_id, seq))
        size += length
    if chunk:
        yield chunk


class _TableWriter:
    """Buffers rows and commits them every ``segment_size`` rows: appended when their ids are new to
    the table, merged on ``id`` (replacing the old rows) when some are not."""

    def __init__(self, store: CorpusStore, name: str, schema: pa.Schema, segment_size: int) -> None:
        self.store = store
        self.name = name
        self.schema = schema
        self.segment_size = segment_size
        self._found = store._dataset(name)  # the table as the writer found it
        self._existing: set[str] = (
            set(self._found.read(columns=["id"]).column("id").to_pylist()) if self._found is not None else set()
        )
        self._rows: dict[str, dict[str, Any]] = {}
        self._tables: list[pa.Table] = []  # rows made elsewhere (the Ray engine's workers), as Arrow
        self._buffered = 0
        self._chars = 0
        self.written = 0

    def _add(self, row: dict[str, Any], chars: int) -> None:
        self._rows[row["id"]] = row
        self._buffered += 1
        self._chars += chars
        if (
            self._buffered >= self.segment_size
            or self._chars >= WRITE_CHARS
            or self._chars >= max(LONG_WRITE_CHARS, LONG_DOCUMENT_CHARS * self._buffered)
        ):
            self.flush()

    def add_table(self, table: pa.Table) -> None:
        """Rows already in the table's schema (each id once)."""
        self._tables.append(table.select(self.schema.names).cast(self.schema))
        self._buffered += table.num_rows
        if self._buffered >= self.segment_size:
            self.flush()

    def flush(self) -> None:
        if not self._buffered:
            return
        parts = ([columns.to_table(list(self._rows.values()), self.schema)] if self._rows else []) + self._tables
        table = pa.concat_tables(parts)
        ids = table.column("id").to_pylist()
        path = str(self.store.table_path(self.name))
        with requests_to(path) if self.store.remote else contextlib.nullcontext():
            self._commit(path, table, ids)
        self._existing.update(ids)
        self.written += table.num_rows
        self._rows, self._tables, self._buffered, self._chars = {}, [], 0, 0

    def _commit(self, path: str, table: pa.Table, ids: list[str]) -> None:
        from deltalake import DeltaTable, write_deltalake
        from deltalake.exceptions import CommitFailedError

        try:
            if not self._existing.isdisjoint(ids):
                (
                    DeltaTable(path)
                    .merge(
                        table,
                        predicate="t.id = s.id",
                        source_alias="s",
                        target_alias="t",
                        writer_properties=writer_properties(),
                    )
                    .when_matched_update_all()
                    .when_not_matched_insert_all()
                    .execute()
                )
            elif self.store.remote and (self._found is not None or self.written):
                # A bucket has no lock file. An insert that reads the table's ids conflicts with a
                # second writer's commit in between (StoreConflictError) where two appends would
                # both have written the same document.
                (
                    DeltaTable(path)
                    .merge(
                        table,
                        predicate="t.id = s.id",
                        source_alias="s",
                        target_alias="t",
                        writer_properties=writer_properties(),
                    )
                    .when_not_matched_insert_all()
                    .execute()
                )
            else:
                # schema_mode: a column added since the table was made (documents' ``bands``) joins it
                write_deltalake(
                    path,
                    table,
                    mode="append",
                    schema_mode="merge",
                    writer_properties=writer_properties(),
                    configuration={"delta.dataSkippingNumIndexedCols": str(columns.INDEXED_COLUMNS)},
                )
        except CommitFailedError as error:
            raise StoreConflictError(
                f"{path}: another writer committed to this table at the same time "
                f"({_first_line(error)}); nothing of this batch was written, run the command "
                f"again"
            ) from None


class DocumentWriter(_TableWriter):
    def __init__(self, store: CorpusStore, segment_size: int) -> None:
        super().__init__(store, DOCUMENTS, columns.DOCUMENTS, segment_size)
        self._next_seq = (
            (pc.max(self._found.read(columns=["seq"]).column("seq")).as_py() or 0) + 1 if self._existing else 1
        )

    def add_document(
        self, document: Document, *, minhash: str | None, bands: list[int] | None = None, seq: int | None = None
    ) -> None:
        """``bands``: the near-duplicate index's keys, for a document that heads its group."""
        if seq is None:
            seq, self._next_seq = self._next_seq, self._next_seq + 1
        self.store._assigned[document.id] = seq
        self._add(columns.document_row(document, seq, minhash, bands), len(document.text))


class StageWriter(_TableWriter):
    def __init__(self, store: CorpusStore, stage: str, segment_size: int) -> None:
        super().__init__(store, stage, columns.stage_schema(stage), segment_size)
        self.stage = stage
        self._seqs: dict[str, int] | None = None

    def add_output(self, doc_id: str, output: StageOutput, *, seq: int | None = None) -> None:
        if seq is None:
            if self._seqs is None:
                self._seqs = self.store.seqs()
            seq = self._seqs.get(doc_id, self.store._assigned.get(doc_id))
            if seq is None:
                raise DocumentNotFoundError(f"no document with id {doc_id!r} in {self.store.root}")
        words = output.data.get("words")
        self._add(columns.stage_row(self.stage, seq, doc_id, output), len(words) if isinstance(words, str) else 0)
