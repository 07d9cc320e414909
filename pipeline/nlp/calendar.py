"""Calendar words as news copy writes them, in lower case: month names and their abbreviations (with and
without the full stop), and weekdays. The claim finder, the entity merger and the casing check read them."""

MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
               "november", "december")  # fmt: skip
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec")
MONTHS = frozenset({*MONTH_NAMES, *MONTH_ABBREVIATIONS, *(f"{abbreviation}." for abbreviation in MONTH_ABBREVIATIONS)})
WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})
