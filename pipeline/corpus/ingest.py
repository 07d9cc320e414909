"""Ingest stage: read input files into the corpus store with stable ids, exact-duplicate skipping
and near-duplicate groups. Incremental: a document already in the store is skipped.

In a folder, every entry that is not read is reported with why (``IngestReport.skipped``): hidden,
of a type no reader takes, not a regular file, or a link to a folder (not followed). A file named
on the command line is read (even if hidden) or refused with an error.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from datasketch import LeanMinHash

from pipeline.corpus import neardup
from pipeline.corpus.neardup import NearDuplicateIndex
from pipeline.corpus.readers import SUFFIXES, Article, read_file
from pipeline.corpus.record import ID_LENGTH, Document
from pipeline.corpus.store import CorpusStore
from pipeline.errors import InputError, InputNotFoundError
from pipeline.nlp import casing
from pipeline.settings import Settings
from pipeline.util.progress import progress_bar

log = logging.getLogger(__name__)


def document_id(text: str) -> str:
    """Stable id: the first 16 hex digits of the SHA-256 of the normalised text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:ID_LENGTH]


@dataclass
class Duplicate:
    location: str
    doc_id: str
    first_seen: str  # where the kept copy came from


@dataclass
class SkippedEntry:
    path: Path
    reason: str


