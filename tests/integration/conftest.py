"""The integration suite: a real Doccano server, started once per test session on 127.0.0.1.

Every test in this folder is marked ``integration``. The first session on a machine installs the server
into its virtual environment (a few minutes; see ``server_venv``); later ones start the server in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from pipeline.review.doccano.credentials import ServerCredentials, read_credentials
from pipeline.review.doccano.server import ServerInfo, server_down, server_up
from pipeline.workspace import Workspace, init_workspace

HERE = Path(__file__).resolve().parent
DOCCANO_ENV = ("DOCCANO_URL", "DOCCANO_USERNAME", "DOCCANO_PASSWORD")


class DoccanoServer(NamedTuple):
    workspace: Workspace
    info: ServerInfo
    credentials: ServerCredentials


@pytest.hookimpl(tryfirst=True)  # before the root conftest orders the integration tests last
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(autouse=True)
def _local_server_only(monkeypatch):
    """A developer's DOCCANO_* variables must not send the tests to another server."""
    for name in DOCCANO_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def doccano_server(tmp_path_factory) -> Iterator[DoccanoServer]:
    """(workspace, ServerInfo, ServerCredentials) of a Doccano server in a fresh workspace.

    Stopped at the end of the session whatever happens. A test that stops it must start it again
    with ``server_up(workspace)``: the URL and the credentials stay the same.
    """
    workspace = init_workspace(tmp_path_factory.mktemp("doccano") / "workspace")
    try:
        info = server_up(workspace, progress=False)
        yield DoccanoServer(workspace, info, read_credentials(info.credentials_file))
    finally:
        server_down(workspace)
