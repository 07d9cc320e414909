import sys
from pathlib import Path
from typing import Optional

import orjson
import typer

from pipeline.cli._util import app, err, handle_errors, options, store_of, workspace_of
from pipeline.stages import PREANNOTATE, TOKENIZE
from pipeline.util.fs import atomic_write

STAGES = (TOKENIZE, PREANNOTATE)


@app.command("dump")
@handle_errors
def dump_command(
    ctx: typer.Context,
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Write to this file (atomically) instead of stdout."
    ),
) -> None:
    """Write every document as one JSON line: id, text, meta, group and its stage outputs.

    Stage outputs (tokens, sentences, ...) are top-level keys; "stages" says which version of
    which stage made them, with what settings (fingerprint).
    """
    store = store_of(workspace_of(ctx))
    documents = store.iter_documents(STAGES)
    count = 0
    if output is None:
        for document in documents:
            sys.stdout.buffer.write(orjson.dumps(document.to_json(), option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
            count += 1
        sys.stdout.flush()
    else:
        with atomic_write(output) as handle:
            for document in documents:
                handle.write(orjson.dumps(document.to_json(), option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
                count += 1
    if not options(ctx).quiet:
        err.print(f"dump: {count} documents" + (f" written to {output}" if output else ""))
