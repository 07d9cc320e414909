"""The store as Delta Lake tables: read without newscorpus, migrated from the old format, compacted,
and whole after kills and concurrent writers."""

import json
import os
import signal
import subprocess
import sys
import time

import orjson
import pytest

from pipeline.corpus.store import CorpusStore

STORY = "Police in Lima seized 6,300 kilograms of cocaine on Monday, officials said."


def _ingest_tokenize(cli, tmp_path, texts):
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"s{n}", "text": text}) + "\n" for n, text in enumerate(texts)))
    cli("ingest", str(feed))
    cli("tokenize")


def test_the_tables_are_read_by_duckdb_and_polars_without_newscorpus(cli, tmp_path):
    import duckdb
    import polars as pl
    from deltalake import DeltaTable

    _ingest_tokenize(cli, tmp_path, [STORY, "Another story, about 12 ships in Callao."])
    tables = cli.workspace.store_dir / "tables"
    documents = DeltaTable(str(tables / "documents")).to_pyarrow_dataset()  # noqa: F841 (read by name below)
    tokenize = DeltaTable(str(tables / "tokenize")).to_pyarrow_dataset()  # noqa: F841
    rows = duckdb.sql(
        "SELECT d.meta->>'external_id' AS source_id, len(t.tokens) AS tokens, t.tokens[1] AS first "
        "FROM documents d JOIN tokenize t USING (id) ORDER BY d.seq"
    ).fetchall()
    assert rows == [("s0", 14, [0, 6]), ("s1", 9, [0, 7])]  # "Police", "in", "Lima", ... "."
    frame = pl.read_delta(str(tables / "documents")).sort("seq")
    assert frame["text"].to_list() == [STORY, "Another story, about 12 ships in Callao."]


def _legacy_segment(directory, number, records, index_fields):
    directory.mkdir(parents=True, exist_ok=True)
    lines, index, offset = [], [], 0
    for record, fields in zip(records, index_fields):
        line = orjson.dumps(record) + b"\n"
        index.append(orjson.dumps({"@o": offset, "@n": len(line), **fields}) + b"\n")
        lines.append(line)
        offset += len(line)
    (directory / f"{number:06d}.jsonl").write_bytes(b"".join(lines))
    (directory / f"{number:06d}.idx.jsonl").write_bytes(b"".join(index))


@pytest.mark.faults
def test_a_store_of_the_old_format_is_migrated_on_first_use_and_its_files_kept(cli):
    root = cli.workspace.store_dir
    documents = [
        {"id": f"d{n}", "text": f"Story {n} about 12 ships.", "meta": {"headline": f"H{n}"}, "group": "d0"}
        for n in range(3)
    ]
    _legacy_segment(
        root / "documents",
        1,
        documents[:2],
        [{"id": d["id"], "group": d["group"], "minhash": None, "meta": d["meta"]} for d in documents[:2]],
    )
    _legacy_segment(root / "documents", 2, documents[2:], [{"id": "d2", "group": "d0", "minhash": None, "meta": {}}])
    (root / "documents" / "000003.jsonl").write_bytes(b'{"id": "half')  # a killed writer's, no index: not a document

    def output(doc_id, fingerprint, tokens):
        return {
            "id": doc_id,
            "version": "5",
            "fingerprint": fingerprint,
            "error": None,
            "data": {"tokens": tokens, "words": "", "sentences": [[0, 5]]},
        }

    stages = root / "stages" / "tokenize"
    _legacy_segment(
        stages,
        1,
        [output("d0", "old", [[0, 5]]), output("d1", "f", [[0, 5]])],
        [{"id": "d0", "fingerprint": "old", "failed": False}, {"id": "d1", "fingerprint": "f", "failed": False}],
    )
    _legacy_segment(
        stages, 2, [output("d0", "new", [[0, 5], [6, 7]])], [{"id": "d0", "fingerprint": "new", "failed": False}]
    )

    result = cli("dump")
    assert "migrated the store to Delta Lake tables: 3 documents, 2 tokenize outputs" in " ".join(result.stderr.split())
    dumped = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in dumped] == ["d0", "d1", "d2"] and [d["group"] for d in dumped] == ["d0"] * 3
    assert dumped[0]["tokens"] == [[0, 5], [6, 7]] and dumped[0]["stages"]["tokenize"]["fingerprint"] == "new"
    assert "tokens" not in dumped[2]
    assert (root / "documents" / "000001.jsonl").exists() and (root / "stages" / "tokenize").is_dir()  # kept
    assert "migrated" not in cli("dump").stderr  # once
    assert "nothing to migrate" in cli("store", "migrate").stdout


def test_store_compact_joins_small_files_and_keeps_every_row(cli, tmp_path):
    settings = cli.workspace.settings_path
    settings.write_text(settings.read_text().replace("segment_size = 500", "segment_size = 2"))
    texts = [f"Story {n}: {STORY}" for n in range(9)]
    _ingest_tokenize(cli, tmp_path, texts)
    before = cli("dump").stdout
    tables = cli.workspace.store_dir / "tables"
    assert len(list((tables / "documents").glob("*.parquet"))) == 5
    result = cli("store", "compact", "--retention-hours", "0")
    assert "documents: 5 files" in result.stdout and "-> 1 " in result.stdout
    assert len(list((tables / "documents").glob("*.parquet"))) == 1  # the small ones vacuumed
    assert cli("dump").stdout == before


