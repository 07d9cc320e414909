#!/usr/bin/env python3
"""Stage the public data newscorpus is developed and measured on, from local copies of the source
repositories (sources.toml), into annotations/external/staged/ (ignored by git).

    python annotations/external/stage.py --mirrors DIR [--mirrors DIR2] [--only realnews,measeval,commodity]
    python annotations/external/stage.py --mirrors DIR --check ID   # one real-news annotation file

DIR holds the repositories, each as ``OWNER+NAME/repo``, ``OWNER+NAME``, ``NAME`` or ``OWNER/NAME``
(a clone or a bare git directory); ``$NEWSCORPUS_MIRRORS`` is the default. Each file is read at the
commit recorded in sources.toml.

What it writes, all gold JSONL that ``newscorpus evaluate --gold`` reads (claims only: each line has
``"layers": ["claims"]``):

* ``realnews-dev.jsonl``, ``realnews-test.jsonl``: the hand-annotated real-news set
  (annotations/realnews/: the chosen articles and their claims, committed) joined to the article
  texts, which are checked against their recorded SHA-256; ``realnews/texts/ID.txt`` for reading.
* ``measeval-train.jsonl``, ``measeval-eval.jsonl``: MeasEval paragraphs with their Quantity spans.
* ``commodity-test.jsonl``: the Commodity News test sentences (detokenised) with their numeric spans
  (Money, Percentage, Quantity, Price_unit, Production_unit).

And for entities (not ``newscorpus evaluate`` gold: their labels are not the schema's; scored by
``bench/conll.py``):

* ``conll2003-train.jsonl``, ``conll2003-testa.jsonl`` (to develop on) and
  ``conll2003-testb-final-test.jsonl`` (scored once, at the end): CoNLL-2003 English documents,
  text rebuilt from the tokens, PER/ORG/LOC/MISC spans as character offsets.
* ``conllpp-2020-final-test.jsonl``: CoNLL++, Reuters stories of 2020 tagged by CoNLL-2003's
  guidelines, the same way: a final test made after testb was spent, scored once, at the end.
* ``muc3-sample.jsonl`` and ``muc3/ID.txt``: a seeded sample of MUC-3 reports (in capitals) with the
  perpetrator organisations their key templates name, and where those names stand in the text.
* ``bbc-pages/html/*.html`` and ``bbc-pages/bbc-sample.jsonl``: a seeded sample of the BBC stories as
  web pages and as JSONL, made here from the text files, for ``newscorpus ingest``.

``--check ID`` also takes a CoNLL document (``conll2003-testa-0001``; not testb), a MUC-3 report
(``DEV-MUC3-0001``) or a BBC page (``bbc-tech-001``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import json
import os
import random
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # annotations/, for goldtools
from goldtools import BAD_EDGE, CLAIM_LABELS, check_no_overlap, locate  # noqa: E402
from sources import (  # noqa: E402
    KeyOrganisation,
    Repository,
    SourceError,
    bbc_txt,
    conll_iob,
    load_sources,  # noqa: E402
    muc3_report,
    muc_keys_tgz,
    normalise,
    read_article,
)

STAGED = HERE / "staged"
REALNEWS = HERE.parent / "realnews"
CLAIM_FIELDS = ("value", "unit", "approx", "low", "high", "from", "to")
COMMODITY_LABELS = {
    "Money": "MONEY",
    "Percentage": "PERCENT",
    "Quantity": "QUANTITY",
    "Price_unit": "MONEY",
    "Production_unit": "QUANTITY",
}


# -- the real-news set -----------------------------------------------------------------------------


def articles() -> list[dict]:
    return [
        json.loads(line)
        for line in (REALNEWS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def article_text(article: dict, repositories: dict[str, Repository]) -> str:
    _, text = read_article(repositories[article["source"]], article["ref"])
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != article["sha256"]:
        raise SourceError(
            f"{article['id']}: the text of {article['ref']} is not the one annotated "
            f"(sha256 {digest[:12]}, recorded {article['sha256'][:12]})"
        )
    return text


def gold_claims(article_id: str, text: str) -> list[dict] | None:
    """The article's claims with offsets, from annotations/realnews/claims/ID.jsonl (None if not
    annotated yet). Each line: label, text, left (and optional right) context, value, unit, ..."""
    path = REALNEWS / "claims" / f"{article_id}.jsonl"
    if not path.exists():
        return None
    claims = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise SourceError(f"{where}: invalid JSON ({err.msg} at column {err.colno})") from None
        if record.get("label") not in CLAIM_LABELS:
            raise SourceError(f"{where}: label {record.get('label')!r} is not one of {sorted(CLAIM_LABELS)}")
        span = record.get("text") or ""
        if not span or span[0] in BAD_EDGE and span[0] not in "-+−" or span[-1] in BAD_EDGE and span[-1] != "%":
            raise SourceError(f"{where}: span {span!r} is empty or starts or ends with a space or punctuation")
        anchor = (record.get("left", ""), record["right"]) if record.get("right") else record.get("left", "")
        try:
            start, end = locate(text, span, anchor)
        except AssertionError as err:
            raise SourceError(f"{where}: {err}") from None
        value = record.get("value")
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise SourceError(f"{where}: value must be a number")
        if not isinstance(record.get("unit"), str) or not record["unit"].strip():
            raise SourceError(f"{where}: unit must be a non-empty string")
        claims.append(
            {
                "start": start,
                "end": end,
                "label": record["label"],
                "text": span,
                **{key: record.get(key) for key in CLAIM_FIELDS},
            }
        )
    claims.sort(key=lambda c: (c["start"], c["end"]))
    try:
        check_no_overlap(claims, "claims")
    except AssertionError as err:
        raise SourceError(f"{path.name}: {err}") from None
    return claims


def stage_realnews(repositories: dict[str, Repository]) -> list[str]:
    (STAGED / "realnews" / "texts").mkdir(parents=True, exist_ok=True)
    halves: dict[str, list[dict]] = {split: [] for split in dict.fromkeys(a["split"] for a in articles())}
    missing = []
    for article in articles():
        text = article_text(article, repositories)
        (STAGED / "realnews" / "texts" / f"{article['id']}.txt").write_text(text + "\n", encoding="utf-8")
        claims = gold_claims(article["id"], text)
        if claims is None:
            missing.append(article["id"])
            continue
        source = repositories[article["source"]].source
        halves[article["split"]].append(
            {
                "id": article["id"],
                "text": text,
                "entities": [],
                "claims": claims,
                "layers": ["claims"],
                "meta": {
                    "desk": article["desk"],
                    "title": article["title"],
                    "repo": source.repo,
                    "commit": source.commit,
                    "path": article["ref"],
                },
            }
        )
    report = []
    for split, documents in halves.items():
        write_jsonl(STAGED / f"realnews-{split}.jsonl", documents)
        report.append(
            f"realnews-{split}.jsonl: {len(documents)} articles, {sum(len(d['claims']) for d in documents)} claims"
        )
    if missing:
        report.append(f"realnews: {len(missing)} articles not annotated yet ({', '.join(missing)})")
    return report


# -- MeasEval --------------------------------------------------------------------------------------


def stage_measeval(repository: Repository) -> list[str]:
    report = []
    for split in ("train", "eval"):
        documents = []
        for path in sorted(p for p in repository.list(f"data/{split}/tsv") if p.endswith(".tsv")):
            doc_id = Path(path).stem
            text = repository.read(f"data/{split}/text/{doc_id}.txt").decode("utf-8")
            rows = csv.DictReader(
                io.StringIO(repository.read(path).decode("utf-8")), delimiter="\t", quoting=csv.QUOTE_NONE
            )
            claims = []
            for row in rows:
                if row["annotType"] != "Quantity":
                    continue
                start, end = int(row["startOffset"]), int(row["endOffset"])
                other = json.loads(row["other"] or "{}")
                claims.append(
                    {
                        "start": start,
                        "end": end,
                        "label": "QUANTITY",
                        "text": text[start:end],
                        "value": None,
                        "unit": other.get("unit"),
                    }
                )
            documents.append(
                {"id": doc_id, "text": text, "entities": [], "claims": claims, "layers": ["claims"], "labels": "any"}
            )
        write_jsonl(STAGED / f"measeval-{split}.jsonl", documents)
        report.append(
            f"measeval-{split}.jsonl: {len(documents)} paragraphs, "
            f"{sum(len(d['claims']) for d in documents)} quantities"
        )
    return report


# -- Commodity News --------------------------------------------------------------------------------

_BRACKETS = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "``": '"', "''": '"'}
_NO_SPACE_BEFORE = {".", ",", "%", ")", "]", ":", ";", "?", "!", "'s", "'", "n't", "'re", "'ve", "'ll", "'d", "'m"}
_NO_SPACE_AFTER = {"$", "(", "[", "US$", "C$", "A$", "#"}


def detokenise(words: list[str]) -> tuple[str, list[tuple[int, int]]]:
    """The sentence as it was written, and each token's character offsets in it."""
    text, offsets = "", []
    previous = None
    open_quote = False
    for word in words:
        word = _BRACKETS.get(word, word)
        space = bool(text)
        if previous is not None:
            if word in _NO_SPACE_BEFORE or previous in _NO_SPACE_AFTER:
                space = False
            if word.startswith(".") and word[1:].isdigit() and previous[-1:].isdigit():
                space = False  # "USD91 .52" was "USD91.52"
            if word == '"':
                space = not open_quote
            if previous == '"' and open_quote:
                space = False
        if word == '"':
            open_quote = not open_quote
        if space:
            text += " "
        offsets.append((len(text), len(text) + len(word)))
        text += word
        previous = word
    return text, offsets


