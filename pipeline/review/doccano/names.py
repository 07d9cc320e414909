"""Doccano's rules for user names, and the names of annotators' own projects (``"<project> · <annotator>"``)."""

from __future__ import annotations

import re

from pipeline.errors import InvalidUserNameError

SEPARATOR = " · "  # not ASCII, so never part of a user name: the annotator is what follows the last one
MAX_PROJECT_NAME = 100  # Doccano's Project.name is a CharField(max_length=100)
_NAME_CHARACTER = re.compile(r"[A-Za-z0-9_.@+-]")
_MAX_NAME = 150


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
        raise InvalidUserNameError(
            f"{name!r}: a Doccano user name is ASCII letters, digits and @ . + - _ only (not {shown})"
        )


def annotator_project_name(project: str, annotator: str) -> str:
    name = f"{project}{SEPARATOR}{annotator}"
    if len(name) > MAX_PROJECT_NAME:
        raise InvalidUserNameError(
            f"{annotator!r}: their project {name!r} would have {len(name)} characters and Doccano allows "
            f"{MAX_PROJECT_NAME}; choose a shorter annotator name (or [doccano] project)"
        )
    return name


def annotator_of(project_name: str, project: str) -> str | None:
    """The annotator whose project ``project_name`` is, if it is one of ``project``'s."""
    prefix = f"{project}{SEPARATOR}"
    rest = project_name[len(prefix) :] if project_name.startswith(prefix) else ""
    return rest if is_user_name(rest) else None
