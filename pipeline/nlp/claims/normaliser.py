"""A claim's normalised fields, computed from its span's tokens: ``value``, ``unit``, ``approx``,
``low``/``high`` (a range), ``from``/``to`` (a change).

Also the readers of what stands after a number (a percent sign, a currency, a unit, a counted noun),
which the finder uses to decide where a span ends and which label it has: one reading for both, so a
span an annotator moved or relabelled is normalised exactly as a found one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spacy.tokens import Doc, Span, Token

from pipeline.nlp.claims import lexicon
from pipeline.nlp.claims.numbers import Number, glued, read_number

CLAIM_SOURCE = "claims"

QUALIFIERS = sorted(
    [
        "some",
        "about",
        "around",
        "roughly",
        "approximately",
        "nearly",
        "almost",
        "over",
        "more than",
        "less than",
        "fewer than",
        "at least",
        "at most",
        "up to",
        "just over",
        "just under",
        "well over",
        "an estimated",
        "estimated",
        "as many as",
        "as much as",
        "as few as",
        "as high as",
        "as low as",
        "close to",
        "upwards of",
        "more than a",
        "under",
        "below",
        "above",
        "around a",
        "about a",
        "nearly a",
        "almost a",
        "barely",
        "no fewer than",
        "no less than",
        "no more than",
        "approx.",
        "c.",
        "circa",
        "roughly a",
        "some half",
        "just",
        "only",
        "younger than",
        "older than",
        "in excess of",
        "a further",
        "a maximum of",
        "a minimum of",
        "an average",
        "an average of",
        "a total of",
        "a record",
        "∼",
        "~",
        "≈",
        "≥",
        "≤",
        "⩾",
        "⩽",
        "≳",
        "≲",
        "<",
        ">",
        "±",
        "≃",
        "ca.",
    ],
    key=lambda q: -len(q.split()),
)
_QUALIFIER_WORDS = [q.split() for q in QUALIFIERS]
_BY_LAST_WORD: dict[str, list[list[str]]] = {}
_BY_FIRST_WORD: dict[str, list[list[str]]] = {}
for _words in _QUALIFIER_WORDS:  # longest first within each list, as in QUALIFIERS
    _BY_LAST_WORD.setdefault(_words[-1], []).append(_words)
    _BY_FIRST_WORD.setdefault(_words[0], []).append(_words)
# Qualifiers that a span keeps but that do not approximate or bound the number.
NOT_APPROX = {"a further", "a total of", "an average", "an average of", "a record", "a maximum of", "a minimum of"}

COUNT_LEMMAS = {
    "people": "person",
    "persons": "person",
    "bases": "base",
    "police": "police officer",
    "times": "time",
    "twice": "time",
    "data": "datum",
    "species": "species",
    "series": "series",
}
NOT_A_COUNTED_NOUN = {
    "percent",
    "cent",
    "year",
    "years",
    "month",
    "day",
    "week",
    "hour",
    "minute",
    "second",
    "decade",
    "century",
    "am",
    "pm",
    "a.m.",
    "p.m.",
    "%",
    "pct",
    "pc",
    "per",
    "cents",
    "percentage",
    "mln",
    "bln",
    "dlrs",
    "dlr",
    "stg",
    "worth",
    "tens",
    "dozens",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "others",
}
NOMINAL_TAGS = {"JJ", "JJR", "VBN", "VBG", "NN", "NNS", "NNP", "NNPS", "HYPH"}
NOUN_TAGS = {"NN", "NNS"}
COUNT_MODIFIERS = {"more", "other", "additional", "new", "fewer", "extra", "further", "less"}
RATE_WORDS = {"a", "an", "per", "each"}
CASUALTIES = {
    "dead",
    "died",
    "killed",
    "wounded",
    "injured",
    "hurt",
    "missing",
    "displaced",
    "homeless",
    "arrested",
    "detained",
    "evacuated",
    "unemployed",
    "infected",
    "stranded",
    "rescued",
}


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
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "value": _real(self.value),
            "unit": self.unit,
            "approx": self.approx,
            "low": _real(self.low),
            "high": _real(self.high),
            "from": _real(self.from_),
            "to": _real(self.to),
            "source": self.source,
            "score": self.score,
        }


def _real(number: float | None) -> float | None:
    """Values are reals whatever made them ("a dozen" gives 12.0, as "12.5" gives 12.5)."""
    return None if number is None else float(number)


# -- reading what follows a number ----------------------------------------------------------------------


def qualifier_before(doc: Doc | Span, i: int, floor: int) -> int:
    """Start of the nearest qualifier phrase ending right before token ``i`` (``i`` if none)."""
    if i <= floor:
        return i
    for words in _BY_LAST_WORD.get(doc[i - 1].lower_, ()):
        start = i - len(words)
        if start >= floor and all(doc[start + n].lower_ == word for n, word in enumerate(words)):
            return start
    return i


def qualifier_end(doc: Doc | Span, i: int, end: int) -> int:
    """End of the qualifier phrase starting at ``i`` (``i`` if none); "a" of "about a dozen" stays
    with the number."""
    if i >= end:
        return i
    for words in _BY_FIRST_WORD.get(doc[i].lower_, ()):
        if i + len(words) <= end and all(doc[i + n].lower_ == word for n, word in enumerate(words)):
            nxt = doc[i + len(words)] if i + len(words) < end else None
            if (
                words[-1] in ("a", "an")
                and nxt is not None
                and nxt.lower_
                in ("dozen", "third", "quarter", "fifth", "half", "million", "billion", "thousand", "hundred")
            ):
                return i + len(words) - 1
            if words[-1] in ("a", "an"):
                continue
            return i + len(words)
    return i


def qualifier_word(doc: Doc | Span, start: int, end: int) -> str | None:
    """The qualifier a span starts with, in lower case ("more than"), or None."""
    stop = qualifier_end(doc, start, end)
    return doc[start:stop].text.lower() if stop > start else None


def percent_at(doc: Doc | Span, j: int, end: int) -> tuple[str | None, int]:
    """("percent" | "percentage point" | "basis point", end) if a share's sign or word starts at ``j``."""
    if j >= end:
        return None, j
    if (
        doc[j].text == "-"
        and j + 1 < end
        and glued(doc, j)
        and not doc[j].whitespace_
        and doc[j + 1].lower_ in lexicon.SHARE_WORDS
        and doc[j + 1].lower_ != "%"
    ):
        return "percent", j + 2  # "a 51-pct stake"
    word = doc[j].lower_
    if word in lexicon.SHARE_WORDS or (word == "per" and j + 1 < end and doc[j + 1].lower_ == "cent"):
        k = j + 2 if word == "per" else j + 1
        if k + 1 < end and doc[k].lower_ == "-" and doc[k + 1].lower_ == "point":
            return "percentage point", k + 2
        return "percent", k
    if word in ("wt%", "wt.%", "vol%", "mol%") or (
        word in ("wt", "wt.") and j + 1 < end and doc[j + 1].text in ("%", ".%")
    ):
        return "percent", j + (1 if "%" in word else 2)  # "6.8 wt.%": a share by weight
    if word == "percentage" and j + 1 < end and doc[j + 1].lower_ in ("point", "points"):
        return "percentage point", j + 2
    if word == "basis" and j + 1 < end and doc[j + 1].lower_ in ("point", "points"):
        return "basis point", j + 2
    if word in ("bps", "bp"):
        return "basis point", j + 1
    return None, j


