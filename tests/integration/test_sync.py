"""Push, annotate as a second (non-admin) account, pull, agreement, and faults, against the real server.

Annotators label in projects of their own ("<project> · <name>"), filled by bulk import; an annotator
an older newscorpus made a member of the main project keeps per-span copies there.

Every test has its own workspace and its own Doccano project on the session's server; the admin
credentials reach the workspace through DOCCANO_URL / DOCCANO_USERNAME / DOCCANO_PASSWORD, the way a
team's remote server would.
"""

from __future__ import annotations

import json
import shutil
import socket
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.corpus.ingest import ingest
from pipeline.corpus.store import CorpusStore
from pipeline.errors import DoccanoAuthError, DoccanoUnreachableError
from pipeline.nlp.preannotate import preannotate
from pipeline.review.doccano import push as push_module
from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.annotators import add_annotator, annotators_dir
from pipeline.review.doccano.credentials import ServerCredentials, read_credentials, resolve_server, write_credentials
from pipeline.review.doccano.names import annotator_project_name
from pipeline.review.doccano.projects import DESCRIPTION, members
from pipeline.review.doccano.pull import pull, snapshots_dir
from pipeline.review.doccano.push import push
from pipeline.review.doccano.server import server_up
from pipeline.review.doccano.session import ReviewSession
from pipeline.review.palette import LABEL_STYLE, RELATION_TYPES
from pipeline.stages import PREANNOTATE
from pipeline.workspace import Workspace, init_workspace

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpus" / "efe-2022-07-04-shining-path-vraem.txt"
EXTRA = [
    "Police in Lima seized 300 kilograms of cocaine and arrested 12 suspects, the interior ministry said.",
    "Some 4,000 hectares of coca were eradicated in Ucayali this year, according to Devida.",
]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A workspace with the shipped article and two short stories, pre-annotated once."""
    workspace = init_workspace(tmp_path_factory.mktemp("prepared") / "ws")
    shutil.copy(SEED, workspace.corpus_dir)
    (workspace.corpus_dir / "extra.jsonl").write_text(
        "".join(json.dumps({"id": f"extra-{n}", "text": t}) + "\n" for n, t in enumerate(EXTRA)), encoding="utf-8"
    )
    store = CorpusStore(workspace.store_dir)
    ingest(store, [workspace.corpus_dir], workspace.settings, progress=False)
    preannotate(store, workspace.settings, workspace.annotations_dir, progress=False)
    return workspace.root


@pytest.fixture
def workspace(prepared, tmp_path, doccano_server, monkeypatch) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(prepared, root)
    creds = doccano_server.credentials
    monkeypatch.setenv("DOCCANO_URL", creds.url)
    monkeypatch.setenv("DOCCANO_USERNAME", creds.username)
    monkeypatch.setenv("DOCCANO_PASSWORD", creds.password)
    text = (
        (root / "newscorpus.toml")
        .read_text()
        .replace('project = "newscorpus"', f'project = "test-{uuid.uuid4().hex[:8]}"')
    )
    (root / "newscorpus.toml").write_text(text)
    return Workspace(root)


def unique(name: str, workspace: Workspace) -> str:
    """Accounts are server-wide and the session's tests share one server."""
    return f"{name}-{workspace.settings.doccano.project}"


def session(workspace: Workspace) -> ReviewSession:
    """A command's session, as `newscorpus push` or `pull` opens one."""
    return ReviewSession.open(workspace)


def store_of(workspace: Workspace) -> CorpusStore:
    return CorpusStore(workspace.store_dir)


def as_user(workspace: Workspace, name: str) -> Doccano:
    return Doccano(read_credentials(annotators_dir(workspace) / f"{name}.credentials.json"))


def own_project(annotator: Doccano, workspace: Workspace) -> int:
    """The annotator's own project, as they find it in their list of projects."""
    found = annotator.find_project(annotator_project_name(workspace.settings.doccano.project, annotator.creds.username))
    assert found is not None and found["collaborative_annotation"] is True
    return found["id"]


def spans_of(doccano: Doccano, project_id: int, example_id: int) -> list[dict]:
    return doccano.get_json(f"projects/{project_id}/examples/{example_id}/spans", "list spans")


def examples_by_doc(doccano: Doccano, project_id: int) -> dict[str, dict]:
    return {e["meta"]["doc_id"]: e for e in doccano.examples(project_id)}


