"""`newscorpus status` counts (pipeline/status.corpus_status) on a small store written by hand: what
is done, pending and failed per stage, by which model, what was noted, and what is reviewed."""

from pipeline.corpus.record import REVIEWED, Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.status import corpus_status

CAPITALS = {"kind": "capitals", "detail": "90% of its words in capitals"}


def _store(tmp_path) -> CorpusStore:
    store = CorpusStore(tmp_path / "store")
    with store.locked(), store.document_writer() as writer:
        for number in range(4):
            writer.add_document(
                Document(f"doc{number}", f"Story number {number}.", {"headline": f"h{number}"}), minhash=None
            )
    with store.locked(), store.stage_writer("tokenize") as writer:
        writer.add_output("doc0", StageOutput("tokenize", "5", "current", {"tokens": [[0, 5]], "sentences": []}))
        writer.add_output("doc1", StageOutput("tokenize", "5", "older settings", {"tokens": [[0, 5]], "sentences": []}))
        writer.add_output("doc2", StageOutput("tokenize", "5", "current", {}, error="E042 the tokenizer failed"))
    with store.locked(), store.stage_writer("preannotate") as writer:
        empty = {"entities": [], "claims": [], "left_out": [], "disagreements": 0}
        writer.add_output("doc0", StageOutput("preannotate", "6", "base model", {**empty, "notes": [CAPITALS]}))
        writer.add_output("doc1", StageOutput("preannotate", "6", "trained model", {**empty, "notes": []}))
        writer.add_output("doc3", StageOutput("preannotate", "6", "a model since removed", {**empty, "notes": []}))
    with store.locked(), store.stage_writer("review") as writer:
        writer.add_output("doc0", StageOutput("review", "1", "r", {"entities": [], "claims": [], "status": REVIEWED}))
        writer.add_output("doc1", StageOutput("review", "1", "r", {"entities": [], "claims": [], "status": None}))
    return store


def test_each_stage_counts_only_outputs_made_with_current_settings(tmp_path):
    status = corpus_status(
        _store(tmp_path),
        {
            "tokenize": {"current": "en_core_web_sm"},
            "preannotate": {"base model": "en_core_web_sm", "trained model": "models/extractor"},
        },
    )
    assert status.documents == 4
    tokenize, preannotate = status.stages
    assert (tokenize.stage, tokenize.done, tokenize.failed, tokenize.pending) == ("tokenize", 1, 1, 2)
    assert (preannotate.done, preannotate.failed, preannotate.pending) == (2, 0, 2)  # doc3's model is gone
    assert preannotate.by_model == {"en_core_web_sm": 1, "models/extractor": 1}


def test_notes_of_current_outputs_and_reviewed_documents_are_listed(tmp_path):
    status = corpus_status(_store(tmp_path), {"preannotate": {"base model": "en_core_web_sm"}})
    assert status.notes == [{"id": "doc0", "stage": "preannotate", **CAPITALS}]
    assert status.note_counts() == {"capitals": 1}
    assert status.reviewed == 1  # doc1's review is not done


def test_without_the_model_every_output_counts_and_the_stage_says_so(tmp_path):
    status = corpus_status(_store(tmp_path), {"preannotate": None})
    (preannotate,) = status.stages
    assert (preannotate.done, preannotate.pending, preannotate.up_to_date_known) == (3, 1, False)


def test_the_newest_documents_come_last_and_are_capped(tmp_path):
    status = corpus_status(_store(tmp_path), {}, recent=2)
    assert [entry["id"] for entry in status.recent] == ["doc2", "doc3"]
    assert status.recent[-1]["meta"]["headline"] == "h3"
