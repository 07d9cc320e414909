"""A document with its entities and claims, for people: the text with its spans in brackets (for a
pipe or a file), and an HTML page drawn by spaCy's displaCy, entities and claims as two span groups."""

from __future__ import annotations

import html

from pipeline.corpus.record import Document
from pipeline.review import palette


def bracketed(text: str, spans: list[dict]) -> str:
    """``text`` with each span written ``[its text](LABEL)``; spans inside others nest."""
    marks: list[tuple[int, int, int, str]] = []  # (position, closings first, nesting order, mark)
    for span in spans:
        length = span["end"] - span["start"]
        marks.append((span["start"], 1, -length, "["))
        marks.append((span["end"], 0, length, f"]({span['label']})"))
    parts, position = [], 0
    for where, _, _, mark in sorted(marks):
        parts.append(text[position:where])
        parts.append(mark)
        position = where
    parts.append(text[position:])
    return "".join(parts)


def document_html(document: Document) -> str:
    """One self-contained page (no network needed): the headline and dateline, the text twice, with
    its entities and with its claims underlined and labelled, and a table of the claims' values."""
    import spacy
    from spacy import displacy
    from spacy.displacy import templates

    doc = spacy.blank("en").make_doc(document.text)
    layers = {"entities": document.entities, "claims": document.claims}
    for key, spans in layers.items():
        made = (doc.char_span(s["start"], s["end"], label=s["label"], alignment_mode="expand") for s in spans)
        doc.spans[key] = [span for span in made if span is not None]
    # displaCy writes the labels in black; the palette's colours are chosen for white text
    start = templates.TPL_SPAN_START.replace("color: #000", "color: #fff")
    options = {
        "colors": {label: style[0] for label, style in palette.LABEL_STYLE.items()},
        "template": {"span": templates.TPL_SPAN, "slice": templates.TPL_SPAN_SLICE, "start": start},
    }
    sections = []
    for key, title in (("entities", "Entities"), ("claims", "Numeric claims")):
        drawn = displacy.render(doc, style="span", options={**options, "spans_key": key}, page=False, jupyter=False)
        sections.append(f"<section><h2>{title} ({len(doc.spans[key])})</h2>{drawn}</section>")
    meta = document.meta
    title = meta.get("headline") or document.id
    details = " · ".join(html.escape(str(meta[k])) for k in ("byline", "place", "date_iso", "agency") if meta.get(k))
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td>{html.escape(_cell(claim.get(name)))}</td>" for name in ("text", "label", "value", "unit", "approx")
        )
        + "</tr>"
        for claim in document.claims
    )
    table = (
        (
            "<table><thead><tr><th>claim</th><th>label</th><th>value</th><th>unit</th><th>approx</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
        if rows
        else ""
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}</style>"
        f"</head><body><h1>{html.escape(title)}</h1><p>{details}{' · ' if details else ''}{document.id}</p>"
        f"{''.join(sections)}{table}</body></html>\n"
    )


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{int(value):,}" if value.is_integer() else f"{value:,.2f}"
    return str(value)
