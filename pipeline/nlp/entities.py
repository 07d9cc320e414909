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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from pipeline.nlp.calendar import MONTHS, WEEKDAYS
from pipeline.nlp.casing import casing_statistics

MODEL_SOURCE = "model"
GAZETTEER_SOURCE = "gazetteer"
GAZETTEER_KEY = "gazetteer"
ENTITY_KEY = "newscorpus_entities"
DISAGREEMENT_KEY = "newscorpus_disagreements"  # how many entities the merge changed from the model's own
# The OntoNotes labels of a base model that are schema entity labels (the others are claims or not kept).
SCHEMA_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "EVENT", "DATE")
_NAME_LABELS = {"PERSON", "ORG", "GPE", "LOC", "FAC", "EVENT"}
_LEADING_DROP = {"the", "The", "THE"}
_TRAILING_DROP = {"'s", "’s", "'", "’", ",", ".", ";", ":", ")", "(", "-", "—", "–", '"', "“", "”", "‘"}
RULES_SOURCE = "rules"
PLACES_SOURCE = "places"
PLACES_KEY = "places"
PLACE_ID = "place-list"  # a country
SUBDIVISION_ID = "place-list:subdivision"  # a country's first-level subdivision
PLACE_SCORE = 0.9
DEFAULT_SCORE = 0.5
_MONTHS = sorted(MONTHS)  # a list, for the matcher's IN
_DATE_WORDS = (
    MONTHS
    | WEEKDAYS
    | {
        "today",
        "yesterday",
        "tomorrow",
        "year",
        "years",
        "month",
        "months",
        "week",
        "weeks",
        "day",
        "days",
        "decade",
        "decades",
        "century",
        "centuries",
        "ago",
        "weekend",
        "season",
        "spring",
        "summer",
        "autumn",
        "fall",
        "winter",
        "quarter",
        "night",
        "morning",
        "evening",
        "era",
        "period",
        "annual",
        "now",
        "recently",
        "time",
    }
)
# Built-in rules: dates the small model misses in datelines ("Jul 4", "July 4, 2022"), and named
# operations, which the schema makes EVENT ("Operation Neptune").
BUILTIN_PATTERNS = [
    {"label": "EVENT", "id": "builtin:operation", "pattern": [{"ORTH": "Operation"}, {"IS_TITLE": True, "OP": "+"}]},
    {
        "label": "DATE",
        "id": "builtin:month-day",
        "pattern": [
            {"LOWER": {"IN": _MONTHS}, "IS_TITLE": True},
            {"TEXT": {"REGEX": r"^(0?[1-9]|[12]\d|3[01])$"}},
            {"TEXT": ",", "OP": "?"},
            {"TEXT": {"REGEX": r"^(1[5-9]|20)\d\d$"}, "OP": "?"},
        ],
    },
]


_DATELINE_PLACE = re.compile(
    r"(?P<city>[A-ZÁÉÍÓÚÑ][A-ZÁÉÍÓÚÑ .'-]+[A-ZÁÉÍÓÚÑ])(?:,\s+(?P<country>[A-Z][\w ]+?))?"
    r"(?=(?:,\s+\w{3}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*\()"
)


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


