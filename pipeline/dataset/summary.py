"""What an export made: per split, the counts its card shows, read from the split's Arrow data."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.corpus.record import PRE_ANNOTATED, REVIEWED
from pipeline.errors import UnexportableDocumentError
from pipeline.settings import LabelSettings

MAX_SHARD_BYTES = 500 * 1024 * 1024  # as save_to_disk's default, and the Hub's advice for Parquet files


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


def summarize(split, labels: LabelSettings) -> SplitSummary:
    """Counts for the card, read from the Arrow data chunk by chunk (flat memory)."""
    summary = SplitSummary(str(split.split), len(split))
    table = split.data
    for column, names, target in (
        ("entities", labels.entities, "entity_labels"),
        ("claims", labels.claims, "claim_labels"),
    ):
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
