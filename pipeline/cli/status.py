from __future__ import annotations

import typer
from rich.table import Table

from pipeline.cli._util import app, handle_errors, out, store_of, workspace_of
from pipeline.workspace import Workspace


@app.command("status")
@handle_errors
def status_command(
    ctx: typer.Context,
    recent: int = typer.Option(10, "--recent", "-n", min=0, help="How many of the newest documents to list."),
    notes: int = typer.Option(
        10, "--notes", min=0, help="How many noted documents (in capitals, tables) to list per kind."
    ),
) -> None:
    """Per stage, how many documents are done, pending and failed; the documents a stage noted something
    about (written in capitals, table rows left out) and why; and the newest documents."""
    print_status(workspace_of(ctx), recent=recent, notes=notes)


def print_status(workspace: Workspace, *, recent: int = 10, notes: int = 10) -> None:
    from pipeline.status import corpus_status, stage_fingerprints

    status = corpus_status(store_of(workspace), stage_fingerprints(workspace), recent=recent)
    out.print(f"Workspace {workspace.root}: {status.documents} documents in {status.groups} near-duplicate groups")
    stages = Table("stage", "done", "pending", "failed", title="Stages", title_justify="left")
    stages.add_row("ingest", str(status.documents), "0", "0")
    captions = []
    for stage in status.stages:
        mark = "" if stage.up_to_date_known else " *"
        stages.add_row(stage.stage + mark, str(stage.done), str(stage.pending), str(stage.failed))
        if stage.stage == "preannotate" and set(stage.by_model) - {workspace.settings.model.name}:
            captions.append(
                "pre-annotated with " + ", ".join(f"{model} ({count})" for model, count in stage.by_model.items())
            )
    stages.add_row("reviewed", str(status.reviewed), str(status.documents - status.reviewed), "-")
    if not all(stage.up_to_date_known for stage in status.stages):
        captions.append(
            f"* the model {workspace.settings.model.name!r} is not installed: done counts every output, "
            "whether or not it is up to date with the current settings"
        )
    stages.caption = "\n".join(captions) or None
    out.print(stages)
    if status.notes:
        counts = status.note_counts()
        noted = Table(
            "id",
            "note",
            "why",
            title="Noted documents: " + ", ".join(f"{kind} {count}" for kind, count in counts.items()),
            title_justify="left",
        )
        shown: dict[str, int] = {}
        for note in status.notes:
            shown[note["kind"]] = shown.get(note["kind"], 0) + 1
            if shown[note["kind"]] <= notes:
                noted.add_row(note["id"], note["kind"], note["detail"])
        hidden = sum(max(0, count - notes) for count in counts.values())
        if hidden:
            noted.caption = f"{hidden} more (--notes N lists more)"
        out.print(noted)
    if status.recent:
        documents = Table(title="Newest documents", title_justify="left")
        documents.add_column("id", no_wrap=True)
        for column in ("headline", "byline", "dateline", "date"):
            documents.add_column(column)
        for item in status.recent:
            meta = item["meta"]
            dateline = ", ".join(v for v in (meta.get("place"), meta.get("agency")) if v)
            date = meta.get("date_iso") or meta.get("date") or ""
            if meta.get("date_iso") and meta.get("date") and meta["date"] != meta["date_iso"]:
                date = f"{meta['date_iso']} ({meta['date']})"
            documents.add_row(item["id"], meta.get("headline") or "", meta.get("byline") or "", dateline, date)
        out.print(documents)
