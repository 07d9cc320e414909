from __future__ import annotations

import typer
from rich.table import Table

from pipeline.cli._util import app, handle_errors, out, store_of, workspace_of
from pipeline.review.queue import DEFAULT_ORDER, ORDERS


@app.command("queue")
@handle_errors
def queue_command(
    ctx: typer.Context,
    count: int = typer.Option(20, "--count", "-n", min=1, help="How many of the next documents to list."),
    order: str = typer.Option(DEFAULT_ORDER, "--order", help=f"Review order: {', '.join(ORDERS)}."),
) -> None:
    """The next documents to review, in the order 'push' sends them, each with why it is there.

    uncertainty (the default): where review is expected to change the most (low-confidence spans,
    counts whose unit was inferred, names and figures left unannotated, names not in reviewed data,
    text in capitals), one document of a near-duplicate story before its copies; diversity: the
    documents that bring the most names not seen above them; corpus: the store's order.
    Reviewed documents are left out.
    """
    from pipeline.review.queue import review_queue

    if order not in ORDERS:
        raise typer.BadParameter(f"{order!r} is not one of {', '.join(ORDERS)}", param_hint="--order")
    queue = review_queue(store_of(workspace_of(ctx)), order, include_reviewed=False)
    if not queue:
        out.print("queue: no pre-annotated document is waiting for review")
        return
    table = Table(
        title=f"Next to review ({order} order): {min(count, len(queue))} of {len(queue)}",
        title_justify="left",
        caption="expected: the corrections review is expected to make",
    )
    table.add_column("rank", justify="right")
    table.add_column("id", no_wrap=True)
    table.add_column("headline", max_width=22, no_wrap=True, overflow="ellipsis")
    table.add_column("expected", justify="right", min_width=8)
    table.add_column("why", min_width=34, ratio=1)
    for entry in queue[:count]:
        table.add_row(str(entry.rank), entry.doc_id, entry.headline, f"{entry.priority:.1f}", entry.reason)
    out.print(table)
