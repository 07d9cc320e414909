"""The staging tools for public data (annotations/external/) and the committed real-news annotations."""

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL = ROOT / "annotations" / "external"
REALNEWS = ROOT / "annotations" / "realnews"
CLAIM_LABELS = {"COUNT", "QUANTITY", "MONEY", "PERCENT"}


def load(name: str):
    sys.path.insert(0, str(EXTERNAL))
    sys.path.insert(0, str(EXTERNAL.parent))
    try:
        spec = importlib.util.spec_from_file_location(name, EXTERNAL / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(EXTERNAL))
        sys.path.remove(str(EXTERNAL.parent))


def test_commodity_sentences_are_detokenised_with_token_offsets():
    stage = load("stage")
    words = [
        "Brent",
        "rose",
        "-LRB-",
        "Reuters",
        "-RRB-",
        "$",
        "1.50",
        "to",
        "USD91",
        ".52",
        "a",
        "barrel",
        ",",
        "or",
        "1.07",
        "%",
        ".",
    ]
    text, offsets = stage.detokenise(words)
    assert text == "Brent rose (Reuters) $1.50 to USD91.52 a barrel, or 1.07%."
    assert [text[s:e] for s, e in offsets][5:10] == ["$", "1.50", "to", "USD91", ".52"]


def test_a_reuters_story_is_read_from_its_sgml_file_with_the_wire_wraps_undone():
    sources = load("sources")
    raw = (
        b'<REUTERS TOPICS="YES" NEWID="7"><TEXT><TITLE>COCOA PRICES RISE</TITLE>'
        b"<DATELINE>    LONDON, March 2 - </DATELINE><BODY>Cocoa rose 12 stg\nto 1,400 stg a tonne.\n"
        b"    Traders said demand &lt;was> firm.\n Reuter\n&#3;</BODY></TEXT></REUTERS>"
    )
    title, text = sources.reuters_sgml(raw, "7")
    assert title == "COCOA PRICES RISE"
    assert text == (
        "COCOA PRICES RISE\n\nLONDON, March 2 - Cocoa rose 12 stg to 1,400 stg a tonne.\n\n"
        "Traders said demand <was> firm."
    )


def test_every_article_of_the_real_news_set_is_annotated_and_every_half_is_big_enough():
    articles = [json.loads(line) for line in (REALNEWS / "articles.jsonl").read_text().splitlines()]
    sources = load("sources").load_sources()
    halves = Counter()
    claims = 0
    for article in articles:
        assert article["source"] in sources and len(article["sha256"]) == 64
        path = REALNEWS / "claims" / f"{article['id']}.jsonl"
        assert path.exists(), f"{article['id']} has no annotations"
        halves[article["split"]] += 1
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            record = json.loads(line)
            assert record["label"] in CLAIM_LABELS, (path.name, number)
            assert isinstance(record["value"], (int, float)) and isinstance(record["unit"], str), (path.name, number)
            assert record["text"] and "left" in record, (path.name, number)
            claims += 1
    assert len(articles) >= 40 and claims >= 600
    assert set(halves) >= {"dev", "test"} and min(halves.values()) >= 20
    assert {a["desk"] for a in articles} >= {"business", "markets", "tech", "science", "crime", "politics"}


def test_every_source_names_a_repository_and_a_full_commit():
    for source in load("sources").load_sources().values():
        assert source.repo.count("/") == 1 and len(source.commit) == 40 and source.licence


def test_annotation_spans_do_not_start_or_end_with_a_space():
    for claims_file in sorted((REALNEWS / "claims").glob("*.jsonl")):
        for line in claims_file.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            assert text == text.strip(), claims_file.name


# -- readers of the entity sources, on small samples written here (not the real data) ---------------

