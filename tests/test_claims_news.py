"""Numeric claims on the forms real news uses: one test per class of error found on articles written
by others (issue #9), on sentences of our own, and the guards that keep names, model numbers,
scores and figure numbers out."""

import pytest
from claimtools import claims, claims_approx, one, tagging_pipeline

from pipeline.nlp.claims import CLAIM_KEY, ClaimFinder, find_claims, lexicon


@pytest.fixture(scope="module")
def nlp():
    return tagging_pipeline()


def check(claim, text, label, value, unit):
    assert (claim.text, claim.label, claim.unit) == (text, label, unit)
    assert claim.value == pytest.approx(value)


@pytest.mark.parametrize(
    "sentence, span, label, value, unit",
    [
        # the magnitude belongs to the claim, even before the full stop
        ("The group said it would spend $750m.", "$750m", "MONEY", 750e6, "USD"),
        # glued currencies and codes
        ("The club paid EUR45m for him.", "EUR45m", "MONEY", 45e6, "EUR"),
        ("Tenants pay RM120 a week.", "RM120 a week", "MONEY", 120, "MYR"),
        ("The shares closed at 348p on Friday.", "348p", "MONEY", 348, "GBX"),
        ("Sales were up 3.1pc in March.", "3.1pc", "PERCENT", 3.1, "percent"),
        ("Its profit rose to HK$2.4bn.", "HK$2.4bn", "MONEY", 2.4e9, "HKD"),
        ("The stock climbed C$1.15 in Toronto.", "C$1.15", "MONEY", 1.15, "CAD"),
        ("The wire's copy said 45 mln dlrs.", "45 mln dlrs", "MONEY", 45e6, "USD"),
        ("Wheat rose 17 cents a bushel.", "17 cents a bushel", "MONEY", 0.17, "USD"),
        # a fraction of a magnitude is one figure; a dotted square unit is read
        ("More than half a million people fled.", "More than half a million people", "COUNT", 5e5, "person"),
        ("Almost a quarter of a million jobs would go.", "Almost a quarter of a million jobs", "COUNT", 2.5e5, "job"),
        ("The deal is worth half a billion dollars.", "half a billion dollars", "MONEY", 5e8, "USD"),
        ("The scar shrank by 5.37 sq. cm in a month.", "5.37 sq. cm", "QUANTITY", 5.37, "square centimetre"),
        # glued and compound units
        ("It fits a 150kW charger.", "150kW", "QUANTITY", 150, "kilowatt"),
        ("The car has a 60kWh battery.", "60kWh", "QUANTITY", 60, "kilowatt hour"),
        ("They sell 500ml bottles.", "500ml", "QUANTITY", 500, "millilitre"),
        ("Homes get a 1Gbps line.", "1Gbps", "QUANTITY", 1, "gigabit per second"),
        ("The phone stores 512GB.", "512GB", "QUANTITY", 512, "gigabyte"),
        ("Forecasters expect 80mph winds.", "80mph", "QUANTITY", 80, "mile per hour"),
        ("The limit is 120 km/h on motorways.", "120 km/h", "QUANTITY", 120, "kilometre per hour"),
        (
            "The field pumps 2.5 million barrels a day.",
            "2.5 million barrels a day",
            "QUANTITY",
            2.5e6,
            "barrel per day",
        ),
        ("The engine makes 400 lb-ft of torque.", "400 lb-ft", "QUANTITY", 400, "pound-force foot"),
        ("The refinery handles 250,000 bpd.", "250,000 bpd", "QUANTITY", 250_000, "barrel per day"),
        ("He was stopped at the 40 yard line.", "40 yard", "QUANTITY", 40, "yard"),
        ("It has a 6 cylinder engine.", "6 cylinder", "COUNT", 6, "cylinder"),
        ("It was 35C in the shade.", "35C", "QUANTITY", 35, "degree Celsius"),
        ("Rainfall was 30 mm below average.", "30 mm", "QUANTITY", 30, "millimetre"),
        # signs and number words
        ("Shares fell -3.4% on the news.", "-3.4%", "PERCENT", -3.4, "percent"),
        ("The index rose +0.8% by noon.", "+0.8%", "PERCENT", 0.8, "percent"),
        ("Overnight it dropped to minus 15 degrees.", "minus 15 degrees", "QUANTITY", -15, "degree"),
        (
            "Forty-two thousand six hundred and ten runners finished.",
            "Forty-two thousand six hundred and ten runners",
            "COUNT",
            42_610,
            "runner",
        ),
        (
            "It cost two and a half million pounds sterling.",
            "two and a half million pounds sterling",
            "MONEY",
            2.5e6,
            "GBP",
        ),
        # rates keep their unit
        ("Cocoa sold at $2,300 a tonne.", "$2,300 a tonne", "MONEY", 2300, "USD"),
        ("Rates were cut by half a point.", "half a point", "PERCENT", 0.5, "percentage point"),
        ("The bank raised rates by 25 basis points.", "25 basis points", "PERCENT", 25, "basis point"),
        ("It affects as many as 1 in 7 mothers.", "as many as 1 in 7", "PERCENT", 14.29, "percent"),
        # millions written "m" before a plural noun
        ("The show drew 5m viewers.", "5m viewers", "COUNT", 5e6, "viewer"),
    ],
)
def test_news_forms_of_numbers_units_and_currencies(nlp, sentence, span, label, value, unit):
    check(one(nlp, sentence), span, label, value, unit)


