"""What review says about the pre-annotator and the data: agreement between annotators (from the
latest pull), acceptance of the pre-annotations and the corpus's labels (from the store), review
progress per annotator (from every snapshot), and the labels of each split of the last export (from
its files)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from pipeline.corpus.store import CorpusStore
from pipeline.review.agreement import Acceptance
from pipeline.stages import PREANNOTATE, REVIEW

SNAPSHOT_STAMP = "%Y%m%dT%H%M%S%fZ"  # a snapshot folder's name, as pipeline.review.doccano.pull.take_snapshot makes it
TRAINED_CLAIMS = "trained model"
# Claims of a trained span categorizer are recorded as source "model", as the base model's entities
# are; named apart here so that the retraining they come from can be judged on its own.
_CLAIM_SOURCES = {"model": TRAINED_CLAIMS}


@dataclass
class SnapshotProgress:
    """One pull: when it was taken and how many documents each annotator had confirmed by then.

    Doccano's export has no confirmation times, so progress over time is read from the snapshots."""

    name: str
    pulled_at: datetime
    confirmed: dict[str, int]


@dataclass
class ExportedLabels:
    """Rows and spans per label of each split of an export, read from its Arrow or Parquet files."""

    folder: Path
    documents: dict[str, int] = field(default_factory=dict)
    labels: dict[str, Counter] = field(default_factory=dict)
    unreadable: str | None = None  # why its files could not be read (a damaged or foreign folder)


@dataclass
class ReviewReport:
    reviewed: int
    acceptance: Acceptance
    agreement: dict[str, Any] | None
    snapshot: str | None
    documents: int = 0
    corpus_labels: Counter = field(default_factory=Counter)  # spans per label, reviewed where reviewed
    progress: list[SnapshotProgress] = field(default_factory=list)
    export: ExportedLabels | None = None
    export_folder: Path | None = None  # where the last export was looked for


def review_report(
    store: CorpusStore, snapshots: Path, *, plots: bool = False, export_folder: Path | None = None
) -> ReviewReport:
    """The figures of ``newscorpus report``; with ``plots``, also what only the HTML page shows: progress
    at every snapshot (they hold whole texts, so reading them all is left to the page) and the
    labels of the export in ``export_folder``."""
    acceptance = Acceptance()
    reviewed = documents = 0
    corpus_labels: Counter = Counter()
    for document in store.iter_documents([PREANNOTATE, REVIEW]):
        documents += 1
        corpus_labels.update(span["label"] for span in document.entities + document.claims)
        if not document.reviewed or PREANNOTATE not in document.outputs:
            continue
        reviewed += 1
        predicted = document.outputs[PREANNOTATE].data
        claims = [
            {**claim, "source": _CLAIM_SOURCES.get(claim.get("source"), claim.get("source"))}
            for claim in predicted["claims"]
        ]
        acceptance.add(predicted["entities"] + claims, document.entities + document.claims)
    latest = sorted(snapshots.glob("*.agreement.json")) if snapshots.is_dir() else []
    agreement = orjson.loads(latest[-1].read_bytes()) if latest else None
    return ReviewReport(
        reviewed,
        acceptance,
        agreement,
        latest[-1].name.split(".")[0] if latest else None,
        documents=documents,
        corpus_labels=corpus_labels,
        progress=review_progress(snapshots) if plots else [],
        export=exported_labels(export_folder) if plots and export_folder else None,
        export_folder=export_folder,
    )


def review_progress(snapshots: Path) -> list[SnapshotProgress]:
    """Per snapshot, oldest first: the documents each annotator had confirmed by then (0 before their
    first; members who never confirmed one, such as the admin account, left out)."""
    from pipeline.review.doccano.pull import read_snapshot

    taken = []
    for folder in sorted(snapshots.iterdir()) if snapshots.is_dir() else []:
        if folder.name.startswith(".") or not (folder / "manifest.json").is_file():
            continue  # an interrupted pull's .incomplete folder, an agreement file
        # read as pull reads it, so that who confirmed what is the same here as in the review stage
        manifest, _, confirmed = read_snapshot(folder)
        pulled_at = datetime.strptime(manifest.get("pulled_at", folder.name), SNAPSHOT_STAMP).replace(
            tzinfo=timezone.utc
        )
        taken.append(SnapshotProgress(folder.name, pulled_at, {name: len(ids) for name, ids in confirmed.items()}))
    active = sorted({name for snapshot in taken for name, count in snapshot.confirmed.items() if count})
    for snapshot in taken:
        snapshot.confirmed = {name: snapshot.confirmed.get(name, 0) for name in active}
    return taken


def exported_labels(folder: Path) -> ExportedLabels | None:
    """The spans per label of each split of the export in ``folder`` (None when there is none): the
    Arrow copy when there is one (it keeps empty splits), else the Parquet copy."""
    from pipeline.dataset.schema import PARQUET_DIR
    from pipeline.dataset.splits import SPLITS

    if not folder.is_dir():
        return None
    import pyarrow as pa

    found = ExportedLabels(folder)
    for name in SPLITS:
        arrow = sorted((folder / name).glob("*.arrow"))
        parquet = sorted((folder / PARQUET_DIR).glob(f"{name}-*.parquet"))
        if arrow or parquet:
            try:
                found.documents[name], found.labels[name] = _split_labels(arrow, parquet)
            except (pa.ArrowException, OSError, KeyError, TypeError, ValueError) as error:
                return ExportedLabels(folder, unreadable=f"{(arrow or parquet)[0]}: {error}")
    return found if found.documents else None


def _split_labels(arrow: list[Path], parquet: list[Path]) -> tuple[int, Counter]:
    import datasets
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rows, counts = 0, Counter()
    for path in arrow or parquet:
        if arrow:
            with pa.memory_map(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all()
        else:
            table = pq.read_table(path, columns=["entities", "claims"])
        features = datasets.Features.from_arrow_schema(table.schema)  # the label names travel in its metadata
        rows += table.num_rows
        for column in ("entities", "claims"):
            names = features[column].feature["label"].names
            labels = pc.struct_field(pc.list_flatten(table.column(column)), "label").to_pylist()
            counts.update(names[number] for number in labels)
    return rows, counts
