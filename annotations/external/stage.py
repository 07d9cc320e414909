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
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))  # annotations/, for goldtools
from goldtools import BAD_EDGE, CLAIM_LABELS, check_no_overlap, locate  # noqa: E402
from sources import Repository, SourceError, load_sources, normalise, read_article  # noqa: E402

STAGED = HERE / "staged"
REALNEWS = HERE.parent / "realnews"
CLAIM_FIELDS = ("value", "unit", "approx", "low", "high", "from", "to")
COMMODITY_LABELS = {"Money": "MONEY", "Percentage": "PERCENT", "Quantity": "QUANTITY", "Price_unit": "MONEY",
                    "Production_unit": "QUANTITY"}


# -- the real-news set -----------------------------------------------------------------------------


def articles() -> list[dict]:
    return [json.loads(line) for line in (REALNEWS / "articles.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def article_text(article: dict, repositories: dict[str, Repository]) -> str:
    _, text = read_article(repositories[article["source"]], article["ref"])
    digest = hashlib.sha256(text.encode()).hexdigest()
    if digest != article["sha256"]:
        raise SourceError(f"{article['id']}: the text of {article['ref']} is not the one annotated "
                          f"(sha256 {digest[:12]}, recorded {article['sha256'][:12]})")
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
        claims.append({"start": start, "end": end, "label": record["label"], "text": span,
                       **{key: record.get(key) for key in CLAIM_FIELDS}})
    claims.sort(key=lambda c: (c["start"], c["end"]))
    try:
        check_no_overlap(claims, "claims")
    except AssertionError as err:
        raise SourceError(f"{path.name}: {err}") from None
    return claims


def stage_realnews(repositories: dict[str, Repository]) -> list[str]:
    (STAGED / "realnews" / "texts").mkdir(parents=True, exist_ok=True)
    halves: dict[str, list[dict]] = {"dev": [], "test": []}
    missing = []
    for article in articles():
        text = article_text(article, repositories)
        (STAGED / "realnews" / "texts" / f"{article['id']}.txt").write_text(text + "\n", encoding="utf-8")
        claims = gold_claims(article["id"], text)
        if claims is None:
            missing.append(article["id"])
            continue
        source = repositories[article["source"]].source
        halves[article["split"]].append({
            "id": article["id"], "text": text, "entities": [], "claims": claims, "layers": ["claims"],
            "meta": {"desk": article["desk"], "title": article["title"], "repo": source.repo, "commit": source.commit,
                     "path": article["ref"]},
        })
    report = []
    for split, documents in halves.items():
        write_jsonl(STAGED / f"realnews-{split}.jsonl", documents)
        report.append(f"realnews-{split}.jsonl: {len(documents)} articles, "
                      f"{sum(len(d['claims']) for d in documents)} claims")
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
            rows = csv.DictReader(io.StringIO(repository.read(path).decode("utf-8")), delimiter="\t",
                                  quoting=csv.QUOTE_NONE)
            claims = []
            for row in rows:
                if row["annotType"] != "Quantity":
                    continue
                start, end = int(row["startOffset"]), int(row["endOffset"])
                other = json.loads(row["other"] or "{}")
                claims.append({"start": start, "end": end, "label": "QUANTITY", "text": text[start:end],
                               "value": None, "unit": other.get("unit")})
            documents.append({"id": doc_id, "text": text, "entities": [], "claims": claims, "layers": ["claims"],
                              "labels": "any"})
        write_jsonl(STAGED / f"measeval-{split}.jsonl", documents)
        report.append(f"measeval-{split}.jsonl: {len(documents)} paragraphs, "
                      f"{sum(len(d['claims']) for d in documents)} quantities")
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
            claims.append({"start": start, "end": end, "label": label, "text": text[start:end], "value": None,
                           "unit": None, "type": mention["entity-type"]})
        claims.sort(key=lambda c: (c["start"], c["end"]))
        documents.append({"id": sentence["sentence_id"], "text": normalise(text) if text == text.strip() else text,
                          "entities": [], "claims": claims, "layers": ["claims"], "labels": "any"})
    write_jsonl(STAGED / "commodity-test.jsonl", documents)
    return [f"commodity-test.jsonl: {len(documents)} sentences, {sum(len(d['claims']) for d in documents)} numeric spans"]


def write_jsonl(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(temporary, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, action="append",
                        help="folder holding the source repositories (repeatable; default $NEWSCORPUS_MIRRORS)")
    parser.add_argument("--only", default="realnews,measeval,commodity", help="comma-separated parts to stage")
    parser.add_argument("--check", metavar="ID", help="check one real-news annotation file and print its claims")
    args = parser.parse_args()
    roots = args.mirrors or ([Path(os.environ["NEWSCORPUS_MIRRORS"])] if os.environ.get("NEWSCORPUS_MIRRORS") else [])
    if not roots:
        parser.error("say where the source repositories are: --mirrors DIR or $NEWSCORPUS_MIRRORS")
    sources = load_sources()
    try:
        if args.check:
            article = next((a for a in articles() if a["id"] == args.check), None)
            if article is None:
                raise SourceError(f"no article {args.check} in annotations/realnews/articles.jsonl")
            repository = Repository.find(sources[article["source"]], roots)
            text = article_text(article, {article["source"]: repository})
            claims = gold_claims(article["id"], text) or []
            for claim in claims:
                fields = " ".join(f"{k}={claim[k]}" for k in CLAIM_FIELDS if claim[k] is not None)
                print(f"{claim['start']:>5} {claim['label']:<8} {claim['text']!r} {fields}")
            print(f"{args.check}: {len(claims)} claims, all located", file=sys.stderr)
            return 0
        parts = args.only.split(",")
        report = []
        if "realnews" in parts:
            names = {a["source"] for a in articles()}
            report += stage_realnews({name: Repository.find(sources[name], roots) for name in names})
        if "measeval" in parts:
            report += stage_measeval(Repository.find(sources["measeval"], roots))
        if "commodity" in parts:
            report += stage_commodity(Repository.find(sources["commodity"], roots))
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    for line in report:
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
