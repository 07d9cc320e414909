"""Stages on Ray Data: an actor pool over the documents still to do, writing back through the store.

The driver knows which documents a stage must do (from the stage's table); it hands Ray a small
table of their ids and ingest order, and a pool of actors, each of which loads the spaCy pipeline
once, reads its batch's documents from the store's table files itself (a pickled snapshot of the
tables: on a cluster, from the bucket) and returns the stage's rows as Arrow. Only Arrow crosses
between processes, never a ``Doc``; each batch is parsed inside ``nlp.memory_zone()`` so a worker's
memory stays flat however many batches it does. The driver commits the rows through the store's
writer, so a re-run, a kill or a second writer behave as with the local engine.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import CorpusStore, columns
from pipeline.errors import NewscorpusError, RayUnavailableError
from pipeline.stages import PREANNOTATE, TOKENIZE

if TYPE_CHECKING:
    from pipeline.dataset.writer import ShardNote

log = logging.getLogger(__name__)

WARNINGS = "_warnings"  # a column the actors add for the driver's report; not stored
BATCH_SIZE = 32


def start(address: str = "", num_cpus: int = 0) -> None:
    """Connect to the Ray cluster at ``address``, or start a local one on this machine's CPUs."""
    try:
        import ray
    except ImportError:
        raise RayUnavailableError("the Ray engine needs Ray: pip install 'newscorpus[ray]'") from None
    if ray.is_initialized():
        return
    options: dict[str, Any] = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        "configure_logging": False,
    }
    if address:
        options["address"] = address
    else:
        options["num_cpus"] = num_cpus or len(os.sched_getaffinity(0))
    on_sigterm = signal.getsignal(signal.SIGTERM)
    try:
        ray.init(**options)
    except Exception as error:  # Ray raises plain Exception when its node does not come up
        raise RayUnavailableError(
            f"cannot start or reach Ray at {address or 'this machine'}: {str(error).strip().splitlines()[0]}"
        ) from None
    finally:
        # ray.init makes SIGTERM exit with code 15 and no clean-up: ours stops the workers, keeps
        # what was finished and exits 143, as the local engine does
        if threading.current_thread() is threading.main_thread() and on_sigterm is not None:
            signal.signal(signal.SIGTERM, on_sigterm)
    from ray.data import DataContext

    # Ray's loggers write to the stderr of the moment they were made and log every execution at INFO:
    # through ours instead (their warnings shown with --verbose), and quieter
    for name in ("ray", "ray.data"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
        logger.setLevel(logging.WARNING)
    context = DataContext.get_current()
    context.enable_progress_bars = False  # newscorpus shows its own
    context.execution_options.preserve_order = True  # rows come back in ingest order: fewer, tighter files


def map_documents(
    store: CorpusStore, todo: list[tuple[str, int]], actor: type, **actor_options: Any
) -> Iterator[pa.Table]:
    """The stage's rows for the documents ``todo`` ((id, seq) pairs), made by a pool of ``actor``s."""
    import ray
    import ray.data

    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    ids = pa.table({"id": [doc_id for doc_id, _ in todo], "seq": [seq for _, seq in todo]})
    # blocks made here, not by a repartition: its tasks would wait for CPUs the actors hold
    blocks = [ids.slice(start, BATCH_SIZE) for start in range(0, len(todo), BATCH_SIZE)]
    snapshot = store.snapshot(actor.reads)
    rows = ray.data.from_arrow(blocks).map_batches(
        actor,
        batch_size=BATCH_SIZE,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
        max_restarts=0,
        fn_constructor_kwargs={"root": str(store.root), "snapshot": snapshot, **actor_options},
    )
    yield from rows.iter_batches(batch_size=None, batch_format="pyarrow")


class StageActor:
    """Reads its batch's documents from a snapshot of the store and makes the stage's rows. Not
    restarted when it dies (``max_restarts=0``): the run stops, what was committed is kept, and a
    re-run does the rest, as with the local engine."""

    stage: str = ""  # the stage whose rows it makes
    reads: tuple[str, ...] = ()  # the stages whose outputs the actor needs with each document

    def __init__(self, root: str, snapshot: dict[str, Any]) -> None:
        self.store = CorpusStore(root, snapshot=snapshot)

    def __call__(self, batch: pa.Table) -> pa.Table:
        located = [
            ((doc_id, seq), self.reads)
            for doc_id, seq in zip(batch.column("id").to_pylist(), batch.column("seq").to_pylist())
        ]
        documents = list(self.store.read_located(located))
        seqs = dict(zip(batch.column("id").to_pylist(), batch.column("seq").to_pylist()))
        rows, warnings = [], []
        for document, output, noted in self.outputs(documents):
            rows.append(columns.stage_row(self.stage, seqs[document.id], document.id, output))
            warnings.append(noted)
        table = columns.to_table(rows, columns.stage_schema(self.stage))
        return table.append_column(WARNINGS, pa.array(warnings, pa.list_(pa.string())))

    def outputs(self, documents: list[Document]) -> Iterator[tuple[Document, StageOutput, list[str]]]:
        raise NotImplementedError


class TokenizeActor(StageActor):
    stage = TOKENIZE

    def __init__(self, root: str, snapshot: dict[str, Any], model: str, chunk_chars: int, fingerprint: str) -> None:
        from pipeline.nlp import tokenization

        super().__init__(root, snapshot)
        self.nlp = tokenization.load_tokenizer(model)
        self.chunk_chars, self.fingerprint = chunk_chars, fingerprint

    def outputs(self, documents):
        from pipeline.nlp import tokenization

        with self.nlp.memory_zone():
            for document, data in tokenization.tokenize_documents(self.nlp, iter(documents), self.chunk_chars):
                yield document, StageOutput(self.stage, tokenization.VERSION, self.fingerprint, data), []


class PreannotateActor(StageActor):
    stage = PREANNOTATE
    reads = (TOKENIZE,)

    def __init__(
        self,
        root: str,
        snapshot: dict[str, Any],
        model: str,
        gazetteer: str | None,
        settings: dict[str, Any],
        fingerprint: str,
    ) -> None:
        from pipeline.nlp import preannotate
        from pipeline.settings import Settings

        super().__init__(root, snapshot)
        self.settings = Settings.parse_obj(settings)
        self.nlp = preannotate.build_pipeline(
            model, Path(gazetteer) if gazetteer else None, self.settings.labels.entities
        )
        self.fingerprint = fingerprint

    def outputs(self, documents):
        from pipeline.nlp import preannotate

        with self.nlp.memory_zone():
            for document, data, warnings in preannotate.annotate_documents(self.nlp, documents, self.settings):
                yield document, StageOutput(self.stage, preannotate.VERSION, self.fingerprint, data), warnings


def export_shards(specs: list[dict[str, Any]], schema: pa.Schema) -> Iterator[tuple[bytes, ShardNote]]:
    """Each export shard's rows (an Arrow IPC stream of the dataset's schema) and its note (a
    ``ShardNote``, pickled by the task), made by a pool of actors, in the shards' order."""
    import pickle

    import orjson
    import ray
    import ray.data

    snapshot = specs[0]["snapshot"]
    plain = [orjson.dumps({key: value for key, value in spec.items() if key != "snapshot"}).decode() for spec in specs]
    workers = max(1, int(ray.available_resources().get("CPU", 1)))
    made = ray.data.from_arrow([pa.table({"spec": [spec]}) for spec in plain]).map_batches(
        ExportActor,
        batch_size=1,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=workers),
        num_cpus=1,
        max_restarts=0,
        fn_constructor_kwargs={"snapshot": snapshot, "schema": schema},
    )
    for batch in made.iter_batches(batch_size=None, batch_format="pyarrow"):
        for rows, note in zip(batch.column("rows").to_pylist(), batch.column("note").to_pylist()):
            yield rows, pickle.loads(note)