CONLL_SAMPLE = b"""\
Acme NNP I-NP I-ORG
Tools NNP I-NP I-ORG
hired VBD I-VP O
Ann NNP I-NP I-PER
Lee NNP I-NP I-PER
Bo NNP I-NP B-PER
. . O O

OSLO NNP I-NP I-LOC
1997-01-02 CD I-NP O

-DOCSTART- -X- O O

Dutch JJ I-NP I-MISC
fans NNS I-NP O
left VBD I-VP O
Paris NNP I-NP I-LOC
Rome NNP I-NP B-LOC
. . O O

-DOCSTART- -X- O O
"""


def test_iob_tags_become_character_offsets_in_text_rebuilt_with_single_spaces():
    documents = load("sources").conll_iob(CONLL_SAMPLE)
    assert len(documents) == 2  # text before the first -DOCSTART- is a document; one at the end opens none
    first, second = documents
    assert first.text == "Acme Tools hired Ann Lee Bo .\nOSLO 1997-01-02"
    assert [(e["label"], e["text"]) for e in first.entities] == [
        ("ORG", "Acme Tools"),
        ("PER", "Ann Lee"),
        ("PER", "Bo"),
        ("LOC", "OSLO"),
    ]
    assert (first.sentences, first.tokens) == (2, 9)
    assert second.text == "Dutch fans left Paris Rome ."
    assert [(e["start"], e["end"], e["label"]) for e in second.entities] == [
        (0, 5, "MISC"),
        (16, 21, "LOC"),
        (22, 26, "LOC"),
    ]
    for document in documents:
        assert all(document.text[e["start"] : e["end"]] == e["text"] for e in document.entities)


def test_iob1_iob2_and_iobes_tags_give_the_same_entities():
    iob_spans = load("sources").iob_spans
    expected = [(0, 2, "ORG"), (2, 3, "ORG"), (4, 5, "PER")]
    assert iob_spans(["I-ORG", "I-ORG", "B-ORG", "O", "I-PER"]) == expected
    assert iob_spans(["B-ORG", "I-ORG", "B-ORG", "O", "B-PER"]) == expected
    assert iob_spans(["B-ORG", "E-ORG", "S-ORG", "O", "S-PER"]) == expected
    assert iob_spans(["I-ORG", "I-LOC"]) == [(0, 1, "ORG"), (1, 2, "LOC")]  # a change of type opens an entity
    with pytest.raises(ValueError):
        iob_spans(["X-ORG"])


def test_a_conll_line_without_a_tag_names_its_line():
    sources = load("sources")
    with pytest.raises(sources.SourceError, match="line 2"):
        sources.conll_iob(b"Acme NNP I-NP I-ORG\nlonely\n")


MUC3_PAGE = """<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/1999/xhtml" id="DEV-MUC3-9001">\
<head><meta name="DC.identifier" content="DEV-MUC3-9001"/><meta name="DC.date" content="1990-02-03"/>\
<meta name="DC.coverage" content="NOWHERE"/><title>DEV-MUC3-9001</title></head><body>\
<p>DEV-MUC3-9001 (TEST)</p><p>NOWHERE, 3 FEB 90 -- [TEXT] THE   EXAMPLE FRONT [XF] SAID IT HAD\
 OPENED A ROAD IN <span about="x">LOWER TOWN</span>.</p><p>NO ONE WAS HURT.</p></body></html>""".encode()

MUC_KEYS = """\
;;; a comment
0.  MESSAGE: ID                     DEV-MUC3-9001 (TEST)
1.  MESSAGE: TEMPLATE               1
9.  PERP: INDIVIDUAL ID             "MEN"
10. PERP: ORGANIZATION ID           "EXAMPLE FRONT" / "XF"
                                    ? "ROAD PARTY"
11. PERP: ORGANIZATION CONFIDENCE   REPORTED AS FACT: "EXAMPLE FRONT" / "XF"

0.  MESSAGE: ID                     DEV-MUC3-9001 (TEST)
1.  MESSAGE: TEMPLATE               2
10. PERP: ORGANIZATION ID           "XF"
                                    "ROAD PARTY"

0.  MESSAGE: ID                     DEV-MUC3-9002 (TEST)
1.  MESSAGE: TEMPLATE               *
10. PERP: ORGANIZATION ID           *

0.  MESSAGE: ID                     DEV-MUC3-9003 (TEST)
10. PERP: ORGANIZATION ID           -
"""


