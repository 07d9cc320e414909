"""Finding numeric claims in a tagged, lemmatised spaCy ``Doc``: where each span starts and ends, its
label, and the numbers that are not claims (dates, times, names, scores, rankings, references).

No parser is needed: the counted noun is the head of the nominal group after the number (tags from
the tagger, lemma from the lemmatizer), or for "28 more" the nearest plural noun before it in the
sentence. Each span is then normalised by ``normaliser.normalize_claim`` from its tokens alone.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache

import numpy as np
from spacy.tokens import Doc

from pipeline.nlp.calendar import MONTHS, WEEKDAYS
from pipeline.nlp.claims import lexicon
from pipeline.nlp.claims.normaliser import (
    CASUALTIES,
    COUNT_MODIFIERS,
    NOT_A_COUNTED_NOUN,
    Claim,
    coordinated_count,
    counted_noun,
    currency_after,
    currency_before,
    is_age,
    is_plural_noun,
    money_end,
    normalize_claim,
    others_reach,
    partitive_group,
    percent_at,
    qualifier_before,
    qualifier_end,
    qualifier_word,
    referent,
    unit_at,
)
from pipeline.nlp.claims.numbers import NUMBER_WORDS, YEAR, Number, read_number

CLOCK_WORDS = {"a.m.", "p.m.", "am", "pm", "gmt", "utc", "bst", "et", "est", "edt", "o'clock", "hrs"}
REFERENCE_WORDS = {
    "page",
    "pages",
    "p.",
    "pp.",
    "article",
    "articles",
    "chapter",
    "section",
    "no",
    "no.",
    "nos",
    "number",
    "#",
    "room",
    "route",
    "flight",
    "resolution",
    "paragraph",
    "item",
    "level",
    "grade",
    "phase",
    "step",
    "version",
    "figure",
    "fig",
    "fig.",
    "figs",
    "figs.",
    "table",
    "platform",
    "gate",
    "highway",
    "series",
    "season",
    "episode",
    "model",
    "issue",
    "vol",
    "vol.",
    "volume",
    "part",
    "category",
    "tier",
    "division",
    "act",
    "scene",
    "clause",
    "schedule",
    "annex",
    "appendix",
    "channel",
    "track",
    "row",
    "block",
    "ward",
    "district",
    "interstate",
    "i-",
    "sector",
    "unit",
    "lot",
    "exit",
    "rule",
    "amendment",
    "bill",
    "code",
    "apartment",
    "suite",
    "floor",
    "zone",
    "precinct",
    "studio",
    "stage",
    "eq",
    "eq.",
    "ref",
    "chart",
    "type",
    "types",
    "strain",
    "strains",
    "chromosome",
    "chromosomes",
    "trisomy",
}
DATE_PREPOSITIONS = {
    "in",
    "within",
    "over",
    "during",
    "after",
    "before",
    "since",
    "until",
    "till",
    "into",
    "throughout",
    "through",
    "past",
    "last",
    "next",
    "previous",
    "first",
    "coming",
    "following",
    "recent",
    "the",
    "those",
    "these",
    "every",
    "each",
    "per",
    "earlier",
    "later",
    "final",
    "early",
    "late",
    "few",
    "several",
    "two",
    "three",
    "initial",
    "this",
    "that",
    "at",
    "from",
    "on",
}
DATE_AFTER = {
    "ago",
    "later",
    "earlier",
    "before",
    "after",
    "since",
    "on",
    "hence",
    "old",
    "high",
    "highs",
    "low",
    "lows",
    "peak",
    "record",
    "best",
    "worst",
    "anniversary",
    "period",
}
DURATION_VERBS = {
    "last",
    "take",
    "spend",
    "serve",
    "sentence",
    "jail",
    "imprison",
    "wait",
    "stay",
    "run",
    "remain",
    "extend",
    "live",
    "work",
    "endure",
    "hold",
    "go",
    "ban",
    "suspend",
    "detain",
    "span",
    "need",
}
SCORE_WORDS = {
    "win",
    "won",
    "wins",
    "victory",
    "defeat",
    "defeated",
    "lost",
    "lose",
    "loss",
    "beat",
    "beating",
    "draw",
    "drew",
    "lead",
    "led",
    "decision",
    "ruling",
    "vote",
    "verdict",
    "score",
    "scored",
    "scoreline",
    "margin",
    "majority",
    "split",
    "tie",
    "tied",
    "thrashing",
    "record",
}
NAME_LABELS = {"PERSON", "ORG", "FAC", "PRODUCT", "LAW", "WORK_OF_ART", "EVENT", "GPE", "LOC", "NORP"}
CALIBRE_WORDS = {"caliber", "calibre", "cal", "cal.", "gauge", "bore"}
ONE_AS_A = {"point", "stage", "place", "time", "end", "side", "hand", "go", "moment", "instance", "level", "occasion"}
MULTIPLIER_AFTER = {
    "as",
    "more",
    "higher",
    "larger",
    "bigger",
    "greater",
    "the",
    "than",
    "faster",
    "less",
    "lower",
    "smaller",
    "over",
    "that",
    "what",
    "longer",
    "stronger",
    "likely",
    "cheaper",
    "fewer",
}


@dataclass
class _Found:
    start: int
    end: int
    label: str
    score: float


def find_claims(doc: Doc, *, country: str | None = None) -> list[Claim]:
    """The claims of ``doc`` in text order, each normalised (``country``: the story's, for currencies)."""
    claims: list[Claim] = []
    sentence_starts, is_space, candidates = _scan(doc)
    sentence_start = 0
    previous: _Found | None = None
    i = 0  # every token before i has been looked at
    for candidate in candidates:
        if candidate < i:
            continue
        # the last sentence start among the tokens passed over, as a token-by-token walk would see it
        last = bisect.bisect_right(sentence_starts, candidate) - 1
        if last >= 0 and sentence_starts[last] >= i:
            sentence_start = sentence_starts[last]
            while sentence_start + 1 < len(doc) and is_space[sentence_start]:
                sentence_start += 1  # a paragraph break is not the sentence's first word
            previous = None
        i = candidate
        found = _claim_at(doc, i, sentence_start, previous)
        if found is None or isinstance(found, int):
            i = max(i + 1, found or 0)  # past a number that is not a claim, so no piece of it becomes one
            continue
        claim = normalize_claim(
            doc[found.start : found.end], found.label, sentence_start=sentence_start, country=country
        )
        claim.score = found.score
        claims.append(claim)
        previous = found
        i = found.end
    return claims


_STARTING_WORDS = {
    "a",
    "an",
    "another",
    "half",
    "dozen",
    "dozens",
    "scores",
    "hundreds",
    "thousands",
    "millions",
    "billions",
    "tens",
    "minus",
    "plus",
    "negative",
    "twice",
} | NUMBER_WORDS
_STARTING_CHARACTERS = "+-−–.∼~≈≥≤⩾⩽≳≲<>±"


def _scan(doc: Doc) -> tuple[list[int], list[bool], list[int]]:
    """(sentence starts, whether each token is a space, the tokens that may start a claim).

    A cheap first look, from arrays rather than a Token object per token (most tokens are words):
    a token may start a claim if it begins with a digit or a sign, is like a number, is a number
    word, or comes before a token that begins with a digit (a currency symbol)."""
    from spacy.attrs import IS_SPACE, LIKE_NUM, LOWER, ORTH, SENT_START

    if len(doc) == 0:
        return [], [], []
    table = doc.to_array([ORTH, LIKE_NUM, LOWER, SENT_START, IS_SPACE])
    forms, form_of_token = np.unique(table[:, 0], return_inverse=True)  # each distinct token text read once
    first = [doc.vocab.strings[form][0] for form in forms.tolist()]
    digit = np.array([c.isdigit() for c in first], dtype=bool)[form_of_token]
    sign = np.array([c in _STARTING_CHARACTERS for c in first], dtype=bool)[form_of_token]
    table = table.astype(np.int64)  # SENT_START's -1 comes back as the largest uint64
    word = np.isin(table[:, 2], _starting_word_ids())
    before_digit = np.zeros(len(doc), dtype=bool)
    before_digit[:-1] = digit[1:]
    may_start = digit | sign | table[:, 1].astype(bool) | word | before_digit
    starts = np.flatnonzero(table[:, 3] == 1)
    if not len(starts) or starts[0] != 0:  # the first token always starts a sentence
        starts = np.concatenate([[0], starts])
    return starts.tolist(), table[:, 4].astype(bool).tolist(), np.flatnonzero(may_start).tolist()


@cache
def _starting_word_ids() -> np.ndarray:
    """The LOWER ids of the starting words, as ``Doc.to_array`` gives them (a string's id is its hash,
    the same in every vocabulary), as int64 like the table they are compared with."""
    from spacy.strings import get_string_id

    return np.array([get_string_id(word) for word in sorted(_STARTING_WORDS)], dtype=np.uint64).astype(np.int64)


# -- numbers that are not claims ----------------------------------------------------------------------------


def _is_excluded(doc: Doc, number: Number, sentence_start: int) -> bool:
    """Dates, times, names, scores, rankings, ordinals and references are not claims."""
    first = doc[number.start]
    before = doc[number.start - 1].lower_ if number.start > sentence_start else ""
    before2 = doc[number.start - 2].lower_ if number.start - 1 > sentence_start else ""
    after = doc[number.end].lower_ if number.end < len(doc) else ""
    after2 = doc[number.end + 1].lower_ if number.end + 1 < len(doc) else ""
    if ":" in first.text or after in CLOCK_WORDS or (after == "." and after2 in ("m.",)):
        return True
    if _ratio_end(doc, number) is not None:
        return True
    if (
        after == "-"
        and first.text.isdigit()
        and number.end + 1 < len(doc)
        and doc[number.end + 1].text.isdigit()
        and not first.whitespace_
        and not doc[number.end].whitespace_
        and len(doc[number.end + 1].text) - len(first.text) >= 2
    ):
        return True  # "10-1074" (an antibody), "12-1401" (a docket): a code, not a range
    if _in_address(doc, number):
        return True
    if before in MONTHS or (after in MONTHS and number.kind == "digits") or before in WEEKDAYS:
        return True  # "May 2021", "4 July", "Jul 4"
    if before == "," and before2 in MONTHS and number.kind == "digits" and number.value <= 31:
        return True  # "on October, 24, 1994"
    if (
        before in ("to", "-", "–", "and")
        and before2.isdigit()
        and number.start > 2
        and doc[number.start - 3].lower_ in MONTHS
        and number.kind == "digits"
        and first.text.isdigit()
        and int(first.text) <= 31
        and after in (",", ".", "") + tuple(MONTHS)
    ):
        return True  # the second day of "May 12 to 18"
    if _is_phone_number(doc, number):
        return True
    if (
        re.fullmatch(r"0\d+", first.text)
        or before == "-"
        and not doc[number.start - 1].whitespace_
        and re.search(r"[A-Za-z]\d|\d[A-Za-z]", doc[number.start - 2].text if number.start > 1 else "")
    ):
        return True  # "02", "5P20GM103653-02": codes, not figures
    if _is_year(doc, number, before, after):
        return True
    if first.ent_type_ == "ORDINAL" or (
        first.text[:1].isdigit() and first.text[-2:].lower() in ("st", "nd", "rd", "th")
    ):
        return True
    previous = doc[number.start - 1].lower_ if number.start > 0 else ""
    if (
        (before in REFERENCE_WORDS or previous in REFERENCE_WORDS)
        and not doc[number.start - 1].tag_.startswith("VB")
        or before == "top"
    ):
        return True  # "page 4", "issue 7", but not "to issue 7.8 mln shares", "bill 12 clients"
    if before in ("multi", "multi-") or (before == "-" and before2 == "multi"):
        return True  # "multi-billion dollar"
    if (
        number.kind == "words"
        and doc[number.start].lower_ == "one"
        and (
            after in ("of", "another", "way", "day", "time")
            or doc[number.start - 1].tag_ in ("JJ", "DT")
            and not (number.end < len(doc) and doc[number.end].tag_ in ("NN", "NNS", "NNP"))
        )
    ):
        return True  # "one of", "a positive one", "an entirely different one": a pronoun, not a count
    if doc[number.start].lower_ == "one" and number.end < len(doc) and doc[number.end].tag_ == "MD":
        return True  # "one would expect": the pronoun
    if doc[number.start].lower_ == "one" and number.kind != "fraction" and _one_speaker(doc, number, before):
        return True  # "said one trader", "one analyst said": one of many who could have, not a count
    if doc[number.start].lower_ == "half" and before in ("first", "second", "third", "final", "opening", "closing"):
        return True  # "in the second half": a part of a match or a year
    if number.end < len(doc) and doc[number.end].tag_ == "JJS":
        return True  # "the two largest"
    if after == "g" and doc[number.end].text == "G" and not first.whitespace_:
        return True  # "3G", "5G networks": a generation of mobile networks, not grams
    if after == "-" and after2.endswith("ed") and not unit_at(doc, number.end + 1, len(doc))[0]:
        return True  # "a two-pronged attack", "three-cornered": an adjective, not a count
    if first.lower_ in ("zero", "one") and after == "-" and not unit_at(doc, number.end + 1, len(doc))[0]:
        return True  # "zero-coupon bonds", "zero-sum", "one-man shows", "a one-off gain": adjectives
    if after == "-" and after2 in ("figure", "figures", "digit", "digits"):
        return True  # "a six-figure salary", "double-digit": a size, not a count
    if (
        before == "the"
        and number.kind == "words"
        and number.value <= 10
        and (
            number.end >= len(doc)
            or doc[number.end].is_punct
            and doc[number.end].text not in ("-", "–")
            or doc[number.end].tag_ in ("IN", "CC")
        )
    ):
        return True  # "any combination of the two.": a pronoun for things just named
    if after in CALIBRE_WORDS or after == "-" and after2 in CALIBRE_WORDS:
        return True  # "a .22-caliber rifle", "a 12-gauge shotgun": the name of a bore
    if before == "or" and before2 in lexicon.TIME_UNITS and number.kind == "words":
        return True  # "within a year or two": a vague period
    if first.lower_ == "one" and _one_as_a(before, before2, after):
        return True
    if _is_score(doc, number, before):
        return True
    if _is_name_part(doc, number, sentence_start):
        return True
    return _is_multiplier(doc, number, after, after2)


_ADDRESS = re.compile(r"https?:|www\.|\.(com|org|net|gov)\b|\w{3,}/$|^/\d")


def _is_code_name(doc: Doc, i: int, number: Number) -> bool:
    """ "the COP30 summit", "COP26 talks": a three-letter code glued to a whole number and followed by
    a noun names something; a glued currency comes with decimals or a magnitude ("EUR12m", "USD91.52")."""
    code = doc[i].text
    if not (len(code) == 3 and code.isalpha() and code.isupper() and not doc[i].whitespace_ and i < number.start):
        return False
    following = doc[number.end] if number.end < len(doc) else None
    return (
        float(number.value).is_integer()
        and not number.scaled
        and following is not None
        and following.tag_ in ("NN", "NNS", "NNP", "NNPS")
        and following.lower_ not in ("a", "per", "each")
    )


SPEECH_VERBS = {"say", "tell", "add", "note", "warn", "explain", "comment", "predict", "argue", "quip"}


def _one_speaker(doc: Doc, number: Number, before: str) -> bool:
    """ "one" before the person who is quoted: "said one trader", "one senior analyst said"."""
    if before and doc[number.start - 1].lemma_.lower() in SPEECH_VERBS:
        return True
    k = number.end
    while k < len(doc) and k < number.end + 5 and doc[k].tag_ in ("JJ", "NN", "NNP", "HYPH", "VBN"):
        k += 1
    return k > number.end and k < len(doc) and doc[k].lemma_.lower() in SPEECH_VERBS and doc[k].tag_.startswith("VB")


def _one_as_a(before: str, before2: str, after: str) -> bool:
    """ "one" that is not a count: "this one drug", "any one airline", "one by Coldplay and one by
    Gorillaz", and idioms ("at one point", "in one place", "on the one hand")."""
    if before in ("this", "that", "any", "no", "every", "each") or after == "by":
        return True
    return (before in ("at", "in", "on") or before == "the" and before2 == "on") and after in ONE_AS_A


_PHONE_PART = re.compile(r"\(?\d{3}\)?|\d{3}[-.]\d{4}|\d{4}")
_PHONE = re.compile(r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}")


def _is_phone_number(doc: Doc, number: Number) -> bool:
    """ "(612) 555-0134", "612-555-0134": a telephone number, read from the few tokens around it (only
    for a number of three or four digits; ``doc.text`` would rebuild the whole text each time)."""
    token = doc[number.start]
    if not _PHONE_PART.fullmatch(token.text):
        return False
    window = doc[max(0, number.start - 6) : min(len(doc), number.end + 6)]
    at = token.idx - window.start_char
    return any(m.start() <= at < m.end() for m in _PHONE.finditer(window.text))


def _in_address(doc: Doc, number: Number) -> bool:
    """A piece of a URL, DOI or file name: "doi.wiley.com/10.1111/..."."""
    around = [doc[k].text for k in (number.start - 1, number.end) if 0 <= k < len(doc)]
    return (
        doc[number.start].text.endswith(".")
        and any(a[:1].isdigit() or "/" in a for a in around)
        or any(_ADDRESS.search(a) for a in around)
    )


def _excluded_end(doc: Doc, number: Number) -> int:
    """Where a number that is not a claim ends: past the other numbers of a score, a ratio, or a list
    of names or references ("Dead or Alive 1 and 2", "HPV types 6 and 11")."""
    ratio_end = _ratio_end(doc, number)
    if ratio_end is not None:
        return ratio_end
    end = number.end
    if (
        end + 1 < len(doc)
        and doc[end].lower_ in ("and", "or", ",", "&")
        and number.start > 0
        and (doc[number.start - 1].lower_ in REFERENCE_WORDS or doc[number.start - 1].text[:1].isupper())
    ):
        listed = read_number(doc, end + 1)
        if listed is not None and listed.kind == "digits" and not _unit_written_after(doc, listed.end)[0]:
            return listed.end
    ratio = number.start > 0 and doc[number.start - 1].lower_ == "by" and number.value < 100
    while end + 1 < len(doc) and (
        doc[end].text in ("-", "–", "/") and not doc[end].whitespace_ or ratio and doc[end].lower_ == "to"
    ):
        following = read_number(doc, end + 1)
        if following is None:
            break
        end = following.end  # "2-1", "24-17"
    return end


def _ratio_end(doc: Doc, number: Number) -> int | None:
    """The end of a ratio that starts with ``number`` ("a one-for-four bonus issue", "two-for-one",
    "one for every three shares", "cut to 30-to-1"): a ratio is not a claim."""
    end, limit = number.end, len(doc)
    if end + 1 < limit and doc[end].text == "-" and not doc[end].whitespace_:
        joined = doc[end + 1].lower_
        if joined in ("for", "to") and end + 3 < limit and doc[end + 2].text == "-" and not doc[end + 1].whitespace_:
            second = read_number(doc, end + 3)
            return second.end if second is not None else None
        if re.fullmatch(r"(for|to)-\d+", joined):
            return end + 2
        return None
    if end + 1 < limit and doc[end].lower_ == "for" and (number.value == 1 or doc[end + 1].lower_ == "every"):
        k = end + 2 if doc[end + 1].lower_ == "every" else end + 1
        second = read_number(doc, k) if k < limit else None
        if second is not None and second.value > 1 and number.kind in ("digits", "words"):
            return second.end
    return None


def _is_year(doc: Doc, number: Number, before: str, after: str) -> bool:
    first = doc[number.start]
    if not (number.kind == "digits" and number.end - number.start == 1 and YEAR.match(first.text)):
        return False
    if number.currency:
        return False
    following = doc[number.end] if number.end < len(doc) else None
    counted = (
        following is not None
        and is_plural_noun(following)
        and following.lower_ not in lexicon.TIME_UNITS
        and following.lower_.rstrip("s") not in lexicon.TIME_UNITS
        and following.ent_type_ not in ("DATE",)
    )
    return not (
        counted
        and before
        in (
            "some",
            "about",
            "around",
            "nearly",
            "almost",
            "over",
            "than",
            "the",
            "with",
            "killed",
            "employs",
            "employ",
            "hired",
            "cut",
            "shed",
        )
    )


def _is_score(doc: Doc, number: Number, before: str) -> bool:
    """ "won 3-1", "a 2-1 decision", "a 5-4 ruling": two small whole numbers joined by a hyphen."""
    end = number.end
    if end + 1 < len(doc) and doc[end].lower_ == "to" and before == "by":
        ratio = read_number(doc, end + 1)
        if (
            ratio is not None
            and ratio.value < number.value
            and not _unit_written_after(doc, number.end)[0]
            and not _unit_written_after(doc, ratio.end)[0]
        ):
            return True  # "reject it by two to one": a ratio
    if not (end + 1 < len(doc) and doc[end].text in ("-", "–") and number.kind == "digits"):
        return False
    second = read_number(doc, end + 1)
    if second is None or second.kind != "digits" or second.scaled or second.unit or second.percent:
        return False
    if not (
        float(number.value).is_integer()
        and float(second.value).is_integer()
        and 0 <= number.value < 200
        and 0 <= second.value < 200
    ):
        return False
    after = doc[second.end].lower_ if second.end < len(doc) else ""
    following = doc[second.end] if second.end < len(doc) else None
    if following is not None and (
        percent_at(doc, second.end, len(doc))[0]
        or unit_at(doc, second.end, len(doc))[0]
        or currency_after(doc, second.end, len(doc))[0]
    ):
        return False
    if after in SCORE_WORDS or before in SCORE_WORDS or before in ("a", "an", "the"):
        return True
    return number.value >= second.value and not (following is not None and is_plural_noun(following))


def _is_name_part(doc: Doc, number: Number, sentence_start: int) -> bool:
    """Numbers inside names: "Nasdaq 100", "Russell 2000", "Windows 95", "two new 787 Dreamliners",
    "Six Feet Under", and any number the model put inside a name."""
    first = doc[number.start]
    if number.signed or number.percent or number.currency or number.unit:
        return False
    following = doc[number.end] if number.end < len(doc) else None
    if (
        number.kind == "words"
        and first.text[:1].isupper()
        and number.start > sentence_start
        and not doc[number.start - 1].is_punct
        and (
            following is None
            or following.text[:1].isupper()
            or doc[number.start - 1].text[:1].isupper()
            or following.is_punct
            or doc[number.start - 1].lower_ == "of"
            and number.start > 1
            and doc[number.start - 2].text[:1].isupper()
        )
    ):
        return True  # "Six Feet Under", "the Group of Five"
    if following is not None and (
        percent_at(doc, number.end, len(doc))[0] or currency_after(doc, number.end, len(doc))[0]
    ):
        return False
    if following is not None and unit_at(doc, number.end, len(doc))[0]:
        return False
    if number.kind == "digits" and first.ent_type_ in NAME_LABELS and first.ent_type_ not in ("NORP", "GPE"):
        return True
    if (
        number.kind == "digits"
        and number.start - 2 >= sentence_start
        and doc[number.start - 1].lower_ == "of"
        and doc[number.start - 2].is_title
        and doc[number.start - 2].tag_ in ("NNP", "NNPS")
        and not (following is not None and is_plural_noun(following))
    ):
        return True  # "the Group of 77 meeting"
    previous = doc[number.start - 1] if number.start > sentence_start else None
    if (
        previous is not None
        and number.kind == "digits"
        and previous.is_alpha
        and previous.text[:1].isupper()
        and not previous.is_stop
        and previous.lower_ not in WEEKDAYS
        and previous.lower_ not in MONTHS
        and not lexicon.currency_symbol(previous.text)
        and previous.ent_type_ not in ("GPE", "LOC", "NORP", "DATE")
        and not (following is not None and is_plural_noun(following) and following.is_lower)
    ):
        return True  # "Nasdaq 100", "Airbus A320" is one token, "Boeing 747"
    if (
        number.kind == "digits"
        and following is not None
        and following.tag_ in ("NNPS", "NNS", "NNP")
        and following.ent_type_ != "NORP"
        and (following.text[:1].isupper() or len(first.text) >= 3 and first.text.isdigit())
    ):
        k = number.start - 1
        while k >= sentence_start and doc[k].tag_ in ("JJ", "JJR"):
            k -= 1
        if k >= sentence_start and (doc[k].like_num or doc[k].tag_ == "CD"):
            return True  # "two new 787 Dreamliners"
    return False


def _is_multiplier(doc: Doc, number: Number, after: str, after2: str) -> bool:
    """ "three times as many", "2.7 times its equity", "3x": a ratio, not a claim ("cut rates four
    times." says how often, and is one)."""
    if after in ("x", "-fold", "fold"):
        return True
    if after != "times":
        return False
    following = doc[number.end + 1] if number.end + 1 < len(doc) else None
    return after2 in MULTIPLIER_AFTER or (
        following is not None and following.tag_ in ("JJR", "RBR", "DT", "PRP$", "JJ", "NN", "NNS", "CD")
    )


# -- what a number is a claim of ------------------------------------------------------------------------------


def _claim_at(doc: Doc, i: int, sentence_start: int, previous: _Found | None) -> _Found | int | None:
    """The claim whose number starts at token ``i``; or, for a number that is not a claim, the token
    after it (after both numbers of a score)."""
    token = doc[i]
    if token.lower_ == "twice" and not (
        i + 1 < len(doc)
        and doc[i + 1].lower_ in MULTIPLIER_AFTER | {"a", "an"}
        or i + 1 < len(doc)
        and doc[i + 1].tag_ in ("JJR", "RBR")
    ):
        return _Found(i, i + 1, "COUNT", 0.6)  # "cut rates twice"
    core = i
    currency = None
    if currency_before(doc, i + 1) == token.text and i + 1 < len(doc):
        currency = token.text
        core = i + 1
    number = read_number(doc, core)
    if number is None or (currency is None and core != i):
        return None
    number.currency = number.currency or currency
    if currency and _is_code_name(doc, i, number):
        return number.end
    if _is_excluded(doc, number, sentence_start):
        return _excluded_end(doc, number)
    currency = currency or number.currency
    start = i if currency and core > i else number.start
    if start > sentence_start and doc[start - 1].lower_ == "another":
        start -= 1
    qualifier = qualifier_before(doc, start, sentence_start)
    before = doc[qualifier - 1].lower_ if qualifier > sentence_start else ""
    end, second = _range_end(doc, number, before, sentence_start, currency)
    if (
        second is not None
        and end < len(doc)
        and doc[end].lower_ in MONTHS
        and number.kind == "digits"
        and second.value <= 31
    ):
        return end  # "from 6 to 9 January": days of a month
    start = qualifier - 1 if second is not None and before in ("from", "between") else qualifier
    last = second or number
    return _labelled(doc, start, end, number, last, currency, sentence_start, previous, before)


def _range_end(
    doc: Doc, number: Number, before: str, sentence_start: int, currency: str | None
) -> tuple[int, Number | None]:
    """The end of a range or a change: "from X to Y", "between X and Y", "X to Y people", "X-Y",
    "X or Y days", "X if not Y"; else the number's own end."""
    end = number.end
    own_unit = _unit_written_after(doc, end)
    joined_at = end + own_unit[1] if own_unit[0] else end
    if joined_at + 1 >= len(doc):
        return end, None
    connector = doc[joined_at].lower_
    from_between = before in ("from", "between")
    if connector == "if" and joined_at + 2 < len(doc) and doc[joined_at + 1].lower_ == "not":
        second_start = joined_at + 2
    elif connector in ("to", "and", "-", "–", "or") and (from_between or connector != "and"):
        second_start = joined_at + 1
        if connector == "and" and not from_between:
            return end, None
    elif before == "from" and (to := _change_target(doc, joined_at)) is not None:
        second_start = to + 1  # "from 3.2% last year to 2.5%", "from 5% in 2004 to 4.25%"
    else:
        return end, None
    second_start = qualifier_end(doc, second_start, len(doc))
    second_currency = currency_before(doc, second_start + 1) if second_start + 1 < len(doc) else None
    if second_currency == doc[second_start].text:
        second_start += 1
    second = read_number(doc, second_start) if second_start < len(doc) else None
    if second is None or _is_excluded(doc, second, sentence_start) and not from_between:
        return end, None
    if not from_between:
        if connector == "to" and second_start > 0 and doc[second_start - 1].lower_ == "the":
            return end, None
        if (
            connector == "to"
            and _after_change(doc, number.start - (1 if currency else 0))
            and not (own_unit[0] is None and percent_at(doc, second.end, len(doc))[0])
        ):
            return end, None  # "gained $1.50 to $105.90": the change, then the level; "rise 4 to 6%" is a range
        if own_unit[0] and own_unit[0] != _unit_written_after(doc, second.end)[0]:
            return end, None  # "by 320 votes to 290", "rose 5% to $3bn": two claims
        if second.value <= number.value and not (second.factor > number.factor):
            return end, None  # "fell 5% to 3%", a score: two numbers, not a range
        if connector in ("-", "–") and doc[end].whitespace_ and doc[end - 1].whitespace_:
            return end, None
    third_end = second.end
    if third_end + 1 < len(doc) and doc[third_end].text in ("-", "–") and not doc[third_end].whitespace_:
        third = read_number(doc, third_end + 1)
        if third is not None and third.value > second.value:  # "from 12.5 to 14-16 billion"
            second = Number(
                second.start,
                third.end,
                third.value,
                kind=third.kind,
                factor=third.factor,
                scaled=third.scaled,
                currency=third.currency,
                unit=third.unit,
                percent=third.percent,
            )
    return second.end, second


def _change_target(doc: Doc, k: int, reach: int = 4) -> int | None:
    """The "to" of a change whose first number is followed by when or what it was ("from 3.2% last
    year to", "from 5% in 2004 to"): only a few determiners, adjectives, nouns and years between."""
    for j in range(k, min(k + reach + 1, len(doc))):
        token = doc[j]
        if token.lower_ == "to":
            return (
                j
                if j > k
                and j + 1 < len(doc)
                and doc[j + 1].like_num
                or j > k
                and j + 2 < len(doc)
                and currency_before(doc, j + 2) == doc[j + 1].text
                else None
            )
        if (
            token.tag_ not in ("DT", "JJ", "NN", "NNP", "IN", "CD", "PRP$")
            or token.lower_ in ("a", "an", "per")
            or token.tag_ == "CD"
            and not (len(token.text) == 4 and token.text.isdigit())
        ):
            return None
    return None


CHANGE_WORDS = {
    "rise",
    "fall",
    "gain",
    "lose",
    "drop",
    "decline",
    "climb",
    "jump",
    "slip",
    "slide",
    "add",
    "shed",
    "increase",
    "decrease",
    "cut",
    "raise",
    "lower",
    "grow",
    "shrink",
    "surge",
    "plunge",
    "tumble",
    "ease",
    "up",
    "down",
    "by",
    "soar",
    "sink",
    "edge",
    "advance",
    "retreat",
    "rebound",
    "dip",
    "widen",
    "narrow",
}


def _after_change(doc: Doc, start: int) -> bool:
    """The number follows a verb of change ("rose", "fell by", "up"), within two words."""
    k = start - 1
    while k >= 0 and start - k <= 3 and (doc[k].tag_ in ("RB", "IN", "DT") or doc[k].lower_ in lexicon.BOUND_SIGNS):
        if doc[k].lower_ in ("by", "up", "down"):
            return True
        k -= 1
    return k >= 0 and doc[k].lemma_.lower() in CHANGE_WORDS


def _unit_written_after(doc: Doc, j: int) -> tuple[str | None, int]:
    """What a number's own unit is, and how many tokens it takes: a percent, a currency, a unit, a noun."""
    share, stop = percent_at(doc, j, len(doc))
    if share:
        return share, stop - j
    money, stop, _ = currency_after(doc, j, len(doc))
    if money:
        return money, stop - j
    unit, stop, _ = unit_at(doc, j, len(doc))
    if unit:
        return unit, stop - j
    if j < len(doc) and (is_plural_noun(doc[j]) and doc[j].lower_ not in NOT_A_COUNTED_NOUN):
        return doc[j].lemma_.lower(), 1
    return None, 0


def _labelled(
    doc: Doc,
    start: int,
    end: int,
    number: Number,
    last: Number,
    currency: str | None,
    sentence_start: int,
    previous: _Found | None,
    before: str,
) -> _Found | None:
    """Label and end of the claim whose numbers run to ``end``, from what stands after them."""
    limit = len(doc)
    if number.kind == "fraction" and any(t.lower_ in ("in", "out") for t in doc[number.start : number.end]):
        return _Found(start, end, "PERCENT", 0.9)  # "one in five (hectares)", "1 in 7 women" are shares
    share, share_end = percent_at(doc, end, limit)
    if last.percent or number.percent:
        share, share_end = "percent", end
    if share:
        return _Found(start, share_end, "PERCENT", 0.95)
    if currency or last.pence:
        return _Found(start, money_end(doc, end, limit), "MONEY", 0.95)
    word_currency, currency_end, _ = currency_after(doc, end, limit)
    if word_currency:
        return _Found(start, money_end(doc, currency_end, limit), "MONEY", 0.95)
    unit, unit_end, _ = (last.unit, end, 1.0) if last.unit else unit_at(doc, end, limit)
    if unit:
        if lexicon.is_time_unit(unit):
            return _duration(doc, start, end, unit_end, number, before)
        return _Found(start, unit_end, "QUANTITY", 0.95)
    if (
        end + 1 < limit
        and doc[end].tag_ == "JJ"
        and number.kind != "fraction"
        and doc[end].lower_ not in DATE_PREPOSITIONS
    ):
        unit, unit_end, _ = unit_at(doc, end + 1, limit)  # not "813,200 last month": a date after the figure
        if lexicon.is_time_unit(unit):
            return _duration(doc, start, end, unit_end, number, before)  # "47 continuous years"
    if is_age(doc, start, end, number, sentence_start):
        return _Found(start, end, "QUANTITY", 0.75)
    if number.kind == "fraction":
        # "half a tonne" is a quantity; "roughly half of", "a third of the vote" are shares
        nxt = doc[end].lower_ if end < limit else ""
        if nxt in ("a", "an"):
            unit, unit_end, _ = unit_at(doc, end + 1, limit)
            if unit:
                return _Found(start, unit_end, "QUANTITY", 0.9)
        if end < limit and (
            doc[end].tag_ in ("NN", "NNS", "NNP")
            and doc[end].lower_ not in ("point", "percentage")
            or doc[end].tag_ in ("CD", "JJ")
            and doc[number.start].lower_ in ("a", "an")  # "a third straight"
            or doc[end].text == "-"
            and end + 1 < limit
            and doc[end + 1].lower_ != "point"
        ):
            return None  # "a third time", "half term", "half-life": not a share
        point = end + 1 if nxt in ("a", "-") else end
        if (
            point < limit
            and doc[point].lower_ in ("point", "percentage")
            and (nxt in ("a", "-", "point", "percentage"))
        ):
            stop = point + 1 if doc[point].lower_ == "point" else point + 2
            return _Found(start, stop, "PERCENT", 0.85)  # "half a point", "half-point", "a quarter point"
        return _Found(start, end, "PERCENT", 0.85)
    k = end
    if number.kind == "vague" and k + 1 < limit and doc[k].lower_ == "of":
        money, money_stop, _ = currency_after(doc, k + 1, limit)
        if money:
            return _Found(start, money_stop, "MONEY", 0.85)  # "billions of dollars", "millions of pounds"
        unit, unit_end, _ = unit_at(doc, k + 1, limit)  # "thousands of hectares"
        if unit:
            return _Found(start, unit_end, "QUANTITY", 0.85)
        head, head_end = counted_noun(doc, k + 1, limit)
        return _Found(start, head_end, "COUNT", 0.85) if head is not None else None
    if k < limit and doc[k].lower_ in ("times",) and number.kind in ("digits", "words"):
        return _Found(start, k + 1, "COUNT", 0.6)  # how often: "restated four times"
    if k < limit and doc[k].lower_ in COUNT_MODIFIERS:
        head, head_end = counted_noun(doc, k + 1, limit)
        if head is not None:
            return _Found(start, head_end, "COUNT", 0.9)
        found = referent(doc, start, sentence_start)
        if found is not None:
            return _Found(start, k + 1, "QUANTITY" if unit_at(doc, found.i, limit)[0] else "COUNT", 0.6)
        return None
    head, head_end = counted_noun(doc, k, limit, last.value)
    if head is not None:
        if lexicon.is_time_unit(head.lemma_.lower()):
            return None
        plural = _coordinated_plural(doc, head_end)
        if plural is not None and head.tag_ == "NN":
            return _Found(start, plural + 1, "COUNT", 0.9)  # "34 outpatient and urgent care locations"
        if (
            head.tag_ == "NN"
            and last.value != 1
            and float(last.value).is_integer()
            and number.kind == "digits"
            and head_end == k + 1
            and not (head_end < limit and doc[head_end].tag_ in ("NN", "NNS", "NNP", "NNPS") and doc[head_end].is_alpha)
            and last is number
            and "," not in doc[number.start].text
        ):
            return None  # "a 911 call", "the Under 21 team": a number with a singular noun names, not counts
        return _Found(start, head_end, "COUNT", 0.9)
    if k < limit and doc[k].tag_ in ("JJ", "NN") and (plural := _coordinated_plural(doc, k + 1)) is not None:
        return _Found(start, plural + 1, "COUNT", 0.85)  # "12 dental and eye clinics"
    if k + 2 < limit and doc[k].lower_ == "of" and (doc[k + 1].tag_ in ("DT", "PRP$") or doc[k + 2].tag_ == "POS"):
        head, _ = counted_noun(doc, partitive_group(doc, k + 2 if doc[k + 1].tag_ in ("DT", "PRP$") else k + 1), limit)
        if head is not None and not lexicon.is_time_unit(head.lemma_.lower()):
            return _Found(start, end, "COUNT", 0.7)  # "Two of the suspects"
    if last is not number:  # "from six months to nine": the unit was written after the first figure
        first_unit, first_unit_end, _ = unit_at(doc, number.end, limit)
        if first_unit and lexicon.is_time_unit(first_unit):
            return _duration(doc, start, end, end, number, before)
        if first_unit:
            return _Found(start, end, "QUANTITY", 0.8)
    inherited = _inherited(doc, number, previous, before)
    if inherited is not None:
        return _Found(start, end, inherited, 0.6)
    if last is number and coordinated_count(doc, end) is not None:
        return _Found(start, end, "COUNT", 0.75)  # "31 and 10 new species"
    if (
        k < limit
        and doc[k].lower_ == "others"
        and referent(doc, start, others_reach(doc, k, sentence_start)) is not None
    ):
        return _Found(start, end, "COUNT", 0.7)  # "Three others were held": the noun it refers back to
    if (
        start < number.start
        and doc[start].text in lexicon.BOUND_SIGNS
        or (start > sentence_start and doc[start - 1].text.endswith("="))
    ):
        found = referent(doc, start, sentence_start)
        return _Found(start, end, "COUNT" if found is not None else "QUANTITY", 0.5)  # "≥16", "< 0.0001", "a = 0.1"
    if last is not number and any("." in doc[n.start].text for n in (number, last)) and number.kind == "digits":
        return _Found(start, end, "QUANTITY", 0.5)  # a range of measures with no unit written: "1.66–4.88"
    found = referent(doc, start, sentence_start)
    if found is None:
        if end < limit and doc[end].lower_ in CASUALTIES:
            return _Found(start, end, "COUNT", 0.6)  # "tens of thousands dead": people
        if _magnitude_word(doc, last):
            return _Found(start, end, "COUNT", 0.5)  # "when 2.3 billion were sent": a magnitude is a figure
        return None
    label = "QUANTITY" if unit_at(doc, found.i, limit)[0] else "COUNT"
    if currency_after(doc, found.i, limit)[0]:
        label = "MONEY"  # "the yen strengthened to 102.975 against the dollar": a rate in that currency
    elif label == "COUNT" and not (float(last.value).is_integer() or last.scaled or found.lemma_.lower() == "point"):
        return None  # a count is whole: "a time of 21.00" is not 21 of anything (index points are not)
    if last is not number or start < number.start:
        return _Found(start, end, label, 0.6)
    if number.kind in ("digits", "words", "vague") and _standalone(doc, end) or _magnitude_word(doc, last):
        return _Found(start, end, label, 0.5)
    return None


def _coordinated_plural(doc: Doc, k: int, reach: int = 4) -> int | None:
    """ "34 outpatient and urgent care locations": the singular noun after the number is one of two
    modifiers of a plural noun (returned), which the number counts."""
    if not (k < len(doc) and doc[k].tag_ == "CC" and doc[k].lower_ in ("and", "or")):
        return None
    for j in range(k + 1, min(k + 1 + reach, len(doc))):
        if doc[j].tag_ in ("NNS", "NNPS"):
            return j
        if doc[j].tag_ not in ("JJ", "NN", "NNP", "HYPH"):
            return None
    return None


def _magnitude_word(doc: Doc, number: Number) -> bool:
    """ "2.3 billion", "14 mln": a number with its magnitude written as a word is a figure on its own
    (not "2006b" in a reference)."""
    word = doc[number.end - 1]
    return (
        number.kind in ("digits", "words")
        and number.scaled
        and word.is_alpha
        and len(word) >= 3
        and number.end - 1 > number.start
        and bool(doc[number.end - 2].whitespace_)
    )


def _inherited(doc: Doc, number: Number, previous: _Found | None, before: str) -> str | None:
    """A bare number after a claim of its sentence that it is compared with takes that claim's label:
    "to 820.27 mln dlrs from 988.20 mln", "to 14.5 pct from 11.8", "rose to 5.2% against 4.9"; not
    when a plural noun stands right before it ("The £500m plan raises the number of colleges from 350")."""
    if previous is not None and previous.label == "COUNT" and before == "into":
        return "COUNT"  # "merge 35 agencies into nine"
    if previous is None or previous.label == "COUNT":
        return None
    noun = number.start - (2 if before in ("from", "against", "versus", "vs", "vs.", "compared") else 1)
    if noun >= previous.end and is_plural_noun(doc[noun]) and doc[noun].lower_ not in NOT_A_COUNTED_NOUN:
        return None  # the figure counts the noun right before it: "the number of colleges from 350 to 400"
    if before in ("from", "against", "versus", "vs", "vs.", "compared") or (
        number.scaled and previous.label != "PERCENT"
    ):
        return previous.label
    return None


def _duration(doc: Doc, start: int, end: int, unit_end: int, number: Number, before: str) -> _Found | None:
    """A number of time units: an asserted duration or an age is a QUANTITY claim ("lasted six
    hours", "a 12-year sentence", "for 10 years", "a 33-year-old"); a period that only places a fact
    in time is DATE, not a claim ("three years ago", "in the past five years", "a six-year high")."""
    limit = len(doc)
    after = doc[unit_end].lower_ if unit_end < limit else ""
    hyphenated = end < limit and doc[end].text == "-"
    if after == "-" and unit_end + 1 < limit and doc[unit_end + 1].lower_ in ("old", "olds"):
        return _Found(start, unit_end + 2, "QUANTITY", 0.9)  # "a 33-year-old", "16 to 20-year-olds"
    if after in ("old", "olds"):
        return _Found(start, unit_end + 1, "QUANTITY", 0.9)  # "45 years old", "40 or 50-year old"
    if qualifier_word(doc, start, end) == "over" and not _after_duration_verb(doc, start):
        return None  # "Over five months, patients ...": "over" places the fact in time
    after2 = doc[unit_end + 1].lower_ if unit_end + 1 < limit else ""
    if after in DATE_AFTER or (after in ("'s", "’s") and after2 == "time") or (after == "from" and after2 == "now"):
        return None
    if hyphenated:
        return _Found(start, unit_end, "QUANTITY", 0.85)  # "a 48-hour strike"
    if doc[unit_end - 1].text in ("h", "hr", "hrs", "min", "s", "d", "wk", "yr", "yrs"):
        return _Found(start, unit_end, "QUANTITY", 0.8)  # a time written as a symbol is a measure ("after 48 h")
    if before == "for" or _after_duration_verb(doc, start):
        return _Found(start, unit_end, "QUANTITY", 0.85)
    if before in DATE_PREPOSITIONS or (start > 0 and doc[start - 1].tag_ in ("PRP$",)):
        return None
    return _Found(start, unit_end, "QUANTITY", 0.7)


def _after_duration_verb(doc: Doc, start: int, reach: int = 3) -> bool:
    for k in range(max(0, start - reach), start):
        if doc[k].lemma_.lower() in DURATION_VERBS and doc[k].pos_ in ("VERB", "AUX", "NOUN"):
            return True
    return False


def _standalone(doc: Doc, end: int) -> bool:
    """A number that ends its clause ("14 wounded", "... rose to 28."), not one in a list of codes."""
    return (
        end >= len(doc)
        or doc[end].tag_ in (",", ".", ":", "CC", "IN", "-RRB-")
        or doc[end].tag_ in ("VBN", "VBD", "VBP", "MD")
        and doc[end].is_alpha
        or doc[end].lower_ in CASUALTIES
    )
