import json
import os
import stat
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.errors import DoccanoAuthError, DoccanoUnreachableError
from pipeline.review.doccano.credentials import check_server, resolve_server
from pipeline.review.doccano.server import server_down, server_status, server_up

pytestmark = pytest.mark.integration


def doccano(workspace, *args):
    result = CliRunner().invoke(app, ["--workspace", str(workspace.root), "doccano", *args], catch_exceptions=False)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (hex, as /proc/net/tcp{,6} shows them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].rsplit(":", 1)
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


def test_it_listens_on_127_0_0_1_only(doccano_server):
    url = urlsplit(doccano_server.info.url)
    assert url.hostname == "127.0.0.1"
    assert listening_addresses(url.port) == {"0100007F"}  # not 00000000 (0.0.0.0), nothing on IPv6
    assert requests.get(doccano_server.info.url + "/v1/health/", headers={"Accept": "application/json"}, timeout=30).ok


def test_the_admin_logs_in_with_the_credentials_file(doccano_server):
    creds = resolve_server(doccano_server.workspace)
    assert creds == doccano_server.credentials and creds.url == doccano_server.info.url
    login = requests.post(
        f"{creds.url}/v1/auth/login/", json={"username": creds.username, "password": creds.password}, timeout=30
    )
    assert login.status_code == 200, login.text
    me = requests.get(f"{creds.url}/v1/me", headers={"Authorization": f"Token {login.json()['key']}"}, timeout=30)
    assert me.json()["username"] == "admin" and me.json()["is_superuser"]
    check_server(creds)


def test_secrets_are_readable_by_their_owner_only(doccano_server):
    folder = doccano_server.info.state_dir
    for name in ("admin.credentials.json", "secret.key"):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600, name
    password = doccano_server.credentials.password
    for log in ("server.log", "worker.log"):
        assert password not in (folder / log).read_text(errors="replace"), log


def test_a_wrong_password_is_its_own_clear_error(doccano_server):
    credentials = doccano_server.credentials
    wrong = replace(credentials, password=credentials.password[::-1] + "x")  # surely not the password
    with pytest.raises(DoccanoAuthError) as caught:
        check_server(wrong)
    message = str(caught.value)
    assert (
        message.startswith("[E056]") and doccano_server.info.url in message and "wrong username or password" in message
    )
    assert not isinstance(caught.value, DoccanoUnreachableError)


def test_a_second_up_is_a_no_op(doccano_server):
    again = server_up(doccano_server.workspace, progress=False)
    assert again.already_running
    assert (again.url, again.pids) == (doccano_server.info.url, doccano_server.info.pids)
    result = doccano(doccano_server.workspace, "up")
    assert "already running" in result.stdout and doccano_server.info.url in result.stdout
    assert "'admin'" in result.stdout and str(doccano_server.info.credentials_file) in result.stdout
    assert doccano_server.credentials.password not in result.stdout + result.stderr


def test_status_json_reports_the_pids(doccano_server):
    status = json.loads(doccano(doccano_server.workspace, "status", "--json").stdout)
    assert status == {
        "url": doccano_server.info.url,
        "credentials_file": str(doccano_server.info.credentials_file),
        "pids": server_status(doccano_server.workspace).pids,
        "running": True,
    }
    assert set(status["pids"].values()) == set(doccano_server.info.pids.values())


def test_down_stops_exactly_its_processes_and_up_brings_it_back(doccano_server):
    workspace, url = doccano_server.workspace, doccano_server.info.url
    pids = server_status(workspace).pids
    try:
        stopped = server_down(workspace)
        assert sorted(stopped) == sorted(pids.values())
        for pid in stopped:  # the whole process group: gunicorn's workers too
            with pytest.raises(ProcessLookupError):
                os.killpg(pid, 0)
        with pytest.raises(requests.ConnectionError):
            requests.get(url + "/v1/me", timeout=5)
        with pytest.raises(DoccanoUnreachableError) as caught:
            check_server(resolve_server(workspace))
        assert str(caught.value).startswith("[E055]") and url in str(caught.value)
        status = json.loads(doccano(workspace, "status", "--json").stdout)
        assert status["running"] is False and status["pids"] == {"web": None, "worker": None}
        assert server_down(workspace) == []
    finally:
        again = server_up(workspace, progress=False)
    assert again.url == url and not again.already_running  # the port is kept, and so is the login
    check_server(resolve_server(workspace))


@pytest.mark.slow
@pytest.mark.faults
def test_up_in_ten_fresh_workspaces_in_a_row_never_fails(tmp_path):
    """The web server and the task worker once raced to create the broker's queue and the worker died
    (E050) now and then: ten first starts in a row, each in a new workspace, must all come up."""
    from pipeline.workspace import init_workspace

    for attempt in range(10):
        workspace = init_workspace(tmp_path / f"workspace-{attempt}")
        try:
            info = server_up(workspace, progress=False)
            assert server_status(workspace).running, f"start {attempt + 1} of 10"
            assert requests.get(info.url + "/v1/health/", headers={"Accept": "application/json"}, timeout=10).ok
        finally:
            server_down(workspace)
