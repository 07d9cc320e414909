"""What the store holds: documents, groups, and per stage how many are done, pending and failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline import preannotate, tokenization
from pipeline.errors import ModelNotFoundError
from pipeline.store import CorpusStore
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


@dataclass
class CorpusStatus:
    documents: int
    groups: int
    stages: list[StageStatus]
    recent: list[dict[str, Any]] = field(default_factory=list)  # id, group and meta of the newest documents
    # documents a current stage output noted something about: id, stage, kind ("capitals", "table"), detail
    notes: list[dict[str, str]] = field(default_factory=list)

    def note_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for note in self.notes:
            counts[note["kind"]] = counts.get(note["kind"], 0) + 1
        return counts


def stage_fingerprints(workspace: Workspace) -> dict[str, str | None]:
    """Stages in pipeline order, each with the fingerprint of the current settings; None where it
    needs the model and the model is not installed (status must still show the store's state)."""
    settings = workspace.settings
    gazetteer = preannotate.gazetteer_path(workspace.annotations_dir)
    fingerprints: dict[str, str | None] = {}
    for stage, compute in ((tokenization.STAGE, lambda: tokenization.fingerprint(settings)),
                           (preannotate.STAGE, lambda: preannotate.fingerprint(settings, None, gazetteer))):
        try:
            fingerprints[stage] = compute()
        except ModelNotFoundError:
            fingerprints[stage] = None
    return fingerprints


def corpus_status(store: CorpusStore, fingerprints: dict[str, str | None], *, recent: int = 10) -> CorpusStatus:
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
        for doc_id in ids:
            entry = index.get(doc_id)
            if entry is not None and (current is None or entry.fingerprint == current):
                failed += entry.failed
                done += not entry.failed
                notes.extend({"id": doc_id, "stage": stage, **note} for note in entry.notes)
        stages.append(StageStatus(stage, done, len(ids) - done - failed, failed, up_to_date_known=current is not None))
    return CorpusStatus(len(ids), len(groups), stages, newest, notes)
