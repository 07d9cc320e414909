"""newscorpus report --html (#12): the data behind its plots, the page, and the page and show --html
in a real browser (headless Chromium: every plot drawn, no JavaScript error, a screenshot)."""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

import orjson
import pytest

from pipeline.corpus.record import REVIEWED, Document, StageOutput
from pipeline.corpus.store import CorpusStore
from pipeline.dataset.export import default_output, export_dataset
from pipeline.dataset.splits import SPLITS
from pipeline.review.doccano.pull import snapshots_dir
from pipeline.review.report import exported_labels, review_progress, review_report
from pipeline.stages import PREANNOTATE, TOKENIZE
from pipeline.workspace import Workspace

PLOTS = 5  # agreement, acceptance per label and per source, progress per annotator, label distribution


# -- a workspace reviewed by hand: three reviewed documents, one pre-annotated, two pulls, an export --


def span(text: str, needle: str, label: str, source: str | None = None, **extra) -> dict:
    start = text.index(needle)
    found = {"start": start, "end": start + len(needle), "label": label, "text": needle, **extra}
    return found if source is None else {**found, "source": source}


def claim(text: str, needle: str, label: str, source: str | None = None) -> dict:
    return span(
        text,
        needle,
        label,
        source,
        value=1.0,
        unit="unit",
        approx=None,
        low=None,
        high=None,
        **{"from": None, "to": None},
    )


SEIZURE = "Police in Lima seized 300 kilos of cocaine, said Juan Perez of the DEA."
ERADICATION = "Some 4,000 hectares of coca were eradicated in Ucayali, according to Devida."
LABORATORIES = "Troops destroyed 14 laboratories in Putumayo on Monday."
HAUL = "The haul was worth $2 million."
# (text, pre-annotation, review or None): DEA relabelled, Devida deleted, a claim widened, Monday added
DOCUMENTS = [
    (
        SEIZURE,
        {
            "entities": [
                span(SEIZURE, "Lima", "GPE", "gazetteer"),
                span(SEIZURE, "Juan Perez", "PERSON", "model"),
                span(SEIZURE, "DEA", "ORG", "model"),
            ],
            "claims": [claim(SEIZURE, "300 kilos of cocaine", "QUANTITY", "claims")],
        },
        {
            "entities": [
                span(SEIZURE, "Lima", "GPE"),
                span(SEIZURE, "Juan Perez", "PERSON"),
                span(SEIZURE, "DEA", "GPE"),
            ],
            "claims": [claim(SEIZURE, "300 kilos of cocaine", "QUANTITY")],
        },
    ),
    (
        ERADICATION,
        {
            "entities": [
                span(ERADICATION, "Ucayali", "GPE", "gazetteer"),
                span(ERADICATION, "Devida", "PERSON", "model"),
            ],
            "claims": [claim(ERADICATION, "4,000 hectares", "QUANTITY", "model")],
        },
        {
            "entities": [span(ERADICATION, "Ucayali", "GPE")],
            "claims": [claim(ERADICATION, "Some 4,000 hectares of coca", "QUANTITY")],
        },
    ),
    (
        LABORATORIES,
        {
            "entities": [span(LABORATORIES, "Putumayo", "GPE", "model")],
            "claims": [claim(LABORATORIES, "14 laboratories", "COUNT", "claims")],
        },
        {
            "entities": [span(LABORATORIES, "Putumayo", "GPE"), span(LABORATORIES, "Monday", "DATE")],
            "claims": [claim(LABORATORIES, "14 laboratories", "COUNT")],
        },
    ),
    (HAUL, {"entities": [], "claims": [claim(HAUL, "$2 million", "MONEY", "claims")]}, None),
]


