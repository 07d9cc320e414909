"""Pull reviewed annotations back from Doccano: an append-only snapshot, then the review stage.

Two exports of each project (Doccano's JSONL with entities and relations): everything, and what was
confirmed. The main project is non-collaborative, so its exports have one file per member (approvers
and the admin confirm there); an annotator's own project (``pipeline.review.doccano.projects``) is
collaborative, so its single file is that annotator's version. All are kept, as they came, in
``annotations/snapshots/<UTC time>/`` (the main project's in ``all/`` and ``confirmed/``, each
annotator's in ``annotators/<name>/``, and the projects they came from in ``manifest.json``), built
aside and renamed into place: a later pull never changes an earlier snapshot, an interrupted one
leaves nothing half-written, and a deleted Doccano project costs nothing local.

Per document: the members who confirmed it are its reviewers. One version is chosen by the policy
in ``pipeline.review.agreement.adjudicate`` (an approver's confirmation first, then the majority of
spans, ties reported) and stored as the document's ``review`` stage output, with claim values
re-normalised from the reviewed span text. Documents nobody confirmed stay "pre-annotated".
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from pipeline import stages
from pipeline.corpus.record import PRE_ANNOTATED, REVIEWED, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.errors import DoccanoRequestError
from pipeline.nlp.preannotate import doc_from_tokens
from pipeline.review.agreement import Agreement, adjudicate
from pipeline.review.doccano.adapter import Doccano
from pipeline.review.doccano.projects import annotator_projects, members
from pipeline.stages import REVIEW, TOKENIZE
from pipeline.util.fs import fsync_dir, write_text_atomic
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.review.doccano.session import ReviewSession

log = logging.getLogger(__name__)

STAGE = REVIEW
VERSION = stages.get(STAGE).version
APPROVER_ROLES = {"annotation_approver", "project_admin"}
ANNOTATORS = "annotators"  # the snapshot's folder of annotators' own projects


@dataclass
class PullReport:
    url: str
    project: str
    snapshot: Path
    examples: int = 0
    reviewed: int = 0
    pre_annotated: int = 0
    annotators: list[str] = field(default_factory=list)
    ties: list[str] = field(default_factory=list)
    unknown: int = 0  # examples whose document is not in this corpus
    agreement: dict[str, Any] = field(default_factory=dict)


def snapshots_dir(workspace: Workspace) -> Path:
    return workspace.annotations_dir / "snapshots"


def take_snapshot(
    workspace: Workspace,
    doccano: Doccano,
    project: dict[str, Any],
    annotator_projects: dict[str, dict[str, Any]] | None = None,
) -> Path:
    """Download both exports of the project and of each annotator's into a new snapshot folder, atomically."""
    annotator_projects = annotator_projects or {}
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    root = snapshots_dir(workspace)
    final = root / stamp
    building = root / f".{stamp}.incomplete"
    for leftover in root.glob(".*.incomplete") if root.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)  # an earlier pull that was interrupted
    building.mkdir(parents=True)
    try:
        _export_both(doccano, project, building)
        for annotator, own in annotator_projects.items():
            _export_both(doccano, own, building / ANNOTATORS / annotator)
        manifest = {
            "url": doccano.creds.url,
            "project": project["name"],
            "project_id": project["id"],
            "pulled_at": stamp,
            "members": members(doccano, project["id"]),
            "annotator_projects": {
                annotator: {"project": own["name"], "project_id": own["id"]}
                for annotator, own in annotator_projects.items()
            },
        }
        write_text_atomic(building / "manifest.json", orjson.dumps(manifest, option=orjson.OPT_INDENT_2).decode())
        building.rename(final)
        fsync_dir(root)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return final