def test_a_market_line_gives_one_signed_share_per_index_and_no_index_names(nlp):
    found = claims(nlp, "In late trading: FTSE 100 -0.4%, Dax +1.1%, Nikkei 225 +0.3%, S&P 500 -1.2%.")
    assert found == [
        ("-0.4%", "PERCENT", -0.4, "percent"),
        ("+1.1%", "PERCENT", 1.1, "percent"),
        ("+0.3%", "PERCENT", 0.3, "percent"),
        ("-1.2%", "PERCENT", -1.2, "percent"),
    ]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The airline ordered three new 737 jets.", [("three new 737 jets", "COUNT", 3, "jet")]),
        ("The new Pixel 8 has 256GB of storage.", [("256GB", "QUANTITY", 256, "gigabyte")]),
        ("Windows 11 runs on 500 million machines.", [("500 million machines", "COUNT", 5e8, "machine")]),
        ("Table 2 lists the results and Figure 4 shows them.", []),
        ("The film Twelve Angry Men was shown again.", []),
        ("The drama series 24 returned to television.", []),
        ("United won 2-0 at home.", []),
        ("The court ruled in a 5-4 decision.", []),
        ("It went straight to No. 1 in the charts.", []),
        ("Patients with type 2 diabetes were excluded.", []),
        ("A multi-billion dollar deal was signed.", []),
        ("Voters backed the plan by two to one.", []),
        ("Read more at www.example.com/2014/06/report.", []),
        ("He called 911 from the car.", []),
        ("Leaders met at the COP30 climate summit.", []),
        ("Operators are rolling out 4G and 5G networks.", []),
        ("The bank sold zero-coupon bonds to savers.", []),
        ("They face a two-pronged attack in a three-cornered fight.", []),
        ("At one point the talks stalled, and in one place the road gave way.", []),
        ("On the one hand the deficit is large.", []),
        ("Costs rose because of the price of this one drug.", []),
        ("He could return within a year or two.", []),
        ("His shows were one-man affairs and the gain was a one-off.", []),
        ("He earns a six-figure salary.", []),
        ("Ministers meet before the Group of 77 summit.", []),
        ("Listen to the 911 call » here.", []),
        ("Police found the .22-caliber rifle and a 12-gauge shotgun.", []),
        ("Two new albums were due, one by Blur and one by Oasis.", [("Two new albums", "COUNT", 2, "album")]),
        ("He is no longer loyal to any one airline.", []),
        ("Fans want music or films but not a mix of the two.", []),
        ("The congress meets in Boston, May 12 to 18, 2031.", []),
        ("Press office: Ann Lee, (415) 555-0134", []),
        ("The fair ran from 6 to 9 January.", []),
        ("It was funded by grant 7R01GM123456-03 and others.", []),
    ],
)
def test_numbers_inside_names_scores_references_and_codes_are_not_claims(nlp, sentence, expected):
    assert claims(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence, span, value, low, high",
    [
        ("Organisers expect around 20,000 to 25,000 fans.", "around 20,000 to 25,000 fans", 25_000, 20_000, 25_000),
        ("The ministry wants between 3 and 4 billion euros.", "between 3 and 4 billion euros", 4e9, 3e9, 4e9),
        ("It will cost $5-6bn.", "$5-6bn", 6e9, 5e9, 6e9),
        ("Each dose takes 3–5 days to work.", "3–5 days", 5, 3, 5),
        ("It will pay out $6.0-$6.5 per share.", "$6.0-$6.5 per share", 6.5, 6.0, 6.5),
    ],
)
def test_a_range_is_one_span_and_its_magnitude_serves_both_ends(nlp, sentence, span, value, low, high):
    claim = one(nlp, sentence)
    assert (claim.text, claim.low, claim.high) == (span, pytest.approx(low), pytest.approx(high))
    assert claim.value == pytest.approx(value)


