"""The Doccano projects newscorpus keeps: the main one, and one per annotator.

The main project is non-collaborative, as Doccano makes them by default: approvers and the admin
confirm there. Each annotator labels in a project of their own, ``"<project> · <annotator>"``,
that receives the same bulk import as the main one. Doccano shows a user only their own spans in a
non-collaborative project, and imported spans belong to the admin who imported them (doccano
#1871); an annotator's project is collaborative, so they see and edit the imported spans, while
their work stays apart from the other annotators', which keeps agreement measurable.
"""

from __future__ import annotations

from typing import Any

import orjson

from pipeline.review.doccano.adapter import Doccano, raise_for_status
from pipeline.review.doccano.names import annotator_of, annotator_project_name
from pipeline.review.palette import LABEL_STYLE, OTHER_LABEL, RELATION_TYPES
from pipeline.workspace import Workspace

PROJECT_TYPE = "SequenceLabeling"
ANNOTATOR_ROLE = "annotator"

# What an annotator reads first, in the project list and on the project's page; the shortcuts are
# the label types' own (pipeline/review/palette.py).
DESCRIPTION = (
    "News articles pre-annotated by newscorpus with entities and numeric claims, for you to check. "
    "First read the Guideline (left menu), then press Start Annotation. Accept, fix, delete or add "
    "spans. Shortcuts: "
    + ", ".join(f"{prefix + '+' if prefix else ''}{key} {label}" for label, (_, prefix, key) in LABEL_STYLE.items())
    + ". When a document is done, press Not Checked so that it reads Checked."
)


def read_guideline(workspace: Workspace) -> str:
    path = workspace.annotations_dir / "guidelines.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def ensure_project(doccano: Doccano, name: str, guideline: str, *, collaborative: bool = False) -> dict[str, Any]:
    """Find or create the project; bring the guideline, description and mode of one found up to date."""
    project = doccano.find_project(name)
    if project is not None:
        wanted = {"guideline": guideline, "description": DESCRIPTION, "collaborative_annotation": collaborative}
        changed = {key: value for key, value in wanted.items() if _stored(project.get(key)) != _stored(value)}
        if changed:
            with doccano.errors(f"update project {name!r}"):
                doccano.client.update_project(project["id"], **changed)
        return project
    with doccano.errors(f"create project {name!r}"):
        created = doccano.client.create_project(
            name=name,
            project_type=PROJECT_TYPE,
            guideline=guideline,
            allow_overlapping=True,
            use_relation=True,
            collaborative_annotation=collaborative,
            description=DESCRIPTION,
        )
    return created.dict()


def _stored(value: Any) -> Any:
    """A value as Doccano keeps it: its serializers strip the whitespace around text."""
    return value.strip() if isinstance(value, str) else value


def ensure_label_types(doccano: Doccano, project_id: int, labels: list[str]) -> None:
    """Create the project's missing label types, each kind in one request (a new project needs 15);
    give those made by an older newscorpus today's colours."""
    wanted = {
        "span": [(label, *LABEL_STYLE.get(label, (OTHER_LABEL, None, None))) for label in labels],
        "relation": [(relation, colour, None, None) for relation, colour in RELATION_TYPES.items()],
    }
    for kind, types in wanted.items():
        with doccano.errors(f"list {kind} types"):
            found = {t.text: t for t in doccano.client.list_label_types(project_id, kind)}
        missing = [
            {
                "text": label,
                "prefix_key": prefix,
                "suffix_key": key,
                "background_color": colour,
                "text_color": "#ffffff",
            }
            for label, colour, prefix, key in types
            if label not in found
        ]
        if missing:
            with doccano.errors(f"create {kind} types"):
                response = doccano.session.post(
                    f"{doccano.api}/projects/{project_id}/{kind}-type-upload",
                    timeout=60,
                    files={"file": ("labels.json", orjson.dumps(missing), "application/json")},
                    headers={"Content-Type": None},
                )  # multipart, not the session's JSON
                raise_for_status(response)
        with doccano.errors(f"update {kind} types"):
            for label, colour, _, _ in types:
                old = found.get(label)
                if (
                    old is not None
                    and old.background_color.lower() != colour
                    and label in {**LABEL_STYLE, **RELATION_TYPES}
                ):
                    doccano.client.update_label_type(project_id, old.id, kind, color=colour)


def members(doccano: Doccano, project_id: int) -> dict[str, str]:
    """{user name: role name} of the project's members."""
    with doccano.errors("list members"):
        return {m.username: m.rolename for m in doccano.client.list_members(project_id)}


def ensure_member(doccano: Doccano, project_id: int, username: str, role: str = ANNOTATOR_ROLE) -> None:
    if username not in members(doccano, project_id):
        with doccano.errors(f"add {username!r} to the project"):
            doccano.client.add_member(project_id, username, role)


def ensure_annotator_project(
    doccano: Doccano, project: str, annotator: str, guideline: str, labels: list[str]
) -> dict[str, Any]:
    """The annotator's own project, set up as the main one but collaborative, with them as annotator."""
    found = ensure_project(doccano, annotator_project_name(project, annotator), guideline, collaborative=True)
    ensure_label_types(doccano, found["id"], labels)
    ensure_member(doccano, found["id"], annotator)
    return found


def annotator_projects(doccano: Doccano, project: str) -> dict[str, dict[str, Any]]:
    """{annotator: their project} for ``project``, found on the server (so any workspace can pull them):
    a project named ``"<project> · <name>"`` of which ``name`` is a member."""
    found = {}
    for candidate in doccano.get_json("projects", "list projects", limit=1000)["results"]:
        annotator = annotator_of(candidate["name"], project)
        if annotator is not None and annotator in members(doccano, candidate["id"]):
            found[annotator] = candidate
    return dict(sorted(found.items()))
