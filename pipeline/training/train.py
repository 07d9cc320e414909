"""Extractor training: a spaCy pipeline learnt from an exported dataset, for the next pre-annotation.

``train_extractor`` reads the export's ``train`` and ``validation`` splits (``datasets``), turns them
into spaCy ``DocBin`` files (``pipeline.dataset.export.to_docbin``: entities as ``doc.ents``, claims as
``doc.spans["claims"]``) and runs spaCy's own training loop on the CPU from a config file shipped in
``pipeline/training/configs/``:

* ``base.cfg`` fine-tunes the base model's NER (it starts from everything the model knows about
  names) and puts a ``spancat_singlelabel`` for the claims on the base model's frozen ``tok2vec``;
* ``scratch.cfg`` learns both from random weights, each with its own ``tok2vec``.

Both copy the base model's tokenizer, vocabulary, ``tok2vec``, ``tagger``, ``attribute_ruler`` and
``lemmatizer`` unchanged, because the claim normaliser needs tags and lemmas: the trained folder is
a complete pipeline that ``newscorpus preannotate --model DIR`` loads in place of the base model,
claim values still coming from the normaliser. spaCy keeps the best step on the validation split;
that pipeline is then scored on the test split (precision, recall and F1 per label, by spaCy's
``Scorer``) and the figures are saved beside it in ``scores.json``. The folder is built aside and
renamed into place at the end, as the export is.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import io
import re
import shutil
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

import orjson

from pipeline import __version__
from pipeline.corpus.record import PRE_ANNOTATED
from pipeline.dataset.export import INCOMPLETE_SUFFIX
from pipeline.dataset.splits import SPLITS
from pipeline.errors import ModelExistsError, ModelNotFoundError, TrainingDataError, TrainingError
from pipeline.settings import Settings
from pipeline.training.docbin import to_docbin
from pipeline.util.fs import replace_dir

INITS = ("base", "scratch")
CLAIMS_KEY = "claims"  # the span group to_docbin fills and the span categorizer predicts
SCORES_FILE = "scores.json"
FROZEN_FROM_BASE = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")


@dataclass
class LabelScore:
    layer: str  # "entities" | "claims"
    label: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int  # spans of this label in the test split's reviewed annotations


@dataclass
class TrainReport:
    out: Path
    init: str
    base_model: str
    dataset: Path
    documents: dict[str, int] = field(default_factory=dict)
    pre_annotated: dict[str, int] = field(default_factory=dict)  # rows not reviewed (an --include-unreviewed export)
    labels: list[LabelScore] = field(default_factory=list)
    overall: dict[str, float | None] = field(default_factory=dict)
    validation: dict[str, float | None] = field(default_factory=dict)
    # the whole pre-annotator with this model (rules, gazetteer, trained components), on the test split
    preannotator: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record.update(out=str(self.out), dataset=str(self.dataset), newscorpus=__version__)
        return record


def config_path(init: str) -> Any:
    """The shipped spaCy config for ``init`` ("base" or "scratch")."""
    if init not in INITS:
        raise TrainingError(f"unknown --init {init!r}: choose one of {', '.join(INITS)}")
    return importlib.resources.files("pipeline.training").joinpath(f"configs/{init}.cfg")


def load_export(dataset_dir: Path):
    """The exported ``DatasetDict``, from its Arrow copy (``load_from_disk``) or its Parquet copy."""
    import datasets

    dataset_dir = Path(dataset_dir)
    if (dataset_dir / "dataset_dict.json").exists():
        return datasets.load_from_disk(str(dataset_dir))
    if (dataset_dir / "README.md").exists() and (dataset_dir / "data").is_dir():
        return datasets.load_dataset(str(dataset_dir))
    raise TrainingDataError(
        f"{dataset_dir}: no exported dataset here; run newscorpus export first (or pass --dataset DIR)"
    )


def _base_tok2vec_width(base_model: str) -> int:
    import spacy

    try:
        base = spacy.load(base_model, exclude=["parser", "senter", "ner"])
    except OSError as err:
        raise ModelNotFoundError(
            f"cannot load base spaCy pipeline {base_model!r}: {str(err).splitlines()[0]}"
        ) from None
    missing = [name for name in FROZEN_FROM_BASE if name not in base.pipe_names]
    if missing:
        raise TrainingError(
            f"base model {base_model!r} has no {', '.join(missing)} component; training copies them "
            f"for the claim normaliser (use a CNN pipeline such as en_core_web_sm, _md or _lg)"
        )
    return int(base.config["components"]["tok2vec"]["model"]["encode"]["width"])


def train_extractor(
    dataset_dir: Path,
    out: Path,
    settings: Settings,
    *,
    init: str | None = None,
    max_steps: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
    annotations_dir: Path | None = None,
) -> TrainReport:
    """Train, score on the test split and save under ``out``; returns the figures. With
    ``annotations_dir`` (the gazetteer's), the whole pre-annotator with the new model is scored too."""
    init = init or settings.train.init
    config_path(init)  # an unknown start is refused before anything is read
    out = Path(out)
    if out.exists() and not overwrite:
        raise ModelExistsError(
            f"{out} exists; pass --overwrite to replace it (the old model stays until the new one is saved)"
        )
    dataset = load_export(dataset_dir)
    report = TrainReport(
        out,
        init,
        settings.model.name,
        Path(dataset_dir),
        documents={name: len(dataset[name]) if name in dataset else 0 for name in SPLITS},
    )
    report.pre_annotated = {
        name: sum(review["status"] == PRE_ANNOTATED for review in dataset[name]["review"])
        if report.documents[name]
        else 0
        for name in SPLITS
    }
    for name in SPLITS:
        if not report.documents[name]:
            raise TrainingDataError(
                f"{dataset_dir}: the {name} split is empty; training needs documents in train, "
                f"validation and test (export more reviewed documents, or change [split] ratios)"
            )
    building = out.with_name(out.name + INCOMPLETE_SUFFIX)
    shutil.rmtree(building, ignore_errors=True)
    try:
        _train_in(building, dataset, report, settings, max_steps, progress, annotations_dir)
        replace_dir(building / "pipeline", out)
    finally:  # the DocBins and spaCy's checkpoints; an interrupted run leaves nothing behind either
        shutil.rmtree(building, ignore_errors=True)
    return report


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TrainingLog(io.TextIOBase):
    """Where spaCy's training loop prints: the user's stdout, without colour codes when that is not
    a terminal (a log file), and without the lines about the folder the model is built in (it is
    moved into place at the end, and the command says where)."""

    HIDDEN = ("Saved pipeline to output directory",)

    def __init__(self, target: TextIO, building: Path) -> None:
        self.target = target
        self.building = str(building)
        self.plain = not target.isatty()
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self.pending = (self.pending + text).split("\n")
        for line in lines:
            self._emit(line + "\n")
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self._emit(self.pending)
            self.pending = ""
        self.target.flush()

    def _emit(self, line: str) -> None:
        if self.building in line or any(hidden in line for hidden in self.HIDDEN):
            return
        self.target.write(_ANSI.sub("", line) if self.plain else line)


def _train_in(
    building: Path,
    dataset,
    report: TrainReport,
    settings: Settings,
    max_steps: int | None,
    progress: bool,
    annotations_dir: Path | None = None,
) -> None:
    """DocBins, spaCy's training loop and the scored pipeline, all under ``building``; the pipeline
    ends in ``building/pipeline`` with its scores.json."""
    from spacy.cli._util import show_validation_error
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_loop
    from spacy.util import load_config

    config_file = config_path(report.init)
    corpus = building / "corpus"
    corpus.mkdir(parents=True)
    paths = {}
    for name in SPLITS:
        paths[name] = corpus / f"{name}.spacy"
        to_docbin(dataset[name]).to_disk(paths[name])
    overrides: dict[str, Any] = {
        "paths.train": str(paths["train"]),
        "paths.dev": str(paths["validation"]),
        "paths.base_model": settings.model.name,
        "system.seed": settings.train.seed,
        "training.max_steps": max_steps or settings.train.max_steps,
        "training.patience": settings.train.patience,
        "training.eval_frequency": settings.train.eval_frequency,
    }
    if report.init == "base":
        overrides["components.spancat.model.tok2vec.width"] = _base_tok2vec_width(settings.model.name)
    started = time.perf_counter()
    sink = TrainingLog(sys.stdout, building) if progress else io.StringIO()
    with importlib.resources.as_file(config_file) as path:
        config = load_config(path, overrides=overrides, interpolate=False)
    try:
        with (
            show_validation_error(str(config_file), hint_fill=False),
            contextlib.redirect_stderr(sink),
            contextlib.redirect_stdout(sink),
        ):
            nlp = init_nlp(config, use_gpu=-1)
            (building / "training").mkdir()
            train_loop(nlp, building / "training", use_gpu=-1, stdout=sink, stderr=sink)
    except SystemExit:
        raise TrainingError(f"{config_file}: spaCy refused the training config (see above)") from None
    finally:
        sink.flush()
    report.seconds = time.perf_counter() - started
    best = building / "training" / "model-best"
    if not best.exists():
        raise TrainingError(f"spaCy's training loop saved no model under {best}")
    trained = _finish(best, report, settings, paths["test"], dataset["test"])
    if annotations_dir is not None:
        report.preannotator = score_preannotator(trained, dataset["test"], settings, annotations_dir)
    (trained / SCORES_FILE).write_bytes(orjson.dumps(report.to_json(), option=orjson.OPT_INDENT_2) + b"\n")


def score_preannotator(model: Path, split, settings: Settings, annotations_dir: Path) -> dict[str, float]:
    """The pre-annotator as ``preannotate --model`` runs it with ``model`` (the rules, the gazetteer and
    the trained components), scored with ``evaluate``'s code against ``split``'s spans: micro F1,
    strict and overlap, per layer, and the share of matched claims with the right value and unit."""
    from pipeline.evaluate import ALL, LAYERS, GoldDocument, evaluate
    from pipeline.nlp.preannotate import annotate_texts

    names = {layer: split.features[layer].feature["label"].names for layer in LAYERS}
    gold = [
        GoldDocument(
            text=row["text"],
            id=row["id"],
            **{layer: [{**span, "label": names[layer][span["label"]]} for span in row[layer]] for layer in LAYERS},
        )
        for row in split
    ]
    scored = evaluate(
        gold, annotate_texts([document.text for document in gold], settings, annotations_dir, model=str(model))
    )
    figures = {
        f"{layer}_{criterion}_f1": getattr(scored.layer(layer), criterion)[ALL].f1
        for layer in LAYERS
        for criterion in ("strict", "overlap")
    }
    figures["claims_value_unit"] = scored.claim_values[ALL].value_unit_share
    return figures


def _finish(best: Path, report: TrainReport, settings: Settings, test_path: Path, test_split) -> Path:
    """Name the pipeline, score it on the test split, and record both in its meta."""
    import spacy
    from spacy.training import Corpus

    nlp = spacy.load(best)
    report.validation = {key: nlp.meta.get("performance", {}).get(key) for key in ("ents_f", "spans_claims_f")}
    scores = nlp.evaluate(list(Corpus(str(test_path))(nlp)))
    support = _support(test_split)
    for layer, key, labels in (
        ("entities", "ents", settings.labels.entities),
        ("claims", f"spans_{CLAIMS_KEY}", settings.labels.claims),
    ):
        per_type = scores.get(f"{key}_per_type") or {}
        for label in labels:
            figures = per_type.get(label, {})
            report.labels.append(
                LabelScore(layer, label, figures.get("p"), figures.get("r"), figures.get("f"), support[layer][label])
            )
        report.overall[f"{layer}_precision"] = scores.get(f"{key}_p")
        report.overall[f"{layer}_recall"] = scores.get(f"{key}_r")
        report.overall[f"{layer}_f1"] = scores.get(f"{key}_f")
    nlp.meta.update(
        name=f"newscorpus_{report.out.name}".replace("-", "_"),
        version=__version__,
        description=f"newscorpus extractor ({report.init} start from {report.base_model}) trained on "
        f"{report.documents['train']} documents of {report.dataset}",
    )
    nlp.meta["newscorpus"] = {"init": report.init, "base_model": report.base_model, "test": report.overall}
    final = best.parent.parent / "pipeline"
    nlp.to_disk(final)
    return final


def _support(split) -> dict[str, Counter]:
    support: dict[str, Counter] = {}
    for layer in ("entities", "claims"):
        names = split.features[layer].feature["label"].names
        support[layer] = Counter(names[label] for spans in split[layer] for label in (s["label"] for s in spans))
    return support
