"""Per-span copies in the main project, for annotators set up by an older newscorpus.

Before annotators had projects of their own, each one was a member of the main (non-collaborative)
project and got a copy of every pre-annotated span there, written through the API as that
annotator, one request a span (about 1.4 copies a second). An annotator who is still a member of
the main project keeps working that way, so their work there is neither moved nor lost; everyone
added since gets their own project, filled by bulk import (``pipeline.review.doccano.push``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pipeline.corpus.store import CorpusStore
from pipeline.review.doccano.adapter import Doccano, raise_for_status
from pipeline.review.doccano.annotators import annotators_dir
from pipeline.review.doccano.remote_index import RemoteIndex
from pipeline.stages import PREANNOTATE
from pipeline.util.fs import write_text_atomic
from pipeline.util.progress import progress_bar
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.doccano.session import ReviewSession

COPY_THREADS = 4


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


def copy_spans(
    session: ReviewSession,
    project_id: int,
    store: CorpusStore,
    index: RemoteIndex,
    annotators: set[str],
    *,
    progress: bool = True,
) -> dict[str, int]:
    """Give each of ``annotators`` their own copy of the pre-annotations of every example of the main
    project they have not had one of; resumable (a state file per annotator, and the spans a run
    interrupted half-way through a document already made are not made twice)."""
    admin, workspace = session.doccano, session.workspace
    examples = {e["doc_id"]: e["id"] for e in index.with_ids(admin).examples if e["doc_id"]}
    with admin.errors("list label types"):
        label_ids = {t.text: t.id for t in admin.client.list_label_types(project_id, "span")}
    copied: dict[str, int] = {}
    for creds in session.annotator_accounts():
        if creds.username not in annotators:
            continue
        state = copies_state(workspace, creds.url, project_id, creds.username)
        todo = [doc_id for doc_id in examples if doc_id not in state.done]
        copied[creds.username] = len(todo)
        if not todo:
            continue
        annotator = Doccano(creds)
        documents = {d.id: d for d in store.iter_documents([PREANNOTATE], ids=set(todo))}
        with progress_bar(progress) as bar, ThreadPoolExecutor(COPY_THREADS) as pool, _saving(state):
            task = bar.add_task(f"copy to {creds.username}", total=len(todo))
            for doc_id in todo:
                document = documents.get(doc_id)
                spans = (document.entities + document.claims) if document is not None else []
                made = {
                    (s["start_offset"], s["end_offset"], s["label"])
                    for s in annotator.get_json(
                        f"projects/{project_id}/examples/{examples[doc_id]}/spans", "list spans"
                    )
                }
                requests = [
                    pool.submit(_create_span, annotator, project_id, examples[doc_id], span, label_ids)
                    for span in spans
                    if span["label"] in label_ids and (span["start"], span["end"], label_ids[span["label"]]) not in made
                ]
                for request in requests:
                    request.result()
                state.mark(doc_id)
                bar.advance(task)
    return copied


@contextlib.contextmanager
def _saving(state: CopiesState) -> Iterator[None]:
    try:
        yield
    finally:
        state.save()


def _create_span(
    doccano: Doccano, project_id: int, example_id: int, span: dict[str, Any], label_ids: dict[str, int]
) -> None:
    with doccano.errors("create a span"):
        response = doccano.session.post(
            f"{doccano.api}/projects/{project_id}/examples/{example_id}/spans",
            json={"label": label_ids[span["label"]], "start_offset": span["start"], "end_offset": span["end"]},
            timeout=60,
        )
        raise_for_status(response)