def _export_both(doccano: Doccano, project: dict[str, Any], into: Path) -> None:
    into.mkdir(parents=True, exist_ok=True)
    for part, confirmed_only in (("all", False), ("confirmed", True)):
        with doccano.errors(f"export project {project['name']!r} ({part})"):
            archive = doccano.client.download(project["id"], "JSONL", only_approved=confirmed_only, dir_name=str(into))
        with zipfile.ZipFile(archive) as bundle:
            bundle.extractall(into / part)
        Path(archive).unlink()


def read_snapshot(snapshot: Path) -> tuple[dict[str, Any], dict[str, dict[str, dict[str, Any]]], dict[str, set[str]]]:
    """(manifest, {doc_id: {user: version}}, {user: confirmed doc ids}).

    An annotator with a project of their own is read from it (its one file is their version); the
    main project's files give everyone else's (approvers, the admin, annotators of an older set-up)."""
    manifest = orjson.loads((snapshot / "manifest.json").read_bytes())
    own = manifest.get("annotator_projects", {})
    versions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    confirmed: dict[str, set[str]] = defaultdict(set)
    sources = [(path.stem, path, False) for path in sorted((snapshot / "all").glob("*.jsonl")) if path.stem not in own]
    sources += [
        (path.stem, path, True) for path in sorted((snapshot / "confirmed").glob("*.jsonl")) if path.stem not in own
    ]
    for annotator in own:
        folder = snapshot / ANNOTATORS / annotator
        sources += [(annotator, path, False) for path in sorted((folder / "all").glob("*.jsonl"))]
        sources += [(annotator, path, True) for path in sorted((folder / "confirmed").glob("*.jsonl"))]
    for user, path, is_confirmation in sources:
        for record in _records(path):
            if is_confirmation:
                confirmed[user].add(record["doc_id"])
            else:
                versions[record["doc_id"]][user] = _version(record)
    return manifest, versions, confirmed


def _records(path: Path) -> Iterator[dict[str, Any]]:
    for line in path.read_bytes().splitlines():
        if line.strip():
            record = orjson.loads(line)
            if record.get("doc_id"):
                yield record


def _version(record: dict[str, Any]) -> dict[str, Any]:
    entities = sorted(record.get("entities", []), key=lambda e: (e["start_offset"], e["end_offset"], e["label"]))
    position = {entity["id"]: n for n, entity in enumerate(entities)}
    spans = [{"start": e["start_offset"], "end": e["end_offset"], "label": e["label"]} for e in entities]
    relations = [
        {"head": position[r["from_id"]], "tail": position[r["to_id"]], "type": r["type"]}
        for r in record.get("relations", [])
        if r["from_id"] in position and r["to_id"] in position
    ]
    return {"spans": spans, "relations": relations, "content_hash": record.get("content_hash")}


def pull(session: ReviewSession, store: CorpusStore, *, progress: bool = True) -> PullReport:
    """Snapshot the session's project and its annotators' projects, and apply the snapshot to the store."""
    remote = session.find_main_project()
    if remote is None:
        raise DoccanoRequestError(
            f"{session.url}: no project named {session.project_name!r}; nothing pulled, local snapshots kept"
        )
    snapshot = take_snapshot(
        session.workspace, session.doccano, remote, annotator_projects(session.doccano, session.project_name)
    )
    return apply_snapshot(session.workspace, store, snapshot)


