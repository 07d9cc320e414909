"""What the words and symbols around a number mean: units, currencies, magnitudes, places.

* Units come from pint's registry, with the forms news writes that pint reads otherwise added in
  ``news_units.txt`` through pint's own definition syntax. A unit is written as its full singular
  name, British spelling, compounds joined by "per" or a space: "kilometre per hour", "kilowatt hour".
* Currencies, their symbols and names come from CLDR (babel) and ISO 4217 (pycountry); where a symbol
  or a name stands for several ("$", "dollars", "pesos"), the story's country decides.
* Places, to know the story's country: ISO 3166 (pycountry), CLDR's territory names and the cities of
  its time zones (babel).

What no library has is in the ``NEWS_*`` tables below, each with the reason it is there. Everything is
built once, on first use, and look-ups are cached.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from datetime import date
from functools import cache, lru_cache
from pathlib import Path

NEWS_UNITS_FILE = Path(__file__).with_name("news_units.txt")

# -- magnitudes, percentages, time ------------------------------------------------------------------

# Words and suffixes that scale the number before them. "mln", "bln", "bn", "mn", "m", "k", "tn",
# "trn" are the wire's and the press's abbreviations (no library lists them); "lakh" and "crore" are
# how Indian English news writes 1e5 and 1e7.
MAGNITUDES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "mln": 1e6,
    "bln": 1e9,
    "mn": 1e6,
    "bn": 1e9,
    "m": 1e6,
    "k": 1e3,
    "tn": 1e12,
    "trn": 1e12,
    "b": 1e9,
    "lakh": 1e5,
    "crore": 1e7,
    "thousands": 1e3,
    "millions": 1e6,
    "billions": 1e9,
}
# A bare letter only scales next to a currency ("$5m", "5m euros"); elsewhere "5 m" is five metres.
LETTER_MAGNITUDES = {"m", "k", "b"}

# How a share is written after its number (besides "per cent"): the wire's "pct", the British press's "pc".
SHARE_WORDS = {"%", "percent", "pct", "pc"}

TIME_UNITS = {"year", "month", "week", "day", "hour", "minute", "second", "decade", "century", "fortnight"}

# -- units (pint) ---------------------------------------------------------------------------------------

# The pint units a news claim may be in (after their SI prefix is taken off). Anything else pint
# knows ("are", "turn", "count", "technical_atmosphere" for "at") is too rare in news to be worth the
# false readings of ordinary words.
NEWS_UNIT_BASES = {
    "meter",
    "gram",
    "metric_ton",
    "long_ton",
    "short_ton",
    "pound",
    "ounce",
    "troy_ounce",
    "carat",
    "stone",
    "hectare",
    "acre",
    "liter",
    "gallon",
    "pint",
    "barrel",
    "oil_barrel",
    "cubic_foot",
    "bushel",
    "watt",
    "watt_hour",
    "joule",
    "calorie",
    "volt",
    "ampere",
    "ampere_hour",
    "hertz",
    "byte",
    "bit",
    "baud",
    "degree_Celsius",
    "degree_Fahrenheit",
    "kelvin",
    "degree",
    "mile",
    "foot",
    "inch",
    "yard",
    "nautical_mile",
    "knot",
    "mile_per_hour",
    "kilometer_per_hour",
    "pound_force_per_square_inch",
    "bar",
    "pascal",
    "newton",
    "horsepower",
    "brake_horsepower",
    "decibel",
    "light_year",
    "astronomical_unit",
    "parsec",
    "year",
    "month",
    "week",
    "day",
    "hour",
    "minute",
    "second",
    "decade",
    "century",
    "fortnight",
    "ppm",
    "ppb",
    "permille",
    "sievert",
    "gray",
    "becquerel",
    "pixel",
    "tesla",
    "mole",
    "british_thermal_unit",
    "barrel_per_day",
    "mile_per_gallon",
    "pound_force_foot",
    "kilo",
    "force_pound",
    "cubic_centimeter",
    "fluid_ounce",
    "electron_volt",
    "angstrom",
    "revolutions_per_minute",
    "dalton",
    "liter_per_second",
}
_PREFIXES = {
    "",
    "kilo",
    "mega",
    "giga",
    "tera",
    "peta",
    "milli",
    "centi",
    "micro",
    "nano",
    "deci",
    "hecto",
    "femto",
    "pico",
}
# How a pint unit is written in the schema, where its own name is not it.
_DISPLAY = {
    "meter": "metre",
    "liter": "litre",
    "metric_ton": "tonne",
    "long_ton": "long ton",
    "short_ton": "short ton",
    "degree_Celsius": "degree Celsius",
    "degree_Fahrenheit": "degree Fahrenheit",
    "baud": "bit per second",
    "kilo": "kilogram",
    "oil_barrel": "barrel",
    "force_pound": "pound-force",
    "pound_force_foot": "pound-force foot",
    "brake_horsepower": "horsepower",
    "pound_force_per_square_inch": "pound per square inch",
    "kilometer_per_hour": "kilometre per hour",
    "css_pixel": "pixel",
    "cubic_centimeter": "cubic centimetre",
    "british_thermal_unit": "british thermal unit",
    "revolutions_per_minute": "revolution per minute",
}
# Forms news writes that pint reads as something else, or not at all. "ton(s)" is pint's short ton,
# but news means the metric tonne unless it says "short tons"; "Nm" is pint's "number metre"; "sq"
# and "cubic" are read with the unit after them in ``normaliser.unit_at``.
NEWS_UNIT_FORMS = {
    "ton": "tonne",
    "tons": "tonne",
    "Nm": "newton metre",
    "nm": "nanometre",
    "mb/d": "barrel per day",
    "b/d": "barrel per day",
    "bbl/d": "barrel per day",
    "mtpa": "tonne per year",
    "km2": "square kilometre",
    "km²": "square kilometre",
    "m2": "square metre",
    "m²": "square metre",
    "sqm": "square metre",
    "sq m": "square metre",
    "kph": "kilometre per hour",
    "kmh": "kilometre per hour",
    "°c": "degree Celsius",
    "ºc": "degree Celsius",
    "°f": "degree Fahrenheit",
    "ºf": "degree Fahrenheit",
    "celsius": "degree Celsius",
    "centigrade": "degree Celsius",
    "fahrenheit": "degree Fahrenheit",
    "mp": "megapixel",
    "megapixel": "megapixel",
    "megapixels": "megapixel",
    "magnitude": "magnitude",
}
# Units in pint that news counts as things: "2.5 billion pixels" is a COUNT (a megapixel is a measure).
COUNTED_THINGS = {"pixel", "pixels"}
# Forms that are a unit only glued to the number: "30C" is 30 degrees Celsius, "5 C" is not.
NEWS_GLUED_UNIT_FORMS = {
    "t": "tonne",
    "C": "degree Celsius",
    "F": "degree Fahrenheit",
    "c": "degree Celsius",
    "°": "degree",
    "°C": "degree Celsius",
    "°F": "degree Fahrenheit",
    "°N": "degree",
    "°S": "degree",
    "°E": "degree",
    "°W": "degree",
    "Å": "angstrom",
    "‰": "permille",
}
# Single letters that are units after a number even with a space ("40 m", "7200 K", "24 h"): the
# symbols of measures; other letters after a number are words, initials or grades.
SPACED_LETTER_UNITS = {"m", "K", "h", "s", "g", "L", "W", "V", "J"}
GLUED_LETTER_UNITS = {"l", "A", "N"}
# A magnitude hidden in a unit abbreviation: "1.4 mb/d" is 1.4 million barrels a day.
NEWS_UNIT_SCALES = {"mb/d": 1e6, "mtpa": 1e6}
# Unit symbols that are also English words or single letters: a unit only when glued to the number
# ("5in", "3h") or standing after it in a measure ("5 in" is not five inches).
_WORDLIKE_SYMBOLS = {
    "in",
    "at",
    "a",
    "s",
    "h",
    "d",
    "t",
    "g",
    "l",
    "m",
    "pt",
    "ha",
    "are",
    "yd",
    "bar",
    "point",
    "c",
    "f",
    "p",
    "b",
    "k",
    "x",
    "st",
    "nd",
    "rd",
    "th",
    "am",
    "pm",
    "cup",
    "gal",
    "ct",
    "kt",
    "mil",
    "dB",
    "db",
    "gr",
    "u",
    "rad",
    "mo",
    "yr",
    "wk",
    "deg",
    "pa",
    "cd",
}


@cache
def _english_words() -> frozenset[str]:
    """English function words, which pint would read as units ("has" as hectares, "in" as inches)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