def test_a_muc3_report_is_its_paragraphs_without_the_id_line():
    report = load("sources").muc3_report(MUC3_PAGE)
    assert (report.id, report.date, report.coverage) == ("DEV-MUC3-9001", "1990-02-03", "NOWHERE")
    assert report.text == (
        "NOWHERE, 3 FEB 90 -- [TEXT] THE EXAMPLE FRONT [XF] SAID IT HAD OPENED A ROAD IN "
        "LOWER TOWN.\n\nNO ONE WAS HURT."
    )


def test_the_key_templates_give_each_report_its_perpetrator_organisations_once():
    sources = load("sources")
    found = sources.muc_key_organisations(MUC_KEYS)
    organisation = sources.KeyOrganisation
    # two templates name the same groups: merged, certain once any template is certain
    assert found == {
        "DEV-MUC3-9001": [organisation(("EXAMPLE FRONT", "XF")), organisation(("ROAD PARTY",))],
        "DEV-MUC3-9002": [],
        "DEV-MUC3-9003": [],
    }


def test_the_keys_are_read_from_the_distribution_tarball():
    import io
    import tarfile

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, text in (
            ("muc34/TASK/CORPORA/dev/key-dev-9001", MUC_KEYS),
            ("muc34/TASK/CORPORA/dev/._key-dev-9001", "x"),  # macOS resource forks are skipped
            ("muc34/TASK/CORPORA/dev/dev-muc3-9001", "0.  MESSAGE: ID   DEV-MUC3-9999\n"),
        ):
            data = text.encode()
            member = tarfile.TarInfo(name)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    found = load("sources").muc_keys_tgz(buffer.getvalue())
    assert sorted(found) == ["DEV-MUC3-9001", "DEV-MUC3-9002", "DEV-MUC3-9003"]


def test_a_key_name_is_found_in_the_text_as_whole_words_only():
    stage = load("stage")
    text = "THE XF AND THE XFRONT MET. XF."
    assert [(m["start"], m["end"]) for m in stage.mentions(text, "XF")] == [(4, 6), (27, 29)]


def test_a_bbc_story_becomes_a_page_and_a_jsonl_record_with_the_same_paragraphs():
    from html.parser import HTMLParser

    stage = load("stage")
    raw = b'Firms <win> & lose\n\nFirst paragraph, with "quotes".\n\nSecond  one.\n'
    page_id, page, record = stage.bbc_page("bbc/tech/007.txt", raw)
    assert page_id == "bbc-tech-007" and record["title"] == "Firms <win> & lose" and record["section"] == "tech"
    assert record["text"] == 'First paragraph, with "quotes".\n\nSecond one.'

    class Article(HTMLParser):
        """The <h1> and the <p>s inside <article>, not the page furniture around it."""

        def __init__(self):
            super().__init__()
            self.in_article, self.tag, self.heading, self.paragraphs = False, None, "", []

        def handle_starttag(self, tag, attrs):
            self.in_article |= tag == "article"
            self.tag = tag if self.in_article else None
            if self.tag == "p":
                self.paragraphs.append("")

        def handle_endtag(self, tag):
            self.in_article &= tag != "article"
            self.tag = None

        def handle_data(self, data):
            if self.tag == "p":
                self.paragraphs[-1] += data
            elif self.tag == "h1":
                self.heading += data

    parser = Article()
    parser.feed(page)
    assert parser.heading == record["title"]
    assert parser.paragraphs == record["text"].split("\n\n")


def test_the_entity_sources_record_their_paths():
    sources = load("sources").load_sources()
    for name in ("conll2003", "muc3", "muc34keys"):
        assert sources[name].paths, name
    assert any(path.endswith(".testb") for path in sources["conll2003"].paths)
