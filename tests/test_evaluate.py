import json

import pytest

from pipeline.errors import GoldFileError, InputNotFoundError
from pipeline.evaluate import (
    ALL,
    EvaluationReport,
    GoldDocument,
    check_thresholds,
    evaluate,
    load_gold,
    match_overlap,
    span_errors,
)

TEXT = "Alice Smith of Acme Corp flew to Paris in May 2021 with 56 laboratories and some 65% of 28,000 hectares."


def span(text: str, part: str, label: str, **claim) -> dict:
    start = text.index(part)
    record = {"start": start, "end": start + len(part), "label": label, "text": part}
    return record | claim


def claim(text: str, part: str, label: str, value, unit) -> dict:
    fields = {"approx": None, "low": None, "high": None, "from": None, "to": None}
    return span(text, part, label, value=value, unit=unit, **fields)


def at(text: str, start: int, end: int, label: str, **extra) -> dict:
    return {"start": start, "end": end, "label": label, "text": text[start:end]} | extra


GOLD_ENTITIES = [
    span(TEXT, "Alice Smith", "PERSON"),
    span(TEXT, "Acme Corp", "ORG"),
    span(TEXT, "Paris", "GPE"),
    span(TEXT, "May 2021", "DATE"),
]
GOLD_CLAIMS = [
    claim(TEXT, "56 laboratories", "COUNT", 56.0, "laboratory"),
    claim(TEXT, "some 65%", "PERCENT", 65.0, "percent"),
    claim(TEXT, "28,000 hectares", "QUANTITY", 28000.0, "hectare"),
]


def gold_doc(entities=GOLD_ENTITIES, claims=GOLD_CLAIMS, text=TEXT) -> GoldDocument:
    return GoldDocument(text=text, entities=list(entities), claims=list(claims))


def ratios(tree, found=None) -> list[float]:
    """Every precision, recall, F1 and agreement share in a report's JSON."""
    found = [] if found is None else found
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in {"precision", "recall", "f1", "value", "value_unit"} and isinstance(value, float):
                found.append(value)
            elif key not in {"errors", "claim_mismatches"}:
                ratios(value, found)
    return found


def test_perfect_prediction_scores_one_everywhere():
    report = evaluate([gold_doc()], [{"text": TEXT, "entities": GOLD_ENTITIES, "claims": GOLD_CLAIMS}])
    figures = ratios(report.to_json())
    # 2 criteria x (ALL + 4 labels) x 3 for entities, 2 x (ALL + 3) x 3 for claims, (ALL + 3) x 2 shares
    assert len(figures) == 30 + 24 + 8
    assert all(figure == 1.0 for figure in figures)
    assert report.entities.strict[ALL].tp == 4 and report.claims.overlap[ALL].tp == 3
    assert report.claim_values[ALL].pairs == 3
    assert span_errors(report) == [] and report.claim_mismatches == []
    assert check_thresholds(report, entity_f1=1.0, claim_f1=1.0, value_unit=1.0) == []


def test_boundary_error_is_an_overlap_match_but_strict_fp_and_fn():
    predicted = [span(TEXT, "Alice", "PERSON")]
    report = evaluate([gold_doc(entities=[GOLD_ENTITIES[0]], claims=[])], [{"text": TEXT, "entities": predicted}])
    strict, overlap = report.entities.strict["PERSON"], report.entities.overlap["PERSON"]
    assert (strict.tp, strict.fp, strict.fn) == (0, 1, 1)
    assert (strict.precision, strict.recall, strict.f1) == (0.0, 0.0, 0.0)
    assert (overlap.tp, overlap.fp, overlap.fn) == (1, 0, 0)
    assert overlap.f1 == 1.0
    assert span_errors(report, "entities") == []


