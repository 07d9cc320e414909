#!/usr/bin/env python3
"""Build the hand-annotated HELD-OUT gold set: five original wire-style articles.

Writes  annotations/heldout/heldout.jsonl   (one JSON line per article)

The five texts below were written for this project (original wording, not taken from any
source). They are held out: never used to write or tune extraction rules. Annotations follow
../shared/ANNOTATION_SCHEMA.md (from the project root) and the method of annotations/gold/build_gold.py. Offsets
are never typed by hand: each span is located by searching the text with an anchor:

  * anchor = "left context" (str): the span is the unique place where
    left_context + span_text occurs in the text; the span starts right after the context.
  * anchor = ("left context", "right context"): as above, but the match must also be
    followed immediately by right_context.

Every lookup asserts exactly one match and text[start:end] == span text. The script then
validates labels, layer-internal overlaps, span boundaries, recomputes every claim's
value/approx/low/high/from/to from the span text and compares it with the hand-typed
fields, and checks coverage: every mention of every annotated name is inside an entity span,
and every digit and spelled-out number is inside a DATE, a claim, or a listed non-claim.

Standard library only. Run from the repo root:  python annotations/heldout/build_heldout.py
"""

from __future__ import annotations

import json
import math
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

sys.path.insert(0, str(HERE.parent))  # annotations/, for goldtools
from goldtools import BAD_EDGE, CLAIM_LABELS, ENTITY_LABELS, check_no_overlap, is_punct, locate  # noqa: E402

OUT_PATH = HERE / "heldout.jsonl"

CLAIM_UNITS = {
    "PERCENT": {"percent"},
    "MONEY": {"USD", "PEN", "EUR", "COP", "BOB"},
    "QUANTITY": {"hectare", "tonne", "kilogram", "litre", "kilometre", "square kilometre", "year"},
}
N = None

# =======================================================================================
# heldout-a: Colombia, coca crops and eradication (EFE style)
# =======================================================================================
TEXT_A = "\n\n".join(
    [
        "BOGOTA, Mar 3 (EFE).- Coca crops in Colombia covered an estimated 253,000 hectares last "
        "year, 10% more than in 2022 and the largest area ever measured, according to a report "
        "released on Friday by the United Nations Office on Drugs and Crime (UNODC).",
        "The study, prepared with the Integrated Illicit Crops Monitoring System (SIMCI), puts "
        "potential cocaine production at between 2,600 and 2,700 tonnes, up from 1,738 tonnes two "
        "years earlier.",
        "Two-thirds of Colombia’s coca grows in just three departments, Nariño, Putumayo and Norte "
        "de Santander, where the National Liberation Army (ELN) and dissidents of the former "
        "Revolutionary Armed Forces of Colombia (FARC) fight over the routes to the Pacific and to "
        "Venezuela.",
        "“The crop is moving into protected areas and indigenous reserves, and that is the trend "
        "that worries us most,” Mariana Ortiz Lozano, a coordinator of the monitoring system, told "
        "Efe.",
        "The report found that roughly one in five hectares of coca now lies inside a national park, "
        "a forest reserve or an Afro-Colombian community territory. In the Catatumbo region, on the "
        "border with Venezuela, the planted area grew by 17% to almost 43,000 hectares.",
        "Forced eradication, meanwhile, has all but stopped. Security forces pulled up 20,323 "
        "hectares of coca in 2023, down from more than 67,000 in 2022, after the government of "
        "President Gustavo Petro shifted its strategy toward voluntary substitution and the pursuit "
        "of large trafficking networks.",
        "The anti-narcotics directorate of the national police (Dirán) said its units met only about "
        "a third of their eradication target and that 46 eradicators were wounded by landmines while "
        "working in the fields.",
        "The government estimates that around 115,000 families depend directly on coca, and the "
        "comprehensive national programme for the substitution of illicit crops (PNIS) has so far "
        "reached fewer than half of them.",
        "“Without roads and buyers for other products, farmers go back to coca within a year,” said "
        "Jhon Fredy Quiñones, a 41-year-old grower from Tumaco, in the southwestern department of "
        "Nariño, who pulled up his two hectares of coca in 2019.",
        "Colombia remains the world’s largest producer of cocaine, ahead of Peru and Bolivia, the report said.",
    ]
)

ENTITIES_A = [
    ("GPE", "BOGOTA", ("", ", Mar 3")),
    ("DATE", "Mar 3", "BOGOTA, "),
    ("ORG", "EFE", "Mar 3 ("),
    ("GPE", "Colombia", "Coca crops in "),
    ("DATE", "last year", "253,000 hectares "),
    ("DATE", "2022", "more than in "),
    ("DATE", "Friday", "released on "),
    ("ORG", "United Nations Office on Drugs and Crime", "by the "),  # one ORG, no nested ORG
    ("ORG", "UNODC", "Crime ("),
    ("ORG", "Integrated Illicit Crops Monitoring System", "prepared with the "),
    ("ORG", "SIMCI", "System ("),
    ("DATE", "two years earlier", "1,738 tonnes "),  # a DATE, not a COUNT
    ("GPE", "Colombia", "Two-thirds of "),  # "Colombia’s" -> "Colombia"
    ("GPE", "Nariño", "three departments, "),
    ("GPE", "Putumayo", "Nariño, "),
    ("GPE", "Norte de Santander", "Putumayo and "),
    ("ORG", "National Liberation Army", "where the "),
    ("ORG", "ELN", "Liberation Army ("),
    ("ORG", "Revolutionary Armed Forces of Colombia", "the former "),  # no nested GPE
    ("ORG", "FARC", "of Colombia ("),
    ("LOC", "Pacific", "routes to the "),
    ("GPE", "Venezuela", "Pacific and to "),
    # "indigenous reserves": generic adjective, not NORP
    ("PERSON", "Mariana Ortiz Lozano", "most,” "),
    # "the monitoring system": lowercase back-reference, not ORG
    ("ORG", "Efe", "told "),
    ("NORP", "Afro-Colombian", "or an "),
    ("LOC", "Catatumbo", "In the "),  # "the Catatumbo region"
    ("GPE", "Venezuela", "border with "),
    ("DATE", "2023", "of coca in "),
    ("DATE", "2022", "67,000 in "),
    ("PERSON", "Gustavo Petro", "President "),  # no title
    # lowercase description + acronym in brackets -> ORG for both (schema, Devida rule)
    ("ORG", "anti-narcotics directorate of the national police", "The "),
    ("ORG", "Dirán", "national police ("),
    ("ORG", "comprehensive national programme for the substitution of illicit crops", "the "),
    ("ORG", "PNIS", "illicit crops ("),
    # "so far": not DATE (as in the dev gold)
    ("DATE", "a year", "within "),  # period, keeps "a"
    ("PERSON", "Jhon Fredy Quiñones", "said "),
    ("GPE", "Tumaco", "grower from "),
    ("GPE", "Nariño", "department of "),
    ("DATE", "2019", "of coca in "),
    ("GPE", "Colombia", ("\n\n", " remains")),
    ("GPE", "Peru", "ahead of "),
    ("GPE", "Bolivia", "Peru and "),
]

