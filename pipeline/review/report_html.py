"""The review report as one HTML page of plots, for what people would rather look at than read.

plotly draws them; its JavaScript is written into the page once, so the page opens without a network.
A plot whose data does not exist yet (no pull, no export) is replaced by a note that says what makes it.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from pipeline.review.report import TRAINED_CLAIMS, ReviewReport

if TYPE_CHECKING:
    import plotly.graph_objects as go

OUTCOMES = {"kept": "#1b7a3a", "corrected": "#a84300", "deleted": "#b3164b", "added": "#1f4e9e"}
SOURCE_NAMES = {
    "model": "model (entities)",
    "gazetteer": "gazetteer",
    "places": "places",
    "rules": "entity rules",
    "claims": "claims rules",
    TRAINED_CLAIMS: "trained model (claims)",
    "annotator": "annotators (added)",
}
SET_COLOURS = {"corpus": "#5c5c5c", "train": "#1f4e9e", "validation": "#a84300", "test": "#1b7a3a"}
PLOT_HEIGHT = 400
STYLE = (
    "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
    "section{margin:2.5em 0}p.about{color:#555;max-width:50em}p.note{background:#f4f4f4;padding:.6em 1em}"
)


@dataclass
class Section:
    title: str
    about: str  # what the plot shows, and where its data comes from
    figure: go.Figure | None = None
    note: str | None = None  # what is missing, and which command makes it


def report_html(report: ReviewReport, *, labels: Sequence[str], title: str) -> str:
    """One self-contained page: a plot per section, or a note where its data does not exist yet."""
    from plotly.offline import get_plotlyjs

    sections = [
        _agreement(report, labels),
        _acceptance(report, "label", labels),
        _acceptance(report, "source", list(SOURCE_NAMES)),
        _progress(report),
        _distribution(report, labels),
    ]
    body = "".join(_section_html(section, number) for number, section in enumerate(sections))
    # one copy of plotly.js for every plot, inline: nothing is fetched when the page opens
    script = f"<script>{get_plotlyjs()}</script>" if any(s.figure for s in sections) else ""
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{STYLE}</style>{script}</head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(_summary(report))} Made {made}.</p>{body}</body></html>\n"
    )


def _summary(report: ReviewReport) -> str:
    parts = [f"{report.documents} documents in the corpus, {report.reviewed} reviewed."]
    if report.snapshot:
        parts.append(f"Latest pull: snapshot {report.snapshot}.")
    if report.export and not report.export.unreadable:
        splits = ", ".join(f"{name} {count}" for name, count in report.export.documents.items())
        parts.append(f"Last export: {report.export.folder} ({splits}).")
    return " ".join(parts)


def _section_html(section: Section, number: int) -> str:
    parts = [f'<section><h2>{html.escape(section.title)}</h2><p class="about">{html.escape(section.about)}</p>']
    if section.figure is not None:
        section.figure.update_layout(
            template="plotly_white",
            height=PLOT_HEIGHT,
            margin={"t": 40, "b": 40},
            legend={"orientation": "h", "y": 1.12, "traceorder": "normal"},
        )
        parts.append(
            section.figure.to_html(
                full_html=False,
                include_plotlyjs=False,
                div_id=f"plot-{number}",
                config={"displaylogo": False, "responsive": True},
            )
        )
    if section.note:
        parts.append(f'<p class="note">{html.escape(section.note)}</p>')
    return "".join(parts) + "</section>"


def _ordered(names: Sequence[str], known: Sequence[str]) -> list[str]:
    """``names`` in the order of ``known`` (the settings' labels), others after them, sorted."""
    place = {name: number for number, name in enumerate(known)}
    return sorted(names, key=lambda name: (place.get(name, len(place)), name))


def _agreement(report: ReviewReport, labels: Sequence[str]) -> Section:
    section = Section(
        "Agreement per label",
        "Between annotators who confirmed the same document: exact-match span F1 "
        "and Cohen's kappa over tokens, averaged over pairs of annotators; from the latest pull's "
        "agreement file (annotations/snapshots/).",
    )
    figures = (report.agreement or {}).get("labels") or {}
    if not figures:
        section.note = (
            "No document has been confirmed by two annotators yet: add a second annotator "
            "('newscorpus doccano add-annotator'), then 'newscorpus pull'."
        )
        return section
    import plotly.graph_objects as go

    names = _ordered([name for name in figures if name != "ALL"], labels) + (["ALL"] if "ALL" in figures else [])
    pairs = [figures[name]["pairs"] for name in names]
    section.about += f" {report.agreement['documents']} documents were confirmed by two or more annotators."
    section.figure = go.Figure(
        [
            go.Bar(
                name=measure,
                x=names,
                y=[figures[name][key] for name in names],
                customdata=pairs,
                marker_color=colour,
                hovertemplate="%{x}: %{y:.3f} (%{customdata} pairs)<extra>" + measure + "</extra>",
            )
            for measure, key, colour in (("span F1", "span_f1", "#1f4e9e"), ("token kappa", "kappa", "#a84300"))
        ]
    )
    section.figure.update_layout(barmode="group", yaxis={"title": "agreement", "rangemode": "tozero"})
    return section


def _acceptance(report: ReviewReport, kind: str, order: Sequence[str]) -> Section:
    by = "label" if kind == "label" else "source (the component that proposed the span)"
    section = Section(
        f"Pre-annotations per {kind}",
        f"What annotators did with the pre-annotated spans of reviewed "
        f"documents, per {by}: kept as they were, corrected (boundary or label), deleted; and the spans "
        f"they added. From the store: each reviewed document's pre-annotation against its review.",
    )
    rows = dict(report.acceptance.rows(kind))
    if not rows:
        section.note = "No reviewed document yet: annotators confirm documents in Doccano, then 'newscorpus pull'."
        return section
    import plotly.graph_objects as go

    names = _ordered(list(rows), order)
    shown = [SOURCE_NAMES.get(name, name) for name in names] if kind == "source" else names
    proposed = [sum(rows[name][o] for o in ("kept", "corrected", "deleted")) for name in names]
    traces = []
    for outcome, colour in OUTCOMES.items():
        counts = [rows[name][outcome] for name in names]
        shares = [
            f"{count / total:.0%} of {total}" if total and outcome != "added" else ""
            for count, total in zip(counts, proposed)
        ]
        traces.append(
            go.Bar(
                name=outcome,
                x=shown,
                y=counts,
                marker_color=colour,
                customdata=shares,
                hovertemplate="%{x}: %{y} %{customdata}<extra>" + outcome + "</extra>",
            )
        )
    section.figure = go.Figure(traces)
    section.figure.update_layout(barmode="stack", yaxis={"title": "spans"})
    return section


def _progress(report: ReviewReport) -> Section:
    section = Section(
        "Review progress per annotator",
        "Documents each annotator had confirmed, at each pull. "
        "Doccano's export carries no confirmation times, so each point is one snapshot "
        "(annotations/snapshots/), taken by 'newscorpus pull'.",
    )
    if not report.progress:
        section.note = "No pull yet: 'newscorpus pull' takes the first snapshot."
        return section
    annotators = sorted({name for snapshot in report.progress for name in snapshot.confirmed})
    if not annotators:
        section.note = f"No annotator had confirmed a document in the {len(report.progress)} snapshots so far."
        return section
    import plotly.graph_objects as go

    times = [snapshot.pulled_at for snapshot in report.progress]
    section.figure = go.Figure(
        [
            go.Scatter(
                name=name,
                x=times,
                y=[snapshot.confirmed.get(name, 0) for snapshot in report.progress],
                mode="lines+markers",
                hovertemplate="%{x}: %{y} confirmed<extra>" + name + "</extra>",
            )
            for name in annotators
        ]
    )
    section.figure.update_layout(
        yaxis={"title": "documents confirmed", "rangemode": "tozero"}, xaxis={"title": "pull (UTC)"}
    )
    return section


def _distribution(report: ReviewReport, labels: Sequence[str]) -> Section:
    section = Section(
        "Labels of the corpus and of the export's splits",
        "Spans per label as a share of each set's "
        "spans (hover for counts). The corpus: every document's spans, reviewed where reviewed, else "
        "pre-annotated, from the store. The splits: read from the last export's files.",
    )
    sets: list[tuple[str, Counter, int]] = [("corpus", report.corpus_labels, report.documents)]
    notes = []
    if report.export and report.export.unreadable:
        notes.append(f"The export in {report.export.folder} could not be read ({report.export.unreadable}).")
    elif report.export:
        for name, documents in report.export.documents.items():
            sets.append((name, report.export.labels[name], documents))
    else:
        where = f" in {report.export_folder}" if report.export_folder else ""
        notes.append(f"No export{where} yet: 'newscorpus export' writes one.")
    notes.extend(
        f"{name}: {documents} documents, no spans." for name, counts, documents in sets if not sum(counts.values())
    )
    sets = [entry for entry in sets if sum(entry[1].values())]
    section.note = " ".join(notes) or None
    if not sets:
        return section
    import plotly.graph_objects as go

    names = _ordered(list({label for _, counts, _ in sets for label in counts}), labels)
    traces = []
    for name, counts, documents in sets:
        total = sum(counts.values())
        traces.append(
            go.Bar(
                name=f"{name} ({documents} documents)",
                x=names,
                y=[counts[label] / total for label in names],
                customdata=[counts[label] for label in names],
                marker_color=SET_COLOURS.get(name),
                hovertemplate="%{x}: %{customdata} spans (%{y:.1%})<extra>" + name + "</extra>",
            )
        )
    section.figure = go.Figure(traces)
    section.figure.update_layout(barmode="group", yaxis={"title": "share of the set's spans", "tickformat": ".0%"})
    return section