def confirm(doccano: Doccano, project_id: int, example_id: int) -> None:
    response = doccano.session.post(f"{doccano.api}/projects/{project_id}/examples/{example_id}/states", json={})
    assert response.status_code == 201, response.text


def test_push_twice_uploads_once_and_a_non_admin_annotator_sees_the_preannotations(workspace):
    first = push(session(workspace), store_of(workspace), progress=False)
    assert (first.uploaded, first.already_there, first.failed) == (3, 0, [])
    second = push(session(workspace), store_of(workspace), progress=False)
    assert (second.uploaded, second.already_there) == (0, 3)

    path = add_annotator(session(workspace), unique("alice", workspace))
    assert path.stat().st_mode & 0o777 == 0o600
    third = push(session(workspace), store_of(workspace), progress=False)
    alice_name = unique("alice", workspace)
    assert third.copies == {alice_name: 3} and third.uploaded == 0
    assert push(session(workspace), store_of(workspace), progress=False).copies == {alice_name: 0}

    alice = as_user(workspace, unique("alice", workspace))
    assert alice.get_json("me", "who am I")["is_staff"] is False
    # her own project only: the main project is non-collaborative and would show her none of the imported spans
    assert [p["name"] for p in alice.get_json("projects", "list projects")["results"]] == [
        annotator_project_name(workspace.settings.doccano.project, alice_name)
    ]
    own = own_project(alice, workspace)
    examples = examples_by_doc(alice, own)
    assert len(examples) == 3
    seed = next(d for d in store_of(workspace).iter_documents([PREANNOTATE]) if d.meta.get("headline"))
    seen = spans_of(alice, own, examples[seed.id]["id"])
    assert len(seen) == len(seed.entities) + len(seed.claims)
    assert {(s["start_offset"], s["end_offset"]) for s in seen} == {
        (s["start"], s["end"]) for s in seed.entities + seed.claims
    }
    admin = Doccano(resolve_server(workspace))
    assert {s["user"] for s in seen} == {
        admin.get_json("me", "who am I")["id"]
    }  # imported in bulk, not written one by one


def test_documents_reach_doccano_in_review_order_with_their_rank_and_why(workspace):
    from pipeline.review.queue import review_queue
    from tests.test_export import span, write_documents

    names = [f"Firm{n} Holdings" for n in range(60)]
    doubtful = " ".join(f"{a} said {b} would merge." for a, b in zip(names[::2], names[1::2]))
    write_documents(
        store_of(workspace),
        [
            (
                doubtful,
                {
                    "reviewed": False,
                    "entities": [span(doubtful, name, "ORG", score=0.3, source="model") for name in names],
                },
            )
        ],
    )
    expected = [entry.doc_id for entry in review_queue(store_of(workspace))]
    assert expected[0] == [d.id for d in store_of(workspace).iter_documents()][-1]  # the last ingested goes first
    name = unique("dora", workspace)
    add_annotator(session(workspace), name)
    report = push(session(workspace), store_of(workspace), progress=False)
    admin = Doccano(resolve_server(workspace))
    listed = list(admin.examples(report.project_id))
    assert [e["meta"]["doc_id"] for e in listed] == expected
    assert [e["meta"]["rank"] for e in listed] == [1, 2, 3, 4]
    assert all(e["meta"]["why"] for e in listed)
    dora = as_user(workspace, name)
    assert [e["meta"]["doc_id"] for e in dora.examples(own_project(dora, workspace))] == expected


def test_push_in_corpus_order_keeps_the_stores_order(workspace):
    report = push(session(workspace), store_of(workspace), order="corpus", progress=False)
    listed = list(Doccano(resolve_server(workspace)).examples(report.project_id))
    assert [e["meta"]["doc_id"] for e in listed] == [d.id for d in store_of(workspace).iter_documents()]
    assert "rank" not in listed[0]["meta"]