CLAIMS_A = [
    # (label, span, anchor, value, unit, approx, low, high, from, to)
    ("QUANTITY", "an estimated 253,000 hectares", "covered ", 253000.0, "hectare", "an estimated", N, N, N, N),
    # "10% more than in 2022": "more than" follows the number, it is not a qualifier
    ("PERCENT", "10%", "last year, ", 10.0, "percent", N, N, N, N, N),
    ("QUANTITY", "between 2,600 and 2,700 tonnes", "production at ", 2700.0, "tonne", N, 2600.0, 2700.0, N, N),
    # "X, up from Y" is two claims; "up from" stays outside the span
    ("QUANTITY", "1,738 tonnes", "up from ", 1738.0, "tonne", N, N, N, N, N),
    ("PERCENT", "Two-thirds", ("\n\n", " of Colombia"), 66.67, "percent", N, N, N, N, N),
    ("COUNT", "three departments", "just ", 3.0, "department", N, N, N, N, N),
    ("PERCENT", "roughly one in five", "found that ", 20.0, "percent", "roughly", N, N, N, N),
    ("PERCENT", "17%", "grew by ", 17.0, "percent", N, N, N, N, N),
    ("QUANTITY", "almost 43,000 hectares", "17% to ", 43000.0, "hectare", "almost", N, N, N, N),
    ("QUANTITY", "20,323 hectares", "pulled up ", 20323.0, "hectare", N, N, N, N, N),
    # "down from more than 67,000": second claim, noun left out -> unit hectare
    ("QUANTITY", "more than 67,000", "down from ", 67000.0, "hectare", "more than", N, N, N, N),
    ("PERCENT", "about a third", "met only ", 33.33, "percent", "about", N, N, N, N),
    ("COUNT", "46 eradicators", "that ", 46.0, "eradicator", N, N, N, N, N),
    ("COUNT", "around 115,000 families", "estimates that ", 115000.0, "family", "around", N, N, N, N),
    ("PERCENT", "fewer than half", "reached ", 50.0, "percent", "fewer than", N, N, N, N),
    ("QUANTITY", "two hectares", "his ", 2.0, "hectare", N, N, N, N, N),
    # an age is a QUANTITY in years, the span the number with its unit words (schema revision)
    ("QUANTITY", "41-year-old", "a ", 41.0, "year", N, N, N, N, N),
]

NOT_CLAIMS_A = [
    # (span, anchor, reason)
    ("largest", "world’s ", "ranking"),
]

# =======================================================================================
# heldout-b: Ecuador, port seizure and prison riot (AP style)
# =======================================================================================
TEXT_B = "\n\n".join(
    [
        "GUAYAQUIL, Ecuador (AP) — Ecuadorian police seized 22 tons of cocaine hidden in a banana "
        "shipment at the port of Guayaquil on Wednesday, hours before a riot at the country’s largest "
        "prison left 31 inmates dead and 14 wounded, officials said.",
        "The drugs, packed in 1,100 boxes of fruit bound for Antwerp, belonged to Los Lobos, a gang "
        "that the U.S. Treasury Department has described as one of the largest criminal groups in "
        "the country, according to police.",
        "“It is the biggest seizure in a port this year, and it tells us the gangs are still moving "
        "enormous volumes,” Colonel Rodrigo Valarezo, head of the police anti-drug unit in Guayaquil, "
        "told reporters. The seizure was part of Operation Neptune, which has inspected more than "
        "3,500 containers since January.",
        "The violence at the Litoral Penitentiary began at about 2:30 a.m., when dozens of inmates "
        "from Pavilion 8 attacked a rival wing with rifles, grenades and knives. Soldiers regained "
        "control after six hours, the national prison service (SNAI) said in a statement.",
        "Among the dead was a 33-year-old man who was due to be released in two weeks, his sister "
        "told The Associated Press outside the morgue, where families waited in the heat for news.",
        "Rights groups say more than 460 inmates have been killed in Ecuadorian prisons since 2021, "
        "most of them in clashes between Los Choneros, Los Lobos and smaller gangs fighting for "
        "control of cellblocks and of the cocaine routes to the Pacific.",
        "Officials said 40 gang leaders had been moved to La Roca, a maximum-security prison, earlier "
        "this month, and that 28 more would follow next week.",
        "Outside the prisons, the gangs extort tens of thousands of families in Guayaquil’s poorest "
        "neighborhoods, such as Socio Vivienda and Isla Trinitaria, according to a local human rights "
        "committee.",
        "President Daniel Noboa, who declared an “internal armed conflict” in January 2024, has "
        "ordered the armed forces to take charge of the Litoral Penitentiary once more. Separately, "
        "police at Guayaquil’s José Joaquín de Olmedo International Airport arrested two Albanian "
        "citizens suspected of coordinating cocaine shipments to Europe.",
    ]
)

