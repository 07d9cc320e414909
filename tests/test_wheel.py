"""newscorpus installed from its wheel, outside this repository, works as a user would run it.

The wheel is built from a copy of the sources and installed with --no-deps into a new virtual
environment in a temporary folder; the third-party packages come from the development environment
through a .pth file (installing them all from the registry takes minutes; the declared dependencies
are checked apart from this test). A directory named in a .pth file is not searched for .pth files
itself, so the development environment's editable finder, which maps ``pipeline`` to this checkout,
stays out: the test checks that ``pipeline`` is the installed copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from conftest import REPO, SEED

from pipeline.workspace import STARTER_FILES

pytestmark = pytest.mark.slow

SOURCES = ("pyproject.toml", "README.md", "LICENSE", "pipeline")  # what the wheel is built from


def _run(argv: list, *, cwd: Path, env: dict[str, str], expect: int = 0) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(arg) for arg in argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == expect, (argv, result.returncode, result.stdout[-3000:], result.stderr[-3000:])
    return result


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, Path, dict[str, str]]:
    """(the new environment, its site-packages, the environment variables to run it with)."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert REPO not in tmp.resolve().parents
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NEWSCORPUS_WORKSPACE", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    # A copy, so that setuptools' build/ and egg-info land there and not in the checkout.
    source = tmp / "source"
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(exist_ok=True)
            shutil.copy(REPO / name, source / name)
    # With build isolation: the build needs a newer setuptools than the development environment may have.
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp / "dist", source], cwd=tmp, env=env)
    (wheel,) = (tmp / "dist").glob("newscorpus-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--quiet", wheel], cwd=tmp, env=env)
    site_packages = Path(
        _run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp, env=env
        ).stdout.strip()
    )
    development = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site_packages / "newscorpus-test-dependencies.pth").write_text("\n".join(sorted(development)) + "\n")
    return venv, site_packages, env


def test_the_installed_package_is_the_wheels(installed, tmp_path):
    venv, site_packages, env = installed
    found = _run([venv / "bin" / "python", "-c", "import pipeline; print(pipeline.__file__)"], cwd=tmp_path, env=env)
    assert Path(found.stdout.strip()) == site_packages / "pipeline" / "__init__.py"
    for name in STARTER_FILES:
        shipped = site_packages / "pipeline" / "starter" / name
        assert not shipped.is_symlink() and shipped.read_bytes() == (REPO / "annotations" / name).read_bytes()


def test_init_ingest_preannotate_export_from_the_wheel(installed, tmp_path):
    venv, site_packages, env = installed
    newscorpus = venv / "bin" / "newscorpus"
    package = site_packages / "pipeline"
    before = _snapshot(package)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    assert _run([newscorpus, "--version"], cwd=elsewhere, env=env).stdout.strip().endswith("0.1.0")
    # No workspace here or above, and no checkout to fall back on: site-packages is not a workspace.
    missing = _run([newscorpus, "status"], cwd=elsewhere, env=env, expect=1)
    assert "no newscorpus workspace" in missing.stderr

    workspace = tmp_path / "ws"
    _run([newscorpus, "init", workspace], cwd=elsewhere, env=env)
    for name in STARTER_FILES:
        starter = workspace / "annotations" / name
        assert starter.is_file() and not starter.is_symlink()
        assert starter.read_bytes() == (REPO / "annotations" / name).read_bytes()
    shutil.copy(SEED, workspace / "corpus")

    # From inside the workspace, as a user would: it is found from the current folder.
    ingested = _run([newscorpus, "ingest", "corpus"], cwd=workspace, env=env)
    assert "1 new documents" in ingested.stdout
    _run([newscorpus, "--quiet", "preannotate"], cwd=workspace, env=env)
    (document,) = [json.loads(line) for line in _run([newscorpus, "dump"], cwd=workspace, env=env).stdout.splitlines()]
    sources = {span["source"] for span in document["entities"]}
    assert "gazetteer" in sources and document["claims"]  # the starter gazetteer is read; claims are found
    _run([newscorpus, "--quiet", "export", "--include-unreviewed", "--n-process", "1"], cwd=workspace, env=env)

    (export,) = (workspace / "exports").iterdir()
    assert (export / "README.md").read_text(encoding="utf-8").startswith("---\n")  # the dataset card
    import datasets

    dataset = datasets.load_from_disk(str(export))
    assert sum(split.num_rows for split in dataset.values()) == 1
    assert _snapshot(package) == before, "newscorpus wrote into its installed package"