def test_an_annotator_added_after_a_push_sees_the_preannotations_without_another_push(workspace):
    first = push(session(workspace), store_of(workspace), progress=False)
    name = unique("carol", workspace)
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "doccano", "add-annotator", name])
    assert result.exit_code == 0, result.output
    assert "pre-annotations of 3 more documents" in result.stdout
    assert annotator_project_name(workspace.settings.doccano.project, name) in result.stdout
    carol = as_user(workspace, name)
    assert carol.get_json("me", "who am I")["is_staff"] is False
    assert name not in members(Doccano(resolve_server(workspace)), first.project_id)
    own = own_project(carol, workspace)
    seed = next(d for d in store_of(workspace).iter_documents([PREANNOTATE]) if d.meta.get("headline"))
    seen = spans_of(carol, own, examples_by_doc(carol, own)[seed.id]["id"])
    assert {(s["start_offset"], s["end_offset"]) for s in seen} == {
        (s["start"], s["end"]) for s in seed.entities + seed.claims
    }
    assert push(session(workspace), store_of(workspace), progress=False).copies == {name: 0}  # nothing left to copy


def test_label_types_get_readable_colours_and_shortcuts_even_in_a_project_made_before(workspace):
    first = push(session(workspace), store_of(workspace), progress=False)
    admin = Doccano(resolve_server(workspace))
    percent = next(t for t in admin.client.list_label_types(first.project_id, "span") if t.text == "PERCENT")
    admin.client.update_label_type(first.project_id, percent.id, "span", color="#dcbeff")  # an older palette's
    admin.client.update_project(first.project_id, description="See the guideline.")  # an older description
    push(session(workspace), store_of(workspace), progress=False)
    description = admin.get_json(f"projects/{first.project_id}", "get the project")["description"]
    assert description == DESCRIPTION and "Start Annotation" in description and "Not Checked" in description
    for kind, palette in (("span", {k: v[0] for k, v in LABEL_STYLE.items()}), ("relation", RELATION_TYPES)):
        found = {t.text: t for t in admin.client.list_label_types(first.project_id, kind)}
        assert {label: found[label].background_color.lower() for label in palette} == palette
    shortcuts = {t.text: (t.prefix_key, t.suffix_key) for t in admin.client.list_label_types(first.project_id, "span")}
    assert shortcuts["PERCENT"] == ("shift", "r") and shortcuts["PERSON"] == (None, "p")


def test_untouched_preannotations_come_back_identical_and_edits_come_back_as_made(workspace):
    report = push(session(workspace), store_of(workspace), progress=False)
    add_annotator(session(workspace), unique("alice", workspace))
    push(session(workspace), store_of(workspace), progress=False)
    alice = as_user(workspace, unique("alice", workspace))
    own = own_project(alice, workspace)
    examples = examples_by_doc(alice, own)
    documents = {d.id: d for d in store_of(workspace).iter_documents([PREANNOTATE])}
    seed_id = next(i for i, d in documents.items() if d.meta.get("headline"))
    other_id = next(i for i in examples if i != seed_id)

    confirm(alice, own, examples[seed_id]["id"])  # accepted as it was
    other_spans = spans_of(alice, own, examples[other_id]["id"])
    deleted = other_spans[0]
    response = alice.session.delete(
        f"{alice.api}/projects/{own}/examples/{examples[other_id]['id']}/spans/{deleted['id']}"
    )
    assert response.status_code == 204
    kept = [s for s in other_spans if s["id"] != deleted["id"]]
    with alice.errors("list relation types"):
        source_type = next(t.id for t in alice.client.list_label_types(own, "relation") if t.text == "source")
    response = alice.session.post(
        f"{alice.api}/projects/{own}/examples/{examples[other_id]['id']}/relations",
        json={"from_id": kept[0]["id"], "to_id": kept[1]["id"], "type": source_type},
    )
    assert response.status_code == 201, response.text
    confirm(alice, own, examples[other_id]["id"])

    pulled = pull(session(workspace), store_of(workspace), progress=False)
    assert (pulled.reviewed, pulled.pre_annotated, pulled.annotators) == (2, 1, [unique("alice", workspace)])
    manifest = json.loads((pulled.snapshot / "manifest.json").read_text())
    assert manifest["project_id"] == report.project_id
    assert manifest["annotator_projects"] == {
        unique("alice", workspace): {
            "project": annotator_project_name(workspace.settings.doccano.project, unique("alice", workspace)),
            "project_id": own,
        }
    }
    reviewed = {d.id: d for d in store_of(workspace).iter_documents([PREANNOTATE, "review"])}
    seed = reviewed[seed_id]
    assert seed.reviewed and seed.review["annotators"] == [unique("alice", workspace)]
    pushed = documents[seed_id]
    assert [(e["start"], e["end"], e["label"]) for e in seed.entities] == [
        (e["start"], e["end"], e["label"]) for e in pushed.entities
    ]
    assert [(c["start"], c["end"], c["label"]) for c in seed.claims] == [
        (c["start"], c["end"], c["label"]) for c in pushed.claims
    ]
    assert [c["value"] for c in seed.claims] == [c["value"] for c in pushed.claims]  # re-normalised the same
    other = reviewed[other_id]
    assert (
        len(other.entities) + len(other.claims)
        == len(documents[other_id].entities) + len(documents[other_id].claims) - 1
    )
    assert (deleted["start_offset"], deleted["end_offset"]) not in {
        (s["start"], s["end"]) for s in other.entities + other.claims
    }
    [relation] = other.relations
    spans = other.entities + other.claims
    assert relation["type"] == "source"
    assert {(spans[relation["head"]]["start"], spans[relation["tail"]]["start"])} == {
        (kept[0]["start_offset"], kept[1]["start_offset"])
    }