def load_patterns(path: Path, labels: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """EntityRuler/SpanRuler JSONL patterns; an error names the file and line. With ``labels``, a
    pattern's label must be one of them: a typo would otherwise win every overlap and then be
    dropped as an unknown label, erasing the right entity without a word."""
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
            if labels is not None and pattern["label"] not in labels:
                raise InputError(
                    path,
                    f"label {pattern['label']!r} is not one of the entity labels in [labels] ({', '.join(labels)})",
                    number,
                )
            patterns.append(pattern)
    return patterns


# First words of Spanish and Portuguese place names that the small model reads as people or groups.
TOPONYM_FIRST_WORDS = {
    "Villa": "LOC",
    "Isla": "LOC",
    "Islas": "LOC",
    "Tierra": "LOC",
    "Cerro": "LOC",
    "Valle": "LOC",
    "Sierra": "LOC",
    "Laguna": "LOC",
    "Lago": "LOC",
    "Bahía": "LOC",
    "Playa": "LOC",
    "Cordillera": "LOC",
    "Río": "LOC",
    "Puerto": "GPE",
    "Ciudad": "GPE",
    "San": "GPE",
    "Santa": "GPE",
    "Santo": "GPE",
}
NATURAL_FEATURES = {
    "river",
    "rivers",
    "valley",
    "valleys",
    "lake",
    "lakes",
    "mountain",
    "mountains",
    "basin",
    "sea",
    "gulf",
    "bay",
    "desert",
    "jungle",
    "forest",
    "plateau",
    "canyon",
    "delta",
    "peninsula",
    "range",
}
_LOC_ENDINGS = ("National Park", "Nature Reserve", "Reserve", "Indigenous Territory", "Rainforest")
# Head nouns of a lowercase description of a body, which an acronym in brackets names:
# "national commission for development and life without drugs (Devida)".
BODY_NOUNS = {
    "commission",
    "directorate",
    "service",
    "programme",
    "program",
    "agency",
    "ministry",
    "office",
    "council",
    "unit",
    "police",
    "force",
    "forces",
    "court",
    "institute",
    "department",
    "secretariat",
    "committee",
    "authority",
    "bank",
    "company",
    "party",
    "group",
    "front",
    "army",
    "command",
    "board",
    "administration",
    "bureau",
    "federation",
    "association",
    "union",
    "organisation",
    "organization",
    "corporation",
    "fund",
    "network",
    "movement",
    "coalition",
    "alliance",
    "tribunal",
    "prosecutor",
    "registry",
    "superintendency",
}
_DESCRIPTION_GLUE = {"of", "for", "and", "on", "against", "the"}
# Labels of the model's that name things the schema does not keep; a place inside one is no place.
_OTHER_NAME_LABELS = {"PRODUCT", "WORK_OF_ART", "LAW", "LANGUAGE"}
# Model labels of words that are no part of a place's longer name ("Spain Monday", "California Republican").
_NOT_NAME_PART = {"DATE", "TIME", "NORP", "GPE", "LOC", "FAC", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"}
# Titles and roles written after or before a place ("Gabon President Omar Bongo", "Former England midfielder").
TITLE_WORDS = {
    "President",
    "Prime",
    "Minister",
    "PM",
    "Premier",
    "Governor",
    "Gov",
    "Senator",
    "Sen",
    "Rep",
    "Mayor",
    "King",
    "Queen",
    "Prince",
    "Princess",
    "Emir",
    "Sheikh",
    "Sultan",
    "Chancellor",
    "Speaker",
    "Finance",
    "FinMin",
    "Foreign",
    "Defence",
    "Defense",
    "Interior",
    "Trade",
    "Justice",
    "Deputy",
    "Vice",
    "Chief",
    "General",
    "Gen",
    "Ambassador",
    "Secretary",
    "Attorney",
    "Cardinal",
    "Archbishop",
    "Bishop",
    "Former",
    "Ex",
    "Late",
    "Republican",
    "Democrat",
    "Democratic",
}
# Words after a place below the country that make it a club or a company ("Porto coach", "Valencia fans").
TEAM_WORDS = {
    "club",
    "side",
    "team",
    "coach",
    "manager",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "forward",
    "captain",
    "fans",
    "supporters",
    "shares",
    "stock",
    "shareholders",
    "chairman",
}
# Last words of a competition's name: a name ending in one is an event ("Davis Cup", "Belgian Grand
# Prix", "Toshiba Classic"), not the organisation or place the small model reads in its first words.
EVENT_LAST_WORDS = {"cup", "open", "championship", "championships", "prix", "olympics", "classic", "masters", "trophy"}
# Last words of an organisation's name: a name ending in one is an organisation, even when it starts
# with a place ("Santa Cruz Operation", "Kenya Airways", "Dhaka Newsroom", "Harwich United").
ORG_LAST_WORDS = {
    "Inc",
    "Inc.",
    "Corp",
    "Corp.",
    "Corporation",
    "Co",
    "Co.",
    "Company",
    "Ltd",
    "Ltd.",
    "Limited",
    "Plc",
    "PLC",
    "plc",
    "LLC",
    "AG",
    "SA",
    "NV",
    "GmbH",
    "Group",
    "Holdings",
    "Operation",
    "Operations",
    "Airways",
    "Airlines",
    "Industries",
    "Technologies",
    "Communications",
    "Telecom",
    "Bancorp",
    "Newsroom",
    "Newsdesk",
    "University",
    "Institute",
    "Council",
    "Commission",
    "Committee",
    "Ministry",
    "Agency",
    "Authority",
    "Association",
    "Federation",
    "Party",
    "Club",
    "FC",
    "United",
    "Rovers",
    "Athletic",
    "Wanderers",
    "Hotspur",
    "Albion",
    *{
        "Army",
        "Front",
        "Forces",
        "Movement",
        "Brigade",
        "Brigades",
        "Commandos",
        "Command",
        "Alliance",
        "Cartel",
        "Militia",
        "Guard",
    },
}
# Lower-case nouns after an organisation's name that describe it and are no part of it ("Xinhua news agency").
ORG_TAILS = {
    "news",
    "agency",
    "newspaper",
    "daily",
    "weekly",
    "magazine",
    "radio",
    "television",
    "tv",
    "party",
    "group",
    "movement",
    "faction",
    "company",
    "firm",
    "bank",
    "network",
    "channel",
    "station",
}
# Heads that name an armed or political group and take their qualifier after them
# ("Army of National Liberation", "Front for the Liberation of Mozambique").
ORG_HEADS_BEFORE_OF = {
    "Army",
    "Front",
    "Forces",
    "Movement",
    "Brigade",
    "Brigades",
    "Commandos",
    "Command",
    "Alliance",
    "League",
    "Party",
    "Council",
    "Federation",
    "Union",
    "Organization",
    "Organisation",
}
_CAMEL_CASE = re.compile(r"[A-Z]?[a-z]+[A-Z][A-Za-z]*")  # "TiVo", "eBay": read on NORP only, which "McDonald" never is
_NUMBER = re.compile(r"[+-]?\d[\d.,:/]*(?:st|nd|rd|th|s)?|[+-]?[.,]\d+")  # 2, 442,201, 13.52, 33rd, 1990s
_DASHES = {"-", "–", "—", "--"}
# Words that a number of a name follows ("Interstate 95", "Route 66", "Terminal 5", "Flight 370").
NUMBERED_WORDS = {
    "Interstate",
    "Interstates",
    "Route",
    "Highway",
    "Motorway",
    "Terminal",
    "Gate",
    "Pier",
    "Platform",
    "Flight",
    "Camp",
    "Block",
    "Sector",
    "Zone",
    "Channel",
    "Radio",
    "Apollo",
    "No",
    "No.",
    "Number",
}
# The word between the sides of a fixture ("Kettering v Stamford"): no name runs across it.
FIXTURE_WORDS = {"v", "v.", "vs", "vs."}
# The same in a headline in capitals ("ENGLAND V PAKISTAN"), only between two names: "Henry V" stays.
CAPITAL_FIXTURE_WORDS = {"V", "VS", "V.", "VS."}
# A wire story's section slug, before a spaced dash at the head of its headline ("SOCCER - FRENCH
# LEAGUE STANDINGS", "CRICKET - ENGLAND V PAKISTAN"): not part of the name after it, nor a name.
SECTION_SLUGS = {
    "american football",
    "alpine skiing",
    "athletics",
    "badminton",
    "baseball",
    "basketball",
    "boxing",
    "cricket",
    "cycling",
    "equestrianism",
    "figure skating",
    "golf",
    "handball",
    "hockey",
    "horse racing",
    "ice hockey",
    "judo",
    "motor racing",
    "motorcycling",
    "nordic skiing",
    "rallying",
    "rowing",
    "rugby",
    "rugby league",
    "rugby union",
    "sailing",
    "skiing",
    "snooker",
    "soccer",
    "speed skating",
    "squash",
    "swimming",
    "table tennis",
    "tennis",
    "triathlon",
    "volleyball",
    "weather",
    "weightlifting",
    "wrestling",
    "yachting",
}
# Time zones, which the small model takes for organisations ("1754 GMT"): no name of the schema.
TIME_ZONES = {"GMT", "UTC", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT", "BST", "CET", "CEST", "JST", "AEST"}
# How much likelier a word is in lower case than capitalised, in spaCy's casing statistics, for a
# one-word "organisation" at the head of a sentence to be the common word ("Men 's singles", "Team").
COMMON_WORD_MARGIN = 2.0
# Lower-case words inside people's names ("Hicham El Guerrouj", "Aravinda de Silva").
NAME_PARTICLES = {
    "de",
    "del",
    "della",
    "di",
    "da",
    "dos",
    "das",
    "do",
    "van",
    "von",
    "der",
    "den",
    "le",
    "la",
    "al",
    "el",
    "bin",
    "ibn",
    "ben",
    "mac",
    "y",
}
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
    elif len(piece) >= 2 and piece[-1].lower_ in EVENT_LAST_WORDS and label in ("PERSON", "ORG", "GPE", "LOC", "FAC"):
        label = "EVENT"
    elif label in ("PERSON", "ORG", "FAC") and len(piece) >= 2 and piece[0].text in TOPONYM_FIRST_WORDS:
        label = TOPONYM_FIRST_WORDS[piece[0].text]
    elif (
        label in ("PERSON", "ORG", "FAC", "GPE") and piece.end < len(doc) and doc[piece.end].lower_ in NATURAL_FEATURES
    ):
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
    ("Lazio 2-1", "Tendulkar 6-0-29-1", "Brentford 2 Gillingham 0"), the "v" of a fixture, or a blank
    line. A single line break is none: wire copy wraps its lines inside names."""
    doc = token.doc
    if _is_number(token) and token.i > 0 and doc[token.i - 1].text in NUMBERED_WORDS:
        return False  # "Interstate 95", "Terminal 5"
    if _is_number(token) or token.is_space and token.text.count("\n") > 1 or token.text in FIXTURE_WORDS:
        return True
    if token.text in CAPITAL_FIXTURE_WORDS:
        return 0 < token.i < len(doc) - 1 and doc[token.i - 1].is_alpha and doc[token.i + 1].is_alpha
    if token.text in _DASHES:  # the dash of a score, or one spaced between words: "SOCCER - FRENCH LEAGUE"
        spaced = token.i > 0 and bool(doc[token.i - 1].whitespace_) and bool(token.whitespace_)
        return spaced or any(0 <= i < len(doc) and _is_number(doc[i]) for i in (token.i - 1, token.i + 1))
    return False


def _heads_line(token) -> bool:
    return token.i == 0 or bool(token.is_sent_start) or "\n" in token.doc[token.i - 1].text


def _is_section_slug(piece: Span) -> bool:
    """ "CRICKET" in "CRICKET - ENGLAND V PAKISTAN": a sport or section word heading a line, a dash after it."""
    doc = piece.doc
    return (
        _heads_line(piece[0])
        and piece.end < len(doc)
        and doc[piece.end].text in _DASHES
        and piece.text.lower() in SECTION_SLUGS
    )


def _is_common_word(piece: Span) -> bool:
    """A one-word "organisation" heading its sentence that is a common word there ("Men 's singles"):
    far likelier in lower case, and not written capitalised anywhere else in the document."""
    token = piece[0]
    if len(piece) != 1 or not token.is_title or not _heads_line(token):
        return False
    probs = casing_statistics()
    lower, title = probs.get(token.lower_), probs.get(token.text)
    if lower is None or title is not None and lower - title < COMMON_WORD_MARGIN:
        return False
    return not any(other.text == token.text and not _heads_line(other) for other in token.doc)


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
    return (
        before.is_upper
        and before.is_alpha
        and 2 <= len(before) <= 3
        and before.whitespace_ == " "
        and not before.ent_type_
        and not before.is_stop
        and not span[0].is_sent_start
    )


def clean_model_span(span: Span) -> list[Span]:
    """The span(s) the schema wants for one model entity."""
    doc, start, end = span.doc, span.start, span.end
    parts: list[tuple[int, int]] = []
    open_bracket = next((t.i for t in span if t.text == "("), None)
    if open_bracket is not None and span.label_ in ("ORG", "GPE", "LOC", "FAC", "PERSON", "EVENT"):
        close = next((t.i for t in doc[open_bracket : min(end + 1, len(doc))] if t.text == ")"), end)
        parts = [(start, open_bracket), (open_bracket + 1, min(close, end))]
    else:
        parts = [(start, end)]
    if span.label_ in _NAME_LABELS | _OTHER_NAME_LABELS | {"NORP"}:
        parts = [piece for s, e in parts for piece in _name_parts(doc[s:e])]
    if span.label_ == "ORG" and parts and parts[0][0] == start and _initials_before(span):
        parts[0] = (start - 1, parts[0][1])
    cleaned = []
    for s, e in parts:
        while s < e and (doc[s].text in _LEADING_DROP or doc[s].is_space or doc[s].text in ("(", "“", '"', "‘")):
            s += 1
        while e > s and (
            doc[e - 1].text in _TRAILING_DROP
            or doc[e - 1].is_space
            or doc[e - 1].tag_ == "POS"
            or doc[e - 1].lower_ in _TRAILING_WORDS
            and span.label_ in _NAME_LABELS
        ):
            e -= 1
        if span.label_ == "ORG":
            e = _without_described_tail(doc, s, e)
        if e <= s:
            continue
        piece = Span(doc, s, e, label=span.label)
        if span.label_ in _NAME_LABELS and not any(t.tag_ in ("NNP", "NNPS") or t.is_upper for t in piece):
            continue  # not a name: "Fingers", "the armed forces"
        if piece.text in TIME_ZONES or _is_section_slug(piece):
            continue
        if span.label_ == "ORG" and _is_common_word(piece):
            continue
        cleaned.append(_relabel(piece))
    return cleaned


def _without_described_tail(doc: Doc, start: int, end: int) -> int:
    """The end of an organisation's name without the lower-case noun that describes it, which the small
    model takes in ("the Xinhua news agency", "his Northern League party", "BBC radio"): the schema's span
    is the name. Only where a capitalised proper noun stays: "the national news agency" is left as it is."""
    cut = end
    while cut > start + 1 and doc[cut - 1].is_lower and doc[cut - 1].is_alpha and doc[cut - 1].lower_ in ORG_TAILS:
        cut -= 1
    name = doc[start:cut]
    return cut if cut < end and any(t.tag_ in ("NNP", "NNPS") and (t.is_title or t.is_upper) for t in name) else end


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


def merge_entities(
    model_spans: Iterable[Span],
    gazetteer_spans: Iterable[Span],
    label_precision: dict[str, float],
    place_spans: Iterable[Span] = (),
    model_labels: Iterable[str] = SCHEMA_LABELS,
    doc: Doc | None = None,
    cleaned: tuple[list[Span], list[Span]] | None = None,
) -> list[dict[str, Any]]:
    """Where spans overlap: the gazetteer's (and built-in rules') span wins. Between the model and the
    place list, a place stands only where it is a place of its own (``_place_stands``): not inside
    a longer name, not the first or last word of a longer capitalised name, not a person the document
    names in full; otherwise the longer span wins, the place list on a tie. Then a name the
    document also writes in full takes the full name's label (``_discourse_labels``), and last the
    document's own evidence settles what its names are (``_document_senses``). Model spans of
    other labels than ``model_labels`` (OntoNotes' CARDINAL, MONEY, ...) are dropped, after their
    names have kept the place list out of them ("Tour of the Netherlands", a WORK_OF_ART).
    ``cleaned``: ``cleaned_model_spans(model_spans, model_labels)`` if the caller has it already."""
    gazetteer = filter_spans(list(gazetteer_spans))
    taken: set[int] = set()
    for span in gazetteer:
        taken.update(range(span.start_char, span.end_char))
    records = [
        _record(span, RULES_SOURCE if span.id_.startswith("builtin:") else GAZETTEER_SOURCE, 1.0) for span in gazetteer
    ]
    model, names = cleaned if cleaned is not None else cleaned_model_spans(model_spans, model_labels)
    model = [span for span in filter_spans(model) if not _overlaps(span, taken)]
    names = [span for span in names if not _overlaps(span, taken)]  # the gazetteer's name replaces the model's
    places = [span for span in filter_spans(list(place_spans)) if not _overlaps(span, taken)]
    people = _full_names(model, "PERSON", suffixes=True)
    places = [span for span in places if _place_stands(span, names, model, people)]
    chosen = filter_spans(places + model)  # the longest first; on a tie, the first listed: the place
    labels = _discourse_labels(chosen, people, _full_names(model, "ORG", suffixes=False))
    mentions = []
    for span in chosen:
        if _is_place(span):
            mentions.append(_Mention(span, PLACES_SOURCE, PLACE_SCORE))
        else:
            label = labels.get((span.start, span.end), span.label_)
            span = span if label == span.label_ else Span(span.doc, span.start, span.end, label=label)
            mentions.append(_Mention(span, MODEL_SOURCE, label_precision.get(span.label_, DEFAULT_SCORE)))
    doc = doc if doc is not None else next((span.doc for span in (*chosen, *gazetteer)), None)
    if doc is not None:
        mentions = _document_senses(doc, mentions, gazetteer)
    for m in mentions:  # a model span the document relabelled is scored as the model's spans of that label
        score = label_precision.get(m.label, DEFAULT_SCORE) if m.source == MODEL_SOURCE else m.score
        records.append(_record(m.span, m.source, score))
    return sorted(records, key=lambda r: (r["start"], r["end"]))


def cleaned_model_spans(model_spans: Iterable[Span], model_labels: Iterable[str]) -> tuple[list[Span], list[Span]]:
    """(the model's entities of ``model_labels``, trimmed as the merge takes them; every name it saw)."""
    model, names = [], []
    for span in model_spans:
        if span.label_ not in model_labels and span.label_ not in _OTHER_NAME_LABELS:
            continue
        pieces = [piece for piece in clean_model_span(span) if span.label_ != "DATE" or is_date_like(piece)]
        names.extend(piece for piece in pieces if piece.label_ in _NAME_LABELS | _OTHER_NAME_LABELS | {"NORP"})
        model.extend(piece for piece in pieces if piece.label_ in model_labels)
    return model, names


def disagreements(
    model_spans: Iterable[Span],
    records: list[dict[str, Any]],
    model_labels: Iterable[str],
    *,
    cleaned: list[Span] | None = None,
) -> int:
    """Entities where the model's own reading and the merged one differ: a model entity the gazetteer,
    the place list or the document's evidence dropped, cut or relabelled, and an entity the rules
    found where the model had none (a relabelled span counts twice). Where they disagree, one is
    wrong: the review queue sends such documents first."""
    model = cleaned if cleaned is not None else cleaned_model_spans(model_spans, model_labels)[0]
    own = {(span.start_char, span.end_char, span.label_) for span in model}
    merged = {(record["start"], record["end"], record["label"]) for record in records}
    return len(own ^ merged)


# ---------------------------------------------------------------------------------------------------
# One sense per name in a document (#10). The small model reads each mention on its own; a document
# says more: what a name is defined as, what kind of thing the words around it make it, and that
# its other mentions are the same thing. ``_document_senses`` runs these passes in order on the
# names the merge chose; each pass only relabels a name or adds one where nothing stands, never
# across a gazetteer or built-in rule's span.


@dataclass
class _Mention:
    """A name of the document as the merge chose it: its span (with its label), source and score."""

    span: Span
    source: str
    score: float

    @property
    def label(self) -> str:
        return self.span.label_

    def relabelled(self, label: str) -> "_Mention":
        """The same name with another label: a place-list match relabelled is a rule's, no longer a place."""
        source = RULES_SOURCE if self.source == PLACES_SOURCE else self.source
        return _Mention(Span(self.span.doc, self.span.start, self.span.end, label=label), source, self.score)


_ACRONYM = re.compile(r"[A-Z][A-Z&-]*[A-Z]")
_INITIAL = re.compile(r"[A-Z]\.")
# Names of countries as English news writes them that the ISO list lacks or holds as a subdivision:
# a country's name stays a place ("England captain" is no club's).
COUNTRY_NAMES = {
    "Britain",
    "Great Britain",
    "England",
    "Scotland",
    "Wales",
    "Northern Ireland",
    "U.S.",
    "US",
    "USA",
    "U.S.A.",
    "America",
    "Russia",
    "Yugoslavia",
    "Macedonia",
    "Holland",
    "Kosovo",
}
# Titles before a lone name that make it a person's ("Princess Diana", "Mr Blair").
HONORIFICS = TITLE_WORDS | {"Mr", "Mrs", "Ms", "Dr", "Princess", "Pope", "Judge", "Sir", "Lady", "Lord", "Saint", "St"}
# Lower-case nouns for an organisation written right before its name ("the daily Gazeta Lubuska",
# "Danish club Viborg Rovers", "mining group Kestrel").
ORG_NOUNS = {
    "daily",
    "weekly",
    "newspaper",
    "paper",
    "magazine",
    "tabloid",
    "agency",
    "firm",
    "company",
    "concern",
    "group",
    "club",
    "team",
    "side",
    "carrier",
    "airline",
    "bank",
    "lender",
    "conglomerate",
    "retailer",
    "broadcaster",
    "network",
    "chain",
    "subsidiary",
    "unit",
    "party",
    "movement",
    "union",
    "organisation",
    "organization",
    "faction",
    "consortium",
    "fund",
    "association",
    "automaker",
    "carmaker",
    "utility",
    "outfit",
    "brokerage",
}
# Nouns that describe a person as well as a firm ("publisher Anna Berg"): only a lone name or a
# place's name takes ORG from them ("press distributor Kestrel", "league champions Braga").
AGENT_NOUNS = {
    "maker",
    "manufacturer",
    "producer",
    "publisher",
    "distributor",
    "insurer",
    "broker",
    "developer",
    "supplier",
    "contractor",
    "exporter",
    "importer",
    "operator",
    "miner",
    "refiner",
    "giant",
    "champions",
    "rivals",
}
# Lower-case roles in an organisation written between its name and a person's ("Halvorsen chairman
# Per Olsen", "Gateshead striker Tom Hartley"): no person has a chairman, shareholders or a striker.
ORG_ROLES = {
    "chairman",
    "chairwoman",
    "shares",
    "stock",
    "shareholders",
    "board",
    "squad",
    "striker",
    "midfielder",
    "defender",
    "goalkeeper",
    "winger",
    "skipper",
    "batsman",
    "bowler",
    "pitcher",
    "spinner",
    "playmaker",
    "keeper",
    "all-rounder",
    "opener",
    "fullback",
    "full-back",
    "scrum-half",
    "fly-half",
    "flanker",
    "players",
    "officials",
    "executive",
    "treasurer",
    "economist",
    "analyst",
    "trader",
    "founder",
    "members",
}
# Roles that a person has too ("Smith campaign team", "Berg coach", "Obama spokesman"): after a place's
# name or a name the model left out only ("Braga coach", "Hamas leader").
GROUP_ROLES = TEAM_WORDS | {
    "director",
    "chief",
    "president",
    "official",
    "leader",
    "leaders",
    "member",
    "player",
    "boss",
    "owner",
    "forward",
}
# Verbs of a match before the side that lost it ("Gateshead beat Hexham").
MATCH_VERBS = {"beat", "beating", "defeated", "defeating", "blanked", "thrashed", "routed", "edged"}
PLACE_PREPOSITIONS = {"in", "from", "near", "of", "to", "at", "outside", "into"}
_CUE_WORDS = ORG_NOUNS | AGENT_NOUNS | ORG_ROLES | GROUP_ROLES | MATCH_VERBS  # in lower case, as written


def _document_senses(doc: Doc, mentions: list[_Mention], rules: list[Span]) -> list[_Mention]:
    """The passes, in order: acronyms defined in brackets take their name's label; organisations
    written as people are ("Anna Lindqvist (Sweden)", "R. Okafor") become people; a place's name
    read as a lone person is an organisation named after the place ("Gateshead beat Hexham"); a list
    or a fixture is of one kind; a name described as an organisation ("the daily Gazeta Lubuska",
    "Gateshead striker") is one; a run of proper nouns ending in an organisation's word is one
    ("Oakfield Marine Co Ltd"); a name that is an organisation somewhere is one where the model read it
    as a place or a lone person; last, the document's other mentions of an organisation, a person or
    a defined acronym that nothing covers take its label."""
    blocked = {i for span in rules for i in range(span.start, span.end)}
    words = [token.text for token in doc]  # one pass over the Doc: the passes look at the words first
    senses = _acronym_senses(doc, words, mentions, blocked)
    mentions = [
        m.relabelled(senses[m.span.text].label) if m.span.text in senses and senses[m.span.text].label != m.label else m
        for m in mentions
    ]
    mentions = _written_as_people(doc, mentions)
    person_words = {t.text for m in mentions if m.label == "PERSON" and len(m.span) > 1 for t in m.span}
    mentions = _places_as_agents(doc, mentions, person_words)
    mentions = _lists_and_fixtures(doc, words, mentions, blocked, person_words)
    mentions = _described(doc, words, mentions, blocked, person_words)
    mentions = _suffixed_names(doc, words, mentions, blocked)
    mentions = _one_kind(doc, mentions, person_words)
    forms: dict[tuple[str, ...], _Mention] = {}
    for m in mentions:
        if m.label in ("ORG", "PERSON") and all(t.is_title or t.is_upper for t in m.span if t.is_alpha):
            forms.setdefault(tuple(t.text for t in m.span), m)
    forms.update(((text,), m) for text, m in senses.items())
    return _other_mentions(doc, words, mentions, forms, blocked)


def _acronym_senses(doc: Doc, words: list[str], mentions: list[_Mention], blocked: set[int]) -> dict[str, _Mention]:
    """Acronyms in brackets next to a name ("Coastal Fishers Union (CFU)", "FTWU (Federated Tin
    Workers Union)"): an organisation's after it is an organisation; any name's that the
    acronym spells ("United Arab Emirates ( UAE )") has the name's label. People have no acronyms."""
    by_start = {m.span.start: m for m in mentions}
    by_end = {m.span.end: m for m in mentions}
    senses: dict[str, _Mention] = {}
    for i in (i for i, word in enumerate(words) if word == "("):
        if i + 2 < len(words) and words[i + 2] == ")":  # NAME ( ACRONYM )
            acronym, name = i + 1, by_end.get(i)
            after = name is not None and name.label == "ORG"
            _acronym_sense(doc, words, acronym, name, after, blocked, senses)
        if i > 0:  # ACRONYM ( NAME )
            name = by_start.get(i + 1)
            if name is not None and (name.span.end >= len(words) or words[name.span.end] != ")"):
                name = None
            _acronym_sense(doc, words, i - 1, name, False, blocked, senses)
    return senses


def _acronym_sense(
    doc: Doc,
    words: list[str],
    acronym: int,
    name: _Mention | None,
    after: bool,
    blocked: set[int],
    senses: dict[str, _Mention],
) -> None:
    text = words[acronym]
    if name is None or name.label not in _NAME_LABELS - {"PERSON"} or acronym in blocked:
        return
    if len(text) <= 10 and _ACRONYM.fullmatch(text) and (after or _spells(text, name.span)):
        senses.setdefault(text, _Mention(Span(doc, acronym, acronym + 1, label=name.label), RULES_SOURCE, name.score))


def _spells(acronym: str, name: Span) -> bool:
    """Whether the acronym is made of the starts of the name's words, in order, from the first word
    ("CFU": Coastal Fishers Union; "UNDP": U.N. Development Programme; "NAGM": National Association
    of Grain Millers)."""
    letters = [c for c in acronym.upper() if c.isalpha()]
    words = []  # the letters of each word; initials with dots are a word each ("U.N.": "U", "N")
    for token in name:
        pieces = token.text.upper().split(".") if "." in token.text else [token.text.upper()]
        words.extend([c for c in piece if c.isalpha()] for piece in pieces if any(c.isalpha() for c in piece))
    memo: dict[tuple[int, int], bool] = {}

    def match(i: int, j: int) -> bool:  # letters[i:] from words[j:]
        if i == len(letters):
            return True
        if j == len(words):
            return False
        if (i, j) not in memo:
            word = words[j]
            memo[(i, j)] = (
                any(letters[i : i + k] == word[:k] and match(i + k, j + 1) for k in range(1, len(word) + 1))
                or j > 0
                and match(i, j + 1)
            )
        return memo[(i, j)]

    return bool(letters) and match(0, 0)


def _written_as_people(doc: Doc, mentions: list[_Mention]) -> list[_Mention]:
    """Organisations of the model's written as people are: a name followed by a country in brackets
    ("Anna Lindqvist (Sweden)", as results and lists of players give people), and an initial with a
    surname ("R. Okafor"). Not a name ending in an organisation's word, nor one with a place in it
    ("Dynamo Brno (Czech Republic)")."""
    gpe_at = {m.span.start: m for m in mentions if m.label == "GPE"}
    place_words = {t.text for m in mentions if m.label in ("GPE", "LOC") for t in m.span}
    result = []
    for m in mentions:
        words = [t for t in m.span if not t.is_space]
        if m.label == "ORG" and m.source == MODEL_SOURCE and words[-1].text not in ORG_LAST_WORDS:
            if (
                2 <= len(words) <= 4
                and all(t.is_title and t.text not in place_words for t in words)
                and not any(t.text in _subdivision_names() for t in words)
                and _country_in_brackets(doc, m.span.end, gpe_at)
            ):
                m = m.relabelled("PERSON")
            elif 2 <= len(words) <= 3 and _INITIAL.fullmatch(words[0].text) and all(t.is_title for t in words[1:]):
                m = m.relabelled("PERSON")
        result.append(m)
    return result


def _country_in_brackets(doc: Doc, i: int, gpe_at: dict[int, _Mention]) -> bool:
    while i < len(doc) and doc[i].is_space:
        i += 1
    country = gpe_at.get(i + 1)
    return (
        i + 1 < len(doc)
        and doc[i].text == "("
        and country is not None
        and country.span.end < len(doc)
        and doc[country.span.end].text == ")"
    )


def _places_as_agents(doc: Doc, mentions: list[_Mention], person_words: set[str]) -> list[_Mention]:
    """A place's name (below a country's: "Worcestershire", "Gateshead"; or one the document labels a place
    elsewhere) that the model reads as a lone person, with no person of that name in the document, is
    an organisation named after the place: a
    club, a council, a company ("Gateshead beat Hexham"). Not after a title ("Princess") or a
    preposition of place ("in Kent"), nor next to another capitalised word (a person's name the model
    cut), nor after a quotation."""
    places = _subdivision_names() | {m.span.text for m in mentions if m.label in ("GPE", "LOC")}
    result = []
    for m in mentions:
        span = m.span
        if (
            m.label == "PERSON"
            and m.source == MODEL_SOURCE
            and len(span) == 1
            and span.text not in person_words
            and not span[0].is_upper
            and span.text in places
        ):
            before = doc[span.start - 1] if span.start > 0 else None
            after = doc[span.end] if span.end < len(doc) else None
            if not (
                before is not None
                and (
                    before.text.rstrip(".") in HONORIFICS
                    or before.lower_ in PLACE_PREPOSITIONS
                    or not span[0].is_sent_start
                    and (before.is_title or before.lower_ in NAME_PARTICLES)
                )
                or after is not None
                and after.is_title
                and not after.is_sent_start
                or span.start >= 2
                and doc[span.start - 2].text in ('"', "”", "''")
            ):
                m = m.relabelled("ORG")
        result.append(m)
    return result


def _bare_name_end(doc: Doc, i: int, covered: set[int]) -> int:
    """The end of the run of capitalised proper nouns from token ``i`` that no name covers (``i`` if none)."""
    j = i
    while j < len(doc) and j not in covered and _name_word(doc[j]) and (j == i or not doc[j].is_sent_start):
        j += 1
    return j


def _bare_name_start(doc: Doc, end: int, covered: set[int]) -> int:
    """The start of the run of capitalised proper nouns that ends at token ``end`` (``end`` if none)."""
    start = end
    while (
        start > 0
        and (start - 1) not in covered
        and _name_word(doc[start - 1])
        and (start == end or not doc[start].is_sent_start)
    ):
        start -= 1
    return start


def _lone_person(m: _Mention, person_words: set[str]) -> bool:
    return m.label == "PERSON" and len(m.span) == 1 and m.span.text not in person_words


def _is_country(m: _Mention) -> bool:
    return m.span.id_ == PLACE_ID or m.span.text in COUNTRY_NAMES or m.span.text in _country_names()


def _lists_and_fixtures(
    doc: Doc, words: list[str], mentions: list[_Mention], blocked: set[int], person_words: set[str]
) -> list[_Mention]:
    """A list's names are of one kind: where one is an organisation, the others that the model left
    out or read as a lone person are too ("promotion hopefuls Hexham, Alnwick and Morpeth Town FC"). The two
    sides of a fixture are teams ("Kettering v Stamford"), unless they are people or countries."""
    by_start = {m.span.start: m for m in mentions}
    by_end = {m.span.end: m for m in mentions}
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)} | blocked
    new: dict[int, _Mention] = {}

    def org(start: int, end: int) -> _Mention:
        return _Mention(Span(doc, start, end, label="ORG"), RULES_SOURCE, DEFAULT_SCORE)

    i = 0
    while i < len(doc):
        if i not in by_start and not words[i][:1].isupper():
            i += 1
            continue
        items: list[tuple[int, int, _Mention | None]] = []  # (start, end, the name or None if bare)
        j = i
        while True:
            m = by_start.get(j)
            end = m.span.end if m is not None else _bare_name_end(doc, j, covered)
            if end == j:
                break
            items.append((j, end, m))
            k = end
            if k + 1 < len(doc) and words[k] == "," and words[k + 1] in ("and", "or"):
                k += 1
            if (
                k + 1 < len(doc)
                and words[k] in (",", "and", "or")
                and not doc[k].is_sent_start
                and not doc[k + 1].is_sent_start
            ):
                j = k + 1
                continue
            break
        known = [m for _, _, m in items if m is not None]
        if (
            len(items) >= 2
            and any(m.label == "ORG" for m in known)
            and all(m.label != "PERSON" or _lone_person(m, person_words) for m in known)
        ):
            for start, end, m in items:
                if m is None:
                    new[start] = org(start, end)
                elif m.label == "PERSON":
                    new[start] = m.relabelled("ORG")
        i = max(i + 1, items[-1][1] if items else i + 1)
    for v in (i for i, word in enumerate(words) if word in FIXTURE_WORDS and 0 < i < len(words) - 1):
        left, right = by_end.get(v), by_start.get(v + 1)
        left_start, right_end = _bare_name_start(doc, v, covered), _bare_name_end(doc, v + 1, covered)
        if (left is None and left_start == v) or (right is None and right_end == v + 1):
            continue
        for side, bare in ((left, (left_start, v)), (right, (v + 1, right_end))):
            if side is None:
                new[bare[0]] = org(*bare)
            elif _lone_person(side, person_words) or side.label in ("GPE", "LOC", "FAC") and not _is_country(side):
                new[side.span.start] = side.relabelled("ORG")
    return _replaced(mentions, new)


def _described(
    doc: Doc, words: list[str], mentions: list[_Mention], blocked: set[int], person_words: set[str]
) -> list[_Mention]:
    """Names the words around them make an organisation: an organisation's noun before it ("the
    daily Gazeta Lubuska", "Danish club Viborg Rovers"), a role in an organisation after it ("Halvorsen
    chairman", "Gateshead striker Tom Hartley"), a match won over it ("beat Hexham"). What changes:
    a name the model left out, a lone person, a place below a country's (a country stays: "England
    captain"); a person's full name only after an organisation's own noun ("group", "daily")."""
    by_start = {m.span.start: m for m in mentions}
    by_end = {m.span.end: m for m in mentions}
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)} | blocked
    new: dict[int, _Mention] = {}

    def convert(m: _Mention, people: bool, full_names: bool) -> None:
        if (
            people
            and (_lone_person(m, person_words) or m.label == "PERSON" and full_names)
            or m.label in ("GPE", "LOC")
            and not _is_country(m)
            and not m.span[0].is_upper
        ):
            new[m.span.start] = m.relabelled("ORG")

    def add(start: int, end: int) -> None:
        if doc[start:end].text in COUNTRY_NAMES or doc[start:end].text in _country_names():
            return
        if not (end - start == 1 and doc[start].is_sent_start):  # a capital that only starts a sentence
            new[start] = _Mention(Span(doc, start, end, label="ORG"), RULES_SOURCE, DEFAULT_SCORE)

    for i in (i for i, word in enumerate(words) if word in _CUE_WORDS):
        word = words[i]
        if (word in ORG_NOUNS or word in AGENT_NOUNS) and i + 1 < len(doc):
            m = by_start.get(i + 1)
            if m is not None:
                convert(m, people=True, full_names=word in ORG_NOUNS)
            elif (end := _bare_name_end(doc, i + 1, covered)) > i + 1:
                add(i + 1, end)
        if (word in ORG_ROLES or word in GROUP_ROLES) and i > 0:
            m = by_end.get(i)
            if m is not None:
                convert(m, people=word in ORG_ROLES, full_names=True)
            elif (start := _bare_name_start(doc, i, covered)) < i:
                add(start, i)
        if word in MATCH_VERBS and (m := by_start.get(i + 1)) is not None:
            convert(m, people=False, full_names=False)
    return _replaced(mentions, new)


