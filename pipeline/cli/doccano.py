from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import app, handle_errors, options, out, store_of, workspace_of

if TYPE_CHECKING:
    from pipeline.review.doccano.server import ServerInfo, ServerStatus

doccano_app = typer.Typer(
    help="The workspace's local Doccano annotation server, on 127.0.0.1 (installed on first use).",
    no_args_is_help=True,
)
app.add_typer(doccano_app, name="doccano")


@doccano_app.command("up")
@handle_errors
def up_command(
    ctx: typer.Context,
    port: Optional[int] = typer.Option(
        None,
        "--port",
        "-p",
        min=1,
        max=65535,
        help="Port on 127.0.0.1. Default: the previous run's, if free, else any free one.",
    ),
) -> None:
    """Start the local Doccano server for this workspace and print how to log in.

    The first run on a machine installs Doccano into its own environment in your data folder
    (~/.local/share/newscorpus/ on Linux, or $NEWSCORPUS_DOCCANO_VENV; a few minutes), sets up the
    workspace's database in annotations/doccano/ and creates the admin account. If the server is
    already running, says so.
    """
    from pipeline.review.doccano.server import server_up

    quiet = options(ctx).quiet
    info = server_up(workspace_of(ctx), port=port, progress=not quiet)
    if not quiet:
        print_server_info(info)


@doccano_app.command("down")
@handle_errors
def down_command(ctx: typer.Context) -> None:
    """Stop the local Doccano server of this workspace (its web server and task worker)."""
    from pipeline.review.doccano.server import server_down

    stopped = server_down(workspace_of(ctx))
    if options(ctx).quiet:
        return
    if stopped:
        out.print(f"Stopped Doccano (pids {', '.join(str(pid) for pid in stopped)})")
    else:
        out.print("Doccano was not running")


@doccano_app.command("status")
@handle_errors
def status_command(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object: url, credentials_file, pids, running."),
) -> None:
    """Whether the local Doccano server runs (web server and task worker, with pids), its URL and login file."""
    from pipeline.review.doccano.server import server_status

    status = server_status(workspace_of(ctx))
    if as_json:
        data = {
            "url": status.url,
            "credentials_file": str(status.credentials_file),
            "pids": status.pids,
            "running": status.running,
        }
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        print_server_status(status)


def print_server_info(info: ServerInfo) -> None:
    pids = ", ".join(f"{name} pid {pid}" for name, pid in info.pids.items())
    state = "already running" if info.already_running else "running"
    out.print(f"Doccano is {state} at {info.url} ({pids})")
    out.print(f"Log in as '{info.username}'; the password is in {info.credentials_file}")
    out.print("Stop it with: newscorpus doccano down")


def print_server_status(status: ServerStatus) -> None:
    if status.running:
        out.print(f"Doccano is running at {status.url}")
    elif any(status.pids.values()):
        out.print("Doccano is partly running: 'newscorpus doccano up' restarts it, 'newscorpus doccano down' stops it")
    else:
        out.print("Doccano is not running; start it with: newscorpus doccano up")
    for process in status.processes.values():
        if process.running:
            out.print(f"  {process.name:<7} running, pid {process.pid}")
        else:
            out.print(f"  {process.name:<7} not running")
    out.print(
        f"Credentials: {status.credentials_file}" + ("" if status.credentials_file.exists() else " (not created yet)")
    )
    out.print(f"Logs: {status.state_dir}/server.log, worker.log")


@doccano_app.command("add-annotator")
@handle_errors
def add_annotator_command(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="User name of the new annotator."),
    project: Optional[str] = typer.Option(None, "--project", help="Doccano project; default: [doccano] project."),
) -> None:
    """Create an annotator account with a generated password, and their own project to label in.

    The credentials go to a 0600 JSON file whose path is printed (never the password itself). Their
    project, "<project> · NAME", gets what is in the main project at once, by one bulk import
    (run again to finish an interrupted one); 'newscorpus push' gives it what is pushed later.
    """
    from pipeline.cli.push import warn_about
    from pipeline.review.doccano.annotators import add_annotator
    from pipeline.review.doccano.names import annotator_project_name
    from pipeline.review.doccano.push import give_copies
    from pipeline.review.doccano.session import ReviewSession

    workspace = workspace_of(ctx)
    quiet = options(ctx).quiet
    session = ReviewSession.open(workspace, project=project)
    main = session.project_name
    path = add_annotator(session, name)
    report = give_copies(session, store_of(workspace), name, progress=not quiet)
    warn_about(report)
    if not quiet:
        where = (
            f"the project {main!r}, as before (an older set-up; copied span by span)"
            if report.span_copies
            else f"their project {annotator_project_name(main, name)!r}"
        )
        out.print(f"Annotator {name!r} labels in {where}; their login is in {path} (mode 0600).")
        out.print(
            f"They have their copy of the pre-annotations of {report.copies.get(name, 0)} more documents; "
            f"'newscorpus push' gives them the ones pushed later."
        )
    if report.failed:
        raise typer.Exit(1)
