"""Which Doccano server to talk to and how to log in: the environment, else the workspace's file.

The password never leaves this module in a message: it is kept out of repr() and of every error.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import requests

from pipeline.errors import CredentialsError, DoccanoAuthError, DoccanoUnreachableError, InsecureCredentialsError
from pipeline.util.fs import write_text_atomic
from pipeline.workspace import Workspace

URL_ENV = "DOCCANO_URL"
USERNAME_ENV = "DOCCANO_USERNAME"
PASSWORD_ENV = "DOCCANO_PASSWORD"
CREDENTIALS_FILENAME = "admin.credentials.json"
LOGIN_PATH = "/v1/auth/login/"

_HOW_TO_GET_ONE = f"run 'newscorpus doccano up', or set {URL_ENV}, {USERNAME_ENV} and {PASSWORD_ENV} for another server"


@dataclass(frozen=True)
class ServerCredentials:
    url: str
    username: str
    password: str = field(repr=False)


def state_dir(workspace: Workspace) -> Path:
    """The workspace's Doccano state: database, media, logs, pid files, credentials (git-ignored)."""
    return workspace.annotations_dir / "doccano"


def credentials_path(workspace: Workspace) -> Path:
    return state_dir(workspace) / CREDENTIALS_FILENAME


def resolve_server(workspace: Workspace) -> ServerCredentials:
    """$DOCCANO_URL (with $DOCCANO_USERNAME and $DOCCANO_PASSWORD) if set, else the local server's file."""
    names = (URL_ENV, USERNAME_ENV, PASSWORD_ENV)
    values = {name: os.environ.get(name, "") for name in names}
    given = [name for name in names if values[name]]
    if not given:
        return read_credentials(credentials_path(workspace))
    missing = [name for name in names if not values[name]]
    if missing:
        raise CredentialsError(
            f"{', '.join(given)} set but {', '.join(missing)} not: set all three to use another Doccano server, "
            "or none to use this workspace's local server"
        )
    url = values[URL_ENV].rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise CredentialsError(f"{URL_ENV}={url!r} is not an http:// or https:// URL")
    return ServerCredentials(url, values[USERNAME_ENV], values[PASSWORD_ENV])


def read_credentials(path: Path) -> ServerCredentials:
    """Read a credentials file, refusing it (as ssh does with keys) if others may read it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except FileNotFoundError:
        raise CredentialsError(f"{path}: no Doccano credentials; {_HOW_TO_GET_ONE}") from None
    with os.fdopen(fd, encoding="utf-8") as handle:
        mode = stat.S_IMODE(os.fstat(handle.fileno()).st_mode)
        if mode & 0o077:
            raise InsecureCredentialsError(
                f"{path}: permissions {mode:04o} are too open for a file holding a password; "
                f"make it readable by you only: chmod 600 {path}"
            )
        text = handle.read()
    try:
        data = json.loads(text)
        return ServerCredentials(str(data["url"]).rstrip("/"), str(data["username"]), str(data["password"]))
    except (ValueError, KeyError, TypeError):
        raise CredentialsError(
            f"{path}: not a credentials file (JSON with url, username, password); delete it and {_HOW_TO_GET_ONE}"
        ) from None


def write_credentials(path: Path, creds: ServerCredentials) -> None:
    """Write ``creds`` atomically; the file is 0600 from its creation on, before the secret goes in."""
    text = json.dumps({"url": creds.url, "username": creds.username, "password": creds.password}, indent=2)
    write_text_atomic(path, text + "\n", mode=0o600)


def check_server(creds: ServerCredentials, *, timeout: float = 10.0, session: requests.Session | None = None) -> None:
    """Log in once (in ``session``, if given, which then stays logged in); raise a coded error
    naming the URL if the server is not there or refuses the login."""
    url = creds.url + LOGIN_PATH
    try:
        response = (session or requests).post(
            url, json={"username": creds.username, "password": creds.password}, timeout=timeout
        )
    except requests.ConnectionError:
        raise DoccanoUnreachableError(
            f"cannot connect to the Doccano server at {creds.url}; start it with 'newscorpus doccano up' "
            f"(or check {URL_ENV})"
        ) from None
    except requests.Timeout:
        raise DoccanoUnreachableError(
            f"the Doccano server at {creds.url} did not answer within {timeout:g} s"
        ) from None
    if response.status_code == 400:
        raise DoccanoAuthError(
            f"the Doccano server at {creds.url} refused the login of user '{creds.username}': "
            f"wrong username or password"
        )
    if response.status_code != 200 or "key" not in _json_or_empty(response):
        raise DoccanoUnreachableError(
            f"{creds.url} does not answer like a Doccano server (HTTP {response.status_code} from {LOGIN_PATH})"
        )


def _json_or_empty(response: requests.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
