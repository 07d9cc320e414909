"""The Ray engine makes what the local engine makes: same ids, tokens, spans and values."""

import json

import pytest

pytestmark = pytest.mark.slow

DOCUMENTS = 200


def _articles(path, count):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from scale import write_articles  # the benchmarks' generated wire articles

    write_articles(path, 0, count)


@pytest.fixture(scope="module")
def feed(tmp_path_factory):
    """Generated articles, then near-duplicates of ten of them (a word changed) and exact copies of five."""
    path = tmp_path_factory.mktemp("feed") / "articles.jsonl"
    _articles(path, DOCUMENTS - 10)
    lines = path.read_text().splitlines()
    edited = [json.loads(line) for line in lines[:10]]
    for number, article in enumerate(edited):
        article["id"], article["text"] = f"edited-{number}", article["text"].replace(" the ", " a ", 1)
    with path.open("a") as handle:
        handle.writelines(json.dumps(article) + "\n" for article in edited)
        handle.writelines(line + "\n" for line in lines[:5])
    return path


def _run(make_cli, root, feed, engine):
    from pipeline.workspace import init_workspace

    cli = make_cli(init_workspace(root))
    if engine == "ray":
        settings = cli.workspace.settings_path
        settings.write_text(settings.read_text().replace("num_cpus = 0", "num_cpus = 2"))
    ingested = cli("ingest", "--engine", engine, str(feed)).stdout
    assert f"{DOCUMENTS} new documents" in ingested and "5 duplicates skipped" in ingested
    assert "10 near-duplicates grouped" in ingested
    result = cli("preannotate", "--engine", engine)
    assert f"{DOCUMENTS} documents pre-annotated" in result.stdout
    cli("export", "--include-unreviewed", "--engine", engine, "--out", str(root / "dataset"))
    return {d["id"]: d for d in map(json.loads, cli("dump").stdout.splitlines())}, result


def test_ray_and_local_engines_give_the_same_outputs(tmp_path, feed):
    from conftest import Cli

    local, _ = _run(Cli, tmp_path / "local", feed, "local")
    on_ray, result = _run(Cli, tmp_path / "ray", feed, "ray")
    assert "Dataset" not in result.stderr and "INFO" not in result.stderr  # Ray's own logs stay out of the way
    assert list(local) == list(on_ray)  # same ids, same ingest order
    for doc_id, document in local.items():
        for key in ("tokens", "sentences", "entities", "claims", "left_out", "notes", "group"):
            assert on_ray[doc_id][key] == document[key], (doc_id, key)
    assert sum(len(d["claims"]) for d in local.values()) > DOCUMENTS  # not two empty results
    assert {stage: output["version"] for stage, output in on_ray[doc_id]["stages"].items()} == {
        stage: output["version"] for stage, output in document["stages"].items()
    }

    import datasets

    local_set, ray_set = (datasets.load_from_disk(str(tmp_path / name / "dataset")) for name in ("local", "ray"))
    assert set(local_set) == set(ray_set) == {"train", "validation", "test"}
    for split in local_set:
        assert ray_set[split].to_list() == local_set[split].to_list(), split
    assert sum(len(split) for split in ray_set.values()) == DOCUMENTS
