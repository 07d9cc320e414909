import pytest

from pipeline.errors import StoreLockedError
from pipeline.record import Document, StageOutput
from pipeline.store import CorpusStore


def _add(store: CorpusStore, *texts: str) -> None:
    with store.locked(), store.document_writer() as writer:
        for number, text in enumerate(texts):
            writer.add_document(Document(f"doc{number}", text, {"headline": f"h{number}"}), minhash=None)


def test_documents_stream_back_in_order_across_segments(tmp_path):
    store = CorpusStore(tmp_path / "store", segment_size=2)
    _add(store, "one", "two", "three", "four", "five")
    assert len(store.documents.segments()) == 3
    assert [d.text for d in store.iter_documents()] == ["one", "two", "three", "four", "five"]
    assert store.get_document("doc2").meta == {"headline": "h2"}
    assert store.count() == 5


def test_later_stage_output_supersedes_earlier(tmp_path):
    store = CorpusStore(tmp_path / "store")
    _add(store, "alpha beta")
    for fingerprint, tokens in (("old", [[0, 10]]), ("new", [[0, 5], [6, 10]])):
        with store.locked(), store.stage_writer("tokenize") as writer:
            writer.add_output("doc0", StageOutput("tokenize", "1", fingerprint, {"tokens": tokens, "sentences": []}))
    document = store.get_document("doc0", stages=["tokenize"])
    assert document.outputs["tokenize"].fingerprint == "new"
    assert document.tokens == [(0, 5), (6, 10)]


def test_leftovers_of_a_killed_writer_are_invisible_and_cleaned(tmp_path):
    store = CorpusStore(tmp_path / "store", segment_size=1)
    _add(store, "kept")
    documents = store.root / "documents"
    (documents / ".000002.jsonl.abc.tmp").write_bytes(b'{"id": "half')
    (documents / "000003.jsonl").write_bytes(b'{"id":"orphan","text":"no index","meta":{},"group":"orphan"}\n')
    assert [d.text for d in store.iter_documents()] == ["kept"]
    with store.locked():
        pass
    assert sorted(p.name for p in documents.iterdir()) == ["000001.idx.jsonl", "000001.jsonl"]


def test_a_second_writer_is_refused_while_the_first_holds_the_lock(tmp_path):
    store = CorpusStore(tmp_path / "store")
    with store.locked():
        with pytest.raises(StoreLockedError, match="in use by newscorpus pid"):
            with CorpusStore(tmp_path / "store").locked():
                pass
    with store.locked():  # released again
        pass
