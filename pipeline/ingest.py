"""Ingest stage: read input files into the corpus store with stable ids, exact-duplicate skipping
and near-duplicate groups. Incremental: a document already in the store is skipped."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import InputError, InputNotFoundError
from pipeline.neardup import NearDuplicateIndex
from pipeline.readers import SUFFIXES, Article, read_file
from pipeline.record import Document
from pipeline.settings import Settings
from pipeline.store import CorpusStore
from pipeline.util.progress import progress_bar

log = logging.getLogger(__name__)

ID_LENGTH = 16


def document_id(text: str) -> str:
    """Stable id: the first 16 hex digits of the SHA-256 of the normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


@dataclass
class Duplicate:
    location: str
    doc_id: str
    first_seen: str  # where the kept copy came from


@dataclass
class IngestReport:
    files: int = 0
    added: list[str] = field(default_factory=list)
    already_stored: list[Duplicate] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    grouped: list[tuple[str, str]] = field(default_factory=list)  # (doc id, group id) of near-duplicates
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def collect_files(paths: Iterable[Path], report: IngestReport) -> list[Path]:
    """The input files under ``paths``: folders recursively (hidden entries skipped), in name order."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            report.errors.append(InputNotFoundError(path, "no such file or directory"))
        elif path.is_dir():
            found = sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
            if not found:
                report.warnings.append(f"{path}: no {', '.join(sorted(SUFFIXES))} files in this folder")
            files.extend(found)
        else:
            files.append(path)
    return files


def _articles(files: list[Path], settings: Settings, report: IngestReport, progress: bool) -> Iterator[Article]:
    with progress_bar(progress) as bar:
        task = bar.add_task("ingest", total=len(files))
        for path in files:
            report.files += 1
            try:
                for item in read_file(path, boilerplate=settings.ingest.boilerplate):
                    if isinstance(item, InputError):
                        report.errors.append(item)
                    else:
                        yield item
            except InputError as err:
                report.errors.append(err)
            except OSError as err:
                report.errors.append(InputError(path, err.strerror or str(err)))
            bar.advance(task)


def ingest(store: CorpusStore, paths: Iterable[Path], settings: Settings, *, progress: bool = True) -> IngestReport:
    report = IngestReport()
    files = collect_files(paths, report)
    large = settings.ingest.large_document_mb * 1_000_000
    with store.locked():
        near = NearDuplicateIndex(settings.ingest.near_duplicate_threshold)
        known: dict[str, str] = {}
        for entry in store.document_index():
            known[entry.id] = entry.fields["meta"].get("source_path", "?")
            if entry.fields.get("minhash"):
                near.add(entry.id, entry.fields["group"], near.decode(entry.fields["minhash"]))
        stored = set(known)
        with store.document_writer() as writer:
            for article in _articles(files, settings, report, progress):
                doc_id = document_id(article.text)
                if doc_id in known:
                    found = Duplicate(article.location(), doc_id, known[doc_id])
                    (report.already_stored if doc_id in stored else report.duplicates).append(found)
                    continue
                size = len(article.text.encode("utf-8"))
                if size > large:
                    report.warnings.append(f"{article.location()}: large document ({size / 1e6:.1f} MB), ingested")
                signature = near.signature(article.text)
                group = near.find_group(signature) or doc_id
                if group != doc_id:
                    report.grouped.append((doc_id, group))
                near.add(doc_id, group, signature)
                writer.add_document(Document(doc_id, article.text, article.meta, group), minhash=near.encode(signature))
                known[doc_id] = article.location()
                report.added.append(doc_id)
    log.info("ingested %d new documents from %d files", len(report.added), report.files)
    return report