ENTITIES_B = [
    ("GPE", "GUAYAQUIL", ("", ", Ecuador")),
    ("GPE", "Ecuador", "GUAYAQUIL, "),
    ("ORG", "AP", "Ecuador ("),
    ("NORP", "Ecuadorian", "— "),  # "Ecuadorian police" -> NORP only
    ("GPE", "Guayaquil", "the port of "),  # lowercase "port of": the city is GPE, no FAC
    ("DATE", "Wednesday", "Guayaquil on "),
    # "hours before": duration in hours, not DATE
    ("GPE", "Antwerp", "bound for "),
    ("ORG", "Los Lobos", "belonged to "),  # Spanish article is part of the gang's name
    ("ORG", "U.S. Treasury Department", "gang that the "),  # one ORG, no nested GPE
    ("DATE", "this year", "in a port "),
    ("PERSON", "Rodrigo Valarezo", "Colonel "),  # no title
    # "the police anti-drug unit": lowercase description, not ORG
    ("GPE", "Guayaquil", "anti-drug unit in "),
    ("EVENT", "Operation Neptune", "part of "),  # a named operation
    ("DATE", "January", "since "),
    ("FAC", "Litoral Penitentiary", "violence at the "),
    ("DATE", "six hours", "control after "),  # "after six hours" places the recapture in time
    ("FAC", "Pavilion 8", "inmates from "),  # named prison block; 8 is inside a name
    ("ORG", "national prison service", "hours, the "),
    ("ORG", "SNAI", "prison service ("),
    ("DATE", "two weeks", "released in "),
    ("ORG", "Associated Press", "told The "),  # leading "The" dropped
    ("NORP", "Ecuadorian", "killed in "),
    ("DATE", "2021", "since "),
    ("ORG", "Los Choneros", "between "),
    ("ORG", "Los Lobos", "Los Choneros, "),
    ("LOC", "Pacific", "routes to the "),
    ("FAC", "La Roca", "moved to "),
    ("DATE", "earlier this month", "prison, "),
    ("DATE", "next week", "follow "),
    ("GPE", "Guayaquil", "families in "),  # "Guayaquil’s"
    ("LOC", "Socio Vivienda", "such as "),  # neighbourhoods are LOC
    ("LOC", "Isla Trinitaria", "Vivienda and "),
    ("PERSON", "Daniel Noboa", "President "),
    ("DATE", "January 2024", "conflict” in "),
    ("FAC", "Litoral Penitentiary", "charge of the "),
    ("GPE", "Guayaquil", "police at "),
    ("FAC", "José Joaquín de Olmedo International Airport", "Guayaquil’s "),  # no nested PERSON
    ("NORP", "Albanian", "two "),
    ("LOC", "Europe", "shipments to "),
]

CLAIMS_B = [
    ("QUANTITY", "22 tons", "seized ", 22.0, "tonne", N, N, N, N, N),
    ("COUNT", "31 inmates", "left ", 31.0, "inmate", N, N, N, N, N),
    # "14 wounded": counted noun left out -> span is the number, unit refers back to inmates
    ("COUNT", "14", "dead and ", 14.0, "inmate", N, N, N, N, N),
    ("COUNT", "1,100 boxes", "packed in ", 1100.0, "box", N, N, N, N, N),
    ("COUNT", "more than 3,500 containers", "inspected ", 3500.0, "container", "more than", N, N, N, N),
    # vague magnitude takes its floor: "dozens" -> 12 (as "hundreds" -> 100)
    ("COUNT", "dozens of inmates", "when ", 12.0, "inmate", N, N, N, N, N),
    ("COUNT", "more than 460 inmates", "say ", 460.0, "inmate", "more than", N, N, N, N),
    ("COUNT", "40 gang leaders", "said ", 40.0, "leader", N, N, N, N, N),
    # "28 more": noun left out, "more" outside the span, unit refers back to gang leaders
    ("COUNT", "28", "that ", 28.0, "leader", N, N, N, N, N),
    ("COUNT", "tens of thousands of families", "extort ", 10000.0, "family", N, N, N, N, N),
    ("COUNT", "two Albanian citizens", "arrested ", 2.0, "citizen", N, N, N, N, N),
    ("QUANTITY", "33-year-old", "a ", 33.0, "year", N, N, N, N, N),
]

NOT_CLAIMS_B = [
    ("largest", "the country’s ", "ranking"),
    ("one of the largest", "described as ", "ranking / one of"),
    ("2:30 a.m.", "at about ", "time of day (also not DATE)"),
    ("Pavilion 8", "from ", "number inside a name"),
    ("six hours", "after ", "a period that places the fact in time: DATE, not a claim"),
]

# =======================================================================================
# heldout-c: Peru / Bolivia, coca economy in several currencies (Reuters style)
# =======================================================================================
TEXT_C = "\n\n".join(
    [
        "LIMA, May 14 (Reuters) - Peru’s anti-drug agency Devida will spend S/ 4.5 million (about "
        "$1.2 million) this year buying cocoa and coffee from former coca growers in the Upper "
        "Huallaga valley, after the price of cocaine base paste in the region slumped to $650 per "
        "kilogram, officials said on Tuesday.",
        "The scheme, which targets some 3,200 families, is part of a wider plan backed by the "
        "European Union with €3.5 million and by the U.S. Agency for International Development "
        "(USAID) with US$5m over five years, according to a Devida statement.",
        "“Farmers are leaving coca because it no longer pays, but if the state does not show up with "
        "a buyer, the traffickers will be back,” said Rosa Huamán Quispe, who heads a cocoa "
        "cooperative in Tocache, in the San Martín region.",
        "The cooperative now has 1,900 members, up from 1,500 in 2021, and last year it exported 640 "
        "tonnes of cocoa beans, earning S/ 9.8 million.",
        "Traders in the valley said a kilogram of base paste fetched between $1,100 and $1,300 in "
        "2021, before a glut in neighbouring Colombia dragged prices down across the region. In "
        "Colombia’s Putumayo department, a 12.5-kilogram sack of coca leaf sold for 120,000 Colombian "
        "pesos last month, less than half its price in 2022, according to local growers’ associations.",
        "In Bolivia, the legal coca market moved 1.2bn bolivianos (about $174 million) in 2023, "
        "according to the deputy ministry for social defence. The number of traders licensed to sell "
        "leaf at the Villa Fátima market in La Paz fell from 62 to 35 after a reform of the permit "
        "system, while the number of registered growers in the Yungas is set to drop from 14,300 to "
        "less than 12,000 by 2026.",
        "“Money from coca is drying up faster than the alternatives arrive,” Javier Condori, an "
        "economist at the Bolivian Catholic University in La Paz, told Reuters.",
    ]
)