@cache
def registry():
    import pint

    units = pint.UnitRegistry(on_redefinition="ignore", autoconvert_offset_to_baseunit=True)
    units.load_definitions(str(NEWS_UNITS_FILE))
    return units


@lru_cache(maxsize=8192)
def unit_name(text: str, glued: bool = False) -> str | None:
    """The unit written as ``text`` ("km/h", "kilometres", "kWh", "tons"), by its schema name; None
    if it is no unit of news. ``glued``: the text was written against the number ("5kg")."""
    word = text.strip()
    if not word or len(word) > 40 or word[0].isdigit():
        return None
    if glued and word in NEWS_GLUED_UNIT_FORMS:
        return NEWS_GLUED_UNIT_FORMS[word]
    if word.lower() in COUNTED_THINGS:
        return None
    if len(word) == 1 and word not in SPACED_LETTER_UNITS | GLUED_LETTER_UNITS:
        return None  # "3G", "3D": a generation or a format, not grams or days
    if word in NEWS_UNIT_FORMS or word.lower() in NEWS_UNIT_FORMS:
        return NEWS_UNIT_FORMS.get(word) or NEWS_UNIT_FORMS[word.lower()]
    if (
        not glued
        and word not in SPACED_LETTER_UNITS
        and (
            word in _WORDLIKE_SYMBOLS
            or word.lower() in _WORDLIKE_SYMBOLS
            or len(word) == 1
            or word.lower() in _english_words()
        )
    ):
        return None
    word = word.replace("μ", "µ")  # Greek mu, as typed, for the micro sign
    if "/" in word:
        parts = word.split("/")
        if len(parts) == 2 and all(parts):
            top, bottom = unit_name(parts[0], True), unit_name(parts[1], True)
            return f"{top} per {bottom}" if top and bottom else None
        return None
    exponent = re.fullmatch(r"(.+?)([23²³])", word)
    if exponent:
        inner = unit_name(exponent.group(1), True)
        power = "square" if exponent.group(2) in "2²" else "cubic"
        return f"{power} {inner}" if inner and " " not in inner else None
    return _pint_unit(word) or (
        _pint_unit(word.lower()) if word.istitle() or word.isupper() and len(word) > 3 else None
    )