@pytest.mark.parametrize(
    "sentence, span, start, to",
    [
        ("Growth will slow from 4.1% last year to 3.3%.", "from 4.1% last year to 3.3%", 4.1, 3.3),
        ("The rate falls from 6% in 2003 to 5.5%.", "from 6% in 2003 to 5.5%", 6, 5.5),
    ],
)
def test_a_change_keeps_the_time_of_its_first_figure_inside(nlp, sentence, span, start, to):
    claim = one(nlp, sentence)
    assert (claim.text, claim.from_, claim.to, claim.value) == (span, start, to, to)


@pytest.mark.parametrize(
    "sentence, span, value",
    [
        ("The peak came in March, when 3.4 billion were sent.", "3.4 billion", 3.4e9),
        ("That is 14% of the 6.2 million who need care.", "6.2 million", 6.2e6),
    ],
)
def test_a_figure_with_its_magnitude_in_words_is_a_count_even_without_a_noun(nlp, sentence, span, value):
    found = [c for c in find_claims(nlp(sentence)) if c.label == "COUNT"]
    assert [(c.text, c.value) for c in found] == [(span, pytest.approx(value))]


@pytest.mark.parametrize(
    "sentence, span, value, unit",
    [
        ("Some 3,000 business and union leaders attend.", "Some 3,000 business and union leaders", 3000, "leader"),
        ("It runs 12 primary and urgent care clinics.", "12 primary and urgent care clinics", 12, "clinic"),
        ("Some 3,000 business leaders attend.", "Some 3,000 business leaders", 3000, "leader"),
    ],
)
def test_a_count_of_coordinated_modifiers_counts_their_plural_noun(nlp, sentence, span, value, unit):
    check(one(nlp, sentence), span, "COUNT", value, unit)


def test_currencies_that_name_places_and_pixels_are_counted(nlp):
    assert claims(nlp, "The 12 euro zone countries grew.") == [("12 euro zone countries", "COUNT", 12, "country")]
    assert claims(nlp, "The image is 2.5 billion pixels.") == [("2.5 billion pixels", "COUNT", 2.5e9, "pixel")]


def test_a_change_to_a_range_keeps_both_numbers_with_the_magnitude(nlp):
    claim = one(nlp, "The budget grows from 3.5 to 4-5 billion euros.")
    assert claim.text == "from 3.5 to 4-5 billion euros"
    assert (claim.from_, claim.to, claim.value, claim.unit) == (3.5e9, 5e9, 5e9, "EUR")


def test_a_change_and_the_level_it_reaches_are_two_claims(nlp):
    assert claims(nlp, "Crude gained $2.10 to $84.30 a barrel.") == [
        ("$2.10", "MONEY", 2.1, "USD"),
        ("$84.30 a barrel", "MONEY", 84.3, "USD"),
    ]
    assert claims(nlp, "Output fell by 40,000 bpd to 1.2 million bpd.") == [
        ("40,000 bpd", "QUANTITY", 40_000, "barrel per day"),
        ("1.2 million bpd", "QUANTITY", 1.2e6, "barrel per day"),
    ]


