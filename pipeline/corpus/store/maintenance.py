"""Keeping the store's tables small: compaction of small files and vacuum of files no commit uses.

Every commit of a stage adds a file (``segment_size`` rows), and a re-run's merge rewrites some:
compaction joins small files into large ones (a new commit; readers never see a half state), and
vacuum deletes the files no current commit names once they are older than the retention (an older
version of the table can be read until then). Both are delta-rs's own operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.corpus.store.corpus import DOCUMENTS, CorpusStore, writer_properties

# compact when a table has this many files smaller than SMALL_FILE bytes
SMALL_FILES = 32
SMALL_FILE = 16_000_000
# files are joined up to this size: a compaction rewrites at most this much besides the new small
# files, however large the store (a larger target made every compaction slower as the store grew)
TARGET_FILE = 64_000_000


@dataclass
class TableReport:
    name: str
    files_before: int
    files_after: int
    bytes_before: int
    bytes_after: int
    removed: int  # files deleted by vacuum


@dataclass
class CompactReport:
    tables: list[TableReport] = field(default_factory=list)

    @property
    def files_before(self) -> int:
        return sum(t.files_before for t in self.tables)

    @property
    def files_after(self) -> int:
        return sum(t.files_after for t in self.tables)

    @property
    def removed(self) -> int:
        return sum(t.removed for t in self.tables)


def _delta(store: CorpusStore, name: str):
    from deltalake import DeltaTable

    return DeltaTable(str(store.table_path(name)))


def _sizes(table) -> list[int]:
    return table.get_add_actions(flatten=True).column("size_bytes").to_pylist()


def needs_compaction(store: CorpusStore) -> bool:
    """Whether compaction pays: some table has many small files."""
    return any(sum(size < SMALL_FILE for size in _sizes(_delta(store, name))) >= SMALL_FILES for name in _names(store))


def expired_files(store: CorpusStore, retention_hours: int) -> int:
    """How many files no current commit uses are older than ``retention_hours`` (what vacuum deletes)."""
    return sum(
        len(_delta(store, name).vacuum(retention_hours=retention_hours, enforce_retention_duration=False, dry_run=True))
        for name in _names(store)
    )


def _names(store: CorpusStore) -> list[str]:
    return [DOCUMENTS, *store.stages()] if store.has_table(DOCUMENTS) else store.stages()


def compact(store: CorpusStore, *, retention_hours: int | None) -> CompactReport:
    """Compact every table, checkpoint it, and vacuum what is older than ``retention_hours`` (None:
    no vacuum). The caller holds the store's lock."""
    report = CompactReport()
    for name in _names(store):
        table = _delta(store, name)
        before = _sizes(table)
        table.optimize.compact(target_size=TARGET_FILE, writer_properties=writer_properties())
        table = _delta(store, name)
        table.create_checkpoint()
        removed = (
            []
            if retention_hours is None
            else table.vacuum(retention_hours=retention_hours, enforce_retention_duration=False, dry_run=False)
        )
        table.cleanup_metadata()
        after = _sizes(_delta(store, name))
        report.tables.append(TableReport(name, len(before), len(after), sum(before), sum(after), len(removed)))
    return report