def test_two_annotators_give_agreement_and_one_adjudicated_version(workspace):
    push(session(workspace), store_of(workspace), progress=False)
    add_annotator(session(workspace), unique("alice", workspace))
    add_annotator(session(workspace), unique("bob", workspace))
    push(session(workspace), store_of(workspace), progress=False)
    alice, bob = as_user(workspace, unique("alice", workspace)), as_user(workspace, unique("bob", workspace))
    alices, bobs = own_project(alice, workspace), own_project(bob, workspace)
    example = next(e for e in alice.examples(alices) if e["meta"]["headline"])
    bob_example = examples_by_doc(bob, bobs)[example["meta"]["doc_id"]]
    bob_spans = spans_of(bob, bobs, bob_example["id"])
    removed = bob_spans[-1]
    response = bob.session.delete(f"{bob.api}/projects/{bobs}/examples/{bob_example['id']}/spans/{removed['id']}")
    assert response.status_code == 204
    assert len(spans_of(alice, alices, example["id"])) == len(bob_spans)  # his deletion is not in her project
    confirm(alice, alices, example["id"])
    confirm(bob, bobs, bob_example["id"])

    pulled = pull(session(workspace), store_of(workspace), progress=False)
    assert pulled.annotators == [unique("alice", workspace), unique("bob", workspace)]
    assert 0.9 < pulled.agreement["ALL"]["span_f1"] < 1.0
    assert len(pulled.ties) == 1  # the span bob deleted: one vote of two
    document = store_of(workspace).get_document(example["meta"]["doc_id"], ["review"])
    assert document.review["decision"] == "majority of 2" and document.review["agreement"] < 1.0

    shown = CliRunner().invoke(app, ["--workspace", str(workspace.root), "report"])
    assert shown.exit_code == 0, shown.stderr
    assert "Agreement (1 documents with 2+ annotators)" in shown.stdout and "token kappa" in shown.stdout
    assert "Acceptance per component" in shown.stdout and "gazetteer" in shown.stdout


def test_a_changed_text_is_a_conflict_and_new_documents_upload_alone(workspace):
    push(session(workspace), store_of(workspace), progress=False)
    feed = workspace.corpus_dir / "later.jsonl"
    feed.write_text(
        json.dumps({"id": "extra-0", "text": EXTRA[0].replace("300", "350")})
        + "\n"
        + json.dumps({"id": "new-1", "text": "Troops destroyed 14 laboratories in Putumayo."})
        + "\n",
        encoding="utf-8",
    )
    store = store_of(workspace)
    ingest(store, [feed], workspace.settings, progress=False)
    preannotate(store, workspace.settings, workspace.annotations_dir, progress=False)
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "push"])
    assert result.exit_code == 1
    assert "conflict" in result.stderr and "extra-0 is already in the project with another text" in result.stderr
    assert "1 documents uploaded" in result.stdout


def test_the_parts_of_a_long_input_are_not_conflicts_of_one_another(workspace):
    from tests.test_export import write_documents

    parts = [
        (
            f"Part {n} of the long report: the council met again.",
            {"reviewed": False, "meta": {"external_id": "long-1", "part": f"{n}/3"}},
        )
        for n in (1, 2, 3)
    ]
    write_documents(store_of(workspace), parts[:2])
    assert push(session(workspace), store_of(workspace), progress=False).uploaded == 5
    write_documents(store_of(workspace), parts[2:])  # pre-annotated after the first push
    report = push(session(workspace), store_of(workspace), progress=False)
    assert (report.uploaded, report.conflicts) == (1, [])