def stage_commodity(repository: Repository) -> list[str]:
    sentences = json.loads(repository.read("dataset/event_extraction_test.json"))
    documents = []
    for sentence in sentences:
        text, offsets = detokenise(sentence["words"])
        claims = []
        for mention in sentence["golden-entity-mentions"]:
            label = COMMODITY_LABELS.get(mention["entity-type"])
            if label is None:
                continue
            start, end = offsets[mention["start"]][0], offsets[mention["end"] - 1][1]
            claims.append(
                {
                    "start": start,
                    "end": end,
                    "label": label,
                    "text": text[start:end],
                    "value": None,
                    "unit": None,
                    "type": mention["entity-type"],
                }
            )
        claims.sort(key=lambda c: (c["start"], c["end"]))
        documents.append(
            {
                "id": sentence["sentence_id"],
                "text": normalise(text) if text == text.strip() else text,
                "entities": [],
                "claims": claims,
                "layers": ["claims"],
                "labels": "any",
            }
        )
    write_jsonl(STAGED / "commodity-test.jsonl", documents)
    return [
        f"commodity-test.jsonl: {len(documents)} sentences, {sum(len(d['claims']) for d in documents)} numeric spans"
    ]


# -- CoNLL-2003 -------------------------------------------------------------------------------------

CONLL_FILES = {
    "train": "conll2003-train.jsonl",
    "testa": "conll2003-testa.jsonl",
    "testb": "conll2003-testb-final-test.jsonl",
    "conllpp": "conllpp-2020-final-test.jsonl",
}
"""Staged file per split: train and testa to develop on; testb and conllpp are final tests, each
scored once (testb was, at the end of stop 16; CoNLL++'s 2020 stories are the test of the work after)."""
FINAL_TEST_SPLITS = ("testb", "conllpp")
CONLLPP_SPLIT = "conllpp"