def currency_before(doc: Doc | Span, i: int) -> str | None:
    """The currency symbol or code written right before token ``i`` ("$", "HK$", "EUR", "Rs")."""
    if i <= 0:
        return None
    token = doc[i - 1]
    if token.is_alpha and token.is_lower:
        return None
    return token.text if lexicon.currency_symbol(token.text) else None


def currency_after(doc: Doc | Span, j: int, end: int) -> tuple[str | None, int, float]:
    """(written currency, end, factor) of a currency named at ``j``: "dollars", "Hong Kong dollars",
    "US dollars", "dlrs", "stg", "yen", "euros", "cents" (factor 0.01), "pence" (GBX)."""
    if j >= end:
        return None, j, 1.0
    word = doc[j].lower_
    if word in lexicon.MINOR_UNITS and doc[j].is_lower:
        return "cents", j + 1, lexicon.MINOR_UNITS[word]
    if word in ("u.s.", "us") and j + 1 < end and doc[j + 1].lower_ in ("cents", "cent"):
        return "US cents", j + 2, lexicon.MINOR_UNITS[doc[j + 1].lower_]  # "two U.S. cents"
    if word in ("pence", "penny") or (doc[j].text == "p" and glued(doc, j)):
        return "GBX", j + 1, 1.0
    if word in ("dlrs", "dlr", "stg", "sterling", "yen", "rmb"):
        return word, j + 1, 1.0
    if (
        word == "pounds"
        and j >= 2
        and doc[j - 1].lower_ == "of"
        and doc[j - 2].lower_ in ("millions", "billions", "thousands", "hundreds")
    ):
        return "pounds", j + 1, 1.0  # "hundreds of millions of pounds": money, not a mass
    if word in ("pound", "pounds") and not (j + 1 < end and doc[j + 1].lower_ == "sterling"):
        return None, j, 1.0  # a mass, unless "pounds sterling"
    if word == "real":  # the adjective; the currency is written "reais"
        return None, j, 1.0
    if word == "euro" and j + 1 < end and doc[j + 1].lower_ in ("zone", "area"):
        return None, j, 1.0  # "the 12 euro zone countries": a place
    if doc[j].text.isupper() and len(doc[j].text) == 3 and lexicon.currency_symbol(doc[j].text):
        return doc[j].text, j + 1, 1.0  # "5 mln USD"
    words = [doc[k].text for k in range(j, min(end, j + 4))]
    codes, used = lexicon.currency_words(words)
    if not codes or doc[j + used - 1].tag_ not in ("NN", "NNS", "NNP", "NNPS", "JJ"):
        return None, j, 1.0
    k = j + used
    if doc[k - 1].lower_ in ("pound", "pounds") and k < end and doc[k].lower_ == "sterling":
        k += 1
    if k < end and doc[k].lower_ in ("cent", "cents") and doc[k - 1].lower_ in ("euro", "euros"):
        return " ".join(words[:used]), k + 1, 0.01  # "70 euro cents"
    return " ".join(words[:used]), k, 1.0


