import numpy as np
import orjson
import pytest

from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.errors import StoreLockedError


def _add(store: CorpusStore, *texts: str) -> None:
    with store.locked(), store.document_writer() as writer:
        for number, text in enumerate(texts):
            writer.add_document(Document(f"doc{number}", text, {"headline": f"h{number}"}), minhash=None)


def _commits(store: CorpusStore, table: str) -> int:
    return len(list((store.table_path(table) / "_delta_log").glob("*.json")))


def test_documents_stream_back_in_order_across_commits(tmp_path):
    store = CorpusStore(tmp_path / "store", segment_size=2)
    _add(store, "one", "two", "three", "four", "five")
    assert _commits(store, "documents") == 3
    assert [d.text for d in store.iter_documents()] == ["one", "two", "three", "four", "five"]
    assert store.get_document("doc2").meta == {"headline": "h2"}
    assert store.count() == 5
    assert [d.text for d in store.iter_documents(ids={"doc4", "doc1"})] == ["two", "five"]


def test_a_stage_rerun_replaces_its_rows_so_readers_see_one_per_document(tmp_path):
    store = CorpusStore(tmp_path / "store")
    _add(store, "alpha beta", "gamma")
    for fingerprint, tokens in (("old", [[0, 10]]), ("new", [[0, 5], [6, 10]])):
        with store.locked(), store.stage_writer("tokenize") as writer:
            writer.add_output("doc0", StageOutput("tokenize", "1", fingerprint, {"tokens": tokens, "sentences": []}))
    document = store.get_document("doc0", stages=["tokenize"])
    assert document.outputs["tokenize"].fingerprint == "new"
    assert document.tokens == [(0, 5), (6, 10)]
    from deltalake import DeltaTable

    rows = DeltaTable(str(store.table_path("tokenize"))).to_pyarrow_table()
    assert rows.column("id").to_pylist() == ["doc0"]


def test_stage_data_comes_back_as_written_typed_where_it_fits(tmp_path):
    store = CorpusStore(tmp_path / "store")
    _add(store, "Police seized 6,300 kilograms in Lima.")
    claim = {
        "start": 14,
        "end": 33,
        "label": "QUANTITY",
        "text": "6,300 kilograms",
        "value": 6300.0,
        "unit": "kilogram",
        "approx": None,
        "low": None,
        "high": None,
        "from": None,
        "to": None,
        "source": "claims",
        "score": 0.9,
    }
    odd = {**claim, "value": 6300, "extra": "kept"}  # an int where a float goes, and an unknown key
    data = {
        "entities": [{"start": 34, "end": 38, "label": "GPE", "text": "Lima", "source": "model", "score": 0.8}],
        "claims": [claim],
        "left_out": [],
        "notes": [{"kind": "capitals", "detail": "x"}],
        "unknown": {"a": [1, None]},
    }
    with store.locked(), store.stage_writer("preannotate") as writer:
        writer.add_output("doc0", StageOutput("preannotate", "5", "f", data))
    with store.locked(), store.stage_writer("review") as writer:
        writer.add_output("doc0", StageOutput("review", "1", "g", {"claims": [odd], "status": None}))
    document = store.get_document("doc0", stages=["preannotate", "review"])
    assert document.outputs["preannotate"].data == data
    review = document.outputs["review"].data
    assert review == {"claims": [odd], "status": None} and type(review["claims"][0]["value"]) is int

    from deltalake import DeltaTable

    table = DeltaTable(str(store.table_path("preannotate"))).to_pyarrow_table()
    assert table.column("claims")[0][0]["value"].as_py() == 6300.0  # typed, for readers without newscorpus
    assert orjson.loads(table.column("data")[0].as_py()) == {"unknown": {"a": [1, None]}}


def test_token_offsets_are_integer_arrays_in_and_out(tmp_path):
    store = CorpusStore(tmp_path / "store")
    _add(store, "alpha beta", "")
    offsets = np.array([[0, 5], [6, 10]], dtype=np.int64)
    with store.locked(), store.stage_writer("tokenize") as writer:
        writer.add_output(
            "doc0",
            StageOutput("tokenize", "5", "f", {"tokens": offsets, "words": "alpha\x1fbeta", "sentences": offsets[:1]}),
        )
        writer.add_output(
            "doc1",
            StageOutput(
                "tokenize", "5", "f", {"tokens": np.empty((0, 2), dtype=np.int64), "words": "", "sentences": []}
            ),
        )
    first, empty = store.iter_documents(["tokenize"])
    assert first.outputs["tokenize"].data["tokens"].tolist() == [[0, 5], [6, 10]]
    assert first.sentences == [(0, 5)]
    assert len(empty.outputs["tokenize"].data["tokens"]) == 0 and empty.tokens == []


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    store = CorpusStore(tmp_path / "store")
    with store.locked():
        with pytest.raises(StoreLockedError, match="in use by newscorpus pid"):
            with CorpusStore(tmp_path / "store").locked():
                pass
    with store.locked():  # released again
        pass
