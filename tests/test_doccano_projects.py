"""Annotators' own projects: their names, and how a snapshot reads them (no server needed)."""

import json

import pytest

from pipeline.errors import InvalidUserNameError
from pipeline.review.doccano.names import MAX_PROJECT_NAME, annotator_of, annotator_project_name
from pipeline.review.doccano.pull import read_snapshot


def test_an_annotators_project_is_named_after_the_project_and_found_again_by_that_name():
    name = annotator_project_name("newscorpus", "alice.b@x")
    assert name == "newscorpus · alice.b@x"
    assert annotator_of(name, "newscorpus") == "alice.b@x"
    assert annotator_of("newscorpus", "newscorpus") is None
    assert annotator_of("newscorpus · x · alice", "newscorpus") is None  # another project's annotator
    assert annotator_of("newscorpus-old · alice", "newscorpus") is None


def test_a_project_name_doccano_would_cut_is_refused_with_the_limit():
    with pytest.raises(InvalidUserNameError, match=f"would have 103 characters and Doccano allows {MAX_PROJECT_NAME}"):
        annotator_project_name("p" * 50, "a" * 50)


@pytest.mark.faults
def test_add_annotator_refuses_a_name_whose_project_doccano_would_cut_before_asking_the_server(workspace):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "doccano", "add-annotator", "a" * 95])
    assert result.exit_code == 1
    assert "[E064]" in result.stderr and "Doccano allows 100" in result.stderr
    assert "Traceback" not in result.stderr and "credentials" not in result.stderr


def _jsonl(path, records):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def _record(doc_id, *spans):
    return {
        "id": 1,
        "text": "Police seized 300 kilograms in Lima.",
        "doc_id": doc_id,
        "relations": [],
        "entities": [
            {"id": n, "start_offset": s, "end_offset": e, "label": label} for n, (s, e, label) in enumerate(spans)
        ],
    }


def test_a_snapshot_reads_each_annotators_project_as_their_version_and_the_main_project_for_the_others(tmp_path):
    lima, seized = (31, 35, "GPE"), (14, 27, "QUANTITY")
    _jsonl(tmp_path / "all" / "admin.jsonl", [_record("d1", lima, seized), _record("d2", lima)])
    _jsonl(tmp_path / "all" / "chief.jsonl", [_record("d1", lima)])
    _jsonl(tmp_path / "confirmed" / "chief.jsonl", [_record("d1", lima)])
    _jsonl(tmp_path / "all" / "erin.jsonl", [_record("d2")])  # an annotator of an older set-up, in the main project
    _jsonl(tmp_path / "confirmed" / "erin.jsonl", [_record("d2")])
    _jsonl(tmp_path / "all" / "alice.jsonl", [_record("d1", seized)])  # stale: she labels in her own project now
    _jsonl(tmp_path / "annotators" / "alice" / "all" / "all.jsonl", [_record("d1", lima), _record("d2", lima)])
    _jsonl(tmp_path / "annotators" / "alice" / "confirmed" / "all.jsonl", [_record("d1", lima)])
    manifest = {
        "url": "http://x",
        "project": "p",
        "project_id": 1,
        "pulled_at": "t",
        "members": {"admin": "project_admin", "chief": "annotation_approver", "erin": "annotator"},
        "annotator_projects": {"alice": {"project": "p · alice", "project_id": 2}},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))

    _, versions, confirmed = read_snapshot(tmp_path)
    assert versions["d1"]["alice"]["spans"] == [{"start": 31, "end": 35, "label": "GPE"}]
    assert set(versions["d1"]) == {"admin", "chief", "alice"} and set(versions["d2"]) == {"admin", "erin", "alice"}
    assert dict(confirmed) == {"chief": {"d1"}, "erin": {"d2"}, "alice": {"d1"}}


def test_a_snapshot_from_before_annotator_projects_reads_as_it_did(tmp_path):
    _jsonl(tmp_path / "all" / "bob.jsonl", [_record("d1", (31, 35, "GPE"))])
    _jsonl(tmp_path / "confirmed" / "bob.jsonl", [_record("d1", (31, 35, "GPE"))])
    (tmp_path / "manifest.json").write_text(
        json.dumps(
            {"url": "http://x", "project": "p", "project_id": 1, "pulled_at": "t", "members": {"bob": "annotator"}}
        )
    )
    _, versions, confirmed = read_snapshot(tmp_path)
    assert set(versions["d1"]) == {"bob"} and dict(confirmed) == {"bob": {"d1"}}
