import os
from typing import Optional

import typer

from pipeline.cli._util import (
    ENGINE_HELP,
    Engine,
    app,
    handle_errors,
    options,
    out,
    store_of,
    with_engine,
    workspace_of,
)
from pipeline.cli.export import run_export
from pipeline.cli.ingest import run_ingest
from pipeline.cli.preannotate import run_preannotate
from pipeline.cli.push import run_push
from pipeline.cli.status import print_status
from pipeline.cli.store import run_compact
from pipeline.cli.tokenize import run_tokenize
from pipeline.corpus.store.maintenance import expired_files, needs_compaction


@app.command("run")
@handle_errors
def run_command(
    ctx: typer.Context,
    doccano: bool = typer.Option(
        True,
        "--doccano/--no-doccano",
        help="Start the local Doccano server (unless DOCCANO_URL names another) and push.",
    ),
    engine: Optional[Engine] = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """The main job: ingest, tokenize, pre-annotate, push to Doccano, export the dataset, print the status.

    The store's tables are compacted when many small files have gathered, and files no commit uses
    are deleted once older than [store] retention_hours (see 'newscorpus store compact').

    Every step is incremental: running it again only does what is new. Without DOCCANO_URL, the
    workspace's own Doccano server is started on 127.0.0.1 (installed on first use).
    """
    from pipeline.review.doccano.credentials import URL_ENV

    workspace = with_engine(workspace_of(ctx), engine)
    quiet = options(ctx).quiet
    ingest_report = run_ingest(workspace, [workspace.corpus_dir], quiet=quiet)
    run_tokenize(workspace, quiet=quiet)
    run_preannotate(workspace, quiet=quiet)
    store = store_of(workspace)
    if needs_compaction(store) or expired_files(store, workspace.settings.store.retention_hours):
        run_compact(workspace, quiet=quiet)
    push_report = None
    if doccano:
        if not os.environ.get(URL_ENV):
            from pipeline.cli.doccano import print_server_info
            from pipeline.review.doccano.server import server_up

            info = server_up(workspace, progress=not quiet)
            if not quiet:
                print_server_info(info)
        push_report = run_push(workspace, quiet=quiet)
    # The dataset: reviewed documents, and until there are any, the pre-annotated ones (marked as such).
    exported = run_export(workspace, include_unreviewed=True, overwrite=True, quiet=quiet)
    if not quiet:
        out.print()
        print_status(workspace)
        out.print(f"Load the dataset with: datasets.load_from_disk({str(exported.out)!r})")
        if push_report is not None:
            out.print(
                f"Review in Doccano: {push_report.url}/projects/{push_report.project_id}  "
                f"(add annotators with 'newscorpus doccano add-annotator NAME'; then 'newscorpus pull')"
            )
    if not ingest_report.ok or (push_report and (push_report.failed or push_report.conflicts)):
        raise typer.Exit(1)
