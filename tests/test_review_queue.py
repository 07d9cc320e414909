"""The review queue: what goes to review first, and why (push --order, newscorpus queue)."""

from __future__ import annotations

import pytest

from pipeline.review.queue import QueueEntry, expected_corrections, order_entries, review_queue
from tests.test_export import span, write_documents

SURE = "Peru's army said on Monday that the Shining Path lost ground."
UNSURE = "Acme Holdings and Brightwater said Kestrel Partners would buy 40 trucks."


def _spans(text: str, pieces: list[tuple[str, str, float, str]]) -> list[dict]:
    return [span(text, needle, label, score=score, source=source) for needle, label, score, source in pieces]


def test_low_confidence_spans_and_inferred_units_raise_the_priority():
    sure, _ = expected_corrections(
        SURE, _spans(SURE, [("Peru", "GPE", 0.97, "places"), ("Shining Path", "ORG", 1.0, "gazetteer")]), [], []
    )
    unsure_entities = _spans(
        UNSURE,
        [
            ("Acme Holdings", "ORG", 0.55, "model"),
            ("Brightwater", "PERSON", 0.6, "model"),
            ("Kestrel Partners", "ORG", 0.55, "model"),
        ],
    )
    unsure_claims = _spans(UNSURE, [("40 trucks", "COUNT", 0.8, "claims")])
    unsure, reasons = expected_corrections(UNSURE, unsure_entities, unsure_claims, [])
    assert unsure > sure + 1
    assert reasons[0] == "4 low-confidence spans (model ORG x2, model PERSON x1, claims COUNT x1)"
    assert "1 count with a unit inferred from the noun" in reasons


def test_disagreement_between_the_model_and_the_rules_raises_the_priority():
    text = "Jordan scored 30 points for Chicago."
    entities = _spans(text, [("Jordan", "PERSON", 0.9, "rules"), ("Chicago", "ORG", 0.9, "rules")])
    agreed, _ = expected_corrections(text, entities, [], [])
    disputed, reasons = expected_corrections(text, entities, [], [], disagreements=2)
    assert disputed == pytest.approx(agreed + 0.6)
    assert reasons[0] == "2 spans where the model and the rules disagree"


def test_names_and_figures_nobody_annotated_are_expected_corrections():
    text = "The deal with Northwind was signed by Tom Hale for 300 barrels."
    bare, reasons = expected_corrections(text, [], [], [])
    assert bare == pytest.approx(0.3 * 3 + 0.3 * 1)  # Northwind, Tom, Hale; 300
    assert reasons == ["3 capitalised words outside any entity", "1 figure outside any claim or date"]
    covered, _ = expected_corrections(
        text,
        _spans(text, [("Northwind", "ORG", 1.0, "gazetteer"), ("Tom Hale", "PERSON", 1.0, "gazetteer")]),
        _spans(text, [("300 barrels", "QUANTITY", 1.0, "claims")]),
        [],
    )
    assert covered == 0


def test_only_the_layers_under_review_count():
    text = "Northwind shipped 300 barrels."
    claims_only, reasons = expected_corrections(
        text, _spans(text, [("Northwind", "ORG", 0.5, "model")]), [], [], layers=("claims",)
    )
    assert reasons == ["1 figure outside any claim or date"]
    assert claims_only == pytest.approx(0.3)


def test_text_in_capitals_weighs_more_and_says_so():
    text = "Guerrillas of the FMLN attacked the town."
    plain, _ = expected_corrections(text, _spans(text, [("FMLN", "ORG", 0.6, "model")]), [], [])
    caps, reasons = expected_corrections(
        text, _spans(text, [("FMLN", "ORG", 0.6, "model")]), [], [{"kind": "capitals", "detail": "all capitals"}]
    )
    assert caps == pytest.approx(plain * 1.5)
    assert reasons[0] == "in capitals"


def test_names_already_reviewed_are_not_unseen():
    entities = _spans(
        UNSURE,
        [
            ("Acme Holdings", "ORG", 1.0, "gazetteer"),
            ("Brightwater", "ORG", 1.0, "gazetteer"),
            ("Kestrel Partners", "ORG", 1.0, "gazetteer"),
        ],
    )
    fresh, reasons = expected_corrections(UNSURE, entities, [], [], seen_names={"Acme Holdings"})
    known, _ = expected_corrections(
        UNSURE, entities, [], [], seen_names={"Acme Holdings", "Brightwater", "Kestrel Partners"}
    )
    assert "2 names not in reviewed data" in reasons
    assert fresh > known


