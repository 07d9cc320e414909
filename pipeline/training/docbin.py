"""An exported split as a spaCy ``DocBin``, the input of ``spacy train``."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.dataset.tags import token_offsets
from pipeline.errors import SpanAlignmentError


def words_and_spaces(text: str, tokens: Sequence[str]) -> tuple[list[str], list[bool]]:
    """spaCy ``Doc`` words and spaces that rebuild ``text`` exactly from the exported tokens: the
    whitespace between them becomes a token's trailing space or a whitespace token, as spaCy makes."""
    words: list[str] = []
    spaces: list[bool] = []
    position = 0

    def gap(until: int) -> None:
        whitespace = text[position:until]
        if whitespace and words and not spaces[-1] and whitespace[0] == " " and not words[-1].isspace():
            spaces[-1] = True
            whitespace = whitespace[1:]
        if whitespace:
            words.append(whitespace)
            spaces.append(False)

    for start, end in token_offsets(text, tokens):
        gap(start)
        words.append(text[start:end])
        spaces.append(False)
        position = end
    gap(len(text))
    return words, spaces


def to_docbin(dataset_split, *, vocab=None):
    """A spaCy ``DocBin`` (the input of ``spacy train``) from an exported split: the text rebuilt
    exactly from the tokens, entities as ``doc.ents``, claims as ``doc.spans["claims"]``, the
    document id in ``doc.user_data["id"]``."""
    import spacy
    from spacy.tokens import Doc, DocBin

    vocab = vocab if vocab is not None else spacy.blank("en").vocab
    entity_names = dataset_split.features["entities"].feature["label"].names
    claim_names = dataset_split.features["claims"].feature["label"].names
    docbin = DocBin(store_user_data=True)
    for row in dataset_split:
        words, spaces = words_and_spaces(row["text"], row["tokens"])
        doc = Doc(vocab, words=words, spaces=spaces)
        ents = [doc.char_span(e["start"], e["end"], label=entity_names[e["label"]]) for e in row["entities"]]
        claims = [doc.char_span(c["start"], c["end"], label=claim_names[c["label"]]) for c in row["claims"]]
        if None in ents or None in claims:
            raise SpanAlignmentError(row["id"], "a span does not align with the exported tokens")
        doc.ents = ents
        doc.spans["claims"] = claims
        doc.user_data["id"] = row["id"]
        docbin.add(doc)
    return docbin
