import json
import os
import socket
import stat

import pytest

from pipeline.errors import CredentialsError, DoccanoUnreachableError, InsecureCredentialsError
from pipeline.review.doccano.credentials import (
    ServerCredentials,
    check_server,
    credentials_path,
    read_credentials,
    resolve_server,
    write_credentials,
)

SECRET = "example-password-never-real"
ENV = ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD")


@pytest.fixture(autouse=True)
def _no_doccano_environment(monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def local_file(workspace):
    path = credentials_path(workspace)
    write_credentials(path, ServerCredentials("http://127.0.0.1:8123", "admin", SECRET))
    return path


def test_the_workspace_file_is_used_when_no_environment_is_set(workspace, local_file):
    creds = resolve_server(workspace)
    assert (creds.url, creds.username, creds.password) == ("http://127.0.0.1:8123", "admin", SECRET)


def test_the_environment_wins_over_the_file(workspace, local_file, monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", "https://doccano.example.org/")
    monkeypatch.setenv("DOCCANO_USERNAME", "reviewer")
    monkeypatch.setenv("DOCCANO_PASSWORD", "from-env")
    creds = resolve_server(workspace)
    assert (creds.url, creds.username, creds.password) == ("https://doccano.example.org", "reviewer", "from-env")


@pytest.mark.parametrize(
    "given", [("DOCCANO_URL",), ("DOCCANO_URL", "DOCCANO_USERNAME"), ("DOCCANO_USERNAME", "DOCCANO_PASSWORD")]
)
def test_a_partial_environment_is_a_clear_error(workspace, local_file, monkeypatch, given):
    for name in given:
        monkeypatch.setenv(name, "http://x" if name == "DOCCANO_URL" else "value")
    with pytest.raises(CredentialsError) as caught:
        resolve_server(workspace)
    message = str(caught.value)
    assert message.startswith("[E053]")
    for name in set(ENV) - set(given):
        assert name in message
    assert "value" not in message


def test_a_url_that_is_not_http_is_refused(workspace, monkeypatch):
    monkeypatch.setenv("DOCCANO_URL", "127.0.0.1:8000")
    monkeypatch.setenv("DOCCANO_USERNAME", "admin")
    monkeypatch.setenv("DOCCANO_PASSWORD", SECRET)
    with pytest.raises(CredentialsError, match="not an http"):
        resolve_server(workspace)


def test_no_file_and_no_environment_says_what_to_do(workspace):
    with pytest.raises(CredentialsError) as caught:
        resolve_server(workspace)
    assert isinstance(caught.value, CredentialsError) and not isinstance(caught.value, InsecureCredentialsError)
    assert "newscorpus doccano up" in str(caught.value) and "DOCCANO_URL" in str(caught.value)


def test_the_file_is_written_0600_from_the_start(tmp_path, monkeypatch):
    modes = []
    real_replace = os.replace

    def checking_replace(source, target):  # the temporary file, before it takes the final name
        modes.append(stat.S_IMODE(os.stat(source).st_mode))
        real_replace(source, target)

    monkeypatch.setattr("pipeline.util.fs.os.replace", checking_replace)
    old_umask = os.umask(0)  # a permissive umask must not matter
    try:
        write_credentials(tmp_path / "c.json", ServerCredentials("http://127.0.0.1:1", "admin", SECRET))
    finally:
        os.umask(old_umask)
    assert modes == [0o600]
    assert stat.S_IMODE((tmp_path / "c.json").stat().st_mode) == 0o600
    assert json.loads((tmp_path / "c.json").read_text())["password"] == SECRET


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_refused(workspace, local_file, mode):
    local_file.chmod(mode)
    with pytest.raises(InsecureCredentialsError) as caught:
        resolve_server(workspace)
    assert f"chmod 600 {local_file}" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_a_file_that_is_not_credentials_is_a_clear_error(tmp_path):
    path = tmp_path / "c.json"
    path.write_text('{"url": "http://127.0.0.1:1"}')
    path.chmod(0o600)
    with pytest.raises(CredentialsError, match="not a credentials file"):
        read_credentials(path)


def test_the_password_is_not_in_repr_or_str():
    creds = ServerCredentials("http://127.0.0.1:1", "admin", SECRET)
    assert SECRET not in repr(creds) and SECRET not in str(creds) and SECRET not in f"{creds}"
    assert "admin" in repr(creds)


@pytest.mark.faults
def test_a_stopped_server_is_a_coded_error_naming_the_url(caplog):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with caplog.at_level("DEBUG"):
        with pytest.raises(DoccanoUnreachableError) as caught:
            check_server(ServerCredentials(url, "admin", SECRET), timeout=5)
    assert str(caught.value).startswith("[E055]") and url in str(caught.value)
    assert SECRET not in str(caught.value) and SECRET not in caplog.text


@pytest.mark.faults
def test_a_client_for_a_stopped_server_fails_on_its_first_try_without_retry_warnings(caplog, monkeypatch):
    """The README promises one line: no urllib3 'Retrying' warnings, and the login is tried once."""
    from urllib3.connectionpool import HTTPConnectionPool

    from pipeline.review.doccano.adapter import Doccano

    attempts = []
    original = HTTPConnectionPool._new_conn
    monkeypatch.setattr(HTTPConnectionPool, "_new_conn", lambda pool: attempts.append(1) or original(pool))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with caplog.at_level("WARNING"):
        with pytest.raises(DoccanoUnreachableError, match=r"^\[E055\] cannot connect"):
            Doccano(ServerCredentials(f"http://127.0.0.1:{port}", "admin", SECRET))
    assert len(attempts) == 1
    assert "Retrying" not in caplog.text


@pytest.mark.parametrize(
    "name, reason",
    [
        ("a" * 200, "at most 150 characters; this one has 200"),
        ("zoë_ñ", "ASCII letters, digits and @ . + - _ only (not 'ë' 'ñ')"),
        ("two words", "(not ' ')"),
        ("", "cannot be empty"),
    ],
)
@pytest.mark.faults
def test_add_annotator_names_the_rule_a_user_name_breaks_before_asking_the_server(workspace, name, reason):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "doccano", "add-annotator", name])
    assert result.exit_code == 1
    assert "[E064]" in result.stderr and reason in result.stderr
    assert "Traceback" not in result.stderr and "credentials" not in result.stderr