def test_a_server_restart_in_the_middle_of_a_push_is_finished_by_the_next_push(workspace, doccano_server, monkeypatch):
    monkeypatch.setattr(push_module, "UPLOAD_BATCH", 1)
    real_upload = push_module._upload
    calls = []

    def upload_then_stop_the_server(*args, **kwargs):
        result = real_upload(*args, **kwargs)
        calls.append(result)
        if len(calls) == 2:
            from pipeline.review.doccano.server import server_down

            server_down(doccano_server.workspace)
        return result

    monkeypatch.setattr(push_module, "_upload", upload_then_stop_the_server)
    with pytest.raises(DoccanoUnreachableError):
        push(session(workspace), store_of(workspace), progress=False)
    server_up(doccano_server.workspace, progress=False)
    monkeypatch.setattr(push_module, "_upload", real_upload)
    report = push(session(workspace), store_of(workspace), progress=False)
    assert (report.uploaded, report.already_there) == (1, 2)
    admin = Doccano(doccano_server.credentials)
    doc_ids = [e["meta"]["doc_id"] for e in admin.examples(report.project_id)]
    assert len(doc_ids) == 3 == len(set(doc_ids))


def test_copies_interrupted_by_a_server_restart_are_finished_by_the_next_push(workspace, doccano_server, monkeypatch):
    name = unique("dave", workspace)
    add_annotator(session(workspace), name)
    monkeypatch.setattr(push_module, "UPLOAD_BATCH", 1)
    real_upload = push_module._upload
    calls = []

    def upload_then_stop_the_server(*args, **kwargs):
        result = real_upload(*args, **kwargs)
        calls.append(args[1])
        if len(calls) == 4:  # the main project and dave's have two documents each
            from pipeline.review.doccano.server import server_down

            server_down(doccano_server.workspace)
        return result

    monkeypatch.setattr(push_module, "_upload", upload_then_stop_the_server)
    with pytest.raises(DoccanoUnreachableError):
        push(session(workspace), store_of(workspace), progress=False)
    assert len(set(calls)) == 2  # each document went to both projects, one after the other
    server_up(doccano_server.workspace, progress=False)
    monkeypatch.setattr(push_module, "_upload", real_upload)
    report = push(session(workspace), store_of(workspace), progress=False)
    assert (report.uploaded, report.already_there, report.copies) == (1, 2, {name: 1})
    dave = as_user(workspace, name)
    doc_ids = [e["meta"]["doc_id"] for e in dave.examples(own_project(dave, workspace))]
    assert len(doc_ids) == 3 == len(set(doc_ids))
    assert push(session(workspace), store_of(workspace), progress=False).copies == {name: 0}


def test_an_annotator_of_an_older_set_up_keeps_per_span_copies_in_the_main_project(workspace):
    """Before annotators had projects of their own, they were members of the main project with copies
    written span by span as them: such a workspace keeps working, and pull reads their work there."""
    first = push(session(workspace), store_of(workspace), progress=False)
    admin = Doccano(resolve_server(workspace))
    name = unique("erin", workspace)
    creds = ServerCredentials(admin.creds.url, name, "an-older-password-1")
    admin.client.create_user(name, creds.password)
    write_credentials(annotators_dir(workspace) / f"{name}.credentials.json", creds)
    admin.client.add_member(first.project_id, name, "annotator")

    report = push(session(workspace), store_of(workspace), progress=False)
    assert (report.copies, report.span_copies) == ({name: 3}, [name])
    assert admin.find_project(annotator_project_name(workspace.settings.doccano.project, name)) is None
    erin = as_user(workspace, name)
    seed = next(d for d in store_of(workspace).iter_documents([PREANNOTATE]) if d.meta.get("headline"))
    example = examples_by_doc(erin, first.project_id)[seed.id]
    seen = spans_of(erin, first.project_id, example["id"])
    assert {(s["start_offset"], s["end_offset"]) for s in seen} == {
        (s["start"], s["end"]) for s in seed.entities + seed.claims
    }
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "push"])
    assert "still label in the main project" in result.stdout and f"{name} 0" in result.stdout

    confirm(erin, first.project_id, example["id"])
    pulled = pull(session(workspace), store_of(workspace), progress=False)
    assert (pulled.reviewed, pulled.annotators) == (1, [name])


