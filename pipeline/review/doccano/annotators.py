"""Annotator accounts: created on the server with a generated password kept in a 0600 file, each with
a project of their own (``pipeline.review.doccano.projects``)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import CredentialsError
from pipeline.review.doccano.credentials import ServerCredentials, read_credentials, state_dir, write_credentials
from pipeline.review.doccano.names import annotator_project_name, check_user_name
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.doccano.session import ReviewSession


def annotators_dir(workspace: Workspace) -> Path:
    return state_dir(workspace) / "annotators"


def annotator_credentials(workspace: Workspace, url: str) -> list[ServerCredentials]:
    """The annotator accounts this workspace manages on the server at ``url``."""
    folder = annotators_dir(workspace)
    if not folder.is_dir():
        return []
    accounts = [read_credentials(path) for path in sorted(folder.glob("*.credentials.json"))]
    return [account for account in accounts if account.url == url]


def add_annotator(session: ReviewSession, name: str) -> Path:
    """Create (or reuse) an annotator account; its password goes to a 0600 file, whose path is returned.

    Their own project is made, and filled, by ``give_copies`` or the next push."""
    check_user_name(name)
    annotator_project_name(session.project_name, name)  # too long for Doccano: refused now
    path = annotators_dir(session.workspace) / f"{name}.credentials.json"
    if path.exists():
        read_credentials(path)  # a file others may read is refused here, not half-way through
        return path
    admin = session.doccano
    creds = ServerCredentials(session.url, name, secrets.token_urlsafe(18))
    with admin.errors(f"look up user {name!r}"):
        taken = any(user.username == name for user in admin.client.search_users(name))
    if taken:
        raise CredentialsError(
            f"{session.url}: a user {name!r} already exists and its password is not in "
            f"{path.parent}; choose another name, or put its credentials file there"
        )
    with admin.errors(f"create user {name!r}"):
        admin.client.create_user(name, creds.password)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    write_credentials(path, creds)
    return path
