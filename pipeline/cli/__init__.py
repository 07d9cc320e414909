"""``newscorpus``: one thin module per command over the library's plain functions."""

from pipeline.cli import (  # noqa: F401  (registers the commands)  # noqa: F401  # noqa: F401  # noqa: F401
    doccano,
    dump,
    evaluate,
    export,
    ingest,
    init,
    preannotate,
    pull,
    push,
    queue,
    report,
    run,
    show,
    status,
    store,
    tokenize,
    train,
)
from pipeline.cli._util import app
from pipeline.util.signals import terminate_raises


def main() -> None:
    terminate_raises()
    app(prog_name="newscorpus")
