"""What the store holds: documents, groups, and per stage how many are done, pending and failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.corpus.record import REVIEWED
from pipeline.corpus.store import CorpusStore
from pipeline.stages import REGISTRY, REVIEW
from pipeline.workspace import Workspace


@dataclass
class StageStatus:
    stage: str
    done: int
    pending: int
    failed: int
    # False when the current fingerprint cannot be computed (the model is not installed): then
    # "done" counts every output, whatever settings made it, and "pending" the documents without one
    up_to_date_known: bool = True
    by_model: dict[str, int] = field(default_factory=dict)  # done, per model (pre-annotation)


@dataclass
class CorpusStatus:
    documents: int
    groups: int
    stages: list[StageStatus]
    recent: list[dict[str, Any]] = field(default_factory=list)  # id, group and meta of the newest documents
    # documents a current stage output noted something about: id, stage, kind ("capitals", "table"), detail
    notes: list[dict[str, str]] = field(default_factory=list)
    reviewed: int = 0  # documents whose review is done (pulled from Doccano)

    def note_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for note in self.notes:
            counts[note["kind"]] = counts.get(note["kind"], 0) + 1
        return counts


def stage_fingerprints(workspace: Workspace) -> dict[str, dict[str, str] | None]:
    """Stages in pipeline order that know which of their outputs are up to date, each with those
    fingerprints and what each stands for (``Stage.current_fingerprints``)."""
    return {stage.name: stage.current_fingerprints(workspace) for stage in REGISTRY.values() if stage.current}


def corpus_status(
    store: CorpusStore, fingerprints: dict[str, dict[str, str] | None], *, recent: int = 10
) -> CorpusStatus:
    ids: list[str] = []
    groups: set[str] = set()
    newest: list[dict[str, Any]] = []
    for entry in store.document_index():
        ids.append(entry.id)
        groups.add(entry.fields["group"])
        newest.append({"id": entry.id, "group": entry.fields["group"], "meta": entry.fields["meta"]})
        if len(newest) > recent:
            newest.pop(0)
    stages, notes = [], []
    for stage, current in fingerprints.items():
        index = store.stage_index(stage)
        done = failed = 0
        by_model: dict[str, int] = {}
        for doc_id in ids:
            entry = index.get(doc_id)
            if entry is not None and (current is None or entry.fingerprint in current):
                failed += entry.failed
                done += not entry.failed
                if current is not None and not entry.failed:
                    by_model[current[entry.fingerprint]] = by_model.get(current[entry.fingerprint], 0) + 1
                notes.extend({"id": doc_id, "stage": stage, **note} for note in entry.notes)
        stages.append(
            StageStatus(
                stage, done, len(ids) - done - failed, failed, up_to_date_known=current is not None, by_model=by_model
            )
        )
    known = set(ids)
    reviewed = sum(
        1 for doc_id, status in store.stage_values(REVIEW, "status").items() if status == REVIEWED and doc_id in known
    )
    return CorpusStatus(len(ids), len(groups), stages, newest, notes, reviewed)
