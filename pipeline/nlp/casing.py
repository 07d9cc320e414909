"""Text in capitals: found per line of a sentence, and shown to the model in a truecased view.

The small English model learnt its entities from mixed-case news; on a wire report in capitals it
tags sentence fragments ("MASS KIDNAPPING TOOK PLACE") and misses the names. The
``newscorpus_truecase`` component gives the rest of the pipeline a truecased copy of such lines:
the same tokens with only their letter case changed (a token whose recased form would change length
keeps its own), so every character offset of the copy is the original's. The stage records its
entities and claims on those offsets and takes their texts from the original (``preannotate``).

A line (a sentence, or the part of one between line breaks) is in capitals when at least
``MIN_UPPER_WORDS`` of its words are and almost none has a lower-case letter (headlines, all-caps
reports), or when it is a short line of its own with no lower-case letter at all (a dateline's
city: "BONN 1996-08-31"); an acronym in mixed-case prose is not. Detection is two
regular-expression searches per text when there is nothing in capitals, so ordinary news pays
almost nothing. A document is "in capitals" (a warning, a note) when at least
``DOCUMENT_UPPER_SHARE`` of its words stand on such lines.

The case of each word comes from, first to last:

1. the names the pipeline knows (gazetteer phrases, the place list): "SHINING PATH" is written as
   the gazetteer writes it, "FMLN" stays in capitals;
2. the document itself: a word that its mixed-case lines write mid-sentence ("Leicestershire",
   "beat") is written that way in its headline;
3. spaCy's English casing statistics, the ``en_lexeme_prob`` table of ``spacy-lookups-data``
   (the log probabilities of a million cased word forms, from the vocabulary of spaCy's English
   models): the likeliest of "word", "Word" and "WORD". A word the table does not know is a name
   ("Willka"), or an acronym when it is short or has no vowel ("ELN");
4. context: a word that is often capitalised ("National", "President") is when it stands next to a
   name, and so is an organisation's head noun ("Front", "Army") after one.

A sentence's first word is capitalised as usual; that capital is no evidence of a name.
"""

from __future__ import annotations

import gzip
import math
import re
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from pipeline.nlp.calendar import MONTHS

