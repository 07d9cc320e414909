"""The public data sets newscorpus is developed and measured on: where they are and how to read them.

Each source in ``sources.toml`` is a GitHub repository at a fixed commit. A local copy of it (a
clone, or the bare git directory that a snapshot tool brings) is found under one of the folders
given to ``stage.py``, and files are read with ``git show COMMIT:PATH``, so the working tree and
later commits never matter. One reader per format turns a file into the text newscorpus annotates.

Standard library only; run from the repository root (``python annotations/external/stage.py``).
"""

from __future__ import annotations

import html
import io
import json
import re
import subprocess
import tarfile
import tomllib
import unicodedata
import xml.etree.ElementTree as ElementTree
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
    paths: tuple[str, ...] = ()
    """The files or folders read (sources whose files are chosen elsewhere, as the real-news
    articles are in annotations/realnews/articles.jsonl, leave it empty)."""


def load_sources() -> dict[str, Source]:
    table = tomllib.loads(SOURCES_FILE.read_text(encoding="utf-8"))["sources"]
    return {
        name: Source(name=name, **{**fields, "paths": tuple(fields.get("paths", ()))}) for name, fields in table.items()
    }


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
            for candidate in (
                root / f"{owner}+{name}" / "repo",
                root / f"{owner}+{name}",
                root / name,
                root / f"{name}.git",
                root / owner / name,
            ):
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
            self._batch = subprocess.Popen(
                ["git", "-C", str(self.git_dir), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
            )
        self._batch.stdin.write(f"{self.source.commit}:{path}\n".encode())
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().decode().split()
        if len(header) < 3 or header[1] != "blob":
            raise SourceError(
                f"{self.source.name}: cannot read {path} at {self.source.commit[:12]} "
                f"({' '.join(header[1:]) or 'no answer'})"
            )
        content = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)  # the newline after each object
        self._last = (path, content)
        return content

    def list(self, folder: str) -> list[str]:
        result = subprocess.run(
            ["git", "-C", str(self.git_dir), "ls-tree", "-r", "--name-only", self.source.commit, "--", folder],
            capture_output=True,
            text=True,
        )
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


# -- CoNLL-2003: a token a line with its tags, a blank line after each sentence ----------------------

DOCSTART = "-DOCSTART-"
_TAG_PREFIXES = ("B", "I", "E", "S")


@dataclass
class TaggedDocument:
    """One document of a token-per-line file, as text: its tokens joined by single spaces, its
    sentences by line breaks; each entity a character span of that text."""

    text: str
    entities: list[dict]
    sentences: int
    tokens: int


def iob_spans(tags: list[str]) -> list[tuple[int, int, str]]:
    """(first token, token after the last, type) of each entity of a sentence's tags.

    Reads IOB1 (CoNLL-2003's own: ``I-`` opens an entity unless it continues one of the same type,
    ``B-`` only separates two touching entities of one type), IOB2 (``B-`` opens every entity) and
    IOBES (``E-`` closes one, ``S-`` is a one-token entity)."""
    spans: list[tuple[int, int, str]] = []
    start: int | None = None
    kind = ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, label = tag.partition("-")
        if tag != "O" and (prefix not in _TAG_PREFIXES or not label):
            raise ValueError(f"tag {tag!r} is not O, nor B-, I-, E- or S- and a type")
        if start is not None and not (prefix in ("I", "E") and label == kind):
            spans.append((start, index, kind))
            start = None
        if start is None and tag != "O":
            start, kind = index, label
        if prefix in ("E", "S") and start is not None:
            spans.append((start, index + 1, kind))
            start = None
    return spans


def conll_iob(raw: bytes) -> list[TaggedDocument]:
    """The documents of a CoNLL-2003 file: lines ``TOKEN POS CHUNK TAG`` (the tag is the last
    field), a blank line between sentences, a ``-DOCSTART-`` line between documents. Text before
    the first ``-DOCSTART-`` is a document too, and one at the end of the file opens none."""
    documents: list[TaggedDocument] = []
    sentences: list[list[tuple[str, str]]] = []
    sentence: list[tuple[str, str]] = []
    for number, line in enumerate(raw.decode("utf-8").splitlines(), start=1):
        fields = line.split()
        if not fields or fields[0] == DOCSTART:
            if sentence:
                sentences.append(sentence)
                sentence = []
            if fields and sentences:
                documents.append(_tagged_document(sentences, number))
                sentences = []
            continue
        if len(fields) < 2:
            raise SourceError(f"line {number}: expected a token and its tags, got {line!r}")
        sentence.append((fields[0], fields[-1]))
    if sentence:
        sentences.append(sentence)
    if sentences:
        documents.append(_tagged_document(sentences, number + 1))
    return documents


def _tagged_document(sentences: list[list[tuple[str, str]]], line: int) -> TaggedDocument:
    text, entities, tokens = "", [], 0
    for sentence in sentences:
        if text:
            text += "\n"
        offsets = []
        for token, _ in sentence:
            if offsets:
                text += " "
            offsets.append((len(text), len(text) + len(token)))
            text += token
        try:
            spans = iob_spans([tag for _, tag in sentence])
        except ValueError as err:
            raise SourceError(f"the sentence ending before line {line}: {err}") from None
        for first, after, label in spans:
            start, end = offsets[first][0], offsets[after - 1][1]
            entities.append({"start": start, "end": end, "label": label, "text": text[start:end]})
        tokens += len(sentence)
    return TaggedDocument(text=text, entities=entities, sentences=len(sentences), tokens=tokens)


