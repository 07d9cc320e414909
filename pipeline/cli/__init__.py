"""``newscorpus``: one thin module per command over the library's plain functions."""

from pipeline.cli import dump, ingest, init, run, status, tokenize  # noqa: F401  (registers the commands)
from pipeline.cli import evaluate, preannotate, show  # noqa: F401
from pipeline.cli import doccano, pull, push, queue, report  # noqa: F401
from pipeline.cli import export, store, train  # noqa: F401
from pipeline.cli._util import app
from pipeline.util.signals import terminate_raises


def main() -> None:
    terminate_raises()
    app(prog_name="newscorpus")
