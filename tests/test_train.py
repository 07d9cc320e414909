"""newscorpus train: extractors trained on the exported dataset, used by preannotate --model.

The loop test builds its own reviewed corpus: news-like stories about an organisation the base model
does not know ("Ayni Pacha": it finds nothing there, as the test checks first), reviewed with every
entity and claim marked, as `newscorpus pull` stores them. It exports them, trains, and pre-annotates
stories it has never seen, written with other sentences, with the base model and with the trained one.
"""

import json
import random
from pathlib import Path

import orjson
import pytest
from conftest import Cli
from test_export import small_store  # noqa: F401  (a fixture: one reviewed story)

from pipeline.corpus.record import REVIEWED, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.workspace import Workspace, init_workspace

ORG = "Ayni Pacha"
PEOPLE = [
    "Rosa Huamán",
    "Julio Quispe",
    "Carmen Mendoza",
    "Luis Ccori",
    "Ana Paucar",
    "Pedro Tello",
    "Elena Rojas",
    "Mario Salazar",
    "Lucía Vargas",
    "Jorge Cárdenas",
]
PLACES = ["Pichari", "Llochegua", "Kimbiri", "Pangoa", "Santa Rosa", "Sivia", "Ayna", "Canayre"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# Sentences with slots: {org}, {person}, {place}, {day}, and numbers that make claims.
# Spans are written [label:text] and resolved to character offsets when the story is made.
SEEN = [
    "[ORG:{org}] said on [DATE:{day}] that police had seized [QUANTITY:{n} kilograms of cocaine] near [GPE:{place}].",
    "Farmers who sell coca leaf to [ORG:{org}] were paid [MONEY:${m} million] last year, [PERSON:{person}] told "
    "[ORG:EFE].",
    "The mayor of [GPE:{place}], [PERSON:{person}], accused [ORG:{org}] of laundering money for drug traffickers.",
    "A lawyer for [ORG:{org}] denied the charges on [DATE:{day}].",
    "[ORG:{org}] buys [PERCENT:{p}%] of the coca grown around [GPE:{place}], according to [PERSON:{person}].",
    "[PERSON:{person}], who runs [ORG:{org}], said [COUNT:{k} farmers] had joined it in [GPE:{place}].",
    "Soldiers found [COUNT:{k} laboratories] in the hills above [GPE:{place}] on [DATE:{day}].",
    "[PERSON:{person}] said the valley needed roads, not soldiers.",
]
UNSEEN = [
    "Prosecutors raided the offices of [ORG:{org}] in [GPE:{place}] on [DATE:{day}].",
    "[ORG:{org}] has denied any link to the [COUNT:{k} families] who left [GPE:{place}].",
    "Investigators say [ORG:{org}] moved [QUANTITY:{n} tonnes of coca paste] through [GPE:{place}].",
    "Nobody at [ORG:{org}] answered the phone on [DATE:{day}], [PERSON:{person}] said.",
]


def make_story(rng: random.Random, sentences: list[str], count: int) -> tuple[str, list[dict], list[dict]]:
    """A story of ``count`` of ``sentences`` with its spans: (text, entities, claims)."""
    import re

    text, entities, claims = "", [], []
    for number, template in enumerate(rng.sample(sentences, count)):
        filled = template.format(
            org=ORG,
            person=rng.choice(PEOPLE),
            place=rng.choice(PLACES),
            day=rng.choice(DAYS),
            n=f"{rng.randint(2, 9)},{rng.randint(100, 999)}",
            m=rng.randint(2, 90),
            p=rng.randint(5, 60),
            k=rng.randint(3, 400),
        )
        if number:
            text += "\n\n" if number % 3 == 0 else " "
        position = 0
        for match in re.finditer(r"\[([A-Z]+):([^\]]+)\]", filled):
            text += filled[position : match.start()]
            label, words = match.group(1), match.group(2)
            record = {"start": len(text), "end": len(text) + len(words), "label": label, "text": words}
            (claims if label in ("QUANTITY", "MONEY", "PERCENT", "COUNT") else entities).append(record)
            text += words
            position = match.end()
        text += filled[position:]
    return text, entities, claims


def write_stories(path: Path, stories: list[tuple[str, list, list]]) -> Path:
    path.write_text(
        "".join(
            json.dumps({"text": text, "headline": f"Story {number}"}) + "\n"
            for number, (text, _, _) in enumerate(stories)
        ),
        encoding="utf-8",
    )
    return path


def mark_reviewed(store: CorpusStore, stories: list[tuple[str, list, list]]) -> None:
    """What `newscorpus pull` stores for stories an annotator confirmed, with every span marked."""
    by_text = {text: (entities, claims) for text, entities, claims in stories}
    with store.locked(), store.stage_writer("review") as reviews:
        for document in store.iter_documents():
            entities, claims = by_text[document.text]
            for span in entities + claims:
                assert document.text[span["start"] : span["end"]] == span["text"]
            reviews.add_output(
                document.id,
                StageOutput(
                    "review",
                    "1",
                    "test",
                    {
                        "status": REVIEWED,
                        "entities": entities,
                        "claims": claims,
                        "relations": [],
                        "annotators": ["annotator"],
                        "agreement": None,
                    },
                ),
            )


def org_found(store: CorpusStore, texts: set[str]) -> tuple[int, int]:
    """(mentions of ORG pre-annotated as ORG, mentions in all) in the stored documents with ``texts``."""
    found = mentions = 0
    for document in store.iter_documents(["preannotate"]):
        if document.text not in texts:
            continue
        mentions += document.text.count(ORG)
        found += sum(1 for e in document.entities if e["text"] == ORG and e["label"] == "ORG")
    return found, mentions


@pytest.fixture
def loop_workspace(tmp_path) -> Workspace:
    workspace = init_workspace(tmp_path / "ws")
    settings = workspace.settings_path.read_text(encoding="utf-8")
    # Template stories share most of their words; at the default threshold they would all be one
    # near-duplicate group, which a split never cuts.
    settings = settings.replace("near_duplicate_threshold = 0.7", "near_duplicate_threshold = 0.95")
    settings = settings.replace(
        "train = 0.8\nvalidation = 0.1\ntest = 0.1", "train = 0.6\nvalidation = 0.2\ntest = 0.2"
    )
    workspace.settings_path.write_text(settings, encoding="utf-8")
    return Workspace(workspace.root)


@pytest.mark.slow
def test_training_on_reviewed_stories_teaches_preannotation_a_new_organisation(loop_workspace, tmp_path):
    cli = Cli(loop_workspace)
    rng = random.Random(3)
    reviewed = [make_story(rng, SEEN, rng.randint(4, 7)) for _ in range(60)]
    unseen = [make_story(rng, UNSEEN, 3) for _ in range(12)]
    cli("ingest", str(write_stories(tmp_path / "reviewed.jsonl", reviewed)))
    cli("tokenize")
    store = CorpusStore(loop_workspace.store_dir)
    mark_reviewed(store, reviewed)
    exported = cli("export")
    assert "60 documents (60 reviewed" in exported.stdout

    trained = cli("train", "--max-steps", "300")
    model = loop_workspace.models_dir / "newscorpus-extractor"
    scores = orjson.loads((model / "scores.json").read_bytes())
    assert scores["init"] == "base" and sum(scores["documents"].values()) == 60
    org = next(s for s in scores["labels"] if s["layer"] == "entities" and s["label"] == "ORG")
    assert org["support"] > 0 and org["f1"] >= 0.9, org  # on the test split, which training never saw
    assert f"{org['f1']:.3f}" in trained.stdout and "PERCENT" in trained.stdout
    assert f"newscorpus preannotate --model {model}" in trained.stdout
    # the whole pre-annotator (rules + trained components), as a user will run it, beside the components
    whole = scores["preannotator"]
    assert whole["entities_strict_f1"] >= 0.9 and whole["claims_strict_f1"] >= 0.8, whole
    assert (
        "the pre-annotator with this model" in trained.stdout
        and f"claims F1 {whole['claims_strict_f1']:.3f}" in trained.stdout
    )
    # printed to a file or a pipe: spaCy's table without colour codes, and no folder the user never sees
    assert "\x1b[" not in trained.stdout and ".incomplete" not in trained.stdout and "model-last" not in trained.stdout

    cli("ingest", str(write_stories(tmp_path / "unseen.jsonl", unseen)))
    unseen_texts = {text for text, _, _ in unseen}
    cli("preannotate")
    base_found, mentions = org_found(store, unseen_texts)
    assert mentions >= 12 and base_found == 0  # the base model (and the gazetteer) does not know it
    cli("preannotate", "--model", str(model))
    trained_found, _ = org_found(store, unseen_texts)
    assert trained_found >= 0.9 * mentions, (trained_found, mentions)
    # claims still come with values from the normaliser
    document = next(d for d in store.iter_documents(["preannotate"]) if d.text in unseen_texts)
    assert document.claims and all(c["value"] is not None and c["unit"] for c in document.claims), document.claims
    # the model folder is kept unless --overwrite; then a scratch start replaces it whole
    refused = cli("train", "--init", "scratch", "--max-steps", "20", expect=1)
    assert refused.stderr.count("\n") == 1 and "[E071]" in refused.stderr and "--overwrite" in refused.stderr
    cli("-q", "train", "--init", "scratch", "--max-steps", "20", "--overwrite")
    assert orjson.loads((model / "scores.json").read_bytes())["init"] == "scratch"
    assert sorted(path.name for path in model.parent.iterdir()) == [model.name]  # nothing built aside is left


def test_train_without_an_export_says_what_to_run(cli):
    result = cli("train", expect=1)
    assert (
        result.stderr.count("\n") == 1 and "[E070]" in result.stderr and "run newscorpus export first" in result.stderr
    )
    assert not (cli.workspace.models_dir / "newscorpus-extractor").exists()


@pytest.mark.usefixtures("small_store")
def test_train_refuses_a_dataset_with_an_empty_split(cli):
    cli("export")  # one story: one split has it, the other two are empty
    result = cli("train", expect=1)
    assert result.stderr.count("\n") == 1 and "[E070]" in result.stderr and "split is empty" in result.stderr
    assert not list(cli.workspace.models_dir.iterdir())


def test_an_unknown_init_is_refused_before_anything_runs(cli):
    result = cli("train", "--init", "pretrained", expect=2)
    assert "pretrained" in result.stderr


def test_a_training_that_fails_midway_leaves_nothing_behind(workspace, store, tmp_path):
    """The DocBins are written, then the base model cannot be loaded: one clean error, and neither
    the model folder nor the folder it was being built in is left."""
    from test_export import STORY, write_documents

    from pipeline.dataset.export import export_dataset
    from pipeline.dataset.splits import SPLITS, split_of
    from pipeline.errors import ModelNotFoundError
    from pipeline.settings import Settings
    from pipeline.training.train import train_extractor

    settings = Settings()
    groups, number = {}, 0
    while len(groups) < len(SPLITS):  # one near-duplicate group that lands in each split
        groups.setdefault(split_of(f"g{number}", settings.split), f"g{number}")
        number += 1
    write_documents(store, [(f"{STORY} ({name})", {"group": group}) for name, group in groups.items()])
    export_dataset(store, settings, out=tmp_path / "export", progress=False)
    settings.model.name = "no_such_spacy_model"
    out = tmp_path / "models" / "extractor"
    with pytest.raises(ModelNotFoundError):
        train_extractor(tmp_path / "export", out, settings, init="base", progress=False)
    assert not out.parent.exists() or not list(out.parent.iterdir())