ENTITIES_C = [
    ("GPE", "LIMA", ("", ", May 14")),
    ("DATE", "May 14", "LIMA, "),
    ("ORG", "Reuters", "May 14 ("),  # agency in the dateline
    ("GPE", "Peru", ("- ", "’s anti-drug")),
    # "anti-drug agency" is a lowercase appositive description with no acronym -> not ORG
    ("ORG", "Devida", "anti-drug agency "),
    ("DATE", "this year", "million) "),
    ("LOC", "Upper Huallaga", "in the "),  # "the Upper Huallaga valley"
    ("DATE", "Tuesday", "said on "),
    ("ORG", "European Union", "backed by the "),
    ("ORG", "U.S. Agency for International Development", "by the "),  # no nested GPE
    ("ORG", "USAID", "Development ("),
    ("DATE", "five years", "over "),  # "over five years": period, DATE
    ("ORG", "Devida", "according to a "),
    ("PERSON", "Rosa Huamán Quispe", "said "),
    ("GPE", "Tocache", "cooperative in "),
    ("GPE", "San Martín", "in the "),  # "the San Martín region": region word outside
    ("DATE", "2021", "1,500 in "),
    ("DATE", "last year", "and "),
    ("DATE", "2021", "$1,300 in "),
    ("GPE", "Colombia", "neighbouring "),
    ("GPE", "Colombia", "In "),
    ("GPE", "Putumayo", "Colombia’s "),
    ("NORP", "Colombian", "120,000 "),  # inside a MONEY claim: both kept
    ("DATE", "last month", "pesos "),
    ("DATE", "2022", "price in "),
    ("GPE", "Bolivia", "In "),
    ("DATE", "2023", "million) in "),
    # "the deputy ministry for social defence": lowercase description, no acronym -> not ORG
    ("LOC", "Villa Fátima", "at the "),  # neighbourhood; "the Villa Fátima market"
    ("GPE", "La Paz", "market in "),
    ("LOC", "Yungas", "growers in the "),
    ("DATE", "2026", "by "),
    ("PERSON", "Javier Condori", "” "),
    ("ORG", "Bolivian Catholic University", "at the "),  # one ORG, no nested NORP
    ("GPE", "La Paz", "University in "),
    ("ORG", "Reuters", "told "),
]

CLAIMS_C = [
    ("MONEY", "S/ 4.5 million", "will spend ", 4500000.0, "PEN", N, N, N, N, N),
    # conversion in brackets: its own MONEY claim
    ("MONEY", "about $1.2 million", "(", 1200000.0, "USD", "about", N, N, N, N),
    # per-unit rate: MONEY, unit the currency, "per kilogram" inside the span
    ("MONEY", "$650 per kilogram", "slumped to ", 650.0, "USD", N, N, N, N, N),
    ("COUNT", "some 3,200 families", "targets ", 3200.0, "family", "some", N, N, N, N),
    ("MONEY", "€3.5 million", "with ", 3500000.0, "EUR", N, N, N, N, N),
    ("MONEY", "US$5m", "with ", 5000000.0, "USD", N, N, N, N, N),
    ("COUNT", "1,900 members", "now has ", 1900.0, "member", N, N, N, N, N),
    ("COUNT", "1,500", "up from ", 1500.0, "member", N, N, N, N, N),
    ("QUANTITY", "640 tonnes", "exported ", 640.0, "tonne", N, N, N, N, N),
    ("MONEY", "S/ 9.8 million", "earning ", 9800000.0, "PEN", N, N, N, N, N),
    # a range of a per-unit price; "a kilogram" ("a" = one) is outside and not a claim
    ("MONEY", "between $1,100 and $1,300", "fetched ", 1300.0, "USD", N, 1100.0, 1300.0, N, N),
    ("QUANTITY", "12.5-kilogram", "a ", 12.5, "kilogram", N, N, N, N, N),
    ("MONEY", "120,000 Colombian pesos", "sold for ", 120000.0, "COP", N, N, N, N, N),
    ("PERCENT", "less than half", "last month, ", 50.0, "percent", "less than", N, N, N, N),
    ("MONEY", "1.2bn bolivianos", "moved ", 1200000000.0, "BOB", N, N, N, N, N),
    ("MONEY", "about $174 million", "(", 174000000.0, "USD", "about", N, N, N, N),
    # change, one span; counted noun ("traders") earlier in the sentence
    ("COUNT", "from 62 to 35", "La Paz fell ", 35.0, "trader", N, N, N, 62.0, 35.0),
    # change with a bound on the end point: bound goes into approx
    ("COUNT", "from 14,300 to less than 12,000", "drop ", 12000.0, "grower", "less than", N, N, 14300.0, 12000.0),
]

NOT_CLAIMS_C = [
    ("a kilogram", "said ", "'a' meaning one"),
]