def resolve_written_currency(written: str, country: str | None) -> str | None:
    """ISO 4217 code of a written currency (a symbol, a code or a name)."""
    if written == "GBX":
        return "GBX"
    codes = lexicon.currency_symbol(written)
    key = lexicon.NEWS_CURRENCY_SYMBOLS.get(written.lower(), written)
    if not codes:
        codes, _ = lexicon.currency_words(written.split())
        key = written.split()[-1].lower().rstrip("s")
        key = lexicon.NEWS_CURRENCY_WORDS.get(key, key)
    return lexicon.resolve_currency(codes, key, country)


def unit_at(doc: Doc | Span, j: int, end: int) -> tuple[str | None, int, float]:
    """(unit, end, scale) of a unit of measure starting at token ``j``: "kilometres", "km/h",
    "sq km", "metric tons", "barrels a day", "lb-ft", "degrees Celsius", "kilowatt-hour"."""
    if j >= end:
        return None, j, 1.0
    k = j + 1 if doc[j].text == "-" and j + 1 < end and not doc[j].whitespace_ else j  # "a two-hectare plot"
    if k >= end:
        return None, j, 1.0
    token = doc[k]
    word = token.lower_
    if word in ("metric", "short", "long") and k + 1 < end and doc[k + 1].lemma_.lower() in ("ton", "tonne"):
        unit, stop = ("tonne" if word == "metric" else f"{word} ton"), k + 2
        return _rate(doc, unit, stop, end), _rate_end(doc, stop, end), 1.0
    if word in ("square", "sq", "sq.", "cubic", "cu") and k + 1 < end:
        u = k + 2 if doc[k + 1].text in ("-", ".") and k + 2 < end else k + 1  # "112,000-square-kilometre", "sq. cm"
        inner = lexicon.unit_name(doc[u].text) or lexicon.unit_name(doc[u].lemma_)
        if inner and " " not in inner and not lexicon.is_time_unit(inner):
            unit = f"{'cubic' if word.startswith('cu') else 'square'} {inner}"
            return _rate(doc, unit, u + 1, end), _rate_end(doc, u + 1, end), 1.0
        return None, j, 1.0
    if (
        k + 1 < end
        and not token.whitespace_
        and k + 2 < end
        and doc[k + 1].text in ("-", "/")
        and not doc[k + 1].whitespace_
    ):
        joined = lexicon.unit_name(f"{token.text}_{doc[k + 2].text}") or lexicon.unit_name(
            f"{token.text}{doc[k + 1].text}{doc[k + 2].text}", True
        )
        if joined:  # "lb-ft", "km/h", "kilowatt-hour"
            return (
                _rate(doc, joined, k + 3, end),
                _rate_end(doc, k + 3, end),
                lexicon.NEWS_UNIT_SCALES.get(f"{token.text}{doc[k + 1].text}{doc[k + 2].text}".lower(), 1.0),
            )
    if k + 1 < end:
        pair = lexicon.unit_name(f"{token.lemma_.lower()}_{doc[k + 1].lemma_.lower()}")  # "troy ounces", "light years"
        if pair and " " not in f"{token.lemma_}_{doc[k + 1].lemma_}":
            return _rate(doc, pair, k + 2, end), _rate_end(doc, k + 2, end), 1.0
    if token.pos_ in ("VERB", "AUX") and not glued(doc, k) and len(token.text) > 2:
        return None, j, 1.0  # "Doom 3 has": not hectares
    unit = lexicon.unit_name(token.text, glued(doc, k) or token.text == "°") or (
        lexicon.unit_name(token.lemma_) if token.is_lower and len(token.text) > 3 else None
    )
    if unit is None:
        return None, j, 1.0
    if unit == "pound" and k + 1 < end and doc[k + 1].lower_ == "sterling":
        return None, j, 1.0
    if unit == "degree" and k + 1 < end:
        scale = (
            lexicon.unit_name(doc[k + 1].text, True)
            if doc[k + 1].text in ("C", "F", "Celsius", "Fahrenheit", "centigrade")
            else None
        )
        if scale in ("degree Celsius", "degree Fahrenheit"):
            return scale, k + 2, 1.0
    if token.text == "°" and k + 1 < end and not token.whitespace_:
        degree = lexicon.unit_name(f"°{doc[k + 1].text}", True)  # "38 °C", "54 °N"
        if degree:
            return degree, k + 2, 1.0
    scale = lexicon.NEWS_UNIT_SCALES.get(token.text.lower(), 1.0)
    if lexicon.is_time_unit(unit):
        return unit, k + 1, scale
    return _rate(doc, unit, k + 1, end), _rate_end(doc, k + 1, end), scale


