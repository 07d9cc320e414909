"""Reading a number phrase from tokens: digits with their sign, glued currency and suffixes, number
words ("thirty-one thousand two hundred and five", read by text2num), magnitudes ("1.2 million",
"$500m", "5.93 mln"), "a dozen", vague magnitudes ("tens of thousands", taken at their floor) and
spoken fractions ("two-thirds", "one in five"), which are shares in percent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Doc, Span
from text_to_num import text2num

from pipeline.nlp.claims import lexicon

VAGUE = {"dozens": 12, "scores": 20, "hundreds": 100, "thousands": 1e3, "millions": 1e6, "billions": 1e9}
FRACTIONS = {
    "half": 50.0,
    "halves": 50.0,
    "third": 100 / 3,
    "thirds": 100 / 3,
    "quarter": 25.0,
    "quarters": 25.0,
    "fifth": 20.0,
    "fifths": 20.0,
    "sixth": 100 / 6,
    "sixths": 100 / 6,
    "eighth": 12.5,
    "eighths": 12.5,
    "tenth": 10.0,
    "tenths": 10.0,
}
SMALL_NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
NUMBER_WORDS = {
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
    "million",
    "billion",
    "trillion",
}
SCALE_WORDS = {"hundred", "thousand", "million", "billion", "trillion"}
SIGN_WORDS = {"minus": -1.0, "plus": 1.0, "negative": -1.0}

_CURRENCY_PREFIX = r"(?P<currency>US\$|HK\$|C\$|A\$|NZ\$|S\$|R\$|Rs\.?|[$€£¥₹₩₱₦]|[A-Z]{3})?"
_DIGITS = re.compile(
    r"^(?P<sign>[-+−–])?" + _CURRENCY_PREFIX + r"(?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?:-(?P<numerator>\d+)/(?P<denominator>\d+))?"
    r"(?P<suffix>[A-Za-z%°ºµ‰Å×][A-Za-z°º²³/µ]*[23²³]?)?$"
)
_SLASH_FRACTION = re.compile(r"^(?P<numerator>\d+)/(?P<denominator>\d+)$")
_BID_OFFER = re.compile(r"^(?P<bid>\d+\.(?P<decimals>\d+))/(?P<offer>\d+)$")  # a dealer's quote: "1.8240/50"
YEAR = re.compile(r"^(1[5-9]|20)\d\d$")


@dataclass
class Number:
    """A number phrase: tokens [start, end), its value and what was written inside it."""

    start: int
    end: int
    value: float
    kind: str = "digits"  # digits | words | vague | fraction
    currency: str | None = None  # a currency symbol or code written with it ("HK$", "EUR")
    unit: str | None = None  # a unit glued to it ("kg" in "27kg"), by its schema name
    percent: bool = False  # "2.4pc", "45%"
    pence: bool = False  # "212p"
    scaled: bool = False  # a magnitude was written ("million", "m", "bn")
    signed: bool = False  # a sign was written ("-2.1", "minus 40")
    factor: float = 1.0  # the written magnitude ("million": 1e6), so a range can lend it to its other end


def _word_value(word: str) -> float | None:
    if word in ("a", "an"):
        return None
    try:
        return float(text2num(word, "en"))
    except (ValueError, TypeError):
        return None


def glued(doc: Doc | Span, j: int) -> bool:
    """Token ``j`` is written against the token before it, with no space ("5" "kg")."""
    return j > 0 and doc[j - 1].whitespace_ == ""


def read_number(doc: Doc | Span, i: int, end: int | None = None) -> Number | None:
    """The number phrase that starts at token ``i``, if one does."""
    end = len(doc) if end is None else end
    token = doc[i]
    word = token.lower_
    if word in SIGN_WORDS and i + 1 < end:
        following = read_number(doc, i + 1, end)
        if following is not None and following.kind == "digits" and not following.signed:
            following.start = i
            following.value *= SIGN_WORDS[word]
            following.signed = True
            return following
        return None
    if (
        re.fullmatch(r"[1-9]0s", token.text)
        and i > 0
        and doc[i - 1].lower_ in ("his", "her", "their", "early", "mid", "late")
    ):
        return Number(i, i + 1, float(token.text[:-1]))  # "in his 30s": an age, at its floor
    if token.text.isdigit() and i + 1 < end and doc[i + 1].lower_ in ("in", "out"):
        share = read_fraction(doc, i, end)  # "1 in 7", "3 out of 4"
        if share is not None:
            return share
    match = _DIGITS.match(token.text)
    if match and not _is_code(token.text):
        return _read_digits(doc, i, end, match)
    quote = _BID_OFFER.match(token.text)
    if quote and len(quote.group("offer")) <= len(quote.group("decimals")):
        return _scale(doc, Number(i, i + 1, float(quote.group("bid"))), end)  # the bid: "1.8240/50 marks"
    slash = _SLASH_FRACTION.match(token.text)
    if (
        slash
        and int(slash.group("denominator")) not in (0, 1)
        and int(slash.group("numerator")) < int(slash.group("denominator"))
    ):
        return _scale(doc, Number(i, i + 1, int(slash.group("numerator")) / int(slash.group("denominator"))), end)
    if word in ("tens", "hundreds") and i + 2 < end and doc[i + 1].lower_ == "of" and doc[i + 2].lower_ in VAGUE:
        factor = 10 if word == "tens" else 100  # "tens of thousands", "hundreds of millions": the floor
        return Number(i, i + 3, factor * VAGUE[doc[i + 2].lower_], kind="vague", scaled=True)
    if word in VAGUE:
        return Number(i, i + 1, VAGUE[word], kind="vague", scaled=True)
    if word in ("a", "an", "another") and i + 1 < end and doc[i + 1].lower_ == "dozen":
        return Number(i if word != "another" else i + 1, i + 2, 12, kind="words")
    if word in ("a", "an") and i + 1 < end and doc[i + 1].lower_ in SCALE_WORDS:
        return Number(
            i,
            i + 2,
            lexicon.MAGNITUDES[doc[i + 1].lower_],
            kind="words",
            scaled=True,
            factor=lexicon.MAGNITUDES[doc[i + 1].lower_],
        )
    if word == "dozen":
        return Number(i, i + 1, 12, kind="words")
    fraction = read_fraction(doc, i, end)
    if fraction:
        return _fraction_of_a_magnitude(doc, fraction, end) or fraction
    if word not in NUMBER_WORDS or word in SCALE_WORDS:
        return None  # a magnitude alone ("millions" is read above) is not a number
    return _read_words(doc, i, end)


def _is_code(text: str) -> bool:
    """ "A320", "S24", "G8", "4x4", "2nd": letters around digits that make a name, not a number."""
    if re.fullmatch(r"\d+[ABD-EGHIJLNOQ-SU-Z]", text):
        return True  # "3D", "3G", "4G"
    return bool(re.fullmatch(r"[A-Za-z]+\d+[A-Za-z\d]*|\d+(st|nd|rd|th|x\d+|s)", text, re.IGNORECASE)) and not bool(
        re.fullmatch(r"(US|HK|C|A|NZ|S|R)\$.*|[A-Z]{3}\d[\d,.]*[a-z]*", text)
    )


def _read_digits(doc, i: int, end: int, match: re.Match) -> Number:
    value = float(match.group("number").replace(",", ""))
    if match.group("numerator"):
        value += int(match.group("numerator")) / int(match.group("denominator"))
    number = Number(i, i + 1, value)
    if match.group("sign"):
        number.signed = True
        if match.group("sign") in "-−–":
            number.value = -number.value
    if match.group("currency"):
        number.currency = match.group("currency")
    suffix = match.group("suffix")
    if suffix:
        _read_suffix(doc, number, suffix)
    # "33-1/3": a whole number, a hyphen and a fraction token
    if (
        number.end + 1 < end
        and doc[number.end].text == "-"
        and _SLASH_FRACTION.match(doc[number.end + 1].text)
        and "." not in match.group("number")
        and not doc[number.end - 1].whitespace_
    ):
        slash = _SLASH_FRACTION.match(doc[number.end + 1].text)
        if int(slash.group("numerator")) < int(slash.group("denominator")):
            number.value += int(slash.group("numerator")) / int(slash.group("denominator"))
            number.end += 2
    return _scale(doc, number, end)


def _read_suffix(doc, number: Number, suffix: str) -> None:
    lowered = suffix.lower()
    if lowered in lexicon.SHARE_WORDS:
        number.percent = True
        return
    for magnitude in sorted(lexicon.MAGNITUDES, key=len, reverse=True):
        if lowered.startswith(magnitude) and lowered[len(magnitude) :] in ("",) and magnitude != "hundred":
            if magnitude == "m" and not number.currency:
                break  # "5m" alone is five metres
            number.value *= lexicon.MAGNITUDES[magnitude]
            number.factor *= lexicon.MAGNITUDES[magnitude]
            number.scaled = True
            return
    if lowered == "p" and not number.currency:
        number.pence = True
        return
    number.unit = lexicon.unit_name(suffix, glued=True)


def _scale(doc, number: Number, end: int) -> Number:
    """Magnitude words and suffixes after the number: "1.2 million", "5.93 mln", "$500 m", "1.9-million"."""
    j = number.end
    while j < end:
        k = j + 1 if doc[j].text == "-" and j + 1 < end and not doc[j].whitespace_ and not doc[j - 1].whitespace_ else j
        word = doc[k].lower_
        plural = word in ("thousands", "millions", "billions")
        if word not in lexicon.MAGNITUDES or plural and not _has_currency(doc, number):
            break  # "£22 billions" is 22 billion; "22 millions" alone is not written
        if word in lexicon.LETTER_MAGNITUDES and not _letter_scales(doc, number, k, end):
            break
        if word == "hundred" and number.value >= 1000:
            break
        number.value *= lexicon.MAGNITUDES[word]
        number.factor *= lexicon.MAGNITUDES[word]
        number.scaled = True
        j = k + 1
    number.end = j
    # "a dozen and a half", "two and a half million", "two-and-a-half"
    half = [t for t in range(j, min(end, j + 6)) if doc[t].text != "-"][:3]
    if len(half) == 3 and [doc[t].lower_ for t in half] == ["and", "a", "half"] and number.kind != "fraction":
        number.value += 6 if doc[j - 1].lower_ == "dozen" else 0.5 * number.factor
        j = number.end = half[-1] + 1
        if number.end < end and doc[number.end].lower_ in lexicon.MAGNITUDES and number.factor == 1:
            factor = lexicon.MAGNITUDES[doc[number.end].lower_]
            number.value *= factor
            number.factor = factor
            number.scaled = True
            number.end += 1
    return number


def _has_currency(doc, number: Number) -> bool:
    """A currency is written with the number or right before it ("HK$7.1", "$ 500")."""
    return bool(number.currency) or (number.start > 0 and bool(lexicon.currency_symbol(doc[number.start - 1].text)))


def _letter_scales(doc, number: Number, k: int, end: int) -> bool:
    """ "5m" written as "5 m": a magnitude after a currency, before a currency word, or glued."""
    word = doc[k].lower_
    if word in ("k", "b") and not glued(doc, k):
        return False
    following_token = doc[k + 1] if k + 1 < end else None
    if word == "m" and glued(doc, k) and following_token is not None and _counted_after(doc, k + 1, end):
        return True  # "5m people", "3m copies", "4m DS consoles": millions
    if _has_currency(doc, number):
        return True
    following = doc[k + 1].text if k + 1 < end else ""
    if following and lexicon.currency_words([following])[0]:
        return True
    return word != "m" and glued(doc, k)


def _counted_after(doc, j: int, end: int) -> bool:
    """A plural noun at ``j``, maybe after a name or adjectives ("DS consoles"); a unit too: a
    metre is not followed by another unit ("3m tonnes", "2m barrels")."""
    for k in range(j, min(end, j + 3)):
        if doc[k].tag_ in ("NNS", "NNPS"):
            return True
        if doc[k].tag_ not in ("NNP", "JJ"):
            return False
    return False


def _read_words(doc, i: int, end: int) -> Number | None:
    """A run of number words: "twenty-three", "three hundred and forty-two", "thirty-one thousand
    two hundred and five", then magnitudes ("two million")."""
    j = i
    last_word = i
    while j < end:
        word = doc[j].lower_
        if word in NUMBER_WORDS:
            last_word = j
            j += 1
            continue
        if (
            word in ("-", "and")
            and j + 1 < end
            and doc[j + 1].lower_ in NUMBER_WORDS
            and j > i
            and (word == "-" or doc[j - 1].lower_ in SCALE_WORDS)
        ):
            j += 1
            continue
        break
    tokens = [doc[k].lower_ for k in range(i, last_word + 1)]
    while tokens:
        phrase = " ".join(tokens).replace(" - ", "-")
        try:
            value = float(text2num(phrase, "en"))
            break
        except ValueError:
            tokens.pop()
    else:
        return None
    while tokens and tokens[-1] in ("-", "and"):
        tokens.pop()
    number = Number(i, i + len(tokens), value, kind="words")
    number.scaled = any(t in SCALE_WORDS - {"hundred"} for t in tokens)
    if tokens[-1] in SCALE_WORDS - {"hundred"} and len(tokens) > 1:
        number.factor = lexicon.MAGNITUDES[tokens[-1]]
    number = _scale(doc, number, end)
    if doc[number.end - 1].lower_ == "dozen":
        number.value *= 12
    return number


