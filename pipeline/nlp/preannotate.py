"""Pre-annotation stage: entities and numeric claims for every tokenized document.

One spaCy pipeline does it: the model's tokenizer (with the tokenize stage's rules, so the tokens are
the stored ones), the tokenize stage's sentence rule, the model's ``tok2vec``, ``tagger``,
``attribute_ruler``, ``lemmatizer`` and ``ner`` (the parser is excluded: the claims need tags and
lemmas, not a parse), then the gazetteer (a ``span_ruler`` over ``annotations/gazetteer.jsonl``),
the place list, the entity merger and the claim finder. Texts, not Docs, go into ``nlp.pipe``, so
that with ``--n-process`` the workers tokenize and the main process only reads and writes the
store; long documents go in as pieces of whole sentences (cut at the stored sentence starts).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline import stages
from pipeline.corpus.record import Document, StageOutput
from pipeline.corpus.store import CorpusStore, columns
from pipeline.errors import ModelNotFoundError
from pipeline.nlp import casing, tables, tokenization
from pipeline.nlp import claims as claims_module  # noqa: F401  (registers the newscorpus_claims factory)
from pipeline.nlp import entities as entities_module  # noqa: F401  (registers the newscorpus_entities factory)
from pipeline.nlp.claims import CLAIM_KEY
from pipeline.nlp.entities import (
    BUILTIN_PATTERNS,
    DISAGREEMENT_KEY,
    ENTITY_KEY,
    GAZETTEER_KEY,
    PLACES_KEY,
    load_patterns,
    place_patterns,
)
from pipeline.settings import Settings
from pipeline.stages import PREANNOTATE
from pipeline.util.pools import threads_paused
from pipeline.util.progress import progress_bar
from pipeline.util.signals import workers_stop_on_signal

if TYPE_CHECKING:
    from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

STAGE = PREANNOTATE
VERSION = stages.get(STAGE).version
GAZETTEER_FILE = "gazetteer.jsonl"
# Components the layers need; everything else the model has (the parser, above all) is not loaded.
# "spancat" is the claim span categorizer of a pipeline trained by `newscorpus train`.
COMPONENTS = ("tok2vec", "tagger", "attribute_ruler", "lemmatizer", "ner", "spancat")
_MIN_WORDS_FOR_LANGUAGE_CHECK = 30
_MIN_STOP_WORD_SHARE = 0.15


@dataclass
class PreannotateReport:
    stage: str = STAGE
    processed: int = 0
    skipped: int = 0
    entities: int = 0
    claims: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    tokenized: int = 0
    notes: dict[str, int] = field(default_factory=dict)  # documents per kind of note ("capitals", "table")


def gazetteer_path(annotations_dir: Path) -> Path:
    return annotations_dir / GAZETTEER_FILE


def build_pipeline(model: str, gazetteer: Path | None, entity_labels: list[str] | None = None):
    """The pre-annotation pipeline: the model's components that the layers need, the gazetteer,
    the entity merger and the claim finder.

    A pipeline trained by ``newscorpus train`` (it has a ``spancat``) is used the same way, except
    that its NER speaks the schema's ``entity_labels`` (the base model's are OntoNotes') and its
    span categorizer adds the claims that no rule finds, normalised by the claim finder."""
    import spacy

    try:
        base = spacy.load(model, exclude=["parser", "senter"])
    except OSError as err:
        raise ModelNotFoundError(f"cannot load spaCy pipeline {model!r}: {str(err).splitlines()[0]}") from None
    for name in list(base.pipe_names):
        if name not in COMPONENTS:
            base.remove_pipe(name)
    tokenization.customize_tokenizer(base)
    base.add_pipe("newscorpus_sentences", first=True)
    truecaser = base.add_pipe("newscorpus_truecase", after="newscorpus_sentences")
    ruler = base.add_pipe("span_ruler", name="gazetteer", config={"spans_key": GAZETTEER_KEY, "validate": True})
    patterns = BUILTIN_PATTERNS + (
        load_patterns(gazetteer, entity_labels) if gazetteer is not None and gazetteer.exists() else []
    )
    places = base.add_pipe("span_ruler", name="places", config={"spans_key": PLACES_KEY})
    with base.select_pipes(enable=["gazetteer", "places"]):  # patterns need tokens only, not the model
        ruler.add_patterns(patterns)
        places.add_patterns(place_patterns())
    # lines in capitals are recased with the names the gazetteer and the place list write
    truecaser.add_names(p["pattern"] for p in [*patterns, *place_patterns()] if isinstance(p["pattern"], str))
    trained = "spancat" in base.pipe_names
    merger = {"model_labels": list(entity_labels)} if trained and entity_labels is not None else {}
    base.add_pipe("newscorpus_entities", config=merger)
    claims_key = base.get_pipe("spancat").key if trained else None
    base.add_pipe("newscorpus_claims", config={"model_spans_key": claims_key})
    return base


def fingerprint(settings: Settings, model: str | None = None, gazetteer: Path | None = None) -> str:
    gazetteer_hash = (
        hashlib.sha256(gazetteer.read_bytes()).hexdigest()[:16] if gazetteer and gazetteer.exists() else None
    )
    identity = {
        "stage": STAGE,
        "version": VERSION,
        "model": tokenization.model_identity(model or settings.model.name),
        "casing": casing.statistics_identity(),
        "gazetteer": gazetteer_hash,
        "components": COMPONENTS,
        "chunk_chars": settings.preannotate.chunk_chars,
        "tables": settings.preannotate.tables,
        "entity_labels": settings.labels.entities,
        "claim_labels": settings.labels.claims,
    }
    return hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]


def current_fingerprints(workspace: Workspace) -> dict[str, str] | None:
    """The fingerprints up-to-date outputs have, each with the model it stands for: the configured model
    and every pipeline under the workspace's models/ (``preannotate --model``). None when the
    configured model is not installed (status must still show the store's state)."""
    settings = workspace.settings
    gazetteer = gazetteer_path(workspace.annotations_dir)
    models_dir = workspace.models_dir
    trained = sorted(path for path in models_dir.glob("*/meta.json")) if models_dir.is_dir() else []
    models = {settings.model.name: None, **{f"models/{meta.parent.name}": str(meta.parent) for meta in trained}}
    found: dict[str, str] = {}
    for label, path in models.items():
        try:
            found.setdefault(fingerprint(settings, path, gazetteer), label)
        except ModelNotFoundError:
            continue
    return found if settings.model.name in found.values() else None


def doc_from_tokens(vocab, text: str, tokens, sentence_starts: set[int]):
    """A spaCy Doc over ``text`` with exactly the stored tokens (character offsets)."""
    from spacy.tokens import Doc

    words, spaces, starts = [], [], []
    for index, (start, end) in enumerate(tokens):
        words.append(text[start:end])
        following = tokens[index + 1][0] if index + 1 < len(tokens) else len(text)
        spaces.append(following == end + 1 and text[end] == " ")
        starts.append(start in sentence_starts)
    if starts:
        starts[0] = True
    return Doc(vocab, words=words, spaces=spaces, sent_starts=starts)


def chunks_of(document: Document, chunk_chars: int) -> list[tuple[int, int, int]]:
    """(start char, end char, tokens) of pieces of whole sentences of about ``chunk_chars``."""
    sentences = document.sentences or [(0, len(document.text))]
    tokens = document.tokens
    starts = [sentences[0][0]]
    for start, _ in sentences[1:]:
        if start - starts[-1] > chunk_chars:
            starts.append(start)
    bounds = list(zip(starts, [*starts[1:], len(document.text)]))
    token_starts = [s for s, _ in tokens]
    return [
        (start, end, bisect.bisect_left(token_starts, end) - bisect.bisect_left(token_starts, start))
        for start, end in bounds
    ]


def annotate_documents(
    nlp, documents: Iterable[Document], settings: Settings, *, n_process: int = 1, batch_size: int = 32
) -> Iterator[tuple[Document, dict[str, Any], list[str]]]:
    """Yield (document, {"entities": [...], "claims": [...], "left_out": [...], "notes": [...],
    "disagreements": N}, warnings)
    for tokenized documents. ``left_out`` are the table rows (no entities or claims there), ``notes``
    say what was special about the document ({"kind": "capitals" | "table", "detail": ...})."""
    entity_labels, claim_labels = set(settings.labels.entities), set(settings.labels.claims)
    stop_words = nlp.Defaults.stop_words
    pending: dict[int, _Pieces] = {}

    def pieces():
        for number, document in enumerate(documents):
            chunks = chunks_of(document, settings.preannotate.chunk_chars)
            pending[number] = _Pieces(
                document, len(chunks), rows=tables.left_out(document.text, settings.preannotate.tables)
            )
            for start, end, expected_tokens in chunks:
                yield document.text[start:end], (number, start, expected_tokens)

    # One call: with n_process > 1 spaCy starts its workers once for the whole stream.
    for doc, (number, offset, expected_tokens) in nlp.pipe(
        pieces(), as_tuples=True, n_process=n_process, batch_size=batch_size
    ):
        state = pending[number]
        if document_tokens_differ(doc, expected_tokens):
            state.mismatch = True
        entities = [_shift(r, offset) for r in doc.user_data[ENTITY_KEY] if r["label"] in entity_labels]
        claims = [_shift(r, offset) for r in doc.user_data[CLAIM_KEY] if r["label"] in claim_labels]
        if casing.CASING_KEY in doc.user_data:  # found on a truecased copy: the texts are the original's
            state.upper_words += doc.user_data[casing.CASING_KEY]["upper_words"]
            casing.record_texts(entities + claims, state.document.text)
        alphabetic = [t for t in doc if t.is_alpha]
        if state.rows:  # table rows: no entities, no claims, and their words are not prose
            entities = [r for r in entities if not tables.inside(r, state.rows)]
            claims = [r for r in claims if not tables.inside(r, state.rows)]
            prose = [
                t
                for t in alphabetic
                if not tables.inside({"start": t.idx + offset, "end": t.idx + offset + 1}, state.rows)
            ]
            state.table_words += len(alphabetic) - len(prose)
            alphabetic = prose
        state.entities.extend(entities)
        state.claims.extend(claims)
        state.disagreements += doc.user_data.get(DISAGREEMENT_KEY, 0)
        state.words += len(alphabetic)
        state.stop_words += sum(t.lower_ in stop_words for t in alphabetic)
        state.remaining -= 1
        if state.remaining == 0:
            del pending[number]
            yield state.document, state.data(), state.warnings()


@dataclass
class _Pieces:
    """A document on its way through the pipeline in chunks, and what came back so far."""

    document: Document
    remaining: int
    entities: list[dict[str, Any]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    words: int = 0  # outside table rows
    stop_words: int = 0
    upper_words: int = 0
    table_words: int = 0
    disagreements: int = 0  # entities where the model and the merge differ
    mismatch: bool = False
    rows: list[tables.LeftOut] = field(default_factory=list)

    def notes(self) -> list[dict[str, str]]:
        notes = []
        if casing.in_capitals(self.upper_words, self.words + self.table_words):
            notes.append(
                {"kind": casing.NOTE, "detail": casing.capitals_note(self.upper_words, self.words + self.table_words)}
            )
        if self.rows:
            notes.append({"kind": tables.NOTE, "detail": tables.table_note(self.rows, self.document.text)})
        return notes

    def data(self) -> dict[str, Any]:
        return {
            "entities": self.entities,
            "claims": self.claims,
            "left_out": [row.to_json() for row in self.rows],
            "notes": self.notes(),
            "disagreements": self.disagreements,
        }

    def warnings(self) -> list[str]:
        doc_id = self.document.id
        warnings = (
            [f"{doc_id}: the tokenizer no longer gives the stored tokens; run 'newscorpus tokenize' again"]
            if self.mismatch
            else []
        )
        warnings.extend(f"{doc_id}: {note['detail']}" for note in self.notes() if note["kind"] == casing.NOTE)
        # the prose only: a table is not "not English"
        if self.words >= _MIN_WORDS_FOR_LANGUAGE_CHECK and self.stop_words / self.words < _MIN_STOP_WORD_SHARE:
            warnings.append(
                f"{doc_id}: does not look like English ({self.stop_words / self.words:.0%} English stop "
                f"words); pre-annotated anyway, expect poor results"
            )
        return warnings


def document_tokens_differ(doc, expected: int) -> bool:
    return expected > 0 and len(doc) != expected


def _shift(record: dict[str, Any], offset: int) -> dict[str, Any]:
    if offset:
        record = {**record, "start": record["start"] + offset, "end": record["end"] + offset}
    return record


def preannotate(
    store: CorpusStore,
    settings: Settings,
    annotations_dir: Path,
    *,
    model: str | None = None,
    n_process: int = 1,
    progress: bool = True,
) -> PreannotateReport:
    report = PreannotateReport()
    report.tokenized = tokenization.tokenize(store, settings, progress=progress).processed
    gazetteer = gazetteer_path(annotations_dir)
    model = model or settings.model.name
    current = fingerprint(settings, model, gazetteer)
    with store.locked():
        todo = store.pending(STAGE, current)
        report.skipped = store.count() - len(todo)
        if not todo:
            return report
        with store.stage_writer(STAGE) as writer, progress_bar(progress) as bar, workers_stop_on_signal():
            task = bar.add_task("pre-annotate", total=len(todo))
            outputs = _outputs(store, settings, todo, model, gazetteer, current, n_process, writer)
            with threads_paused(bar) if n_process > 1 else contextlib.nullcontext():
                first = list(itertools.islice(outputs, 1))  # spaCy forks its workers as its stream starts
            for data, warnings in itertools.chain(first, outputs):
                report.processed += 1
                report.entities += len(data["entities"])
                report.claims += len(data["claims"])
                report.warnings.extend(warnings)
                for note in data["notes"]:
                    report.notes[note["kind"]] = report.notes.get(note["kind"], 0) + 1
                bar.advance(task)
    log.info("pre-annotated %d documents", report.processed)
    return report


def _outputs(
    store: CorpusStore,
    settings: Settings,
    todo: set[str],
    model: str,
    gazetteer: Path,
    current: str,
    n_process: int,
    writer,
) -> Iterator[tuple[dict[str, Any], list[str]]]:
    """Pre-annotate ``todo`` into ``writer``, in this process (and ``n_process`` workers) or on Ray;
    yield each document's data and warnings for the report."""
    if settings.engine.kind == "ray":
        from pipeline.engine import ray_stages

        ray_stages.start(settings.engine.address, settings.engine.num_cpus)
        for rows in ray_stages.map_documents(
            store,
            tokenization.in_ingest_order(store, todo),
            ray_stages.PreannotateActor,
            model=model,
            gazetteer=str(gazetteer) if gazetteer.exists() else None,
            settings=settings.dict(),
            fingerprint=current,
        ):
            writer.add_table(rows)
            for row, warnings in zip(
                columns.rows_of(rows.drop_columns([ray_stages.WARNINGS])), rows.column(ray_stages.WARNINGS).to_pylist()
            ):
                yield columns.stage_output(STAGE, row).data, warnings
        return
    nlp = build_pipeline(model, gazetteer, settings.labels.entities)
    documents = store.iter_documents([tokenization.STAGE], ids=todo)
    for document, data, warnings in annotate_documents(nlp, documents, settings, n_process=n_process):
        writer.add_output(document.id, StageOutput(STAGE, VERSION, current, data))
        yield data, warnings


def annotate_texts(
    texts: list[str], settings: Settings, annotations_dir: Path, *, model: str | None = None
) -> list[dict[str, Any]]:
    """Pre-annotate texts outside the store, by the same path as the stage (for ``evaluate``)."""
    tokenizer = tokenization.load_tokenizer(settings.model.name)
    documents = [Document(str(number), text) for number, text in enumerate(texts)]
    for document, data in tokenization.tokenize_documents(tokenizer, iter(documents), settings.tokenize.chunk_chars):
        document.outputs[tokenization.STAGE] = StageOutput(tokenization.STAGE, tokenization.VERSION, "", data)
    nlp = build_pipeline(model or settings.model.name, gazetteer_path(annotations_dir), settings.labels.entities)
    results = {
        document.id: {"text": document.text, **data}
        for document, data, _ in annotate_documents(nlp, documents, settings)
    }
    return [results[document.id] for document in documents]