# =======================================================================================
# heldout-d: Mexico, Sinaloa Cartel war (EFE style)
# =======================================================================================
TEXT_D = "\n\n".join(
    [
        "MEXICO CITY, Sep 9 (EFE).- Mexican soldiers and National Guard troops have arrested 38 "
        "suspected members of the Sinaloa Cartel since a war between the group’s rival factions broke "
        "out in the northwestern state of Sinaloa a year ago, the Security and Civilian Protection "
        "Secretariat (SSPC) said on Monday.",
        "The fighting pits Los Chapitos, a faction led by the sons of jailed drug lord Joaquín Guzmán "
        "Loera, known as ‘El Chapo’, against loyalists of Ismael Zambada, alias ‘El Mayo’, who "
        "co-founded the cartel in the late 1980s.",
        "Since the conflict began, at least 1,200 people have been killed in the state and more than "
        "1,400 have been reported missing, according to the Sinaloa prosecutor’s office.",
        "In Culiacán, the state capital, schools closed for weeks and most businesses along Federal "
        "Highway 15 now shut their doors at 6 p.m.",
        "“People no longer go out after dark; the city has been taken hostage,” Alma Delia Ibarra, a "
        "52-year-old shop owner in the Tierra Blanca neighborhood, told Efe.",
        "Many residents compare the violence with the Culiacanazo, the name given to the events of "
        "October 17, 2019, when gunmen forced the army to release Ovidio Guzmán, one of El Chapo’s "
        "sons.",
        "The Sinaloa Cartel and the Jalisco New Generation Cartel (CJNG), the two largest criminal "
        "organizations in Mexico, control most of the fentanyl that crosses into the United States, "
        "according to the U.S. Drug Enforcement Administration (DEA).",
        "The CJNG, led by Nemesio Oseguera Cervantes, alias ‘El Mencho’, has used the split to expand "
        "in the states of Zacatecas and Guanajuato, security analysts say. Washington offers a reward "
        "of up to $15 million for information leading to his capture.",
        "Since January, soldiers have seized 1.5 tonnes of methamphetamine, more than 300,000 "
        "fentanyl pills and 740 firearms in Sinaloa, one of the highest totals in the country, the "
        "SSPC said.",
        "President Claudia Sheinbaum, who will attend the G20 summit in Johannesburg in November, has "
        "ruled out a return to the military offensive launched by one of her predecessors in 2006. "
        "Women’s collectives in Sinaloa, citing Resolution 1325 of the UN Security Council, have "
        "demanded a seat at any talks on security in the state.",
    ]
)

ENTITIES_D = [
    ("GPE", "MEXICO CITY", ("", ", Sep 9")),
    ("DATE", "Sep 9", "CITY, "),
    ("ORG", "EFE", "Sep 9 ("),
    ("NORP", "Mexican", ".- "),  # "Mexican soldiers" -> NORP only
    ("ORG", "National Guard", "soldiers and "),  # proper name of a force
    ("ORG", "Sinaloa Cartel", "members of the "),  # one ORG, no nested GPE
    ("GPE", "Sinaloa", "northwestern state of "),
    ("DATE", "a year ago", "Sinaloa "),
    ("ORG", "Security and Civilian Protection Secretariat", "the "),
    ("ORG", "SSPC", "Secretariat ("),
    ("DATE", "Monday", "said on "),
    ("ORG", "Los Chapitos", "pits "),  # a named faction
    ("PERSON", "Joaquín Guzmán Loera", "drug lord "),
    ("PERSON", "El Chapo", "known as ‘"),  # alias, without the quotes
    ("PERSON", "Ismael Zambada", "loyalists of "),
    ("PERSON", "El Mayo", "alias ‘"),
    ("DATE", "late 1980s", "in the "),  # decade; leading "the" dropped
    ("GPE", "Sinaloa", "according to the "),  # "the Sinaloa prosecutor’s office"
    ("GPE", "Culiacán", "In "),
    ("DATE", "weeks", "closed for "),  # period, like "decades"
    ("FAC", "Federal Highway 15", "along "),  # road; 15 is inside a name
    # "at 6 p.m.": time of day, not DATE
    ("PERSON", "Alma Delia Ibarra", "hostage,” "),
    ("LOC", "Tierra Blanca", "in the "),  # neighbourhood
    ("ORG", "Efe", "told "),
    ("EVENT", "Culiacanazo", "violence with the "),  # an event with a proper name
    ("DATE", "October 17, 2019", "events of "),
    ("PERSON", "Ovidio Guzmán", "release "),
    ("PERSON", "El Chapo", "one of "),  # "El Chapo’s"
    ("ORG", "Sinaloa Cartel", ("\n\nThe ", " and the Jalisco")),
    ("ORG", "Jalisco New Generation Cartel", "and the "),
    ("ORG", "CJNG", "Cartel ("),
    ("GPE", "Mexico", "organizations in "),
    ("GPE", "United States", "crosses into the "),
    ("ORG", "U.S. Drug Enforcement Administration", "according to the "),  # no nested GPE
    ("ORG", "DEA", "Administration ("),
    ("ORG", "CJNG", "\n\nThe "),
    ("PERSON", "Nemesio Oseguera Cervantes", "led by "),
    ("PERSON", "El Mencho", "alias ‘"),
    ("GPE", "Zacatecas", "states of "),
    ("GPE", "Guanajuato", "Zacatecas and "),
    ("GPE", "Washington", "say. "),  # capital standing for the government
    ("DATE", "January", "Since "),
    ("GPE", "Sinaloa", "firearms in "),
    ("ORG", "SSPC", "country, the "),
    ("PERSON", "Claudia Sheinbaum", "President "),
    ("ORG", "G20", "attend the "),  # "the G20 summit": ORG + common noun, not EVENT
    ("GPE", "Johannesburg", "summit in "),
    ("DATE", "November", "Johannesburg in "),
    ("DATE", "2006", "predecessors in "),
    ("GPE", "Sinaloa", "collectives in "),
    # "Resolution 1325": a law-like instrument -> not annotated (laws are not annotated)
    ("ORG", "UN Security Council", "1325 of the "),
]

CLAIMS_D = [
    ("COUNT", "38 suspected members", "arrested ", 38.0, "member", N, N, N, N, N),
    ("COUNT", "at least 1,200 people", "began, ", 1200.0, "person", "at least", N, N, N, N),
    # noun left out ("more than 1,400 have been reported missing") -> unit person
    ("COUNT", "more than 1,400", "state and ", 1400.0, "person", "more than", N, N, N, N),
    ("MONEY", "up to $15 million", "reward of ", 15000000.0, "USD", "up to", N, N, N, N),
    ("QUANTITY", "1.5 tonnes", "seized ", 1.5, "tonne", N, N, N, N, N),
    ("COUNT", "more than 300,000 fentanyl pills", "methamphetamine, ", 300000.0, "pill", "more than", N, N, N, N),
    ("COUNT", "740 firearms", "pills and ", 740.0, "firearm", N, N, N, N, N),
    ("QUANTITY", "52-year-old", "a ", 52.0, "year", N, N, N, N, N),
]

