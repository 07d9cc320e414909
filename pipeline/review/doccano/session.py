"""One command's session with Doccano: the server and the admin's login, the main project and its label
types, the guideline and the annotator accounts, each resolved once and passed to push, pull and
add-annotator instead of being looked up again by every function on the way.

The credentials are read and the login made at first use, so what can be refused without a server (a user
name Doccano would not take) is refused before either.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.annotators import annotator_credentials
from pipeline.review.doccano.credentials import ServerCredentials, resolve_server
from pipeline.review.doccano.projects import (
    ensure_annotator_project,
    ensure_label_types,
    ensure_project,
    read_guideline,
)
from pipeline.workspace import Workspace


@dataclass
class ReviewSession:
    workspace: Workspace
    project_name: str
    _projects: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)  # set up this session

    @classmethod
    def open(cls, workspace: Workspace, *, project: str | None = None) -> ReviewSession:
        """The session of ``workspace`` on its server ($DOCCANO_URL or the local one), for ``project``
        (default: ``[doccano] project``)."""
        return cls(workspace, project or workspace.settings.doccano.project)

    @cached_property
    def creds(self) -> ServerCredentials:
        return resolve_server(self.workspace)

    @property
    def url(self) -> str:
        return self.creds.url

    @cached_property
    def doccano(self) -> Doccano:
        return Doccano(self.creds)

    @cached_property
    def labels(self) -> list[str]:
        labels = self.workspace.settings.labels
        return labels.entities + labels.claims

    @cached_property
    def guideline(self) -> str:
        return read_guideline(self.workspace)

    def find_main_project(self) -> dict[str, Any] | None:
        """The main project as the server has it, or None; not created."""
        return self._projects.get(self.project_name) or self.doccano.find_project(self.project_name)

    def main_project(self) -> dict[str, Any]:
        """The main project, created or brought up to date (guideline, description, label types) once a session."""
        if self.project_name not in self._projects:
            project = ensure_project(self.doccano, self.project_name, self.guideline)
            ensure_label_types(self.doccano, project["id"], self.labels)
            self._projects[self.project_name] = project
        return self._projects[self.project_name]

    def annotator_project(self, annotator: str) -> dict[str, Any]:
        """The annotator's own project, created or brought up to date once a session."""
        key = f"annotator:{annotator}"
        if key not in self._projects:
            self._projects[key] = ensure_annotator_project(
                self.doccano, self.project_name, annotator, self.guideline, self.labels
            )
        return self._projects[key]

    def annotator_accounts(self) -> list[ServerCredentials]:
        """The annotator accounts this workspace manages on this session's server."""
        return annotator_credentials(self.workspace, self.url)