def _rate_unit(doc, k: int, end: int) -> tuple[str | None, int]:
    """The unit of a rate's denominator after a unit: "/h", "per hour", "a day", "an hour"."""
    if k + 1 >= end:
        return None, k
    word = doc[k].lower_
    if word in ("per", "a", "an", "/") and not _time_reference(doc, k, end):
        nxt = doc[k + 1]
        unit = lexicon.unit_name(nxt.text, True if word == "/" else False) or lexicon.unit_name(nxt.lemma_)
        if unit and " " not in unit and (word != "a" or lexicon.is_time_unit(unit)):
            return unit, k + 2
    return None, k


def _rate(doc, unit: str, k: int, end: int) -> str:
    denominator, _ = _rate_unit(doc, k, end)
    return f"{unit} per {denominator}" if denominator and " per " not in unit else unit


def _rate_end(doc, k: int, end: int) -> int:
    denominator, stop = _rate_unit(doc, k, end)
    return stop if denominator else k


def _time_reference(doc, k: int, end: int) -> bool:
    """ "a year earlier", "a month ago": the time of the figure, not its rate."""
    return doc[k].lower_ in ("a", "an") and k + 2 < end and doc[k + 2].lower_ in ("earlier", "ago", "before", "later")


def money_end(doc: Doc | Span, end: int, limit: int) -> int:
    """A money amount's span runs to the end of its rate: "$1,200 per kilogram", "$61.25 a barrel",
    "RM45 a month", "£119m a year", "$89 a night"."""
    if end + 1 < limit and doc[end].lower_ in RATE_WORDS and not _time_reference(doc, end, limit):
        following = doc[end + 1]
        if following.tag_ in ("NN",) or lexicon.unit_name(following.text) or lexicon.unit_name(following.lemma_):
            unit, stop, _ = unit_at(doc, end + 1, limit)
            return stop if unit else end + 2
    if end < limit and doc[end].lower_ in ("monthly", "annually", "apiece", "each"):
        return end + 1
    return end


def is_plural_noun(token: Token) -> bool:
    """NNS, or a plural the tagger read as a verb right after a number ("31 inmates" tagged VBZ)."""
    if token.tag_ == "NNS":
        return True
    return (
        token.tag_ in ("VBZ", "VBP")
        and token.i > 0
        and token.doc[token.i - 1].like_num
        and token.lower_.endswith("s")
        and token.is_lower
        and token.lemma_ not in ("have", "be", "do")
    )


