from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import parse_wire, read_file

BOILERPLATE = ["Related Articles", "Back to top button"]


def _one(path: Path):
    items = list(read_file(path, boilerplate=BOILERPLATE))
    assert len(items) == 1
    return items[0]


def test_wire_article_metadata(seed_path):
    article = _one(seed_path)
    assert article.meta["section"] == "Crime & Justice"
    assert article.meta["headline"] == "The ghost of Shining Path and its ties to Peruvian drug-trafficking"
    assert article.meta["byline"] == "Carla Samon Ros"
    assert article.meta["place"] == "Valle de los Ríos Apurímac, Ene and Mantaro, Peru"
    assert article.meta["date"] == "Jul 4"
    assert article.meta["date_iso"] == "2022-07-04"  # the year comes from the file name's date
    assert article.meta["agency"] == "EFE"
    assert article.meta["stripped"] == ["EFE", "Related Articles", "Back to top button"]


def test_wire_body_is_kept_exactly(seed_path, seed_text):
    body = _one(seed_path).text
    assert body.startswith("Valle de los Ríos Apurímac, Ene and Mantaro, Peru, Jul 4 (EFE).- A massacre")
    assert body.endswith("“The economy is fed by illegal drug trafficking.”")
    assert body in seed_text  # not re-flowed, not re-spaced
    assert "Related Articles" not in body and "Back to top" not in body


def test_dateline_without_year_and_no_date_in_file_name(tmp_path, seed_text):
    path = tmp_path / "story.txt"
    path.write_text(seed_text, encoding="utf-8")
    meta = _one(path).meta
    assert meta["date"] == "Jul 4" and meta["date_iso"] is None


def test_dateline_with_year_and_other_agency(tmp_path):
    text = "World\n\nFloods hit the north\n\nBy Ana Pérez\n\nLIMA, Jan 12, 2023 (AP) — Rains killed 20 people.\n\nMore text.\n\nAP"
    article = parse_wire(text, path=tmp_path / "x.txt", boilerplate=BOILERPLATE)
    assert article.meta["place"] == "LIMA"
    assert article.meta["date_iso"] == "2023-01-12"
    assert article.meta["agency"] == "AP"
    assert article.meta["byline"] == "Ana Pérez"
    assert article.text == "LIMA, Jan 12, 2023 (AP) — Rains killed 20 people.\n\nMore text."


def test_plain_text_is_body_only(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Just a paragraph about 3 things.\n\nAnd another one.\n", encoding="utf-8")
    article = _one(path)
    assert article.text == "Just a paragraph about 3 things.\n\nAnd another one."
    assert set(article.meta) == {"source_path"}


def test_bom_crlf_and_nfd_are_normalised(tmp_path, seed_path):
    nfc = _one(seed_path).text
    import unicodedata

    raw = seed_path.read_text(encoding="utf-8")
    path = tmp_path / "efe-2022-07-04-windows.txt"
    path.write_bytes(b"\xef\xbb\xbf" + unicodedata.normalize("NFD", raw).replace("\n", "\r\n").encode("utf-8"))
    article = _one(path)
    assert article.text == nfc
    assert article.meta["byline"] == "Carla Samon Ros"


def test_html_article_through_trafilatura(tmp_path, seed_path):
    body = _one(seed_path).text
    paragraphs = "".join(f"<p>{p}</p>\n" for p in body.split("\n\n"))
    html = f"""<!doctype html><html><head><title>The ghost of Shining Path | Agencia EFE</title>
    <meta name="author" content="Carla Samon Ros"><meta property="og:site_name" content="Agencia EFE">
    <meta property="article:published_time" content="2022-07-04T10:00:00Z"></head>
    <body><nav><a href="/">Home</a> <a href="/crime">Crime</a></nav>
    <article><h1>The ghost of Shining Path</h1>{paragraphs}</article>
    <footer>Related Articles</footer></body></html>"""
    path = tmp_path / "article.html"
    path.write_text(html, encoding="utf-8")
    article = _one(path)
    assert article.meta["byline"] == "Carla Samon Ros"
    assert article.meta["date_iso"] == "2022-07-04"
    assert article.meta["agency"] == "EFE"
    assert "Sixteen people were murdered" in article.text
    assert "Home" not in article.text


def test_jsonl_fields_and_per_line_errors(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(
        '{"id": "wire-1", "title": "Floods", "text": "Rains killed 20 people.", "date": "2023-01-12", "lang": "en"}\n'
        '{"text": "broken\n'
        '{"title": "no text here"}\n'
        '\n'
        '{"text": "Second story about 5 things.", "headline": "Two", "byline": "A. B."}\n',
        encoding="utf-8",
    )
    items = list(read_file(path, boilerplate=BOILERPLATE))
    articles = [i for i in items if not isinstance(i, InputError)]
    errors = [i for i in items if isinstance(i, InputError)]
    assert [a.meta.get("headline") for a in articles] == ["Floods", "Two"]
    assert articles[0].meta["external_id"] == "wire-1"
    assert articles[0].meta["date_iso"] == "2023-01-12"
    assert articles[0].meta["extra"] == {"lang": "en"}
    assert [(e.line, e.reason.split(" (")[0]) for e in errors] == [(2, "malformed JSON"), (3, "record has no 'text' field")]
    assert str(errors[0]).startswith(f"[E001] {path}:2: malformed JSON")


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"line one\nline two caf\xe9\n", "invalid UTF-8 (byte 0xe9 at column 13)"),
    ],
)
def test_unreadable_text_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        list(read_file(path, boilerplate=BOILERPLATE))
    assert message in str(caught.value)
    if "UTF-8" in message:
        assert caught.value.line == 2


def test_unsupported_suffix(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="unsupported file type '.pdf'"):
        list(read_file(path, boilerplate=BOILERPLATE))
