"""Annotator accounts: created on the server with a generated password kept in a 0600 file, and the
record of which examples each one has their own copy of the pre-annotations for."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from pipeline.doccano.credentials import ServerCredentials, read_credentials, resolve_server, state_dir, write_credentials
from pipeline.errors import CredentialsError, InvalidUserNameError
from pipeline.util.fs import write_text_atomic
from pipeline.workspace import Workspace

ANNOTATOR_ROLE = "annotator"
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
    """Create (or reuse) an annotator account and make it an annotator of the project."""
    from pipeline.doccano.api import Doccano
    from pipeline.doccano.push import ensure_project

    check_user_name(name)
    admin_creds = resolve_server(workspace)
    path = annotators_dir(workspace) / f"{name}.credentials.json"
    admin = Doccano(admin_creds)
    if path.exists():
        creds = read_credentials(path)
    else:
        creds = ServerCredentials(admin_creds.url, name, secrets.token_urlsafe(18))
        if any(user.username == name for user in admin.client.search_users(name)):
            raise CredentialsError(f"{admin_creds.url}: a user {name!r} already exists and its password is not in "
                                   f"{path.parent}; choose another name, or put its credentials file there")
        with admin.errors(f"create user {name!r}"):
            admin.client.create_user(name, creds.password)
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_credentials(path, creds)
    guideline = workspace.annotations_dir / "guidelines.md"
    remote = ensure_project(admin, project or workspace.settings.doccano.project,
                            guideline.read_text(encoding="utf-8") if guideline.exists() else "")
    with admin.errors("list members"):
        members = {m.username for m in admin.client.list_members(remote["id"])}
    if name not in members:
        with admin.errors(f"add {name!r} to the project"):
            admin.client.add_member(remote["id"], name, ANNOTATOR_ROLE)
    return path


@dataclass
class CopiesState:
    """Which documents an annotator has their copy of, for one project on one server."""

    path: Path
    done: set[str] = field(default_factory=set)

    def mark(self, doc_id: str) -> None:
        self.done.add(doc_id)

    def save(self) -> None:
        write_text_atomic(self.path, orjson.dumps(sorted(self.done)).decode())


def copies_state(workspace: Workspace, url: str, project_id: int, username: str) -> CopiesState:
    key = re.sub(r"[^A-Za-z0-9]+", "-", f"{url}-{project_id}-{username}").strip("-")
    path = annotators_dir(workspace) / "copies" / f"{key}.json"
    done = set(orjson.loads(path.read_bytes())) if path.exists() else set()
    return CopiesState(path, done)
