"""Numeric claims: COUNT, QUANTITY, MONEY and PERCENT spans with normalised value, unit and qualifier.

Two steps, per ``../shared/ANNOTATION_SCHEMA.md``:

* ``find_claims`` finds the spans in a tagged, lemmatised spaCy ``Doc``: a number (digits, number
  words, "a dozen", "tens of thousands", fractions), its qualifier ("some", "at least"), ranges and
  changes ("from 78 to 46", "between 2,000 and 3,000", "hundreds if not thousands"), and what it
  counts or measures: a currency, a percent sign, a unit, or the counted noun.
* ``normalize_claim`` computes ``value``, ``unit``, ``approx``, ``low``/``high``, ``from``/``to`` from
  a span's tokens alone, so a span an annotator moved or relabelled is normalised the same way.

No parser is needed: the counted noun is the last noun of the nominal group after the number
(tags from the tagger, lemma from the lemmatizer), or for "28 more" the nearest plural noun before
it in the sentence. Numbers inside dates, times, ages, names, rankings and page references are not
claims. Cardinal number words are read by text2num; the rest (dozens, fractions, vague magnitudes,
units, currencies) are small tables here, since no library covers them the way the schema wants
(pint reads "tons" as short tons and "kilos" as kiloseconds, and knows no currencies).
"""

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span, Token
from text_to_num import text2num

CLAIM_SOURCE = "claims"
MODEL_CLAIM_SOURCE = "model"  # a claim span from a trained span categorizer

# -- tables --------------------------------------------------------------------------------------

QUALIFIERS = sorted(
    [
        "some", "about", "around", "roughly", "approximately", "nearly", "almost", "over", "more than",
        "less than", "fewer than", "at least", "at most", "up to", "just over", "just under", "well over",
        "an estimated", "estimated", "as many as", "as much as", "as few as", "close to", "upwards of",
        "more than a", "under", "below", "above", "around a", "about a", "some a", "only", "nearly a",
        "almost a", "barely", "no fewer than", "no less than", "no more than", "a total of", "an average of",
        "on average", "a record", "approx.", "c.", "circa", "roughly a", "some half",
    ],
    key=lambda q: -len(q.split()),
)
_QUALIFIER_WORDS = [q.split() for q in QUALIFIERS]

SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
          "mn": 1e6, "m": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12, "trn": 1e12, "k": 1e3}
VAGUE = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
FRACTIONS = {"half": 50.0, "third": 100 / 3, "thirds": 100 / 3, "quarter": 25.0, "quarters": 25.0,
             "fifth": 20.0, "fifths": 20.0, "tenth": 10.0, "tenths": 10.0}
SMALL_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                      "eight": 8, "nine": 9, "ten": 10}

CURRENCY_SYMBOLS = {"$": "USD", "us$": "USD", "usd": "USD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP",
                    "s/": "PEN", "s/.": "PEN", "pen": "PEN", "cop": "COP", "mxn": "MXN", "r$": "BRL", "¥": "JPY",
                    "bob": "BOB", "ars": "ARS", "clp": "CLP"}
CURRENCY_WORDS = {"dollar": "USD", "euro": "EUR", "sol": "PEN", "sole": "PEN", "peso": "peso", "pound": "GBP",
                  "real": "BRL", "reais": "BRL", "boliviano": "BOB", "yuan": "CNY", "yen": "JPY", "rupee": "INR",
                  "bolivar": "VES", "bolívar": "VES", "sterling": "GBP"}
PESO_COUNTRIES = {"colombian": "COP", "mexican": "MXN", "chilean": "CLP", "argentine": "ARS", "argentinian": "ARS",
                  "philippine": "PHP", "uruguayan": "UYU", "dominican": "DOP", "cuban": "CUP"}