def _pint_unit(word: str) -> str | None:
    try:
        candidates = registry().parse_unit_name(word)
    except Exception:  # noqa: BLE001 - pint raises several kinds for text that is no unit
        return None
    usable = [(prefix, base) for prefix, base, _ in candidates if base in NEWS_UNIT_BASES and prefix in _PREFIXES]
    if not usable:
        return None
    prefix, base = min(usable, key=lambda pb: (pb[0] != "", pb[0] not in ("kilo", "mega", "giga", "milli", "centi")))
    return prefix + _DISPLAY.get(base, base.replace("_", " "))


# Unit symbols news glues to a number ("8kW", "330ml", "100Mbps"), from pint's symbols of these units
# and their usual prefixes; the rest are the magnitudes, shares, pence and unit forms of the tables above.
_GLUED_UNITS = {
    "meter": ("kilo", "centi", "milli", ""),
    "gram": ("kilo", "milli", "micro"),
    "liter": ("milli", "centi", ""),
    "watt": ("kilo", "mega", "giga", "tera"),
    "watt_hour": ("kilo", "mega", "giga", "tera"),
    "byte": ("kilo", "mega", "giga", "tera"),
    "hertz": ("kilo", "mega", "giga", ""),
    "ampere_hour": ("milli",),
    "volt": ("kilo", ""),
}
_GLUED_NEWS = (
    "mph",
    "kph",
    "kmh",
    "km/h",
    "bpd",
    "mpg",
    "hp",
    "bhp",
    "lb",
    "lbs",
    "oz",
    "ft",
    "yd",
    "mi",
    "ha",
    "cc",
    "mAh",
    "Mbps",
    "Gbps",
    "kbps",
    "MP",
    "°C",
    "ºC",
    "°F",
    "C",
    "F",
    "sq",
    "pc",
    "pct",
    "p",
    "bn",
    "mn",
    "mln",
    "bln",
    "tn",
    "trn",
    "m",
    "k",
    "b",
    "t",
    "km2",
    "m2",
    "sqm",
    "mtpa",
    "GWh",
    "TWh",
    "MWh",
    "kWh",
    "in",
    "‰",
    "×",
    "x",
)


