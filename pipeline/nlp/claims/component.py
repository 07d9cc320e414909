"""The ``newscorpus_claims`` spaCy component: the claims of a Doc, as plain records in ``doc.user_data``.

(No ``from __future__ import annotations`` here: spaCy validates a factory's signature with pydantic,
which needs the annotations evaluated.)
"""

import re
from collections import Counter

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from pipeline.nlp.claims import lexicon
from pipeline.nlp.claims.finder import find_claims
from pipeline.nlp.claims.normaliser import Claim, normalize_claim
from pipeline.nlp.entities import ENTITY_KEY

CLAIM_KEY = "newscorpus_claims"
MODEL_CLAIM_SOURCE = "model"  # a claim span from a trained span categorizer
# A wire dateline opening a paragraph: "MELBOURNE, June 29 -", "HONG KONG (Reuters) -", "Lima, Peru, Jul 4 (EFE).-"
_DATELINE = re.compile(
    r"(?:^|\n)\s*(?P<place>[A-Z][\w.'’ -]{1,40}?)(?:,\s*(?P<country>[A-Z][\w ]{1,30}?))?"
    r"(?:,\s*\w{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*(?:\(|-{1,2}\s|–)"
)


def story_country(doc: Doc) -> str | None:
    """The country a story is about, for the currency of "$", "dollars" or "pesos": its dateline's,
    else the country its places and nationalities name most (at least twice, more than any other)."""
    opening = "".join(token.text_with_ws for token in doc[:150])
    for match in _DATELINE.finditer(opening[:600]):
        for name in (match.group("country"), match.group("place")):
            country = lexicon.country_of(name) if name else None
            if country:
                return country
    counts = Counter()
    for record in doc.user_data.get(ENTITY_KEY, []):
        if record["label"] in ("GPE", "NORP", "LOC"):
            country = lexicon.country_of(record["text"])
            if country:
                counts[country] += 1
    ranked = counts.most_common(2)
    if ranked and ranked[0][1] >= 2 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return None


class ClaimFinder:
    """Finds claims in a tagged, lemmatised ``Doc`` and stores them as plain records in
    ``doc.user_data`` (so they survive multiprocessing). With ``model_spans_key`` (a trained
    pipeline's span categorizer), the spans the model predicts in ``doc.spans[model_spans_key]``
    are added where no rule claim overlaps them, normalised the same way (source "model").

    An asserted duration or an age is a QUANTITY claim, not DATE: a DATE entity over one is dropped.

    The rules stay first: a span categorizer trained on a few hundred stories finds the claims of
    stories like them, but on other news it missed half of what the rules find, while what it adds
    is what reviewers taught it."""

    def __init__(self, model_spans_key: str | None = None) -> None:
        self.model_spans_key = model_spans_key
        lexicon.warm()

    def __call__(self, doc: Doc) -> Doc:
        country = story_country(doc)
        claims = find_claims(doc, country=country)
        if self.model_spans_key is not None and self.model_spans_key in doc.spans:
            taken = set()
            for claim in claims:
                taken.update(range(claim.start, claim.end))
            learnt = [
                c
                for c in claims_from_spans(doc.spans[self.model_spans_key], country)
                if not any(position in taken for position in range(c.start, c.end))
            ]
            claims = sorted(claims + learnt, key=lambda claim: (claim.start, claim.end))
        durations = [(c.start, c.end) for c in claims if c.label == "QUANTITY" and lexicon.is_time_unit(c.unit)]
        if durations and ENTITY_KEY in doc.user_data:
            doc.user_data[ENTITY_KEY] = [
                e
                for e in doc.user_data[ENTITY_KEY]
                if not (e["label"] == "DATE" and any(s < e["end"] and e["start"] < t for s, t in durations))
            ]
        doc.user_data[CLAIM_KEY] = [claim.to_json() for claim in claims]
        return doc


def claims_from_spans(spans, country: str | None = None) -> list[Claim]:
    """Normalised claims (source "model") for predicted spans (a ``SpanGroup``, its ``scores``
    attribute the model's probabilities), in text order."""
    scores = spans.attrs.get("scores") if hasattr(spans, "attrs") else None
    claims = []
    for number, span in sorted(enumerate(spans), key=lambda item: (item[1].start, item[1].end)):
        sentence_start = span.sent.start if span.doc.has_annotation("SENT_START") else None
        claim = normalize_claim(span, span.label_, sentence_start=sentence_start, country=country)
        claim.source = MODEL_CLAIM_SOURCE
        if scores is not None:
            claim.score = round(float(numpy.asarray(scores[number]).max()), 4)  # (1,) per span in spancat_singlelabel
        claims.append(claim)
    return claims


@Language.factory("newscorpus_claims", default_config={"model_spans_key": None})
def make_claim_finder(nlp: Language, name: str, model_spans_key: str | None) -> ClaimFinder:
    return ClaimFinder(model_spans_key)
