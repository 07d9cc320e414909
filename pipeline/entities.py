"""Entities: the statistical NER mapped to the schema, and the domain gazetteer, merged by one rule.

The rule: **where a gazetteer span and a model span overlap, the gazetteer span wins** (the model
span is dropped). Gazetteer patterns are decisions a user wrote down for this beat; the model's
guesses are generic. Spans of the same source never overlap (spaCy's ``filter_spans``: the longest
first).

Model spans are cleaned to the schema's span rules: no leading "the", no trailing punctuation or
possessive "'s", an acronym in brackets is its own span ("VRAEM Special Command (CEVRAEM)"), and a
single-token name must be tagged as a proper noun (the small model tags a sentence-initial
"Fingers" as PERSON). Each span's ``score`` is, for the gazetteer, 1.0; for the model, its published
precision for that label (``meta.json`` ``performance.ents_per_type``): spaCy's greedy NER gives no
per-span probability, and beam scoring costs more than the NER itself.
"""

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

MODEL_SOURCE = "model"
GAZETTEER_SOURCE = "gazetteer"
GAZETTEER_KEY = "gazetteer"
ENTITY_KEY = "newscorpus_entities"
# The OntoNotes labels of a base model that are schema entity labels (the others are claims or not kept).
SCHEMA_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE")
_NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT"}
_LEADING_DROP = {"the", "The", "THE"}
_TRAILING_DROP = {"'s", "’s", "'", "’", ",", ".", ";", ":", ")", "(", "-", "—", "–", "\"", "“", "”", "‘", "’"}
RULES_SOURCE = "rules"
PLACES_SOURCE = "places"
PLACES_KEY = "places"
PLACE_ID = "place-list"  # a country
SUBDIVISION_ID = "place-list:subdivision"  # a country's first-level subdivision
PLACE_SCORE = 0.9
DEFAULT_SCORE = 0.5
_MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "jan.", "feb.", "mar.", "apr.", "jun.", "jul.", "aug.", "sep.", "sept.", "oct.", "nov.", "dec."]
_DATE_WORDS = set(_MONTHS) | {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday",
    "tomorrow", "year", "years", "month", "months", "week", "weeks", "day", "days", "decade", "decades",
    "century", "centuries", "ago", "weekend", "season", "spring", "summer", "autumn", "fall", "winter",
    "quarter", "night", "morning", "evening", "era", "period", "annual", "now", "recently", "time"}
# Built-in rules: dates the small model misses in datelines ("Jul 4", "July 4, 2022"), and named
# operations, which the schema makes EVENT ("Operation Neptune").
BUILTIN_PATTERNS = [
    {"label": "EVENT", "id": "builtin:operation", "pattern": [{"ORTH": "Operation"}, {"IS_TITLE": True, "OP": "+"}]},
    {"label": "DATE", "id": "builtin:month-day", "pattern": [
        {"LOWER": {"IN": _MONTHS}, "IS_TITLE": True}, {"TEXT": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])$"}},
        {"TEXT": ",", "OP": "?"}, {"TEXT": {"REGEX": r"^(1[5-9]|20)\d\d$"}, "OP": "?"}]},
]


_DATELINE_PLACE = re.compile(r"(?P<city>[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .'-]+[A-ZÁÉÍÓÚÑ])(?:,\s+(?P<country>[A-Z][\w ]+?))?(?=(?:,\s+\w{3}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*\()")


def dateline_places(doc: Doc) -> list[Span]:
    """A wire dateline's city in capitals ("BOGOTA, Mar 3 (EFE).-") and its country are GPE."""
    match = _DATELINE_PLACE.match(doc.text)
    if match is None or doc.text.find("(", match.end()) > match.end() + 40:
        return []
    spans = []
    for group in ("city", "country"):
        if match.group(group):
            span = doc.char_span(match.start(group), match.end(group), label="GPE", alignment_mode="strict")
            if span is not None:
                span.id_ = "builtin:dateline"
                spans.append(span)
    return spans


def load_patterns(path: Path) -> list[dict[str, Any]]:
    """EntityRuler/SpanRuler JSONL patterns; an error names the file and line."""
    import orjson

    from pipeline.errors import InputError

    patterns = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                pattern = orjson.loads(line)
            except orjson.JSONDecodeError as err:
                raise InputError(path, f"malformed JSON ({err.msg})", number) from None
            if not isinstance(pattern, dict) or "label" not in pattern or "pattern" not in pattern:
                raise InputError(path, "a pattern needs 'label' and 'pattern'", number)
            patterns.append(pattern)
    return patterns


