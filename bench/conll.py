"""Entities on CoNLL-2003 English: newscorpus's pre-annotator beside the bare spaCy model.

    python bench/conll.py [--split train|testa] [--limit N] [--errors] [--json OUT]
    python bench/conll.py --split conllpp --final    # the final test: once, at the end

testb was the final test until it was scored (stop 16); CoNLL++ (Reuters stories of 2020 tagged by
the same guidelines) is the final test of the work after it.

Both systems read the same staged texts (``annotations/external/staged/conll2003-SPLIT.jsonl``, made
by ``annotations/external/stage.py --only conll2003``; CoNLL++'s by ``--only conllpp``): the
pre-annotator as ``newscorpus preannotate`` runs it (``annotate_texts``: the workspace's model,
gazetteer, place list, entity merger), and the model named in the workspace's ``newscorpus.toml``
loaded by ``spacy.load`` on its own (without the parser, which sets no entities) over the same tokens,
those of newscorpus's tokenizer. Spans are compared on character offsets, so tokens never decide a match.

Schema labels become CoNLL's: PERSON is PER, ORG is ORG, GPE, LOC and FAC are LOC, NORP and EVENT
are MISC; the others (DATE, and the model's CARDINAL, PRODUCT, ...) are dropped. Scoring is
``pipeline.evaluate``'s (strict: same offsets and label; overlap: same label, one-to-one). The
all-caps slice is the gold names written wholly in capitals ("LEICESTERSHIRE", "U.S."), headlines
and datelines mostly: how many each system recovers.

The pre-annotator leaves table rows out (results, standings, market lines: no entities there, by
design), so the figures come twice: over the whole text, and over the prose alone, where the gold
names and both systems' spans inside the rows the pre-annotator left out are set aside.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import orjson
from rich import box
from rich.console import Console
from rich.table import Table

from pipeline.evaluate import ALL, GoldDocument, evaluate, match_overlap, match_strict
from pipeline.workspace import Workspace, find_workspace

REPO = Path(__file__).resolve().parent.parent
EXTERNAL = REPO / "annotations" / "external"
sys.path[:0] = [str(EXTERNAL), str(EXTERNAL.parent)]
from stage import CONLL_FILES, CONLLPP_SPLIT, FINAL_TEST_SPLITS, STAGED  # noqa: E402

LABELS = ("PER", "ORG", "LOC", "MISC")
TO_CONLL = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC", "NORP": "MISC", "EVENT": "MISC"}
SYSTEMS = ("newscorpus", "bare")
EXAMPLES_PER_GROUP = 6

console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def to_conll(spans: list[dict]) -> list[dict]:
    return [
        {"start": s["start"], "end": s["end"], "label": TO_CONLL[s["label"]]} for s in spans if s["label"] in TO_CONLL
    ]


def load_split(staged: Path, split: str, limit: int | None) -> list[GoldDocument]:
    path = staged / CONLL_FILES[split]
    if not path.exists():
        sys.exit(
            f"error: {path} is not there; stage it: python annotations/external/stage.py --mirrors DIR "
            f"--only {'conllpp' if split == CONLLPP_SPLIT else 'conll2003'}"
        )
    documents = []
    for line in path.read_bytes().splitlines()[:limit]:
        record = orjson.loads(line)
        documents.append(
            GoldDocument(
                text=record["text"], entities=record["entities"], id=record["id"], path=path, layers=("entities",)
            )
        )
    return documents


def run_newscorpus(texts: list[str], workspace: Workspace) -> list[dict]:
    from pipeline.nlp.preannotate import annotate_texts

    return [
        {"text": p["text"], "entities": to_conll(p["entities"]), "left_out": p["left_out"]}
        for p in annotate_texts(texts, workspace.settings, workspace.annotations_dir)
    ]


def prose_only(
    gold: list[GoldDocument], predicted: list[dict], left_out: list[list[dict]]
) -> tuple[list[GoldDocument], list[dict]]:
    """The gold and predicted spans outside the rows the pre-annotator left out."""

    def outside(spans: list[dict], rows: list[dict]) -> list[dict]:
        return [s for s in spans if not any(r["start"] < s["end"] and s["start"] < r["end"] for r in rows)]

    prose_gold = [replace(d, entities=outside(d.entities, rows)) for d, rows in zip(gold, left_out)]
    prose_predicted = [{**p, "entities": outside(p["entities"], rows)} for p, rows in zip(predicted, left_out)]
    return prose_gold, prose_predicted


def run_bare(texts: list[str], workspace: Workspace) -> list[dict]:
    import spacy
    from spacy.tokens import Doc

    from pipeline.corpus.record import Document
    from pipeline.nlp import tokenization

    settings = workspace.settings
    nlp = spacy.load(settings.model.name, exclude=["parser", "senter"])
    tokenizer = tokenization.load_tokenizer(settings.model.name)
    documents = (Document(str(number), text) for number, text in enumerate(texts))
    docs = []
    for document, data in tokenization.tokenize_documents(tokenizer, documents, settings.tokenize.chunk_chars):
        text, tokens = document.text, data["tokens"].tolist()
        ends = [end for _, end in tokens]
        starts = [start for start, _ in tokens[1:]] + [len(text)]
        docs.append(
            Doc(
                nlp.vocab,
                words=[text[s:e] for s, e in tokens],
                spaces=[following == end + 1 and text[end] == " " for end, following in zip(ends, starts)],
            )
        )
    predictions = []
    for doc in nlp.pipe(docs, batch_size=32):
        assert doc.text == texts[len(predictions)], "the tokens do not rebuild the text"
        spans = [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]
        predictions.append({"text": doc.text, "entities": to_conll(spans)})
    return predictions


def all_caps(text: str) -> bool:
    return any(c.isalpha() for c in text) and text == text.upper()


def caps_slice(gold: list[GoldDocument], predicted: list[dict]) -> dict:
    """Of the gold names written in capitals, how many each criterion recovers."""
    found = {"gold": 0, "strict": 0, "overlap": 0}
    for document, prediction in zip(gold, predicted):
        spans = prediction["entities"]
        caps = {i for i, s in enumerate(document.entities) if all_caps(document.text[s["start"] : s["end"]])}
        found["gold"] += len(caps)
        found["strict"] += len(caps & {i for i, _ in match_strict(document.entities, spans)})
        found["overlap"] += len(caps & {i for i, _ in match_overlap(document.entities, spans)})
    gold_count = found["gold"] or 1
    return {**found, "strict_recall": found["strict"] / gold_count, "overlap_recall": found["overlap"] / gold_count}


def score_table(reports: dict, slices: dict, seconds: dict) -> Table:
    table = Table(
        "label",
        "gold",
        "system",
        "pred",
        "strict P",
        "R",
        "F1",
        "overlap P",
        "R",
        "F1",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    for label in (*LABELS, ALL):
        for system in SYSTEMS:
            entities = reports[system].entities
            strict, overlap = entities.strict.get(label), entities.overlap.get(label)
            if strict is None:
                continue
            table.add_row(
                label if system == SYSTEMS[0] else "",
                str(overlap.support) if system == SYSTEMS[0] else "",
                system,
                str(overlap.predicted),
                f"{strict.precision:.3f}",
                f"{strict.recall:.3f}",
                f"[bold]{strict.f1:.3f}[/]",
                f"{overlap.precision:.3f}",
                f"{overlap.recall:.3f}",
                f"[bold]{overlap.f1:.3f}[/]",
                end_section=system == SYSTEMS[-1],
            )
    for system in SYSTEMS:
        caps = slices[system]
        table.add_row(
            "ALL-CAPS" if system == SYSTEMS[0] else "",
            str(caps["gold"]) if system == SYSTEMS[0] else "",
            system,
            "",
            "",
            f"{caps['strict_recall']:.3f}",
            "",
            "",
            f"{caps['overlap_recall']:.3f}",
            "",
            end_section=system == SYSTEMS[-1],
        )
    table.caption = "ALL-CAPS: recall of the gold names written in capitals; run time " + ", ".join(
        f"{system} {seconds[system]:.1f} s" for system in SYSTEMS
    )
    return table


def print_errors(system: str, gold: list[GoldDocument], predicted: list[dict], report) -> None:
    """The overlap false negatives by gold label and false positives by predicted label, each with
    what the other side has there (another label, or nothing), and a seeded handful of examples."""
    groups: dict[tuple[str, str], list] = defaultdict(list)
    for error in report.errors["entities"]:
        other = gold[error.document].entities if error.kind == "FP" else predicted[error.document]["entities"]
        labels = sorted({s["label"] for s in other if s["start"] < error.end and error.start < s["end"]})
        groups[(error.kind, error.label)].append((error, "/".join(labels) or "-"))
    console.rule(f"{system}: errors (overlap criterion)")
    draw = random.Random(0)
    for kind, label in sorted(groups, key=lambda k: (k[0] != "FN", LABELS.index(k[1]) if k[1] in LABELS else 9)):
        errors = groups[(kind, label)]
        there = Counter(other for _, other in errors)
        side = "predicted there" if kind == "FN" else "gold there"
        summary = ", ".join(f"{other if other != '-' else 'nothing'} {count}" for other, count in there.most_common())
        console.print(f"[bold]{kind} {label}[/] {len(errors)}  ({side}: {summary})")
        for error, other in sorted(
            draw.sample(errors, min(EXAMPLES_PER_GROUP, len(errors))),
            key=lambda item: (item[0].document, item[0].start),
        ):
            console.print(f"    {error.text!r:<32} [{other}] {error.id}  {error.context}", markup=False, soft_wrap=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=list(CONLL_FILES),
        default="testa",
        help="train and testa to develop on; testb and conllpp are final tests (need --final)",
    )
    parser.add_argument("--final", action="store_true", help="score a final test split: once, at the end")
    parser.add_argument("--limit", type=int, metavar="N", help="only the first N documents")
    parser.add_argument("--errors", action="store_true", help="print false positives and negatives by label")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the figures to this file")
    parser.add_argument("--staged", type=Path, default=STAGED, help="where stage.py wrote the staged files")
    parser.add_argument("--workspace", type=Path, help="newscorpus workspace (default: as newscorpus finds it)")
    args = parser.parse_args()
    if args.split in FINAL_TEST_SPLITS and not args.final:
        parser.error(
            f"{args.split} is a final test split, scored once at the end: add --final if this is that "
            f"time; develop on train and testa"
        )
    if args.final and args.split not in FINAL_TEST_SPLITS:
        parser.error(f"--final is for the final test splits ({', '.join(FINAL_TEST_SPLITS)}) only")
    workspace = find_workspace(args.workspace)
    gold = load_split(args.staged, args.split, args.limit)
    texts = [document.text for document in gold]
    predicted, seconds, reports, slices = {}, {}, {}, {}
    for system, run in (("newscorpus", run_newscorpus), ("bare", run_bare)):
        start = time.perf_counter()
        predicted[system] = run(texts, workspace)
        seconds[system] = time.perf_counter() - start
        reports[system] = evaluate(gold, predicted[system])
        slices[system] = caps_slice(gold, predicted[system])
    left_out = [p["left_out"] for p in predicted["newscorpus"]]
    prose_gold, prose_reports, prose_slices, prose_predicted = None, {}, {}, {}
    for system in SYSTEMS:
        prose_gold, prose_predicted[system] = prose_only(gold, predicted[system], left_out)
        prose_reports[system] = evaluate(prose_gold, prose_predicted[system])
        prose_slices[system] = caps_slice(prose_gold, prose_predicted[system])
    tokens = sum(len(text.split()) for text in texts)
    rows = sum(len(rows) for rows in left_out)
    set_aside = sum(len(d.entities) for d in gold) - sum(len(d.entities) for d in prose_gold)
    corpus = "CoNLL++ (2020)" if args.split == CONLLPP_SPLIT else f"CoNLL-2003 {args.split}"
    console.print(
        f"{corpus}: {len(gold)} documents, {tokens} tokens; model "
        f"{workspace.settings.model.name}; newscorpus = the pre-annotator, bare = spacy.load alone"
    )
    console.print(score_table(reports, slices, seconds))
    console.print(
        f"The prose alone: {rows} lines of {sum(len(t.splitlines()) for t in texts)} left out as table rows, "
        f"with {set_aside} of the gold names, set aside for both systems"
    )
    console.print(score_table(prose_reports, prose_slices, seconds))
    if args.errors:
        for system in SYSTEMS:
            print_errors(system, prose_gold, prose_predicted[system], prose_reports[system])
    if args.json is not None:
        figures = {
            "split": args.split,
            "documents": len(gold),
            "tokens": tokens,
            "limit": args.limit,
            "model": workspace.settings.model.name,
            "labels": TO_CONLL,
            "systems": {
                system: {
                    **reports[system].entities.to_json(),
                    "all_caps": slices[system],
                    "seconds": round(seconds[system], 2),
                    "prose": {**prose_reports[system].entities.to_json(), "all_caps": prose_slices[system]},
                }
                for system in SYSTEMS
            },
            "left_out": {"lines": rows, "gold_names": set_aside},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
        console.print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