NOT_CLAIMS_D = [
    ("Highway 15", "Federal ", "number inside a name"),
    ("6 p.m.", "at ", "time of day (also not DATE)"),
    ("one of El Chapo’s sons", "Guzmán, ", "one of"),
    ("two largest", "the ", "ranking"),
    ("one of the highest", "Sinaloa, ", "ranking / one of"),
    ("one of her predecessors", "by ", "one of"),
    ("G20", "the ", "number inside a name"),
    ("Resolution 1325", "citing ", "number inside a name (law, not annotated)"),
]

# =======================================================================================
# heldout-e: Venezuela / Brazil, illegal gold mining in the Amazon (EFE style)
# =======================================================================================
TEXT_E = "\n\n".join(
    [
        "Puerto Ayacucho, Venezuela, Oct 2 (EFE).- Illegal gold mining has destroyed some 1,300 "
        "square kilometres of rainforest in Venezuela’s Amazonas state over the past decade, nearly "
        "half of it inside protected areas, according to a study published on Wednesday by the Amazon "
        "Georeferenced Socio-Environmental Information Network (RAISG).",
        "In Yapacana National Park alone, satellite images show more than 4,000 mining pits along the "
        "Orinoco and Ventuari rivers, where miners used about half a tonne of mercury last year, the "
        "study said. Yapacana lies outside the Orinoco Mining Arc, the 112,000-square-kilometre zone "
        "that the government opened to industrial mining in 2016.",
        "Venezuela’s Bolivarian National Armed Forces (FANB) launched Operation Autana in the park in "
        "2023 and say they have since expelled some 12,000 miners, destroyed 37 dredges and seized "
        "18,000 litres of fuel.",
        "“They leave, and a month later the camps are back, with the same motor pumps and the same "
        "bosses,” said a member of an indigenous community in the area, who asked not to be named.",
        "Residents and environmental groups say the mines are controlled by armed groups, including "
        "Colombia’s National Liberation Army (ELN) and dissidents of the former FARC guerrilla, who "
        "charge miners between 10% and 20% of the gold they extract.",
        "A single dredge can turn a two-hectare plot of forest into a field of sand and stagnant water "
        "in a few weeks, Luisa Arévalo, a biologist at the Central University of Venezuela, told Efe, "
        "adding that the mercury travels hundreds of kilometres downstream.",
        "Across the border in Brazil, Yanomami leaders say the problem is spreading. Brazil’s "
        "environmental agency, Ibama, estimates that some 40% of the gold mined illegally in the "
        "Yanomami Indigenous Territory leaves on small planes from clandestine airstrips, one of them "
        "about 500 kilometres southeast of Puerto Ayacucho.",
        "A joint operation agreed in August by Brazil, Colombia and Venezuela will deploy over 3,000 "
        "Colombian soldiers and some 2,000 Brazilian troops along the rivers that cross the border, "
        "officials said. Environmental groups plan to present the study at the COP30 climate summit in "
        "the Brazilian city of Belém next month.",
    ]
)

ENTITIES_E = [
    ("GPE", "Puerto Ayacucho", ("", ", Venezuela, Oct 2")),
    ("GPE", "Venezuela", ("Ayacucho, ", ", Oct 2")),
    ("DATE", "Oct 2", "Venezuela, "),
    ("ORG", "EFE", "Oct 2 ("),
    ("GPE", "Venezuela", "rainforest in "),
    ("GPE", "Amazonas", "Venezuela’s "),  # "Amazonas state": a state, GPE
    ("DATE", "past decade", "over the "),
    ("DATE", "Wednesday", "published on "),
    ("ORG", "Amazon Georeferenced Socio-Environmental Information Network", "by the "),
    ("ORG", "RAISG", "Network ("),
    ("LOC", "Yapacana National Park", "In "),  # national park: a named natural area, LOC
    ("LOC", "Orinoco", ("along the ", " and Ventuari")),  # "the Orinoco and Ventuari rivers"
    ("LOC", "Ventuari", "Orinoco and "),
    ("DATE", "last year", "mercury "),
    ("LOC", "Yapacana", "said. "),
    ("LOC", "Orinoco Mining Arc", "outside the "),  # one LOC, no nested river
    ("DATE", "2016", "mining in "),
    ("GPE", "Venezuela", ("\n\n", "’s Bolivarian")),
    ("ORG", "Bolivarian National Armed Forces", "Venezuela’s "),
    ("ORG", "FANB", "Forces ("),
    ("EVENT", "Operation Autana", "launched "),
    ("DATE", "2023", "park in "),
    ("DATE", "a month later", "and "),
    # "an indigenous community": generic adjective, not NORP
    ("GPE", "Colombia", "including "),
    ("ORG", "National Liberation Army", "Colombia’s "),
    ("ORG", "ELN", "Army ("),
    ("ORG", "FARC", "the former "),
    ("DATE", "a few weeks", "water in "),
    ("PERSON", "Luisa Arévalo", "weeks, "),
    ("ORG", "Central University of Venezuela", "at the "),  # no nested GPE
    ("ORG", "Efe", "told "),
    ("GPE", "Brazil", "border in "),
    ("NORP", "Yanomami", ("Brazil, ", " leaders")),  # the people, used as a modifier
    ("GPE", "Brazil", ("spreading. ", "’s")),
    ("ORG", "Ibama", "agency, "),
    ("LOC", "Yanomami Indigenous Territory", "in the "),  # one LOC, no nested NORP
    ("GPE", "Puerto Ayacucho", "southeast of "),
    ("DATE", "August", "agreed in "),
    ("GPE", "Brazil", "August by "),
    ("GPE", "Colombia", "Brazil, "),
    ("GPE", "Venezuela", "Colombia and "),
    ("NORP", "Colombian", "3,000 "),  # inside a COUNT claim: both kept
    ("NORP", "Brazilian", "2,000 "),
    ("EVENT", "COP30", "at the "),  # the event's own name (30 inside a name)
    ("NORP", "Brazilian", "in the "),
    ("GPE", "Belém", "city of "),
    ("DATE", "next month", "Belém "),
]