def _doc_id(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_reviewed_store(store: CorpusStore) -> list[str]:
    with (
        store.locked(),
        store.document_writer() as texts,
        store.stage_writer(TOKENIZE) as tokens,
        store.stage_writer(PREANNOTATE) as preannotations,
        store.stage_writer("review") as reviews,
    ):
        for text, predicted, reviewed in DOCUMENTS:
            document = Document(_doc_id(text), text)
            texts.add_document(document, minhash=None)
            tokens.add_output(
                document.id,
                StageOutput(
                    TOKENIZE,
                    "2",
                    "test",
                    {
                        "tokens": [[m.start(), m.end()] for m in re.finditer(r"\w+|[^\w\s]", text)],
                        "sentences": [[0, len(text)]],
                    },
                ),
            )
            preannotations.add_output(document.id, StageOutput(PREANNOTATE, "2", "test", predicted))
            if reviewed:
                reviews.add_output(
                    document.id,
                    StageOutput(
                        "review",
                        "1",
                        "test",
                        {"status": REVIEWED, **reviewed, "relations": [], "annotators": ["alice"], "agreement": None},
                    ),
                )
    return [_doc_id(text) for text, _, _ in DOCUMENTS]


AGREEMENT = {
    "documents": 1,
    "labels": {
        "GPE": {"pairs": 1, "span_f1": 1.0, "kappa": 1.0},
        "ORG": {"pairs": 1, "span_f1": 0.5, "kappa": 0.4},
        "ALL": {"pairs": 1, "span_f1": 0.8, "kappa": None},
    },
}


def write_snapshot(
    workspace: Workspace, stamp: str, confirmed: dict[str, list[str]], agreement: dict | None = None
) -> Path:
    """A snapshot folder as 'newscorpus pull' leaves it (only what the report reads)."""
    folder = snapshots_dir(workspace) / stamp
    (folder / "confirmed").mkdir(parents=True)
    members = {name: "annotator" for name in confirmed}
    (folder / "manifest.json").write_bytes(
        orjson.dumps({"url": "http://127.0.0.1:8000", "project": "newscorpus", "pulled_at": stamp, "members": members})
    )
    for name, doc_ids in confirmed.items():
        (folder / "confirmed" / f"{name}.jsonl").write_bytes(
            b"".join(
                orjson.dumps({"id": number, "doc_id": doc_id, "entities": []}) + b"\n"
                for number, doc_id in enumerate(doc_ids)
            )
        )
    if agreement is not None:
        (folder.parent / f"{stamp}.agreement.json").write_bytes(orjson.dumps(agreement))
    return folder


@pytest.fixture
def reviewed(workspace, store) -> Workspace:
    seizure, eradication, laboratories, _ = write_reviewed_store(store)
    write_snapshot(workspace, "20240301T090000000000Z", {"admin": [], "alice": [seizure], "bob": []})
    write_snapshot(
        workspace,
        "20240302T090000000000Z",
        {"admin": [], "alice": [seizure, eradication], "bob": [seizure, laboratories]},
        AGREEMENT,
    )
    (snapshots_dir(workspace) / ".20240303T090000000000Z.incomplete").mkdir()  # an interrupted pull: not a snapshot
    # ratios and seed that put one reviewed story in each split, so that every split has bars
    workspace.settings_path.write_text(
        re.sub(
            r"\[split\][^\[]*",
            "[split]\ntrain = 0.4\nvalidation = 0.3\ntest = 0.3\nseed = 0\n\n",
            workspace.settings_path.read_text(),
        )
    )
    workspace = Workspace(workspace.root)
    export_dataset(
        store,
        workspace.settings,
        out=default_output(workspace.exports_dir, workspace.settings),
        n_process=1,
        progress=False,
    )
    return workspace


REVIEWED_LABELS = Counter({"GPE": 4, "PERSON": 1, "QUANTITY": 2, "COUNT": 1, "DATE": 1})


# -- the report's data -----------------------------------------------------------------------------


def test_report_counts_what_review_did_per_label_and_per_source(reviewed, store):
    report = review_report(store, snapshots_dir(reviewed))
    assert (report.documents, report.reviewed) == (4, 3)
    per_label = {name: dict(counts) for name, counts in report.acceptance.rows("label")}
    assert per_label == {
        "GPE": {"kept": 3},
        "ORG": {"corrected": 1},
        "PERSON": {"kept": 1, "deleted": 1},
        "QUANTITY": {"kept": 1, "corrected": 1},
        "COUNT": {"kept": 1},
        "DATE": {"added": 1},
    }
    per_source = {name: dict(counts) for name, counts in report.acceptance.rows("source")}
    # a claim the trained span categorizer proposed is told apart from the base model's entities
    assert per_source == {
        "gazetteer": {"kept": 2},
        "model": {"kept": 2, "corrected": 1, "deleted": 1},
        "claims": {"kept": 2},
        "trained model": {"corrected": 1},
        "annotator": {"added": 1},
    }
    assert report.corpus_labels == REVIEWED_LABELS + Counter({"MONEY": 1})  # the pre-annotated story counts too
    assert report.agreement == AGREEMENT and report.snapshot == "20240302T090000000000Z"
    assert (report.progress, report.export) == ([], None)  # the terminal tables need neither
    folder = default_output(reviewed.exports_dir, reviewed.settings)
    for_plots = review_report(store, snapshots_dir(reviewed), plots=True, export_folder=folder)
    assert len(for_plots.progress) == 2 and for_plots.export.folder == folder


def test_progress_is_read_from_every_snapshot_and_leaves_out_who_never_confirmed(reviewed):
    progress = review_progress(snapshots_dir(reviewed))
    assert [p.name for p in progress] == ["20240301T090000000000Z", "20240302T090000000000Z"]
    assert [p.confirmed for p in progress] == [{"alice": 1, "bob": 0}, {"alice": 2, "bob": 2}]
    assert progress[1].pulled_at.isoformat() == "2024-03-02T09:00:00+00:00"
    assert review_progress(reviewed.root / "nowhere") == []


def test_export_labels_are_read_from_the_arrow_or_the_parquet_copy(reviewed, tmp_path):
    folder = default_output(reviewed.exports_dir, reviewed.settings)
    from_arrow = exported_labels(folder)
    assert from_arrow.documents == dict.fromkeys(SPLITS, 1)
    assert sum(from_arrow.labels.values(), Counter()) == REVIEWED_LABELS
    parquet_only = tmp_path / "parquet-only"
    shutil.copytree(
        folder, parquet_only, ignore=shutil.ignore_patterns("train", "validation", "test", "dataset_dict.json")
    )
    from_parquet = exported_labels(parquet_only)
    assert (from_parquet.documents, from_parquet.labels) == (from_arrow.documents, from_arrow.labels)
    assert exported_labels(tmp_path / "no-export") is None


def test_a_damaged_export_is_a_note_not_a_traceback(reviewed, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(default_output(reviewed.exports_dir, reviewed.settings), damaged)
    for path in damaged.glob("*/*.arrow"):
        path.write_bytes(b"not arrow")
    found = exported_labels(damaged)
    assert found.unreadable.startswith(str(damaged / "test")) or found.unreadable.startswith(str(damaged / "train"))


# -- the page --------------------------------------------------------------------------------------


def plot_divs(page: str) -> int:
    return page.count('class="plotly-graph-div"')


def test_report_html_writes_one_page_with_every_plot_and_plotly_inline(cli, reviewed, tmp_path):
    target = tmp_path / "report.html"
    result = cli("report", "--html", str(target))
    assert f"report: written to {target}" in result.stdout
    page = target.read_text(encoding="utf-8")
    assert plot_divs(page) == PLOTS
    assert page.count("<script>") == PLOTS + 1  # plotly.js once, then one call per plot
    assert not re.search(r"""<(script|link)[^>]+(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    for shown in (
        "trained model (claims)",
        "annotators (added)",
        '"alice"',
        '"bob"',
        "corpus (4 documents)",
        "train (1 documents)",
        "test (1 documents)",
    ):
        assert shown in page
    assert '"admin"' not in page
    assert "No export" not in page and "No pull yet" not in page


def test_report_html_to_stdout_and_the_terminal_tables_stay(cli, reviewed):
    page = cli("report", "--html", "-").stdout
    assert page.startswith("<!DOCTYPE html>") and plot_divs(page) == PLOTS
    tables = cli("report").stdout
    assert "3 reviewed documents; agreement from snapshot 20240302T090000000000Z" in tables
    assert "Acceptance per component" in tables and "trained model" in tables


def test_an_empty_workspace_gives_a_page_of_notes(cli, tmp_path):
    target = tmp_path / "empty.html"
    cli("report", "--html", str(target))
    page = target.read_text(encoding="utf-8")
    assert plot_divs(page) == 0 and "<script>" not in page  # no plot, so no plotly.js either
    for note in (
        "No document has been confirmed by two annotators yet",
        "No reviewed document yet",
        "No pull yet",
        "No export in",
        "corpus: 0 documents, no spans",
    ):
        assert note in page


def test_report_dataset_option_names_the_export_and_a_missing_one_is_a_note(cli, reviewed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(default_output(reviewed.exports_dir, reviewed.settings), elsewhere)
    page = cli("report", "--html", "-", "--dataset", str(elsewhere)).stdout
    assert f"Last export: {elsewhere}" in page and plot_divs(page) == PLOTS
    page = cli("report", "--html", "-", "--dataset", str(tmp_path / "nothing")).stdout
    assert (
        f"No export in {tmp_path / 'nothing'} yet" in page and plot_divs(page) == PLOTS
    )  # the corpus is still plotted


# -- in a real browser -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium through Debian's chromedriver (.ci/run installs both), with every network
    request sent to a closed port: a page that needed the network would log an error."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the test extra has it)")
    from selenium.webdriver.chrome.service import Service

    chromium, chromedriver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if not chromium or not chromedriver:
        pytest.skip(
            "no headless browser: install Debian's chromium and chromium-driver (.ci/run does, as root with apt-get)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--proxy-server=http://127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingOptions", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    yield driver
    driver.quit()


def open_page(driver, path: Path) -> None:
    driver.get_log("browser")  # what an earlier page logged
    driver.get(path.resolve().as_uri())


def severe_logs(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver, path: Path) -> Path:
    """The whole page, not only the window."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1280, min(height + 100, 16000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 900)
    print(f"screenshot: {path}")
    return path


@pytest.mark.slow
def test_the_report_page_draws_every_plot_in_chromium(browser, cli, reviewed, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    page = tmp_path / "report.html"
    cli("report", "--html", str(page))
    open_page(browser, page)
    drawn = (
        "return document.querySelectorAll('.js-plotly-plot svg.main-svg').length && "
        "Array.from(document.querySelectorAll('.plotly-graph-div')).filter("
        "d => d.classList.contains('js-plotly-plot') && d.querySelector('svg.main-svg g.trace')).length"
    )
    WebDriverWait(browser, 60).until(lambda driver: driver.execute_script(drawn) == PLOTS)
    sizes = browser.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot')).map("
        "d => [d.getBoundingClientRect().width, d.getBoundingClientRect().height,"
        " d.querySelectorAll('g.trace').length])"
    )
    assert len(sizes) == PLOTS and all(width > 300 and height > 300 and traces for width, height, traces in sizes), (
        sizes
    )
    assert severe_logs(browser) == []
    assert screenshot(browser, tmp_path / "report.png").stat().st_size > 20_000


@pytest.mark.slow
def test_the_show_page_draws_both_span_groups_in_chromium(browser, cli, store, tmp_path):
    write_reviewed_store(store)
    page = tmp_path / "show.html"
    doc_id = _doc_id(SEIZURE)
    cli("show", doc_id, "--html", str(page))
    open_page(browser, page)
    groups = browser.execute_script(
        "return Array.from(document.querySelectorAll('div.spans')).map(g => ["
        "g.getBoundingClientRect().height, Array.from(g.querySelectorAll('span'))"
        ".filter(s => s.style.zIndex === '10' && s.getBoundingClientRect().width > 0)"
        ".map(s => s.innerText.trim())])"
    )
    written = [
        re.findall(r"z-index: 10[^>]*>\s*(\w+)", group) for group in page.read_text().split('<div class="spans"')[1:]
    ]
    assert [labels for _, labels in groups] == written and all(written)  # every label chip drawn, in both groups
    assert all(height > 20 for height, _ in groups)
    assert severe_logs(browser) == []
    assert screenshot(browser, tmp_path / "show.png").stat().st_size > 5_000
