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

**Rows** are made by ``document_row`` in one pass over all three splits and written in batches as
Arrow files of the ``Features``' schema, so memory stays flat in corpus size; each split gets an
explicit fingerprint (the store's index entries of its documents). The documents, by split and then
in ingest order, are cut into contiguous shards that worker processes read and encode side by side;
each split is then a zero-copy slice, its rows in ingest order whatever the number of processes.
Token tags are BIO over the configured labels ("O" first) and are computed from, and checked
against, the character spans: a span that does not start and end on token boundaries leaves its
document out, reported (``[E063]``), and the rest is exported.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib.resources
import itertools
import logging
import math
import multiprocessing
import os
import shutil
import tempfile
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

import numpy as np
import orjson

from pipeline import __version__

from pipeline.nlp import tokenization
from pipeline.errors import (
    ExportExistsError,
    ModelNotFoundError,
    NewscorpusError,
    NothingToExportError,
    SpanAlignmentError,
    UnexportableDocumentError,
)
from pipeline.nlp.preannotate import STAGE as PREANNOTATE
from pipeline.nlp.preannotate import gazetteer_path
from pipeline.corpus.record import PRE_ANNOTATED, REVIEW, REVIEWED, Document
from pipeline.settings import LabelSettings, Settings, SplitSettings
from pipeline.corpus.store import CorpusStore, LocatedDocument
from pipeline.util.fs import replace_dir, write_text_atomic
from pipeline.util.objectstore import is_remote, remote_dir_has_files, remove_remote_dir, upload_dir
from pipeline.util.progress import progress_bar
from pipeline.util.signals import workers_stop_on_signal

log = logging.getLogger(__name__)

VERSION = "2"  # the dataset's schema; part of every split's fingerprint. 2: meta.external_id
STAGES = (tokenization.STAGE, PREANNOTATE, REVIEW)
SPLITS = ("train", "validation", "test")
FORMATS = ("arrow", "parquet")
Format = Literal["arrow", "parquet", "both"]
META_KEYS = ("section", "headline", "byline", "place", "date", "date_iso", "agency", "source", "url", "external_id",
             "part", "group")  # group last: it is the document's, not its meta's
PARQUET_DIR = "data"
CACHE_DIR = ".cache"  # the shards' Arrow files, inside DIR.incomplete, removed before the rename
NOTES_DIR = ".notes"  # what each shard left out, inside DIR.incomplete
MIN_DOCUMENTS_PER_PROCESS = 250  # below this, starting workers costs more than they save
INCOMPLETE_SUFFIX = ".incomplete"
MAX_SHARD_BYTES = 500 * 1024 * 1024  # as save_to_disk's default, and the Hub's advice for Parquet files
CARD_TEMPLATE = "templates/dataset_card.md"
_first = itemgetter(0)


# -- schema ----------------------------------------------------------------------------------------


def tag_names(labels: Sequence[str]) -> list[str]:
    """BIO tag names: "O" first, then B- and I- of each label in order (as conll2003 has them)."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def export_features(labels: LabelSettings):
    """The dataset's ``datasets.Features``; label names travel with the data as ``ClassLabel``."""
    from datasets import ClassLabel, Features, List, Value

    string, number, offset = Value("string"), Value("float64"), Value("int32")
    return Features({
        "id": string,
        "text": string,
        "meta": {key: string for key in META_KEYS},
        "tokens": List(string),
        "ner_tags": List(ClassLabel(names=tag_names(labels.entities))),
        "claim_tags": List(ClassLabel(names=tag_names(labels.claims))),
        "entities": List({"start": offset, "end": offset, "label": ClassLabel(names=list(labels.entities)),
                          "text": string}),
        "claims": List({"start": offset, "end": offset, "label": ClassLabel(names=list(labels.claims)),
                        "text": string, "value": number, "unit": string, "approx": string, "low": number,
                        "high": number, "from": number, "to": number}),
        "relations": List({"head": offset, "tail": offset, "type": string}),
        "review": {"status": string, "annotators": List(string), "agreement": number},
    })


# -- splits ----------------------------------------------------------------------------------------


def split_of(group: str, split: SplitSettings) -> str:
    """The split of every document of near-duplicate group ``group``: a seeded hash of the group id."""
    digest = hashlib.blake2b(f"{split.seed}:{group}".encode(), digest_size=8).digest()
    position = int.from_bytes(digest, "big") / 2**64
    ratios = [(name, getattr(split, name)) for name in SPLITS if getattr(split, name) > 0]
    cumulative = 0.0
    for name, ratio in ratios[:-1]:
        cumulative += ratio
        if position < cumulative:
            return name
    return ratios[-1][0]


# -- tokens, tags and spans ------------------------------------------------------------------------


def token_offsets(text: str, tokens: Sequence[str]) -> list[tuple[int, int]]:
    """Character offsets of the exported ``tokens`` in ``text``: they are the stored tokens in order,
    whitespace-only ones left out, so each starts at the next non-whitespace character."""
    offsets, position = [], 0
    for token in tokens:
        while position < len(text) and text[position].isspace() and not token[:1].isspace():
            position += 1
        if not text.startswith(token, position):
            raise ValueError(f"token {token!r} is not at offset {position} of the text")
        offsets.append((position, position + len(token)))
        position += len(token)
    return offsets


def spans_to_tags(offsets: Sequence[tuple[int, int]], spans: Iterable[dict[str, Any]], labels: Sequence[str], *,
                  doc_id: str = "?", layer: str = "entity") -> list[int]:
    """BIO tag indexes (into ``tag_names(labels)``) of the tokens at ``offsets`` for character
    ``spans`` ({start, end, label}). Raises ``SpanAlignmentError`` for a span that does not start and
    end on token boundaries or overlaps another one, ``UnexportableDocumentError`` for a label that
    is not in ``labels``."""
    return _tags(offsets, list(map(_first, offsets)), spans, {label: number for number, label in enumerate(labels)},
                 doc_id, layer)


def _tags(offsets: Sequence[Sequence[int]], starts: list[int], spans: Iterable[dict[str, Any]], index: dict[str, int],
          doc_id: str, layer: str) -> list[int]:
    tags = [0] * len(offsets)
    for span in spans:
        start, end, label = span["start"], span["end"], span["label"]
        number = index.get(label)
        if number is None:
            raise UnexportableDocumentError(doc_id, f"{layer} label {label!r} at {start}-{end} is not one of "
                                                    f"[labels] {'claims' if layer == 'claim' else 'entities'}")
        first = bisect_left(starts, start)
        after = bisect_left(starts, end)  # the first token that starts at or after the span's end
        if first == len(offsets) or offsets[first][0] != start or after <= first or offsets[after - 1][1] != end:
            raise SpanAlignmentError(doc_id, f"{layer} {label} at {start}-{end} does not align with token boundaries")
        if any(tags[first:after]):
            raise SpanAlignmentError(doc_id, f"{layer} {label} at {start}-{end} overlaps another {layer}")
        begin = 1 + 2 * number
        tags[first] = begin
        if after - first > 1:
            tags[first + 1:after] = [begin + 1] * (after - first - 1)
    return tags


def tags_to_spans(offsets: Sequence[tuple[int, int]], tags: Sequence[int], labels: Sequence[str]) -> list[dict[str, Any]]:
    """The inverse of ``spans_to_tags``: character spans ({start, end, label}) from BIO tag indexes.
    An I- tag that does not continue a span of its label starts one (as conlleval reads it)."""
    spans: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for (start, end), tag in zip(offsets, tags):
        if tag == 0:
            current = None
            continue
        label, inside = divmod(tag - 1, 2)
        if inside and current is not None and current["label"] == labels[label]:
            current["end"] = end
        else:
            current = {"start": start, "end": end, "label": labels[label]}
            spans.append(current)
    return spans


def document_row(document: Document, labels: LabelSettings) -> dict[str, Any]:
    """One dataset row (the features of ``export_features``) for a tokenized, annotated document.

    Entities and claims are the document's current ones (reviewed if confirmed, else the
    pre-annotations), in stored order, so the relations' indexes (entities first, then claims) hold.
    Raises ``UnexportableDocumentError`` (or its ``SpanAlignmentError``) when the document cannot be
    exported as it stands."""
    text = document.text
    tokenized = document.outputs.get(tokenization.STAGE)
    if tokenized is None or tokenized.failed:
        raise UnexportableDocumentError(document.id, "not tokenized (run newscorpus tokenize)")
    # Tags are made over all stored tokens, then the whitespace-only ones (paragraph breaks) are
    # deleted from tokens and tags alike: the row is built once per document, and this is several
    # times faster than filtering first (Document.tokens alone, a copy into tuples, costs more).
    # The tokenize stage stores the token texts joined (since its version 3); a text that holds the
    # separator itself, or an older output, has them cut out of the text instead.
    offsets = tokenized.data["tokens"]
    words = tokenized.data.get("words")
    tokens = words.split(tokenization.WORD_SEPARATOR) if words else []
    if len(tokens) != len(offsets):
        tokens = [text[start:end] for start, end in offsets]
    entities, claims = document.entities, document.claims
    for layer, spans in (("entity", entities), ("claim", claims)):
        for span in spans:
            start, end = span["start"], span["end"]
            if not 0 <= start < end <= len(text) or span.get("text", text[start:end]) != text[start:end]:
                raise SpanAlignmentError(document.id, f"{layer} {span.get('text', '')!r} at {start}-{end} does not "
                                                      f"match the text (the span was made on another text)")
            if text[start].isspace() or text[end - 1].isspace():
                raise SpanAlignmentError(document.id, f"{layer} {span['label']} at {start}-{end} starts or ends "
                                                      f"with whitespace")
    entity_index = {label: number for number, label in enumerate(labels.entities)}
    claim_index = {label: number for number, label in enumerate(labels.claims)}
    starts = list(map(_first, offsets))
    ner_tags = _tags(offsets, starts, entities, entity_index, document.id, "entity")
    claim_tags = _tags(offsets, starts, claims, claim_index, document.id, "claim")
    for position in reversed(list(itertools.compress(itertools.count(), map(str.isspace, tokens)))):
        del tokens[position], ner_tags[position], claim_tags[position]
    relations = []
    spans_count = len(entities) + len(claims)
    for relation in document.relations:
        head, tail = relation.get("head"), relation.get("tail")
        if not (isinstance(head, int) and isinstance(tail, int) and 0 <= head < spans_count and 0 <= tail < spans_count):
            raise UnexportableDocumentError(document.id, f"relation {relation!r} does not point at two of its "
                                                         f"{spans_count} entities and claims")
        relations.append({"head": head, "tail": tail, "type": _string(relation.get("type"))})
    reviewed = document.reviewed
    review = document.review or {}
    meta = {key: _string(document.meta.get(key)) for key in META_KEYS[:-1]}
    meta["group"] = document.group
    return {
        "id": document.id,
        "text": text,
        "meta": meta,
        "tokens": tokens,
        "ner_tags": ner_tags,
        "claim_tags": claim_tags,
        "entities": [{"start": e["start"], "end": e["end"], "label": entity_index[e["label"]],
                      "text": text[e["start"]:e["end"]]} for e in entities],
        "claims": [_claim_row(claim, text, claim_index, document.id) for claim in claims],
        "relations": relations,
        "review": {"status": REVIEWED if reviewed else PRE_ANNOTATED,
                   "annotators": [str(a) for a in review.get("annotators") or []] if reviewed else [],
                   "agreement": _number(document.id, review, "agreement") if reviewed else None},
    }


_CLAIM_NUMBERS = ("value", "low", "high", "from", "to")


def _claim_row(claim: dict[str, Any], text: str, index: dict[str, int], doc_id: str) -> dict[str, Any]:
    start, end = claim["start"], claim["end"]
    row = {"start": start, "end": end, "label": index[claim["label"]], "text": text[start:end],
           "unit": _string(claim.get("unit")), "approx": _string(claim.get("approx"))}
    for key in _CLAIM_NUMBERS:  # stored numbers are floats or None; anything else is checked
        value = claim.get(key)
        row[key] = value if value is None or type(value) is float else _number(doc_id, claim, key)
    return row


def _string(value: Any) -> str | None:
    return None if value is None else str(value)


def _number(doc_id: str, record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None or type(value) is float:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        raise UnexportableDocumentError(doc_id, f"{key} {value!r} is not a number") from None


# -- the export ------------------------------------------------------------------------------------


@dataclass
class SplitSummary:
    name: str
    documents: int = 0
    reviewed: int = 0
    pre_annotated: int = 0
    entity_labels: dict[str, int] = field(default_factory=dict)
    claim_labels: dict[str, int] = field(default_factory=dict)
    agreement_mean: float | None = None
    agreement_documents: int = 0
    annotators: set[str] = field(default_factory=set)  # who confirmed the reviewed documents
    examples: list[str] = field(default_factory=list)  # a few claims' texts, for the card's description
    shards: int = 0
    num_bytes: int = 0  # of its Arrow data


@dataclass
class ExportReport:
    out: Path | str  # a folder, or an s3:// URI
    formats: tuple[str, ...]
    include_unreviewed: bool
    splits: dict[str, SplitSummary] = field(default_factory=dict)
    skipped: list[UnexportableDocumentError] = field(default_factory=list)
    empty_splits: list[str] = field(default_factory=list)
    unreviewed_left_out: int = 0  # pre-annotated documents not exported (no --include-unreviewed)
    not_annotated: int = 0  # documents neither reviewed nor pre-annotated

    @property
    def documents(self) -> int:
        return sum(s.documents for s in self.splits.values())


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


def export_dataset(store: CorpusStore, settings: Settings, *, out: Path | str, annotations_dir: Path | None = None,
                   include_unreviewed: bool = False, formats: Format = "both", overwrite: bool = False,
                   n_process: int | None = None, progress: bool = True) -> ExportReport:
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
        return _export_to_object_storage(store, settings, str(out), annotations_dir=annotations_dir,
                                         include_unreviewed=include_unreviewed, formats=formats, overwrite=overwrite,
                                         n_process=n_process, progress=progress)

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
                with progress_bar(progress) as bar, _collector_paused():
                    task = bar.add_task("export", total=plan.total)
                    for name, split in _build_splits(store, settings, features, plan, building, report,
                                                     processes).items():
                        dataset[name] = split
                        split.info.description = (f"{settings.export.name}: news articles with named entities and "
                                                  f"numeric claims")
                        split.info.license = settings.export.license
                        summary = report.splits[name] = _summarize(split, settings.labels)
                        if not len(split):
                            report.empty_splits.append(name)
                        elif "parquet" in chosen:
                            parquet[name] = writer.submit(_write_parquet, split, name, summary.shards, building)
                        bar.advance(task, len(plan.documents[name]))
            if not report.documents:
                more = f" (and {len(report.skipped) - 1} more)" if len(report.skipped) > 1 else ""
                raise NothingToExportError(_nothing_message(report) if not report.skipped else
                                           f"none of the documents could be exported: {report.skipped[0]}{more}")
            if "arrow" in chosen:
                dataset.save_to_disk(str(building), num_shards={n: s.shards for n, s in report.splits.items()})
            parquet_sizes = {name: future.result() for name, future in parquet.items()}
        del dataset, split  # their Arrow files are memory-mapped from the cache
        shutil.rmtree(building / CACHE_DIR, ignore_errors=True)
        shutil.rmtree(building / NOTES_DIR)
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
        raise ExportExistsError(f"{out} exists and is not a dataset export (no dataset_dict.json or data/); "
                                f"refusing to replace it")


def _plan(store: CorpusStore, settings: Settings, report: ExportReport) -> _Plan:
    """Which documents may go in, and in which split, from the store's index alone (no record is
    read); each split's fingerprint from the index entries of its documents (their ids and the
    revision of each stage output, which changes whenever one is written). Whether a review record says
    "reviewed" is known only once it is read, in ``_build_splits``."""
    indexes = {stage: store.stage_index(stage) for stage in STAGES}
    reviews = {doc_id for doc_id, entry in indexes[REVIEW].items() if not entry.failed}
    preannotated = {doc_id for doc_id, entry in indexes[PREANNOTATE].items() if not entry.failed}
    identity = f"{VERSION}|{__version__}|{settings.labels.json()}|{report.include_unreviewed}"
    hashes = {name: hashlib.sha256(f"{identity}|{name}".encode()) for name in SPLITS}
    plan = _Plan({name: [] for name in SPLITS}, {})
    read = STAGES if report.include_unreviewed else (tokenization.STAGE, REVIEW)
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
        return (f"nothing to export: no document is reviewed or pre-annotated ({report.not_annotated} documents "
                f"in the corpus); run newscorpus preannotate first")
    return (f"no reviewed documents to export ({report.unreviewed_left_out} pre-annotated, {report.not_annotated} "
            f"not annotated); review them in Doccano and pull them, or pass --include-unreviewed to export the "
            f"pre-annotations")


def _build_splits(store: CorpusStore, settings: Settings, features, plan: _Plan, building: Path,
                  report: ExportReport, processes: int) -> dict[str, Any]:
    """The three splits as ``datasets.Dataset`` objects, from one pass over the documents.

    The documents of all splits, in split order and within a split in ingest order, are cut into
    contiguous shards, one per process. Each shard is read and turned into rows by ``_shard_rows_noted``
    and written by ``_write_shard`` as an Arrow file of the dataset's schema; the files are then
    memory-mapped and joined, and each split is a zero-copy slice of the whole. One pass keeps every
    process busy to the end (a pass per split left the small splits to one process). What a shard
    made and left out comes back in a small JSON file beside it (workers cannot append to ``report``).

    We write the Arrow files with pyarrow rather than through ``Dataset.from_generator``: its
    per-example encoding in Python cost 0.58 ms an article where ``RecordBatch.from_pylist`` with
    the ``Features``' Arrow schema costs 0.22 ms, for the same table (the tests load it back)."""
    import datasets

    located = [(name, document) for name in SPLITS for document in plan.documents[name]]
    on_ray = settings.engine.kind == "ray"
    shards = max(1, min(processes, len(located) // MIN_DOCUMENTS_PER_PROCESS)) if not on_ray else \
        max(1, math.ceil(len(located) / RAY_SHARD_DOCUMENTS))
    notes = building / NOTES_DIR
    notes.mkdir(parents=True, exist_ok=True)
    (building / CACHE_DIR).mkdir(parents=True, exist_ok=True)
    size = math.ceil(len(located) / shards)
    snapshot = store.snapshot(STAGES)
    specs = []
    for number in range(shards):
        listed = [[name, where.document, where.stages] for name, where in located[number * size:(number + 1) * size]]
        spec = {"store": str(store.root), "snapshot": snapshot, "labels": settings.labels.dict(),
                "include_unreviewed": report.include_unreviewed, "notes": str(notes / f"{number:05d}.json"),
                "arrow": str(building / CACHE_DIR / f"rows-{number:05d}.arrow")}
        if on_ray:
            spec["located"] = listed  # travels with the shard: a worker may be on another machine
        else:
            # each shard's list of documents goes to its worker as a file, not as a pickled argument
            places = notes / f"{number:05d}.documents.json"
            places.write_bytes(orjson.dumps(listed))
            spec["documents"] = str(places)
        specs.append(spec)
    try:
        if on_ray:
            from pipeline.engine import ray_stages

            ray_stages.start(settings.engine.address, settings.engine.num_cpus)
            for spec, (rows, note) in zip(specs, ray_stages.export_shards(specs, features.arrow_schema)):
                Path(spec["arrow"]).write_bytes(rows)
                Path(spec["notes"]).write_bytes(note)
                if orjson.loads(note)["error"]:
                    raise RuntimeError("a shard failed")  # _raise_shard_error names it
        elif shards == 1:
            _write_shard(specs[0], features.arrow_schema)
        else:
            context = multiprocessing.get_context("fork")
            with workers_stop_on_signal(), ProcessPoolExecutor(max_workers=shards, mp_context=context) as pool:
                for done in [pool.submit(_write_shard, spec, features.arrow_schema) for spec in specs]:
                    done.result()
    except Exception:
        _raise_shard_error(specs)
        raise
    rows = dict.fromkeys(SPLITS, 0)
    for spec in specs:
        note = _read_notes(spec)
        report.unreviewed_left_out += note["left_out"]
        report.skipped.extend(_PROBLEMS[kind](doc_id, reason) for kind, doc_id, reason in note["skipped"])
        for name, count in note["rows"].items():
            rows[name] += count
    info = datasets.DatasetInfo(features=features)
    everything = datasets.concatenate_datasets([datasets.Dataset.from_file(spec["arrow"], info=info.copy())
                                                for spec in specs])
    splits, start = {}, 0
    for name in SPLITS:
        if rows[name]:
            splits[name] = datasets.Dataset(everything.data.slice(start, rows[name]), info=info.copy(),
                                            split=datasets.NamedSplit(name), fingerprint=plan.fingerprints[name])
        else:
            splits[name] = datasets.Dataset.from_dict({column: [] for column in features}, features=features,
                                                      split=datasets.NamedSplit(name))
        start += rows[name]
    return splits


def _write_shard(spec: dict[str, Any], schema, batch_rows: int = 256) -> None:
    """One shard's rows as an Arrow stream file (the format ``Dataset.from_file`` memory-maps), in
    batches, so that memory holds one batch of rows at a time."""
    import pyarrow as pa

    with pa.OSFile(spec["arrow"], "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in _shard_rows_noted(spec):
            batch.append(row)
            if len(batch) == batch_rows:
                writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
                batch = []
        if batch:
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))


RAY_SHARD_DOCUMENTS = 1000  # documents per Ray task of the export

_PROBLEMS = {"UnexportableDocumentError": UnexportableDocumentError, "SpanAlignmentError": SpanAlignmentError}


def _shard_rows_noted(shard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of one shard (in a worker process when the export uses several), its note written
    beside its rows."""
    note = _new_note()
    try:
        yield from shard_rows(shard, note)
    finally:
        Path(shard["notes"]).write_bytes(orjson.dumps(note))


def _new_note() -> dict[str, Any]:
    return {"rows": dict.fromkeys(SPLITS, 0), "left_out": 0, "skipped": [], "error": None}


def shard_rows(shard: dict[str, Any], note: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The rows of one shard. The documents the plan listed are read a range of ingest order at a
    time, with their tokens and review and, with ``include_unreviewed``, their pre-annotations; the
    rows keep the plan's order: by split, then ingest order. What was left out goes in ``note``."""
    store = CorpusStore(shard["store"], snapshot=shard["snapshot"])
    labels = LabelSettings.parse_obj(shard["labels"])
    # [[split, [id, seq], [stage, ...]]]: inline (Ray) or in a file beside the export (worker processes)
    located = shard["located"] if "located" in shard else orjson.loads(Path(shard["documents"]).read_bytes())
    try:
        places = ((document, stages) for _, document, stages in located)
        for (name, _, _), document in zip(located, store.read_located(places)):
            if not document.reviewed and not shard["include_unreviewed"]:
                note["left_out"] += 1
                continue
            try:
                row = document_row(document, labels)
            except UnexportableDocumentError as problem:
                note["skipped"].append((type(problem).__name__, problem.doc_id, problem.reason))
                continue
            note["rows"][name] += 1
            yield row
    except NewscorpusError as error:
        note["error"] = (type(error).__name__, error.message)
        raise


def _read_notes(spec: dict[str, Any]) -> dict[str, Any]:
    return orjson.loads(Path(spec["notes"]).read_bytes())


def _raise_shard_error(specs: list[dict[str, Any]]) -> None:
    """A library error in a shard (a corrupt store) as itself, not as datasets' generic one."""
    from pipeline import errors

    for spec in specs:
        if Path(spec["notes"]).exists() and _read_notes(spec)["error"]:
            kind, message = _read_notes(spec)["error"]
            error_class = getattr(errors, kind, None)
            try:
                error = error_class(message)
            except TypeError:
                error = NewscorpusError(message)
            raise error from None


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rows are made: they hold no reference cycles
    (reference counting frees them), and re-scanning the writer's buffered rows took 30% of the
    export's time. Forked workers inherit the pause."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _write_parquet(split, name: str, shards: int, building: Path) -> int:
    """A split's Parquet shards, named as the Hub names them (data/train-00000-of-00001.parquet);
    their size in bytes."""
    size = 0
    for number in range(shards):
        path = building / PARQUET_DIR / f"{name}-{number:05d}-of-{shards:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        split.shard(shards, number, contiguous=True).to_parquet(str(path))
        size += path.stat().st_size
    return size


def _summarize(split, labels: LabelSettings) -> SplitSummary:
    """Counts for the card, read from the Arrow data chunk by chunk (flat memory)."""
    summary = SplitSummary(str(split.split), len(split))
    table = split.data
    for column, names, target in (("entities", labels.entities, "entity_labels"), ("claims", labels.claims, "claim_labels")):
        counts = np.zeros(len(names), dtype=np.int64)
        for chunk in table.column(column).chunks:
            values = chunk.flatten().field("label").to_numpy(zero_copy_only=False)
            counts += np.bincount(values, minlength=len(names))[: len(names)]
        setattr(summary, target, {label: int(count) for label, count in zip(names, counts)})
    import pyarrow.compute as pc

    # a few distinct claim texts from the first rows, not every text of the split
    first_claims = pc.list_flatten(table.column("claims")).slice(0, 200)
    summary.examples = list(dict.fromkeys(pc.struct_field(first_claims, "text").to_pylist()))[:3]
    agreement_sum = 0.0
    for chunk in table.column("review").chunks:
        summary.annotators.update(chunk.field("annotators").flatten().unique().to_pylist())
        statuses = chunk.field("status").to_numpy(zero_copy_only=False)
        summary.reviewed += int(np.sum(statuses == REVIEWED))
        summary.pre_annotated += int(np.sum(statuses == PRE_ANNOTATED))
        agreement = chunk.field("agreement").drop_null().to_numpy()
        agreement_sum += float(agreement.sum())
        summary.agreement_documents += len(agreement)
    if summary.agreement_documents:
        summary.agreement_mean = agreement_sum / summary.agreement_documents
    summary.num_bytes = table.nbytes
    summary.shards = max(1, math.ceil(table.nbytes / MAX_SHARD_BYTES))
    return summary


# -- the dataset card ------------------------------------------------------------------------------


def render_card(report: ExportReport, settings: Settings, annotations_dir: Path | None,
                parquet_sizes: dict[str, int]) -> str:
    """The dataset card (README.md): a YAML header as the Hub writes it (dataset_info with features
    and splits, configs with data_files) and the body from ``pipeline/dataset/templates/dataset_card.md``."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    labels = settings.labels
    features = export_features(labels)
    loadable = [name for name in SPLITS if report.splits[name].documents]
    card_data = DatasetCardData(
        language=["en"], license=settings.export.license or "other", pretty_name=settings.export.name,
        task_categories=["token-classification"], task_ids=["named-entity-recognition"],
        annotations_creators=["machine-generated", "expert-generated"], source_datasets=["original"],
        size_categories=[_size_category(report.documents)], multilinguality=["monolingual"],
        tags=["news", "numeric-claims", "newscorpus"],
    )
    # Only splits with rows: the Parquet loader cannot make an empty split, and checks these counts.
    splits = SplitDict()
    for name in loadable:
        summary = report.splits[name]
        splits.add(SplitInfo(name=name, num_bytes=summary.num_bytes, num_examples=summary.documents))
    info = DatasetInfo(features=features, splits=splits, license=settings.export.license or "other")
    if parquet_sizes:
        info.download_size = sum(parquet_sizes.values())
        info.dataset_size = sum(report.splits[name].num_bytes for name in loadable)
        MetadataConfigs({"default": {"data_files": [{"split": name, "path": f"{PARQUET_DIR}/{name}-*"} for name in loadable]}}
                        ).to_dataset_card_data(card_data)
    DatasetInfosDict({"default": info}).to_dataset_card_data(card_data)
    model = settings.model.name
    try:
        model = tokenization.model_identity(model)
    except ModelNotFoundError:
        model = f"{model} (not installed where this export ran)"
    gazetteer = gazetteer_path(annotations_dir) if annotations_dir is not None else None
    gazetteer_version = (hashlib.sha256(gazetteer.read_bytes()).hexdigest()[:16]
                         if gazetteer is not None and gazetteer.exists() else "none")
    example_split = loadable[0]
    template = importlib.resources.files("pipeline.dataset").joinpath(CARD_TEMPLATE)
    with importlib.resources.as_file(template) as template_path:
        card = DatasetCard.from_template(
            card_data, template_path=str(template_path),
            name=settings.export.name, folder=report.out.name, report=report, settings=settings,
            splits=[report.splits[name] for name in SPLITS], loadable=loadable, example_split=example_split,
            arrow="arrow" in report.formats, parquet="parquet" in report.formats,
            ner_tags=list(enumerate(tag_names(labels.entities))), claim_tags=list(enumerate(tag_names(labels.claims))),
            entity_labels=list(labels.entities), claim_labels=list(labels.claims),
            pipeline_version=__version__, schema_version=VERSION, model=model, gazetteer_version=gazetteer_version,
            agreement=_overall_agreement(report),
            annotators=sorted(set().union(*(s.annotators for s in report.splits.values()))),
            examples=[f'"{text}"' for text in dict.fromkeys(t for s in report.splits.values() for t in s.examples)][:3],
        )
    return str(card).rstrip() + "\n"


def _overall_agreement(report: ExportReport) -> tuple[float | None, int]:
    documents = sum(s.agreement_documents for s in report.splits.values())
    if not documents:
        return None, 0
    total = sum(s.agreement_mean * s.agreement_documents for s in report.splits.values() if s.agreement_documents)
    return total / documents, documents


def _size_category(count: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < limit:
            return name
    return "n>1M"


# -- spaCy ------------------------------------------------------------------------------------------


def words_and_spaces(text: str, tokens: Sequence[str]) -> tuple[list[str], list[bool]]:
    """spaCy ``Doc`` words and spaces that rebuild ``text`` exactly from the exported tokens: the
    whitespace between them becomes a token's trailing space or a whitespace token, as spaCy makes."""
    words: list[str] = []
    spaces: list[bool] = []
    position = 0

    def gap(until: int) -> None:
        whitespace = text[position:until]
        if whitespace and words and not spaces[-1] and whitespace[0] == " " and not words[-1].isspace():
            spaces[-1] = True
            whitespace = whitespace[1:]
        if whitespace:
            words.append(whitespace)
            spaces.append(False)

    for start, end in token_offsets(text, tokens):
        gap(start)
        words.append(text[start:end])
        spaces.append(False)
        position = end
    gap(len(text))
    return words, spaces


def to_docbin(dataset_split, *, vocab=None):
    """A spaCy ``DocBin`` (the input of ``spacy train``) from an exported split: the text rebuilt
    exactly from the tokens, entities as ``doc.ents``, claims as ``doc.spans["claims"]``, the
    document id in ``doc.user_data["id"]``."""
    import spacy
    from spacy.tokens import Doc, DocBin

    vocab = vocab if vocab is not None else spacy.blank("en").vocab
    entity_names = dataset_split.features["entities"].feature["label"].names
    claim_names = dataset_split.features["claims"].feature["label"].names
    docbin = DocBin(store_user_data=True)
    for row in dataset_split:
        words, spaces = words_and_spaces(row["text"], row["tokens"])
        doc = Doc(vocab, words=words, spaces=spaces)
        ents = [doc.char_span(e["start"], e["end"], label=entity_names[e["label"]]) for e in row["entities"]]
        claims = [doc.char_span(c["start"], c["end"], label=claim_names[c["label"]]) for c in row["claims"]]
        if None in ents or None in claims:
            raise SpanAlignmentError(row["id"], "a span does not align with the exported tokens")
        doc.ents = ents
        doc.spans["claims"] = claims
        doc.user_data["id"] = row["id"]
        docbin.add(doc)
    return docbin
