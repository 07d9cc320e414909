"""Numeric claims, one phenomenon of ../shared/ANNOTATION_SCHEMA.md per case, on sentences of our own."""

import pytest
from claimtools import claims, one, tagging_pipeline

from pipeline.nlp.claims import find_claims, normalize_claim


@pytest.fixture(scope="module")
def nlp():
    return tagging_pipeline()


@pytest.mark.parametrize(
    "text, expected",
    [
        # counts: the span runs from the number to the counted noun; the unit is its lemma
        ("Police arrested 14 suspects in the raid.", ("14 suspects", "COUNT", 14, "suspect")),
        (
            "Officers found 1,250 clandestine coca laboratories.",
            ("1,250 clandestine coca laboratories", "COUNT", 1250, "laboratory"),
        ),
        ("Twenty-three people were killed.", ("Twenty-three people", "COUNT", 23, "person")),
        ("A dozen soldiers were wounded.", ("A dozen soldiers", "COUNT", 12, "soldier")),
        ("The attack left 3,000 Colombian soldiers exposed.", ("3,000 Colombian soldiers", "COUNT", 3000, "soldier")),
        ("Tens of thousands of families fled the valley.", ("Tens of thousands of families", "COUNT", 10000, "family")),
        ("Dozens of inmates escaped.", ("Dozens of inmates", "COUNT", 12, "inmate")),
        # quantities: a physical unit, canonical name; "tons" is a metric tonne
        ("Farmers planted 4,500 hectares of coca.", ("4,500 hectares", "QUANTITY", 4500, "hectare")),
        ("The navy seized 2.5 tons of cocaine.", ("2.5 tons", "QUANTITY", 2.5, "tonne")),
        ("Agents found 40 kilos of marijuana.", ("40 kilos", "QUANTITY", 40, "kilogram")),
        ("A 120kg shipment was intercepted.", ("120kg", "QUANTITY", 120, "kilogram")),
        ("The fire burned 35 sq km of forest.", ("35 sq km", "QUANTITY", 35, "square kilometre")),
        ("The pipeline spilled 2,000 barrels of crude.", ("2,000 barrels", "QUANTITY", 2000, "barrel")),
        ("The patrol walked 12 kilometres a day.", ("12 kilometres a day", "QUANTITY", 12, "kilometre per day")),
        ("He owns a two-hectare plot.", ("two-hectare", "QUANTITY", 2, "hectare")),
        ("They dumped half a tonne of waste.", ("half a tonne", "QUANTITY", 0.5, "tonne")),
        # money: currency symbols and words, scale words
        ("The deal was worth $4.5 million.", ("$4.5 million", "MONEY", 4_500_000, "USD")),
        ("Exports reached 1.2bn dollars.", ("1.2bn dollars", "MONEY", 1_200_000_000, "USD")),
        ("The mayor paid US$5m in bribes.", ("US$5m", "MONEY", 5_000_000, "USD")),
        ("The fine was S/ 300,000.", ("S/ 300,000", "MONEY", 300_000, "PEN")),
        ("Each farmer received 2,000 soles.", ("2,000 soles", "MONEY", 2000, "PEN")),
        ("Spain pledged €3 million.", ("€3 million", "MONEY", 3_000_000, "EUR")),
        ("The ransom was 120,000 Colombian pesos.", ("120,000 Colombian pesos", "MONEY", 120_000, "COP")),
        ("Cocaine sells for $1,200 per kilogram in the valley.", ("$1,200 per kilogram", "MONEY", 1200, "USD")),
        # percentages and spoken fractions
        ("Turnout fell to 38%.", ("38%", "PERCENT", 38, "percent")),
        ("Prices rose 12 per cent last year.", ("12 per cent", "PERCENT", 12, "percent")),
        ("Prices rose 7 percent.", ("7 percent", "PERCENT", 7, "percent")),
        ("Two-thirds of the crop was lost.", ("Two-thirds", "PERCENT", 66.67, "percent")),
        ("A third of the budget went to the army.", ("A third", "PERCENT", 33.33, "percent")),
        ("One in five children is malnourished.", ("One in five", "PERCENT", 20, "percent")),
    ],
)
def test_claim_span_label_value_and_unit(nlp, text, expected):
    claim = one(nlp, text)
    assert (claim.text, claim.label, claim.unit) == (expected[0], expected[1], expected[3])
    assert claim.value == pytest.approx(expected[2])