def test_duplicates_left_by_a_retried_import_are_removed(workspace):
    report = push(session(workspace), store_of(workspace), progress=False)
    admin = Doccano(resolve_server(workspace))
    document = next(store_of(workspace).iter_documents([PREANNOTATE]))
    failures = push_module.PushReport(admin.creds.url, report.project, report.project_id)
    with __import__("tempfile").TemporaryDirectory() as tmp:
        push_module._upload(
            admin,
            report.project_id,
            [json.dumps(push_module.upload_record(document)).encode() + b"\n"],
            Path(tmp),
            failures,
        )
    assert len(list(admin.examples(report.project_id))) == 4
    again = push(session(workspace), store_of(workspace), progress=False)
    assert again.duplicates_removed == 1 and len(list(admin.examples(report.project_id))) == 3


def test_an_import_task_that_fails_is_reported_per_document(workspace):
    report = push(session(workspace), store_of(workspace), progress=False)
    admin = Doccano(resolve_server(workspace))
    failures = push_module.PushReport(admin.creds.url, report.project, report.project_id)
    lines = [
        b'{"text": "A fine story about 3 boats.", "entities": [], "relations": [], "doc_id": "fine"}\n',
        b'{"no_text_here": true, "doc_id": "broken"}\n',
    ]
    with __import__("tempfile").TemporaryDirectory() as tmp:
        uploaded = push_module._upload(admin, report.project_id, lines, Path(tmp), failures)
    assert uploaded == 1 and len(failures.failed) == 1 and "line" in failures.failed[0]


def test_server_down_and_wrong_password_are_clear_errors_and_write_nothing(workspace, doccano_server, monkeypatch):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("DOCCANO_URL", f"http://127.0.0.1:{closed}")
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "pull"])
    assert result.exit_code == 1 and f"http://127.0.0.1:{closed}" in result.stderr and "Traceback" not in result.stderr
    assert not snapshots_dir(workspace).exists()
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "push"])
    assert result.exit_code == 1 and f"127.0.0.1:{closed}" in result.stderr

    creds = doccano_server.credentials
    monkeypatch.setenv("DOCCANO_URL", creds.url)
    monkeypatch.setenv("DOCCANO_USERNAME", creds.username)
    monkeypatch.setenv("DOCCANO_PASSWORD", "not-the-password")
    with pytest.raises(DoccanoAuthError):
        push(session(workspace), store_of(workspace), progress=False)


def test_an_interrupted_pull_leaves_the_earlier_snapshot_intact(workspace, monkeypatch):
    push(session(workspace), store_of(workspace), progress=False)
    first = pull(session(workspace), store_of(workspace), progress=False).snapshot
    before = sorted(p.relative_to(first) for p in first.rglob("*"))
    import doccano_client

    calls = []
    real = doccano_client.DoccanoClient.download

    def fail_on_second_export(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user pressed Ctrl-C half-way
        return real(self, *args, **kwargs)

    monkeypatch.setattr(doccano_client.DoccanoClient, "download", fail_on_second_export)
    with pytest.raises(KeyboardInterrupt):
        pull(session(workspace), store_of(workspace), progress=False)
    assert sorted(p.relative_to(first) for p in first.rglob("*")) == before
    assert [p.name for p in snapshots_dir(workspace).iterdir() if not p.name.endswith(".agreement.json")] == [
        first.name
    ]


def read_credentials_from_env():
    import os

    from pipeline.review.doccano.credentials import ServerCredentials

    return ServerCredentials(os.environ["DOCCANO_URL"], os.environ["DOCCANO_USERNAME"], os.environ["DOCCANO_PASSWORD"])


def test_the_main_job_pushes_to_the_server_named_by_the_environment(workspace):
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "run"])
    assert result.exit_code == 0, result.stderr
    assert "3 documents uploaded" in result.stdout and "Review in Doccano: http://127.0.0.1:" in result.stdout
    again = CliRunner().invoke(app, ["--workspace", str(workspace.root), "run"])
    assert "0 documents uploaded" in again.stdout and "3 already there" in again.stdout
