"""Agreement between annotators, adjudication and acceptance (pipeline/review/agreement.py), on small
hand-made versions: what `pull` and `report` print about a review."""

import pytest

from pipeline.review.agreement import Acceptance, Agreement, adjudicate, span_f1, token_kappa

TOKENS = [(0, 5), (6, 11), (12, 15), (16, 22), (23, 28)]  # five words
ORG = {"start": 0, "end": 11, "label": "ORG"}
PLACE = {"start": 16, "end": 22, "label": "GPE"}
PERSON_CUT = {"start": 0, "end": 5, "label": "PERSON"}


def test_span_f1_is_exact_match_symmetric_and_none_when_nobody_marked_anything():
    assert span_f1([ORG, PLACE], [ORG, PLACE]) == 1.0
    assert span_f1([ORG, PLACE], [ORG]) == pytest.approx(2 / 3) == span_f1([ORG], [ORG, PLACE])
    assert span_f1([ORG], [{**ORG, "end": 10}]) == 0.0  # one character off is a disagreement
    assert span_f1([], []) is None
    assert span_f1([ORG], [PLACE], label="PERSON") is None


def test_token_kappa_credits_overlap_that_span_f1_does_not():
    assert token_kappa([ORG], [ORG], TOKENS, "ORG") == 1.0
    partial = token_kappa([ORG], [{"start": 0, "end": 5, "label": "ORG"}], TOKENS, "ORG")
    assert 0 < partial < 1
    assert token_kappa([], [], TOKENS, "ORG") is None


def test_agreement_needs_two_versions_and_averages_pairs_per_label():
    agreement = Agreement()
    assert agreement.add({"ann": [ORG]}, TOKENS, ["ORG", "GPE"]) is None  # one annotator: nothing to compare
    assert agreement.add({"ann": [ORG, PLACE], "bob": [ORG, PLACE]}, TOKENS, ["ORG", "GPE"]) == 1.0
    assert agreement.add({"ann": [ORG, PLACE], "bob": [ORG]}, TOKENS, ["ORG", "GPE"]) == pytest.approx(2 / 3)
    summary = agreement.summary()
    assert agreement.documents == 2
    assert summary["ORG"] == {"pairs": 2, "span_f1": 1.0, "kappa": 1.0}
    assert summary["GPE"]["pairs"] == 2 and summary["GPE"]["span_f1"] == pytest.approx(0.5)
    assert list(summary)[-1] == "ALL"  # the overall row comes last


def test_an_approver_decides_before_any_majority():
    versions = {"ann": {"spans": [ORG]}, "bob": {"spans": [PLACE]}, "chief": {"spans": [PERSON_CUT]}}
    how, version, tied = adjudicate(versions, approvers={"chief"})
    assert (how, version["spans"], tied) == ("approver chief", [PERSON_CUT], [])


def test_the_majority_keeps_spans_most_annotators_marked_and_reports_ties():
    versions = {"ann": {"spans": [ORG, PLACE]}, "bob": {"spans": [ORG]}, "cat": {"spans": [ORG, PLACE]}}
    how, version, tied = adjudicate(versions, approvers=set())
    assert how == "majority of 3"
    assert version["spans"] == [ORG, PLACE]
    assert tied == []
    how, version, tied = adjudicate({"ann": {"spans": [ORG, PLACE]}, "bob": {"spans": [ORG]}}, approvers=set())
    assert version["spans"] == [ORG] and tied == ["GPE [16:22]"]  # one of two: neither kept nor silently lost


def test_a_relation_survives_adjudication_only_between_kept_spans():
    with_relation = {"spans": [ORG, PLACE], "relations": [{"head": 0, "tail": 1, "type": "LOCATED_IN"}]}
    versions = {"ann": with_relation, "bob": with_relation, "cat": {"spans": [ORG]}}
    _, version, _ = adjudicate(versions, approvers=set())
    assert version["relations"] == [{"head": 0, "tail": 1, "type": "LOCATED_IN"}]
    versions = {"ann": with_relation, "bob": {"spans": [ORG]}, "cat": {"spans": [ORG]}}
    _, version, _ = adjudicate(versions, approvers=set())
    assert version["spans"] == [ORG] and version["relations"] == []


def test_acceptance_counts_kept_corrected_deleted_and_added_per_label_and_source():
    acceptance = Acceptance()
    predicted = [
        {**ORG, "source": "model"},
        {**PLACE, "source": "places"},
        {**PERSON_CUT, "start": 23, "end": 28, "source": "model"},
    ]
    reviewed = [ORG, {"start": 12, "end": 22, "label": "GPE"}, {"start": 29, "end": 33, "label": "DATE"}]
    acceptance.add(predicted, reviewed)
    by_label = dict(acceptance.rows("label"))
    assert by_label["ORG"]["kept"] == 1
    assert by_label["GPE"]["corrected"] == 1  # its boundary moved
    assert by_label["PERSON"]["deleted"] == 1
    assert by_label["DATE"]["added"] == 1
    by_source = dict(acceptance.rows("source"))
    assert by_source["model"] == {"kept": 1, "deleted": 1}
    assert by_source["places"] == {"corrected": 1}
    assert by_source["annotator"] == {"added": 1}