def test_label_error_is_fp_and_fn_under_both_criteria():
    predicted = [span(TEXT, "Paris", "LOC")]
    gold = gold_doc(entities=[span(TEXT, "Paris", "GPE")], claims=[])
    report = evaluate([gold], [{"text": TEXT, "entities": predicted}])
    for scores in (report.entities.strict, report.entities.overlap):
        assert list(scores) == [ALL, "GPE", "LOC"]
        assert (scores["GPE"].tp, scores["GPE"].fp, scores["GPE"].fn) == (0, 0, 1)
        assert (scores["LOC"].tp, scores["LOC"].fp, scores["LOC"].fn) == (0, 1, 0)
        assert (scores[ALL].tp, scores[ALL].fp, scores[ALL].fn) == (0, 1, 1)
        assert scores["LOC"].support == 0 and scores["LOC"].predicted == 1
    found = {(e.kind, e.label, e.start, e.end, e.text) for e in span_errors(report)}
    start = TEXT.index("Paris")
    assert found == {("FN", "GPE", start, start + 5, "Paris"), ("FP", "LOC", start, start + 5, "Paris")}


def test_micro_average_over_labels_by_hand():
    predicted = [
        span(TEXT, "Alice Smith", "PERSON"),  # exact
        span(TEXT, "Acme", "ORG"),  # boundary
        span(TEXT, "Paris", "LOC"),  # wrong label
        span(TEXT, "56", "DATE"),  # spurious
    ]
    gold = gold_doc(entities=GOLD_ENTITIES[:3], claims=[])
    report = evaluate([gold], [{"text": TEXT, "entities": predicted, "claims": []}])
    strict, overlap = report.entities.strict[ALL], report.entities.overlap[ALL]
    assert (strict.tp, strict.fp, strict.fn) == (1, 3, 2)
    assert strict.precision == pytest.approx(1 / 4) and strict.recall == pytest.approx(1 / 3)
    assert strict.f1 == pytest.approx(2 / 7)
    assert (overlap.tp, overlap.fp, overlap.fn) == (2, 2, 1)
    assert overlap.precision == pytest.approx(1 / 2) and overlap.recall == pytest.approx(2 / 3)
    assert overlap.f1 == pytest.approx(4 / 7)
    assert list(report.entities.overlap) == [ALL, "PERSON", "ORG", "GPE", "LOC", "DATE"]
    date = report.entities.overlap["DATE"]
    assert (date.support, date.predicted, date.precision, date.recall) == (0, 1, 0.0, 0.0)
    # No claims on either side: zero counts, and figures of 0 rather than a division error.
    assert report.claims.overlap[ALL].support == 0 and report.claims.overlap[ALL].f1 == 0.0
    assert report.claim_values[ALL].pairs == 0


def test_two_predictions_over_one_gold_span_give_one_tp_and_one_fp():
    text = "New York City is big."
    gold = gold_doc(entities=[span(text, "New York City", "GPE")], claims=[], text=text)
    predicted = [span(text, "New York", "GPE"), span(text, "York City", "GPE")]
    report = evaluate([gold], [{"text": text, "entities": predicted}])
    overlap = report.entities.overlap[ALL]
    assert (overlap.tp, overlap.fp, overlap.fn) == (1, 1, 0)
    # The prediction covering more of the gold span is the match.
    assert [(e.kind, e.text) for e in span_errors(report)] == [("FP", "New York")]


def test_overlap_matching_is_maximal_not_greedy():
    text = "x" * 20
    gold = [at(text, 0, 10, "ORG"), at(text, 10, 14, "ORG")]
    # Greedy by largest overlap would pair the first prediction with gold 0 (8 characters) and leave
    # the second one, which only overlaps gold 0, unmatched.
    predicted = [at(text, 2, 12, "ORG"), at(text, 0, 3, "ORG")]
    assert match_overlap(gold, predicted) == [(0, 1), (1, 0)]
    assert match_overlap(gold, [at(text, 2, 12, "GPE")]) == []
    assert match_overlap(gold, [at(text, 14, 16, "ORG")]) == []  # touching is not overlapping
    # A spare prediction is never paired with a gold span it does not overlap.
    assert match_overlap(gold, [at(text, 2, 5, "ORG"), at(text, 15, 18, "ORG")]) == [(0, 0)]


