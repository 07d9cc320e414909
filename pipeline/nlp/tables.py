"""Tables and lists of figures in news copy: sports results, standings, market tables, score lines.

Their lines are names between columns of numbers ("NEW YORK 59 76 .437 25 1/2", "Essex 72-0 ,
Somerset 83"), where the model's entities are guesses and every number would be a "claim". The
pre-annotator leaves such lines out (no entities, no claims), keeps the prose around them, and
stores why (``left_out``); a document that is all table is one, not "not English".

``[preannotate] tables`` chooses what is left out: the rows ("rows", the default), a whole
document that is mostly table ("documents"), or nothing ("keep"). A line is a table row when at least
``MIN_NUMBERS`` of its fields are numbers, numbers are at least ``MIN_NUMBER_SHARE`` of its columns (the
fields that are not punctuation, a run of capitalised words counting as one column: "Greenock Morton 1
Falkirk 0" is a name and a score twice), and at most ``MAX_STOP_WORDS`` of its words are English stop words (a sentence
full of figures still has "the", "of", "in"). A document's rows are left out only when it has
``MIN_ROWS`` of them: a single line of figures in prose stays. The test costs a regular expression per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_NUMBERS = 2
MIN_NUMBER_SHARE = 0.5
MAX_STOP_WORDS = 1
MIN_ROWS = 2
# A document whose words stand mostly in table rows is a table.
TABLE_DOCUMENT_SHARE = 0.5
REASON = "table"
NOTE = "table"  # the kind of the stage's note
_NUMBER = re.compile(r"[-+(]?(?:\d[\d.,:/'-]*|[.,]\d+)(?:%|st|nd|rd|th|[a-z])?\)?[,;]?")
_FIELD = re.compile(r"\S+")
_PUNCTUATION = re.compile(r"[^\w]+")
_DIGIT = re.compile(r"\d")
_STOP_WORDS = {
    "a",
    "an",
    "the",
    "of",
    "in",
    "on",
    "at",
    "to",
    "for",
    "from",
    "by",
    "with",
    "and",
    "or",
    "but",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "has",
    "have",
    "had",
    "will",
    "would",
    "said",
    "says",
    "that",
    "this",
    "it",
    "its",
    "he",
    "she",
    "they",
    "his",
    "her",
    "their",
    "as",
    "after",
    "before",
    "which",
    "who",
    "not",
    "than",
    "about",
    "into",
    "over",
    "up",
    "out",
    "also",
    "we",
    "i",
    "you",
}


@dataclass(frozen=True)
class LeftOut:
    """A stretch of the text the pre-annotator did not annotate, and why."""

    start: int
    end: int
    reason: str = REASON

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "reason": self.reason}


def is_table_row(line: str) -> bool:
    if len(_DIGIT.findall(line)) < MIN_NUMBERS:
        return False
    fields = [f for f in _FIELD.findall(line) if not _PUNCTUATION.fullmatch(f)]
    columns = _columns(fields)
    numbers = sum(_NUMBER.fullmatch(f) is not None for f in columns)
    if numbers < MIN_NUMBERS or numbers < MIN_NUMBER_SHARE * len(columns):
        return False
    return sum(f.lower() in _STOP_WORDS for f in fields) <= MAX_STOP_WORDS


def _columns(fields: list[str]) -> list[str]:
    """The fields with each run of capitalised words as one: a multi-word name is one column."""
    columns: list[str] = []
    in_name = False
    for field in fields:
        is_name = field[:1].isupper() and _NUMBER.fullmatch(field) is None
        if not (is_name and in_name):
            columns.append(field)
        in_name = is_name
    return columns


def table_rows(text: str) -> list[LeftOut]:
    """The table rows of a text (character ranges of whole lines), if it has at least ``MIN_ROWS``."""
    rows = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        if line.strip() and is_table_row(line):
            rows.append(LeftOut(start, end))
        start = end + 1
    return rows if len(rows) >= MIN_ROWS else []


def left_out(text: str, mode: str = "rows") -> list[LeftOut]:
    """What pre-annotation leaves out of a text: its table rows ("rows"), the whole text when it is
    mostly table ("documents"), or nothing ("keep")."""
    if mode == "keep":
        return []
    rows = table_rows(text)
    if mode == "rows" or not rows:
        return rows
    return [LeftOut(0, len(text))] if is_table(rows, text) else []


def is_table(rows: list[LeftOut], text: str) -> bool:
    """Whether most of the text's words stand in table rows."""
    in_rows = sum(len(text[row.start : row.end].split()) for row in rows)
    return in_rows >= TABLE_DOCUMENT_SHARE * len(text.split())


def inside(record: dict, rows: list[LeftOut]) -> bool:
    """Whether a span overlaps one of the rows."""
    return any(row.start < record["end"] and record["start"] < row.end for row in rows)


def table_note(left: list[LeftOut], text: str) -> str:
    lines = sum(1 for line in text.split("\n") if line.strip())
    if len(left) == 1 and (left[0].start, left[0].end) == (0, len(text)):
        return (
            f"a table: {len(table_rows(text))} of {lines} lines are rows of figures (results, standings, "
            f"prices); the document is left out of pre-annotation (no entities, no claims)"
        )
    what = "a table" if is_table(left, text) else "has a table"
    return (
        f"{what}: {len(left)} of {lines} lines are rows of figures (results, standings, prices), left out of "
        f"pre-annotation (no entities, no claims)"
    )
