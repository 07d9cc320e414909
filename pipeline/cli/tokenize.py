import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, workspace_of
from pipeline.tokenization import StageReport, tokenize
from pipeline.workspace import Workspace


@app.command("tokenize")
@handle_errors
def tokenize_command(ctx: typer.Context) -> None:
    """Tokenize and sentence-split every document not yet done with the current model and settings."""
    run_tokenize(workspace_of(ctx), quiet=options(ctx).quiet)


def run_tokenize(workspace: Workspace, *, quiet: bool) -> StageReport:
    report = tokenize(store_of(workspace), workspace.settings, progress=not quiet)
    if not quiet:
        out.print(f"tokenize: {report.processed} documents tokenized with {workspace.settings.model.name}, "
                  f"{report.skipped} already done, {len(report.failed)} failed")
    return report