def test_a_tally_is_two_claims_not_a_range(nlp):
    found = claims(nlp, "The bill passed by 301 votes to 258.")
    assert [(text, label, value) for text, label, value, _ in found] == [
        ("301 votes", "COUNT", 301),
        ("258", "COUNT", 258),
    ]


def test_a_figure_compared_in_its_sentence_takes_its_currency(nlp):
    found = claims(nlp, "Net profit fell to 4.6 mln dlrs from 5.2 mln.")
    assert found == [("4.6 mln dlrs", "MONEY", 4.6e6, "USD"), ("5.2 mln", "MONEY", 5.2e6, "USD")]


@pytest.mark.parametrize(
    "sentence, span, value",
    [
        ("The minimum age for candidates was cut from 21 to 18.", "from 21 to 18", 18),
        ("Now 77, the former leader returned home.", "77", 77),
        ("The accuser, now in his 30s, testified.", "30s", 30),
        ("A boy aged 12 was hurt.", "12", 12),
        ("Police named the driver, Tom Hart, 20; the others fled.", "20", 20),
        ("Also charged was a former chef, Nick Wood, 41.", "41", 41),
    ],
)
def test_ages_read_from_their_context_are_quantities_in_years(nlp, sentence, span, value):
    check(one(nlp, sentence), span, "QUANTITY", value, "year")


@pytest.mark.parametrize(
    "text, currency",
    [
        ("SYDNEY, March 3 (Reuters) - The bank earned $2.1bn in the half year.", "AUD"),
        ("HONG KONG (Reuters) - The developer sold flats worth $900m.", "HKD"),
        ("NEW YORK (Reuters) - The bank earned $2.1bn in the half year.", "USD"),
        ("BOGOTA, Jan 9 (EFE) - A kilo of coca paste sells for 2 million pesos.", "COP"),
    ],
)
def test_the_storys_country_picks_the_currency_of_an_ambiguous_dollar_or_peso(nlp, text, currency):
    doc = ClaimFinder()(nlp(text))
    money = [c for c in doc.user_data[CLAIM_KEY] if c["label"] == "MONEY"]
    assert [c["unit"] for c in money] == [currency]


def test_an_asserted_duration_replaces_the_models_date_entity():
    """Revised schema: "lasted six hours" is a QUANTITY claim and no longer DATE."""
    from pathlib import Path

    from pipeline.nlp.preannotate import annotate_texts
    from pipeline.settings import Settings

    result = annotate_texts(
        ["The siege of the town lasted six hours, officials said on Monday."], Settings(), Path("annotations")
    )[0]
    assert [(c["text"], c["label"], c["unit"]) for c in result["claims"]] == [("six hours", "QUANTITY", "hour")]
    assert "six hours" not in [e["text"] for e in result["entities"] if e["label"] == "DATE"]


@pytest.mark.parametrize(
    "written, unit",
    [
        ("km/h", "kilometre per hour"),
        ("kilos", "kilogram"),
        ("tons", "tonne"),
        ("Mbps", "megabit per second"),
        ("bpd", "barrel per day"),
        ("sq km", None),
        ("people", None),
        ("in", None),
        ("has", None),
    ],
)
def test_units_come_from_pints_registry_with_the_news_forms_added(written, unit):
    assert lexicon.unit_name(written) == unit