class ExportActor:
    """Builds one export shard's rows as Arrow; a library error is returned in the note (Ray would wrap a
    raised one in its own), and the driver raises it as itself."""

    def __init__(self, snapshot: dict[str, Any], schema: pa.Schema) -> None:
        self.snapshot, self.schema = snapshot, schema

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pickle

        import orjson

        from pipeline.dataset.writer import ShardNote, batched_rows

        spec = {**orjson.loads(batch.column("spec")[0].as_py()), "snapshot": self.snapshot}
        note = ShardNote()
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, self.schema) as writer:
            try:
                for rows in batched_rows(spec, note):
                    writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=self.schema))
            except NewscorpusError as error:
                note.error = error
        return pa.table(
            {
                "rows": pa.array([sink.getvalue().to_pybytes()], pa.large_binary()),
                "note": pa.array([pickle.dumps(note)], pa.binary()),
            }
        )


def read_and_sign(
    files: list[Path], boilerplate: list[str], split_chars: int, threshold: float
) -> Iterator[tuple[Path, list[Any]]]:
    """Each file's articles read, given their ids and MinHash signatures, and checked for capitals
    by Ray tasks, one file per task (the files must be readable at the same path on every node);
    in the files' order, so that near-duplicates are grouped by the driver as the local engine does.
    Yields (path, [Signed | InputError, ...])."""
    import orjson
    import ray.data

    from pipeline.corpus import neardup
    from pipeline.corpus.ingest import Signed
    from pipeline.corpus.readers import Article
    from pipeline.errors import InputError

    listed = pa.table({"path": [str(path) for path in files]})
    read = ray.data.from_arrow([listed.slice(i, 1) for i in range(len(files))]).map_batches(
        _read_and_sign,
        batch_size=1,
        batch_format="pyarrow",
        num_cpus=1,
        fn_kwargs={"boilerplate": boilerplate, "split_chars": split_chars, "threshold": threshold},
    )
    for batch in read.iter_batches(batch_size=None, batch_format="pyarrow"):
        for path, items in zip(batch.column("path").to_pylist(), batch.column("items").to_pylist()):
            made: list[Any] = []
            for item in orjson.loads(items):
                if item["error"] is not None:
                    made.append(InputError(item["error"]["path"], item["error"]["reason"], item["error"]["line"]))
                else:
                    article = Article(item["text"], item["meta"], item["line"])
                    made.append(
                        Signed(
                            article,
                            item["id"],
                            neardup.decode(item["signature"]),
                            tuple(item["capitals"]) if item["capitals"] else None,
                        )
                    )
            yield Path(path), made


def _read_and_sign(batch: pa.Table, boilerplate: list[str], split_chars: int, threshold: float) -> pa.Table:
    import orjson

    from pipeline.corpus import neardup
    from pipeline.corpus.ingest import Signed, document_id, read_items, sign
    from pipeline.errors import InputError

    near = neardup.NearDuplicateIndex(threshold)
    paths, made = [], []
    for path in batch.column("path").to_pylist():
        items = []
        for item in read_items(Path(path), boilerplate, split_chars):
            if isinstance(item, InputError):
                items.append({"error": {"path": str(item.path), "reason": item.reason, "line": item.line}})
            else:
                signed = sign(Signed(item, document_id(item.text)), near)
                items.append(
                    {
                        "error": None,
                        "text": item.text,
                        "meta": item.meta,
                        "line": item.line,
                        "id": signed.doc_id,
                        "signature": neardup.encode(signed.signature),
                        "capitals": signed.capitals,
                    }
                )
        paths.append(path)
        made.append(orjson.dumps(items, option=orjson.OPT_SERIALIZE_NUMPY))
    return pa.table({"path": paths, "items": pa.array(made, pa.large_binary())})