@dataclass
class IngestReport:
    files: int = 0
    added: list[str] = field(default_factory=list)
    already_stored: list[Duplicate] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    grouped: list[tuple[str, str]] = field(default_factory=list)  # (doc id, group id) of near-duplicates
    skipped: list[SkippedEntry] = field(default_factory=list)  # folder entries not read
    errors: list[InputError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


UNSUPPORTED = f"unsupported file type (read: {', '.join(sorted(SUFFIXES))})"
HIDDEN = "hidden"
NOT_REGULAR = "not a regular file (a pipe, socket or device)"
BROKEN_LINK = "broken symbolic link"
FOLDER_LINK = "link to a folder, not followed"
UNREADABLE = "folder cannot be read"
_NAMES_PER_REASON = 5


def collect_files(paths: Iterable[Path], report: IngestReport, *, ignore: Path | None = None) -> list[Path]:
    """The input files under ``paths``: folders recursively, in name order. What a folder holds that
    is not read goes to ``report.skipped`` and, grouped by reason, to its warnings; ``ignore`` (the
    corpus store, which lives in the corpus folder) is passed over silently."""
    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            report.errors.append(InputNotFoundError(path, "no such file or directory"))
        elif path.is_dir():
            skipped: list[SkippedEntry] = []
            found = _folder_files(path, skipped, ignore)
            if not found:
                report.warnings.append(f"{path}: no {', '.join(sorted(SUFFIXES))} files in this folder")
            report.skipped.extend(skipped)
            report.warnings.extend(_skipped_warnings(path, skipped))
            files.extend(found)
        elif not path.is_file():
            report.errors.append(InputError(path, NOT_REGULAR))  # reading a pipe would wait for a writer
        else:
            files.append(path)
    return files


def _folder_files(folder: Path, skipped: list[SkippedEntry], ignore: Path | None) -> list[Path]:
    found = []
    ignore = ignore.resolve() if ignore is not None else None

    def unreadable(error: OSError) -> None:
        skipped.append(SkippedEntry(Path(error.filename), f"{UNREADABLE} ({error.strerror})"))

    for directory, subfolders, names in os.walk(folder, onerror=unreadable):
        here = Path(directory)
        kept = []
        for name in subfolders:
            subfolder = here / name
            if subfolder.resolve() == ignore:
                continue
            reason = HIDDEN if name.startswith(".") else FOLDER_LINK if subfolder.is_symlink() else None
            if reason:
                skipped.append(SkippedEntry(subfolder, reason))
            else:
                kept.append(name)
        subfolders[:] = kept
        for name in names:
            reason = _skip_reason(here / name)
            if reason:
                skipped.append(SkippedEntry(here / name, reason))
            else:
                found.append(here / name)
    skipped.sort(key=lambda entry: entry.path)
    return sorted(found)


def _skip_reason(path: Path) -> str | None:
    if path.name.startswith("."):
        return HIDDEN
    if not path.exists():
        return BROKEN_LINK
    if not path.is_file():
        return NOT_REGULAR
    if path.suffix.lower() not in SUFFIXES:
        return UNSUPPORTED
    return None


def _skipped_warnings(folder: Path, skipped: list[SkippedEntry]) -> list[str]:
    """One line per reason: how many, and the first few names (relative to the folder)."""
    by_reason: dict[str, list[str]] = defaultdict(list)
    for entry in skipped:
        by_reason[entry.reason].append(str(entry.path.relative_to(folder)))
    lines = []
    for reason, names in by_reason.items():
        listed = ", ".join(names[:_NAMES_PER_REASON])
        more = f" and {len(names) - _NAMES_PER_REASON} more" if len(names) > _NAMES_PER_REASON else ""
        lines.append(f"{folder}: skipped {len(names)}, {reason}: {listed}{more}")
    return lines


@dataclass
class Signed:
    """An article with what ingest computes from its text alone: id, MinHash signature (encoded) and
    whether it is written in capitals. Signed in parallel by the Ray engine; ``signature`` is None
    until ``sign`` (the local engine signs only the documents that are new)."""

    article: Article
    doc_id: str
    signature: LeanMinHash | None = None
    capitals: tuple[int, int] | None = None


def read_items(path: Path, boilerplate: list[str], split_chars: int = 0) -> Iterator[Article | InputError]:
    """A file's articles (an article longer than ``split_chars`` as its parts) and its errors, never
    raising for a bad file."""
    try:
        for item in read_file(path, boilerplate=boilerplate):
            if isinstance(item, Article) and split_chars and len(item.text) > split_chars:
                yield from split_article(item, split_chars)
            else:
                yield item
    except InputError as err:
        yield err
    except OSError as err:
        yield InputError(path, err.strerror or str(err))


def split_article(article: Article, max_chars: int) -> Iterator[Article]:
    """An article in parts of at most ``max_chars``, cut at the last paragraph break of each stretch
    (else a line break, a sentence end, a space), each with ``part`` ("2/50") in its meta. The parts
    are made one at a time: a 50 MB text is not held twice."""
    text = article.text
    cuts = [0]
    while len(text) - cuts[-1] > max_chars:
        start, limit = cuts[-1], cuts[-1] + max_chars
        floor = start + max_chars // 2
        cut = next(
            (
                found + len(mark)
                for mark in ("\n\n", "\n", ". ", " ")
                if (found := text.rfind(mark, floor, limit - len(mark) + 1)) != -1
            ),
            limit,
        )
        cuts.append(cut)
    cuts.append(len(text))
    pieces = [(start, end) for start, end in zip(cuts, cuts[1:]) if text[start:end].strip()]
    for number, (start, end) in enumerate(pieces, start=1):
        yield Article(text[start:end].strip(), {**article.meta, "part": f"{number}/{len(pieces)}"}, article.line)


def sign(signed: Signed, near: NearDuplicateIndex) -> Signed:
    signed.signature = near.signature(signed.article.text)
    signed.capitals = casing.capitals_in_text(signed.article.text)
    return signed


def _articles(files: list[Path], settings: Settings, report: IngestReport, progress: bool) -> Iterator[Signed]:
    with progress_bar(progress) as bar:
        task = bar.add_task("ingest", total=len(files))
        if settings.engine.kind == "ray":
            from pipeline.engine import ray_stages

            ray_stages.start(settings.engine.address, settings.engine.num_cpus)
            files_done = ray_stages.read_and_sign(
                files,
                settings.ingest.boilerplate,
                settings.ingest.split_chars,
                settings.ingest.near_duplicate_threshold,
            )
        else:
            files_done = (
                (
                    path,
                    (
                        item if isinstance(item, InputError) else Signed(item, document_id(item.text))
                        for item in read_items(path, settings.ingest.boilerplate, settings.ingest.split_chars)
                    ),
                )
                for path in files
            )
        for _path, items in files_done:
            report.files += 1
            for item in items:
                if isinstance(item, InputError):
                    report.errors.append(item)
                else:
                    yield item
            bar.advance(task)


GROUP_DOCUMENTS = 256  # documents grouped at once: one read of the stored heads they may match
GROUP_CHARS = 16_000_000


def _in_chunks(articles: Iterator[Signed]) -> Iterator[list[Signed]]:
    chunk: list[Signed] = []
    chars = 0
    for signed in articles:
        chunk.append(signed)
        chars += len(signed.article.text)
        if len(chunk) == GROUP_DOCUMENTS or chars >= GROUP_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def ingest(store: CorpusStore, paths: Iterable[Path], settings: Settings, *, progress: bool = True) -> IngestReport:
    report = IngestReport()
    files = collect_files(paths, report, ignore=store.root)
    large = settings.ingest.large_document_mb * 1_000_000
    with store.locked():
        near = NearDuplicateIndex(settings.ingest.near_duplicate_threshold, stored=store)
        stored = store.ids()
        seen: dict[str, str] = {}  # id -> where this run first read it
        already: list[tuple[str, str]] = []  # (where, id) of documents the store had
        with store.document_writer() as writer:
            for chunk in _in_chunks(_articles(files, settings, report, progress)):
                new = []
                for signed in chunk:
                    article, doc_id = signed.article, signed.doc_id
                    if doc_id in stored:
                        already.append((article.location(), doc_id))
                    elif doc_id in seen:
                        report.duplicates.append(Duplicate(article.location(), doc_id, seen[doc_id]))
                    else:
                        seen[doc_id] = article.location()
                        new.append(signed)
                for signed in new:
                    article, doc_id = signed.article, signed.doc_id
                    size = len(article.text.encode("utf-8"))
                    if size > large:
                        report.warnings.append(f"{article.location()}: large document ({size / 1e6:.1f} MB), ingested")
                    if article.meta.get("part", "").startswith("1/"):
                        parts = article.meta["part"].partition("/")[2]
                        report.warnings.append(
                            f"{article.location()}: longer than {settings.ingest.split_chars:,} "
                            f"characters, split into {parts} documents at paragraph breaks "
                            f"([ingest] split_chars)"
                        )
                    if signed.signature is None:
                        sign(signed, near)
                    if signed.capitals is not None:
                        report.warnings.append(
                            f"{article.location()} ({doc_id}): {casing.capitals_note(*signed.capitals)}"
                        )
                near.prefetch(signed.signature for signed in new)
                for signed in new:
                    article, doc_id, signature = signed.article, signed.doc_id, signed.signature
                    group = near.find_group(signature) or doc_id
                    if group != doc_id:
                        report.grouped.append((doc_id, group))
                    bands = near.add(doc_id, group, signature)
                    writer.add_document(
                        Document(doc_id, article.text, article.meta, group),
                        minhash=neardup.encode(signature),
                        bands=bands,
                    )
                    report.added.append(doc_id)
        if already:
            metas = store.metas(doc_id for _, doc_id in already)
            report.already_stored = [
                Duplicate(where, doc_id, metas.get(doc_id, {}).get("source_path", "?")) for where, doc_id in already
            ]
    log.info("ingested %d new documents from %d files", len(report.added), report.files)
    return report