def test_a_writing_command_compacts_when_small_files_have_gathered(cli, tmp_path):
    from deltalake import DeltaTable

    from pipeline.corpus.store.maintenance import SMALL_FILES

    settings = cli.workspace.settings_path
    settings.write_text(settings.read_text().replace("segment_size = 500", "segment_size = 1"))
    texts = [f"Story {n}: {STORY}" for n in range(SMALL_FILES + 4)]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": f"s{n}", "text": text}) + "\n" for n, text in enumerate(texts[:-1])))
    cli("ingest", str(feed))  # one commit per document: enough small files to compact
    documents = str(cli.workspace.store_dir / "tables" / "documents")
    assert len(DeltaTable(documents).file_uris()) == 1
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"id": "last", "text": texts[-1]}) + "\n")
    cli("ingest", str(more))
    assert len(DeltaTable(documents).file_uris()) == 2  # too few small files to pay
    assert [json.loads(line)["text"] for line in cli("dump").stdout.splitlines()] == texts


@pytest.mark.slow
def test_the_main_job_deletes_the_files_compaction_left_once_past_their_retention(cli, tmp_path):
    from deltalake import DeltaTable

    from pipeline.corpus.store.maintenance import SMALL_FILES

    settings = cli.workspace.settings_path
    text = settings.read_text().replace("segment_size = 500", "segment_size = 1")
    settings.write_text(text.replace("retention_hours = 168", "retention_hours = 0"))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(json.dumps({"id": f"s{n}", "text": f"Story {n}: {STORY}"}) + "\n" for n in range(SMALL_FILES + 1))
    )
    cli("ingest", str(feed))
    documents = cli.workspace.store_dir / "tables" / "documents"
    assert len(list(documents.glob("*.parquet"))) > len(DeltaTable(str(documents)).file_uris()) == 1
    cli("run", "--no-doccano")
    assert len(list(documents.glob("*.parquet"))) == len(DeltaTable(str(documents)).file_uris())
    assert len(cli("dump").stdout.splitlines()) == SMALL_FILES + 1


def _kill_after_commits(command, log_dir, commits, timeout=120):
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    while len(list(log_dir.glob("*.json"))) < commits and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the command finished before it could be killed"


@pytest.mark.slow
@pytest.mark.faults
@pytest.mark.parametrize("stage, documents, per_commit", [("tokenize", 1200, 100), ("preannotate", 90, 15)])
def test_a_stage_killed_midway_keeps_whole_commits_and_the_rerun_completes(
    workspace, tmp_path, stage, documents, per_commit
):
    settings = workspace.settings_path
    settings.write_text(settings.read_text().replace("segment_size = 500", f"segment_size = {per_commit}"))
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        "".join(
            json.dumps({"id": f"w{n}", "text": f"Report {n}: {STORY} Ships seized: {n}."}) + "\n"
            for n in range(documents)
        )
    )
    base = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), "--quiet"]
    for before in ("ingest", "tokenize"):
        if before == stage:
            break
        arguments = [before, str(feed)] if before == "ingest" else [before]
        subprocess.run([*base, *arguments], check=True, capture_output=True)

    _kill_after_commits([*base, stage], workspace.store_dir / "tables" / stage / "_delta_log", 2)
    done = CorpusStore(workspace.store_dir).stage_index(stage)
    assert 0 < len(done) < documents and len(done) % per_commit == 0  # whole commits only

    rerun = subprocess.run([*base, stage], capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    store = CorpusStore(workspace.store_dir)
    assert len(store.stage_index(stage)) == documents
    outputs = [d.id for d in store.iter_documents([stage]) if stage in d.outputs]
    assert len(outputs) == len(set(outputs)) == documents


@pytest.mark.slow
@pytest.mark.faults
def test_two_writers_at_once_both_succeed_or_one_is_refused_clearly(workspace, tmp_path):
    feeds = []
    for name in ("a", "b"):
        feed = tmp_path / f"{name}.jsonl"
        feed.write_text(
            "".join(json.dumps({"id": f"{name}{n}", "text": f"{name} {n}: {STORY}"}) + "\n" for n in range(300))
        )
        feeds.append(feed)
    base = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), "--quiet", "ingest"]
    processes = [
        subprocess.Popen([*base, str(feed)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for feed in feeds
    ]
    results = [(p.wait(), p.stderr.read()) for p in processes]
    for code, stderr in results:
        assert code == 0 or (
            code == 1 and stderr.strip().startswith("error: [E020]") and len(stderr.strip().splitlines()) == 1
        ), stderr
    succeeded = sum(code == 0 for code, _ in results)
    assert succeeded >= 1
    ids = [d.id for d in CorpusStore(workspace.store_dir).iter_documents()]
    assert len(ids) == len(set(ids)) == 300 * succeeded
