"""Push pre-annotated documents to a Doccano project, idempotently.

The server is the source of truth: every example carries its document's ``doc_id`` and
``content_hash`` in its meta, so a push first lists the project's examples (500 a request) and
uploads only documents that are not there. Uploads go through Doccano's bulk import (one file, one
task). Nothing is ever pushed over an existing example: a document whose source (external id or
file) is already in the project with another text is reported as a conflict. If the server dies
mid-import, running push again uploads what is missing, and removes the extra copies a retried
import task may have made (unconfirmed, unannotated ones only).

Visibility: the project is non-collaborative, so that annotators label independently and their
agreement can be measured; in that mode Doccano shows a user only their own spans, and imported
spans belong to the importing admin (doccano #1871). So each annotator registered with
``newscorpus doccano add-annotator`` gets their own copy of the pre-annotations, written through
the API as that annotator.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from pipeline.doccano.annotators import annotator_credentials, copies_state
from pipeline.doccano.api import Doccano
from pipeline.doccano.credentials import resolve_server
from pipeline.errors import DoccanoImportError
from pipeline.palette import LABEL_STYLE, OTHER_LABEL, RELATION_TYPES
from pipeline.preannotate import STAGE as PREANNOTATE
from pipeline.record import Document
from pipeline.store import CorpusStore
from pipeline.util.fs import write_text_atomic
from pipeline.util.progress import progress_bar
from pipeline.workspace import Workspace

log = logging.getLogger(__name__)

PROJECT_TYPE = "SequenceLabeling"
IMPORT_TASK = "RelationExtraction"  # Doccano's JSONL format with "entities" and "relations"
UPLOAD_BATCH = 5000
COPY_THREADS = 4


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class PushReport:
    url: str
    project: str
    project_id: int
    uploaded: int = 0
    already_there: int = 0
    not_preannotated: int = 0
    conflicts: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    duplicates_removed: int = 0
    copies: dict[str, int] = field(default_factory=dict)


# What an annotator reads first, in the project list and on the project's page; the shortcuts are
# the label types' own (pipeline/palette.py).
DESCRIPTION = ("News articles pre-annotated by newscorpus with entities and numeric claims, for you to check. "
               "First read the Guideline (left menu), then press Start Annotation. Accept, fix, delete or add "
               "spans. Shortcuts: "
               + ", ".join(f"{prefix + '+' if prefix else ''}{key} {label}" for label, (_, prefix, key) in LABEL_STYLE.items())
               + ". When a document is done, press Not Checked so that it reads Checked.")


def ensure_project(doccano: Doccano, name: str, guideline: str) -> dict[str, Any]:
    project = doccano.find_project(name)
    if project is not None:
        changed = {key: value for key, value in (("guideline", guideline), ("description", DESCRIPTION))
                   if project.get(key, "") != value}
        if changed:
            with doccano.errors("update the project's guideline and description"):
                doccano.client.update_project(project["id"], **changed)
        return project
    with doccano.errors(f"create project {name!r}"):
        created = doccano.client.create_project(
            name=name, project_type=PROJECT_TYPE, guideline=guideline, allow_overlapping=True, use_relation=True,
            collaborative_annotation=False,
            description=DESCRIPTION,
        )
    return created.dict()


def ensure_label_types(doccano: Doccano, project_id: int, labels: list[str]) -> None:
    """Create the project's label types; give those made by an older newscorpus today's colours."""
    with doccano.errors("list label types"):
        spans = {t.text: t for t in doccano.client.list_label_types(project_id, "span")}
        relations = {t.text: t for t in doccano.client.list_label_types(project_id, "relation")}
    wanted = [("span", label, *LABEL_STYLE.get(label, (OTHER_LABEL, None, None))) for label in labels]
    wanted += [("relation", relation, colour, None, None) for relation, colour in RELATION_TYPES.items()]
    with doccano.errors("create label types"):
        for kind, label, colour, prefix, key in wanted:
            found = (spans if kind == "span" else relations).get(label)
            if found is None:
                doccano.client.create_label_type(project_id, kind, label, prefix_key=prefix, suffix_key=key, color=colour)
            elif found.background_color.lower() != colour and label in {**LABEL_STYLE, **RELATION_TYPES}:
                doccano.client.update_label_type(project_id, found.id, kind, color=colour)


def _source_key(document: Document) -> str | None:
    meta = document.meta
    return meta.get("external_id") or meta.get("source_path")


def upload_record(document: Document) -> dict[str, Any]:
    spans = document.entities + document.claims
    return {
        "text": document.text,
        "entities": [{"id": n, "start_offset": s["start"], "end_offset": s["end"], "label": s["label"]} for n, s in enumerate(spans)],
        "relations": [],
        "doc_id": document.id,
        "content_hash": content_hash(document.text),
        "group": document.group,
        "source": _source_key(document) or "",
        "headline": document.meta.get("headline") or "",
    }


def push(workspace: Workspace, store: CorpusStore, *, project: str | None = None, progress: bool = True) -> PushReport:
    settings = workspace.settings
    name = project or settings.doccano.project
    creds = resolve_server(workspace)
    doccano = Doccano(creds)
    guideline_file = workspace.annotations_dir / "guidelines.md"
    guideline = guideline_file.read_text(encoding="utf-8") if guideline_file.exists() else ""
    remote_project = ensure_project(doccano, name, guideline)
    project_id = remote_project["id"]
    ensure_label_types(doccano, project_id, settings.labels.entities + settings.labels.claims)
    report = PushReport(creds.url, name, project_id)

    index = RemoteIndex.load(workspace, doccano, project_id)
    remote_ids = index.by_doc_id()
    remote_sources = {e["source"]: e["content_hash"] for e in index.examples if e.get("source")}
    report.duplicates_removed = _remove_duplicates(doccano, project_id, remote_ids, index)

    pending: list[bytes] = []
    uploaded: list[dict[str, Any]] = []  # to the index, without ids: listing 2,000 new examples costs a third of a push
    with tempfile.TemporaryDirectory(prefix="newscorpus-push-") as tmp, progress_bar(progress) as bar:
        task = bar.add_task("push", total=None)
        for document in store.iter_documents([PREANNOTATE]):
            if document.id in remote_ids:
                report.already_there += 1
                continue
            if PREANNOTATE not in document.outputs:
                report.not_preannotated += 1
                continue
            source = _source_key(document)
            if source and source in remote_sources and remote_sources[source] != content_hash(document.text):
                report.conflicts.append(f"{document.id}: {source} is already in the project with another text; "
                                        f"not pushed over its annotations")
                continue
            record = upload_record(document)
            pending.append(orjson.dumps(record) + b"\n")
            uploaded.append({"id": None, "doc_id": record["doc_id"], "source": record["source"],
                             "content_hash": record["content_hash"], "is_confirmed": False})
            if len(pending) >= UPLOAD_BATCH:
                report.uploaded += _upload(doccano, project_id, pending, Path(tmp), report)
                bar.advance(task, len(pending))
                pending = []
        if pending:
            report.uploaded += _upload(doccano, project_id, pending, Path(tmp), report)
            bar.advance(task, len(pending))
    if not report.failed:
        index.examples.extend(uploaded)  # a count that disagrees later makes the next push list again
    index.save()
    if annotator_credentials(workspace):
        report.copies = copy_to_annotators(workspace, doccano, project_id, store, index, progress=progress)
    return report


@dataclass
class RemoteIndex:
    """The project's examples as far as push needs them (id, doc_id, source, content_hash,
    is_confirmed), cached in the workspace and checked against the server's example count, so that
    an unchanged re-push does not list thousands of examples (Doccano serialises each one with
    several queries). Rebuilt from the server whenever the count disagrees."""

    path: Path
    project_id: int
    examples: list[dict[str, Any]]

    @classmethod
    def load(cls, workspace: Workspace, doccano: Doccano, project_id: int) -> RemoteIndex:
        from pipeline.doccano.credentials import state_dir

        key = hashlib.sha256(f"{doccano.creds.url}|{project_id}".encode()).hexdigest()[:16]
        path = state_dir(workspace) / "remote" / f"{key}.json"
        cached = orjson.loads(path.read_bytes()) if path.exists() else []
        index = cls(path, project_id, cached)
        count = index.count(doccano)
        if count < len(cached) or (cached and not index._first_is(doccano, cached[0]["doc_id"])):
            index.examples = []  # examples were deleted, or this is another project or server
        if count != len(index.examples):
            index.with_ids(doccano)
            if count != len(index.examples):  # something else changed: list everything again
                index.examples = []
                index.fetch_new(doccano)
        return index

    def count(self, doccano: Doccano) -> int:
        return doccano.get_json(f"projects/{self.project_id}/examples", "count examples", limit=1)["count"]

    def _first_is(self, doccano: Doccano, doc_id: str | None) -> bool:
        page = doccano.get_json(f"projects/{self.project_id}/examples", "check examples", limit=1)
        return bool(page["results"]) and (page["results"][0].get("meta") or {}).get("doc_id") == doc_id

    def with_ids(self, doccano: Doccano) -> RemoteIndex:
        """Fill in the example ids of what this push uploaded (listing only those)."""
        unknown = next((n for n, e in enumerate(self.examples) if e["id"] is None), len(self.examples))
        self.examples = self.examples[:unknown]
        self.fetch_new(doccano)
        self.save()
        return self

    def fetch_new(self, doccano: Doccano) -> None:
        """Append the examples created since the last listing (they are listed in creation order)."""
        offset = len(self.examples)
        for example in doccano.examples(self.project_id, offset=offset):
            meta = example.get("meta") or {}
            self.examples.append({"id": example["id"], "doc_id": meta.get("doc_id"), "source": meta.get("source"),
                                  "content_hash": meta.get("content_hash"), "is_confirmed": example.get("is_confirmed")})

    def by_doc_id(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for example in self.examples:
            if example["doc_id"]:
                found[example["doc_id"]].append(example)
        return found

    def save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text_atomic(self.path, orjson.dumps(self.examples).decode())


def _upload(doccano: Doccano, project_id: int, lines: list[bytes], tmp: Path, report: PushReport) -> int:
    path = tmp / f"newscorpus-{len(lines)}.jsonl"
    path.write_bytes(b"".join(lines))
    with doccano.errors("upload documents"):
        upload_id = doccano.client.data_import._data_upload_repository.upload(str(path))
        task_id = doccano.client.data_import._data_upload_repository.ingest(
            project_id, [upload_id], IMPORT_TASK, "JSONL", column_data="text", column_label="label")
    status = doccano.wait_for_task(task_id, "import documents")
    errors = (status.get("result") or {}).get("error") or status.get("error") or []
    if isinstance(errors, dict):
        errors = [errors]
    for error in errors:
        report.failed.append(f"line {error.get('line', '?')}: {error.get('message', error)}")
    if errors and len(errors) >= len(lines):
        raise DoccanoImportError(f"{doccano.creds.url}: the import task refused every document: {report.failed[0]}")
    return len(lines) - len(errors)


def _remove_duplicates(doccano: Doccano, project_id: int, remote: dict[str, list[dict[str, Any]]], index: RemoteIndex) -> int:
    """Extra copies of one document (a retried import task) that nobody has confirmed: delete them."""
    extra = []
    for examples in remote.values():
        if len(examples) > 1:
            keep, *rest = sorted(examples, key=lambda e: e["id"])
            extra.extend(e["id"] for e in rest if not e.get("is_confirmed"))
            examples[:] = [keep]
    if extra:
        with doccano.errors("delete duplicate examples"):
            doccano.client.bulk_delete_examples(project_id, extra)
        gone = set(extra)
        index.examples = [e for e in index.examples if e["id"] not in gone]
    return len(extra)


def give_copies(workspace: Workspace, store: CorpusStore, username: str, *, project: str | None = None,
                progress: bool = True) -> int:
    """Give one annotator (just added) their copy of the pre-annotations of the examples already in
    the project, so they can start without another push. Resumable as push's copies are."""
    doccano = Doccano(resolve_server(workspace))
    found = doccano.find_project(project or workspace.settings.doccano.project)
    if found is None:
        return 0
    index = RemoteIndex.load(workspace, doccano, found["id"])
    return copy_to_annotators(workspace, doccano, found["id"], store, index, only={username},
                              progress=progress).get(username, 0)


