"""What review says about the pre-annotator: agreement between annotators (from the latest pull)
and acceptance of the pre-annotations (from the store)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.agreement import Acceptance
from pipeline.preannotate import STAGE as PREANNOTATE
from pipeline.record import REVIEW
from pipeline.store import CorpusStore


@dataclass
class ReviewReport:
    reviewed: int
    acceptance: Acceptance
    agreement: dict[str, Any] | None
    snapshot: str | None


def review_report(store: CorpusStore, snapshots: Path) -> ReviewReport:
    acceptance = Acceptance()
    reviewed = 0
    for document in store.iter_documents([PREANNOTATE, REVIEW]):
        if not document.reviewed or PREANNOTATE not in document.outputs:
            continue
        reviewed += 1
        predicted = document.outputs[PREANNOTATE].data
        acceptance.add(predicted["entities"] + predicted["claims"], document.entities + document.claims)
    latest = sorted(snapshots.glob("*.agreement.json")) if snapshots.is_dir() else []
    agreement = orjson.loads(latest[-1].read_bytes()) if latest else None
    return ReviewReport(reviewed, acceptance, agreement, latest[-1].name.split(".")[0] if latest else None)