def test_claim_values_and_units_by_hand():
    text = "Police found 56 laboratories, 28,000 hectares, some 65%, $76 million and dozens of farmers."
    gold = [
        claim(text, "56 laboratories", "COUNT", 56.0, "laboratory"),
        claim(text, "28,000 hectares", "QUANTITY", 28000.0, "hectare"),
        claim(text, "some 65%", "PERCENT", 65.0, "percent"),
        claim(text, "$76 million", "MONEY", 76_000_000.0, "USD"),
        claim(text, "dozens of farmers", "COUNT", None, "farmer"),
    ]
    predicted = [
        claim(text, "56 laboratories", "COUNT", 56.0, "lab"),  # value right, unit wrong
        claim(text, "28,000", "QUANTITY", 28010.0, " Hectare "),  # within 1e-3; case and space ignored
        claim(text, "65%", "PERCENT", 66.0, "percent"),  # value wrong
        claim(text, "$76 million", "MONEY", None, None),  # both wrong
        claim(text, "dozens of farmers", "COUNT", None, "farmer"),  # null == null
    ]
    report = evaluate([gold_doc(entities=[], claims=gold, text=text)], [{"text": text, "claims": predicted}])
    assert report.claims.overlap[ALL].tp == 5
    assert report.claims.strict[ALL].tp == 3
    values = report.claim_values
    assert list(values) == [ALL, "COUNT", "QUANTITY", "MONEY", "PERCENT"]
    assert (values[ALL].pairs, values[ALL].value, values[ALL].value_unit) == (5, 3, 2)
    assert values[ALL].value_share == pytest.approx(0.6) and values[ALL].value_unit_share == pytest.approx(0.4)
    assert (values["COUNT"].value_share, values["COUNT"].value_unit_share) == (1.0, 0.5)
    assert (values["QUANTITY"].value_share, values["QUANTITY"].value_unit_share) == (1.0, 1.0)
    assert (values["PERCENT"].value_share, values["PERCENT"].value_unit_share) == (0.0, 0.0)
    mismatches = {m.gold_text: m for m in report.claim_mismatches}
    assert set(mismatches) == {"56 laboratories", "some 65%", "$76 million"}
    lab = mismatches["56 laboratories"]
    assert (lab.value_ok, lab.unit_ok, lab.gold_unit, lab.predicted_unit) == (True, False, "laboratory", "lab")
    pct = mismatches["some 65%"]
    assert (pct.predicted_text, pct.gold_value, pct.predicted_value, pct.value_ok) == ("65%", 65.0, 66.0, False)
    assert (mismatches["$76 million"].value_ok, mismatches["$76 million"].unit_ok) == (False, False)

    failures = check_thresholds(report, entity_f1=0.0, claim_f1=1.0, value_unit=0.5)
    assert len(failures) == 1 and "value and unit" in failures[0] and "(2/5)" in failures[0]


def test_value_tolerance_is_relative():
    text = "1000 tons and 1000 tons"
    gold = [
        at(text, 0, 9, "QUANTITY", value=1000.0, unit="tonne"),
        at(text, 14, 23, "QUANTITY", value=1000.0, unit="tonne"),
    ]
    predicted = [
        at(text, 0, 9, "QUANTITY", value=1000.5, unit="tonne"),
        at(text, 14, 23, "QUANTITY", value=1002.0, unit="tonne"),
    ]
    report = evaluate([gold_doc(entities=[], claims=gold, text=text)], [{"text": text, "claims": predicted}])
    assert report.claim_values[ALL].value == 1
    assert [m.start for m in report.claim_mismatches] == [14]


def test_check_thresholds_reports_each_failing_figure():
    predicted = [span(TEXT, "Alice Smith", "PERSON"), span(TEXT, "Acme", "ORG"), span(TEXT, "Paris", "LOC")]
    gold = gold_doc(entities=GOLD_ENTITIES[:3], claims=[])
    report = evaluate([gold], [{"text": TEXT, "entities": predicted}])  # overlap F1 2/3, no claims at all
    assert check_thresholds(report, entity_f1=0.6, claim_f1=0.0, value_unit=0.0) == []
    failures = check_thresholds(report, entity_f1=0.7, claim_f1=0.5, value_unit=0.9)
    assert len(failures) == 3
    assert failures[0].startswith("entities: overlap F1 0.6667") and "0.7" in failures[0]
    assert failures[1].startswith("claims: overlap F1 0.0000")
    assert failures[2].startswith("claims: value and unit")