def _one_kind(doc: Doc, mentions: list[_Mention], person_words: set[str]) -> list[_Mention]:
    """A name that is an organisation somewhere in the document is one in its other mentions that
    the model read as a place below a country's or a lone person ("Gateshead striker ...
    Gateshead won"); not where a preposition of place stands before it ("in Gateshead")."""
    organisations = {m.span.text for m in mentions if m.label == "ORG"}
    result = []
    for m in mentions:
        if (
            m.span.text in organisations
            and (m.label in ("GPE", "LOC") and not _is_country(m) or _lone_person(m, person_words))
            and not _dateline(doc, m.span)
        ):
            before = doc[m.span.start - 1] if m.span.start > 0 else None
            if before is None or before.lower_ not in PLACE_PREPOSITIONS:
                m = m.relabelled("ORG")
        result.append(m)
    return result


def _dateline(doc: Doc, span: Span) -> bool:
    """A place that starts a line and a date or the line's end follows: a dateline ("NEW YORK
    1996-08-22"), where a place is the place even in a story that names its club."""
    after = doc[span.end] if span.end < len(doc) else None
    return (
        (span.start == 0 or "\n" in doc[span.start - 1].text_with_ws)
        and after is not None
        and (bool(re.fullmatch(r"(1[5-9]|20)\d\d", after.text)) or after.lower_ in MONTHS or "\n" in after.text)
    )


