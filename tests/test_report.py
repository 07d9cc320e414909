"""`newscorpus report` figures (pipeline/report.review_report) on a small store written by hand:
what review kept, corrected, deleted and added, the corpus's labels, and the latest agreement."""

import orjson

from pipeline.corpus.record import REVIEWED, Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.review.report import TRAINED_CLAIMS, review_report

TEXT = "Acme Corp hired 40 people in Lima."
ACME = {"start": 0, "end": 9, "label": "ORG", "text": "Acme Corp", "source": "model"}
LIMA = {"start": 29, "end": 33, "label": "GPE", "text": "Lima", "source": "places"}
FORTY = {"start": 16, "end": 18, "label": "COUNT", "text": "40", "source": "model", "value": 40, "unit": None}


def _store(tmp_path) -> CorpusStore:
    store = CorpusStore(tmp_path / "store")
    with store.locked(), store.document_writer() as writer:
        for number in range(2):
            writer.add_document(Document(f"doc{number}", TEXT, {}), minhash=None)
    predicted = {"entities": [ACME, LIMA], "claims": [FORTY], "left_out": [], "notes": [], "disagreements": 0}
    with store.locked(), store.stage_writer("preannotate") as writer:
        for number in range(2):
            writer.add_output(f"doc{number}", StageOutput("preannotate", "6", "f", predicted))
    reviewed = {
        "entities": [{"start": 0, "end": 9, "label": "ORG"}],  # Lima deleted
        "claims": [{"start": 16, "end": 25, "label": "COUNT", "value": 40, "unit": "person"}],  # widened
        "status": REVIEWED,
    }
    with store.locked(), store.stage_writer("review") as writer:
        writer.add_output("doc0", StageOutput("review", "1", "r", reviewed))
    return store


def test_the_report_counts_what_review_did_to_each_pre_annotation(tmp_path):
    report = review_report(_store(tmp_path), tmp_path / "snapshots")
    assert (report.documents, report.reviewed) == (2, 1)  # doc1 is pre-annotated but not reviewed
    by_label = dict(report.acceptance.rows("label"))
    assert by_label["ORG"] == {"kept": 1}
    assert by_label["GPE"] == {"deleted": 1}
    assert by_label["COUNT"] == {"corrected": 1}
    by_source = dict(report.acceptance.rows("source"))
    assert by_source["places"] == {"deleted": 1}
    assert by_source[TRAINED_CLAIMS] == {"corrected": 1}  # a model's claim is judged apart from its entities
    assert report.agreement is None and report.snapshot is None  # no pull yet


def test_the_corpus_labels_count_reviewed_spans_where_there_are_some(tmp_path):
    report = review_report(_store(tmp_path), tmp_path / "snapshots")
    assert report.corpus_labels == {"ORG": 2, "GPE": 1, "COUNT": 2}  # doc0 as reviewed, doc1 as predicted


def test_the_latest_pulls_agreement_is_reported(tmp_path):
    snapshots = tmp_path / "snapshots"
    snapshots.mkdir()
    (snapshots / "20261101T090000000000Z.agreement.json").write_bytes(orjson.dumps({"ALL": {"span_f1": 0.5}}))
    (snapshots / "20261130T090000000000Z.agreement.json").write_bytes(orjson.dumps({"ALL": {"span_f1": 0.9}}))
    report = review_report(_store(tmp_path), snapshots)
    assert report.snapshot == "20261130T090000000000Z"
    assert report.agreement == {"ALL": {"span_f1": 0.9}}
