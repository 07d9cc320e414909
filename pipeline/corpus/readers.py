"""Readers for the input formats: wire-story .txt, .html/.xhtml/.xml pages (via trafilatura) and .jsonl.

Each reader yields ``Article`` records, or ``InputError``s for the parts it refuses (a bad JSONL
line is reported and the rest of the file still read). Texts are returned normalised: BOM removed,
CRLF and CR turned into LF, Unicode NFC.

A document's date comes only from where a publisher states it: the dateline, the file name (to
complete a dateline without a year), the page's metadata, or the JSONL ``date`` field; never from
years mentioned in the text.
"""

from __future__ import annotations

import codecs
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from pipeline.errors import InputError

SUFFIXES = {
    ".txt": "wire",
    ".text": "wire",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "html",
    ".jsonl": "jsonl",
}
_BINARY_SNIFF_BYTES = 8192

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = rf"(?i:(?:{'|'.join(_MONTHS)})[a-z]*)\.?"  # "Jul", "July", "Sept.", "JAN"
# "Valle de los Ríos Apurímac, Ene and Mantaro, Peru, Jul 4 (EFE).- ", "LIMA, Peru (AP) — ",
# "LIMA, Jan 12, 2023 (AP) — " or "SAN SALVADOR, 8 JAN 90 (RADIO VENCEREMOS) -- "
DATELINE = re.compile(
    rf"""(?P<place>[^\n()]{{2,200}}?)
         (?:,\s+(?P<date>(?:{_MONTH}\s+\d{{1,2}}|\d{{1,2}}\s+{_MONTH})(?:,?\s+(?P<year>\d{{4}}|\d{{2}}))?))?
         \s*\((?P<agency>[^()\n]{{1,40}})\)\s*\.?\s*[-–—]+\s*""",
    re.VERBOSE,
)
# Two-digit years (old wire archives: "8 JAN 90") are 1950-2049, as RFC 5280 reads them: a fixed
# pivot, so a document's date never depends on the day it was ingested.
_TWO_DIGIT_YEAR_PIVOT = 50
BYLINE = re.compile(r"By\s+(?P<name>\S.*)", re.IGNORECASE)
_FILENAME_DATE = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_MAX_HEADER_CHARS = 300
_MAX_HEADER_PARAGRAPHS = 8


@dataclass
class Article:
    """A parsed input document, before it gets an id."""

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    line: int | None = None

    def location(self) -> str:
        source = self.meta.get("source_path", "?")
        return f"{source}:{self.line}" if self.line is not None else str(source)


def normalize_text(text: str) -> str:
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text)