def _replaced(mentions: list[_Mention], new: dict[int, _Mention]) -> list[_Mention]:
    """The mentions with those of ``new`` (by start token) in their place, and its others added."""
    if not new:
        return mentions
    result = [new.pop(m.span.start, m) for m in mentions]
    return sorted(result + list(new.values()), key=lambda m: m.span.start)


def _suffixed_names(doc: Doc, words: list[str], mentions: list[_Mention], blocked: set[int]) -> list[_Mention]:
    """A run of capitalised proper nouns ending in an organisation's last word ("Oakfield Marine Co
    Ltd", "Lima Newsroom", "Board of Grain and Seed Commission") that the
    model left out, or of which it only saw the place, is an organisation (one span, no place in it)."""
    by_token = {i: m for m in mentions for i in range(m.span.start, m.span.end)}
    found = []
    last = -1
    for i in (i for i, word in enumerate(words) if word in ORG_LAST_WORDS):
        if i <= last or i in blocked:
            continue
        end = i + 1
        while end < len(doc) and words[end] in ORG_LAST_WORDS and not doc[end].is_sent_start:
            end += 1  # "Co Ltd"
        qualified_end = _qualifier_after_head(doc, words, end) if words[end - 1] in ORG_HEADS_BEFORE_OF else end
        qualified = qualified_end > end
        end = qualified_end
        last = end - 1
        start = i
        while (
            start > 0
            and not doc[start].is_sent_start
            and not (qualified and start - 1 in blocked)
            and (
                _company_word(doc[start - 1], inside=True)
                or doc[start - 1].lower_ in ("of", "and", "for")
                and start >= 2
                and _company_word(doc[start - 2], inside=True)
                and not doc[start - 1].is_sent_start
            )
        ):
            start -= 1
        while start < i and words[start].rstrip(".") in TITLE_WORDS:
            start += (
                1  # a title starts no name ("Defense Ministry"), though one stands inside ("Israel Defense Forces")
            )
        if start == i and end == i + 1:
            continue
        inside = list({id(by_token[i]): by_token[i] for i in range(start, end) if i in by_token}.values())
        if any(
            m.span.start < start
            or m.span.end > end
            or (m.span.start, m.span.end) == (start, end)
            or m.label not in ("GPE", "LOC", "FAC", "NORP")
            and not (qualified and m.label == "ORG")
            for m in inside
        ):
            continue  # the model's own name, a longer one, or one of another kind inside (an organisation's
            # part, "National Resistance" in "Army of National Resistance", gives way to the whole)
        if not any(i in blocked for i in range(start, end)):
            found.append((start, end, inside))
    if not found:
        return mentions
    drop = {id(m) for _, _, inside in found for m in inside}
    result = [m for m in mentions if id(m) not in drop]
    result.extend(_Mention(Span(doc, start, end, label="ORG"), RULES_SOURCE, DEFAULT_SCORE) for start, end, _ in found)
    return sorted(result, key=lambda m: m.span.start)