@pytest.mark.parametrize(
    "text, span, approx",
    [
        ("The group controls some 900 fighters.", "some 900 fighters", "some"),
        ("Roughly half of the harvest is exported.", "Roughly half", "Roughly"),
        ("At least 40 people died.", "At least 40 people", "At least"),
        ("More than 2,000 hectares burned.", "More than 2,000 hectares", "More than"),
        ("Nearly 60% of voters agreed.", "Nearly 60%", "Nearly"),
        ("An estimated 300 families were displaced.", "An estimated 300 families", "An estimated"),
        ("Coca now covers over 80,000 hectares.", "over 80,000 hectares", "over"),
        ("The crop extends over some 5,000 hectares.", "some 5,000 hectares", "some"),  # "over" belongs to the verb
    ],
)
def test_qualifiers_are_inside_the_span_and_in_approx(nlp, text, span, approx):
    claim = one(nlp, text)
    assert (claim.text, claim.approx) == (span, approx)


def test_another_dozen_is_twelve_with_another_in_the_span(nlp):
    claim = one(nlp, "He leads another dozen deputy commanders.")
    assert (claim.text, claim.value, claim.unit, claim.approx) == (
        "another dozen deputy commanders",
        12,
        "commander",
        None,
    )


def test_change_from_to_is_one_span(nlp):
    claim = one(nlp, "The army cut its number of outposts from 120 to 85 in two years.")
    assert claim.text == "from 120 to 85"
    assert (claim.from_, claim.to, claim.value, claim.unit) == (120, 85, 85, "outpost")


def test_range_between_and_is_one_span(nlp):
    claim = one(nlp, "Officials expect between 20 and 30 tonnes this season.")
    assert claim.text == "between 20 and 30 tonnes"
    assert (claim.low, claim.high, claim.value, claim.unit, claim.label) == (20, 30, 30, "tonne", "QUANTITY")


def test_vague_range_takes_the_floors(nlp):
    claim = one(nlp, "Hundreds if not thousands of miners arrived.")
    assert (claim.low, claim.high, claim.value, claim.unit) == (100, 1000, 1000, "miner")


def test_up_from_makes_two_claims(nlp):
    found = claims(nlp, "Seizures reached 45 tonnes, up from 30 tonnes.")
    assert found == [("45 tonnes", "QUANTITY", 45, "tonne"), ("30 tonnes", "QUANTITY", 30, "tonne")]


def test_left_out_noun_takes_the_noun_it_refers_back_to(nlp):
    found = claims(nlp, "Fourteen prisoners died and 28 more were wounded.")
    assert found == [("Fourteen prisoners", "COUNT", 14, "prisoner"), ("28 more", "COUNT", 28, "prisoner")]


def test_currency_conversion_in_brackets_is_its_own_claim(nlp):
    found = claims(nlp, "The fund holds S/ 300 million ($80 million).")
    assert found == [("S/ 300 million", "MONEY", 300_000_000, "PEN"), ("$80 million", "MONEY", 80_000_000, "USD")]


def test_hyphenated_money_stops_before_the_hyphen(nlp):
    assert claims(nlp, "It was a $76 million-blow to the gangs.") == [("$76 million", "MONEY", 76_000_000, "USD")]


@pytest.mark.parametrize(
    "text",
    [
        "The massacre happened in May 2021.",  # dates
        "The conflict lasted from 1980 to 2000.",
        "The meeting started at 10:30 a.m.",  # times of day
        "It is one of the two largest valleys.",  # rankings
        "It is one of the worst atrocities.",
        "Read article 5 on page 12.",  # references
        "The G20 met on Route 66.",  # numbers inside names
        "He came third in the 2nd round.",  # ordinals
    ],
)
def test_numbers_that_are_not_claims(nlp, text):
    assert claims(nlp, text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("The 33-year-old was arrested.", ("33-year-old", 33, "year")),
        ("Juan Pérez, 45, was arrested.", ("45", 45, "year")),
        ("The suspect, aged 52, fled.", ("52", 52, "year")),
        ("Negotiations lasted 48 hours.", ("48 hours", 48, "hour")),
        ("He is serving a 12-year sentence.", ("12-year", 12, "year")),
        ("The crew spent 200 days in orbit.", ("200 days", 200, "day")),
        ("The strike went on for six weeks.", ("six weeks", 6, "week")),
        ("My grandmother is 90 years old.", ("90 years old", 90, "year")),
    ],
)
def test_asserted_durations_and_ages_are_quantities(nlp, text, expected):
    """Revised schema: a duration that is itself asserted, and an age, is a QUANTITY in its time unit."""
    claim = one(nlp, text)
    assert (claim.text, claim.label, claim.value, claim.unit) == (expected[0], "QUANTITY", expected[1], expected[2])


