#!/usr/bin/env python3
"""Build the hand-annotated development gold set for the shipped EFE article.

Reads   annotations/gold/text.txt   (the article body exactly as the pipeline stores it)
Writes  annotations/gold/efe-shining-path-vraem.jsonl   (one JSON line)

The annotations below are written by hand following ../shared/ANNOTATION_SCHEMA.md (from the project root)
(mirrored in annotations/guidelines.md). Offsets are never typed by hand: each span is
located by searching the text, using an anchor that makes the match unique:

  * anchor = "left context" (str): the span is the unique place where
    left_context + span_text occurs in the text; the span starts right after the context.
  * anchor = ("left context", "right context"): as above, but the match must also be
    followed immediately by right_context.

Every lookup asserts exactly one match and text[start:end] == span text. The script then
validates labels, layer-internal overlaps, span boundaries, and that every mention of the
recurring names and every digit in the text is covered by a span.

Standard library only. Run from the repo root:  python annotations/gold/build_gold.py
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(HERE.parent))  # annotations/, for goldtools
from goldtools import BAD_EDGE, CLAIM_LABELS, ENTITY_LABELS, check_no_overlap, find_all, is_punct, locate  # noqa: E402

TEXT_PATH = HERE / "text.txt"
OUT_PATH = HERE / "efe-shining-path-vraem.jsonl"


EXPECTED_LEN = 3680
EXPECTED_HEAD = "Valle de los Ríos Apurímac, Ene and Mantaro, Peru, Jul 4 (EFE).- "
EXPECTED_TAIL = "illegal drug trafficking.”"

VALLEY = "Valle de los Ríos Apurímac, Ene and Mantaro"

# ---------------------------------------------------------------------------------------
# Layer 1: entities   (label, span text, anchor)
# ---------------------------------------------------------------------------------------
ENTITIES = [
    # -- dateline: "Valle de los Ríos Apurímac, Ene and Mantaro, Peru, Jul 4 (EFE).- "
    ("LOC", VALLEY, ("", ", Peru, Jul 4")),  # the valley region, one LOC span (schema example)
    ("GPE", "Peru", ("Ene and Mantaro, ", ", Jul 4")),
    ("DATE", "Jul 4", "Peru, "),
    ("ORG", "EFE", "Jul 4 ("),  # agency in the dateline, without brackets
    # -- "A massacre in one of Peru’s main cocaine-producing valleys just over a year ago ..."
    ("GPE", "Peru", "A massacre in one of "),  # "Peru’s" -> "Peru"
    ("DATE", "just over a year ago", "valleys "),  # OntoNotes keeps the modifier and "a ... ago"
    ("ORG", "Shining Path", "breakaway faction of the "),  # "the Shining Path terror group"
    # -- "Sixteen people were murdered during the San Miguel del Ene attack in May 2021, ..."
    ("GPE", "San Miguel del Ene", "during the "),  # "the San Miguel del Ene attack": GPE, not EVENT
    ("DATE", "May 2021", "attack in "),
    ("GPE", "Peru", "worst atrocities in "),  # "Peru’s recent history"; "recent history" not DATE
    # -- "Fingers were pointed at the Militarized Communist Party of Peru (MPCP), ..."
    ("ORG", "Militarized Communist Party of Peru", "pointed at the "),  # no nested GPE "Peru"
    ("ORG", "MPCP", "Party of Peru ("),  # acronym in brackets is its own span
    ("ORG", "Shining Path", "a dissident faction of the "),
    ("NORP", "Moaist", "Shining Path "),  # sic: typo for "Maoist"
    ("DATE", "between 1980-2000", "militant group that "),
    ("GPE", "Peru", "according to "),  # "Peru’s truth and reconciliation commission":
    # lowercase description, no acronym -> not ORG
    # -- "The MPCP has replaced its old ideological roots ... or VRAEM for short."
    ("ORG", "MPCP", "The "),
    ("LOC", VALLEY, "the region known as "),
    ("LOC", "VRAEM", "or "),
    # -- "Following the capture of the Shining Path’s leader Abimael Guzmán in 1992, the VRAEM, ..."
    ("ORG", "Shining Path", "capture of the "),  # "Shining Path’s" -> "Shining Path"
    ("PERSON", "Abimael Guzmán", "leader "),
    ("DATE", "1992", "Guzmán in "),
    ("LOC", "VRAEM", "1992, the "),
    ("GPE", "Peru", "roughly half of "),
    ("PERSON", "Quispe Palomino", "hands of the "),  # "the Quispe Palomino brothers"
    # -- "The death of Jorge Quispe Palomino, confirmed in March 2021, left his brother Víctor — alias José — in charge."
    ("PERSON", "Jorge Quispe Palomino", "death of "),
    ("DATE", "March 2021", "confirmed in "),
    ("PERSON", "Víctor", "his brother "),
    ("PERSON", "José", "alias "),  # no "alias"
    # -- "José is likely to lead ... the Pichari military base, ... the Peruvian army’s VRAEM Special Command (CEVRAEM) in the region."
    ("PERSON", "José", ("\n\n", " is likely to lead")),
    ("GPE", "Pichari", "walls of the "),  # "the Pichari military base" (schema example)
    ("NORP", "Peruvian", "main outpost of the "),  # "Peruvian army" -> NORP "Peruvian" only
    ("ORG", "VRAEM Special Command", "army’s "),  # a name containing a place: one ORG, no nested LOC
    ("ORG", "CEVRAEM", "Special Command ("),
    # -- "“‘José’ has a real, communist-style organization ... Manuel Gómez de la Torre, head of the joint command of the armed forces, tells Efe."
    ("PERSON", "José", "“‘"),  # inside the quotes, without them
    ("PERSON", "Manuel Gómez de la Torre", "in the area,” "),
    # "the joint command of the armed forces": lowercase description, no acronym -> not ORG
    ("ORG", "Efe", "armed forces, tells "),
    # -- "... some 28,000 hectares in the VRAEM and accounts for 45% of Peru’s coca agriculture."
    ("LOC", "VRAEM", "hectares in the "),
    ("GPE", "Peru", "45% of "),
    # -- "Coca plantations grew ... in 2020 to an area of 61,777 hectares across Peru, according to the national commission ... (Devida)."
    ("DATE", "2020", "unprecedented rate in "),
    ("GPE", "Peru", "hectares across "),
    ("ORG", "national commission for development and life without drugs", "according to the "),
    ("ORG", "Devida", "without drugs ("),
    # -- "The commission found that 90% of the 146,360 tons of coca produced that year ..."
    ("DATE", "that year", "coca produced "),
    # -- "In the VRAEM, where poverty affects some 65% of the population, ..."
    ("LOC", "VRAEM", "\n\nIn the "),
    # -- "In recent years, the Peruvian armed forces have reduced ... in the crisis-stricken VRAEM region from 78 to 46, according to General Gómez."
    ("DATE", "recent years", "In "),
    ("NORP", "Peruvian", "years, the "),  # "the Peruvian armed forces" -> NORP only
    ("LOC", "VRAEM", "crisis-stricken "),
    ("PERSON", "Gómez", ("according to General ", ".")),  # no title "General"
    # -- "The commander of CEVRAEM special command, ... tells Efe that the unit has so far this year seized ..."
    ("ORG", "CEVRAEM", "The commander of "),  # "CEVRAEM special command" -> ORG "CEVRAEM"
    ("ORG", "Efe", "security reasons, tells "),
    ("DATE", "this year", "so far "),
    # -- "However, until now, the presence of the state in the VRAEM has been ... For decades, ..."
    # "until now" / "Now that prices ..." / "at the time": not DATE (no calendar reference)
    ("LOC", "VRAEM", "presence of the state in the "),
    ("DATE", "decades", "For "),
    # -- "“The issue, more than military, is socio-economic,” General Gómez says."
    ("PERSON", "Gómez", ("General ", " says")),
]

# ---------------------------------------------------------------------------------------
# Layer 2: numeric claims
#   (label, span text, anchor, value, unit, approx, low, high, from, to)
# ---------------------------------------------------------------------------------------
N = None
CLAIMS = [
    # "Sixteen people were murdered"
    ("COUNT", "Sixteen people", "\n\n", 16.0, "person", N, N, N, N, N),
    # "an internal conflict that claimed 69,000 lives"
    ("COUNT", "69,000 lives", "claimed ", 69000.0, "life", N, N, N, N, N),
    # "which produces roughly half of Peru’s cocaine": spoken fraction -> PERCENT 50
    ("PERCENT", "roughly half", "produces ", 50.0, "percent", "roughly", N, N, N, N),
    # "at least a dozen commanders"
    ("COUNT", "at least a dozen commanders", "likely to lead ", 12.0, "commander", "at least", N, N, N, N),
    # "another dozen deputy commanders": schema puts "another" inside the span. approx is null:
    # "another" marks an additional group, it neither approximates nor bounds the number
    # (approx is reserved for qualifiers such as some / roughly / at least / over / nearly).
    # unit = lemma of the head noun "commanders" (schema: unit commander).
    ("COUNT", "another dozen deputy commanders", "commanders and ", 12.0, "commander", N, N, N, N, N),
    # "extends over some 28,000 hectares": "over" belongs to the verb "extends over", not a bound
    ("QUANTITY", "some 28,000 hectares", "extends over ", 28000.0, "hectare", "some", N, N, N, N),
    # "accounts for 45% of Peru’s coca agriculture"
    ("PERCENT", "45%", "accounts for ", 45.0, "percent", N, N, N, N, N),
    # "to an area of 61,777 hectares across Peru"
    ("QUANTITY", "61,777 hectares", "an area of ", 61777.0, "hectare", N, N, N, N, N),
    # "90% of the 146,360 tons of coca": two claims
    ("PERCENT", "90%", "found that ", 90.0, "percent", N, N, N, N, N),
    ("QUANTITY", "146,360 tons", "of the ", 146360.0, "tonne", N, N, N, N, N),
    # "poverty affects some 65% of the population"
    ("PERCENT", "some 65%", "poverty affects ", 65.0, "percent", "some", N, N, N, N),
    # "hundreds if not thousands of farmers": vague range, floors 100 and 1000, value = last number
    ("COUNT", "hundreds if not thousands of farmers", "population, ", 1000.0, "farmer", N, 100.0, 1000.0, N, N),
    # "reduced their number of bases ... from 78 to 46": a change, one span; counted noun "bases"
    ("COUNT", "from 78 to 46", "VRAEM region ", 46.0, "base", N, N, N, 78.0, 46.0),
    # "seized 6,300 kilograms of cocaine hydrochloride, 27kg of cocaine base paste"
    ("QUANTITY", "6,300 kilograms", "seized ", 6300.0, "kilogram", N, N, N, N, N),
    ("QUANTITY", "27kg", "hydrochloride, ", 27.0, "kilogram", N, N, N, N, N),
    # "destroyed 23 maceration pits, 56 laboratories and 12 clandestine landing strips"
    ("COUNT", "23 maceration pits", "destroyed ", 23.0, "pit", N, N, N, N, N),
    ("COUNT", "56 laboratories", "pits, ", 56.0, "laboratory", N, N, N, N, N),
    ("COUNT", "12 clandestine landing strips", "laboratories and ", 12.0, "strip", N, N, N, N, N),
    # "had dealt a $76 million-blow": the span stops before the hyphen
    ("MONEY", "$76 million", "dealt a ", 76000000.0, "USD", N, N, N, N, N),
]

# Not claims (checked by reading every sentence): "one of Peru’s main ...", "one of the worst
# atrocities", "one of the walls" (rankings / "one of"); "a massacre", "a breakaway faction",
# "a thirst" ("a" meaning one); "some of the farmers" (no number); all dates are DATE entities.


# ---------------------------------------------------------------------------------------
# locating spans
# ---------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------
# checks
# ---------------------------------------------------------------------------------------
BAD_LEADING_WORDS = ("the ", "The ", "a ", "an ", "alias ", "General ", "By ")


def check_edges(item: dict, layer: str) -> None:
    s = item["text"]
    first, last = s[0], s[-1]
    ok_first = first not in BAD_EDGE and not (is_punct(first) and first != "$")
    ok_last = last not in BAD_EDGE and not (is_punct(last) and last != "%")
    assert ok_first, f"{layer} span starts with bad char: {s!r}"
    assert ok_last, f"{layer} span ends with bad char: {s!r}"
    for w in BAD_LEADING_WORDS:
        assert not s.startswith(w), f"{layer} span has a leading {w.strip()!r}: {s!r}"
    assert not s.endswith(("’s", "'s")), f"{layer} span keeps a possessive: {s!r}"


def check_coverage(text: str, entities: list[dict], claims: list[dict]) -> None:
    """Every occurrence of a recurring name is inside an entity span; every digit is
    inside a DATE entity or a claim span."""

    def covered(pos: int, spans) -> bool:
        return any(sp["start"] <= pos < sp["end"] for sp in spans)

    must_cover = [
        "Peru",
        "VRAEM",
        "CEVRAEM",
        "MPCP",
        "Shining Path",
        "José",
        "Gómez",
        "Efe",
        "EFE",
        "Devida",
        "Quispe Palomino",
        "Pichari",
        "Peruvian",
        "Valle de los Ríos",
        "Moaist",
        "Víctor",
        "Guzmán",
        "San Miguel del Ene",
    ]
    for name in must_cover:
        for i in find_all(text, name):
            assert covered(i, entities), f"uncovered mention of {name!r} at {i}"
    for m in re.finditer(r"\d", text):
        assert covered(m.start(), [e for e in entities if e["label"] == "DATE"] + claims), (
            f"digit at {m.start()} not in a DATE or claim: {text[m.start() - 20 : m.start() + 20]!r}"
        )
    # spelled-out numbers and fractions that must be claims
    for word in ["Sixteen", "dozen", "half", "hundreds", "thousands"]:
        for i in find_all(text, word):
            assert covered(i, claims), f"uncovered number word {word!r} at {i}"


def check_claim(c: dict) -> None:
    assert isinstance(c["value"], float), c
    for k in ("low", "high", "from", "to"):
        assert c[k] is None or isinstance(c[k], float), c
    if c["approx"] is not None:
        assert c["text"].startswith(c["approx"] + " "), f"approx not at span start: {c}"
    if c["text"].startswith("from "):
        assert c["from"] is not None and c["to"] is not None and c["value"] == c["to"], c
        m = re.fullmatch(r"from ([\d,.]+) to ([\d,.]+)", c["text"])
        assert (
            m and float(m.group(1).replace(",", "")) == c["from"] and float(m.group(2).replace(",", "")) == c["to"]
        ), c
    if (c["low"] is None) != (c["high"] is None):
        raise AssertionError(f"low/high must come together: {c}")
    if c["low"] is not None:
        assert c["value"] == c["high"] and c["low"] < c["high"], c
    # plain digit claims: the value must equal the number written in the span
    m = re.match(r"(?:some |roughly |at least )?\$?([\d,]+(?:\.\d+)?)", c["text"])
    if m and c["from"] is None:
        n = float(m.group(1).replace(",", ""))
        scale = 1_000_000 if "million" in c["text"] else 1
        assert n * scale == c["value"], f"value mismatch: {c}"
    units = {"PERCENT": {"percent"}, "MONEY": {"USD", "PEN"}, "QUANTITY": {"hectare", "tonne", "kilogram"}}
    if c["label"] in units:
        assert c["unit"] in units[c["label"]], c


def main() -> int:
    raw = TEXT_PATH.read_bytes()
    text = raw.decode("utf-8")
    assert len(text) == EXPECTED_LEN, len(text)
    assert text.startswith(EXPECTED_HEAD) and text.endswith(EXPECTED_TAIL)

    entities = []
    for label, span, anchor in ENTITIES:
        assert label in ENTITY_LABELS, label
        start, end = locate(text, span, anchor)
        entities.append({"start": start, "end": end, "label": label, "text": span})

    claims = []
    for label, span, anchor, value, unit, approx, low, high, frm, to in CLAIMS:
        assert label in CLAIM_LABELS, label
        start, end = locate(text, span, anchor)
        claims.append(
            {
                "start": start,
                "end": end,
                "label": label,
                "text": span,
                "value": value,
                "unit": unit,
                "approx": approx,
                "low": low,
                "high": high,
                "from": frm,
                "to": to,
            }
        )

    entities.sort(key=lambda d: (d["start"], d["end"]))
    claims.sort(key=lambda d: (d["start"], d["end"]))

    for layer, items in (("entity", entities), ("claim", claims)):
        assert len({(d["start"], d["end"]) for d in items}) == len(items), f"duplicate {layer} span"
        check_no_overlap(items, layer)
        for d in items:
            assert text[d["start"] : d["end"]] == d["text"]
            check_edges(d, layer)
    for c in claims:
        check_claim(c)
    check_coverage(text, entities, claims)

    record = {"text": text, "entities": entities, "claims": claims}
    line = json.dumps(record, ensure_ascii=False)
    # round trip
    back = json.loads(line)
    assert back["text"] == text
    for d in back["entities"] + back["claims"]:
        assert back["text"][d["start"] : d["end"]] == d["text"]
    OUT_PATH.write_text(line + "\n", encoding="utf-8")

    def tally(items):
        counts: dict[str, int] = {}
        for d in items:
            counts[d["label"]] = counts.get(d["label"], 0) + 1
        return dict(sorted(counts.items()))

    print(f"wrote {OUT_PATH}")
    print(f"entities: {len(entities)} {tally(entities)}")
    print(f"claims:   {len(claims)} {tally(claims)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
