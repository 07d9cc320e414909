"""The store format of newscorpus 0.1 (JSON Lines segments with index files), read once to migrate it.

Old layout under ``corpus/.store/``: ``documents/000001.jsonl`` with ``000001.idx.jsonl`` beside it,
and the same under ``stages/<stage>/``. A segment exists only when its index does; a later output
of a stage for a document supersedes an earlier one. Migration writes the tables into
``tables.migrating/`` and renames it to ``tables/`` when every count matches, so a killed migration
leaves the old store as it was and runs again next time. The old files are kept.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.corpus.record import Document, StageOutput
from pipeline.errors import StoreCorruptError
from pipeline.settings import IngestSettings
from pipeline.util.progress import progress_bar

log = logging.getLogger(__name__)

DATA_SUFFIX = ".jsonl"
INDEX_SUFFIX = ".idx.jsonl"
MIGRATING = "tables.migrating"


def _segments(directory: Path) -> list[Path]:
    """Data files of the complete segments, oldest first."""
    if not directory.is_dir():
        return []
    return [
        index.with_name(index.name[: -len(INDEX_SUFFIX)] + DATA_SUFFIX)
        for index in sorted(directory.glob(f"[0-9]*{INDEX_SUFFIX}"))
        if index.with_name(index.name[: -len(INDEX_SUFFIX)] + DATA_SUFFIX).exists()
    ]


def needs_migration(root: Path) -> bool:
    from pipeline.corpus.store.corpus import DOCUMENTS, TABLES

    return bool(_segments(root / "documents")) and not (root / TABLES / DOCUMENTS / "_delta_log").is_dir()


def _records(directory: Path) -> Iterator[tuple[str, int, dict[str, Any], dict[str, Any]]]:
    """(segment name, line number, record, its index fields) of every record, oldest first."""
    for data_file in _segments(directory):
        index_file = data_file.with_name(data_file.name[: -len(DATA_SUFFIX)] + INDEX_SUFFIX)
        with data_file.open("rb") as data, index_file.open("rb") as index:
            for line_number, (line, index_line) in enumerate(zip(data, index), 1):
                try:
                    yield data_file.name, line_number, orjson.loads(line), orjson.loads(index_line)
                except orjson.JSONDecodeError:
                    raise StoreCorruptError(f"{data_file}:{line_number}: unreadable record") from None


def _latest(directory: Path) -> dict[str, tuple[str, int]]:
    """Where the latest output of each document is: (segment name, line number), from the indexes."""
    latest = {}
    for data_file in _segments(directory):
        index_file = data_file.with_name(data_file.name[: -len(DATA_SUFFIX)] + INDEX_SUFFIX)
        with index_file.open("rb") as index:
            for line_number, line in enumerate(index, 1):
                try:
                    latest[orjson.loads(line)["id"]] = (data_file.name, line_number)
                except (orjson.JSONDecodeError, KeyError):
                    raise StoreCorruptError(f"{index_file}:{line_number}: unreadable index line") from None
    return latest


@dataclass
class MigrationReport:
    documents: int = 0
    outputs: dict[str, int] = field(default_factory=dict)
    kept: list[Path] = field(default_factory=list)


def migrate(store, *, progress: bool = True) -> MigrationReport:
    """Copy an old store into tables (the caller holds the store's lock). Counts are checked."""
    from pipeline.corpus import neardup
    from pipeline.corpus.store.corpus import DOCUMENTS, TABLES, CorpusStore

    root = store.root
    staging = root / MIGRATING
    shutil.rmtree(staging, ignore_errors=True)  # what a killed migration left
    target = CorpusStore(root, segment_size=store.segment_size, tables=MIGRATING)
    report = MigrationReport(kept=[p for p in (root / "documents", root / "stages") if p.exists()])
    stage_dirs = sorted(p for p in (root / "stages").iterdir() if p.is_dir()) if (root / "stages").is_dir() else []
    latest = {stage_dir.name: _latest(stage_dir) for stage_dir in stage_dirs}
    seqs: dict[str, int] = {}
    layout = neardup.band_layout(IngestSettings().near_duplicate_threshold)
    total = len(_latest(root / "documents")) + sum(len(v) for v in latest.values())
    with progress_bar(progress) as bar:
        task = bar.add_task("migrating the store to Delta Lake tables", total=total)
        with target.document_writer() as writer:
            for _, _, record, index in _records(root / "documents"):
                if record["id"] in seqs:
                    continue
                seqs[record["id"]] = len(seqs) + 1
                minhash = index.get("minhash")
                # band keys for the default threshold: with another, ingest computes them again each run
                bands = (
                    neardup.band_keys(neardup.decode_values(minhash)[None, :], layout)[0].tolist()
                    if minhash and record["group"] == record["id"]
                    else None
                )
                writer.add_document(
                    Document(record["id"], record["text"], record["meta"], record["group"]),
                    minhash=minhash,
                    bands=bands,
                    seq=seqs[record["id"]],
                )
                bar.advance(task)
        report.documents = writer.written
        for stage_dir in stage_dirs:
            stage, wanted = stage_dir.name, latest[stage_dir.name]
            with target.stage_writer(stage) as stage_writer:
                for segment, line_number, record, _ in _records(stage_dir):
                    if wanted.get(record["id"]) != (segment, line_number) or record["id"] not in seqs:
                        continue
                    output = StageOutput(
                        stage, record["version"], record["fingerprint"], record["data"], record["error"]
                    )
                    stage_writer.add_output(record["id"], output, seq=seqs[record["id"]])
                    bar.advance(task)
            report.outputs[stage] = stage_writer.written
    expected = {stage: sum(1 for doc_id in ids if doc_id in seqs) for stage, ids in latest.items()}
    if report.documents != len(seqs) or report.outputs != expected:
        raise StoreCorruptError(
            f"{root}: migration counted {report.documents} documents and {report.outputs} "
            f"outputs, expected {len(seqs)} and {expected}; the old store is unchanged"
        )
    tables = root / TABLES
    tables.mkdir(exist_ok=True)
    # the documents table last: its presence is what says "migrated"
    for table in sorted(staging.iterdir(), key=lambda path: path.name == DOCUMENTS):
        shutil.rmtree(tables / table.name, ignore_errors=True)
        table.rename(tables / table.name)
    shutil.rmtree(staging, ignore_errors=True)
    log.warning(
        "migrated the store to Delta Lake tables: %d documents, %s; the old files are kept in %s "
        "(remove them when you no longer need them)",
        report.documents,
        ", ".join(f"{count} {stage} outputs" for stage, count in report.outputs.items()) or "no stage outputs",
        " and ".join(str(p) for p in report.kept),
    )
    return report