def test_report_json_has_stable_keys():
    predicted = [span(TEXT, "Paris", "LOC")]
    report = evaluate([gold_doc(claims=[])], [{"text": TEXT, "entities": predicted}])
    data = json.loads(json.dumps(report.to_json()))
    assert list(data) == ["documents", "entities", "claims", "errors", "claim_mismatches"]
    assert list(data["entities"]) == ["strict", "overlap"]
    assert list(data["claims"]) == ["strict", "overlap", "values"]
    assert list(data["entities"]["overlap"]["GPE"]) == [
        "tp", "fp", "fn", "support", "predicted", "precision", "recall", "f1"
    ]  # fmt: skip
    values_keys = ["pairs", "value_correct", "value_unit_correct", "value", "value_unit"]
    assert list(data["claims"]["values"][ALL]) == values_keys
    assert [(e["kind"], e["label"], e["text"]) for e in data["errors"]["entities"]] == [
        ("FN", "PERSON", "Alice Smith"),
        ("FN", "ORG", "Acme Corp"),
        ("FN", "GPE", "Paris"),
        ("FP", "LOC", "Paris"),
        ("FN", "DATE", "May 2021"),
    ]


def test_predicted_text_must_match_gold():
    with pytest.raises(GoldFileError) as caught:
        evaluate([gold_doc()], [{"text": TEXT.replace("Paris", "Lima!"), "entities": []}])
    assert "[E040]" in str(caught.value) and f"character {TEXT.index('Paris')}" in str(caught.value)
    with pytest.raises(GoldFileError, match="1 predicted documents for 2 gold documents"):
        evaluate([gold_doc(), gold_doc()], [{"text": TEXT}])
    with pytest.raises(GoldFileError, match=r"entities\[0\]: needs integer"):
        evaluate([gold_doc()], [{"text": TEXT, "entities": [{"start": "0", "end": 5, "label": "PERSON"}]}])


# ---------------------------------------------------------------------------------------------------
# Gold files


def write_gold(tmp_path, *lines: str):
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def gold_line(**changes) -> str:
    record = {"id": "d1", "text": TEXT, "entities": GOLD_ENTITIES, "claims": GOLD_CLAIMS}
    return json.dumps(record | changes, ensure_ascii=False)


def test_load_gold_reads_documents(tmp_path):
    path = write_gold(tmp_path, gold_line(), "", gold_line(id=7, claims=[]))
    documents = load_gold(path)
    assert [(d.id, d.line, len(d.entities), len(d.claims)) for d in documents] == [("d1", 1, 4, 3), ("7", 3, 4, 0)]
    assert documents[0].text == TEXT and documents[0].path == path


BAD_ENTITY = dict(GOLD_ENTITIES[0])


@pytest.mark.parametrize(
    "line, message",
    [
        ('{"text": "abc", "entities": [', "invalid JSON"),
        ("[1, 2]", "not a JSON object"),
        (gold_line(text=None), "missing 'text'"),
        (gold_line(claims=None), "missing 'claims' list"),
        (gold_line(entities=[BAD_ENTITY | {"text": "Alice Smyth"}]), "entities[0]: text 'Alice Smyth' != text[0:11]"),
        (gold_line(entities=[BAD_ENTITY | {"label": "PER"}]), "entities[0]: label 'PER' is not one of PERSON"),
        (gold_line(claims=[GOLD_CLAIMS[0] | {"label": "ORG"}]), "claims[0]: label 'ORG' is not one of COUNT"),
        (gold_line(entities=[BAD_ENTITY | {"start": 11, "end": 11, "text": ""}]), "entities[0]: start 11 >= end 11"),
        (gold_line(entities=[BAD_ENTITY | {"start": 5, "end": 2, "text": ""}]), "entities[0]: start 5 >= end 2"),
        (gold_line(entities=[BAD_ENTITY | {"end": 10_000}]), "outside the text"),
        (gold_line(claims=[GOLD_CLAIMS[0] | {"value": "56"}]), "claims[0]: value must be a number or null"),
    ],
)
def test_load_gold_errors_name_file_and_line(tmp_path, line, message):
    path = write_gold(tmp_path, gold_line(), "", line)
    with pytest.raises(GoldFileError) as caught:
        load_gold(path)
    shown = str(caught.value)
    assert shown.startswith(f"[E040] {path}:3: ") and message in shown
    assert "\n" not in shown
    assert caught.value.line == 3 and caught.value.path == path


