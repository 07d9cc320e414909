from pathlib import Path
from typing import Optional

import typer
from rich.table import Table
from rich.text import Text

from pipeline.cli._util import app, handle_errors, out, store_of, workspace_of
from pipeline.corpus.record import ID_LENGTH
from pipeline.review.render import bracketed
from pipeline.stages import PREANNOTATE, REVIEW, TOKENIZE

LABEL_STYLES = {
    "PERSON": "on dark_magenta",
    "ORG": "on dark_blue",
    "GPE": "on dark_green",
    "LOC": "on green4",
    "FAC": "on grey37",
    "NORP": "on dark_orange3",
    "EVENT": "on red3",
    "DATE": "on purple4",
}
CLAIM_STYLE = "bold underline yellow"


@app.command("show")
@handle_errors
def show_command(
    ctx: typer.Context,
    doc_id: str = typer.Argument(..., help="Document id (a unique prefix is enough), as in 'newscorpus status'."),
    html_file: Optional[Path] = typer.Option(
        None, "--html", help="Write an HTML page (displaCy) to this file ('-': stdout)."
    ),
) -> None:
    """Print a document with its entities (coloured) and claims (underlined), and a table of the claims:
    the reviewed ones once the document is reviewed, else the pre-annotations.

    Piped or redirected, the spans are written out as [text](LABEL). With --html, a page that opens in
    any browser without a network, drawn by spaCy's displaCy."""
    store = store_of(workspace_of(ctx))
    document = store.get_document(_resolve(store, doc_id), stages=[TOKENIZE, PREANNOTATE, REVIEW])
    if html_file is not None:
        from pipeline.review.render import document_html
        from pipeline.util.fs import write_text_atomic

        page = document_html(document)
        if str(html_file) == "-":
            out.file.write(page)
        else:
            write_text_atomic(html_file, page)
            out.print(f"show: {document.id} written to {html_file}")
        return
    meta = document.meta
    out.print(f"[bold]{document.id}[/]  {meta.get('headline') or ''}", markup=True)
    details = [meta.get(k) for k in ("byline", "place", "date_iso", "agency") if meta.get(k)]
    if details:
        out.print(" · ".join(details))
    if document.reviewed:
        out.print(
            f"(reviewed by {', '.join(document.review.get('annotators') or []) or 'an annotator'}: "
            "the spans shown are the review's)"
        )
    elif PREANNOTATE not in document.outputs:
        out.print("(not pre-annotated yet: run 'newscorpus preannotate')")
    out.print()
    if out.is_terminal:
        text = Text(document.text)
        for entity in document.entities:
            text.stylize(LABEL_STYLES.get(entity["label"], "reverse"), entity["start"], entity["end"])
        for claim in document.claims:
            text.stylize(CLAIM_STYLE, claim["start"], claim["end"])
        out.print(text)
        legend = Text("entities: ")
        for label, style in LABEL_STYLES.items():
            legend.append(f" {label} ", style=style)
            legend.append(" ")
        legend.append("  claims: ")
        legend.append("underlined", style=CLAIM_STYLE)
    else:  # piped or redirected: colours would be lost, so the spans are written out
        out.print(
            bracketed(document.text, document.entities + document.claims), markup=False, highlight=False, soft_wrap=True
        )
        legend = Text("entities and claims: [text](LABEL)")
    out.print()
    out.print(legend)
    if document.claims:
        table = Table(
            "claim",
            "label",
            "value",
            "unit",
            "approx",
            "range / change",
            "source",
            title="Claims",
            title_justify="left",
        )
        for claim in document.claims:
            span = (
                f"{_number(claim['low'])} to {_number(claim['high'])}"
                if claim.get("low") is not None
                else f"from {_number(claim['from'])} to {_number(claim['to'])}"
                if claim.get("from") is not None
                else ""
            )
            value = "" if claim.get("value") is None else _number(claim["value"])
            table.add_row(
                claim["text"],
                claim["label"],
                value,
                claim.get("unit") or "",
                claim.get("approx") or "",
                span,
                claim.get("source", ""),
            )
        out.print(table)


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.2f}"


def _resolve(store, doc_id: str) -> str:
    from pipeline.errors import DocumentNotFoundError

    if len(doc_id) == ID_LENGTH:  # a whole id: get_document finds it or says it is not there
        return doc_id
    matches = [known for known in store.seqs() if known.startswith(doc_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise DocumentNotFoundError(f"no document with id {doc_id!r}; 'newscorpus status' lists them")
    raise DocumentNotFoundError(f"{doc_id!r} matches {len(matches)} documents; give more of the id")