UNITS = {
    "hectare": "hectare", "ha": "hectare", "acre": "acre",
    "tonne": "tonne", "ton": "tonne", "t": "tonne", "kilogram": "kilogram", "kilogramme": "kilogram", "kg": "kilogram",
    "kilo": "kilogram", "gram": "gram", "gramme": "gram", "g": "gram", "milligram": "milligram", "mg": "milligram",
    "ounce": "ounce", "oz": "ounce", "pound": "pound", "lb": "pound", "lbs": "pound",
    "kilometre": "kilometre", "kilometer": "kilometre", "km": "kilometre", "metre": "metre", "meter": "metre",
    "mile": "mile", "centimetre": "centimetre", "centimeter": "centimetre", "cm": "centimetre",
    "km2": "square kilometre", "sq": "square", "square": "square", "cubic": "cubic",
    "litre": "litre", "liter": "litre", "l": "litre", "gallon": "gallon", "barrel": "barrel",
    "megawatt": "megawatt", "mw": "megawatt", "kilowatt": "kilowatt", "kw": "kilowatt",
}
_SQUARE_UNITS = {"kilometre", "metre", "mile", "centimetre"}
# Lemmas for counted nouns where the lemmatizer's choice is not the counted thing.
COUNT_LEMMAS = {"people": "person", "persons": "person", "bases": "base", "police": "police officer"}
NOT_A_COUNTED_NOUN = {"percent", "cent", "time", "times", "year", "years", "month", "day", "week", "hour", "minute",
                      "second", "decade", "century", "am", "pm", "a.m.", "p.m."}
DATE_WORDS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
              "dec", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "year", "years",
              "month", "months", "week", "weeks", "day", "days", "decade", "decades", "century", "centuries",
              "ago", "old", "hour", "hours", "minute", "minutes", "a.m.", "p.m.", "am", "pm", "gmt", "utc", "bc", "ad"}
REFERENCE_WORDS = {"page", "pages", "article", "articles", "chapter", "section", "no.", "number", "#", "room", "route",
                   "line", "flight", "resolution", "paragraph", "item", "point", "level", "grade", "phase", "step",
                   "version", "figure", "table", "platform", "gate", "highway", "km.", "kilometre", "kilometer"}
NAME_LABELS = {"PERSON", "ORG", "FAC", "PRODUCT", "LAW", "WORK_OF_ART", "EVENT", "GPE", "LOC", "NORP"}
NOMINAL_TAGS = {"JJ", "JJR", "VBN", "VBG", "NN", "NNS", "NNP", "NNPS", "HYPH"}
NOUN_TAGS = {"NN", "NNS"}

