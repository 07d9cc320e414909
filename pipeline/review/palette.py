"""The labels' colours and Doccano shortcuts, shared by the Doccano project and ``show --html``.

Every colour has a contrast of at least 4.5:1 with white (WCAG AA for text): a span's underline on a
white page and a label's chip, whose text is white, stay readable.
"""

LABEL_STYLE = {  # colour, shortcut (entities on plain keys, claims on shift)
    "PERSON": ("#b3164b", None, "p"),
    "ORG": ("#1f4e9e", None, "o"),
    "GPE": ("#1b7a3a", None, "g"),
    "LOC": ("#00707a", None, "l"),
    "FAC": ("#5c5c5c", None, "f"),
    "NORP": ("#a84300", None, "n"),
    "EVENT": ("#6a1b9a", None, "e"),
    "DATE": ("#a0148c", None, "d"),
    "COUNT": ("#735600", "shift", "c"),
    "QUANTITY": ("#4a7000", "shift", "q"),
    "MONEY": ("#0b5f8a", "shift", "m"),
    "PERCENT": ("#5b3fb5", "shift", "r"),
}
RELATION_TYPES = {"source": "#117a5e", "time": "#5c57a3", "place": "#a84a02"}
OTHER_LABEL = "#5c5c5c"  # a label of the user's that has no colour here


def colour(label: str) -> str:
    return LABEL_STYLE.get(label, (OTHER_LABEL,))[0]
