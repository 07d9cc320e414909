import os
import random
import re
import shutil
import subprocess
import sys

import pytest

from pipeline.corpus.ingest import (
    BROKEN_LINK,
    FOLDER_LINK,
    HIDDEN,
    NOT_REGULAR,
    UNSUPPORTED,
    document_id,
    ingest,
    split_article,
)
from pipeline.corpus.readers import Article, normalize_text
from pipeline.corpus.store import CorpusStore


def test_ingest_is_incremental_and_ids_are_stable(workspace, store, seed_copy):
    first = ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    assert len(first.added) == 1 and first.ok
    again = ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    assert again.added == [] and len(again.already_stored) == 1
    document = next(store.iter_documents())
    assert document.id == first.added[0] == document_id(document.text)
    assert store.count() == 1


def test_exact_duplicates_are_skipped_and_reported(workspace, store, seed_copy, tmp_path):
    copy = tmp_path / "republished" / "efe-copy.txt"
    copy.parent.mkdir()
    shutil.copy(seed_copy, copy)
    report = ingest(store, [seed_copy, copy], workspace.settings, progress=False)
    assert len(report.added) == 1
    assert [(d.location, d.first_seen) for d in report.duplicates] == [(str(copy), str(seed_copy))]


def test_near_duplicates_share_a_group_and_other_stories_do_not(
    workspace, store, seed_copy, tmp_path, article_variants
):
    text = seed_copy.read_text(encoding="utf-8")
    edited = text.replace("Sixteen people", "Seventeen people").replace("some 65%", "about 64%")
    edited = edited.replace("Back to top button", "Updated to correct the death toll.\n\nBack to top button")
    (tmp_path / "edited.txt").write_text(edited, encoding="utf-8")
    (tmp_path / "other.txt").write_text(article_variants[0] + "\n\nA different story entirely.", encoding="utf-8")
    report = ingest(
        store, [seed_copy, tmp_path / "edited.txt", tmp_path / "other.txt"], workspace.settings, progress=False
    )
    original, edited_id, other = report.added
    groups = {d.id: d.group for d in store.iter_documents()}
    assert groups[edited_id] == groups[original] == original
    assert groups[other] == other
    assert report.grouped == [(edited_id, original)]


def _shuffled_stories(seed_text: str, folder, count: int) -> list:
    """Stories made of the seed article's sentences in random orders: many are near-duplicates of
    several others, some equally similar to two group heads."""
    body = seed_text[seed_text.index("A massacre") :].replace("\n\n", " ")
    sentences = re.split(r"(?<=[.”])\s+(?=[A-Z“])", body)
    rng = random.Random(0)
    folder.mkdir()
    paths = []
    for number in range(count):
        paths.append(folder / f"story-{number:03d}.txt")
        paths[-1].write_text(" ".join(rng.sample(sentences, len(sentences))), encoding="utf-8")
    return paths


def _groups(store: CorpusStore) -> dict[str, str]:
    return {document.id: document.group for document in store.iter_documents()}


def test_ingest_in_several_runs_groups_near_duplicates_as_one_run_does(tmp_path, seed_text):
    from pipeline.workspace import init_workspace

    stories = _shuffled_stories(seed_text, tmp_path / "stories", 60)
    at_once = init_workspace(tmp_path / "at-once")
    ingest(CorpusStore(at_once.store_dir), stories, at_once.settings, progress=False)
    in_runs = init_workspace(tmp_path / "in-runs")
    store = CorpusStore(in_runs.store_dir)
    for first in range(0, 60, 20):
        report = ingest(store, stories[first : first + 20], in_runs.settings, progress=False)
        assert len(report.added) == 20
    groups = _groups(store)
    assert len(set(groups.values())) < len(groups)  # there are groups, and later runs joined earlier ones
    assert any(member in groups and head in {doc_id for doc_id in list(groups)[:20]} for member, head in report.grouped)
    assert groups == _groups(CorpusStore(at_once.store_dir))


