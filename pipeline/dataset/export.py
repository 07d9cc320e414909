"""Dataset export: the corpus as a Hugging Face ``DatasetDict`` that an ML engineer loads in one line.

The output folder ``DIR`` holds two copies of the same three splits, side by side, so that both of
the usual loaders work on it and it can be uploaded to the Hugging Face Hub as it is::

    README.md                                   the dataset card; its YAML names the Parquet files (configs:)
    dataset_dict.json                           datasets.load_from_disk(DIR): save_to_disk's layout
    train/data-00000-of-00001.arrow             (dataset_info.json and state.json beside each split's shards)
    validation/...   test/...
    data/train-00000-of-00001.parquet           datasets.load_dataset(DIR), and the Hub's loader
    data/validation-00000-of-00001.parquet
    data/test-00000-of-00001.parquet

``load_from_disk`` reads ``dataset_dict.json`` and the split folders; ``load_dataset`` reads the card's
``configs:``, which name only ``data/*.parquet``, so neither sees the other copy. Everything is built
in ``DIR.incomplete`` beside ``DIR`` and renamed into place at the end; an existing ``DIR`` is replaced
only then (with ``overwrite``), so an interrupted export leaves the previous one untouched.

**Splits.** A document's split depends only on its near-duplicate group and the seed: the first 8
bytes of BLAKE2b(``seed:group``) read as a number in [0, 1), against the cumulative ratios of
``[split]``. A whole group therefore always lands in one split. We chose this over scikit-learn's
``GroupShuffleSplit`` because a group keeps its split when the corpus grows: with a shuffle, adding
one document re-deals every group, so articles that were in last month's test set turn up in this
month's train set and a model compared across exports has seen its test data. The hash also needs no
memory and one pass. Its cost: the ratios hold on average, not exactly, and a small corpus can leave
a split empty; that is reported (``ExportReport.empty_splits``), and the empty split is kept in the
Arrow copy (0 rows) but cannot be declared in ``configs:`` (the Parquet loader refuses a split with
no rows), which the card says.

**Rows** are made by ``rows.document_row`` in one pass over all three splits and written in batches
as Arrow files of the ``Features``' schema (``schema``) by ``writer``, so memory stays flat in corpus
size; each split gets an explicit fingerprint (the store's index entries of its documents). The
documents, by split and then in ingest order, are cut into contiguous shards that worker processes
read and encode side by side; each split is then a zero-copy slice, its rows in ingest order whatever
the number of processes. Token tags are BIO over the configured labels ("O" first) and are computed
from, and checked against, the character spans (``tags``): a span that does not start and end on token
boundaries leaves its document out, reported (``[E063]``), and the rest is exported. The card is
``card``'s; the counts it shows are ``summary``'s.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pipeline import __version__
from pipeline.corpus.store import CorpusStore, LocatedDocument
from pipeline.dataset.card import render_card
from pipeline.dataset.schema import PARQUET_DIR, VERSION, export_features
from pipeline.dataset.splits import SPLITS, split_of
from pipeline.dataset.summary import ExportReport, summarize
from pipeline.dataset.writer import CACHE_DIR, LISTS_DIR, build_splits, collector_paused, write_parquet
from pipeline.errors import ExportExistsError, NothingToExportError
from pipeline.settings import Settings
from pipeline.stages import PREANNOTATE, REVIEW, TOKENIZE
from pipeline.util.fs import replace_dir, write_text_atomic
from pipeline.util.objectstore import is_remote, remote_dir_has_files, remove_remote_dir, upload_dir
from pipeline.util.progress import progress_bar

log = logging.getLogger(__name__)

STAGES = (TOKENIZE, PREANNOTATE, REVIEW)  # what a row is made of
FORMATS = ("arrow", "parquet")
Format = Literal["arrow", "parquet", "both"]
INCOMPLETE_SUFFIX = ".incomplete"


@dataclass
class _Plan:
    """Per split, in ingest order: the documents that may go in (those with a review record are
    exported if it says reviewed; pre-annotated ones without one only with ``include_unreviewed``),
    and the split's fingerprint."""

    documents: dict[str, list[LocatedDocument]]
    fingerprints: dict[str, str]

    @property
    def total(self) -> int:
        return sum(len(located) for located in self.documents.values())