def _qualifier_after_head(doc: Doc, words: list[str], end: int) -> int:
    """The end of "of National Liberation", "for the Liberation of Mozambique" after a group's head
    word at ``end - 1``: "of"/"for" (and "the") followed by capitalised proper nouns; ``end`` if none."""
    k = end
    if not (k + 1 < len(doc) and words[k] in ("of", "for")):
        return end
    k += 1
    if words[k] == "the" and k + 1 < len(doc):
        k += 1
    stop = k
    while (
        stop < len(doc)
        and not doc[stop].is_sent_start
        and (
            _company_word(doc[stop])
            or words[stop] in ("of", "the")
            and stop + 1 < len(doc)
            and _company_word(doc[stop + 1])
        )
    ):  # not "and": "Council of Europe and NATO" are two
        stop += 1
    return stop if stop > k else end


def _company_word(token, inside: bool = False) -> bool:
    """A capitalised proper noun that may stand in a company's or a group's name (``inside``: a title
    word may too, between other words of the name)."""
    return (
        token.tag_ in ("NNP", "NNPS")
        and (token.is_title or token.is_upper and token.is_alpha)
        and (inside or token.text.rstrip(".") not in TITLE_WORDS)
    ) or token.text == "&"


def _other_mentions(
    doc: Doc, words: list[str], mentions: list[_Mention], forms: dict[tuple[str, ...], _Mention], blocked: set[int]
) -> list[_Mention]:
    """The document's other mentions of a name it has labelled (the same words, which nothing covers
    and which are no part of a longer capitalised name) take that name's label and score."""
    if not forms:
        return mentions
    covered = {i for m in mentions for i in range(m.span.start, m.span.end)} | blocked
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for form in sorted(forms, key=len, reverse=True):
        by_first.setdefault(form[0], []).append(form)
    result = list(mentions)
    for i in (i for i, word in enumerate(words) if word in by_first):
        if i in covered:
            continue
        for form in by_first[words[i]]:
            end = i + len(form)
            if end > len(doc) or tuple(words[i:end]) != form or covered.intersection(range(i, end)):
                continue
            if end < len(doc) and _name_word(doc[end]) or i > 0 and _name_word(doc[i - 1]) and not doc[i].is_sent_start:
                continue  # part of a longer name
            sense = forms[form]
            result.append(_Mention(Span(doc, i, end, label=sense.label), RULES_SOURCE, sense.score))
            covered.update(range(i, end))
            break
    return sorted(result, key=lambda m: m.span.start)


