"""Annotator accounts: created on the server with a generated password kept in a 0600 file, each with
a project of their own (``pipeline.review.doccano.projects``)."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from pipeline.review.doccano.credentials import ServerCredentials, read_credentials, resolve_server, state_dir, write_credentials
from pipeline.errors import CredentialsError, InvalidUserNameError
from pipeline.workspace import Workspace

_NAME_CHARACTER = re.compile(r"[A-Za-z0-9_.@+-]")
_MAX_NAME = 150


def annotators_dir(workspace: Workspace) -> Path:
    return state_dir(workspace) / "annotators"


def annotator_credentials(workspace: Workspace) -> list[ServerCredentials]:
    """The annotator accounts this workspace manages, on the server it talks to."""
    folder = annotators_dir(workspace)
    if not folder.is_dir():
        return []
    server = resolve_server(workspace).url
    accounts = [read_credentials(path) for path in sorted(folder.glob("*.credentials.json"))]
    return [account for account in accounts if account.url == server]


def is_user_name(name: str) -> bool:
    return 0 < len(name) <= _MAX_NAME and all(_NAME_CHARACTER.fullmatch(c) for c in name)


def check_user_name(name: str) -> None:
    """Doccano's rules for a user name (Django's ASCII validator and its 150-character field),
    checked before anything is created, with the rule that is broken."""
    if not name:
        raise InvalidUserNameError("a Doccano user name cannot be empty")
    if len(name) > _MAX_NAME:
        raise InvalidUserNameError(f"a Doccano user name is at most {_MAX_NAME} characters; this one has {len(name)}")
    wrong = sorted({c for c in name if not _NAME_CHARACTER.fullmatch(c)})
    if wrong:
        shown = " ".join(repr(c) for c in wrong[:5])
        raise InvalidUserNameError(f"{name!r}: a Doccano user name is ASCII letters, digits and @ . + - _ only "
                                   f"(not {shown})")


def add_annotator(workspace: Workspace, name: str, *, project: str | None = None) -> Path:
    """Create (or reuse) an annotator account; its password goes to a 0600 file, whose path is returned.

    Their own project is made, and filled, by ``give_copies`` or the next push."""
    from pipeline.review.doccano.api import Doccano
    from pipeline.review.doccano.projects import annotator_project_name

    check_user_name(name)
    annotator_project_name(project or workspace.settings.doccano.project, name)  # too long for Doccano: refused now
    path = annotators_dir(workspace) / f"{name}.credentials.json"
    if path.exists():
        read_credentials(path)  # a file others may read is refused here, not half-way through
        return path
    admin_creds = resolve_server(workspace)
    admin = Doccano(admin_creds)
    creds = ServerCredentials(admin_creds.url, name, secrets.token_urlsafe(18))
    if any(user.username == name for user in admin.client.search_users(name)):
        raise CredentialsError(f"{admin_creds.url}: a user {name!r} already exists and its password is not in "
                               f"{path.parent}; choose another name, or put its credentials file there")
    with admin.errors(f"create user {name!r}"):
        admin.client.create_user(name, creds.password)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_credentials(path, creds)
    return path