def apply_snapshot(workspace: Workspace, store: CorpusStore, snapshot: Path) -> PullReport:
    """Resolve a snapshot into the review stage of the store (also used to re-apply an old one)."""
    settings = workspace.settings
    manifest, versions, confirmed = read_snapshot(snapshot)
    report = PullReport(manifest["url"], manifest["project"], snapshot, examples=len(versions))
    approvers = {user for user, role in manifest["members"].items() if role in APPROVER_ROLES}
    entity_labels, claim_labels = set(settings.labels.entities), set(settings.labels.claims)
    fingerprint = hashlib.sha256(f"{VERSION}:{snapshot.name}".encode()).hexdigest()[:16]
    agreement = Agreement()
    annotators: set[str] = set()
    normalizer = _ClaimNormalizer(settings.model.name)
    with store.locked(), store.stage_writer(STAGE) as writer:
        for document in store.iter_documents([TOKENIZE], ids=set(versions)):
            reviewers = {
                user: version
                for user, version in versions[document.id].items()
                if document.id in confirmed.get(user, set())
            }
            annotators.update(reviewers)
            if not reviewers:
                data = {
                    "status": PRE_ANNOTATED,
                    "entities": [],
                    "claims": [],
                    "relations": [],
                    "annotators": [],
                    "agreement": None,
                    "decision": None,
                }
                report.pre_annotated += 1
            else:
                doc_agreement = agreement.add(
                    {u: v["spans"] for u, v in reviewers.items()},
                    document.tokens,
                    settings.labels.entities + settings.labels.claims,
                )
                decision, chosen, ties = adjudicate(reviewers, approvers)
                report.ties.extend(f"{document.id}: {tie}" for tie in ties)
                data = _review_record(document, chosen, entity_labels, claim_labels, normalizer)
                data.update(status=REVIEWED, annotators=sorted(reviewers), agreement=doc_agreement, decision=decision)
                report.reviewed += 1
            writer.add_output(document.id, StageOutput(STAGE, VERSION, fingerprint, data))
    known = {entry.id for entry in store.document_index()}
    report.unknown = sum(1 for doc_id in versions if doc_id not in known)
    report.annotators = sorted(annotators)
    report.agreement = agreement.summary()
    write_text_atomic(
        snapshot.parent / f"{snapshot.name}.agreement.json",
        orjson.dumps(
            {"documents": agreement.documents, "labels": report.agreement}, option=orjson.OPT_INDENT_2
        ).decode(),
    )
    return report


def _review_record(
    document, chosen: dict[str, Any], entity_labels: set[str], claim_labels: set[str], normalizer: _ClaimNormalizer
) -> dict[str, Any]:
    text = document.text
    entities, claims, position = [], [], {}
    ordered = sorted(enumerate(chosen["spans"]), key=lambda item: (item[1]["label"] in claim_labels, item[1]["start"]))
    for original, span in ordered:
        if span["label"] in entity_labels:
            position[original] = len(entities)
            entities.append({**span, "text": text[span["start"] : span["end"]], "source": "annotator", "score": 1.0})
    for original, span in ordered:
        if span["label"] in claim_labels:
            position[original] = len(entities) + len(claims)
            claims.append(normalizer.normalize(document, span))
    relations = [
        {"head": position[r["head"]], "tail": position[r["tail"]], "type": r["type"]}
        for r in chosen.get("relations", [])
        if r["head"] in position and r["tail"] in position
    ]
    return {"entities": entities, "claims": claims, "relations": relations}


class _ClaimNormalizer:
    """Re-normalises reviewed claim spans from their text, with the tagger and lemmatizer only."""

    def __init__(self, model: str) -> None:
        self.model = model
        self._nlp = None

    def normalize(self, document, span: dict[str, Any]) -> dict[str, Any]:
        from pipeline.nlp.claims import normalize_claim

        if self._nlp is None:
            import spacy

            self._nlp = spacy.load(self.model, exclude=["parser", "ner", "senter"])
        doc = getattr(document, "_tagged", None)
        if doc is None:
            doc = doc_from_tokens(self._nlp.vocab, document.text, document.tokens, {s for s, _ in document.sentences})
            for _, component in self._nlp.pipeline:
                doc = component(doc)
            document._tagged = doc
        piece = doc.char_span(span["start"], span["end"], alignment_mode="expand")
        claim = normalize_claim(piece, span["label"]).to_json()
        claim.update(
            start=span["start"],
            end=span["end"],
            text=document.text[span["start"] : span["end"]],
            source="annotator",
            score=1.0,
        )
        return claim