CASING_KEY = "newscorpus_casing"  # doc.user_data: {"upper_words", "words", "truecased"}
NOTE = "capitals"  # the kind of the stage's note
MIN_UPPER_WORDS = 3
MAX_LOWER_SHARE = 0.1  # of a line's cased words: "[TEXT]", "(EFE)" are capitals too
# A document is "in capitals" (warned about) when at least this share of its cased words are.
DOCUMENT_UPPER_SHARE = 0.5
MIN_DOCUMENT_WORDS = 20
_MISSING = -21.0  # below the table's lowest log probability
# A third of the table sits at its floor (-19.502): forms seen too rarely to tell anything.
_FLOOR = -19.45
# A rare word ("gacha") may still be a name next to one, if the table has it capitalised at all
# or knows it in lower case only.
_RARE = -16.5
RARE_CHAIN_RATIO = 0.1
# An acronym spelt by the initials of the words before it is one, and they are a name: "CUERPO
# ESPECIAL ARMADO, CEA"; unless it is a common word ("the", "was"...).
_COMMON = -11.0
# A three-letter word in capitals rarer than this, written twice or more, is an acronym ("ADO", which
# would otherwise become the word "ado").
_RARE_WORD = -15.0
# How often a word must be written with a capital, against in lower case, to be capitalised next to
# a name ("National" 0.45, "President" 0.74; "front" 0.03, "damage" 0.04).
CHAIN_RATIO = 0.4
# Before a head noun, words capitalised at least this often join the name ("Salvadoran Air Force").
HEAD_RATIO = 0.06
# A word capitalised more often than not, short of TITLE_MARGIN, is a name beside a CHAIN_RATIO word.
PAIR_RATIO = 1.0
# Margins (in log probability) a capitalised form needs over lower case to win on its own: "Windows",
# "North" and "However" are written with a capital a little more often than not, and are words.
TITLE_MARGIN = 0.7
UPPER_MARGIN = 0.5
# How much likelier in lower case a one-word name must be for the caser to read it as the word.
COMMON_NAME_MARGIN = 1.0
_MONTHS = {month.upper() for month in MONTHS if not month.endswith(".")}
_ARTICLES = {"LA", "EL", "LOS", "LAS", "LE", "LES"}
_CONNECTORS = {
    "of",
    "de",
    "del",
    "la",
    "las",
    "los",
    "y",
    "and",
    "for",
    "the",
    "on",
    "'s",
    "’s",
    "-",
    "el",
    "da",
    "do",
    "dos",
    "das",
    "van",
    "von",
    "der",
    "di",
    "du",
    "le",
}
# Head nouns that end a name after a capitalised word ("... Liberation Front", "Guatemala City").
ORGANISATION_HEADS = {
    "front",
    "army",
    "forces",
    "force",
    "party",
    "group",
    "command",
    "union",
    "movement",
    "council",
    "alliance",
    "coalition",
    "commando",
    "commandos",
    "brigade",
    "brigades",
    "battalion",
    "squad",
    "squads",
    "guard",
    "corps",
    "cartel",
    "committee",
    "organization",
    "organisation",
    "federation",
    "association",
    "league",
    "mafia",
    "mafias",
    "path",
    "ministry",
    "agency",
    "institute",
    "court",
    "bank",
    "company",
    "corporation",
    "university",
    "church",
    "embassy",
    "department",
    "regiment",
    "division",
    "office",
    "assembly",
    "congress",
    "senate",
    "city",
}
_VOWELS = set("AEIOUYÁÉÍÓÚÀÈÌÒÙÄËÏÖÜ")
# Three words in capitals in a row (on one line): the cheap test that lets ordinary text through.
_CAPS_RUN = re.compile(r"[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’.&-]*[A-ZÀ-ÖØ-Þ](?:[^\w\n]+[A-ZÀ-ÖØ-Þ][A-ZÀ-ÖØ-Þ'’.&-]*[A-ZÀ-ÖØ-Þ]){2}")
# A short line (at most 80 characters: the bound keeps the search linear) with no lower-case letter
# and a word of three capitals: "BONN 1996-08-31".
_CAPS_LINE = re.compile(r"^(?=[^\n]{0,80}$)[^a-z\n]*[A-ZÀ-ÖØ-Þ]{3}[^a-z\n]*$", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]+(?:['’.-][^\W\d_]+)*")


def may_have_capitals(text: str) -> bool:
    """Whether ``text`` has a run of three words in capitals or a line in capitals: if not, no line
    of it is in capitals."""
    return _CAPS_RUN.search(text) is not None or _CAPS_LINE.search(text) is not None


def _has_lower(word: str) -> bool:
    return word != word.upper()


def upper_case_share(text: str) -> tuple[int, int]:
    """(words in capitals on lines in capitals, cased words) of a text, without a tokenizer: for
    ``ingest``'s warning. A line here is a line of the text."""
    upper = total = 0
    for line in text.splitlines():
        words = [w for w in _WORD.findall(line) if w.upper() != w.lower()]
        total += len(words)
        if _CAPS_RUN.search(line) is None:
            continue
        capitals = sum(w.isupper() for w in words)
        if capitals >= MIN_UPPER_WORDS and len(words) - capitals <= MAX_LOWER_SHARE * len(words):
            upper += capitals
    return upper, total


def capitals_in_text(text: str) -> tuple[int, int] | None:
    """(words in capitals, cased words) of a text written in capitals, else None (one regular
    expression search for ordinary text)."""
    if _CAPS_RUN.search(text) is None:
        return None
    upper, total = upper_case_share(text)
    return (upper, total) if in_capitals(upper, total) else None


def in_capitals(upper: int, total: int) -> bool:
    """A document is in capitals when most of its cased words stand on lines in capitals."""
    return total >= MIN_DOCUMENT_WORDS and upper >= DOCUMENT_UPPER_SHARE * total


def capitals_note(upper: int, total: int) -> str:
    return (
        f"written in capitals ({upper} of {total} words): entities and claims found on a truecased copy "
        f"(offsets on the original text), check them with care"
    )


def statistics_identity() -> str:
    """The casing statistics in use, for the stage's fingerprint (the package and its version)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"spacy-lookups-data=={version('spacy-lookups-data')}"
    except PackageNotFoundError:  # pragma: no cover - a dependency of the project
        return "none"


@lru_cache(maxsize=1)
def casing_statistics() -> dict[str, float]:
    """spaCy's English lexeme log probabilities (cased forms), loaded once per process."""
    import importlib.resources

    import orjson

    try:
        data = importlib.resources.files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
        return orjson.loads(gzip.decompress(data.read_bytes()))
    except (ModuleNotFoundError, FileNotFoundError):  # pragma: no cover - a dependency of the project
        import logging

        logging.getLogger(__name__).warning(
            "spacy-lookups-data is not installed: text in capitals is cased by rule only"
        )
        return {}


def _probability(probs: dict[str, float], form: str) -> float:
    value = probs.get(form, _MISSING)
    return _MISSING if value < _FLOOR else value


def _likelier_as_word(name: str, probs: dict[str, float]) -> bool:
    """A one-word name that the statistics write in lower case far more often: in a line of capitals
    the word is likelier than the name."""
    return _probability(probs, name.lower()) > _probability(probs, name) + COMMON_NAME_MARGIN


def _is_stop_word(word: str) -> bool:
    from spacy.lang.en.stop_words import STOP_WORDS

    return len(word) > 1 and word.lower() in STOP_WORDS


def _title(word: str) -> str:
    return word[:1] + word[1:].lower()


class Caser:
    """Chooses the case of words in capitals (see the module's docstring for the order)."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.phrases: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        self.add_names(names)

    def add_names(self, names: Iterable[str]) -> None:
        """Names written as they should be ("Shining Path", "FMLN", "El Salvador")."""
        for name in names:
            words = tuple(name.split())
            if not words or not any(_has_lower(w) or len(w) > 1 for w in words):
                continue
            key = tuple(w.upper() for w in words)
            self.phrases.setdefault(key[0], []).append((key, words))
        for options in self.phrases.values():
            options.sort(key=lambda item: -len(item[0]))

    def word_case(self, word: str, probs: dict[str, float]) -> tuple[str, float]:
        """(the word as the statistics would write it, how often it is capitalised against lower case)."""
        lower, title = word.lower(), _title(word)
        p_lower, p_title, p_upper = (_probability(probs, form) for form in (lower, title, word))
        letters = sum(c.isalpha() for c in word)
        if max(p_lower, p_title) == _MISSING:
            acronym = letters <= 3 or not any(c in _VOWELS for c in word) or (p_upper > _MISSING and letters <= 5)
            return (word if acronym else title), math.inf
        ratio = math.exp(p_title - p_lower) if p_title > _MISSING else 0.0
        if p_lower < _RARE and (p_title == _MISSING or ratio >= RARE_CHAIN_RATIO):
            ratio = max(ratio, CHAIN_RATIO)  # "Gonzalo Rodriguez Gacha"
        if letters <= 6 and p_upper > max(p_lower, p_title) + UPPER_MARGIN and not _is_stop_word(word):
            return word, ratio  # an acronym ("NATO"); "CANNOT", often shouted, is no acronym
        return (title if p_title > p_lower + TITLE_MARGIN else lower), ratio

    def recase(
        self, words: list[str], upper: list[bool], sentence_starts: list[bool], seen: dict[str, str]
    ) -> list[str]:
        """The words of a document with those flagged ``upper`` recased; the others unchanged.
        ``seen`` is how the document's mixed-case lines write words ({lower form: form})."""
        probs = casing_statistics()
        out = list(words)
        size = len(words)
        anchor, decided, ratio = [False] * size, [False] * size, [0.0] * size
        acronyms = _bracketed(words, upper) | _rare_repeated(words, upper, probs)
        for acronym, spelt in _initialisms(words, upper, probs):
            acronyms.add(words[acronym])
            for j in spelt:
                out[j], anchor[j], decided[j] = _title(words[j]), True, True
        i = 0
        while i < size:
            matched = self._phrase_at(words, upper, i) if upper[i] and words[i] in self.phrases else None
            if matched and len(matched) == 1 and _likelier_as_word(matched[0], probs):
                matched = None  # "TO FINALLY POOL THEIR EFFORTS" is no Pool (a department of Congo)
            if matched:
                for offset, cased in enumerate(matched):
                    if len(cased) == len(words[i + offset]):
                        out[i + offset] = cased
                    anchor[i + offset] = cased[:1].isupper() and _has_lower(cased)
                    decided[i + offset] = True
                i += len(matched)
            else:
                i += 1
        for i, word in enumerate(words):
            if not upper[i] or decided[i] or not _has_cased(word):
                continue
            if word in acronyms:
                decided[i] = True
                continue
            if word in _MONTHS and any(0 <= j < size and words[j][:1].isdigit() for j in (i - 2, i - 1, i + 1, i + 2)):
                out[i], decided[i] = _title(word), True
                continue
            known = seen.get(word.lower())
            if known is not None:
                cased, ratio[i] = known, (math.inf if known[:1].isupper() else 0.0)
            else:
                cased, ratio[i] = self.word_case(word, probs)
            anchor[i] = cased[:1].isupper() and _has_lower(cased)
            if len(cased) == len(word):
                out[i] = cased
        capital = self._chain(words, out, upper, decided, anchor, ratio, acronyms)
        for i, word in enumerate(words):
            # a Spanish or French article that opens a name: "LA TABLADA", "EL DESPERTAR"
            if (
                upper[i]
                and word in _ARTICLES
                and not decided[i]
                and i + 1 < size
                and upper[i + 1]
                and capital[i + 1]
                and not (i > 0 and upper[i - 1] and capital[i - 1])
            ):
                out[i] = _title(word)
        for i, word in enumerate(out):
            if upper[i] and sentence_starts[i] and word[:1].islower():
                out[i] = word[:1].upper() + word[1:]
        return out

    def _phrase_at(self, words: list[str], upper: list[bool], i: int) -> tuple[str, ...] | None:
        for key, cased in self.phrases[words[i]]:
            end = i + len(key)
            if end <= len(words) and all(upper[j] for j in range(i, end)) and tuple(words[i:end]) == key:
                return cased
        return None

    @staticmethod
    def _chain(words, out, upper, decided, anchor, ratio, acronyms=frozenset()) -> list[bool]:
        """Capitalise often-capitalised words next to a name, both ways, and the words of a name that
        ends in a head noun: "Salvadoran Air Force", "Army of National Liberation"."""
        size = len(words)
        capital = [anchor[i] or (decided[i] and out[i][:1].isupper()) for i in range(size)]

        def free(i: int) -> bool:
            return 0 <= i < size and upper[i] and not decided[i] and not capital[i] and _has_cased(words[i])

        def capitalise(i: int) -> None:
            title = _title(words[i])
            if len(title) == len(words[i]):
                out[i] = title
            capital[i] = True

        def eligible(i: int) -> bool:
            return 0 <= i < size and upper[i] and words[i].lower() not in _CONNECTORS and ratio[i] >= CHAIN_RATIO

        # a word capitalised more often than not (short of the margin) next to another often capitalised
        # one is a name: "PRESIDENT ALFREDO CRISTIANI"
        for i in range(size):
            if (
                free(i)
                and ratio[i] >= PAIR_RATIO
                and words[i].lower() not in _CONNECTORS
                and (eligible(i - 1) or eligible(i + 1))
            ):
                capitalise(i)
        changed = True
        while changed:
            changed = False
            for i in range(size):
                if not free(i) or words[i].lower() in _CONNECTORS:
                    continue
                if ratio[i] >= CHAIN_RATIO and _neighbour(words, upper, capital, i):
                    capitalise(i)
                    changed = True
                elif words[i].lower() in ORGANISATION_HEADS:
                    # a name, then up to two words often capitalised, then the head: "Sandinist Air Force"
                    named = i + 3 < size and words[i + 1] == "(" and words[i + 3] == ")" and words[i + 2] in acronyms
                    floor = 0.0 if named else HEAD_RATIO
                    j = i - 1
                    while (
                        j >= i - (3 if named else 2)
                        and free(j)
                        and ratio[j] >= floor
                        and words[j].lower() not in _CONNECTORS
                    ):
                        j -= 1
                    if (j >= 0 and upper[j] and capital[j]) or (named and j < i - 1):
                        # ... or its acronym follows in brackets: "the revolutionary peasant front (FCR)"
                        for k in range(j + 1, i + 1):
                            capitalise(k)
                        changed = True
            for i in range(size - 2):
                # a head, "of", then words often capitalised: "Army of National Liberation"
                if not (
                    upper[i]
                    and words[i].lower() in ORGANISATION_HEADS
                    and words[i + 1].lower() == "of"
                    and upper[i + 1]
                ):
                    continue
                k = i + 2
                while k < size and upper[k] and (capital[k] or (free(k) and ratio[k] >= CHAIN_RATIO)):
                    k += 1
                if k > i + 2 and (free(i) or capital[i]) and not all(capital[m] for m in range(i + 2, k)):
                    for m in (i, *range(i + 2, k)):
                        if not capital[m]:
                            capitalise(m)
                    changed = True
        return capital


_GAP = {"(", "[", ",", ")", "]", "-", "--", '"', "“", "”", ":"}


def _initialisms(words: list[str], upper: list[bool], probs: dict[str, float]) -> list[tuple[int, list[int]]]:
    """(index of an acronym, indices of the words whose initials spell it) for acronyms of 3 to 6
    letters in capitals that follow their words within a few tokens of punctuation."""
    found = []
    for i, word in enumerate(words):
        if not (upper[i] and word.isalpha() and 3 <= len(word) <= 6) or _probability(probs, word.lower()) > _COMMON:
            continue
        j, gap = i - 1, 0
        while j >= 0 and words[j] in _GAP and gap < 3:
            j, gap = j - 1, gap + 1
        if gap == 0 and not (j >= 0 and words[j].strip() == ""):
            continue
        spelt: list[int] = []
        letters = list(word)
        while j >= 0 and letters and upper[j] and words[j].isalpha():
            if words[j].lower() not in _CONNECTORS:
                if words[j][0] != letters[-1]:
                    break
                spelt.append(j)
                letters.pop()
            j -= 1
        if not letters:
            found.append((i, spelt))
    return found


def _rare_repeated(words: list[str], upper: list[bool], probs: dict[str, float]) -> set[str]:
    """Three-letter words in capitals, written twice or more, that the statistics know as rare words
    (rarer than ``_RARE_WORD``, and no likelier capitalised, so no name): acronyms that spell a word
    ("THE ADO, WHICH ...", "ADO MEMBER"; "ado" is a word, but not a likely one)."""
    counts = Counter(w for w, u in zip(words, upper) if u and w.isalpha() and len(w) == 3)
    found = set()
    for word, count in counts.items():
        lower, title = _probability(probs, word.lower()), _probability(probs, _title(word))
        if count >= 2 and _MISSING < lower < _RARE_WORD and title <= lower:
            found.add(word)
    return found


def _bracketed(words: list[str], upper: list[bool]) -> set[str]:
    """Words in capitals alone in brackets, or a few of them: acronyms ("(ESA)", "(ACAN-EFE)")."""
    found: set[str] = set()
    for i, word in enumerate(words):
        if word != "(":
            continue
        inside = words[i + 1 : i + 6]
        if ")" not in inside:
            continue
        inside = inside[: inside.index(")")]
        cased = [j for j, w in enumerate(inside, i + 1) if _has_cased(w)]
        if cased and len(cased) <= 3 and all(upper[j] and len(words[j]) <= 8 for j in cased):
            found.update(words[j] for j in cased)
    return found


def _neighbour(words: list[str], upper: list[bool], capital: list[bool], i: int) -> bool:
    """Whether a capitalised word stands next to word ``i`` (on its left, not a head noun: a head
    ends a name, "Justicialist Party communique")."""
    left = i > 0 and upper[i - 1] and capital[i - 1] and words[i - 1].lower() not in ORGANISATION_HEADS
    return left or (i + 1 < len(upper) and upper[i + 1] and capital[i + 1])


def _has_cased(word: str) -> bool:
    return word.upper() != word.lower()


# -- the spaCy component ----------------------------------------------------------------------------


def upper_lines(doc) -> list[bool]:
    """Per token: whether it stands on a line in capitals (a sentence, cut at line breaks)."""
    flags = [False] * len(doc)
    if not len(doc) or not may_have_capitals(doc.text):
        return flags
    start = 0
    for i in range(1, len(doc) + 1):
        if (
            i == len(doc)
            or doc[i].is_sent_start
            or "\n" in doc[i - 1].text_with_ws[len(doc[i - 1].text) :]
            or "\n" in doc[i].text
        ):
            _mark_line(doc, start, i, flags)
            start = i
    return flags


def _mark_line(doc, start: int, end: int, flags: list[bool]) -> None:
    words = [doc[i].text for i in range(start, end) if _has_cased(doc[i].text)]
    capitals = sum(w.isupper() for w in words)
    if not capitals:
        return
    if capitals < MIN_UPPER_WORDS:  # a short line of its own: a dateline's city, a heading
        text = doc.text
        line_start = text.rfind("\n", 0, doc[start].idx) + 1
        line_end = text.find("\n", doc[start].idx)
        line = text[line_start : len(text) if line_end == -1 else line_end]
        if _CAPS_LINE.fullmatch(line) is None:
            return
    elif len(words) - capitals > MAX_LOWER_SHARE * len(words):
        return
    for i in range(start, end):
        flags[i] = doc[i].text.isupper()


def document_casing(doc, upper: list[bool]) -> dict[str, str]:
    """How the document's mixed-case lines write their words mid-sentence: {lower form: form}."""
    forms: dict[str, Counter] = {}
    previous_break = True
    for token, flagged in zip(doc, upper):
        text = token.text
        if not flagged and not previous_break and not token.is_sent_start and token.is_alpha and len(text) > 1:
            forms.setdefault(text.lower(), Counter())[text] += 1
        previous_break = "\n" in token.text_with_ws or token.text in ('"', "“", "‘", "(", ":", "-", "--")
    return {key: counts.most_common(1)[0][0] for key, counts in forms.items()}


class Truecaser:
    """The ``newscorpus_truecase`` component: a Doc with lines in capitals recased (same tokens,
    same offsets), and in ``doc.user_data[CASING_KEY]`` how many words were in capitals."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self.caser = Caser(names)

    def add_names(self, names: Iterable[str]) -> None:
        self.caser.add_names(names)

    def __call__(self, doc):
        from spacy.tokens import Doc

        upper = upper_lines(doc)
        if not any(upper):
            return doc
        words = [token.text for token in doc]
        starts = [bool(token.is_sent_start) for token in doc]
        line_starts = [i == 0 or starts[i] or "\n" in doc[i - 1].text_with_ws for i in range(len(doc))]
        recased = self.caser.recase(words, upper, line_starts, document_casing(doc, upper))
        cased_words = sum(_has_cased(w) for w in words)
        new = Doc(doc.vocab, words=recased, spaces=[bool(t.whitespace_) for t in doc], sent_starts=starts)
        new._context = getattr(doc, "_context", None)
        new.user_data.update(doc.user_data)
        new.user_data[CASING_KEY] = {"upper_words": sum(upper), "words": cased_words, "truecased": True}
        return new


def _register() -> None:
    from spacy.language import Language

    if "newscorpus_truecase" not in Language.factories:
        Language.factory("newscorpus_truecase", default_config={})(lambda nlp, name: Truecaser())


_register()


def record_texts(records: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    """Records found on a truecased copy, with their texts taken from the original."""
    for record in records:
        record["text"] = text[record["start"] : record["end"]]
    return records
