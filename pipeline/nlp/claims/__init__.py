"""Numeric claims: COUNT, QUANTITY, MONEY and PERCENT spans with a normalised value, unit and qualifier,
per ``../shared/ANNOTATION_SCHEMA.md``.

* ``lexicon``: what words and symbols mean (units from pint, currencies from babel and pycountry);
* ``numbers``: reading a number phrase from tokens;
* ``finder``: where claims are, and which numbers are not claims;
* ``normaliser``: a span's value, unit, qualifier, range and change;
* ``component``: the ``newscorpus_claims`` spaCy component.
"""

from pipeline.nlp.claims.component import CLAIM_KEY, MODEL_CLAIM_SOURCE, ClaimFinder, claims_from_spans, story_country
from pipeline.nlp.claims.finder import find_claims
from pipeline.nlp.claims.normaliser import CLAIM_SOURCE, Claim, normalize_claim

__all__ = [
    "CLAIM_KEY",
    "CLAIM_SOURCE",
    "MODEL_CLAIM_SOURCE",
    "Claim",
    "ClaimFinder",
    "claims_from_spans",
    "find_claims",
    "normalize_claim",
    "story_country",
]