def test_units_compare_equal_however_they_are_spelled():
    assert lexicon.same_unit("kilometre per hour", "kilometer per hour")
    assert lexicon.same_unit("kilowatt hour", "kWh")
    assert not lexicon.same_unit("kilometre", "mile")


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("Seven died in the fire.", [("Seven", "COUNT", 7, "person")]),
        ("It has sold almost 4m DS consoles.", [("almost 4m DS consoles", "COUNT", 4e6, "console")]),
        ("They built a 4m tall wall.", [("4m", "QUANTITY", 4, "metre")]),
        (
            "It holds 8GB against a previous 4GB.",
            [("8GB", "QUANTITY", 8, "gigabyte"), ("4GB", "QUANTITY", 4, "gigabyte")],
        ),
        (
            "In all 9,000 posts go, 450 will be lost by May.",
            [("9,000 posts", "COUNT", 9000, "post"), ("450", "COUNT", 450, "post")],
        ),
        ("They are two of the world's biggest brewers.", [("two", "COUNT", 2, "brewer")]),
        (
            "Today 27 of Europe's 40-odd lakes are dry.",
            [("27", "COUNT", 27, "lake"), ("40-odd lakes", "COUNT", 40, "lake")],
        ),
    ],
)
def test_counts_take_their_noun_across_names_possessives_and_glued_millions(nlp, sentence, expected):
    assert claims(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # the wire's currency abbreviations after the magnitude
        (
            "Net income rose to 61.4 mln U.S. Dlrs from 52.9 mln.",
            [("61.4 mln U.S. Dlrs", "MONEY", 61.4e6, "USD"), ("52.9 mln", "MONEY", 52.9e6, "USD")],
        ),
        ("Turnover was 3.4 billion H.K. Dlrs.", [("3.4 billion H.K. Dlrs", "MONEY", 3.4e9, "HKD")]),
        ("The loan is for 250 mln Australian dlrs.", [("250 mln Australian dlrs", "MONEY", 250e6, "AUD")]),
        # a share glued to its number by a hyphen
        ("It holds a 49-pct stake.", [("49-pct", "PERCENT", 49, "percent")]),
        # a magnitude letter before a unit is millions, not metres
        ("Exports reached 4m tonnes.", [("4m tonnes", "QUANTITY", 4e6, "tonne")]),
        # "a year earlier" says when, not how often
        ("Sales were 9bn rand a year earlier.", [("9bn rand", "MONEY", 9e9, "ZAR")]),
        # the currency of a change's second figure is not the bracketed conversion's
        (
            "Spending goes to 700 billion pesos ($35m) from 640 billion.",
            [
                ("700 billion pesos", "MONEY", 700e9, "MXN"),
                ("$35m", "MONEY", 35e6, "USD"),
                ("640 billion", "MONEY", 640e9, "MXN"),
            ],
        ),
        # a hyphenated modifier before the counted noun
        (
            "The poll asked 1,150 home-owning, middle-aged men.",
            [("1,150 home-owning, middle-aged men", "COUNT", 1150, "man")],
        ),
        (
            "The town has four Polish-language weekly papers.",
            [("four Polish-language weekly papers", "COUNT", 4, "paper")],
        ),
    ],
)
def test_wire_currencies_glued_shares_magnitudes_and_compound_modifiers(nlp, sentence, expected):
    assert claims(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence, span, low, high",
    [
        ("Brokers expect a rise of 7 to 9 pct.", "7 to 9 pct", 7, 9),
        ("Margins could improve 2 to 3% next year.", "2 to 3%", 2, 3),
    ],
)
def test_a_change_of_a_bare_number_to_a_share_is_a_range(nlp, sentence, span, low, high):
    claim = one(nlp, sentence)
    assert (claim.text, claim.label, claim.low, claim.high) == (span, "PERCENT", low, high)


@pytest.mark.parametrize(
    "sentence",
    [
        "Holders get a one-for-five bonus issue.",
        "The board may offer one for four.",
        "It wants the ratio at 25-to-1.",
        "The stock had a three-for-two split.",
        "They give one for every ten held.",
    ],
)
def test_ratios_are_not_claims(nlp, sentence):
    assert claims(nlp, sentence) == []