def _fraction_of_a_magnitude(doc, fraction: Number, end: int) -> Number | None:
    """ "half a million", "a quarter of a million", "three-quarters of a billion": a whole number."""
    k = fraction.end
    if k < end and doc[k].lower_ == "of":
        k += 1
    if not (k + 1 < end and doc[k].lower_ in ("a", "an") and doc[k + 1].lower_ in SCALE_WORDS) or any(
        t.lower_ in ("in", "out") for t in doc[fraction.start : fraction.end]
    ):
        return None
    factor = lexicon.MAGNITUDES[doc[k + 1].lower_]
    return Number(fraction.start, k + 2, fraction.value / 100 * factor, kind="words", scaled=True, factor=factor)


def read_fraction(doc, i: int, end: int) -> Number | None:
    """Spoken shares, in percent: "half", "a third", "two-thirds", "one in five", "3 out of 4"."""
    word = doc[i].lower_
    if i > 0 and doc[i - 1].lower_ in ("and", "-") and word in ("a", "half"):
        return None  # "two-and-a-half" is read with the number before it
    if word == "half" and not (i > 0 and doc[i - 1].lower_ in ("a", "one")):
        return Number(i, i + 1, 50.0, kind="fraction")
    if word in ("a", "one") and i + 1 < end and doc[i + 1].lower_ in FRACTIONS:
        k = i + 2 if doc[i + 1].lower_ != "-" else i + 3
        return Number(i, k, FRACTIONS[doc[i + 1].lower_], kind="fraction")
    if word in ("one", "a") and i + 2 < end and doc[i + 1].text == "-" and doc[i + 2].lower_ in FRACTIONS:
        return Number(i, i + 3, FRACTIONS[doc[i + 2].lower_], kind="fraction")
    count = SMALL_NUMBER_WORDS.get(word)
    if count is None and doc[i].text.isdigit() and len(doc[i].text) <= 3:
        count = int(doc[i].text)
    if count is None:
        return None
    j = i + 1
    if j < end and doc[j].lower_ == "-":
        j += 1
    if j < end and doc[j].lower_ in FRACTIONS and doc[j].lower_.endswith("s") and word in SMALL_NUMBER_WORDS:
        return Number(i, j + 1, round(count * FRACTIONS[doc[j].lower_], 2), kind="fraction")
    # "one in five", "1 in 7", "three out of four", "nine times out of ten"
    k = i + 1
    if (
        k < end
        and doc[k].lower_ == "times"
        and k + 2 < end
        and doc[k + 1].lower_ == "out"
        and doc[k + 2].lower_ == "of"
    ):
        k += 1
    if k + 1 < end and (
        doc[k].lower_ == "in" or (doc[k].lower_ == "out" and k + 2 < end and doc[k + 1].lower_ == "of")
    ):
        m = k + 1 if doc[k].lower_ == "in" else k + 2
        if m + 1 < end and doc[m].lower_ == "every":
            m += 1  # "one in every five", "10 out of every 100"
        other = SMALL_NUMBER_WORDS.get(doc[m].lower_) or _word_value(doc[m].lower_) if m < end else None
        if other is None and m < end and doc[m].text.replace(",", "").isdigit():
            other = float(doc[m].text.replace(",", ""))
        if (
            other
            and other > count
            and (other <= 1000 or doc[m - 1].lower_ == "every")
            and (word in SMALL_NUMBER_WORDS or doc[k].lower_ == "out" or count == 1)
        ):
            return Number(i, m + 1, round(100 * count / other, 2), kind="fraction")
    return None