@lru_cache(maxsize=1)
def _country_names() -> frozenset[str]:
    import pycountry

    attributes = ("name", "common_name", "official_name")
    return frozenset(
        name
        for country in pycountry.countries
        for name in (getattr(country, attr, None) for attr in attributes)
        if name
    )


@lru_cache(maxsize=1)
def _subdivision_names() -> frozenset[str]:
    """Names of subdivisions at every level (ISO 3166-2: counties, districts, cities with their own
    government), not a country's: the places clubs and councils are named after."""
    import pycountry

    return frozenset({s.name for s in pycountry.subdivisions} - _country_names() - COUNTRY_NAMES - _PLACE_STOP)


def _is_place(span: Span) -> bool:
    return span.label_ == "GPE" and span.id_ in (PLACE_ID, SUBDIVISION_ID)


def _full_names(spans: list[Span], label: str, *, suffixes: bool) -> set[str]:
    """The short forms a document may use for its longer names of ``label``: a person's surname
    ("Neil Jordan" -> "Jordan", "Hicham El Guerrouj" -> "El Guerrouj", "Guerrouj"), an
    organisation's first words ("Altria Group" -> "Altria")."""
    forms = set()
    for span in spans:
        words = [t.text for t in span]
        if (
            span.label_ != label
            or len(words) < 2
            or not span[0].is_title
            or not all(
                t.is_title or t.is_upper and t.is_alpha or t.lower_ in NAME_PARTICLES or t.text in ("-", "'", ".", "&")
                for t in span
            )
        ):
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
    if (
        before is not None
        and before.whitespace_ == " "
        and before.i not in claimed
        and not before.is_sent_start
        and _name_word(before)
    ):
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
    return (
        token.tag_ in ("NNP", "NNPS")
        and (token.is_title or token.is_upper and token.is_alpha and len(token) > 1)
        and token.lower_ not in _DATE_WORDS
        and token.text.rstrip(".") not in TITLE_WORDS
    )


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
    return {
        "start": span.start_char,
        "end": span.end_char,
        "label": span.label_,
        "text": span.text,
        "source": source,
        "score": round(float(score), 4),
    }