def counted_noun(doc: Doc | Span, j: int, end: int, count: float | None = None) -> tuple[Token | None, int]:
    """The head of the nominal group starting at ``j`` ("12 clandestine landing strips" -> strips);
    a singular noun right after a number above one that another noun follows is the counted thing
    itself ("a 4 cylinder engine" -> cylinder)."""
    if (
        j + 1 < end
        and doc[j].text == "-"
        and not doc[j].whitespace_
        and doc[j + 1].tag_ in ("NN", "NNS")
        and j > 0
        and not doc[j - 1].whitespace_
        and doc[j + 1].lower_ not in NOT_A_COUNTED_NOUN
    ):
        return doc[j + 1], j + 2  # "a nine-story tower", "a 200-seat chamber": the number counts its own noun
    head, k = None, j
    first_noun = None
    reach = j + 6
    while (
        k < end
        and k < reach
        and (doc[k].tag_ in NOMINAL_TAGS or is_plural_noun(doc[k]) or _model_number(doc, k))
        and doc[k].ent_type_ not in ("DATE", "TIME")
    ):
        token = doc[k]
        if _model_number(doc, k):
            k += 1
            continue
        if token.tag_ in ("NNP", "NNPS") and not (token.ent_type_ == "NORP" or token.tag_ == "NNPS"):
            if k + 1 < end and doc[k + 1].tag_ not in NOMINAL_TAGS:
                break  # "12 Peruvian" ends; a proper name is not what is counted
        if (
            token.tag_ in NOUN_TAGS or is_plural_noun(token) or token.tag_ == "NNPS"
        ) and token.lower_ not in NOT_A_COUNTED_NOUN:
            head = token
            if first_noun is None:
                first_noun = token
        if token.tag_ == "HYPH" and head is not None:
            head = None  # "weight-related condition": the noun before a hyphen modifies what follows
        k += 1
        if head is not None and (
            k >= end
            or (doc[k].tag_ not in NOUN_TAGS and not is_plural_noun(doc[k]) and doc[k].tag_ not in ("NNPS", "HYPH"))
        ):
            plural = _plural_after_compound(doc, head, k, end)
            if plural is None:
                break
            head, k = None, plural  # "three Spanish-language weekly magazines", "home-owning, middle-aged men"
            reach = max(reach, plural + 1)
    if (
        head is not None
        and first_noun is not None
        and first_noun is not head
        and count is not None
        and count > 1
        and first_noun.tag_ == "NN"
        and head.tag_ == "NN"
        and first_noun.i == j
        and doc[first_noun.i + 1].tag_ != "HYPH"
    ):
        head = first_noun  # "a 4 cylinder engine", "a 3 bedroom house"
    return head, (head.i + 1 if head is not None else j)


def _plural_after_compound(doc, head: Token, k: int, end: int) -> int | None:
    """Where the plural noun is that a hyphenated modifier ending in ``head`` describes: "Spanish-language"
    then "weekly magazines", "home-owning" then ", middle-aged men"; None if no plural noun follows
    within four adjectives, hyphens and commas."""
    if not (head.i > 0 and doc[head.i - 1].tag_ == "HYPH" and not doc[head.i - 1].whitespace_):
        return None
    for m in range(k, min(end, k + 5)):
        if is_plural_noun(doc[m]) or doc[m].tag_ == "NNS":
            return m
        if doc[m].tag_ not in ("JJ", "VBN", "VBG", "HYPH", "NN", ",") or doc[m].text == "," and m > k:
            return None
    return None


def _model_number(doc, k: int) -> bool:
    """ "787" in "two new 787 Dreamliners", "three new 737 jets": digits naming a model inside a counted
    group, after its count."""
    if not (
        doc[k].text.isdigit() and k > 0 and k + 1 < len(doc) and doc[k + 1].tag_ in ("NNS", "NNPS", "NNP")
    ) or lexicon.unit_name(doc[k + 1].text, glued(doc, k + 1)):
        return False  # "a previous 4GB" is a measure
    j = k - 1
    while j > 0 and doc[j].tag_ in ("JJ", "JJR"):
        j -= 1
    return (
        j < k - 1
        and (doc[j].like_num or doc[j].tag_ == "CD")
        or doc[k + 1].text[:1].isupper()
        and doc[k - 1].tag_ in ("JJ", "NN", "NNP")
    )


def partitive_group(doc: Doc | Span, k: int) -> int:
    """Where the counted group of "7 of the 10 women", "six of its previous 47 seats" starts: past the
    determiner's adjectives and number, or a possessive ("two of the world's largest brewers")."""
    if k + 2 < len(doc) and doc[k + 1].tag_ == "POS":
        k += 2
    while (
        k + 1 < len(doc)
        and doc[k].tag_ in ("JJ", "JJS", "CD", "HYPH")
        and doc[k + 1].tag_ in ("JJ", "JJS", "CD", "HYPH", "NN", "NNS")
    ):
        k += 1
    return k


def referent(doc: Doc | Span, i: int, sentence_start: int) -> Token | None:
    """For "28 more" or "from 78 to 46": the nearest plural noun before it in the sentence."""
    for k in range(i - 1, sentence_start - 1, -1):
        token = doc[k]
        if (
            is_plural_noun(token)
            and token.ent_type_ not in ("DATE", "TIME")
            and token.lower_ not in NOT_A_COUNTED_NOUN
            and token.lower_ != "times"
        ):
            return token
    return None


