from pathlib import Path

import pytest

from pipeline.corpus.readers import parse_wire, read_file
from pipeline.errors import InputError

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
    text = (
        "World\n\nFloods hit the north\n\nBy Ana Pérez\n\nLIMA, Jan 12, 2023 (AP) — Rains killed 20 people."
        "\n\nMore text.\n\nAP"
    )
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


ACME_BODY = (
    "<p>In 2003 the company opened its first shop in the old town, and its sales have grown every year "
    "since then.</p>\n<p>By 1998 it had been a small family business with a dozen employees, its founder "
    "said on Monday.</p>\n"
)


def _page(head: str = "", header: str = "") -> str:
    return (
        f"<!doctype html><html><head><title>Acme grows</title>{head}</head><body>{header}"
        f"<article><h1>Acme grows</h1>\n{ACME_BODY}</article></body></html>"
    )


def _html_article(tmp_path: Path, html: str, name: str = "acme.html"):
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return _one(path)


def test_html_without_a_date_gets_none_from_years_in_its_body(tmp_path):
    article = _html_article(tmp_path, _page(header='<p>Seen <time datetime="2003-02-01">then</time></p>'))
    assert "In 2003 the company" in article.text
    assert "date" not in article.meta and "date_iso" not in article.meta


@pytest.mark.parametrize(
    "head, header, written",
    [
        ('<meta name="DC.date" content="2004-05-06">', "", "2004-05-06"),
        ('<meta name="DC.date.issued" content="6 May 2004">', "", "6 May 2004"),
        (
            '<meta property="article:published_time" content="2004-05-06T23:30:00-05:00">',
            "",
            "2004-05-06T23:30:00-05:00",
        ),
        ('<meta property="og:published_time" content="2004-05-06T08:00:00Z">', "", "2004-05-06T08:00:00Z"),
        ('<meta property="og:updated_time" content="2004-05-06">', "", "2004-05-06"),
        (
            '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "WebPage"}, '
            '{"@type": "NewsArticle", "datePublished": "2004-05-06T08:00:00Z", "dateModified": "2004-06-01"}]}'
            "</script>",
            "",
            "2004-05-06T08:00:00Z",
        ),
        ("", '<header><time datetime="2004-05-06">6 May</time></header>', "2004-05-06"),
        # a published date is preferred to a modified one, and a year alone is not a date
        (
            '<meta property="og:updated_time" content="2004-06-01"><meta name="date" content="2003">'
            '<meta property="article:published_time" content="2004-05-06">',
            "",
            "2004-05-06",
        ),
    ],
)
def test_html_date_comes_from_the_page_metadata(tmp_path, head, header, written):
    article = _html_article(tmp_path, _page(head, header))
    assert article.meta["date"] == written
    assert article.meta["date_iso"] == "2004-05-06"


@pytest.mark.parametrize("name", ["acme.xhtml", "acme.xml"])
def test_xhtml_and_xml_pages_are_read_like_html(tmp_path, name):
    xhtml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head>'
        '<title>Acme grows</title><meta name="DC.date.issued" content="2004-05-06"/></head><body>'
        f"<article><h1>Acme grows</h1>\n{ACME_BODY}</article></body></html>"
    )
    article = _html_article(tmp_path, xhtml, name)
    assert article.meta["headline"] == "Acme grows" and article.meta["date_iso"] == "2004-05-06"
    assert "In 2003 the company" in article.text and "<p>" not in article.text