def test_a_figure_compared_in_its_sentence_takes_the_whole_currency_name(nlp):
    doc = nlp("HONG KONG, May 4 - Hang Lung's profit fell to 31.5 mln U.S. Dlrs from 40.2 mln.")
    found = [(c.text, c.unit) for c in find_claims(doc, country="HK")]  # a story from Hong Kong
    assert found == [("31.5 mln U.S. Dlrs", "USD"), ("40.2 mln", "USD")]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a group bounded by an age is an age
        ("The law lets those 19 and older buy beer.", [("19", "QUANTITY", 19, "year")]),
        ("The vaccine helped patients 70 and over.", [("70", "QUANTITY", 70, "year")]),
        ("It bans sales to those under 16.", [("under 16", "QUANTITY", 16, "year")]),
        # "others" counts the noun it refers back to, also in the sentence before
        ("Six of the guards fled. Two others were hurt.", [("Six", "COUNT", 6, "guard"), ("Two", "COUNT", 2, "guard")]),
        # a bare number coordinated with a count counts the same thing
        (
            "The two lakes hold 14 and 9 native fish species.",
            [
                ("two lakes", "COUNT", 2, "lake"),
                ("14", "COUNT", 14, "species"),
                ("9 native fish species", "COUNT", 9, "species"),
            ],
        ),
        # the verb "issue" is not a reference ("issue 7" of a magazine is)
        ("It will issue 3.2 mln common shares.", [("3.2 mln common shares", "COUNT", 3.2e6, "share")]),
        # cents of a named currency
        ("The dividend rises to 45 euro cents.", [("45 euro cents", "MONEY", 0.45, "EUR")]),
    ],
)
def test_counts_ages_and_currency_fractions(nlp, sentence, expected):
    assert claims(nlp, sentence) == expected


@pytest.mark.parametrize("sentence", ["One would expect more.", "He was seen on March, 14, 2003, in town."])
def test_a_pronoun_one_and_a_day_after_a_month_are_not_claims(nlp, sentence):
    assert claims(nlp, sentence) == []


def test_francs_in_a_story_from_paris_before_the_euro_are_french_francs(nlp):
    doc = nlp("PARIS, March 12 - A trade of 2,000 francs cost 30 francs in fees.")
    assert [(c.text, c.unit) for c in find_claims(doc, country="FR")] == [("2,000 francs", "FRF"), ("30 francs", "FRF")]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a dealer's bid/offer quote is the bid, in the currency quoted
        (
            "The dollar ended at 1.7315/25 marks, after an opening 1.7290/300.",
            [("1.7315/25 marks", "MONEY", 1.7315, "DEM"), ("1.7290/300", "MONEY", 1.729, "DEM")],
        ),
        # a fraction of an index point is a count of points
        ("The index was off 0.4 point from Monday's close.", [("0.4 point", "COUNT", 0.4, "point")]),
    ],
)
def test_dealer_quotes_and_fractions_of_a_point(nlp, sentence, expected):
    assert claims_approx(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence", ['"Nobody is selling," said one London dealer.', "One senior economist said the rise was over."]
)
def test_the_one_who_is_quoted_is_not_a_count(nlp, sentence):
    assert claims(nlp, sentence) == []


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a count after a money claim of its sentence is not money when its noun stands between
        (
            "The £20m plan lifts the number of sports halls from 120 to 150.",
            [("£20m", "MONEY", 20e6, "GBP"), ("from 120 to 150", "COUNT", 150, "hall")],
        ),
        ("Police say one in every four thefts is reported.", [("one in every four", "PERCENT", 25, "percent")]),
        ("The rand lost another three U.S. cents.", [("another three U.S. cents", "MONEY", 0.03, "USD")]),
        # "a third" before a number or an adjective is the ordinal
        ("She won a third four-year term.", [("four-year", "QUANTITY", 4, "year")]),
    ],
)
def test_counts_between_money_shares_of_every_and_cents(nlp, sentence, expected):
    assert claims_approx(nlp, sentence) == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a date after the figure is not its unit
        (
            "Sales reached 4.5 million units, up from 3.9 million last year.",
            [("4.5 million units", "COUNT", 4.5e6, "unit"), ("3.9 million", "COUNT", 3.9e6, "unit")],
        ),
        # the unit written after a range's first figure
        ("Output rose from 40 tonnes to 65.", [("from 40 tonnes to 65", "QUANTITY", 65, "tonne")]),
        # "millions of pounds" is money
        ("The floods cost farmers millions of pounds.", [("millions of pounds", "MONEY", 1e6, "GBP")]),
        # digits joined to much longer digits name something
        ("Patients given 3-1187 improved, the court heard in case 14-2290.", []),
    ],
)
def test_dates_after_figures_range_units_pounds_and_codes(nlp, sentence, expected):
    assert claims_approx(nlp, sentence) == expected