def read_file(path: Path, *, boilerplate: list[str]) -> Iterator[Article | InputError]:
    """Read one input file of a supported type."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(
            path, f"unsupported file type {path.suffix or '(none)'!r}; expected one of {', '.join(sorted(SUFFIXES))}"
        )
    if kind == "jsonl":
        yield from read_jsonl(path)
        return
    text = decode_file(path)
    if kind == "html":
        yield read_html(path, text, boilerplate=boilerplate)
    else:
        yield parse_wire(text, path=path, boilerplate=boilerplate)


def decode_file(path: Path) -> str:
    """The file's text, or an InputError naming the file (and line) for empty, binary or non-UTF-8 input."""
    data = path.read_bytes()
    encoding = wide_encoding(data)
    if encoding is not None:
        try:
            text = data.decode(encoding)  # the "-sig"-less codecs of Python drop the BOM themselves
        except UnicodeDecodeError as err:
            raise InputError(path, f"invalid {encoding.upper()} (at byte {err.start})") from None
        if not text.strip():
            raise InputError(path, "empty file")
        return normalize_text(text)
    if not data.strip():
        raise InputError(path, "empty file")
    nul = data.find(b"\x00", 0, _BINARY_SNIFF_BYTES)
    if nul != -1:
        raise InputError(path, f"binary file (NUL byte at offset {nul}), not text")
    try:
        return normalize_text(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise _utf8_error(path, data, err) from None


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def wide_encoding(data: bytes) -> str | None:
    """ "utf-16" or "utf-32" for text that starts with that byte-order mark (UTF-32's first, as its
    little-endian mark begins with UTF-16's), else None."""
    return next((encoding for bom, encoding in _WIDE_BOMS if data.startswith(bom)), None)


def _utf8_error(path: Path, data: bytes, err: UnicodeDecodeError, first_line: int = 1) -> InputError:
    line = first_line + data.count(b"\n", 0, err.start)
    column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
    return InputError(path, f"invalid UTF-8 (byte 0x{data[err.start]:02x} at column {column})", line)


# -- wire stories -------------------------------------------------------------------------------


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the paragraphs of ``text``: runs of lines separated by blank lines."""
    spans, position = [], 0
    for separator in re.finditer(r"\n[ \t]*\n\s*", text):
        if text[position : separator.start()].strip():
            spans.append((position, separator.start()))
        position = separator.end()
    if text[position:].strip():
        spans.append((position, len(text.rstrip())))
    return spans


def parse_dateline(text: str, start: int = 0) -> re.Match | None:
    match = DATELINE.match(text, start)
    if (
        match is None
        or not match.group("agency").strip()
        or "\n" in match.group(0).rstrip()
        or not looks_like_place(match.group("place"))
    ):
        return None
    return match


# Lower-case words a place name may hold ("Valle de los Ríos Apurímac, Ene and Mantaro").
_PLACE_GLUE = {
    "de",
    "del",
    "la",
    "las",
    "los",
    "el",
    "y",
    "e",
    "and",
    "of",
    "the",
    "da",
    "das",
    "do",
    "dos",
    "di",
    "du",
    "des",
    "le",
    "les",
    "sur",
    "on",
    "upon",
    "am",
    "an",
    "der",
    "den",
    "van",
    "von",
    "al",
}
_MAX_PLACE_WORDS = 12


def looks_like_place(place: str) -> bool:
    """A dateline's place is a few capitalised words (with "de", "and" between), no digit and no
    currency sign: "The demand for $280bn (£155bn) - filed by ..." opens a body, not a dateline."""
    words = re.findall(r"[^\s,]+", place)
    if not words or len(words) > _MAX_PLACE_WORDS or any(c.isdigit() or unicodedata.category(c) == "Sc" for c in place):
        return False
    return words[0][0].isupper() and all(w[0].isupper() or w in _PLACE_GLUE for w in words)


def dateline_meta(match: re.Match, *, path: Path | None = None) -> dict[str, Any]:
    written = match.group("date")
    meta: dict[str, Any] = {
        "place": match.group("place").strip(),
        "agency": match.group("agency").strip(),
        "date": written,
    }
    if written:
        meta["date_iso"] = _iso_from_dateline(written, match.group("year"), path)
    return meta


def _iso_from_dateline(written: str, year: str | None, path: Path | None) -> str | None:
    """ISO date of "Jul 4" or "8 JAN 90" when the year is known: written in the dateline, or a date
    in the file name (``efe-2022-07-04-....txt``) whose month and day agree with the dateline."""
    month = _MONTHS.index(re.search(r"[A-Za-z]{3}", written).group().lower()) + 1
    day = int(re.search(r"\d{1,2}", written).group())  # the day comes before the year in both orders
    if year:
        full_year = int(year)
        if len(year) == 2:
            full_year += 1900 if full_year >= _TWO_DIGIT_YEAR_PIVOT else 2000
        return _iso_or_none(full_year, month, day)
    if path is not None:
        for found in _FILENAME_DATE.finditer(path.name):
            y, m, d = (int(part) for part in found.groups())
            if (m, d) == (month, day):
                return _iso_or_none(y, m, d)
    return None


def _iso_or_none(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:  # "31 FEB 90"
        return None


def strip_trailing_boilerplate(body: str, boilerplate: list[str], agency: str | None) -> tuple[str, list[str]]:
    """Remove page furniture lines and a trailing agency sign-off ("...trafficking.”EFE") from the end."""
    stripped: list[str] = []
    furniture = {line.casefold() for line in boilerplate}
    body = body.rstrip()
    while True:
        last_break = body.rfind("\n")
        last_line = body[last_break + 1 :].strip()
        if last_line.casefold() in furniture:
            stripped.insert(0, last_line)
            body = body[: max(last_break, 0)].rstrip()
        else:
            break
    if agency:
        sign_off = re.search(rf"(?:(?<=[.!?”\"’)\]])|\n)\s*\(?{re.escape(agency)}\)?$", body, re.IGNORECASE)
        if sign_off:
            stripped.insert(0, sign_off.group(0).strip())
            body = body[: sign_off.start()].rstrip()
    return body, stripped


def parse_wire(text: str, *, path: Path, boilerplate: list[str]) -> Article:
    """A wire story: section, headline, "By ..." byline, then a dateline opening the body.

    Text without a dateline in its first paragraphs is plain text: the whole of it is the body.
    """
    text = text.strip()
    paragraphs = paragraph_spans(text)
    meta: dict[str, Any] = {"source_path": str(path)}
    for number, (start, _end) in enumerate(paragraphs[:_MAX_HEADER_PARAGRAPHS]):
        dateline = parse_dateline(text, start)
        if dateline:
            header = [text[s:e].strip() for s, e in paragraphs[:number]]
            if all(len(p) <= _MAX_HEADER_CHARS for p in header):
                break
    else:
        return Article(text=text, meta=meta)
    titles = []
    for paragraph in header:
        byline = BYLINE.fullmatch(paragraph)
        if byline and "byline" not in meta:
            meta["byline"] = byline.group("name").strip()
        else:
            titles.append(paragraph)
    if titles:
        meta["headline"] = titles[-1]
    if len(titles) >= 2:
        meta["section"] = titles[0]
    meta.update(dateline_meta(dateline, path=path))
    body, stripped = strip_trailing_boilerplate(text[start:], boilerplate, meta.get("agency"))
    if stripped:
        meta["stripped"] = stripped
    return Article(text=body, meta=meta)


# -- HTML ---------------------------------------------------------------------------------------


def read_html(path: Path, html: str, *, boilerplate: list[str]) -> Article:
    import trafilatura  # slow to import; only HTML needs it

    tree = trafilatura.load_html(html)
    if tree is None:
        raise InputError(path, "not an HTML page")
    written_date = page_date(tree)
    # trafilatura's own date (htmldate) falls back to any year in the body ("in 2003 the company..."
    # gave 2003-01-01), so it is not used; its cheapest search is asked for.
    extracted = trafilatura.bare_extraction(
        tree,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        date_extraction_params={"extensive_search": False, "original_date": True},
    )
    text = normalize_text(extracted.text or "").strip() if extracted is not None else ""
    if not text:
        raise InputError(path, "no article text found in the page")
    meta: dict[str, Any] = {"source_path": str(path)}
    for key, value in (
        ("headline", extracted.title),
        ("byline", extracted.author),
        ("source", extracted.sitename),
        ("url", extracted.url),
        ("date", written_date),
    ):
        if value:
            meta[key] = value
    if extracted.categories:
        meta["section"] = ", ".join(extracted.categories)
    if "date" in meta:
        meta["date_iso"] = _iso_date(meta["date"])
    text = _drop_html_header(text, meta)
    dateline = parse_dateline(text)
    if dateline:
        meta.update({k: v for k, v in dateline_meta(dateline, path=path).items() if v and k not in meta})
    body, stripped = strip_trailing_boilerplate(text, boilerplate, meta.get("agency"))
    if stripped:
        meta["stripped"] = stripped
    return Article(text=body, meta=meta)


# <meta> names, properties and itemprops that state when a page was published, most specific first;
# the modification dates only when there is none of these.
_PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "og:article:published_time",
    "datepublished",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "dcterms.date",
    "dc.date.created",
    "dcterms.created",
    "pubdate",
    "publishdate",
    "date",
)
_MODIFIED_META = ("article:modified_time", "og:updated_time", "og:modified_time", "datemodified", "dcterms.modified")
# <time datetime> in an article's or the page's <header>, or marked as the publication date
_HEADER_TIME = "//header//time[@datetime] | //time[@itemprop='datePublished'][@datetime] | //time[@pubdate][@datetime]"


def page_date(tree) -> str | None:
    """The date the page's metadata gives, as written: ``<meta>`` tags, JSON-LD ``datePublished``,
    or a ``<time datetime>`` in the header; the first that reads as a full date."""
    stated: dict[str, str] = {}
    for element in tree.iter("meta"):
        key = (element.get("property") or element.get("name") or element.get("itemprop") or "").strip().lower()
        content = (element.get("content") or "").strip()
        if key and content:
            stated.setdefault(key, content)
    candidates = itertools.chain(
        (stated.get(key) for key in _PUBLISHED_META),
        _json_ld_values(tree, "datePublished"),
        (element.get("datetime") for element in tree.xpath(_HEADER_TIME)),
        (stated.get(key) for key in _MODIFIED_META),
        _json_ld_values(tree, "dateModified"),
    )
    return next((written.strip() for written in candidates if written and _iso_date(written)), None)


def _json_ld_values(tree, key: str) -> Iterator[str]:
    """The string values of ``key`` anywhere in the page's JSON-LD blocks (``@graph``s and lists too)."""
    for script in tree.xpath("//script[@type='application/ld+json']"):
        try:
            pending = [orjson.loads(script.text or "")]
        except orjson.JSONDecodeError:
            continue
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                if isinstance(item.get(key), str):
                    yield item[key]
                pending.extend(reversed(item.values()))
            elif isinstance(item, list):
                pending.extend(reversed(item))


def _drop_html_header(text: str, meta: dict[str, Any]) -> str:
    """Extracted text often repeats the headline (the <h1>) before the dateline or first paragraph:
    the body starts at a dateline in its first lines, else after a first line that is the title."""
    starts = [0] + [m.end() for m in re.finditer("\n", text[:2000])][:_MAX_HEADER_PARAGRAPHS]
    for start in starts[1:]:
        if parse_dateline(text, start) and all(len(line) <= _MAX_HEADER_CHARS for line in text[:start].splitlines()):
            return text[start:]
    first_line, _, rest = text.partition("\n")
    title = (meta.get("headline") or "").casefold()
    if rest.strip() and first_line.strip() and title.startswith(first_line.strip().casefold()):
        return rest.lstrip()
    return text


# -- JSONL --------------------------------------------------------------------------------------

_JSONL_META = {
    "headline": "headline",
    "title": "headline",
    "byline": "byline",
    "author": "byline",
    "date": "date",
    "source": "source",
    "url": "url",
    "section": "section",
    "place": "place",
    "agency": "agency",
}


def read_jsonl(path: Path) -> Iterator[Article | InputError]:
    """One article per line; a bad line is yielded as an InputError and reading goes on."""
    seen_content = False
    with path.open("rb") as handle:
        encoding = wide_encoding(handle.read(4))
        if encoding is not None:
            raise InputError(
                path,
                f"{encoding.upper()} text; JSON Lines is UTF-8: convert it first "
                f"(iconv -f {encoding.upper()} -t UTF-8)",
            )
        handle.seek(0)
        nul = handle.read(_BINARY_SNIFF_BYTES).find(b"\x00")
        if nul != -1:
            raise InputError(path, f"binary file (NUL byte at offset {nul}), not text")
        handle.seek(0)
        for line_number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            seen_content = True
            # parsed from the bytes (orjson checks the UTF-8), not from a decoded copy: a 50 MB line
            # would be held three times over; the line is let go of before its article is used
            start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
            end = len(raw) - (2 if raw.endswith(b"\r\n") else 1 if raw.endswith(b"\n") else 0)
            item = _jsonl_item(path, line_number, memoryview(raw)[start:end])
            del raw
            yield item
    if not seen_content:
        raise InputError(path, "empty file")


def _jsonl_item(path: Path, line_number: int, raw: memoryview) -> Article | InputError:
    try:
        return _jsonl_article(path, line_number, orjson.loads(raw))
    except orjson.JSONDecodeError as err:
        try:
            codecs.decode(raw, "utf-8")
        except UnicodeDecodeError as utf8:
            return _utf8_error(path, bytes(raw), utf8, first_line=line_number)
        return InputError(path, f"malformed JSON ({err.msg} at column {err.colno})", line_number)
    except InputError as err:
        return err


def _jsonl_article(path: Path, line_number: int, record: Any) -> Article:
    if not isinstance(record, dict):
        raise InputError(path, f"expected a JSON object, got {type(record).__name__}", line_number)
    text = record.get("text")
    if text is None:
        raise InputError(path, "record has no 'text' field", line_number)
    if not isinstance(text, str):
        raise InputError(path, f"'text' must be a string, got {type(text).__name__}", line_number)
    text = normalize_text(text).strip()
    if not text:
        raise InputError(path, "'text' is empty", line_number)
    meta: dict[str, Any] = {"source_path": str(path)}
    extra = {}
    for key, value in record.items():
        if key == "text":
            continue
        if key in _JSONL_META and value not in (None, ""):
            meta.setdefault(_JSONL_META[key], normalize_text(str(value)))
        elif key == "id" and value not in (None, ""):
            meta["external_id"] = str(value)
        elif key not in _JSONL_META:
            extra[key] = value
    if extra:
        meta["extra"] = extra
    if "date" in meta:
        meta["date_iso"] = _iso_date(meta["date"])
    dateline = parse_dateline(text)
    if dateline:
        for key, value in dateline_meta(dateline).items():
            if value:
                meta.setdefault(key, value)
    return Article(text=text, meta=meta, line=line_number)


def _iso_date(written: str) -> str | None:
    """ISO form of a date given with its year ("2022-07-04", "4 July 2022", "Jul 4, 2022")."""
    try:
        return datetime.fromisoformat(written.strip().replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    import dateparser  # slow to import; most dates are ISO

    parsed = dateparser.parse(written, languages=["en", "es"], settings={"REQUIRE_PARTS": ["day", "month", "year"]})
    return parsed.date().isoformat() if parsed else None
