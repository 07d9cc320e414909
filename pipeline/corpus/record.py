"""The one record type that flows between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline import stages
from pipeline.stages import PREANNOTATE, REVIEW, TOKENIZE

ID_LENGTH = 16  # hex digits of a document id (the SHA-256 of its text)
REVIEWED = "reviewed"
PRE_ANNOTATED = "pre-annotated"
META_FIELDS = (
    "section",
    "headline",
    "byline",
    "place",
    "date",
    "date_iso",
    "agency",
    "source",
    "url",
    "external_id",
    "part",
)


@dataclass
class StageOutput:
    """What one stage made of one document, and with what (``fingerprint`` of version + settings)."""

    stage: str
    version: str
    fingerprint: str
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.error is not None

    def provenance(self) -> dict[str, Any]:
        return {"version": self.version, "fingerprint": self.fingerprint, "error": self.error}


@dataclass
class Document:
    """A news article: its text exactly as stored, its metadata, its near-duplicate group, and the
    outputs of the stages that have run on it.

    ``meta`` holds the ingest metadata (``META_FIELDS``) plus ``source_path`` (where it came from),
    ``stripped`` (boilerplate removed from the end of the text) and ``extra`` (unknown JSONL fields).
    """

    id: str
    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    group: str = ""
    outputs: dict[str, StageOutput] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.group:
            self.group = self.id

    @property
    def tokens(self) -> list[tuple[int, int]]:
        """(start, end) character offsets of the tokens, once tokenized."""
        output = self.outputs.get(TOKENIZE)
        return [(int(s), int(e)) for s, e in output.data["tokens"]] if output and not output.failed else []

    @property
    def sentences(self) -> list[tuple[int, int]]:
        output = self.outputs.get(TOKENIZE)
        return [(int(s), int(e)) for s, e in output.data["sentences"]] if output and not output.failed else []

    @property
    def review(self) -> dict[str, Any] | None:
        """The reviewed annotations pulled from Doccano, if any: ``status`` ("reviewed" once an
        annotator or approver confirmed it), ``entities``, ``claims``, ``relations`` ({head, tail,
        type}, indexes into entities + claims, entities first), ``annotators``, ``agreement``."""
        output = self.outputs.get(REVIEW)
        return output.data if output and not output.failed else None

    @property
    def reviewed(self) -> bool:
        return bool(self.review and self.review.get("status") == REVIEWED)

    @property
    def entities(self) -> list[dict[str, Any]]:
        """Entities in the current state of review: reviewed if confirmed, else pre-annotated."""
        if self.reviewed:
            return self.review["entities"]
        output = self.outputs.get(PREANNOTATE)
        return output.data["entities"] if output and not output.failed else []

    @property
    def claims(self) -> list[dict[str, Any]]:
        if self.reviewed:
            return self.review["claims"]
        output = self.outputs.get(PREANNOTATE)
        return output.data["claims"] if output and not output.failed else []

    @property
    def relations(self) -> list[dict[str, Any]]:
        return self.review.get("relations", []) if self.reviewed else []

    def to_json(self) -> dict[str, Any]:
        """The document as ``newscorpus dump`` prints it: stage outputs at the top level (``tokens``,
        ``sentences``, ...), and under ``stages`` which version of which stage made them."""
        record: dict[str, Any] = {"id": self.id, "text": self.text, "meta": self.meta, "group": self.group}
        for stage, output in self.outputs.items():
            if not output.failed and stage not in (PREANNOTATE, REVIEW):
                internal = stages.get(stage).internal if stage in stages.REGISTRY else ()
                record.update((key, value) for key, value in output.data.items() if key not in internal)
        if PREANNOTATE in self.outputs or REVIEW in self.outputs:
            record.update(
                entities=self.entities,
                claims=self.claims,
                relations=self.relations,
                review=REVIEWED if self.reviewed else PRE_ANNOTATED,
            )
        preannotated = self.outputs.get(PREANNOTATE)
        if preannotated is not None and not preannotated.failed:
            # what the pre-annotator left out (table rows) and noted (capitals, tables), and why
            record.update((key, preannotated.data[key]) for key in ("left_out", "notes") if key in preannotated.data)
        record["stages"] = {stage: output.provenance() for stage, output in self.outputs.items()}
        return record