CLAIMS_E = [
    ("QUANTITY", "some 1,300 square kilometres", "destroyed ", 1300.0, "square kilometre", "some", N, N, N, N),
    ("PERCENT", "nearly half", "decade, ", 50.0, "percent", "nearly", N, N, N, N),
    ("COUNT", "more than 4,000 mining pits", "show ", 4000.0, "pit", "more than", N, N, N, N),
    ("QUANTITY", "about half a tonne", "used ", 0.5, "tonne", "about", N, N, N, N),
    # hyphenated measure adjective, like "a two-hectare plot"
    ("QUANTITY", "112,000-square-kilometre", "the ", 112000.0, "square kilometre", N, N, N, N, N),
    ("COUNT", "some 12,000 miners", "expelled ", 12000.0, "miner", "some", N, N, N, N),
    ("COUNT", "37 dredges", "destroyed ", 37.0, "dredge", N, N, N, N, N),
    ("QUANTITY", "18,000 litres", "seized ", 18000.0, "litre", N, N, N, N, N),
    ("PERCENT", "between 10% and 20%", "miners ", 20.0, "percent", N, 10.0, 20.0, N, N),
    ("QUANTITY", "two-hectare", "a ", 2.0, "hectare", N, N, N, N, N),
    # vague magnitude, floor: "hundreds of kilometres" -> 100 kilometre
    ("QUANTITY", "hundreds of kilometres", "travels ", 100.0, "kilometre", N, N, N, N, N),
    ("PERCENT", "some 40%", "estimates that ", 40.0, "percent", "some", N, N, N, N),
    ("QUANTITY", "about 500 kilometres", "them ", 500.0, "kilometre", "about", N, N, N, N),
    ("COUNT", "over 3,000 Colombian soldiers", "deploy ", 3000.0, "soldier", "over", N, N, N, N),
    ("COUNT", "some 2,000 Brazilian troops", "and ", 2000.0, "troop", "some", N, N, N, N),
]

NOT_CLAIMS_E = [
    ("A single dredge", "\n\n", "'a' meaning one"),
    ("one of them", "airstrips, ", "one of"),
    ("COP30", "the ", "number inside a name"),
]

ARTICLES = [
    ("heldout-a", TEXT_A, ENTITIES_A, CLAIMS_A, NOT_CLAIMS_A),
    ("heldout-b", TEXT_B, ENTITIES_B, CLAIMS_B, NOT_CLAIMS_B),
    ("heldout-c", TEXT_C, ENTITIES_C, CLAIMS_C, NOT_CLAIMS_C),
    ("heldout-d", TEXT_D, ENTITIES_D, CLAIMS_D, NOT_CLAIMS_D),
    ("heldout-e", TEXT_E, ENTITIES_E, CLAIMS_E, NOT_CLAIMS_E),
]


# ---------------------------------------------------------------------------------------
# locating spans (same method as annotations/gold/build_gold.py)
# ---------------------------------------------------------------------------------------
# ---------------------------------------------------------------------------------------
# recomputing claim fields from the span text (independent check of the hand-typed fields)
# ---------------------------------------------------------------------------------------
APPROX = sorted(
    [
        "an estimated",
        "more than",
        "fewer than",
        "less than",
        "at least",
        "up to",
        "some",
        "about",
        "around",
        "almost",
        "nearly",
        "roughly",
        "over",
    ],
    key=len,
    reverse=True,
)
WORDS = {
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
    "twenty": 20,
}
SPECIAL = [
    ("tens of thousands", 10000.0),
    ("hundreds", 100.0),
    ("thousands", 1000.0),
    ("dozens", 12.0),
    ("a dozen", 12.0),
    ("two-thirds", 66.67),
    ("a third", 33.33),
    ("one in five", 20.0),
    ("half a ", 0.5),
    ("half", 50.0),
]
SCALE = {None: 1.0, "million": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9}


def split_approx(s: str):
    for a in APPROX:
        if s.lower().startswith(a + " "):
            return a, s[len(a) + 1 :]
    return None, s


def number_of(s: str) -> float:
    low = s.lower()
    for phrase, v in SPECIAL:
        if low.startswith(phrase):
            return v
    m = re.match(r"(?:US\$|\$|S/ |€)?(\d[\d,]*(?:\.\d+)?)%?(?:\s*(million|billion|bn|m)\b)?", s)
    if m:
        return float(m.group(1).replace(",", "")) * SCALE[m.group(2)]
    m = re.match(r"([a-z]+)", low)
    if m and m.group(1) in WORDS:
        return float(WORDS[m.group(1)])
    raise ValueError(f"cannot read a number from {s!r}")


def expected_fields(span: str) -> dict:
    out = {"approx": None, "low": None, "high": None, "from": None, "to": None}
    m = re.fullmatch(r"from (.+?) to (.+)", span)
    if m:
        a1, s1 = split_approx(m.group(1))
        a2, s2 = split_approx(m.group(2))
        out.update({"from": number_of(s1), "to": number_of(s2), "approx": a2 or a1})
        out["value"] = out["to"]
        return out
    m = re.fullmatch(r"between (.+?) and (.+)", span)
    if m:
        out.update({"low": number_of(m.group(1)), "high": number_of(m.group(2))})
        out["value"] = out["high"]
        return out
    a, rest = split_approx(span)
    out["approx"] = a
    out["value"] = number_of(rest)
    return out


def close(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.005)


def check_claim(c: dict, text: str) -> None:
    assert isinstance(c["value"], float), c
    for k in ("low", "high", "from", "to"):
        assert c[k] is None or isinstance(c[k], float), c
    exp = expected_fields(c["text"])
    for k in ("value", "low", "high", "from", "to"):
        assert close(c[k], exp[k]), f"{k}: typed {c[k]!r}, span says {exp[k]!r}: {c}"
    assert c["approx"] == exp["approx"], f"approx: typed {c['approx']!r}, span says {exp['approx']!r}: {c}"
    if c["low"] is not None:
        assert c["low"] < c["high"] and c["value"] == c["high"], c
    if c["from"] is not None:
        assert c["value"] == c["to"], c
    if c["label"] in CLAIM_UNITS:
        assert c["unit"] in CLAIM_UNITS[c["label"]], c
    else:  # COUNT: lemma of a noun the article uses
        assert re.fullmatch(r"[a-z]+", c["unit"]), c
        stem = c["unit"][:-1] if c["unit"].endswith("y") else c["unit"]
        assert c["unit"] == "person" or stem in text, f"COUNT unit not in text: {c}"


