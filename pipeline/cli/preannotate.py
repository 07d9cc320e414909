from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

from pipeline.cli._util import (
    ENGINE_HELP,
    Engine,
    app,
    handle_errors,
    options,
    out,
    store_of,
    warn,
    with_engine,
    workspace_of,
)
from pipeline.errors import ModelNotFoundError
from pipeline.workspace import Workspace

if TYPE_CHECKING:
    from pipeline.nlp.preannotate import PreannotateReport


@app.command("preannotate")
@handle_errors
def preannotate_command(
    ctx: typer.Context,
    model: Optional[str] = typer.Option(
        None,
        "--model",
        "-m",
        help="spaCy pipeline (package name or path, e.g. models/newscorpus-extractor from newscorpus train); "
        "default: [model] name in newscorpus.toml.",
    ),
    n_process: int = typer.Option(
        1, "--n-process", "-n", min=1, help="Processes for the spaCy pipeline (local engine)."
    ),
    engine: Optional[Engine] = typer.Option(None, "--engine", help=ENGINE_HELP),
) -> None:
    """Pre-annotate entities and numeric claims in every document not yet done with these settings.

    Tokenizes first where needed. Entities come from the spaCy model and the gazetteer in
    annotations/gazetteer.jsonl (the gazetteer wins where they overlap); claims from newscorpus's rules.
    Lines in capitals are read from a truecased copy (a warning names each document written in capitals);
    table rows (results, standings, prices) are left out, and 'newscorpus status' lists why.
    With a model from newscorpus train (--model models/NAME), its NER replaces the base model's and its
    span categorizer adds the claims the rules do not find.
    """
    run_preannotate(with_engine(workspace_of(ctx), engine), model=model, n_process=n_process, quiet=options(ctx).quiet)


def resolve_model(workspace: Workspace, model: Optional[str]) -> Optional[str]:
    """A ``--model`` path is looked for from the current folder, then from the workspace; a bare
    name is a folder of the workspace's models/ when there is one, else an installed package."""
    if model is None:
        return None
    given = Path(model).expanduser()
    is_path = given.is_absolute() or len(given.parts) > 1 or model.startswith(".")
    if not is_path:
        candidates = [workspace.models_dir / model]
    else:
        candidates = (
            [given] if given.is_absolute() else list(dict.fromkeys([Path.cwd() / given, workspace.root / given]))
        )
    for candidate in candidates:
        if candidate.is_dir():
            return str(candidate.resolve())
    if is_path:
        raise ModelNotFoundError(f"no spaCy pipeline at {model}: looked in {' and '.join(str(c) for c in candidates)}")
    return model


def run_preannotate(
    workspace: Workspace, *, model: Optional[str] = None, n_process: int = 1, quiet: bool
) -> PreannotateReport:
    from pipeline.nlp.preannotate import preannotate

    model = resolve_model(workspace, model)
    report = preannotate(
        store_of(workspace),
        workspace.settings,
        workspace.annotations_dir,
        model=model,
        n_process=n_process,
        progress=not quiet,
    )
    for message in report.warnings:
        warn(message)
    if not quiet:
        out.print(
            f"preannotate: {report.processed} documents pre-annotated with {model or workspace.settings.model.name} "
            f"({report.entities} entities, {report.claims} claims), {report.skipped} already done, "
            f"{len(report.failed)} failed"
        )
        if report.notes.get("table"):
            out.print(
                f"preannotate: {report.notes['table']} documents have table rows, left out (no entities, no "
                f"claims); 'newscorpus status' lists them"
            )
    return report
