"""The export's rows, written side by side: the planned documents cut into contiguous shards, each read
from the store and written as an Arrow file of the dataset's schema by a worker process (or a Ray task),
then memory-mapped and joined, each split a zero-copy slice of the whole.

We write the Arrow files with pyarrow rather than through ``Dataset.from_generator``: its per-example
encoding in Python costs more than twice what ``RecordBatch.from_pylist`` with the ``Features``' Arrow
schema does, for the same table (the tests load it back).
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.corpus.store import CorpusStore
from pipeline.dataset.rows import document_row
from pipeline.dataset.splits import SPLITS
from pipeline.errors import NewscorpusError, UnexportableDocumentError
from pipeline.settings import LabelSettings, Settings
from pipeline.util.pools import process_pool
from pipeline.util.signals import workers_stop_on_signal

MIN_DOCUMENTS_PER_PROCESS = 250  # below this, starting workers costs more than they save
RAY_SHARD_DOCUMENTS = 1000  # documents per Ray task of the export
CACHE_DIR = ".cache"  # the shards' Arrow files, inside DIR.incomplete, removed before the rename
LISTS_DIR = ".shards"  # each shard's list of documents, inside DIR.incomplete
BATCH_ROWS = 256


@dataclass
class ShardNote:
    """What one shard made and left out; it comes back from the worker (pickled), the errors as themselves."""

    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    left_out: int = 0  # pre-annotated documents without a review, when they are not exported
    skipped: list[UnexportableDocumentError] = field(default_factory=list)
    error: NewscorpusError | None = None  # set by a Ray task, which returns instead of raising


def build_splits(
    store: CorpusStore,
    settings: Settings,
    features,
    located: list[tuple[str, Any]],
    building: Path,
    *,
    snapshot: dict[str, Any],
    include_unreviewed: bool,
    processes: int,
    fingerprints: dict[str, str],
    bar: Any = None,
) -> tuple[dict[str, Any], list[ShardNote]]:
    """The three splits as ``datasets.Dataset`` objects from one pass over ``located`` ((split, where)
    pairs in split order, then ingest order), and each shard's note. One pass keeps every process busy
    to the end (a pass per split left the small splits to one process). ``snapshot``: the store's
    versions the plan was made from, which every worker reads; ``bar``: the progress bar whose thread
    is stopped while workers are forked."""
    import datasets

    on_ray = settings.engine.kind == "ray"
    shards = (
        max(1, math.ceil(len(located) / RAY_SHARD_DOCUMENTS))
        if on_ray
        else max(1, min(processes, len(located) // MIN_DOCUMENTS_PER_PROCESS))
    )
    lists = building / LISTS_DIR
    lists.mkdir(parents=True, exist_ok=True)
    (building / CACHE_DIR).mkdir(parents=True, exist_ok=True)
    size = math.ceil(len(located) / shards)
    specs = []
    for number in range(shards):
        listed = [[name, where.document, where.stages] for name, where in located[number * size : (number + 1) * size]]
        spec = {
            "store": str(store.root),
            "snapshot": snapshot,
            "labels": settings.labels.dict(),
            "include_unreviewed": include_unreviewed,
            "arrow": str(building / CACHE_DIR / f"rows-{number:05d}.arrow"),
        }
        if on_ray:
            spec["located"] = listed  # travels with the shard: a worker may be on another machine
        else:
            # each shard's list of documents goes to its worker as a file, not as a pickled argument
            places = lists / f"{number:05d}.json"
            places.write_bytes(orjson.dumps(listed))
            spec["documents"] = str(places)
        specs.append(spec)
    if on_ray:
        notes = _write_on_ray(settings, specs, features.arrow_schema)
    elif shards == 1:
        notes = [write_shard(specs[0], features.arrow_schema)]
    else:
        # the collector paused before the fork, so the workers inherit the pause: a collection in a worker
        # would touch every object it shares with this process and make its own copy of their pages
        with collector_paused(), workers_stop_on_signal(), process_pool(shards, bar) as pool:
            notes = [
                done.result() for done in [pool.submit(write_shard, spec, features.arrow_schema) for spec in specs]
            ]
    rows = dict.fromkeys(SPLITS, 0)
    for note in notes:
        for name, count in note.rows.items():
            rows[name] += count
    info = datasets.DatasetInfo(features=features)
    everything = datasets.concatenate_datasets(
        [datasets.Dataset.from_file(spec["arrow"], info=info.copy()) for spec in specs]
    )
    splits, start = {}, 0
    for name in SPLITS:
        if rows[name]:
            splits[name] = datasets.Dataset(
                everything.data.slice(start, rows[name]),
                info=info.copy(),
                split=datasets.NamedSplit(name),
                fingerprint=fingerprints[name],
            )
        else:
            splits[name] = datasets.Dataset.from_dict(
                {column: [] for column in features}, features=features, split=datasets.NamedSplit(name)
            )
        start += rows[name]
    return splits, notes


def _write_on_ray(settings: Settings, specs: list[dict[str, Any]], schema) -> list[ShardNote]:
    from pipeline.engine import ray_stages

    ray_stages.start(settings.engine.address, settings.engine.num_cpus)
    notes = []
    for spec, (rows, note) in zip(specs, ray_stages.export_shards(specs, schema)):
        if note.error is not None:
            raise note.error
        Path(spec["arrow"]).write_bytes(rows)
        notes.append(note)
    return notes


def write_shard(spec: dict[str, Any], schema) -> ShardNote:
    """One shard's rows as an Arrow stream file (the format ``Dataset.from_file`` memory-maps), in
    batches, so that memory holds one batch of rows at a time. A library error is raised as itself:
    it pickles, so a worker's error reaches the user with its code."""
    import pyarrow as pa

    note = ShardNote()
    with collector_paused(), pa.OSFile(spec["arrow"], "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        for batch in batched_rows(spec, note):
            writer.write_batch(pa.RecordBatch.from_pylist(batch, schema=schema))
    return note


def batched_rows(spec: dict[str, Any], note: ShardNote) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for row in shard_rows(spec, note):
        batch.append(row)
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def shard_rows(shard: dict[str, Any], note: ShardNote) -> Iterator[dict[str, Any]]:
    """The rows of one shard. The documents the plan listed are read a range of ingest order at a
    time, with their tokens and review and, with ``include_unreviewed``, their pre-annotations; the
    rows keep the plan's order: by split, then ingest order. What was left out goes in ``note``."""
    store = CorpusStore(shard["store"], snapshot=shard["snapshot"])
    labels = LabelSettings.parse_obj(shard["labels"])
    # [[split, [id, seq], [stage, ...]]]: inline (Ray) or in a file beside the export (worker processes)
    located = shard["located"] if "located" in shard else orjson.loads(Path(shard["documents"]).read_bytes())
    places = ((document, stages) for _, document, stages in located)
    for (name, _, _), document in zip(located, store.read_located(places)):
        if not document.reviewed and not shard["include_unreviewed"]:
            note.left_out += 1
            continue
        try:
            row = document_row(document, labels)
        except UnexportableDocumentError as problem:
            note.skipped.append(problem)
            continue
        note.rows[name] += 1
        yield row


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while rows are made: they hold no reference cycles
    (reference counting frees them), and the collector re-scanning the writer's buffered rows was a
    large share of the export's time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def write_parquet(split, name: str, shards: int, building: Path, parquet_dir: str) -> int:
    """A split's Parquet shards, named as the Hub names them (data/train-00000-of-00001.parquet);
    their size in bytes."""
    size = 0
    for number in range(shards):
        path = building / parquet_dir / f"{name}-{number:05d}-of-{shards:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        split.shard(shards, number, contiguous=True).to_parquet(str(path))
        size += path.stat().st_size
    return size