# -- MUC-3: the reports as XHTML (dstl/muc3) and the key templates (the MUC-3/MUC-4 distribution) ----

_XHTML = "{http://www.w3.org/1999/xhtml}"


@dataclass
class MucReport:
    id: str
    text: str
    date: str | None
    coverage: str | None


def muc3_report(raw: bytes) -> MucReport:
    """A report of the XHTML edition: one ``<p>`` a paragraph, the first being the id line
    ("DEV-MUC3-0001 (NOSC)"), left out. The text is the other paragraphs as written (in capitals,
    the dateline first), a blank line between them."""
    root = ElementTree.fromstring(raw)
    paragraphs = [" ".join("".join(p.itertext()).split()) for p in root.iter(f"{_XHTML}p")]
    meta = {m.get("name"): m.get("content") for m in root.iter(f"{_XHTML}meta") if m.get("name")}
    report_id = meta.get("DC.identifier") or root.get("id") or ""
    if not report_id or not paragraphs or paragraphs[0].split()[0] != report_id:
        raise SourceError(f"muc3: {report_id or 'a report'} does not start with its id line")
    return MucReport(
        id=report_id,
        text=normalise("\n\n".join(p for p in paragraphs[1:] if p)),
        date=meta.get("DC.date"),
        coverage=meta.get("DC.coverage"),
    )


def muc3_xhtml(raw: bytes, key: str | None = None) -> tuple[str, str]:
    report = muc3_report(raw)
    return report.id, report.text


@dataclass(frozen=True)
class KeyOrganisation:
    """A perpetrator organisation of a key template: the strings of the text that name it (any one
    counts), and whether the key marks it ``?`` (possibly the perpetrator)."""

    names: tuple[str, ...]
    uncertain: bool = False


_KEY_SLOT = re.compile(r"(\d+)\.\s+[A-Z][A-Z :]*?[A-Z](?:\s{2,}(.*))?$")
_KEY_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
ORGANISATION_SLOT = "10"  # PERP: ORGANIZATION ID


def muc_key_organisations(text: str) -> dict[str, list[KeyOrganisation]]:
    """Per message id, the organisations that slot 10 (PERP: ORGANIZATION ID) of its key templates
    names, over all the message's templates, each organisation once. A line of the slot is one
    organisation, its strings separated by ``/``; ``-`` is none, ``*`` a template that does not
    apply; lines starting ``;;;`` are comments. A message with no relevant template maps to []."""
    found: dict[str, list[KeyOrganisation]] = {}
    message, slot = None, None
    for line in text.splitlines():
        if line.startswith(";"):
            continue
        match = _KEY_SLOT.match(line.strip()) if line[:1].isdigit() else None
        if match:
            slot, value = match.group(1), (match.group(2) or "").strip()
            if slot == "0":
                message = value.split()[0] if value else None
                if message is not None:
                    found.setdefault(message, [])
        elif line.strip() and line[:1].isspace() and slot is not None:
            value = line.strip()  # the slot's next filler
        else:
            slot = None
            continue
        if slot != ORGANISATION_SLOT or message is None or value in ("", "-", "*"):
            continue
        organisation = _key_filler(value)
        if organisation.names:
            merge_organisation(found[message], organisation)
    return found


def merge_organisation(known: list[KeyOrganisation], new: KeyOrganisation) -> None:
    """Add ``new`` to ``known``, or merge it into the one that shares a name with it (the names of
    both; uncertain only if both are): templates of one message name the same group."""
    for index, organisation in enumerate(known):
        if set(organisation.names) & set(new.names):
            known[index] = KeyOrganisation(
                names=tuple(dict.fromkeys(organisation.names + new.names)),
                uncertain=organisation.uncertain and new.uncertain,
            )
            return
    known.append(new)


def _key_filler(value: str) -> KeyOrganisation:
    uncertain = value.startswith("?")
    strings = [s.replace('\\"', '"') for s in _KEY_STRING.findall(value)]
    if not strings:  # an unquoted filler: the strings as written
        strings = [s.strip() for s in value.lstrip("?").split("/") if s.strip()]
    return KeyOrganisation(names=tuple(dict.fromkeys(strings)), uncertain=uncertain)


def muc_keys_tgz(raw: bytes) -> dict[str, list[KeyOrganisation]]:
    """The perpetrator organisations of every key file (``key-*``) in a MUC distribution tarball."""
    found: dict[str, list[KeyOrganisation]] = {}
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:gz") as archive:
        for member in sorted(archive.getmembers(), key=lambda m: m.name):
            name = member.name.rsplit("/", 1)[-1]
            if member.isfile() and name.startswith("key-"):
                text = archive.extractfile(member).read().decode("latin-1")
                for message, organisations in muc_key_organisations(text).items():
                    known = found.setdefault(message, [])
                    for organisation in organisations:
                        merge_organisation(known, organisation)
    return found


READERS = {
    "bbc_txt": bbc_txt,
    "reuters_sgml": reuters_sgml,
    "cnn_story": cnn_story,
    "fakehealth_json": fakehealth_json,
    "muc3_xhtml": muc3_xhtml,
}


def read_article(repository: Repository, ref: str) -> tuple[str, str]:
    """(title, text) of ``ref``: a path in the repository, with ``#KEY`` for a story inside a file."""
    path, _, key = ref.partition("#")
    return READERS[repository.source.reader](repository.read(path), key or None)