# ---------------------------------------------------------------------------------------
# span checks
# ---------------------------------------------------------------------------------------
TITLES = ("President ", "General ", "Colonel ", "Minister ", "alias ", "By ", "Mr ", "Ms ", "Dr ")
CLAIM_ARTICLE_OK = ("a dozen", "a third", "an estimated")  # "a"/"an" belongs to the number


def check_edges(item: dict, layer: str) -> None:
    s = item["text"]
    first, last = s[0], s[-1]
    assert first not in BAD_EDGE and not is_punct(first), f"{layer} span starts with bad char: {s!r}"
    assert last not in BAD_EDGE and not (is_punct(last) and last != "%"), f"{layer} span ends with bad char: {s!r}"
    assert "\n" not in s, s
    assert not s.startswith(("the ", "The ")), f"{layer} span has a leading 'the': {s!r}"
    assert not s.startswith(TITLES), f"{layer} span has a leading title/alias: {s!r}"
    if s.startswith(("a ", "an ", "A ", "An ")):
        ok = (layer == "entity" and item["label"] == "DATE") or (layer == "claim" and s.startswith(CLAIM_ARTICLE_OK))
        assert ok, f"{layer} span has a leading 'a'/'an': {s!r}"
    assert not s.endswith(("’s", "'s")), f"{layer} span keeps a possessive: {s!r}"
    if layer == "entity" and item["label"] == "NORP":  # adjective/noun only, never its head noun
        assert " " not in s, f"NORP span is more than one word: {s!r}"


NUMBER_WORDS = re.compile(
    r"\b(one|two|three|four|five|six|seven|eight|nine|ten|tens|eleven|twelve|twenty|"
    r"dozens?|hundreds?|thousands?|millions?|half|thirds?|quarters?)\b",
    re.IGNORECASE,
)


def check_coverage(text, entities, claims, not_claims, all_names) -> None:
    def covered(pos, spans) -> bool:
        return any(sp["start"] <= pos < sp["end"] for sp in spans)

    # every mention of every annotated (non-DATE) name, from any article, is inside an entity
    for name in all_names:
        for m in re.finditer(r"(?<!\w)" + re.escape(name) + r"(?!\w)", text):
            assert covered(m.start(), entities), f"uncovered mention of {name!r} at {m.start()}"
    numeric_ok = [e for e in entities if e["label"] == "DATE"] + claims + not_claims
    for m in re.finditer(r"\d", text):
        assert covered(m.start(), numeric_ok), (
            f"digit at {m.start()} not in a DATE, claim or non-claim: {text[m.start() - 25 : m.start() + 25]!r}"
        )
    for m in NUMBER_WORDS.finditer(text):
        assert covered(m.start(), numeric_ok), (
            f"number word {m.group(0)!r} not in a DATE, claim or non-claim: {text[m.start() - 25 : m.start() + 25]!r}"
        )


def build_article(aid, text, ent_specs, claim_specs, not_claim_specs):
    n_words = len(text.split())
    assert 250 <= n_words <= 450, f"{aid}: {n_words} words"
    first_par = text.split("\n\n")[0]
    assert re.match(r"^[^\n]{2,60}?(\(EFE\)\.- |\(Reuters\) - |\(AP\) — )", first_par), f"{aid}: no dateline"
    assert "\r" not in text and "  " not in text and text == text.strip()

    entities = []
    for label, span, anchor in ent_specs:
        assert label in ENTITY_LABELS, label
        start, end = locate(text, span, anchor)
        entities.append({"start": start, "end": end, "label": label, "text": span})

    claims = []
    for label, span, anchor, value, unit, approx, low, high, frm, to in claim_specs:
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

    not_claims = []
    for span, anchor, _reason in not_claim_specs:
        start, end = locate(text, span, anchor)
        not_claims.append({"start": start, "end": end, "text": span})

    entities.sort(key=lambda d: (d["start"], d["end"]))
    claims.sort(key=lambda d: (d["start"], d["end"]))
    for layer, items in (("entity", entities), ("claim", claims)):
        assert len({(d["start"], d["end"]) for d in items}) == len(items), f"{aid}: duplicate {layer} span"
        check_no_overlap(items, layer)
        for d in items:
            assert text[d["start"] : d["end"]] == d["text"]
            check_edges(d, layer)
    for c in claims:
        check_claim(c, text)
    for nc in not_claims:  # a listed non-claim must not also be a claim
        assert not any(c["start"] < nc["end"] and nc["start"] < c["end"] for c in claims), nc
    return {"id": aid, "text": text, "entities": entities, "claims": claims}, not_claims, n_words


def main() -> int:
    built = [build_article(*a) for a in ARTICLES]
    assert len({r["id"] for r, _, _ in built}) == len(built) == 5
    all_names = sorted({e["text"] for r, _, _ in built for e in r["entities"] if e["label"] != "DATE"})
    for rec, not_claims, _ in built:
        check_coverage(rec["text"], rec["entities"], rec["claims"], not_claims, all_names)

    lines = []
    for rec, _, _ in built:
        line = json.dumps(rec, ensure_ascii=False)
        back = json.loads(line)
        assert back["text"] == rec["text"]
        for d in back["entities"] + back["claims"]:
            assert back["text"][d["start"] : d["end"]] == d["text"]
        lines.append(line)
    OUT_PATH.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def tally(items):
        counts: dict[str, int] = {}
        for d in items:
            counts[d["label"]] = counts.get(d["label"], 0) + 1
        return dict(sorted(counts.items()))

    print(f"wrote {OUT_PATH}")
    for rec, _, n_words in built:
        print(
            f"{rec['id']}: {n_words} words, {len(rec['text'])} chars; "
            f"entities {len(rec['entities'])} {tally(rec['entities'])}; "
            f"claims {len(rec['claims'])} {tally(rec['claims'])}"
        )
    all_e = [e for r, _, _ in built for e in r["entities"]]
    all_c = [c for r, _, _ in built for c in r["claims"]]
    print(f"TOTAL entities: {len(all_e)} {tally(all_e)}")
    print(f"TOTAL claims:   {len(all_c)} {tally(all_c)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