# One-word subdivision names that are also common words or surnames in English news.
_PLACE_STOP = {
    "Central",
    "Southern",
    "Northern",
    "Eastern",
    "Western",
    "Coast",
    "Most",
    "Capital",
    "Centre",
    "Centro",
    "North",
    "South",
    "East",
    "West",
    "Upper",
    "Lower",
    "Federal",
    "Distrito Capital",
    "Metropolitan",
    "Island",
    "Islands",
    "Valley",
    "Lakes",
    "Sud",
    "Nord",
    "Ouest",
    "Est",
    "Meta",
    "Santander",
    "Hidalgo",
    "Guerrero",
    "Morelos",
    "Miranda",
    "Lara",
    "Victoria",
    "Georgia",
    "Jersey",
    "Washington",
    "Bolívar",
    "Sucre",
    "Magdalena",
    "Trujillo",
    "Apure",
    "Nayarit",
    "Colón",
    "Amazon",
    "Ica",
    "Acre",
    "Pará",
    "Para",
    "Ceará",
}


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
    keep = sorted(
        n for n in names if n not in _PLACE_STOP and len(n) >= 4 and "," not in n and "(" not in n and n[0].isupper()
    )
    return [{"label": "GPE", "pattern": name, "id": PLACE_ID if name in countries else SUBDIVISION_ID} for name in keep]


