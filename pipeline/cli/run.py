import typer

from pipeline.cli._util import app, handle_errors, options, out, workspace_of
from pipeline.cli.ingest import run_ingest
from pipeline.cli.preannotate import run_preannotate
from pipeline.cli.status import print_status
from pipeline.cli.tokenize import run_tokenize


@app.command("run")
@handle_errors
def run_command(ctx: typer.Context) -> None:
    """The main job: ingest corpus/, tokenize, pre-annotate, print the status summary.

    Every step is incremental: running it again only does what is new.
    """
    workspace = workspace_of(ctx)
    quiet = options(ctx).quiet
    ingest_report = run_ingest(workspace, [workspace.corpus_dir], quiet=quiet)
    run_tokenize(workspace, quiet=quiet)
    run_preannotate(workspace, quiet=quiet)
    if not quiet:
        out.print()
        print_status(workspace)
    if not ingest_report.ok:
        raise typer.Exit(1)