# First words of Spanish and Portuguese place names that the small model reads as people or groups.
TOPONYM_FIRST_WORDS = {"Villa": "LOC", "Isla": "LOC", "Islas": "LOC", "Tierra": "LOC", "Cerro": "LOC", "Valle": "LOC",
                       "Sierra": "LOC", "Laguna": "LOC", "Lago": "LOC", "Bahía": "LOC", "Playa": "LOC", "Cordillera": "LOC",
                       "Río": "LOC", "Puerto": "GPE", "Ciudad": "GPE", "San": "GPE", "Santa": "GPE", "Santo": "GPE"}
NATURAL_FEATURES = {"river", "rivers", "valley", "valleys", "lake", "lakes", "mountain", "mountains", "basin", "sea",
                    "gulf", "bay", "desert", "jungle", "forest", "plateau", "canyon", "delta", "peninsula", "range"}
_LOC_ENDINGS = ("National Park", "Nature Reserve", "Reserve", "Indigenous Territory", "Rainforest")
# Head nouns of a lowercase description of a body, which an acronym in brackets names:
# "national commission for development and life without drugs (Devida)".
BODY_NOUNS = {"commission", "directorate", "service", "programme", "program", "agency", "ministry", "office", "council",
              "unit", "police", "force", "forces", "court", "institute", "department", "secretariat", "committee",
              "authority", "bank", "company", "party", "group", "front", "army", "command", "board", "administration",
              "bureau", "federation", "association", "union", "organisation", "organization", "corporation", "fund",
              "network", "movement", "coalition", "alliance", "tribunal", "prosecutor", "registry", "superintendency"}