class EntityMerger:
    """Merges the model's ``doc.ents`` and the gazetteer's ``doc.spans`` into schema entities,
    stored as plain records in ``doc.user_data`` (so they survive multiprocessing)."""

    def __init__(
        self,
        nlp: Language,
        gazetteer_key: str,
        places_key: str = PLACES_KEY,
        model_labels: Iterable[str] = SCHEMA_LABELS,
    ) -> None:
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
        cleaned = cleaned_model_spans(doc.ents, self.model_labels)
        records = merge_entities(
            doc.ents, gazetteer + rules, self.label_precision, places, self.model_labels, doc, cleaned=cleaned
        )
        doc.user_data[ENTITY_KEY] = records
        doc.user_data[DISAGREEMENT_KEY] = disagreements(doc.ents, records, self.model_labels, cleaned=cleaned[0])
        # The rules' span groups were only the merge's input, and the model's tensor is read by no
        # component after this one; with n_process > 1 every Doc is sent back to the main process,
        # and they made it a third slower to send (the tensor is three quarters of its bytes).
        for key in (self.gazetteer_key, self.places_key):
            doc.spans.pop(key, None)
        doc.tensor = numpy.zeros((0,), dtype="float32")
        return doc


@Language.factory(
    "newscorpus_entities",
    default_config={"gazetteer_key": GAZETTEER_KEY, "places_key": PLACES_KEY, "model_labels": list(SCHEMA_LABELS)},
)
def make_entity_merger(
    nlp: Language, name: str, gazetteer_key: str, places_key: str, model_labels: list[str]
) -> "EntityMerger":
    return EntityMerger(nlp, gazetteer_key, places_key, model_labels)
