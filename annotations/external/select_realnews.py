#!/usr/bin/env python3
"""Choose the articles of the real-news claims set (annotations/realnews/), once.

Per desk, the candidates of a source that pass simple filters (length, how many numbers, topic
words) are shuffled with a fixed seed and the first N are taken; within a desk, the articles
alternate between the development and the test half. The choice is written to
annotations/realnews/articles.jsonl (committed), so it is never redone by accident: run with
--overwrite to choose again (every annotation would then be redone too).

    python annotations/external/select_realnews.py --mirrors DIR [--overwrite]
    python annotations/external/select_realnews.py --mirrors DIR --extend crime=4,markets=3

--extend adds the next articles of each desk's shuffled pool that are not chosen yet (same seed,
the split alternation continued), so a set can grow without a single earlier choice changing;
with --split dev every added article goes to the development half (the test half stays as it was
when first scored). --split test2 (test3, ...) draws a further test half, blind, from a reshuffle
of each desk's pool under a seed of its own (so not the articles next in line after the first draw,
which earlier development may have read) and puts every added article in it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sources import Repository, load_sources, read_article  # noqa: E402

ARTICLES_FILE = Path(__file__).resolve().parents[1] / "realnews" / "articles.jsonl"
SEED = 20261129
MIN_CHARS, MAX_CHARS = 1200, 4500
MIN_NUMBERS = 10  # figures that are not four-digit years
EXTRA_TEST_HALVES = tuple(f"test{n}" for n in range(2, 10))  # drawn blind after the first test half had been scored
# Articles of the pools read while developing (not annotated): never drawn into a half.
READ_FILE = ARTICLES_FILE.parent / "read-while-developing.txt"

CRIME = re.compile(
    r"\b(police|arrest\w*|court|sentenc\w*|murder\w*|drugs?|seiz\w*|charged|fraud|prison|shoot\w*|"
    r"convict\w*|jury|prosecutor\w*|cartel|smuggl\w*|robbery|stolen|killed)\b",
    re.I,
)
SCIENCE = re.compile(
    r"\b(scientists?|researchers?|study|species|NASA|climate|telescope|spacecraft|ice sheet|"
    r"temperature|fossil|planet|genes?|experiment|laboratory)\b",
    re.I,
)

# desk -> (source, folder or file, how many, filter name)
DESKS = {
    "business": ("bbc", "bbc/business", 8, None),
    "markets": ("reuters", "reuters21578", 8, "narrative"),
    "tech": ("bbc", "bbc/tech", 7, None),
    "politics": ("bbc", "bbc/politics", 6, None),
    "crime": ("cnn", "make_datafiles_for_pgn-master/stories_b4", 8, "crime"),
    "science": ("fakehealth", "dataset/content/HealthRelease", 4, "eurekalert"),
    "science-news": ("cnn", "make_datafiles_for_pgn-master/stories_b4", 4, "science"),
    "science-stories": ("fakehealth", "dataset/content/HealthStory", 0, None),
}


def numbers_in(text: str) -> int:
    return sum(1 for m in re.finditer(r"\d[\d,.]*", text) if not re.fullmatch(r"(1[89]|20)\d\d", m.group()))


def candidates(repository, folder: str, rule: str | None):
    if repository.source.reader == "reuters_sgml":
        refs = []
        for path in sorted(p for p in repository.list(folder) if p.endswith(".sgm")):
            raw = repository.read(path).decode("latin-1")
            refs += [f"{path}#{newid}" for newid in re.findall(r'NEWID="(\d+)"', raw)]
    else:
        refs = sorted(repository.list(folder))
    for ref in refs:
        try:
            title, text = read_article(repository, ref)
        except Exception:  # noqa: BLE001 - a candidate that cannot be read is just not chosen
            continue
        if not (MIN_CHARS <= len(text) <= MAX_CHARS) or numbers_in(text) < MIN_NUMBERS:
            continue
        if rule == "narrative" and (text.count(" vs ") > 1 or sum(c.isupper() for c in text) > 0.2 * len(text)):
            continue  # earnings tables and all-capital telexes are another job
        if rule == "crime" and (len(CRIME.findall(text)) < 6 or len(SCIENCE.findall(text)) > 2):
            continue
        if rule == "science" and (len(SCIENCE.findall(text)) < 6 or len(CRIME.findall(text)) > 2):
            continue
        if rule == "eurekalert":
            record = json.loads(repository.read(ref))
            if "eurekalert" not in (record.get("url") or ""):
                continue
        yield ref, title, text


def read_while_developing() -> set[str]:
    """The refs of READ_FILE: one per line, "# ..." comments."""
    if not READ_FILE.exists():
        return set()
    lines = (line.split("#")[0].strip() for line in READ_FILE.read_text(encoding="utf-8").splitlines())
    return {line for line in lines if line}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--mirrors",
        type=Path,
        action="append",
        required=True,
        help="folder holding local copies of the source repositories (repeatable)",
    )
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--extend", help="DESK=N,...: add N more articles to each of these desks")
    parser.add_argument(
        "--split",
        choices=("alternate", "dev", *EXTRA_TEST_HALVES),
        default="alternate",
        help="split of the added articles: alternate dev/test (default), or all dev "
        "(growing the development half after the test half has been scored), or all "
        "a further test half drawn under a seed of its own",
    )
    args = parser.parse_args()
    if ARTICLES_FILE.exists() and not (args.overwrite or args.extend):
        print(f"{ARTICLES_FILE} exists; --overwrite to choose again, --extend to add", file=sys.stderr)
        return 1
    sources = load_sources()
    chosen, taken = [], set()
    plan = {desk: (name, folder, count, rule) for desk, (name, folder, count, rule) in DESKS.items()}
    if args.extend:
        chosen = [json.loads(line) for line in ARTICLES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
        taken = {a["ref"] for a in chosen} | read_while_developing()
        more = dict(item.split("=") for item in args.extend.split(","))
        plan = {
            desk: (name, folder, int(more[desk]), rule)
            for desk, (name, folder, _, rule) in DESKS.items()
            if desk in more
        }
    for desk, (name, folder, wanted, rule) in plan.items():
        repository = Repository.find(sources[name], args.mirrors)
        pool = list(candidates(repository, folder, rule))
        random.Random(f"{SEED}:{desk}" + (f":{args.split}" if args.split in EXTRA_TEST_HALVES else "")).shuffle(pool)
        added = 0
        for number, (ref, title, text) in enumerate(pool):
            if added == wanted:
                break
            if ref in taken:
                continue
            taken.add(ref)
            added += 1
            chosen.append(
                {
                    "id": f"{desk[:3]}-{hashlib.sha256(f'{name}:{ref}'.encode()).hexdigest()[:8]}",
                    "desk": desk.split("-")[0],
                    "source": name,
                    "ref": ref,
                    "title": title,
                    "split": args.split if args.split != "alternate" else "dev" if number % 2 == 0 else "test",
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "chars": len(text),
                }
            )
        print(f"{desk}: {added} of {len(pool)} candidates", file=sys.stderr)
    ARTICLES_FILE.parent.mkdir(parents=True, exist_ok=True)
    ARTICLES_FILE.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in chosen), encoding="utf-8")
    print(f"{len(chosen)} articles -> {ARTICLES_FILE}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