def export_dataset(
    store: CorpusStore,
    settings: Settings,
    *,
    out: Path | str,
    annotations_dir: Path | None = None,
    include_unreviewed: bool = False,
    formats: Format = "both",
    overwrite: bool = False,
    n_process: int | None = None,
    progress: bool = True,
) -> ExportReport:
    """Export the corpus to ``out`` as a ``DatasetDict`` (train, validation, test), saved with
    ``save_to_disk`` and/or as Parquet shards under ``out/data``, with a dataset card.

    Only reviewed documents by default; ``include_unreviewed`` adds the pre-annotated ones, marked
    ``review.status == "pre-annotated"``. Raises ``NothingToExportError`` when no document qualifies,
    ``ExportExistsError`` when ``out`` exists and ``overwrite`` is not set. Documents that cannot be
    exported are left out and listed in the report's ``skipped``. ``n_process``: processes that
    build the rows (default: the CPUs this process may use, up to 4); the dataset is the same.
    ``out`` may be ``s3://bucket/prefix``: the export is made in a temporary folder and copied there
    once complete (``load_from_disk`` and ``load_dataset`` read it with ``storage_options``)."""
    import datasets

    if is_remote(out):
        return _export_to_object_storage(
            store,
            settings,
            str(out),
            annotations_dir=annotations_dir,
            include_unreviewed=include_unreviewed,
            formats=formats,
            overwrite=overwrite,
            n_process=n_process,
            progress=progress,
        )

    chosen = FORMATS if formats == "both" else (formats,)
    if not set(chosen) <= set(FORMATS):
        raise ValueError(f"formats must be 'arrow', 'parquet' or 'both', not {formats!r}")
    out = Path(out).expanduser().absolute()
    _check_output(out, overwrite)
    report = ExportReport(out, chosen, include_unreviewed)
    features = export_features(settings.labels)
    building = out.with_name(out.name + INCOMPLETE_SUFFIX)
    bars_were_on = datasets.is_progress_bar_enabled()
    datasets.disable_progress_bars()  # ours is the one progress bar; --quiet switches it off
    try:
        # The splits' Parquet copies are written by a thread while the Arrow copy is saved: pyarrow
        # encodes without holding the GIL. One thread: each Parquet writer buffers a row group.
        with ThreadPoolExecutor(max_workers=1) as writer:
            parquet: dict[str, Any] = {}
            dataset = datasets.DatasetDict()
            with store.locked():  # one consistent state of the store from planning to the last row
                plan = _plan(store, settings, report)
                if plan.total == 0:
                    raise NothingToExportError(_nothing_message(report))
                if building.exists():
                    shutil.rmtree(building)  # what an interrupted export left
                building.mkdir(parents=True)
                processes = n_process or min(len(os.sched_getaffinity(0)), 4)
                located = [(name, document) for name in SPLITS for document in plan.documents[name]]
                with progress_bar(progress) as bar, collector_paused():
                    task = bar.add_task("export", total=plan.total)
                    splits, notes = build_splits(
                        store,
                        settings,
                        features,
                        located,
                        building,
                        snapshot=store.snapshot(STAGES),
                        include_unreviewed=include_unreviewed,
                        processes=processes,
                        fingerprints=plan.fingerprints,
                        bar=bar,
                    )
                    for note in notes:
                        report.unreviewed_left_out += note.left_out
                        report.skipped.extend(note.skipped)
                    for name, split in splits.items():
                        dataset[name] = split
                        split.info.description = (
                            f"{settings.export.name}: news articles with named entities and numeric claims"
                        )
                        split.info.license = settings.export.license
                        summary = report.splits[name] = summarize(split, settings.labels)
                        if not len(split):
                            report.empty_splits.append(name)
                        elif "parquet" in chosen:
                            parquet[name] = writer.submit(
                                write_parquet, split, name, summary.shards, building, PARQUET_DIR
                            )
                        bar.advance(task, len(plan.documents[name]))
            if not report.documents:
                more = f" (and {len(report.skipped) - 1} more)" if len(report.skipped) > 1 else ""
                raise NothingToExportError(
                    _nothing_message(report)
                    if not report.skipped
                    else f"none of the documents could be exported: {report.skipped[0]}{more}"
                )
            if "arrow" in chosen:
                dataset.save_to_disk(str(building), num_shards={n: s.shards for n, s in report.splits.items()})
            parquet_sizes = {name: future.result() for name, future in parquet.items()}
        del dataset, splits, split  # their Arrow files are memory-mapped from the cache
        shutil.rmtree(building / CACHE_DIR, ignore_errors=True)
        shutil.rmtree(building / LISTS_DIR)
        write_text_atomic(building / "README.md", render_card(report, settings, annotations_dir, parquet_sizes))
        replace_dir(building, out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    log.info("exported %d documents to %s", report.documents, out)
    return report


def _export_to_object_storage(store: CorpusStore, settings: Settings, out: str, **options: Any) -> ExportReport:
    overwrite = options.pop("overwrite")
    if remote_dir_has_files(out) and not overwrite:
        raise ExportExistsError(f"{out} exists; pass --overwrite to replace it, or choose another --out")
    with tempfile.TemporaryDirectory(prefix="newscorpus-export-") as local:
        built = Path(local) / out.rstrip("/").rsplit("/", 1)[-1]  # the card names the folder
        report = export_dataset(store, settings, out=built, overwrite=False, **options)
        if overwrite:
            remove_remote_dir(out)
        upload_dir(built, out)
    report.out = out
    return report


def default_output(exports_dir: Path, settings: Settings) -> Path:
    return exports_dir / settings.export.name


def _looks_like_export(path: Path) -> bool:
    return (path / "dataset_dict.json").is_file() or (path / PARQUET_DIR).is_dir() or not any(path.iterdir())


def _check_output(out: Path, overwrite: bool) -> None:
    if not out.exists():
        return
    if not overwrite:
        raise ExportExistsError(f"{out} exists; pass --overwrite to replace it, or choose another --out")
    if not out.is_dir() or not _looks_like_export(out):
        raise ExportExistsError(
            f"{out} exists and is not a dataset export (no dataset_dict.json or data/); refusing to replace it"
        )


def _plan(store: CorpusStore, settings: Settings, report: ExportReport) -> _Plan:
    """Which documents may go in, and in which split, from the store's index alone (no record is
    read); each split's fingerprint from the index entries of its documents (their ids and the
    revision of each stage output, which changes whenever one is written). Whether a review record says
    "reviewed" is known only once it is read, by the writer's workers."""
    indexes = {stage: store.stage_index(stage) for stage in STAGES}
    reviews = {doc_id for doc_id, entry in indexes[REVIEW].items() if not entry.failed}
    preannotated = {doc_id for doc_id, entry in indexes[PREANNOTATE].items() if not entry.failed}
    identity = f"{VERSION}|{__version__}|{settings.labels.json()}|{report.include_unreviewed}"
    hashes = {name: hashlib.sha256(f"{identity}|{name}".encode()) for name in SPLITS}
    plan = _Plan({name: [] for name in SPLITS}, {})
    read = STAGES if report.include_unreviewed else (TOKENIZE, REVIEW)
    for entry in store.document_index():
        doc_id = entry.id
        if doc_id not in reviews and not (doc_id in preannotated and report.include_unreviewed):
            if doc_id in preannotated:
                report.unreviewed_left_out += 1
            else:
                report.not_annotated += 1
            continue
        name = split_of(entry.fields["group"], settings.split)
        digest = hashes[name]
        digest.update(doc_id.encode())
        stage_entries = {}
        for stage, index in indexes.items():
            stage_entry = index.get(doc_id)
            if stage_entry is not None:
                digest.update(f"|{stage}:{stage_entry.revision}:{stage_entry.fingerprint}".encode())
                if stage in read:
                    stage_entries[stage] = stage_entry
        plan.documents[name].append(LocatedDocument.of(entry, stage_entries))
    plan.fingerprints = {name: digest.hexdigest()[:16] for name, digest in hashes.items()}
    return plan


def _nothing_message(report: ExportReport) -> str:
    if report.include_unreviewed:
        return (
            f"nothing to export: no document is reviewed or pre-annotated ({report.not_annotated} documents "
            f"in the corpus); run newscorpus preannotate first"
        )
    return (
        f"no reviewed documents to export ({report.unreviewed_left_out} pre-annotated, {report.not_annotated} "
        f"not annotated); review them in Doccano and pull them, or pass --include-unreviewed to export the "
        f"pre-annotations"
    )