def conll_split_path(repository: Repository, split: str) -> str:
    if split == CONLLPP_SPLIT:
        return repository.source.paths[0]
    path = next((p for p in repository.source.paths if p.endswith(f".{split}")), None)
    if path is None:
        raise SourceError(f"{repository.source.name}: no file for split {split} in sources.toml paths")
    return path


def conll_records(repository: Repository, split: str) -> list[dict]:
    path = conll_split_path(repository, split)
    source = repository.source
    prefix = "conllpp-2020" if split == CONLLPP_SPLIT else f"conll2003-{split}"
    records = []
    for number, document in enumerate(conll_iob(repository.read(path)), start=1):
        records.append(
            {
                "id": f"{prefix}-{number:04d}",
                "text": document.text,
                "entities": document.entities,
                "claims": [],
                "layers": ["entities"],
                "meta": {
                    "split": split,
                    "title": document.text.partition("\n")[0],
                    "sentences": document.sentences,
                    "tokens": document.tokens,
                    "labels": "conll2003",
                    "repo": source.repo,
                    "commit": source.commit,
                    "path": path,
                },
            }
        )
    return records


def stage_conll(repository: Repository, splits: tuple[str, ...] = ("train", "testa", "testb")) -> list[str]:
    report = []
    for split in splits:
        name = CONLL_FILES[split]
        records = conll_records(repository, split)
        write_jsonl(STAGED / name, records)
        report.append(
            f"{name}: {len(records)} documents, {sum(len(r['entities']) for r in records)} entities"
            + (" (a final test: score it once, at the end)" if split in FINAL_TEST_SPLITS else "")
        )
    return report


