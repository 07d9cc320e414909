"""The dataset card (README.md of an export): the Hub's YAML header and a body from
``templates/dataset_card.md``."""

from __future__ import annotations

import hashlib
import importlib.resources
from pathlib import Path

from pipeline import __version__
from pipeline.dataset.schema import PARQUET_DIR, VERSION, export_features, tag_names
from pipeline.dataset.splits import SPLITS
from pipeline.dataset.summary import ExportReport
from pipeline.errors import ModelNotFoundError
from pipeline.nlp import tokenization
from pipeline.nlp.preannotate import gazetteer_path
from pipeline.settings import Settings

CARD_TEMPLATE = "templates/dataset_card.md"


def render_card(
    report: ExportReport, settings: Settings, annotations_dir: Path | None, parquet_sizes: dict[str, int]
) -> str:
    """The dataset card (README.md): a YAML header as the Hub writes it (dataset_info with features
    and splits, configs with data_files) and the body from ``pipeline/dataset/templates/dataset_card.md``."""
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCard, DatasetCardData

    labels = settings.labels
    features = export_features(labels)
    loadable = [name for name in SPLITS if report.splits[name].documents]
    card_data = DatasetCardData(
        language=["en"],
        license=settings.export.license or "other",
        pretty_name=settings.export.name,
        task_categories=["token-classification"],
        task_ids=["named-entity-recognition"],
        annotations_creators=["machine-generated", "expert-generated"],
        source_datasets=["original"],
        size_categories=[_size_category(report.documents)],
        multilinguality=["monolingual"],
        tags=["news", "numeric-claims", "newscorpus"],
    )
    # Only splits with rows: the Parquet loader cannot make an empty split, and checks these counts.
    splits = SplitDict()
    for name in loadable:
        summary = report.splits[name]
        splits.add(SplitInfo(name=name, num_bytes=summary.num_bytes, num_examples=summary.documents))
    info = DatasetInfo(features=features, splits=splits, license=settings.export.license or "other")
    if parquet_sizes:
        info.download_size = sum(parquet_sizes.values())
        info.dataset_size = sum(report.splits[name].num_bytes for name in loadable)
        MetadataConfigs(
            {"default": {"data_files": [{"split": name, "path": f"{PARQUET_DIR}/{name}-*"} for name in loadable]}}
        ).to_dataset_card_data(card_data)
    DatasetInfosDict({"default": info}).to_dataset_card_data(card_data)
    model = settings.model.name
    try:
        model = tokenization.model_identity(model)
    except ModelNotFoundError:
        model = f"{model} (not installed where this export ran)"
    gazetteer = gazetteer_path(annotations_dir) if annotations_dir is not None else None
    gazetteer_version = (
        hashlib.sha256(gazetteer.read_bytes()).hexdigest()[:16]
        if gazetteer is not None and gazetteer.exists()
        else "none"
    )
    example_split = loadable[0]
    template = importlib.resources.files("pipeline.dataset").joinpath(CARD_TEMPLATE)
    with importlib.resources.as_file(template) as template_path:
        card = DatasetCard.from_template(
            card_data,
            template_path=str(template_path),
            name=settings.export.name,
            folder=report.out.name,
            report=report,
            settings=settings,
            splits=[report.splits[name] for name in SPLITS],
            loadable=loadable,
            example_split=example_split,
            arrow="arrow" in report.formats,
            parquet="parquet" in report.formats,
            ner_tags=list(enumerate(tag_names(labels.entities))),
            claim_tags=list(enumerate(tag_names(labels.claims))),
            entity_labels=list(labels.entities),
            claim_labels=list(labels.claims),
            pipeline_version=__version__,
            schema_version=VERSION,
            model=model,
            gazetteer_version=gazetteer_version,
            agreement=_overall_agreement(report),
            annotators=sorted(set().union(*(s.annotators for s in report.splits.values()))),
            examples=[f'"{text}"' for text in dict.fromkeys(t for s in report.splits.values() for t in s.examples)][:3],
        )
    return str(card).rstrip() + "\n"


def _overall_agreement(report: ExportReport) -> tuple[float | None, int]:
    documents = sum(s.agreement_documents for s in report.splits.values())
    if not documents:
        return None, 0
    total = sum(s.agreement_mean * s.agreement_documents for s in report.splits.values() if s.agreement_documents)
    return total / documents, documents


def _size_category(count: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < limit:
            return name
    return "n>1M"
