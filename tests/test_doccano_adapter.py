"""The Doccano adapter and a command's session, without a server: what we rely on inside doccano-client,
and that one command logs in once and sets its project up once."""

import inspect
from importlib.metadata import version

import pytest
import requests
from doccano_client import DoccanoClient

from pipeline.errors import InvalidUserNameError
from pipeline.review.doccano import session as session_module
from pipeline.review.doccano.adapter import PRIVATE_ATTRIBUTES
from pipeline.review.doccano.annotators import add_annotator, annotators_dir
from pipeline.review.doccano.credentials import ServerCredentials, credentials_path, write_credentials
from pipeline.review.doccano.session import ReviewSession

SECRET = "example-password-never-real"


def _attribute(obj, dotted: str):
    for name in dotted.split("."):
        obj = getattr(obj, name)
    return obj


def test_the_private_parts_of_doccano_client_we_use_are_still_there():
    """If this fails, doccano-client changed what adapter.py reaches into: read adapter.PRIVATE_ATTRIBUTES."""
    assert version("doccano-client") == "1.2.8", "a new doccano-client: check adapter.PRIVATE_ATTRIBUTES against it"
    client = DoccanoClient("http://127.0.0.1:9")  # no request is made
    session, uploads = (_attribute(client, dotted) for dotted in PRIVATE_ATTRIBUTES)
    assert isinstance(session, requests.Session)
    assert list(inspect.signature(uploads.upload).parameters) == ["file_path"]
    assert list(inspect.signature(uploads.ingest).parameters)[:4] == ["project_id", "upload_ids", "task", "format"]


class FakeDoccano:
    logins = 0

    def __init__(self, creds):
        type(self).logins += 1
        self.creds = creds


@pytest.fixture
def fake_server(workspace, monkeypatch):
    for name in ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    write_credentials(credentials_path(workspace), ServerCredentials("http://127.0.0.1:8123", "admin", SECRET))
    FakeDoccano.logins = 0
    monkeypatch.setattr(session_module, "Doccano", FakeDoccano)
    made = []
    monkeypatch.setattr(
        session_module, "ensure_project", lambda doccano, name, guideline: made.append(name) or {"id": 7, "name": name}
    )
    monkeypatch.setattr(
        session_module, "ensure_label_types", lambda doccano, project_id, labels: made.append(tuple(labels))
    )
    return made


def test_a_session_logs_in_once_at_first_use_and_sets_its_project_up_once(workspace, fake_server):
    session = ReviewSession.open(workspace)
    assert FakeDoccano.logins == 0 and session.project_name == workspace.settings.doccano.project
    assert session.main_project() == session.main_project() == {"id": 7, "name": session.project_name}
    assert FakeDoccano.logins == 1
    assert fake_server == [session.project_name, tuple(session.labels)]
    assert session.find_main_project()["id"] == 7  # known to this session: no request


def test_a_bad_annotator_name_is_refused_before_logging_in(workspace, fake_server):
    session = ReviewSession.open(workspace)
    with pytest.raises(InvalidUserNameError, match="ASCII"):
        add_annotator(session, "zoë")
    with pytest.raises(InvalidUserNameError, match="would have"):
        add_annotator(session, "a" * 99)
    assert FakeDoccano.logins == 0


def test_the_annotators_of_the_sessions_server_only(workspace, fake_server):
    folder = annotators_dir(workspace)
    folder.mkdir(parents=True)
    write_credentials(folder / "alice.credentials.json", ServerCredentials("http://127.0.0.1:8123", "alice", SECRET))
    write_credentials(folder / "bob.credentials.json", ServerCredentials("https://elsewhere.example", "bob", SECRET))
    assert [account.username for account in ReviewSession.open(workspace).annotator_accounts()] == ["alice"]