def count_unit(token: Token) -> str:
    if token.lower_ in COUNT_LEMMAS:
        return COUNT_LEMMAS[token.lower_]
    if token.tag_ in ("NNPS", "NNP"):  # a nationality: "400,000 Sri Lankans" counts "sri lankan"
        doc, k = token.doc, token.i
        while (
            k > 0 and doc[k - 1].tag_ in ("NNP", "NNPS") and (doc[k].ent_iob_ == "I" or doc[k - 1].ent_type_ == "NORP")
        ):
            k -= 1
        text = doc[k : token.i + 1].text.lower()
        return text[:-1] if text.endswith("s") and not text.endswith("ss") else text
    return token.lemma_.lower()


# -- normalising a span -------------------------------------------------------------------------------------


def normalize_claim(span: Span, label: str, *, sentence_start: int | None = None, country: str | None = None) -> Claim:
    """Value, unit, qualifier, range and change of a claim span, from its tokens; for a claim whose
    unit or currency is not inside the span ("28 more", "from 253.87 mln"), from its sentence.
    ``country``: the story's country (ISO 3166 alpha-2), which picks the currency of "$" or "pesos"."""
    doc = span.doc
    claim = Claim(span.start_char, span.end_char, label, span.text)
    i, end = span.start, span.end
    qualifier_start = i
    while i < end and doc[i].lower_ in ("another", "from", "between"):
        i += 1
    q_end = qualifier_end(doc, i, end)
    if q_end > i:
        qualifier = doc[i:q_end].text
        claim.approx = None if qualifier.lower() in NOT_APPROX else qualifier
        i = q_end
    numbers: list[Number] = []
    written_currency = None
    j = i
    while j < end:
        token = doc[j]
        if (
            not numbers
            and token.lower_ in ("a", "an")
            and not (
                j + 1 < end
                and doc[j + 1].lower_
                in ("dozen", "million", "billion", "thousand", "hundred", "third", "quarter", "half", "fifth")
            )
        ):
            j += 1
            continue
        if currency_before(doc, j + 1) == token.text and j + 1 < end and read_number(doc, j + 1, end) is not None:
            written_currency = written_currency or token.text
            j += 1
            continue
        number = read_number(doc, j, end) if not _model_number(doc, j) else None
        if number is not None and not (numbers and _is_part_of_unit(doc, number)):
            numbers.append(number)
            written_currency = written_currency or number.currency
            j = number.end
            continue
        j += 1
    if not numbers:  # "twice", or a span a model or an annotator drew without a number ("a handful of ...")
        claim.value = 2.0 if doc[span.start].lower_ == "twice" else None
        claim.unit, _ = _unit_of(
            doc, span, label, Number(i, i, 0.0), written_currency, _sentence_start(span, sentence_start), country
        )
        return claim
    numbers = _lend_magnitudes(numbers)
    last = numbers[-1]
    claim.value = last.value
    if len(numbers) >= 2:
        first = numbers[0]
        if doc[qualifier_start].lower_ == "from" or (
            doc[qualifier_start].lower_ == "another"
            and qualifier_start + 1 < end
            and doc[qualifier_start + 1].lower_ == "from"
        ):
            claim.from_, claim.to = first.value, last.value
        else:
            claim.low, claim.high = first.value, last.value
        between = qualifier_end(doc, first.end + 1, end)
        if between > first.end + 1 and claim.approx is None:
            claim.approx = doc[first.end + 1 : between].text
    sentence_start = _sentence_start(span, sentence_start)
    unit, factor = _unit_of(doc, span, label, last, written_currency, sentence_start, country)
    claim.unit = unit
    if factor != 1.0:
        for name in ("value", "low", "high", "from_", "to"):
            if getattr(claim, name) is not None:
                setattr(claim, name, getattr(claim, name) * factor)
    if label == "PERCENT" and last.kind == "fraction":
        claim.value = round(last.value, 2)
        if claim.unit in ("percentage point", "basis point") or any(t.lower_ in ("point", "points") for t in span):
            claim.value, claim.unit = (
                round(last.value / 100, 4),
                claim.unit if claim.unit != "percent" else "percentage point",
            )
    elif label == "QUANTITY" and last.kind == "fraction":
        claim.value = last.value / 100
    for name in ("value", "low", "high", "from_", "to"):
        if getattr(claim, name) is not None:
            setattr(claim, name, round(getattr(claim, name), 6))
    return claim


def _is_part_of_unit(doc, number: Number) -> bool:
    """ "per 100ml", "nine times out of ten": a number inside the unit or the fraction, not a new one."""
    return number.start > 0 and doc[number.start - 1].lower_ in ("per", "out", "of") and number.kind == "digits"


