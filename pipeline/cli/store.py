from typing import Optional

import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, workspace_of
from pipeline.corpus.store import legacy, maintenance
from pipeline.workspace import Workspace

store_app = typer.Typer(
    help="The corpus store's Delta Lake tables: compaction, vacuum, migration.", no_args_is_help=True
)
app.add_typer(store_app, name="store")


@store_app.command("compact")
@handle_errors
def compact_command(
    ctx: typer.Context,
    retention_hours: Optional[int] = typer.Option(
        None, "--retention-hours", min=0, help="Delete unused files older than this. Default: [store] retention_hours."
    ),
) -> None:
    """Join each table's small files into large ones and delete the files no current commit uses.

    The main job runs this by itself when a table has many small files.
    """
    run_compact(workspace_of(ctx), quiet=options(ctx).quiet, retention_hours=retention_hours)


def run_compact(workspace: Workspace, *, quiet: bool, retention_hours: int | None = None) -> maintenance.CompactReport:
    store = store_of(workspace)
    hours = workspace.settings.store.retention_hours if retention_hours is None else retention_hours
    with store.locked():
        report = maintenance.compact(store, retention_hours=hours)
    if not quiet:
        for table in report.tables:
            out.print(
                f"store compact: {table.name}: {table.files_before} files ({table.bytes_before / 1e6:.1f} MB) "
                f"-> {table.files_after} ({table.bytes_after / 1e6:.1f} MB); {table.removed} unused files deleted"
            )
    return report


@store_app.command("migrate")
@handle_errors
def migrate_command(ctx: typer.Context) -> None:
    """Copy a store of newscorpus 0.1 (JSON Lines segments) into tables. Any command does it on first
    use; the old files are kept until you remove them."""
    store = store_of(workspace_of(ctx))
    if not legacy.needs_migration(store.root):
        out.print(f"store migrate: nothing to migrate in {store.root}")
        return
    with store.locked():
        pass  # taking the lock migrates, with a progress bar, and says what it did