def copy_to_annotators(workspace: Workspace, admin: Doccano, project_id: int, store: CorpusStore, index: RemoteIndex, *,
                       only: set[str] | None = None, progress: bool = True) -> dict[str, int]:
    """Give each registered annotator (or those ``only`` names) their own copy of the pre-annotations
    of every example they have not had one of (non-collaborative projects show a user only their
    own spans)."""
    examples = {e["doc_id"]: e["id"] for e in index.with_ids(admin).examples if e["doc_id"]}
    with admin.errors("list label types"):
        label_ids = {t.text: t.id for t in admin.client.list_label_types(project_id, "span")}
    copied: dict[str, int] = {}
    for creds in annotator_credentials(workspace):
        if only is not None and creds.username not in only:
            continue
        state = copies_state(workspace, creds.url, project_id, creds.username)
        todo = [doc_id for doc_id in examples if doc_id not in state.done]
        if not todo:
            copied[creds.username] = 0
            continue
        annotator = Doccano(creds)
        documents = {d.id: d for d in store.iter_documents([PREANNOTATE], ids=set(todo))}
        with progress_bar(progress) as bar, ThreadPoolExecutor(COPY_THREADS) as pool, _saving(state):
            task = bar.add_task(f"copy to {creds.username}", total=len(todo))
            for doc_id in todo:
                document = documents.get(doc_id)
                spans = (document.entities + document.claims) if document is not None else []
                # what a run that was interrupted half-way through this document already made
                made = {(s["start_offset"], s["end_offset"], s["label"]) for s in annotator.get_json(
                    f"projects/{project_id}/examples/{examples[doc_id]}/spans", "list spans")}
                requests = [pool.submit(_create_span, annotator, project_id, examples[doc_id], span, label_ids)
                            for span in spans if span["label"] in label_ids
                            and (span["start"], span["end"], label_ids[span["label"]]) not in made]
                for request in requests:
                    request.result()
                state.mark(doc_id)
                bar.advance(task)
        copied[creds.username] = len(todo)
    return copied


@contextlib.contextmanager
def _saving(state):
    try:
        yield
    finally:
        state.save()


def _create_span(doccano: Doccano, project_id: int, example_id: int, span: dict[str, Any], label_ids: dict[str, int]) -> None:
    with doccano.errors("create a span"):
        response = doccano.session.post(
            f"{doccano.api}/projects/{project_id}/examples/{example_id}/spans",
            json={"label": label_ids[span["label"]], "start_offset": span["start"], "end_offset": span["end"]},
            timeout=60,
        )
        if response.status_code >= 400:
            from doccano_client.exceptions import DoccanoAPIError

            raise DoccanoAPIError(f"HTTP {response.status_code}", response)
