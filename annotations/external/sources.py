"""The public data sets newscorpus is developed and measured on: where they are and how to read them.

Each source in ``sources.toml`` is a GitHub repository at a fixed commit. A local copy of it (a
clone, or the bare git directory that a snapshot tool brings) is found under one of the folders
given to ``stage.py``, and files are read with ``git show COMMIT:PATH``, so the working tree and
later commits never matter. One reader per format turns a file into the text newscorpus annotates.

Standard library only; run from the repository root (``python annotations/external/stage.py``).
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES_FILE = HERE / "sources.toml"


class SourceError(Exception):
    """A source is missing or unreadable; the message names it and says what to do."""


@dataclass(frozen=True)
class Source:
    name: str
    repo: str
    commit: str
    what: str
    licence: str
    reader: str


def load_sources() -> dict[str, Source]:
    table = tomllib.loads(SOURCES_FILE.read_text(encoding="utf-8"))["sources"]
    return {name: Source(name=name, **fields) for name, fields in table.items()}


class Repository:
    """Files of one source at its recorded commit."""

    def __init__(self, source: Source, git_dir: Path) -> None:
        self.source = source
        self.git_dir = git_dir
        self._batch: subprocess.Popen | None = None
        self._last: tuple[str, bytes] | None = None  # a Reuters file holds a thousand stories: read it once

    @classmethod
    def find(cls, source: Source, roots: list[Path]) -> Repository:
        owner, name = source.repo.split("/")
        tried = []
        for root in roots:
            for candidate in (root / f"{owner}+{name}" / "repo", root / f"{owner}+{name}", root / name,
                              root / f"{name}.git", root / owner / name):
                tried.append(candidate)
                if candidate.exists() and _has_commit(candidate, source.commit):
                    return cls(source, candidate)
        raise SourceError(
            f"{source.name}: no local copy of {source.repo} with commit {source.commit[:12]} under "
            f"{', '.join(str(r) for r in roots)}; clone it there (git clone https://github.com/{source.repo} "
            f"{roots[0] / name}) and run again"
        )

    def read(self, path: str) -> bytes:
        """The file at the recorded commit (one ``git cat-file --batch`` process serves every read)."""
        if self._last is not None and self._last[0] == path:
            return self._last[1]
        if self._batch is None:
            self._batch = subprocess.Popen(["git", "-C", str(self.git_dir), "cat-file", "--batch"],
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self._batch.stdin.write(f"{self.source.commit}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            raise SourceError(f"{self.source.name}: cannot read {path} at {self.source.commit[:12]} "
                              f"({' '.join(header[1:]) or 'no answer'})")
        content = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)  # the newline after each object
        self._last = (path, content)
        return content

    def list(self, folder: str) -> list[str]:
        result = subprocess.run(["git", "-C", str(self.git_dir), "ls-tree", "-r", "--name-only",
                                 self.source.commit, "--", folder], capture_output=True, text=True)
        if result.returncode != 0:
            raise SourceError(f"{self.source.name}: cannot list {folder}: {result.stderr.strip()}")
        return result.stdout.splitlines()


def _has_commit(path: Path, commit: str) -> bool:
    result = subprocess.run(["git", "-C", str(path), "cat-file", "-e", f"{commit}^{{commit}}"], capture_output=True)
    return result.returncode == 0


def normalise(text: str) -> str:
    """What newscorpus's ingest does to every text: BOM off, LF line ends, Unicode NFC."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text).strip()


# -- readers: (file bytes, key within the file) -> (title, text) -------------------------------------
# The text is what is annotated and scored: the headline, a blank line, then the body.


def bbc_txt(raw: bytes, key: str | None = None) -> tuple[str, str]:
    text = normalise(raw.decode("utf-8", errors="replace"))
    title, _, body = text.partition("\n")
    return title.strip(), normalise(f"{title.strip()}\n\n{body.strip()}")


_REUTERS = re.compile(r'<REUTERS [^>]*NEWID="(\d+)">(.*?)</REUTERS>', re.S)


@lru_cache(maxsize=2)
def _reuters_stories(raw: bytes) -> dict[str, str]:
    return dict(_REUTERS.findall(raw.decode("latin-1")))


def reuters_sgml(raw: bytes, key: str | None = None) -> tuple[str, str]:
    """One story of an SGML file (key: its NEWID). The wire's hard line wraps are undone: a
    paragraph starts on an indented line."""
    story = _reuters_stories(raw).get(key or "")
    if story is None:
        raise SourceError(f"reuters: no story with NEWID {key}")
    title = _tag(story, "TITLE")
    dateline = _tag(story, "DATELINE").strip()
    body = re.sub(r"\s*reuter\s*$", "", _tag(story, "BODY").replace("\x03", "").rstrip(), flags=re.I)
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n(?= {2,})", body) if p.strip()]
    first = f"{dateline} {paragraphs[0]}" if dateline and paragraphs else (paragraphs[0] if paragraphs else "")
    return title, normalise("\n\n".join([title, first, *paragraphs[1:]]))


def _tag(story: str, name: str) -> str:
    match = re.search(rf"<{name}>(.*?)</{name}>", story, re.S)
    return html.unescape(match.group(1)) if match else ""


def cnn_story(raw: bytes, key: str | None = None) -> tuple[str, str]:
    """The story before its first @highlight; CNN stories carry no headline, so the title is the
    first highlight (not part of the text)."""
    story, _, highlights = raw.decode("utf-8", errors="replace").partition("@highlight")
    title = highlights.strip().split("\n")[0].strip()
    return title, normalise(story)


def fakehealth_json(raw: bytes, key: str | None = None) -> tuple[str, str]:
    record = json.loads(raw)
    title = " ".join(record.get("title", "").split())
    paragraphs = [" ".join(p.split()) for p in record.get("text", "").split("\n") if p.strip()]
    return title, normalise("\n\n".join([title, *paragraphs]))


READERS = {"bbc_txt": bbc_txt, "reuters_sgml": reuters_sgml, "cnn_story": cnn_story, "fakehealth_json": fakehealth_json}


def read_article(repository: Repository, ref: str) -> tuple[str, str]:
    """(title, text) of ``ref``: a path in the repository, with ``#KEY`` for a story inside a file."""
    path, _, key = ref.partition("#")
    return READERS[repository.source.reader](repository.read(path), key or None)