def test_near_duplicates_are_found_in_a_store_without_band_keys_or_with_another_threshold(
    workspace, store, seed_copy, tmp_path
):

    text = seed_copy.read_text(encoding="utf-8")
    (tmp_path / "edited.txt").write_text(text.replace("Sixteen people", "Seventeen people"), encoding="utf-8")
    original = ingest(store, [seed_copy], workspace.settings, progress=False).added[0]
    workspace.settings.ingest.near_duplicate_threshold = 0.6  # band keys were stored for 0.7
    report = ingest(store, [tmp_path / "edited.txt"], workspace.settings, progress=False)
    assert report.grouped == [(report.added[0], original)]

    older = CorpusStore(tmp_path / "older")  # a store written before band keys were kept
    document = next(store.iter_documents(ids={original}))
    with older.document_writer() as writer:
        writer.add_document(document, minhash=store.group_heads(["minhash"]).column("minhash")[0].as_py(), bands=None)
    report = ingest(older, [tmp_path / "edited.txt"], workspace.settings, progress=False)
    assert report.grouped == [(report.added[0], original)]


@pytest.mark.faults
def test_folders_are_read_recursively_and_what_is_not_read_is_reported(workspace, store, tmp_path):
    root = tmp_path / "in"
    (root / "a" / "b").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "a" / "b" / "one.txt").write_text("First story with 3 items.", encoding="utf-8")
    (root / "a" / "two.jsonl").write_text('{"text": "Second story."}\n{"text": "Third story."}\n', encoding="utf-8")
    (root / "a" / "page.XHTML").write_text(
        "<html><head><title>Port</title></head><body><article><h1>Port</h1>\n<p>The port of Callao reopened on "
        "Thursday after a two-day strike by dock workers over pay, officials said.</p></article></body></html>",
        encoding="utf-8",
    )
    (root / ".hidden" / "secret.txt").write_text("Not an article.", encoding="utf-8")
    (root / ".notes.txt").write_text("Not an article either.", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG")
    os.mkfifo(root / "pipe.txt")
    (root / "gone.txt").symlink_to(root / "nowhere.txt")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "other.txt").write_text("Not in this folder.", encoding="utf-8")
    (root / "elsewhere").symlink_to(tmp_path / "outside", target_is_directory=True)
    report = ingest(store, [root], workspace.settings, progress=False)
    assert report.files == 3 and len(report.added) == 4 and report.ok
    assert any("The port of Callao reopened" in d.text for d in store.iter_documents())
    assert [(str(entry.path.relative_to(root)), entry.reason) for entry in report.skipped] == [
        (".hidden", HIDDEN),
        (".notes.txt", HIDDEN),
        ("elsewhere", FOLDER_LINK),
        ("gone.txt", BROKEN_LINK),
        ("image.png", UNSUPPORTED),
        ("pipe.txt", NOT_REGULAR),
    ]
    assert f"{root}: skipped 2, hidden: .hidden, .notes.txt" in report.warnings
    assert f"{root}: skipped 1, {NOT_REGULAR}: pipe.txt" in report.warnings


def test_many_skipped_files_are_counted_per_reason_with_a_few_names(workspace, store, tmp_path):
    root = tmp_path / "scans"
    root.mkdir()
    (root / "story.txt").write_text("A story about 3 things.", encoding="utf-8")
    for number in range(40):
        (root / f"scan-{number:02d}.pdf").write_bytes(b"%PDF-1.4")
    report = ingest(store, [root], workspace.settings, progress=False)
    assert len(report.skipped) == 40
    assert report.warnings == [
        f"{root}: skipped 40, {UNSUPPORTED}: scan-00.pdf, scan-01.pdf, scan-02.pdf, "
        f"scan-03.pdf, scan-04.pdf and 35 more"
    ]


def test_the_store_in_the_corpus_folder_is_not_reported(workspace, store, seed_copy):
    ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    again = ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    assert workspace.store_dir.is_dir() and again.skipped == [] and again.warnings == []


@pytest.mark.faults
def test_a_pipe_named_on_the_command_line_is_refused_not_waited_on(workspace, store, tmp_path):
    os.mkfifo(tmp_path / "feed.jsonl")
    report = ingest(store, [tmp_path / "feed.jsonl"], workspace.settings, progress=False)
    assert [error.reason for error in report.errors] == [NOT_REGULAR] and report.files == 0


