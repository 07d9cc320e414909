"""What push knows of a project's examples, cached in the workspace.

Doccano serialises each example with several queries, so listing thousands of them costs a third
of a push; the cache is checked against the server's example count instead, and rebuilt whenever
the count disagrees. The server stays the source of truth: every example carries its document's
``doc_id`` and ``content_hash`` in its meta.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.credentials import state_dir
from pipeline.util.fs import write_text_atomic
from pipeline.workspace import Workspace


@dataclass
class RemoteIndex:
    """The project's examples as far as push needs them (id, doc_id, source, content_hash,
    is_confirmed), in creation order; the id is None for those a push uploaded until ``with_ids``."""

    path: Path
    project_id: int
    examples: list[dict[str, Any]]

    @classmethod
    def load(cls, workspace: Workspace, doccano: Doccano, project_id: int) -> RemoteIndex:
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
            self.examples.append(
                {
                    "id": example["id"],
                    "doc_id": meta.get("doc_id"),
                    "source": meta.get("source"),
                    "content_hash": meta.get("content_hash"),
                    "is_confirmed": example.get("is_confirmed"),
                }
            )

    def by_doc_id(self) -> dict[str, list[dict[str, Any]]]:
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for example in self.examples:
            if example["doc_id"]:
                found[example["doc_id"]].append(example)
        return found

    def save(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_text_atomic(self.path, orjson.dumps(self.examples).decode())
