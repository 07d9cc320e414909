from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ["COLUMNS"] = "200"  # before rich's consoles are made: tables wide enough to assert on

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.store import CorpusStore
from pipeline.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "efe-2022-07-04-shining-path-vraem.txt"


@pytest.fixture(autouse=True)
def _no_workspace_from_environment(monkeypatch):
    monkeypatch.delenv("NEWSCORPUS_WORKSPACE", raising=False)


@pytest.fixture
def seed_path() -> Path:
    return SEED


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def store(workspace: Workspace) -> CorpusStore:
    return CorpusStore(workspace.store_dir, segment_size=workspace.settings.store.segment_size)


@pytest.fixture
def seed_copy(workspace: Workspace) -> Path:
    target = workspace.corpus_dir / SEED.name
    shutil.copy(SEED, target)
    return target


class Cli:
    """Runs newscorpus in-process against one workspace, as a user would type it."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.runner = CliRunner()

    def __call__(self, *args: str, expect: int | None = 0):
        result = self.runner.invoke(app, ["--workspace", str(self.workspace.root), *args], catch_exceptions=False)
        if expect is not None:
            assert result.exit_code == expect, (result.exit_code, result.stdout, result.stderr)
        assert "Traceback" not in result.stderr
        return result


@pytest.fixture
def cli(workspace: Workspace) -> Cli:
    return Cli(workspace)


def write_jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def article_variants(tmp_path_factory) -> list[str]:
    """Distinct article-sized texts made from the seed article's sentences (for corpus-size tests)."""
    import random

    from pipeline.corpus.readers import normalize_text

    body = SEED.read_text(encoding="utf-8")
    sentences = [s.strip() + "." for s in body.replace("\n\n", " ").split(". ") if len(s) > 40]
    rng = random.Random(7)
    texts = []
    for number in range(400):
        picked = rng.sample(sentences, 12)
        texts.append(normalize_text(f"Story {number}. " + " ".join(picked) + f" Figure {rng.randint(1, 10**6)}."))
    return texts


def pytest_collection_modifyitems(config, items):
    # The integration suite (a real Doccano server) runs after the fast unit tests.
    items.sort(key=lambda item: item.get_closest_marker("integration") is not None)