@cache
def glued_suffixes() -> list[str]:
    """What may be glued after a number and split from it by the tokenizer, longest first."""
    units = registry()
    symbols = set(_GLUED_NEWS)
    for base, prefixes in _GLUED_UNITS.items():
        for prefix in prefixes:
            try:
                symbols.add(units.get_symbol(prefix + base))
            except Exception:  # noqa: BLE001 - a prefix the unit does not take
                continue
    return sorted((s for s in symbols if s and not s[0].isdigit()), key=len, reverse=True)


def is_time_unit(unit: str | None) -> bool:
    return unit in TIME_UNITS


@lru_cache(maxsize=4096)
def _as_pint(name: str):
    """A schema unit name back to a pint unit, for comparing units ("kilometre per hour" and "km/h")."""
    units = registry()
    expression = re.sub(
        r"\b(square|cubic) (\w+)", lambda m: f"{m.group(2)}**{2 if m.group(1) == 'square' else 3}", name
    )
    expression = expression.replace("pound-force", "force_pound").replace("degree Celsius", "degree_Celsius")
    expression = expression.replace("degree Fahrenheit", "degree_Fahrenheit").replace(" per ", " / ")
    try:
        return units.parse_units(expression)
    except Exception:  # noqa: BLE001
        return None


def same_unit(a: str | None, b: str | None) -> bool:
    """The same unit, however written: equal ignoring case, or one pint unit ("kilometer" = "kilometre")."""
    if a is None or b is None:
        return a is None and b is None
    if a.strip().casefold() == b.strip().casefold():
        return True
    first, second = _as_pint(a.strip()), _as_pint(b.strip())
    if first is None or second is None or first.dimensionality != second.dimensionality:
        return False
    try:
        return math.isclose(registry().Quantity(1, first).to(second).magnitude, 1, rel_tol=1e-6)
    except Exception:  # noqa: BLE001 - offset units and the like
        return False


# -- currencies (CLDR, ISO 4217) -------------------------------------------------------------------------

# News forms of currencies that CLDR does not give in English: the wire's "dlrs"/"dlr" (the story's
# dollar) and "stg" (sterling); "C$", "A$", "S$" and "US$" as the press writes them (CLDR's English
# symbols are "CA$", "A$", "SGD", "US$" or none); "Rs" (rupees); Peru's "S/" (CLDR has it in Spanish
# only). The pence of market reports ("212p") are GBX, ISO 4217's pence.
NEWS_CURRENCY_SYMBOLS = {
    "dlrs": "$",
    "dlr": "$",
    "stg": "GBP",
    "sterling": "GBP",
    "c$": "CAD",
    "can$": "CAD",
    "a$": "AUD",
    "aus$": "AUD",
    "nz$": "NZD",
    "s$": "SGD",
    "us$": "USD",
    "u.s.$": "USD",
    "hk$": "HKD",
    "rs": "INR",
    "rs.": "INR",
    "rmb": "CNY",
    "r$": "BRL",
    "yen": "JPY",
    "s/": "PEN",
    "s/.": "PEN",
}
# Minor units: "17 cents" is 0.17 of the story's currency; pence stay GBX as market reports write them.
MINOR_UNITS = {"cent": 0.01, "cents": 0.01, "cts": 0.01, "centavos": 0.01, "kopecks": 0.01}
# The currency an ambiguous name means when the story gives no country (no library ranks them).
NEWS_DEFAULT_CURRENCY = {
    "$": "USD",
    "dollar": "USD",
    "£": "GBP",
    "pound": "GBP",
    "¥": "JPY",
    "franc": "CHF",
    "peso": "MXN",
    "rupee": "INR",
    "krona": "SEK",
    "krone": "DKK",
    "mark": "DEM",
    "real": "BRL",
    "dinar": "KWD",
    "riyal": "SAR",
    "lira": "TRY",
    "won": "KRW",
    "rand": "ZAR",
    "shilling": "KES",
    "yuan": "CNY",
    "crown": "CZK",
    "R": "ZAR",
    "kr": "SEK",
    "Rs": "INR",
    "€": "EUR",
}
# Currency words spelled otherwise in the press than in CLDR's names.
NEWS_CURRENCY_WORDS = {
    "rouble": "ruble",
    "roubles": "rubles",
    "renminbi": "yuan",
    "kronor": "krona",
    "kroner": "krone",
    "reais": "real",
    "euros": "euro",
    "pesetas": "peseta",
    "marks": "mark",
    "dmarks": "mark",
    "yen": "yen",
    "won": "won",
    "rand": "rand",
    "baht": "baht",
    "ringgit": "ringgit",
    # the wire's abbreviations ("45 mln U.S. dlrs", "1.2 billion H.K. Dlrs", "Australian dlrs")
    "dlrs": "dollars",
    "dlr": "dollar",
    "h.k.": "hong kong",
    "n.z.": "new zealand",
}