# -- MUC-3 -----------------------------------------------------------------------------------------

MUC3_SAMPLE = 40
MUC3_SEED = 3
MUC3_KEYS = "data/muc/raw_files/muc34.tar.gz"
MUC3_ID = re.compile(r"(DEV|TST\d)-MUC\d-\d{4}")


def muc3_paths(repository: Repository) -> dict[str, str]:
    """Report id -> path, over the folders that sources.toml lists."""
    return {
        Path(path).stem: path
        for folder in repository.source.paths
        for path in repository.list(folder)
        if path.endswith(".xhtml")
    }


def muc3_sample(paths: dict[str, str], keys: dict[str, list[KeyOrganisation]]) -> list[str]:
    """Half the sample from reports whose keys name a perpetrator organisation, half from the
    others (a plain random draw would give about one in three with one), each half a seeded draw."""
    named = sorted(i for i in paths if keys.get(i))
    unnamed = sorted(i for i in paths if i in keys and not keys[i])
    draw = random.Random(MUC3_SEED)
    half = MUC3_SAMPLE // 2
    return sorted(draw.sample(named, half) + draw.sample(unnamed, MUC3_SAMPLE - half))


def mentions(text: str, name: str) -> list[dict]:
    """Where ``name`` stands in ``text`` as whole words (case as written: the keys are in capitals, as
    the reports are)."""
    return [
        {"start": m.start(), "end": m.end(), "text": m.group(0)}
        for m in re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text)
    ]


def muc3_record(
    texts: Repository, keys: Repository, report_id: str, path: str, organisations: list[KeyOrganisation]
) -> dict:
    report = muc3_report(texts.read(path))
    if report.id != report_id:
        raise SourceError(f"muc3: {path} holds report {report.id}, not {report_id}")
    key_organisations = [
        {
            "names": list(o.names),
            "uncertain": o.uncertain,
            "mentions": sorted(
                (m for name in o.names for m in mentions(report.text, name)), key=lambda m: (m["start"], -m["end"])
            ),
        }
        for o in organisations
    ]
    return {
        "id": report.id,
        "text": report.text,
        "meta": {
            "date": report.date,
            "coverage": report.coverage,
            "repo": texts.source.repo,
            "commit": texts.source.commit,
            "path": path,
            "keys_repo": keys.source.repo,
            "keys_commit": keys.source.commit,
        },
        "key_organisations": key_organisations,
    }


def stage_muc3(texts: Repository, keys: Repository) -> list[str]:
    organisations = muc_keys_tgz(keys.read(MUC3_KEYS))
    paths = muc3_paths(texts)
    without_key = sorted(set(paths) - set(organisations))
    records = [muc3_record(texts, keys, i, paths[i], organisations[i]) for i in muc3_sample(paths, organisations)]
    write_jsonl(STAGED / "muc3-sample.jsonl", records)
    write_folder(STAGED / "muc3", {f"{r['id']}.txt": r["text"] + "\n" for r in records})
    named = [o for r in records for o in r["key_organisations"]]
    report = [
        f"muc3-sample.jsonl, muc3/*.txt: {len(records)} reports of {len(paths)}, "
        f"{sum(bool(r['key_organisations']) for r in records)} with perpetrator organisations in their keys "
        f"({len(named)} organisations, {sum(bool(o['mentions']) for o in named)} found in the text)"
    ]
    if without_key:
        report.append(f"muc3: {len(without_key)} reports have no key template ({', '.join(without_key[:5])}...)")
    return report


# -- BBC pages (made here: no public repository holds the BBC stories as web pages) -------------------