def _lend_magnitudes(numbers: list[Number]) -> list[Number]:
    """ "between 20 and 30 million", "$5-6bn": the magnitude written at the end serves the start too."""
    last = numbers[-1]
    if last.factor > 1:
        for number in numbers[:-1]:
            if number.factor == 1 and number.kind == "digits" and 0 < number.value <= 10 * (last.value / last.factor):
                number.value *= last.factor
                number.factor = last.factor
    return numbers


def _sentence_start(span: Span, sentence_start: int | None) -> int:
    if sentence_start is not None:
        return sentence_start
    return span.sent.start if span.doc.has_annotation("SENT_START") else 0


def _unit_of(
    doc: Doc, span: Span, label: str, number: Number, currency: str | None, sentence_start: int, country: str | None
) -> tuple[str | None, float]:
    end = span.end
    if label == "PERCENT":
        for j in range(number.end, end):
            share, _ = percent_at(doc, j, end)
            if share:
                return share, 1.0
        return "percent", 1.0
    if label == "MONEY":
        if number.pence:
            return "GBX", 1.0
        written, factor = currency, 1.0
        for j in range(number.end, end):
            found, _, found_factor = currency_after(doc, j, end)
            if found:
                if found == "US cents":
                    return "USD", found_factor
                if found == "cents":
                    factor = found_factor
                    written = written or _currency_in_sentence(doc, span.start, sentence_start) or "$"
                    break
                written, factor = written or found, found_factor  # "70 euro cents": 0.01
                break
        if written is None:
            written = _currency_in_sentence(doc, span.start, sentence_start)
        if written is None:
            return None, factor
        return resolve_written_currency(written, country), factor
    if label == "QUANTITY":
        if number.unit:
            return number.unit, 1.0
        for j in [*range(number.end, end), *range(span.start, number.start)]:  # after the figure, else inside
            found, _, scale = unit_at(doc, j, end)  # the span before it ("from 20 tonnes to 35")
            if found:
                return found, scale
        if is_age(doc, span.start, span.end, number, sentence_start):
            return "year", 1.0
        before = referent(doc, span.start, sentence_start)  # "up from 1,500" (hectares)
        if before is not None:
            return unit_at(doc, before.i, len(doc))[0], 1.0
        return _unit_in_sentence(doc, span.start, sentence_start), 1.0
    # COUNT: the counted noun inside the span, else the noun it refers back to
    if doc[span.start].lower_ == "twice":
        return "time", 1.0
    for token in reversed(span):
        if (
            (token.tag_ in NOUN_TAGS or is_plural_noun(token) or token.tag_ == "NNPS")
            and token.i >= number.end
            and token.lower_ not in NOT_A_COUNTED_NOUN
        ):
            return count_unit(token), 1.0
    if number.end < len(doc) and doc[number.end].lower_ == "of" and number.end + 1 < len(doc):
        head, _ = counted_noun(
            doc,
            partitive_group(doc, number.end + 2 if doc[number.end + 1].tag_ in ("DT", "PRP$") else number.end + 1),
            len(doc),
        )
        if head is not None:
            return count_unit(head), 1.0  # "Two of the suspects"
    coordinated = coordinated_count(doc, span.end)
    if coordinated is not None:
        return count_unit(coordinated), 1.0  # "31 and 10 new species"
    before = referent(doc, span.start, others_reach(doc, span.end, sentence_start))
    if before is None and span.end < len(doc) and doc[span.end].lower_ in CASUALTIES:
        return "person", 1.0  # "14 dead", "tens of thousands displaced"
    return (count_unit(before) if before is not None else None), 1.0


_AGE_BOUNDS = {"older", "over", "above", "up", "younger", "under"}
_AGE_GROUPS = {
    "those",
    "anyone",
    "everyone",
    "people",
    "adults",
    "children",
    "patients",
    "men",
    "women",
    "voters",
    "residents",
    "drivers",
    "individuals",
    "persons",
    "users",
    "participants",
    "customers",
}


def _age_bound(doc: Doc, start: int, end: int, before: str) -> bool:
    """ "those 21 and older", "patients 75 and over", "those under 18": a group of people bounded by an
    age."""
    if before not in _AGE_GROUPS:
        return False
    qualifier = qualifier_word(doc, start, end)
    return (
        qualifier in ("under", "over")
        or end + 1 < len(doc)
        and doc[end].lower_ in ("and", "or")
        and doc[end + 1].lower_ in _AGE_BOUNDS
    )


def others_reach(doc: Doc | Span, end: int, sentence_start: int) -> int:
    """How far back the noun of "three others" is looked for: into the sentence before, which
    often names them ("Four of the men ran out. Three others were held.")."""
    if end < len(doc) and doc[end].lower_ == "others":
        return max(0, min(sentence_start, end - 40))
    return sentence_start


