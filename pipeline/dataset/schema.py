"""The dataset's columns (the ``datasets.Features`` of a row, its schema version, the BIO tag names) and
where an export keeps its Parquet copy."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.corpus.record import META_FIELDS
from pipeline.settings import LabelSettings

PARQUET_DIR = "data"
VERSION = "2"  # the dataset's schema; part of every split's fingerprint. 2: meta.external_id
META_KEYS = (*META_FIELDS, "group")  # group last: it is the document's, not its meta's


def tag_names(labels: Sequence[str]) -> list[str]:
    """BIO tag names: "O" first, then B- and I- of each label in order (as conll2003 has them)."""
    return ["O"] + [f"{prefix}-{label}" for label in labels for prefix in ("B", "I")]


def export_features(labels: LabelSettings):
    """The dataset's ``datasets.Features``; label names travel with the data as ``ClassLabel``."""
    from datasets import ClassLabel, Features, List, Value

    string, number, offset = Value("string"), Value("float64"), Value("int32")
    return Features(
        {
            "id": string,
            "text": string,
            "meta": {key: string for key in META_KEYS},
            "tokens": List(string),
            "ner_tags": List(ClassLabel(names=tag_names(labels.entities))),
            "claim_tags": List(ClassLabel(names=tag_names(labels.claims))),
            "entities": List(
                {"start": offset, "end": offset, "label": ClassLabel(names=list(labels.entities)), "text": string}
            ),
            "claims": List(
                {
                    "start": offset,
                    "end": offset,
                    "label": ClassLabel(names=list(labels.claims)),
                    "text": string,
                    "value": number,
                    "unit": string,
                    "approx": string,
                    "low": number,
                    "high": number,
                    "from": number,
                    "to": number,
                }
            ),
            "relations": List({"head": offset, "tail": offset, "type": string}),
            "review": {"status": string, "annotators": List(string), "agreement": number},
        }
    )
