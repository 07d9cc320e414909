"""The stage registry: every stage's name, version, output fields and how its up-to-date fingerprints are
found, in pipeline order. The record, the store, status, export, report and the Doccano sync read it; a
new stage is its module plus one ``register`` call here.

This module imports nothing heavy: reading the store must not load spaCy, so a stage's functions are
named by "module:function" and imported only when called.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.workspace import Workspace

# Column kinds a stage's output field may have in the store (store/columns.py gives each its Arrow type);
# a field not listed, or a value that does not fit its kind, is kept as JSON.
COLUMN_KINDS = ("offsets", "text", "entities", "claims", "relations", "left_out", "notes", "string", "strings")


@dataclass(frozen=True)
class Stage:
    name: str
    version: str
    module: str  # where it runs
    fields: dict[str, str] = field(default_factory=dict)  # output field -> column kind (COLUMN_KINDS)
    internal: tuple[str, ...] = ()  # fields kept for speed only, left out of `dump`
    # "module:function": (workspace) -> {fingerprint: what it stands for (a model)} of the outputs that are
    # up to date, or None when that cannot be known (the model is not installed); None: any output counts
    current: str | None = None

    def current_fingerprints(self, workspace: Workspace) -> dict[str, str] | None:
        return _resolve(self.current)(workspace) if self.current else None


REGISTRY: dict[str, Stage] = {}


def register(stage: Stage) -> str:
    """Add ``stage`` after the ones registered before it; its name back, for the module's constant."""
    if stage.name in REGISTRY:
        raise ValueError(f"stage {stage.name!r} is registered twice")
    unknown = set(stage.fields.values()) - set(COLUMN_KINDS)
    if unknown:
        raise ValueError(f"stage {stage.name!r}: unknown column kinds {sorted(unknown)}")
    REGISTRY[stage.name] = stage
    return stage.name


def get(name: str) -> Stage:
    return REGISTRY[name]


def names() -> tuple[str, ...]:
    """Every stage, in pipeline order."""
    return tuple(REGISTRY)


def _resolve(reference: str) -> Any:
    module, function = reference.split(":")
    return getattr(importlib.import_module(module), function)


TOKENIZE = register(
    Stage(
        "tokenize",
        # 2: a dateline's ".-" after "(AGENCY)" is split off; 3: the token texts ("words"); 4: numbers are split
        # from glued currencies, magnitudes and units ("HK$7.1m", "8kW", "$500m."); 5: a range with its currency
        # written twice is split ("$6.0-$6.5")
        version="5",
        module="pipeline.nlp.tokenization",
        fields={"tokens": "offsets", "words": "text", "sentences": "offsets"},
        internal=("words",),
        current="pipeline.nlp.tokenization:current_fingerprints",
    )
)
PREANNOTATE = register(
    Stage(
        "preannotate",
        # 2: place list, dateline places, ages are not DATE; 3: claims on real news (revised schema); 4: lines in
        # capitals read truecased, table rows left out ("left_out", "notes"); 5: organisations by document
        # evidence (acronyms, cue words, one sense per document, lists and fixtures); 6: "disagreements", how
        # many entities the merge changed from the model's own (the review queue's signal); 7: groups named
        # by their head word, an organisation's name without the noun that describes it, datelines stay places;
        # 8: results lines of multi-word names are table rows, section slugs, time zones and common words heading
        # a line are no names, a spaced dash or a "V" in capitals ends a name; 9: a rare three-letter word in
        # capitals written twice stays an acronym on the truecased copy ("ADO"); 10: a one-word place that is far
        # likelier a common word ("POOL") and a shouted stop word ("CANNOT") are written as words there
        version="10",
        module="pipeline.nlp.preannotate",
        fields={"entities": "entities", "claims": "claims", "left_out": "left_out", "notes": "notes"},
        current="pipeline.nlp.preannotate:current_fingerprints",
    )
)
REVIEW = register(
    Stage(  # what `newscorpus pull` writes
        "review",
        version="1",
        module="pipeline.review.doccano.pull",
        fields={
            "entities": "entities",
            "claims": "claims",
            "relations": "relations",
            "status": "string",
            "annotators": "strings",
            "decision": "string",
        },
    )
)