@pytest.mark.parametrize(
    "text",
    [
        "The law was passed three years ago.",
        "Exports doubled in the past five years.",
        "Talks resume over the next two weeks.",
        "Shares hit a six-year high on Monday.",
        "Two weeks later the rebels struck again.",
    ],
)
def test_periods_that_place_a_fact_in_time_are_not_claims(nlp, text):
    assert claims(nlp, text) == []


def test_a_document_of_only_numbers_gives_no_claims_and_no_error(nlp):
    assert claims(nlp, "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15") == []


def test_normalisation_from_an_edited_span(nlp):
    """An annotator who widens or relabels a span gets values recomputed from the span's tokens."""
    doc = nlp("Officials said some 6,300 kilograms of cocaine hydrochloride were seized.")
    span = doc.char_span(doc.text.index("some"), doc.text.index(" of cocaine"))
    claim = normalize_claim(span, "QUANTITY")
    assert (claim.value, claim.unit, claim.approx) == (6300, "kilogram", "some")
    relabelled = normalize_claim(doc.char_span(doc.text.index("6,300"), doc.text.index(" of cocaine")), "COUNT")
    assert (relabelled.value, relabelled.unit) == (6300, "kilogram")


def test_percent_range_with_the_sign_on_both_ends(nlp):
    claim = one(nlp, "Prices rose between 10% and 20% last year.")
    assert (claim.text, claim.low, claim.high, claim.value, claim.unit) == (
        "between 10% and 20%",
        10,
        20,
        20,
        "percent",
    )


def test_change_to_a_bounded_end_point(nlp):
    claim = one(nlp, "Registered growers will drop from 14,300 to less than 12,000 by 2026.")
    assert (claim.text, claim.from_, claim.to, claim.approx, claim.unit) == (
        "from 14,300 to less than 12,000",
        14300,
        12000,
        "less than",
        "grower",
    )


def test_plural_noun_mistagged_as_a_verb_after_a_number(nlp):
    found = claims(nlp, "The riot at the largest prison left 31 inmates dead and 14 wounded, officials said.")
    assert found == [("31 inmates", "COUNT", 31, "inmate"), ("14", "COUNT", 14, "inmate")]


def test_hyphenated_square_unit(nlp):
    assert claims(nlp, "It covers a 112,000-square-kilometre zone.") == [
        ("112,000-square-kilometre", "QUANTITY", 112000, "square kilometre")
    ]


def test_one_in_five_of_a_measure_is_a_share(nlp):
    claim = one(nlp, "Roughly one in five hectares of coca lies inside a park.")
    assert (claim.text, claim.label, claim.value) == ("Roughly one in five", "PERCENT", 20)


def test_a_trained_span_categorizer_adds_claims_the_rules_miss_and_the_rules_keep_theirs(nlp):
    """What `preannotate --model` does with a trained pipeline's claim spans (doc.spans["claims"],
    as spancat_singlelabel leaves them): rule claims stay, a model span overlapping one is dropped,
    others are added with source "model", the model's score, and the normaliser's value and unit."""
    import numpy
    from spacy.tokens import Span, SpanGroup

    from pipeline.nlp.claims import CLAIM_KEY, ClaimFinder

    doc = nlp("Police seized 300 kilograms of cocaine and arrested a handful of smugglers.")
    rules = [c.text for c in find_claims(doc)]
    assert rules == ["300 kilograms"]
    words = [t.text for t in doc]
    seized, handful = words.index("300"), words.index("handful")
    doc.spans["claims"] = SpanGroup(
        doc,
        name="claims",
        spans=[
            Span(doc, seized, seized + 4, label="QUANTITY"),  # overlaps the rule claim: the rule's stays
            Span(doc, handful - 1, handful + 3, label="COUNT"),  # "a handful of smugglers": the rules miss it
        ],
        attrs={"scores": numpy.array([[0.9], [0.8]])},
    )
    found = ClaimFinder("claims")(doc).user_data[CLAIM_KEY]
    assert [(c["text"], c["source"]) for c in found] == [
        ("300 kilograms", "claims"),
        ("a handful of smugglers", "model"),
    ]
    learnt = found[1]
    assert learnt["score"] == 0.8 and learnt["label"] == "COUNT" and learnt["unit"] == "smuggler", learnt
    assert ClaimFinder(None)(doc).user_data[CLAIM_KEY] == found[:1]  # the base model: rules only
