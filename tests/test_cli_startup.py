"""Every command starts fast: loading the CLI imports none of the heavy libraries (spaCy, sklearn,
datasets, ...); a command imports what it needs when it runs."""

import subprocess
import sys
from pathlib import Path

HEAVY = ("spacy", "sklearn", "datasets", "datasketch", "trafilatura", "transformers", "thinc")

CHECK = f"import sys, pipeline.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in {set(HEAVY)!r}))"


def test_importing_the_cli_imports_no_heavy_library():
    result = subprocess.run(
        [sys.executable, "-c", CHECK],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parents[1],
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"'import pipeline.cli' imports heavy modules: {result.stdout.strip()}"
