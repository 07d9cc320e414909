"""The stage registry: a new stage is its module plus one registration, and the store, status and dump
take it up without another edit."""

import deltalake
import pytest

from pipeline import stages
from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.stages import Stage
from pipeline.status import corpus_status, stage_fingerprints
from pipeline.workspace import Workspace


def keyword_fingerprints(workspace):
    return {"keywords-v1": "a keyword list"}


@pytest.fixture
def with_keywords():
    before = dict(stages.REGISTRY)
    stages.register(
        Stage(
            "keywords",
            version="1",
            module=__name__,
            fields={"keywords": "strings"},
            internal=("scores",),
            current=f"{__name__}:keyword_fingerprints",
        )
    )
    yield "keywords"
    stages.REGISTRY.clear()
    stages.REGISTRY.update(before)


def test_the_pipeline_stages_are_registered_in_order():
    assert stages.names() == ("tokenize", "preannotate", "review")
    assert [stage.name for stage in stages.REGISTRY.values() if stage.current] == ["tokenize", "preannotate"]


def test_a_stage_is_registered_once_and_with_known_column_kinds(with_keywords):
    with pytest.raises(ValueError, match="registered twice"):
        stages.register(Stage("keywords", version="2", module=__name__))
    with pytest.raises(ValueError, match="unknown column kinds"):
        stages.register(Stage("sentiment", version="1", module=__name__, fields={"score": "float"}))


def test_a_new_stage_gets_typed_columns_status_and_dump(tmp_path, with_keywords):
    store = CorpusStore(tmp_path / "store")
    with store.locked(), store.document_writer() as writer:
        for number in range(3):
            writer.add_document(Document(f"doc{number}", f"Story number {number}."), minhash=None)
    data = {"keywords": ["story", "number"], "scores": [0.5, 0.25]}
    with store.locked(), store.stage_writer("keywords") as writer:
        writer.add_output("doc0", StageOutput("keywords", "1", "keywords-v1", data))
        writer.add_output("doc1", StageOutput("keywords", "1", "made with other settings", data))

    columns = deltalake.DeltaTable(str(store.table_path("keywords"))).schema().to_arrow().names
    assert "keywords" in columns and "scores" not in columns  # scores travel in the JSON column
    (document,) = store.iter_documents(["keywords"], ids={"doc0"})
    assert document.outputs["keywords"].data == data
    dumped = document.to_json()
    assert dumped["keywords"] == ["story", "number"] and "scores" not in dumped

    fingerprints = stage_fingerprints(Workspace(tmp_path))
    assert fingerprints["keywords"] == {"keywords-v1": "a keyword list"}
    status = corpus_status(store, {"keywords": fingerprints["keywords"]})
    (keywords,) = status.stages
    assert (keywords.stage, keywords.done, keywords.pending, keywords.by_model) == (
        "keywords",
        1,
        2,
        {"a keyword list": 1},
    )