# Last words of CLDR currency names that are ordinary words, not a currency on their own
# ("Chilean Unit of Account", "Special Drawing Rights", "Gold").
_NOT_CURRENCY_WORDS = {
    "account",
    "unit",
    "units",
    "gold",
    "silver",
    "platinum",
    "palladium",
    "rights",
    "value",
    "currency",
    "cupon",
    "day",
    "fund",
}


@cache
def _currencies():
    """(symbol -> codes, name words -> codes, last word -> codes, code -> territory)."""
    import babel
    import pycountry
    from babel.core import get_global
    from babel.numbers import get_currency_name, get_territory_currencies

    codes = {c.alpha_3 for c in pycountry.currencies}
    english = babel.Locale("en")
    codes |= set(english.currencies)  # CLDR also names the old ones: pesetas, marks, francs
    symbols: dict[str, set[str]] = defaultdict(set)
    for identifier in babel.localedata.locale_identifiers():
        if identifier != "en" and not identifier.startswith("en_"):
            continue
        locale = babel.Locale.parse(identifier)
        local = set(get_territory_currencies(locale.territory)) if locale.territory else set()
        for code, symbol in locale.currency_symbols.items():
            if symbol != code and (identifier == "en" or code in local):
                symbols[symbol].add(code)
    for code in codes:
        symbols[code].add(code)
    names: dict[tuple[str, ...], set[str]] = defaultdict(set)
    last_words: dict[str, set[str]] = defaultdict(set)
    for code in codes:
        for count in (1, 2):
            name = get_currency_name(code, count=count, locale="en")
            if not name or name == code:
                continue
            words = tuple(name.lower().replace("u.s.", "us").split())
            names[words].add(code)
            if words[-1].isalpha() and words[-1] not in _NOT_CURRENCY_WORDS:
                last_words[words[-1]].add(code)
    territory = {}
    for region in get_global("territory_currencies"):
        current = get_territory_currencies(region)
        if current:
            territory.setdefault(current[0], region)
    return symbols, names, last_words, territory


def currency_symbol(text: str) -> frozenset[str]:
    """The currencies ``text`` is a symbol or code of ("$", "HK$", "EUR", "dlrs"), or none."""
    symbols = _currencies()[0]
    news = NEWS_CURRENCY_SYMBOLS.get(text.lower())
    if news is not None:
        return currency_symbol(news) if news == "$" else frozenset(symbols.get(news, {news}))
    if text == "$":  # a dollar sign is any dollar's: CLDR writes Hong Kong's "HK$" even in Hong Kong
        return frozenset(symbols["$"] | _currencies()[2]["dollar"])
    if text.isalpha() and text.islower():
        return frozenset()  # an ISO code is written in capitals
    return frozenset(symbols.get(text, ()))


def currency_words(words: list[str]) -> tuple[frozenset[str], int]:
    """(currencies, how many of ``words`` name them): "Hong Kong dollars" -> ({HKD}, 3),
    "dollars" -> ({USD, AUD, ...}, 1). ``words`` run from the first word that may name one."""
    _, names, last_words, _ = _currencies()
    lowered, word_of = [], []  # a written word may stand for two ("H.K." for "hong kong")
    for number, word in enumerate(words[:4]):
        for part in NEWS_CURRENCY_WORDS.get(word.lower(), word.lower()).replace("u.s.", "us").split():
            lowered.append(part)
            word_of.append(number)
    for length in range(min(4, len(lowered)), 0, -1):
        found = names.get(tuple(lowered[:length]))
        if found and (length == len(lowered) or word_of[length] != word_of[length - 1]):
            return frozenset(found), word_of[length - 1] + 1
    if lowered and word_of[1:2] != [0]:
        singular = lowered[0][:-1] if lowered[0].endswith("s") else lowered[0]
        for word in (lowered[0], singular):
            if word in last_words:
                return frozenset(last_words[word]), 1
    return frozenset(), 0