BBC_PAGES_PER_SECTION = 4
BBC_SEED = 5
BBC_PAGE_ID = re.compile(r"bbc-([a-z]+)-(\d{3})")
_PAGE = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{title} - BBC News</title>
<meta name="generator" content="newscorpus annotations/external/stage.py, from {path} of the bbc corpus">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="BBC News">
<meta property="og:type" content="article">
<meta property="article:section" content="{section}">
<link rel="canonical" href="https://newscorpus.invalid/bbc/{page_id}">
</head>
<body>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/news/{section}">{section_title}</a></li></ul></nav></header>
<main>
<article>
<h1>{title}</h1>
{paragraphs}
</article>
<aside><h2>Related Articles</h2><ul><li><a href="/news/{section}">More from {section_title}</a></li></ul></aside>
</main>
<footer><p>Share this article</p><p>Copyright BBC. The BBC is not responsible for the content of external sites.</p></footer>
</body>
</html>
"""


def bbc_page_refs(repository: Repository, exclude: set[str]) -> list[str]:
    """The first stories of a seeded shuffle of each section that are not in the real-news set (so
    adding articles to that set changes only the pages that it takes)."""
    sections: dict[str, list[str]] = {}
    for path in sorted(repository.list("bbc")):
        parts = path.split("/")
        if len(parts) == 3 and path.endswith(".txt"):
            sections.setdefault(parts[1], []).append(path)
    chosen = []
    for section, refs in sorted(sections.items()):
        random.Random(f"{BBC_SEED}-{section}").shuffle(refs)
        chosen += sorted([ref for ref in refs if ref not in exclude][:BBC_PAGES_PER_SECTION])
    return chosen


def bbc_page(ref: str, raw: bytes) -> tuple[str, str, dict]:
    """(page id, the story as a web page, the story as a JSONL record) of one text file."""
    title, text = bbc_txt(raw)
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")[1:] if p.strip()]
    _, section, name = ref.split("/")
    page_id = f"bbc-{section}-{Path(name).stem}"
    page = _PAGE.format(
        title=html.escape(title),
        path=html.escape(ref),
        section=section,
        section_title=section.capitalize(),
        page_id=page_id,
        paragraphs="\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs),
    )
    record = {"id": page_id, "title": title, "section": section, "source": "BBC News", "text": "\n\n".join(paragraphs)}
    return page_id, page, record


def stage_bbc_pages(repository: Repository) -> list[str]:
    exclude = {a["ref"] for a in articles() if a["source"] == repository.source.name}
    pages, records = {}, []
    for ref in bbc_page_refs(repository, exclude):
        page_id, page, record = bbc_page(ref, repository.read(ref))
        pages[f"{page_id}.html"] = page
        records.append({**record, "repo": repository.source.repo, "commit": repository.source.commit, "path": ref})
    write_folder(STAGED / "bbc-pages" / "html", pages)
    write_jsonl(STAGED / "bbc-pages" / "bbc-sample.jsonl", records)
    return [
        f"bbc-pages/html/*.html, bbc-pages/bbc-sample.jsonl: {len(records)} BBC stories "
        f"({BBC_PAGES_PER_SECTION} a section) as web pages and as JSONL"
    ]


# -- --check ----------------------------------------------------------------------------------------


def check(item: str, sources: dict, roots: list[Path]) -> int:
    """Print one item's gold, checked: a real-news article's claims, a CoNLL document's entities, a
    MUC-3 report's key organisations and where they stand, a BBC page's paragraphs."""
    if re.fullmatch(r"conllpp-2020-\d{4}", item):
        raise SourceError(f"{item}: CoNLL++ is a final test; its documents are not looked at one by one")
    conll = re.fullmatch(r"conll2003-(train|testa|testb)-(\d{4})", item)
    if conll:
        split, number = conll.group(1), int(conll.group(2))
        if split in FINAL_TEST_SPLITS:
            raise SourceError(f"{item}: {split} is a final test; its documents are not looked at one by one")
        records = conll_records(Repository.find(sources["conll2003"], roots), split)
        if not 1 <= number <= len(records):
            raise SourceError(f"{item}: {split} has documents 0001 to {len(records):04d}")
        record = records[number - 1]
        for entity in record["entities"]:
            if record["text"][entity["start"] : entity["end"]] != entity["text"]:
                raise SourceError(f"{item}: {entity['text']!r} is not at {entity['start']}:{entity['end']}")
            print(f"{entity['start']:>5} {entity['label']:<5} {entity['text']!r}")
        print(
            f"{item}: {len(record['entities'])} entities, all at their offsets; "
            f"{record['meta']['sentences']} sentences",
            file=sys.stderr,
        )
        return 0
    if MUC3_ID.fullmatch(item):
        texts = Repository.find(sources["muc3"], roots)
        keys = Repository.find(sources["muc34keys"], roots)
        path = muc3_paths(texts).get(item)
        if path is None:
            raise SourceError(f"{item}: no such report in {texts.source.repo}")
        record = muc3_record(texts, keys, item, path, muc_keys_tgz(keys.read(MUC3_KEYS)).get(item, []))
        for organisation in record["key_organisations"]:
            where = ", ".join(str(m["start"]) for m in organisation["mentions"]) or "not in the text"
            print(f"{' / '.join(organisation['names'])}{' (?)' if organisation['uncertain'] else ''}: {where}")
        print(f"{item}: {len(record['key_organisations'])} perpetrator organisations in its keys", file=sys.stderr)
        return 0
    page = BBC_PAGE_ID.fullmatch(item)
    if page:
        repository = Repository.find(sources["bbc"], roots)
        ref = f"bbc/{page.group(1)}/{page.group(2)}.txt"
        _, html_page, record = bbc_page(ref, repository.read(ref))
        print(html_page)
        print(f"{item}: {len(record['text'].split(chr(10) * 2))} paragraphs", file=sys.stderr)
        return 0
    article = next((a for a in articles() if a["id"] == item), None)
    if article is None:
        raise SourceError(
            f"no article {item} in annotations/realnews/articles.jsonl, and not a CoNLL, MUC-3 or BBC page id"
        )
    repository = Repository.find(sources[article["source"]], roots)
    text = article_text(article, {article["source"]: repository})
    claims = gold_claims(article["id"], text) or []
    for claim in claims:
        fields = " ".join(f"{k}={claim[k]}" for k in CLAIM_FIELDS if claim[k] is not None)
        print(f"{claim['start']:>5} {claim['label']:<8} {claim['text']!r} {fields}")
    print(f"{item}: {len(claims)} claims, all located", file=sys.stderr)
    return 0


def write_folder(path: Path, files: dict[str, str]) -> None:
    """A folder of text files, built beside its place and moved there whole."""
    building = path.with_name(path.name + ".incomplete")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for name, text in files.items():
        (building / name).write_text(text, encoding="utf-8")
    shutil.rmtree(path, ignore_errors=True)
    os.replace(building, path)


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(temporary, path)


PARTS = ("realnews", "measeval", "commodity", "conll2003", "conllpp", "muc3", "bbcpages")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirrors",
        type=Path,
        action="append",
        help="folder holding the source repositories (repeatable; default $NEWSCORPUS_MIRRORS)",
    )
    parser.add_argument("--only", default=",".join(PARTS), help=f"comma-separated parts to stage ({', '.join(PARTS)})")
    parser.add_argument(
        "--check",
        metavar="ID",
        help="check one item and print its gold: a real-news article's "
        "claims, a CoNLL document's entities, a MUC-3 report's key organisations, a BBC page",
    )
    args = parser.parse_args()
    roots = args.mirrors or ([Path(os.environ["NEWSCORPUS_MIRRORS"])] if os.environ.get("NEWSCORPUS_MIRRORS") else [])
    if not roots:
        parser.error("say where the source repositories are: --mirrors DIR or $NEWSCORPUS_MIRRORS")
    parts = args.only.split(",")
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error(f"unknown part {', '.join(unknown)}; the parts are {', '.join(PARTS)}")
    sources = load_sources()
    try:
        if args.check:
            return check(args.check, sources, roots)
        report = []
        if "realnews" in parts:
            names = {a["source"] for a in articles()}
            report += stage_realnews({name: Repository.find(sources[name], roots) for name in names})
        if "measeval" in parts:
            report += stage_measeval(Repository.find(sources["measeval"], roots))
        if "commodity" in parts:
            report += stage_commodity(Repository.find(sources["commodity"], roots))
        if "conll2003" in parts:
            report += stage_conll(Repository.find(sources["conll2003"], roots))
        if "conllpp" in parts:
            report += stage_conll(Repository.find(sources["conllpp"], roots), (CONLLPP_SPLIT,))
        if "muc3" in parts:
            report += stage_muc3(Repository.find(sources["muc3"], roots), Repository.find(sources["muc34keys"], roots))
        if "bbcpages" in parts:
            report += stage_bbc_pages(Repository.find(sources["bbc"], roots))
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in report:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
