"""The staging tools for public data (annotations/external/) and the committed real-news annotations."""

import importlib.util
import json
import sys
from pathlib import Path

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
    words = ["Brent", "rose", "-LRB-", "Reuters", "-RRB-", "$", "1.50", "to", "USD91", ".52", "a", "barrel", ",",
             "or", "1.07", "%", "."]
    text, offsets = stage.detokenise(words)
    assert text == "Brent rose (Reuters) $1.50 to USD91.52 a barrel, or 1.07%."
    assert [text[s:e] for s, e in offsets][5:10] == ["$", "1.50", "to", "USD91", ".52"]


def test_a_reuters_story_is_read_from_its_sgml_file_with_the_wire_wraps_undone():
    sources = load("sources")
    raw = (b'<REUTERS TOPICS="YES" NEWID="7"><TEXT><TITLE>COCOA PRICES RISE</TITLE>'
           b'<DATELINE>    LONDON, March 2 - </DATELINE><BODY>Cocoa rose 12 stg\nto 1,400 stg a tonne.\n'
           b'    Traders said demand &lt;was> firm.\n Reuter\n&#3;</BODY></TEXT></REUTERS>')
    title, text = sources.reuters_sgml(raw, "7")
    assert title == "COCOA PRICES RISE"
    assert text == ("COCOA PRICES RISE\n\nLONDON, March 2 - Cocoa rose 12 stg to 1,400 stg a tonne.\n\n"
                    "Traders said demand <was> firm.")


def test_every_article_of_the_real_news_set_is_annotated_and_both_halves_are_big_enough():
    articles = [json.loads(line) for line in (REALNEWS / "articles.jsonl").read_text().splitlines()]
    sources = load("sources").load_sources()
    halves = {"dev": 0, "test": 0}
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
    assert min(halves.values()) >= 20
    assert {a["desk"] for a in articles} >= {"business", "markets", "tech", "science", "crime", "politics"}


def test_every_source_names_a_repository_and_a_full_commit():
    for source in load("sources").load_sources().values():
        assert source.repo.count("/") == 1 and len(source.commit) == 40 and source.licence


def test_annotation_spans_do_not_start_or_end_with_a_space():
    for claims_file in sorted((REALNEWS / "claims").glob("*.jsonl")):
        for line in claims_file.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"]
            assert text == text.strip(), claims_file.name