def test_xml_that_is_not_a_page_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text(
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title><item><title>Port '
        "reopens</title></item></channel></rss>\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="feed.xml: not an HTML page"):
        list(read_file(path, boilerplate=BOILERPLATE))


@pytest.mark.parametrize(
    "opening, place, agency, written, iso",
    [
        ("SAN SALVADOR, 8 JAN 90 (RADIO VENCEREMOS) -- ", "SAN SALVADOR", "RADIO VENCEREMOS", "8 JAN 90", "1990-01-08"),
        ("CLANDESTINE, 8 JAN 90 (RADIO VENCEREMOS) -- ", "CLANDESTINE", "RADIO VENCEREMOS", "8 JAN 90", "1990-01-08"),
        ("BOGOTA, 3 April 1990 (INRAVISION) -- ", "BOGOTA", "INRAVISION", "3 April 1990", "1990-04-03"),
        ("LIMA, 1 MAR 50 (EFE) -- ", "LIMA", "EFE", "1 MAR 50", "1950-03-01"),  # two-digit years: 50-99 are 19xx
        ("LIMA, 12 MAR 49 (EFE) -- ", "LIMA", "EFE", "12 MAR 49", "2049-03-12"),  # 00-49 are 20xx
        ("LIMA, 31 FEB 90 (EFE) -- ", "LIMA", "EFE", "31 FEB 90", None),
        ("LIMA, Sept. 4, 2022 (AP) — ", "LIMA", "AP", "Sept. 4, 2022", "2022-09-04"),
        ("LIMA, Jul 4 (EFE).- ", "LIMA", "EFE", "Jul 4", None),
        ("WASHINGTON (Reuters) - ", "WASHINGTON", "Reuters", None, None),
    ],
)
def test_datelines_give_place_agency_and_date(tmp_path, opening, place, agency, written, iso):
    text = f"Rebels\n\n{opening}THE ARMED FORCES REPORTED 12 CLASHES IN THE NORTH.\n\nMore text."
    article = parse_wire(text, path=tmp_path / "story.txt", boilerplate=BOILERPLATE)
    assert (article.meta["place"], article.meta["agency"], article.meta["date"]) == (place, agency, written)
    assert article.meta.get("date_iso") == iso
    assert article.text.startswith(opening)


@pytest.mark.parametrize(
    "line",
    [
        "The offer of $45m (€41m) - made by the board in March - was turned down.",
        "Talks on the 2031 budget (the third round) - held behind closed doors - ended late.",
        "a spokesman for the ministry (speaking on Tuesday) - who declined to be named - said no.",
    ],
)
def test_a_body_line_with_brackets_and_a_dash_is_no_dateline(tmp_path, line):
    """Regression (#10): a place must look like one (a few capitalised words, no digit, no currency);
    otherwise the headline and the first paragraph were dropped as a header."""
    text = (
        f"Board rejects takeover bid\n\nShareholders of a shipping firm lost a vote on Friday.\n\n{line}\n\nMore text."
    )
    article = parse_wire(text, path=tmp_path / "story.txt", boilerplate=BOILERPLATE)
    assert article.text == text
    assert "place" not in article.meta and "agency" not in article.meta


def test_an_html_body_line_with_brackets_and_a_dash_keeps_the_first_paragraph(tmp_path):
    page = (
        "<html><head><title>Court rejects tobacco claim</title></head><body><article>"
        "<h1>Court rejects tobacco claim</h1>"
        "<p>An appeal court has thrown out a government claim against the largest cigarette makers.</p>"
        "<p>The claim for $120bn (£66bn) - filed by the government in 2001 - had sought back profits.</p>"
        "<p>The companies welcomed the ruling, which the government may appeal.</p>"
        "</article></body></html>"
    )
    path = tmp_path / "court.html"
    path.write_text(page, encoding="utf-8")
    article = _one(path)
    assert article.text.startswith("An appeal court has thrown out")
    assert "place" not in article.meta and "agency" not in article.meta


def test_jsonl_fields_and_per_line_errors(tmp_path):
    path = tmp_path / "batch.jsonl"
    path.write_text(
        '{"id": "wire-1", "title": "Floods", "text": "Rains killed 20 people.", "date": "2023-01-12", "lang": "en"}\n'
        '{"text": "broken\n'
        '{"title": "no text here"}\n'
        "\n"
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
    assert [(e.line, e.reason.split(" (")[0]) for e in errors] == [
        (2, "malformed JSON"),
        (3, "record has no 'text' field"),
    ]
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


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.faults
def test_utf16_and_utf32_text_with_its_byte_order_mark_is_read(tmp_path, encoding):
    """Notepad's "Unicode" files: text, not "binary (NUL byte at offset 3)"."""
    import codecs

    bom = {
        "utf-16-le": codecs.BOM_UTF16_LE,
        "utf-16-be": codecs.BOM_UTF16_BE,
        "utf-32-le": codecs.BOM_UTF32_LE,
        "utf-32-be": codecs.BOM_UTF32_BE,
    }[encoding]
    path = tmp_path / "story.txt"
    path.write_bytes(bom + "Café owners in Zürich met on Monday.\r\n".encode(encoding))
    (article,) = read_file(path, boilerplate=BOILERPLATE)
    assert article.text == "Café owners in Zürich met on Monday."


@pytest.mark.faults
def test_jsonl_in_utf16_is_refused_naming_its_encoding(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_bytes('{"text": "Hello"}\n'.encode("utf-16"))  # Python writes the byte-order mark first
    with pytest.raises(InputError, match=r"feed\.jsonl: UTF-16 text; JSON Lines is UTF-8"):
        list(read_file(path, boilerplate=BOILERPLATE))