def test_load_gold_label_sets_are_parameters(tmp_path):
    path = write_gold(tmp_path, gold_line(entities=[BAD_ENTITY | {"label": "HERO"}], claims=[]))
    assert load_gold(path, entity_labels=["HERO"])[0].entities[0]["label"] == "HERO"
    with pytest.raises(GoldFileError, match="label 'PERSON' is not one of HERO"):
        load_gold(write_gold(tmp_path, gold_line(claims=[])), entity_labels=["HERO"])


def test_missing_gold_file(tmp_path):
    with pytest.raises(InputNotFoundError) as caught:
        load_gold(tmp_path / "nope.jsonl")
    assert str(tmp_path / "nope.jsonl") in str(caught.value)


def test_real_gold_file_scores_one_against_itself():
    from conftest import REPO

    gold = load_gold(REPO / "annotations" / "gold" / "efe-shining-path-vraem.jsonl")
    assert len(gold) == 1 and (len(gold[0].entities), len(gold[0].claims)) == (55, 19)
    predicted = [{"text": d.text, "entities": d.entities, "claims": d.claims} for d in gold]
    report = evaluate(gold, predicted)
    assert isinstance(report, EvaluationReport)
    assert report.entities.overlap[ALL].tp == 55 and report.claims.strict[ALL].tp == 19
    assert report.claim_values[ALL].pairs == 19
    # entities: ALL + 6 labels; claims: ALL + 4 labels; 3 figures x 2 criteria each, plus 2 shares x 5.
    figures = ratios(report.to_json())
    assert len(figures) == 7 * 6 + 5 * 6 + 5 * 2
    assert all(figure == 1.0 for figure in figures)
    assert span_errors(report) == [] and report.claim_mismatches == []


def test_a_claims_only_gold_document_scores_no_entities(tmp_path):
    """A gold set annotated for claims alone ("layers": ["claims"]) does not count the predicted
    entities as false positives."""
    path = tmp_path / "claims.jsonl"
    path.write_text(json.dumps({"text": TEXT, "claims": GOLD_CLAIMS, "layers": ["claims"]}) + "\n")
    documents = load_gold(path)
    assert documents[0].layers == ("claims",) and documents[0].entities == []
    report = evaluate(documents, [{"text": TEXT, "entities": GOLD_ENTITIES, "claims": GOLD_CLAIMS}])
    assert report.entities.overlap[ALL].predicted == 0 and report.entities.overlap[ALL].support == 0
    assert report.claims.overlap[ALL].f1 == 1.0


def test_a_gold_set_with_foreign_labels_matches_spans_whatever_their_label(tmp_path):
    """MeasEval's quantities or Commodity News' Price_unit spans are matched by position alone
    ("labels": "any"), so the score is the share of their spans that a claim covers."""
    foreign = [
        at(TEXT, TEXT.index("28,000"), TEXT.index("28,000") + 15, "Quantity", value=None, unit="ha"),
        at(TEXT, TEXT.index("Paris"), TEXT.index("Paris") + 5, "Place", value=None, unit=None),
    ]
    path = tmp_path / "foreign.jsonl"
    path.write_text(json.dumps({"text": TEXT, "claims": foreign, "layers": ["claims"], "labels": "any"}) + "\n")
    report = evaluate(load_gold(path), [{"text": TEXT, "claims": GOLD_CLAIMS}])
    overall = report.claims.overlap[ALL]
    assert (overall.tp, overall.fn, overall.fp) == (1, 1, 2)
    assert report.claim_values[ALL].pairs == 0  # their values are not the schema's: not compared


def test_units_spelled_differently_are_the_same_unit():
    gold = claim(TEXT, "28,000 hectares", "QUANTITY", 28000.0, "kilometre per hour")
    predicted = dict(gold, unit="kilometer / hour")
    report = evaluate([gold_doc(entities=[], claims=[gold])], [{"text": TEXT, "claims": [predicted]}])
    assert report.claim_values[ALL].value_unit == 1


def test_an_error_shows_the_text_around_it():
    report = evaluate([gold_doc(claims=GOLD_CLAIMS[:1])], [{"text": TEXT, "claims": []}])
    (error,) = span_errors(report, "claims")
    assert "flew to Paris in May 2021 with [56 laboratories] and some 65%" in error.context