_DESCRIPTION_GLUE = {"of", "for", "and", "on", "against", "the"}
# Labels of the model's that name things the schema does not keep; a place inside one is no place.
_OTHER_NAME_LABELS = {"PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}
# Model labels of words that are no part of a place's longer name ("Spain Monday", "California Republican").
_NOT_NAME_PART = {"DATE", "TIME", "NORP", "GPE", "LOC", "FAC", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
# Titles and roles written after or before a place ("Gabon President Omar Bongo", "Former England midfielder").
TITLE_WORDS = {"President", "Prime", "Minister", "PM", "Premier", "Governor", "Gov", "Senator", "Sen", "Rep", "Mayor",
               "King", "Queen", "Prince", "Princess", "Emir", "Sheikh", "Sultan", "Chancellor", "Speaker", "Finance",
               "FinMin", "Foreign", "Defence", "Defense", "Interior", "Trade", "Justice", "Deputy", "Vice", "Chief",
               "General", "Gen", "Ambassador", "Secretary", "Attorney", "Cardinal", "Archbishop", "Bishop", "Former",
               "Ex", "Late", "Republican", "Democrat", "Democratic"}
# Words after a place below the country that make it a club or a company ("Porto coach", "Valencia fans").
TEAM_WORDS = {"club", "side", "team", "coach", "manager", "striker", "midfielder", "defender", "goalkeeper", "forward",
              "captain", "fans", "supporters", "shares", "stock", "shareholders", "chairman"}
# Last words of an organisation's name: a name ending in one is an organisation, even when it starts
# with a place ("Santa Cruz Operation", "Kenya Airways", "Dhaka Newsroom").
ORG_LAST_WORDS = {"Inc", "Inc.", "Corp", "Corp.", "Corporation", "Co", "Co.", "Company", "Ltd", "Ltd.", "Limited", "Plc",
                  "PLC", "plc", "LLC", "AG", "SA", "NV", "GmbH", "Group", "Holdings", "Operation", "Operations",
                  "Airways", "Airlines", "Industries", "Technologies", "Communications", "Telecom", "Bancorp",
                  "Newsroom", "Newsdesk", "University", "Institute", "Council", "Commission", "Committee", "Ministry",
                  "Agency", "Authority", "Association", "Federation", "Party", "Club", "FC"}
_CAMEL_CASE = re.compile(r"[A-Z]?[a-z]+[A-Z][A-Za-z]*")  # "TiVo", "eBay": read on NORP only, which "McDonald" never is
_NUMBER = re.compile(r"[+-]?\d[\d.,:/]*(?:st|nd|rd|th|s)?|[+-]?[.,]\d+")  # 2, 442,201, 13.52, 33rd, 1990s
_DASHES = {"-", "–", "—", "--"}
# Words that a number of a name follows ("Interstate 95", "Route 66", "Terminal 5", "Flight 370").
NUMBERED_WORDS = {"Interstate", "Interstates", "Route", "Highway", "Motorway", "Terminal", "Gate", "Pier", "Platform",
                  "Flight", "Camp", "Block", "Sector", "Zone", "Channel", "Radio", "Apollo", "No", "No.", "Number"}
# Lower-case words inside people's names ("Hicham El Guerrouj", "Aravinda de Silva").
NAME_PARTICLES = {"de", "del", "della", "di", "da", "dos", "das", "do", "van", "von", "der", "den", "le", "la", "al", "el",
                  "bin", "ibn", "ben", "mac", "y"}
# Words the small model leaves at the end of a name ("Sweeney Todd and", "Luc Bondy for").
_TRAILING_WORDS = {"and", "or", "for", "of", "in", "at", "on", "with", "to", "by", "from", "&"}
_DETERMINERS = {"the", "a", "an", "its", "their", "his", "her"}


def acronym_definitions(doc: Doc) -> list[Span]:
    """ORG spans for "lowercase description of a body (ACRONYM)": the description and the acronym."""
    spans = []
    for open_bracket in (t.i for t in doc if t.text == "("):
        if open_bracket + 2 >= len(doc) or doc[open_bracket + 2].text != ")":
            continue
        acronym = doc[open_bracket + 1]
        if not (2 <= len(acronym.text) <= 8 and acronym.text[0].isupper() and acronym.is_alpha):
            continue
        start = open_bracket
        while start > 0:
            token = doc[start - 1]
            if token.lower_ in _DETERMINERS and (start < 2 or doc[start - 2].lower_ not in _DESCRIPTION_GLUE - {"the"}):
                break
            if not (token.is_lower and (token.is_alpha or "-" in token.text)) and token.text != "-":
                break
            start -= 1
        while start < open_bracket and doc[start].lower_ in _DESCRIPTION_GLUE:
            start += 1
        description = doc[start:open_bracket]
        if 0 < len(description) <= 12 and any(t.lower_ in BODY_NOUNS for t in description):
            for piece in (description, doc[open_bracket + 1 : open_bracket + 2]):
                span = Span(doc, piece.start, piece.end, label="ORG")
                span.id_ = "builtin:acronym"
                spans.append(span)
    return spans


def _relabel(piece: Span) -> Span:
    """Place names the small model mislabels: "Villa Fátima" (PERSON), "the Orinoco river" (ORG); and
    names ending in an organisation's word, which are organisations ("Santa Cruz Operation", GPE)."""
    doc, label = piece.doc, piece.label_
    if len(piece) >= 2 and piece[-1].text in ORG_LAST_WORDS and label in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"):
        label = "ORG"
    elif label in ("PERSON", "ORG", "FAC") and len(piece) >= 2 and piece[0].text in TOPONYM_FIRST_WORDS:
        label = TOPONYM_FIRST_WORDS[piece[0].text]
    elif label in ("PERSON", "ORG", "FAC", "GPE") and piece.end < len(doc) and doc[piece.end].lower_ in NATURAL_FEATURES:
        label = "LOC"
    elif label in ("FAC", "ORG", "GPE") and piece.text.endswith(_LOC_ENDINGS):
        label = "LOC"
    elif label == "NORP" and len(piece) == 1 and _CAMEL_CASE.fullmatch(piece.text):
        label = "ORG"  # a brand written in camel case ("TiVo") is no nationality
    return piece if label == piece.label_ else Span(doc, piece.start, piece.end, label=label)


def _is_number(token) -> bool:
    return bool(_NUMBER.fullmatch(token.text))


def _breaks_name(token) -> bool:
    """A token that no name runs across: a figure or a score glued to a name by the small model
    ("Lazio 2-1", "Tendulkar 6-0-29-1", "Brentford 2 Gillingham 0"), or a blank line. A single line
    break is none: wire copy wraps its lines inside names."""
    doc = token.doc
    if _is_number(token) and token.i > 0 and doc[token.i - 1].text in NUMBERED_WORDS:
        return False  # "Interstate 95", "Terminal 5"
    if _is_number(token) or token.is_space and token.text.count("\n") > 1:
        return True
    if token.text in _DASHES:  # the dash of a score
        return any(0 <= i < len(doc) and _is_number(doc[i]) for i in (token.i - 1, token.i + 1))
    return False


def _name_parts(span: Span) -> list[tuple[int, int]]:
    """The span cut at the tokens no name runs across."""
    parts, start = [], span.start
    for token in span:
        if _breaks_name(token):
            parts.append((start, token.i))
            start = token.i + 1
    parts.append((start, span.end))
    return [(s, e) for s, e in parts if e > s]


def _initials_before(span: Span) -> bool:
    """Initials that the small model leaves out of a company's name ("RJ Reynolds Tobacco")."""
    if span.start == 0 or not span[0].is_title:
        return False
    before = span.doc[span.start - 1]
    return (before.is_upper and before.is_alpha and 2 <= len(before) <= 3 and before.whitespace_ == " "
            and not before.ent_type_ and not before.is_stop and not span[0].is_sent_start)


def clean_model_span(span: Span) -> list[Span]:
    """The span(s) the schema wants for one model entity."""
    doc, start, end = span.doc, span.start, span.end
    parts: list[tuple[int, int]] = []
    open_bracket = next((t.i for t in span if t.text == "("), None)
    if open_bracket is not None and span.label_ in ("ORG", "GPE", "LOC", "FAC", "PERSON", "EVENT"):
        close = next((t.i for t in doc[open_bracket:min(end + 1, len(doc))] if t.text == ")"), end)
        parts = [(start, open_bracket), (open_bracket + 1, min(close, end))]
    else:
        parts = [(start, end)]
    if span.label_ in _NAME_LABELS | _OTHER_NAME_LABELS | {"NORP"}:
        parts = [piece for s, e in parts for piece in _name_parts(doc[s:e])]
    if span.label_ == "ORG" and parts and parts[0][0] == start and _initials_before(span):
        parts[0] = (start - 1, parts[0][1])
    cleaned = []
    for s, e in parts:
        while s < e and (doc[s].text in _LEADING_DROP or doc[s].is_space or doc[s].text in ("(", "“", "\"", "‘")):
            s += 1
        while e > s and (doc[e - 1].text in _TRAILING_DROP or doc[e - 1].is_space or doc[e - 1].tag_ == "POS"
                         or doc[e - 1].lower_ in _TRAILING_WORDS and span.label_ in _NAME_LABELS):
            e -= 1
        if e <= s:
            continue
        piece = Span(doc, s, e, label=span.label)
        if span.label_ in _NAME_LABELS and not any(t.tag_ in ("NNP", "NNPS") or t.is_upper for t in piece):
            continue  # not a name: "Fingers", "the armed forces"
        cleaned.append(_relabel(piece))
    return cleaned


def is_date_like(span: Span) -> bool:
    """A DATE needs a date word, a year or a day number next to a month: the small model also tags
    bare numbers ("from 78 to 46") as DATE. Ages ("33-year-old", "aged 45") are not dates."""
    if re.search(r"\d+\s*-\s*years?\s*-\s*old|\baged\s+\d|^\d+\s+years\s+old$", span.text, re.IGNORECASE):
        return False
    for token in span:
        if token.lower_ in _DATE_WORDS or token.lower_.rstrip("s") in _DATE_WORDS:
            return True
        if token.like_num and len(token.text) == 4 and token.text.isdigit() and 1000 <= int(token.text) <= 2100:
            return True
        if re.fullmatch(r"(1[5-9]|20)\d\d(s|-\d{2,4})?|'\d\ds", token.text):
            return True
    return False


def merge_entities(model_spans: Iterable[Span], gazetteer_spans: Iterable[Span], label_precision: dict[str, float],
                   place_spans: Iterable[Span] = (), model_labels: Iterable[str] = SCHEMA_LABELS) -> list[dict[str, Any]]:
    """Where spans overlap: the gazetteer's (and built-in rules') span wins. Between the model and the
    place list, a place stands only where it is a place of its own (``_place_stands``): not inside
    a longer name, not the first or last word of a longer capitalised name, not a person the document
    names in full; otherwise the longer span wins, the place list on a tie. Last, a name the
    document also writes in full takes the full name's label (``_discourse_labels``). Model spans of
    other labels than ``model_labels`` (OntoNotes' CARDINAL, MONEY, ...) are dropped, after their
    names have kept the place list out of them ("Tour of the Netherlands", a WORK_OF_ART)."""
    gazetteer = filter_spans(list(gazetteer_spans))
    taken: set[int] = set()
    for span in gazetteer:
        taken.update(range(span.start_char, span.end_char))
    records = [_record(span, RULES_SOURCE if span.id_.startswith("builtin:") else GAZETTEER_SOURCE, 1.0)
               for span in gazetteer]
    model, names = [], []
    for span in model_spans:
        if span.label_ not in model_labels and span.label_ not in _OTHER_NAME_LABELS:
            continue
        pieces = [piece for piece in clean_model_span(span) if span.label_ != "DATE" or is_date_like(piece)]
        names.extend(piece for piece in pieces if piece.label_ in _NAME_LABELS | _OTHER_NAME_LABELS | {"NORP"})
        model.extend(piece for piece in pieces if piece.label_ in model_labels)
    model = [span for span in filter_spans(model) if not _overlaps(span, taken)]
    names = [span for span in names if not _overlaps(span, taken)]  # the gazetteer's name replaces the model's
    places = [span for span in filter_spans(list(place_spans)) if not _overlaps(span, taken)]
    people = _full_names(model, "PERSON", suffixes=True)
    places = [span for span in places if _place_stands(span, names, model, people)]
    chosen = filter_spans(places + model)  # the longest first; on a tie, the first listed: the place
    labels = _discourse_labels(chosen, people, _full_names(model, "ORG", suffixes=False))
    for span in chosen:
        if _is_place(span):
            records.append(_record(span, PLACES_SOURCE, PLACE_SCORE))
        else:
            label = labels.get((span.start, span.end), span.label_)
            span = span if label == span.label_ else Span(span.doc, span.start, span.end, label=label)
            records.append(_record(span, MODEL_SOURCE, label_precision.get(span.label_, DEFAULT_SCORE)))
    return sorted(records, key=lambda r: (r["start"], r["end"]))


def _is_place(span: Span) -> bool:
    return span.label_ == "GPE" and span.id_ in (PLACE_ID, SUBDIVISION_ID)


def _full_names(spans: list[Span], label: str, *, suffixes: bool) -> set[str]:
    """The short forms a document may use for its longer names of ``label``: a person's surname
    ("Neil Jordan" -> "Jordan", "Hicham El Guerrouj" -> "El Guerrouj", "Guerrouj"), an
    organisation's first words ("Altria Group" -> "Altria")."""
    forms = set()
    for span in spans:
        words = [t.text for t in span]
        if span.label_ != label or len(words) < 2 or not span[0].is_title or not all(
                t.is_title or t.is_upper and t.is_alpha or t.lower_ in NAME_PARTICLES or t.text in ("-", "'", ".", "&")
                for t in span):
            continue
        for cut in range(1, len(words)):
            form = words[cut:] if suffixes else words[:cut]
            if form[0][:1].isupper() and form[-1][:1].isupper() and (len(form) > 1 or len(form[0]) > 2):
                forms.add(" ".join(form))
    return forms


def _text(span: Span) -> str:
    return " ".join(t.text for t in span)


def _place_stands(place: Span, names: list[Span], model: list[Span], people: set[str]) -> bool:
    """Whether a place-list match is the place: not inside a longer name of the model's ("Tour of
    the Netherlands"), not a person whose full name the document gives ("Neil Jordan ... Jordan
    said"), not the first or last word of a longer capitalised name ("Florida Marlins", "Werder
    Bremen") and, for a place below the country, not a club or a company ("Porto coach")."""
    for name in names:
        if name.start <= place.start and place.end <= name.end and len(name) > len(place):
            return False
    if _text(place) in people:
        return False
    doc = place.doc
    claimed = {i for span in model if span.label_ in _NOT_NAME_PART for i in range(span.start, span.end)}
    before = doc[place.start - 1] if place.start > 0 and not doc[place.start].is_sent_start else None
    if (before is not None and before.whitespace_ == " " and before.i not in claimed and not before.is_sent_start
            and _name_word(before)):
        return False
    after = doc[place.end] if place.end < len(doc) and not doc[place.end].is_sent_start else None
    if after is not None and doc[place.end - 1].whitespace_ == " " and after.i not in claimed:
        if _name_word(after) and not after.is_upper:
            return False
        if place.id_ == SUBDIVISION_ID and after.lower_ in TEAM_WORDS:
            return False
    return True


def _name_word(token) -> bool:
    """A word that continues a name: capitalised, tagged a proper noun, not a date, a title or a role."""
    return (token.tag_ in ("NNP", "NNPS") and (token.is_title or token.is_upper and token.is_alpha and len(token) > 1)
            and token.lower_ not in _DATE_WORDS and token.text.rstrip(".") not in TITLE_WORDS)


def _discourse_labels(spans: list[Span], people: set[str], organisations: set[str]) -> dict[tuple[int, int], str]:
    """New labels for names the document writes in full elsewhere: a surname of a person it names
    is that person ("Paddy Considine ... Considine", which the model calls ORG); the first words of
    an organisation's name are that organisation ("Altria Group ... Altria", PERSON to the model)."""
    labels = {}
    for span in spans:
        text = _text(span)
        if text in people and text not in organisations and span.label_ != "PERSON":
            labels[(span.start, span.end)] = "PERSON"
        elif text in organisations and text not in people and span.label_ == "PERSON":
            labels[(span.start, span.end)] = "ORG"
    return labels


def _overlaps(span: Span, taken: set[int]) -> bool:
    return any(c in taken for c in range(span.start_char, span.end_char))


def _record(span: Span, source: str, score: float) -> dict[str, Any]:
    return {"start": span.start_char, "end": span.end_char, "label": span.label_, "text": span.text,
            "source": source, "score": round(float(score), 4)}


# One-word subdivision names that are also common words or surnames in English news.
_PLACE_STOP = {"Central", "Southern", "Northern", "Eastern", "Western", "Coast", "Most", "Capital", "Centre", "Centro",
               "North", "South", "East", "West", "Upper", "Lower", "Federal", "Distrito Capital", "Metropolitan", "Island",
               "Islands", "Valley", "Lakes", "Sud", "Nord", "Ouest", "Est", "Meta", "Santander", "Hidalgo", "Guerrero",
               "Morelos", "Miranda", "Lara", "Victoria", "Georgia", "Jersey", "Washington", "Bolívar", "Sucre",
               "Magdalena", "Trujillo", "Apure", "Nayarit", "Colón", "Amazon", "Ica", "Acre", "Pará", "Para", "Ceará"}


def place_patterns() -> list[dict[str, Any]]:
    """Countries and their first-level subdivisions (ISO 3166, from pycountry) as GPE patterns."""
    import pycountry

    countries = set()
    for country in pycountry.countries:
        countries.update(getattr(country, attr, None) for attr in ("name", "common_name"))
    names = set(countries)
    for subdivision in pycountry.subdivisions:
        if subdivision.parent_code is None:
            names.add(subdivision.name)
    names.discard(None)
    keep = sorted(n for n in names if n not in _PLACE_STOP and len(n) >= 4 and "," not in n and "(" not in n and n[0].isupper())
    return [{"label": "GPE", "pattern": name, "id": PLACE_ID if name in countries else SUBDIVISION_ID} for name in keep]


class EntityMerger:
    """Merges the model's ``doc.ents`` and the gazetteer's ``doc.spans`` into schema entities,
    stored as plain records in ``doc.user_data`` (so they survive multiprocessing)."""

    def __init__(self, nlp: Language, gazetteer_key: str, places_key: str = PLACES_KEY,
                 model_labels: Iterable[str] = SCHEMA_LABELS) -> None:
        self.gazetteer_key = gazetteer_key
        self.places_key = places_key
        self.model_labels = frozenset(model_labels)
        performance = nlp.meta.get("performance", {}) or {}
        per_type = performance.get("ents_per_type", {}) or {}
        self.label_precision = {label: figures.get("p", DEFAULT_SCORE) for label, figures in per_type.items()}

    def __call__(self, doc: Doc) -> Doc:
        gazetteer = list(doc.spans[self.gazetteer_key]) if self.gazetteer_key in doc.spans else []
        places = list(doc.spans[self.places_key]) if self.places_key in doc.spans else []
        rules = dateline_places(doc) + acronym_definitions(doc)
        doc.user_data[ENTITY_KEY] = merge_entities(doc.ents, gazetteer + rules, self.label_precision, places,
                                                 self.model_labels)
        return doc


@Language.factory("newscorpus_entities", default_config={"gazetteer_key": GAZETTEER_KEY, "places_key": PLACES_KEY,
                                                       "model_labels": list(SCHEMA_LABELS)})
def make_entity_merger(nlp: Language, name: str, gazetteer_key: str, places_key: str,
                       model_labels: list[str]) -> "EntityMerger":
    return EntityMerger(nlp, gazetteer_key, places_key, model_labels)