def test_cli_summary_counts_and_lists_the_files_not_read(cli, tmp_path):
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "story.txt").write_text("A story about 3 things.", encoding="utf-8")
    (folder / "notes.md").write_text("# notes", encoding="utf-8")
    result = cli("ingest", str(folder))
    assert "ingest: 1 files, 1 not read, 1 new documents" in result.stdout
    assert f"warning: {folder}: skipped 1, unsupported file type" in result.stderr and "notes.md" in result.stderr


def test_jsonl_external_id_is_kept(workspace, store, tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 42, "text": "Cafe\u0301 owners said 12 shops closed."}\n', encoding="utf-8")
    ingest(store, [path], workspace.settings, progress=False)
    document = next(store.iter_documents())
    assert document.meta["external_id"] == "42"
    assert document.text == normalize_text("Café owners said 12 shops closed.")
    assert document.id == document_id(document.text)


@pytest.mark.slow
def test_near_duplicate_groups_do_not_depend_on_pythons_string_hashing(tmp_path, seed_text):
    """Stories made of the same sentences are often equally similar to two group heads; the group
    (and so the dataset split) must be the same in every run, whatever PYTHONHASHSEED is."""
    folder = tmp_path / "stories"
    _shuffled_stories(seed_text, folder, 120)
    groups = []
    for seed in ("1", "2", "3"):
        workspace = tmp_path / f"ws{seed}"
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        for args in (["init", str(workspace)], ["--workspace", str(workspace), "ingest", str(folder)]):
            subprocess.run([sys.executable, "-m", "pipeline", "-q", *args], check=True, env=environment)
        store = CorpusStore(workspace / "corpus" / ".store")
        groups.append({entry.id: entry.fields["group"] for entry in store.document_index()})
    assert len(set(groups[0].values())) < len(groups[0])  # there are groups to get wrong
    assert groups[0] == groups[1] == groups[2]


def _paragraphs(count: int) -> str:
    return "\n\n".join(
        f"Paragraph {n}. " + " ".join(["The council voted on the budget again."] * 40) for n in range(count)
    )


def test_a_long_article_is_split_at_paragraph_breaks_into_numbered_parts():
    text = _paragraphs(40)  # about 63,000 characters, paragraphs of about 1,550
    parts = list(split_article(Article(text, {"headline": "Budget", "external_id": "b-1"}, 3), 20_000))
    assert len(parts) == 4
    assert all(len(part.text) <= 20_000 for part in parts)
    assert all(part.text.startswith("Paragraph ") and part.text.endswith("again.") for part in parts)
    assert "\n\n".join(part.text for part in parts) == text  # nothing lost, nothing repeated
    assert [part.meta["part"] for part in parts] == ["1/4", "2/4", "3/4", "4/4"]
    assert all(
        part.meta["headline"] == "Budget" and part.meta["external_id"] == "b-1" and part.line == 3 for part in parts
    )


def test_text_without_paragraphs_is_cut_at_a_line_sentence_or_word_boundary():
    one_paragraph = " ".join(["The council voted on the budget again."] * 1000)
    parts = [part.text for part in split_article(Article(one_paragraph), 10_000)]
    assert all(part.endswith("again.") for part in parts)
    words = "budget " * 5000
    assert all(part.endswith("budget") for part in (p.text for p in split_article(Article(words), 10_000)))


@pytest.mark.faults
def test_ingest_splits_a_document_longer_than_split_chars_and_says_so(workspace, store, tmp_path, cli):
    path = tmp_path / "huge.jsonl"
    path.write_text('{"id": "h1", "text": "%s"}\n' % _paragraphs(40).replace("\n", "\\n"), encoding="utf-8")
    (workspace.root / "newscorpus.toml").write_text("[ingest]\nsplit_chars = 20000\n")
    result = cli("ingest", str(path))
    assert "longer than 20,000 characters, split into 4 documents at paragraph breaks" in result.stderr
    documents = list(store.iter_documents())
    assert [d.meta["part"] for d in documents] == ["1/4", "2/4", "3/4", "4/4"]
    assert {d.meta["external_id"] for d in documents} == {"h1"}
    (workspace.root / "newscorpus.toml").write_text("[ingest]\nsplit_chars = 0\n")
    cli("ingest", str(path))
    assert store.count() == 5  # kept whole, it is a new text