def coordinated_count(doc: Doc | Span, end: int) -> Token | None:
    """The counted noun of the next number when a bare number is coordinated with it ("31 and 10
    new species", "between 5 or 6 boats"): both count the same thing."""
    if not (end + 1 < len(doc) and doc[end].lower_ in ("and", "or")):
        return None
    following = read_number(doc, end + 1)
    if following is None:
        return None
    head, _ = counted_noun(doc, following.end, len(doc))
    return (
        head
        if head is not None
        and head.tag_ in ("NNS", "NNPS")
        and not lexicon.is_time_unit(head.lemma_.lower())
        and not lexicon.unit_name(head.text)
        else None
    )


def is_age(doc: Doc, start: int, end: int, number: Number, sentence_start: int) -> bool:
    """ "aged 45", "at the age of 24", "the voting age to 16", "Avery, 69,", "Now 77,", "younger than
    14", "in his 30s": the number is an age in years."""
    if number.kind not in ("digits", "words") or not (0 < number.value < 130) or not float(number.value).is_integer():
        return False
    before = doc[start - 1].lower_ if start > sentence_start else ""
    after = doc[end].text if end < len(doc) else ""
    if before in ("aged", "age", "ages") or qualifier_word(doc, start, end) in ("younger than", "older than"):
        return True
    if _age_bound(doc, start, end, before):
        return True
    if (
        start > 0
        and doc[start - 1].lemma_.lower() == "turn"
        and number.kind == "digits"
        and (end >= len(doc) or not doc[end].is_alpha)
    ):
        return True  # "before he turns 35"
    if any(t.lower_ in ("old", "olds") for t in doc[start:end]):
        return True
    if doc[number.start].text.endswith("0s") and before in ("his", "her", "their", "early", "mid", "late", "mid-"):
        return True
    bare = after in (",", ".", ";", "and", "or", "") or (end < len(doc) and doc[end].tag_ in ("IN", "CC", "VBD", "VBZ"))
    if (
        bare
        and number.kind == "digits"
        and any(t.lemma_.lower() in ("age", "retire", "retirement") for t in doc[sentence_start:start])
    ):
        return True
    if (
        after in (",", ";", ".", "-", "--", "—", "–")
        and before == ","
        and start >= 2
        and (doc[start - 2].tag_ in ("NNP", "NNPS") or doc[start - 2].text in ("Jr.", "Sr.", "Jr", "Sr"))
        and number.value >= 5
    ):
        return True  # "Avery, 69, was sentenced", "Warren Leblanc, 17 - who was jailed", "Ann Lee, 27; ..."
    if (
        after in (",", ".", "when", "and", "at", "in")
        and number.kind in ("digits", "words")
        and start >= 2
        and doc[start - 1].lemma_ == "be"
        and (doc[start - 2].lower_ in ("i", "he", "she", "we", "they", "you") or doc[start - 2].ent_type_ == "PERSON")
    ):
        return True  # "Madeleine was 3 when she disappeared", "when I was 10,"
    return before == "now" and (
        after == "," and start - 1 == sentence_start or start >= 2 and doc[start - 2].text == ","
    )


def _currency_in_sentence(doc: Doc, i: int, sentence_start: int) -> str | None:
    """The nearest currency written before token ``i`` in its sentence ("to 820.27 mln dlrs from 988.20 mln"),
    passing over brackets: "to 1,546 trillion rials ($175.6bn) from 1,070 trillion" is in rials."""
    depth = 0
    for k in range(i - 1, sentence_start - 1, -1):
        if doc[k].text == ")":
            depth += 1
        elif doc[k].text == "(":
            depth = max(0, depth - 1)
        if depth:
            continue
        symbol = doc[k].text if lexicon.currency_symbol(doc[k].text) and not doc[k].is_lower else None
        if symbol and k + 1 < len(doc) and read_number(doc, k + 1) is not None:
            return symbol
        found, _, _ = currency_after(doc, k, len(doc))
        if found and found not in ("cents", "US cents", "GBX"):
            for m in (k - 2, k - 1):  # the whole name of "U.S. Dlrs", "Hong Kong dollars", read from its end
                longer, stop, _ = currency_after(doc, m, len(doc)) if m >= sentence_start else (None, 0, 1.0)
                if longer and stop > k:
                    return longer
            return found
    return None


def _unit_in_sentence(doc: Doc, i: int, sentence_start: int) -> str | None:
    for k in range(i - 1, sentence_start - 1, -1):
        if doc[k - 1].like_num if k > 0 else False:
            found, _, _ = unit_at(doc, k, len(doc))
            if found:
                return found
    return None
