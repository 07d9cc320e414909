from pathlib import Path

import typer

from pipeline.cli._util import app, handle_errors, options, out
from pipeline.workspace import init_workspace


@app.command("init")
@handle_errors
def init_command(
    ctx: typer.Context,
    directory: Path = typer.Argument(..., help="Folder to make a workspace of (created if missing)."),
) -> None:
    """Create a workspace: corpus/, annotations/, models/ and a newscorpus.toml with the defaults."""
    workspace = init_workspace(directory)
    if options(ctx).quiet:
        return
    out.print(f"Created workspace {workspace.root}")
    out.print(f"Settings: {workspace.settings_path}")
    out.print(f"Use it with: newscorpus --workspace {workspace.root} ingest FILES...")