def _entry(doc_id: str, priority: float, group: str | None = None, names: tuple[str, ...] = ()) -> QueueEntry:
    return QueueEntry(doc_id, group or doc_id, priority, [], frozenset(names))


def test_uncertainty_order_puts_the_most_expected_corrections_first_and_ranks_from_one():
    ordered = order_entries([_entry("a", 1.0), _entry("b", 5.0), _entry("c", 3.0)], "uncertainty")
    assert [(e.doc_id, e.rank) for e in ordered] == [("b", 1), ("c", 2), ("a", 3)]


def test_one_story_is_not_reviewed_five_times_before_another_is_seen():
    story = [_entry(f"copy{n}", 10.0 - n * 0.1, group="story") for n in range(5)]
    other = _entry("other", 6.0)
    ordered = [e.doc_id for e in order_entries([*story, other], "uncertainty")]
    assert ordered[:2] == ["copy0", "other"]
    assert "near-duplicate 2 of its story" in next(e for e in story if e.doc_id == "copy1").reasons


def test_diversity_order_brings_new_names_first():
    entries = [
        _entry("same1", 9.0, names=("Peru", "Lima")),
        _entry("same2", 8.0, names=("Peru", "Lima")),
        _entry("new", 1.0, names=("Chile", "Santiago", "Bolivia")),
    ]
    ordered = order_entries(entries, "diversity")
    assert [e.doc_id for e in ordered] == ["new", "same1", "same2"]
    assert ordered[2].reasons[0] == "0 names not above it"


def test_corpus_order_is_the_stores():
    entries = [_entry("a", 1.0), _entry("b", 5.0)]
    assert [e.doc_id for e in order_entries(entries, "corpus")] == ["a", "b"]
    with pytest.raises(ValueError, match="unknown order"):
        order_entries(entries, "alphabetical")


def test_queue_lists_waiting_documents_in_order_with_reasons_and_leaves_out_reviewed_ones(store, cli):
    calm = "The council met on Monday."
    busy = UNSURE
    done = "Acme Holdings sold 12 ships to Kestrel Partners."
    write_documents(
        store,
        [
            (calm, {"reviewed": False}),
            (busy, {"reviewed": False, "entities": _spans(busy, [("Acme Holdings", "ORG", 0.55, "model")])}),
            (done, {"reviewed": True, "entities": _spans(done, [("Acme Holdings", "ORG", 0.55, "model")])}),
        ],
    )
    queue = review_queue(store, include_reviewed=False)
    assert [entry.headline for entry in queue] == [busy, calm]
    result = cli("queue", "-n", "5")
    assert "2 of 2" in result.stdout
    assert result.stdout.index("Acme Holdings and") < result.stdout.index("The council met")
    assert "low-confidence span" in result.stdout
    assert "Acme Holdings sold" not in result.stdout
    # a name from the reviewed document is no longer unseen
    busy_entry = queue[0]
    assert not any("not in reviewed data" in reason for reason in busy_entry.reasons)


def test_disagreements_count_what_the_merge_changed_from_the_models_reading():
    import spacy
    from spacy.tokens import Span

    from pipeline.nlp.entities import disagreements

    doc = spacy.blank("en")("Jordan scored 30 points for Chicago on Monday.")
    model = [Span(doc, 0, 1, label="GPE"), Span(doc, 5, 6, label="GPE"), Span(doc, 6, 8, label="DATE")]
    merged = [
        {"start": 0, "end": 6, "label": "PERSON"},
        {"start": 28, "end": 35, "label": "GPE"},
        {"start": 36, "end": 45, "label": "DATE"},
    ]
    assert (
        disagreements(model, merged, ("PERSON", "GPE", "DATE")) == 2
    )  # Jordan relabelled: the model's and the merge's
    assert disagreements(model, merged[1:], ("PERSON", "GPE", "DATE")) == 1  # Jordan dropped