def resolve_currency(candidates: frozenset[str], written: str, country: str | None) -> str | None:
    """One ISO code for a symbol or name: the story's country's if it is among them, else the
    currency the name usually means."""
    if not candidates:
        return None
    if len(candidates) == 1:
        return next(iter(candidates))
    territory = _currencies()[3]
    if country is not None:
        for code in candidates:
            if territory.get(code) == country:
                return code
        for code in sorted(candidates):
            if code in _former_currencies(country):
                return code  # "francs" in a story from Paris before the euro
    default = NEWS_DEFAULT_CURRENCY.get(written) or NEWS_DEFAULT_CURRENCY.get(written.lower().rstrip("s"))
    return default if default in candidates else sorted(candidates)[0]


# Signs of approximation and bounds written before a number in science copy ("∼2 m", "≥16", "<2 ppm").
BOUND_SIGNS = ("∼", "~", "≈", "≥", "≤", "⩾", "⩽", "≳", "≲", "<", ">", "±", "≃")


@cache
def _former_currencies(country: str) -> frozenset[str]:
    """Every currency CLDR says ``country`` used since 1900 (France: FRF and EUR)."""
    from babel.numbers import get_territory_currencies

    try:
        return frozenset(get_territory_currencies(country, start_date=date(1900, 1, 1), end_date=date.today()))
    except Exception:  # noqa: BLE001 - a region CLDR does not know has no currencies to offer
        return frozenset()


def currency_prefixes() -> list[str]:
    """Symbols and codes that news glues before a number ("HK$7.1m", "EUR12m", "RM45"), longest first."""
    symbols = _currencies()[0]
    glued = {s for s in symbols if len(s) > 1 and not s.isdigit() and " " not in s and not s.islower()}
    glued |= {form.upper() for form in NEWS_CURRENCY_SYMBOLS if "$" in form} | {"Rs", "Rs."}
    return sorted(glued, key=len, reverse=True)


# -- places: the story's country ------------------------------------------------------------------------

# Names news uses for countries that the libraries spell otherwise.
NEWS_PLACES = {
    "u.s.": "US",
    "us": "US",
    "u.s.a.": "US",
    "usa": "US",
    "america": "US",
    "britain": "GB",
    "great britain": "GB",
    "uk": "GB",
    "u.k.": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "washington": "US",
    "wall street": "US",
    "beijing": "CN",
    "mumbai": "IN",
    "wellington": "NZ",
    "ottawa": "CA",
    "frankfurt": "DE",
    "hong kong": "HK",
}


@cache
def _places() -> dict[str, str]:
    import babel
    import pycountry
    from babel.core import get_global

    places: dict[str, str] = {}
    for subdivision in pycountry.subdivisions:
        places.setdefault(subdivision.name.lower(), subdivision.country_code)
    for zone, region in get_global("zone_territories").items():
        if "/" in zone:
            places[zone.rsplit("/", 1)[1].replace("_", " ").lower()] = region
    for country in pycountry.countries:
        for name in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
            if name:
                places[name.lower()] = country.alpha_2
    for region, name in babel.Locale("en").territories.items():
        if len(region) == 2 and region.isalpha():
            places[name.lower()] = region
    places.update(NEWS_PLACES)
    return places


@cache
def _demonyms() -> dict[str, str]:
    """Nationality adjectives from the currency names ("Canadian Dollar" -> Canadian -> CA)."""
    _, names, _, territory = _currencies()
    demonyms = {}
    for words, codes in names.items():
        if len(words) >= 2 and len(codes) == 1:
            code = next(iter(codes))
            if code in territory:
                demonyms.setdefault(" ".join(words[:-1]), territory[code])
    return demonyms


def warm() -> None:
    """Build every table now: a pipeline's worker processes, forked after this, then share them
    instead of each building its own (about half a second apiece)."""
    registry()
    _currencies()
    _places()
    _demonyms()
    _english_words()
    glued_suffixes()


def country_of(name: str) -> str | None:
    """ISO 3166 alpha-2 of a place or nationality name, if known."""
    key = " ".join(name.lower().split()).removeprefix("the ")
    return _places().get(key) or _demonyms().get(key)