_DIGITS = re.compile(
    r"(?P<currency>US\$|R\$|S/\.?|[$€£¥])?(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<scale>bn|mn|m|k|b|tn|trn)?(?P<unit>kg|km|km2|ha|t|g|mw)?$",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(1[5-9]|20)\d\d$")


@dataclass
class Claim:
    start: int
    end: int
    label: str
    text: str
    value: float | None = None
    unit: str | None = None
    approx: str | None = None
    low: float | None = None
    high: float | None = None
    from_: float | None = None
    to: float | None = None
    source: str = CLAIM_SOURCE
    score: float = 0.9

    def to_json(self) -> dict[str, Any]:
        record = asdict(self)
        record["from"] = record.pop("from_")
        return record


@dataclass
class _Number:
    """A number phrase: tokens [start, end) and its value; ``currency``/``unit`` when written inside."""

    start: int
    end: int
    value: float
    kind: str = "digits"  # digits | words | vague | fraction
    currency: str | None = None
    unit: str | None = None
    extras: list[float] = field(default_factory=list)


# -- reading numbers -----------------------------------------------------------------------------


def _lower(token: Token) -> str:
    return token.lower_


def _word_value(word: str) -> float | None:
    if word in ("a", "an"):
        return None
    try:
        return float(text2num(word, "en"))
    except (ValueError, TypeError):
        return None


def read_number(doc: Doc | Span, i: int, end: int | None = None) -> _Number | None:
    """The number phrase starting at token ``i``, if one does."""
    end = len(doc) if end is None else end
    token = doc[i]
    word = token.lower_
    match = _DIGITS.match(token.text)
    if match:
        value = float(match.group("number").replace(",", ""))
        number = _Number(i, i + 1, value)
        if match.group("currency"):
            number.currency = CURRENCY_SYMBOLS[match.group("currency").lower()]
        if match.group("scale"):
            scale = match.group("scale").lower()
            if scale == "m" and not number.currency and _next_word(doc, i + 1, end) not in CURRENCY_WORDS_ALL:
                number.unit = "metre"
            else:
                number.value *= SCALES[scale]
        if match.group("unit"):
            number.unit = UNITS.get(match.group("unit").lower(), number.unit)
        _read_scale_words(doc, number, end)
        return number
    if word in VAGUE:  # vague magnitudes take their floor: "hundreds" is 100
        return _Number(i, i + 1, VAGUE[word], kind="vague")
    if word == "tens" and i + 2 < end and doc[i + 1].lower_ == "of" and doc[i + 2].lower_ in VAGUE:
        return _Number(i, i + 3, 10 * VAGUE[doc[i + 2].lower_], kind="vague")
    if word in ("a", "an", "another") and i + 1 < end and doc[i + 1].lower_ == "dozen":
        return _Number(i if word != "another" else i + 1, i + 2, 12, kind="words")
    if word == "dozen":
        return _Number(i, i + 1, 12, kind="words")
    fraction = _read_fraction(doc, i, end)
    if fraction:
        return fraction
    value = _word_value(word) if token.tag_ == "CD" or word in SMALL_NUMBER_WORDS else None
    if value is None or word in ("a", "an"):
        return None
    number = _Number(i, i + 1, value, kind="words")
    # compound number words: "twenty - three", "three hundred and forty two"
    j = i + 1
    while j < end:
        nxt = doc[j].lower_
        if nxt in ("-", "and") and j + 1 < end and _word_value(doc[j + 1].lower_) is not None and doc[j + 1].tag_ == "CD":
            j += 1
            continue
        if _word_value(nxt) is not None and doc[j].tag_ == "CD" and nxt not in SCALES:
            j += 1
            continue
        break
    if j > i + 1:
        phrase = " ".join(t.lower_ for t in doc[i:j] if t.lower_ != "-").replace(" - ", "-")
        try:
            number.value = float(text2num(phrase, "en"))
            number.end = j
        except ValueError:
            pass
    _read_scale_words(doc, number, end)
    if doc[number.end - 1].lower_ in ("dozen",):
        number.value *= 12
    return number


CURRENCY_WORDS_ALL = {"dollars", "dollar", "euros", "euro", "soles", "sol", "pesos", "peso", "pounds", "reais"}


def _next_word(doc, j: int, end: int) -> str:
    return doc[j].lower_ if j < end else ""


def _read_scale_words(doc, number: _Number, end: int) -> None:
    j = number.end
    while j < end and doc[j].lower_ in SCALES and doc[j].lower_ not in ("m", "b", "k") or (
        j < end and doc[j].lower_ in ("m", "bn", "mn", "b") and doc[j].tag_ in ("CD", "NN") and _scale_m(doc, number, j, end)
    ):
        number.value *= SCALES[doc[j].lower_]
        j += 1
    number.end = j


def _scale_m(doc, number: _Number, j: int, end: int) -> bool:
    """"5m" written as "5 m": a scale after a currency or before a currency word, else metres."""
    if doc[j].lower_ != "m":
        return True
    return bool(number.currency) or _next_word(doc, j + 1, end) in CURRENCY_WORDS_ALL or doc[j - 1].whitespace_ == ""


def _read_fraction(doc, i: int, end: int) -> _Number | None:
    word = doc[i].lower_
    if word == "half":
        return _Number(i, i + 1, 50.0, kind="fraction")
    if word in ("a", "one") and i + 1 < end and doc[i + 1].lower_ in FRACTIONS and doc[i + 1].lower_ != "half":
        return _Number(i, i + 2, FRACTIONS[doc[i + 1].lower_], kind="fraction")
    if word in SMALL_NUMBER_WORDS and word not in ("a", "an"):
        j = i + 1
        if j < end and doc[j].lower_ == "-":
            j += 1
        if j < end and doc[j].lower_ in FRACTIONS and doc[j].lower_.endswith("s"):
            return _Number(i, j + 1, round(SMALL_NUMBER_WORDS[word] * FRACTIONS[doc[j].lower_], 2), kind="fraction")
        # "one in five"
        if word == "one" and i + 2 < end and doc[i + 1].lower_ == "in":
            other = _word_value(doc[i + 2].lower_) if not doc[i + 2].like_num or not doc[i + 2].text[0].isdigit() else float(doc[i + 2].text.replace(",", ""))
            if other:
                return _Number(i, i + 3, round(100 / other, 2), kind="fraction")
    return None


# -- finding claims -------------------------------------------------------------------------------


def _qualifier_before(doc, i: int, floor: int) -> int:
    """Start of the longest qualifier phrase that ends right before token ``i`` (``i`` if none)."""
    for words in _QUALIFIER_WORDS:
        start = i - len(words)
        if start >= floor and [t.lower_ for t in doc[start:i]] == words:
            return start  # only the nearest: in "extends over some 28,000" the qualifier is "some"
    return i


def _is_excluded(doc: Doc, number: _Number, sentence_start: int) -> bool:
    """Dates, times, ages, names, rankings and references are not claims."""
    first = doc[number.start]
    words = [t.lower_ for t in doc[number.start : number.end]]
    before = doc[number.start - 1].lower_ if number.start > 0 else ""
    after = doc[number.end].lower_ if number.end < len(doc) else ""
    after2 = doc[number.end + 1].lower_ if number.end + 1 < len(doc) else ""
    if ":" in first.text or after in ("a.m.", "p.m.", "am", "pm", "gmt", "hours", "hour", "minutes", "o'clock"):
        return True
    if number.kind == "digits" and not number.currency and _YEAR.match(first.text) and len(words) == 1:
        return True
    if before in DATE_WORDS or after in DATE_WORDS or (after == "-" and after2 in ("year", "month", "day", "week")):
        return True  # "May 2021", "three years", "a 33-year-old"
    if before in ("aged", "age", "ages"):
        return True
    if after == "," and before == "," and number.start >= 2 and doc[number.start - 2].ent_type_ == "PERSON":
        return True  # "Juan Pérez, 45, said"
    if first.ent_type_ in ("DATE", "TIME") and any(t.lower_ in DATE_WORDS for t in _entity_of(doc, number.start)):
        return True  # the model's DATE also covers bare numbers ("78 to 46"): trust it only with a date word
    if first.ent_type_ in ("ORDINAL",) or first.text[-2:].lower() in ("st", "nd", "rd", "th") and first.text[0].isdigit():
        return True
    if first.ent_type_ in NAME_LABELS and number.kind == "digits":
        return True
    if before in REFERENCE_WORDS or before == "top":
        return True
    if after in ("of",) and words == ["one"]:
        return True
    return number.end < len(doc) and doc[number.end].tag_ == "JJS"  # "the two largest"


def _entity_of(doc: Doc, i: int) -> Span:
    start, end = i, i + 1
    while start > 0 and doc[start].ent_iob_ == "I":
        start -= 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return doc[start:end]


def _unit_at(doc, j: int, end: int) -> tuple[str | None, int]:
    """A unit of measure starting at token ``j``: (canonical unit, end token) or (None, j)."""
    if j >= end:
        return None, j
    k = j + 1 if doc[j].lower_ == "-" else j  # "a two-hectare plot"
    if k >= end:
        return None, j
    word, lemma = doc[k].lower_, doc[k].lemma_.lower()
    if word in ("metric", "short", "long") and k + 1 < end and doc[k + 1].lemma_.lower() in ("ton", "tonne"):
        return ("tonne" if word == "metric" else f"{word} ton"), k + 2
    if word in ("square", "sq", "sq.", "cubic") and k + 1 < end:
        u = k + 2 if doc[k + 1].text == "-" and k + 2 < end else k + 1  # "112,000-square-kilometre"
        inner = UNITS.get(doc[u].lemma_.lower()) or UNITS.get(doc[u].lower_)
        if inner in _SQUARE_UNITS:
            return f"{'cubic' if word == 'cubic' else 'square'} {inner}", u + 1
    unit = UNITS.get(word) or UNITS.get(lemma)
    if unit and unit not in ("square", "cubic"):
        if word in ("t", "g", "l") and doc[k - 1].whitespace_:
            return None, j  # a lone letter after a space is rarely a unit
        if unit == "pound" and k + 1 < end and doc[k + 1].lower_ == "sterling":
            return None, j
        return unit, k + 1
    return None, j


def _currency_word_at(doc, j: int, end: int) -> tuple[str | None, int]:
    if j >= end:
        return None, j
    k = j
    country = None
    if doc[k].lower_ in PESO_COUNTRIES or doc[k].lower_ in ("us", "u.s.", "american", "peruvian", "new"):
        country = doc[k].lower_
        k += 1
    if k >= end:
        return None, j
    lemma = doc[k].lemma_.lower()
    word = doc[k].lower_
    if word == "real":  # the adjective; the currency is written "reais"
        return None, j
    currency = CURRENCY_WORDS.get(word) or CURRENCY_WORDS.get(lemma) or CURRENCY_SYMBOLS.get(word)
    if word in ("pounds", "pound") and not (k + 1 < end and doc[k + 1].lower_ == "sterling"):
        return None, j  # a mass, unless "pounds sterling"
    if currency is None:
        return None, j
    if currency == "peso":
        currency = PESO_COUNTRIES.get(country or "", "peso")
    if word == "pounds" and k + 1 < end and doc[k + 1].lower_ == "sterling":
        k += 1
    return currency, k + 1


def _percent_at(doc, j: int, end: int) -> int | None:
    if j < end and doc[j].text in ("%", "percent", "pct"):
        return j + 1
    if j + 1 < end and doc[j].lower_ == "per" and doc[j + 1].lower_ == "cent":
        return j + 2
    if j < end and doc[j].lower_ == "percent":
        return j + 1
    return None


def _is_plural_noun(token: Token) -> bool:
    """NNS, or a plural the tagger read as a verb right after a number ("31 inmates" tagged VBZ)."""
    if token.tag_ == "NNS":
        return True
    return (token.tag_ in ("VBZ", "VBP") and token.i > 0 and token.doc[token.i - 1].like_num
            and token.lower_.endswith("s") and token.is_lower)


def _counted_noun(doc, j: int, end: int) -> tuple[Token | None, int]:
    """The head of the nominal group starting at ``j`` ("12 clandestine landing strips" -> strips)."""
    head, k = None, j
    while k < end and k < j + 5 and (doc[k].tag_ in NOMINAL_TAGS or _is_plural_noun(doc[k])) and doc[k].ent_type_ not in ("DATE", "TIME"):
        if doc[k].tag_ in ("NNP", "NNPS") and k + 1 < end and doc[k + 1].tag_ not in NOMINAL_TAGS:
            break  # "12 Peruvian" ends; a proper name is not what is counted
        if (doc[k].tag_ in NOUN_TAGS or _is_plural_noun(doc[k])) and doc[k].lower_ not in NOT_A_COUNTED_NOUN:
            head = doc[k]
        if doc[k].tag_ == "HYPH" and head is not None:
            break
        k += 1
        if head is not None and (k >= end or doc[k].tag_ not in NOUN_TAGS):
            break
    return head, (head.i + 1 if head is not None else j)


def _referent(doc, i: int, sentence_start: int) -> Token | None:
    """For "28 more" or "from 78 to 46": the nearest plural noun before it in the sentence."""
    for k in range(i - 1, sentence_start - 1, -1):
        token = doc[k]
        if _is_plural_noun(token) and token.ent_type_ not in ("DATE", "TIME") and token.lower_ not in NOT_A_COUNTED_NOUN:
            return token
    return None


def find_claims(doc: Doc) -> list[Claim]:
    claims: list[Claim] = []
    sentence_start = 0
    i = 0
    while i < len(doc):
        if doc[i].is_sent_start:
            sentence_start = i
        span = _claim_at(doc, i, sentence_start)
        if span is None:
            i += 1
            continue
        start, end, label, score = span
        claim = normalize_claim(doc[start:end], label, sentence_start=sentence_start)
        claim.score = score
        claims.append(claim)
        i = end
    return claims


def _second_number(doc: Doc, number: _Number, before: str, sentence_start: int) -> _Number | None:
    """The other end of a range or change: "from X to Y", "between X and Y", "X if not Y", "X-Y"."""
    end = number.end
    if before in ("from", "between") and end + 2 < len(doc) and doc[end].text in ("%", "percent") \
            and doc[end + 1].lower_ in ("to", "and"):
        end += 1  # "between 10% and 20%": the first number's unit is written twice
    joined = (end + 1 < len(doc) and doc[end].lower_ in ("to", "and", "-", "–") and before in ("from", "between")) \
        or (end + 2 < len(doc) and doc[end].lower_ == "if" and doc[end + 1].lower_ == "not") \
        or (end + 1 < len(doc) and doc[end].text in ("-", "–") and number.kind == "digits")
    if not joined:
        return None
    second_start = _qualifier_end(doc, end + (2 if doc[end].lower_ == "if" else 1), len(doc))  # "to less than 12,000"
    if second_start < len(doc) and doc[second_start].lower_ in CURRENCY_SYMBOLS:
        second_start += 1
    second = read_number(doc, second_start) if second_start < len(doc) else None
    return second if second is not None and not _is_excluded(doc, second, sentence_start) else None


def _claim_at(doc: Doc, i: int, sentence_start: int) -> tuple[int, int, str, float] | None:
    """(start token, end token, label, score) of the claim whose number starts at ``i``."""
    currency = None
    core_start = i
    token = doc[i]
    if token.lower_ in CURRENCY_SYMBOLS and token.tag_ in ("$", "NNP", "CD", "SYM") and i + 1 < len(doc):
        currency = CURRENCY_SYMBOLS[token.lower_]
        core_start = i + 1
    number = read_number(doc, core_start)
    if number is None:
        return None
    if _is_excluded(doc, number, sentence_start):
        return None
    currency = currency or number.currency
    start = i if currency and core_start > i else number.start
    if doc[i].lower_ == "another":
        start = i
    end = number.end
    qualifier = _qualifier_before(doc, start, sentence_start)
    before = doc[qualifier - 1].lower_ if qualifier > sentence_start else ""
    second = _second_number(doc, number, before, sentence_start)
    if second is not None:
        end = second.end
    start = qualifier - 1 if second is not None and before in ("from", "between") else qualifier
    # what the number counts or measures
    if number.kind == "fraction" and doc[number.start].lower_ == "one" and number.end - number.start == 3:
        return start, end, "PERCENT", 0.9  # "one in five (hectares)" is a share
    percent_end = _percent_at(doc, end, len(doc))
    if percent_end:
        return start, percent_end, "PERCENT", 0.95
    if currency:
        return start, _money_end(doc, end), "MONEY", 0.95
    word_currency, currency_end = _currency_word_at(doc, end, len(doc))
    if word_currency:
        return start, currency_end, "MONEY", 0.95
    unit, unit_end = (number.unit, end) if number.unit else _unit_at(doc, end, len(doc))
    if unit:
        return start, unit_end, "QUANTITY", 0.95
    if number.kind == "fraction":
        # "half a tonne" is a quantity; "roughly half of", "a third of the vote" are shares
        nxt = doc[end].lower_ if end < len(doc) else ""
        if nxt in ("a", "an"):
            unit, unit_end = _unit_at(doc, end + 1, len(doc))
            if unit:
                return start, unit_end, "QUANTITY", 0.9
        if nxt in ("of", "the") or start < number.start or doc[number.start + 1].lower_ == "in":
            return start, end, "PERCENT", 0.85
        return None
    k = end
    if number.kind == "vague" and k + 1 < len(doc) and doc[k].lower_ == "of":
        unit, unit_end = _unit_at(doc, k + 1, len(doc))  # "thousands of hectares"
        if unit:
            return start, unit_end, "QUANTITY", 0.85
        head, head_end = _counted_noun(doc, k + 1, len(doc))
        return (start, head_end, "COUNT", 0.85) if head is not None else None
    if k < len(doc) and doc[k].lower_ in ("more", "other", "additional", "new", "fewer"):
        head, head_end = _counted_noun(doc, k + 1, len(doc))
        if head is not None:
            return start, head_end, "COUNT", 0.9
        referent = _referent(doc, start, sentence_start)
        if referent is not None:
            return start, k + 1, "QUANTITY" if _unit_at(doc, referent.i, len(doc))[0] else "COUNT", 0.6
        return None
    head, head_end = _counted_noun(doc, k, len(doc))
    if head is not None:
        return start, head_end, "COUNT", 0.9
    referent = _referent(doc, start, sentence_start)
    if referent is None:
        return None
    label = "QUANTITY" if _unit_at(doc, referent.i, len(doc))[0] else "COUNT"
    if second is not None or start < number.start:
        return start, end, label, 0.6
    if number.kind == "digits" and _standalone(doc, end):
        return start, end, label, 0.5
    return None


def _standalone(doc: Doc, end: int) -> bool:
    """A number that ends its clause ("14 wounded", "... rose to 28."), not one in a list of codes."""
    return end >= len(doc) or doc[end].tag_ in (",", ".", ":", "CC", "VBN", "VBD", "IN") or doc[end].lower_ in ("wounded", "injured", "dead", "killed", "missing", "arrested")


def _money_end(doc: Doc, end: int) -> int:
    """Include "per kilogram" in a per-unit price; nothing else after a currency amount."""
    if end + 1 < len(doc) and doc[end].lower_ in ("per", "a", "an") and _unit_at(doc, end + 1, len(doc))[0]:
        return _unit_at(doc, end + 1, len(doc))[1]
    return end


# -- normalising a span -----------------------------------------------------------------------


def normalize_claim(span: Span, label: str, *, sentence_start: int | None = None) -> Claim:
    """Value, unit, qualifier, range and change of a claim span, from its tokens (plus, for a COUNT
    whose noun is left out, the noun it refers back to in its sentence)."""
    doc = span.doc
    claim = Claim(span.start_char, span.end_char, label, span.text)
    i, end = span.start, span.end
    qualifier_start = i
    if doc[i].lower_ == "another":
        i += 1
    if doc[i].lower_ in ("from", "between"):
        i += 1
    q_end = _qualifier_end(doc, i, end)
    if q_end > i:
        claim.approx = doc[i:q_end].text
        i = q_end
    numbers: list[_Number] = []
    currency = None
    j = i
    while j < end:
        token = doc[j]
        if token.lower_ in CURRENCY_SYMBOLS and token.tag_ in ("$", "NNP", "CD", "SYM", "NN"):
            currency = CURRENCY_SYMBOLS[token.lower_]
            j += 1
            continue
        number = read_number(doc, j, end)
        if number is not None:
            numbers.append(number)
            currency = currency or number.currency
            j = number.end
            continue
        j += 1
    if not numbers:
        return claim
    last = numbers[-1]
    claim.value = last.value
    if len(numbers) >= 2:
        first = numbers[0]
        words = [t.lower_ for t in doc[qualifier_start:end]]
        if words and words[0] == "from":
            claim.from_, claim.to = first.value, last.value
        else:
            claim.low, claim.high = first.value, last.value
        between_q = _qualifier_end(doc, first.end + 1, end)
        if between_q > first.end + 1 and claim.approx is None:
            claim.approx = doc[first.end + 1 : between_q].text
    claim.unit = _unit_of(doc, span, label, last, currency, sentence_start)
    if label == "PERCENT" and last.kind == "fraction":
        claim.value = round(last.value, 2)
    elif label == "QUANTITY" and last.kind == "fraction":
        claim.value = last.value / 100
    if claim.value is not None:
        claim.value = round(claim.value, 6)
    return claim


def _qualifier_end(doc, i: int, end: int) -> int:
    for words in _QUALIFIER_WORDS:
        if i + len(words) <= end and [t.lower_ for t in doc[i : i + len(words)]] == words:
            nxt = doc[i + len(words)] if i + len(words) < end else None
            if words[-1] in ("a", "an") and nxt is not None and nxt.lower_ not in ("dozen", "third", "quarter", "half", "fifth"):
                continue
            if words[-1] in ("a",) and nxt is not None and nxt.lower_ in ("dozen", "third", "quarter", "fifth"):
                return i + len(words) - 1  # the "a" of "a dozen" is part of the number
            return i + len(words)
    return i


def _unit_of(doc: Doc, span: Span, label: str, number: _Number, currency: str | None, sentence_start: int | None) -> str | None:
    end = span.end
    if label == "PERCENT":
        return "percent"
    if label == "MONEY":
        if currency:
            return currency
        for j in range(number.end, end):
            found, _ = _currency_word_at(doc, j, end)
            if found:
                return found
        return None
    if label == "QUANTITY":
        if number.unit:
            return number.unit
        for j in range(number.end, end + 1):
            found, _ = _unit_at(doc, j, end)
            if found:
                return found
        if sentence_start is None:
            sentence_start = span.sent.start if doc.has_annotation("SENT_START") else 0
        referent = _referent(doc, span.start, sentence_start)  # "up from 1,500" (hectares)
        return _unit_at(doc, referent.i, len(doc))[0] if referent is not None else None
    # COUNT: the lemma of the counted noun inside the span, else the noun it refers back to
    for token in reversed(span):
        if (token.tag_ in NOUN_TAGS or _is_plural_noun(token)) and token.i >= number.end and token.lower_ not in NOT_A_COUNTED_NOUN:
            return _count_lemma(token)
    if sentence_start is None:
        sentence_start = span.sent.start if doc.has_annotation("SENT_START") else 0
    referent = _referent(doc, span.start, sentence_start)
    return _count_lemma(referent) if referent is not None else None


def _count_lemma(token: Token) -> str:
    return COUNT_LEMMAS.get(token.lower_, token.lemma_.lower())


CLAIM_KEY = "newscorpus_claims"


class ClaimFinder:
    """Finds claims in a tagged, lemmatised ``Doc`` and stores them as plain records in
    ``doc.user_data`` (so they survive multiprocessing). With ``model_spans_key`` (a trained
    pipeline's span categorizer), the spans the model predicts in ``doc.spans[model_spans_key]``
    are added where no rule claim overlaps them, normalised the same way (source "model").

    The rules stay first: a span categorizer trained on a few hundred stories finds the claims of
    stories like them, but on other news it missed half of what the rules find (measured with
    bench/train_init.py on the held-out gold set), while what it adds is what reviewers taught it."""

    def __init__(self, model_spans_key: str | None = None) -> None:
        self.model_spans_key = model_spans_key

    def __call__(self, doc: Doc) -> Doc:
        claims = find_claims(doc)
        if self.model_spans_key is not None and self.model_spans_key in doc.spans:
            taken = set()
            for claim in claims:
                taken.update(range(claim.start, claim.end))
            learnt = [c for c in claims_from_spans(doc.spans[self.model_spans_key])
                      if not any(position in taken for position in range(c.start, c.end))]
            claims = sorted(claims + learnt, key=lambda claim: (claim.start, claim.end))
        doc.user_data[CLAIM_KEY] = [claim.to_json() for claim in claims]
        return doc


def claims_from_spans(spans) -> list[Claim]:
    """Normalised claims (source "model") for predicted spans (a ``SpanGroup``, its ``scores``
    attribute the model's probabilities), in text order."""
    scores = spans.attrs.get("scores") if hasattr(spans, "attrs") else None
    claims = []
    for number, span in sorted(enumerate(spans), key=lambda item: (item[1].start, item[1].end)):
        sentence_start = span.sent.start if span.doc.has_annotation("SENT_START") else None
        claim = normalize_claim(span, span.label_, sentence_start=sentence_start)
        claim.source = MODEL_CLAIM_SOURCE
        if scores is not None:
            claim.score = round(float(numpy.asarray(scores[number]).max()), 4)  # (1,) per span in spancat_singlelabel
        claims.append(claim)
    return claims


@Language.factory("newscorpus_claims", default_config={"model_spans_key": None})
def make_claim_finder(nlp: Language, name: str, model_spans_key: str | None) -> ClaimFinder:
    return ClaimFinder(model_spans_key)
