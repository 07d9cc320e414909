"""Tokenize stage: spaCy tokens and sentences, as character offsets into the stored text.

Only the model's tokenizer runs here; sentences follow the rules of spaCy's ``sentencizer`` (a
sentence ends after ., ! or ? and the punctuation that closes it), two orders of magnitude faster
than the parser. ``sentence_starts`` computes the same boundaries as the sentencizer over numpy
arrays instead of a Python loop over tokens, which was half the stage's time; a test pins the two
together. Later stages rebuild a ``Doc`` from these exact tokens, so every span they make lines up
with them. Long texts are tokenized in chunks cut at paragraph breaks, so a 10 MB article costs no
more memory than its pieces.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from pipeline import stages
from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.errors import ModelNotFoundError
from pipeline.settings import Settings
from pipeline.stages import TOKENIZE
from pipeline.util.progress import progress_bar

if TYPE_CHECKING:
    from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

STAGE = TOKENIZE
VERSION = stages.get(STAGE).version
WORD_SEPARATOR = "\x1f"  # ASCII unit separator, between the token texts in "words"


@dataclass
class StageReport:
    stage: str
    processed: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (doc id, error)


def model_identity(name: str) -> str:
    """ "name==version" of an installed spaCy package or a pipeline folder, without loading it."""
    import spacy.util

    path = Path(name)
    if path.is_dir():
        # the meta's hash too: a pipeline retrained into the same folder is another model
        meta_file = path / "meta.json"
        meta = spacy.util.load_meta(meta_file) if meta_file.exists() else {}
        digest = hashlib.sha256(meta_file.read_bytes()).hexdigest()[:12] if meta_file.exists() else "none"
        return f"{path.resolve()}=={meta.get('version', '?')}#{digest}"
    version = spacy.util.get_package_version(name)
    if version is None:
        raise ModelNotFoundError(
            f"spaCy pipeline {name!r} is not installed; install its package or set [model] name in newscorpus.toml"
        )
    return f"{name}=={version}"


def fingerprint(settings: Settings) -> str:
    identity = {
        "stage": STAGE,
        "version": VERSION,
        "model": model_identity(settings.model.name),
        "chunk_chars": settings.tokenize.chunk_chars,
        "sentences": "sentencizer-rules",
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def current_fingerprints(workspace: Workspace) -> dict[str, str] | None:
    """The fingerprint an up-to-date output has, and the model it stands for (the registry's ``current``);
    None when the model is not installed."""
    settings = workspace.settings
    try:
        return {fingerprint(settings): settings.model.name}
    except ModelNotFoundError:
        return None


def load_tokenizer(name: str):
    """The pipeline with its tokenizer only: no statistical components are loaded."""
    import spacy

    try:
        nlp = spacy.load(
            name,
            exclude=[
                "tok2vec",
                "tagger",
                "parser",
                "attribute_ruler",
                "lemmatizer",
                "ner",
                "senter",
                "morphologizer",
                "transformer",
                "trainable_lemmatizer",
            ],
        )
    except OSError as err:
        raise ModelNotFoundError(f"cannot load spaCy pipeline {name!r}: {str(err).splitlines()[0]}") from None
    for pipe in list(nlp.pipe_names):
        nlp.remove_pipe(pipe)
    return customize_tokenizer(nlp)


# Wire datelines end "(EFE).- " or "(AP).— ": spaCy keeps "EFE).-" as one token, hiding the agency.
_DATELINE_SUFFIX = r"(?<=\))\.[-–—]+"


# Abbreviations whose full stop does not end a sentence, so the number after them stays with them.
_ABBREVIATIONS = ("Fig.", "fig.", "Figs.", "figs.", "Eq.", "Vol.", "vol.", "Ref.", "No.", "Nos.", "Approx.", "approx.")
# Single lower-case letters with a full stop that spaCy keeps as one token: they hide the magnitude or
# unit of a number that ends a sentence ("pay $500m." would be "$", "500", "m.").
_LETTER_ABBREVIATIONS = ("m.", "b.", "k.", "p.", "t.")


def customize_tokenizer(nlp):
    """The model's tokenizer plus newscorpus's rules for news copy: a dateline's ".-" after the
    agency, and a number split from the currency, magnitude or unit glued to it ("HK$7.1m" is
    "HK$", "7.1", "m"; "8kW" is "8", "kW"), so claims and entities line up with tokens."""
    import re

    from spacy.attrs import ORTH
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    from pipeline.nlp.claims.lexicon import BOUND_SIGNS, currency_prefixes, glued_suffixes

    glued = "|".join(re.escape(s) for s in glued_suffixes())
    suffixes = list(nlp.Defaults.suffixes) + [_DATELINE_SUFFIX, rf"(?<=[0-9])(?:{glued})"]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    currencies = "|".join(re.escape(c) for c in currency_prefixes())
    bounds = "|".join(re.escape(b) for b in BOUND_SIGNS)
    prefixes = [rf"(?:{currencies})(?=[0-9])", rf"(?:{bounds})(?=[−\-+]?[0-9])"] + list(nlp.Defaults.prefixes)
    nlp.tokenizer.prefix_search = compile_prefix_regex(prefixes).search
    # a range written with a dash between numbers ("4–8 years") is three tokens, as "4-8" already is;
    # so is one with the currency written twice ("$6.0-$6.5": "6.0", "-", "$", "6.5")
    infixes = list(nlp.Defaults.infixes) + [
        r"(?<=[0-9%])[–—](?=[−\-0-9∼~])",
        r"(?<=[0-9])[-–—](?=[$£€¥₹])",
        r"(?<=[0-9][-–—])[$£€¥₹](?=[0-9])",
    ]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    rules = {key: value for key, value in nlp.tokenizer.rules.items() if key not in _LETTER_ABBREVIATIONS}
    rules.update({abbreviation: [{ORTH: abbreviation}] for abbreviation in _ABBREVIATIONS})
    nlp.tokenizer.rules = rules
    return nlp


def sentence_starts(doc, punct_hashes: np.ndarray) -> np.ndarray:
    """Token indices where sentences start, by the sentencizer's rule: a token that is neither
    punctuation nor a sentence-final character starts a sentence when a sentence-final character
    stands between it and the previous such token. The first token always starts one."""
    from spacy.attrs import IS_PUNCT, ORTH

    if len(doc) == 0:
        return np.zeros(0, dtype=np.int64)
    attrs = doc.to_array([ORTH, IS_PUNCT])
    final = np.isin(attrs[:, 0], punct_hashes)
    content = np.flatnonzero(~(final | attrs[:, 1].astype(bool)))
    finals_before = np.cumsum(final)
    if len(content) == 0:
        return np.zeros(1, dtype=np.int64)
    previous = np.concatenate([[0], finals_before[content[:-1]]])
    starts = content[(finals_before[content] - previous) > 0]
    return np.unique(np.concatenate([[0], starts]))


def sentence_final_hashes(nlp_or_doc) -> np.ndarray:
    from spacy.pipeline import Sentencizer

    strings = nlp_or_doc.vocab.strings
    return np.array([strings.add(c) for c in Sentencizer.default_punct_chars], dtype=np.uint64)


def chunk_offsets(text: str, chunk_chars: int) -> list[int]:
    """Start offsets of chunks of at most ~``chunk_chars``, cut after a newline (else a space)."""
    starts = [0]
    while len(text) - starts[-1] > chunk_chars:
        limit = starts[-1] + chunk_chars
        cut = text.rfind("\n", starts[-1] + chunk_chars // 2, limit)
        if cut == -1:
            cut = text.rfind(" ", starts[-1] + chunk_chars // 2, limit)
        starts.append((cut + 1) if cut != -1 else limit)
    return starts


def tokenize_documents(nlp, documents: Iterator[Document], chunk_chars: int, batch_size: int = 256):
    """Yield (document, {"tokens": [[start, end]...], "words": "tok\x1ftok...", "sentences": [[start, end]...]}).

    ``words`` is the token texts joined by ``WORD_SEPARATOR`` (``join_token_texts``): the export
    needs every token's text, and one stored string split in C costs it a fifth of cutting hundreds
    of slices out of each text in Python, every time it runs."""
    punct_hashes = sentence_final_hashes(nlp)

    def chunks():
        for number, document in enumerate(documents):
            starts = chunk_offsets(document.text, chunk_chars)
            for start, end in zip(starts, [*starts[1:], len(document.text)]):
                yield document.text[start:end], (number, document, start)

    texts, contexts = itertools.tee(chunks())
    parsed = zip(
        nlp.tokenizer.pipe((text for text, _ in texts), batch_size=batch_size), (context for _, context in contexts)
    )
    for _number, pieces in itertools.groupby(parsed, key=lambda item: item[1][0]):
        tokens, sentences = [], []
        for doc, context in pieces:
            _, document, offset = context  # every piece of a group is of the same document
            # int32, as the store keeps them: a writer's buffer of offsets is half the size
            starts = doc.to_array("IDX").astype(np.int32) + np.int32(offset)
            ends = starts + doc.to_array("LENGTH").astype(np.int32)
            tokens.append(np.stack([starts, ends], axis=1))
            first = sentence_starts(doc, punct_hashes)
            if len(first):
                last = np.concatenate([first[1:] - 1, [len(doc) - 1]])
                sentences.append(np.stack([starts[first], ends[last]], axis=1))
        empty = np.zeros((0, 2), np.int32)
        offsets = np.concatenate(tokens) if tokens else empty
        yield (
            document,
            {
                "tokens": offsets,
                "words": join_token_texts(document.text, offsets),
                "sentences": np.concatenate(sentences) if sentences else empty,
            },
        )


def join_token_texts(text: str, offsets: np.ndarray, block: int = 50_000) -> str:
    """The texts of the tokens at ``offsets`` (an (n, 2) array, in text order), joined by
    ``WORD_SEPARATOR``, made with numpy on the text's code points (a quarter of the time of slicing
    them one by one), ``block`` tokens at a time so that a very long text takes flat memory."""
    if len(offsets) <= block:
        return _join_block(text, offsets)
    parts = []
    for first in range(0, len(offsets), block):
        part = offsets[first : first + block]
        low, high = int(part[0, 0]), int(part[-1, 1])
        parts.append(_join_block(text[low:high], part - low))
    return WORD_SEPARATOR.join(parts)


def _join_block(text: str, offsets: np.ndarray) -> str:
    if not len(offsets):
        return ""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    starts, ends = offsets[:, 0], offsets[:, 1]
    widths = ends - starts + 1  # each token and the separator after it
    stops = np.cumsum(widths)
    positions = np.arange(stops[-1]) - np.repeat(stops - widths - starts, widths)
    joined = codes[np.minimum(positions, len(codes) - 1)]
    joined[stops - 1] = ord(WORD_SEPARATOR)
    return joined[:-1].tobytes().decode("utf-32-le")


def in_ingest_order(store: CorpusStore, ids: set[str]) -> list[tuple[str, int]]:
    seqs = store.seqs()
    return sorted(((doc_id, seqs[doc_id]) for doc_id in ids), key=lambda pair: pair[1])


def tokenize(store: CorpusStore, settings: Settings, *, progress: bool = True) -> StageReport:
    """Tokenize the documents not yet done with the current settings, in this process or, with
    ``[engine] kind = "ray"``, on Ray (the same outputs)."""
    report = StageReport(STAGE)
    current = fingerprint(settings)
    with store.locked():
        todo = store.pending(STAGE, current)
        report.skipped = store.count() - len(todo)
        if not todo:
            return report
        with store.stage_writer(STAGE) as writer, progress_bar(progress) as bar:
            task = bar.add_task("tokenize", total=len(todo))
            if settings.engine.kind == "ray":
                from pipeline.engine import ray_stages

                ray_stages.start(settings.engine.address, settings.engine.num_cpus)
                for rows in ray_stages.map_documents(
                    store,
                    in_ingest_order(store, todo),
                    ray_stages.TokenizeActor,
                    model=settings.model.name,
                    fingerprint=current,
                    chunk_chars=settings.tokenize.chunk_chars,
                ):
                    writer.add_table(rows)
                    report.processed += rows.num_rows
                    bar.advance(task, rows.num_rows)
            else:
                nlp = load_tokenizer(settings.model.name)
                documents = store.iter_documents(ids=todo)
                for document, data in tokenize_documents(nlp, documents, settings.tokenize.chunk_chars):
                    writer.add_output(document.id, StageOutput(STAGE, VERSION, current, data))
                    report.processed += 1
                    bar.advance(task)
    log.info("tokenized %d documents (%d already done)", report.processed, report.skipped)
    return report


def set_sentences(doc):
    """Mark sentence starts on a Doc by the same rule as the tokenize stage."""
    from spacy.attrs import SENT_START

    if len(doc) == 0:
        return doc
    flags = np.full((len(doc), 1), -1, dtype=np.int64)  # -1: not a start (Doc.from_array reads it as uint64)
    flags[sentence_starts(doc, sentence_final_hashes(doc)), 0] = 1
    return doc.from_array([SENT_START], flags.view(np.uint64))


def _register_sentence_component() -> None:
    from spacy.language import Language

    if "newscorpus_sentences" not in Language.factories:
        Language.component("newscorpus_sentences")(set_sentences)


_register_sentence_component()
