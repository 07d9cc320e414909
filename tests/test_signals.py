"""Ctrl-C and SIGTERM during a command that runs worker processes: it ends within seconds with the
workers reaped, the store's lock released, finished work kept and exit code 130 or 143."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.corpus.store import CorpusStore

pytestmark = [pytest.mark.faults, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = 600  # a pre-annotation of many seconds with two processes


def newscorpus(workspace, *args):
    return [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), "--quiet", *args]


@pytest.fixture(scope="module")
def tokenized(tmp_path_factory, article_variants):
    from pipeline.workspace import init_workspace

    root = tmp_path_factory.mktemp("signals")
    workspace = init_workspace(root / "workspace")
    feed = root / "feed.jsonl"
    with feed.open("w", encoding="utf-8") as handle:
        for number in range(DOCUMENTS):
            text = article_variants[number % len(article_variants)].replace("Story", f"Report {number}:", 1)
            handle.write('{"id": "r%d", "text": %s}\n' % (number, __import__("json").dumps(text)))
    for step in (["ingest", str(feed)], ["tokenize"]):
        subprocess.run(newscorpus(workspace, *step), check=True, capture_output=True, cwd=REPO)
    return workspace


@pytest.fixture
def workspace_copy(tokenized, tmp_path):
    """The tokenized workspace, copied: each test interrupts a run that has everything left to do."""
    import shutil

    from pipeline.workspace import find_workspace

    shutil.copytree(tokenized.root, tmp_path / "workspace")
    return find_workspace(tmp_path / "workspace")


def _as_from_a_terminal() -> None:
    """Ctrl-C and Ctrl-\\ as a terminal's shell leaves them to a command it starts: by default. A test
    session started as a background job of a non-interactive shell (``make test &`` in a script, as
    POSIX has it) runs with both ignored, and a child inherits ignored signals: a command without a
    handler of its own (train) was then deaf to Ctrl-C here, though not in a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def _start(command) -> subprocess.Popen:
    """The command in a session of its own (a signal to its group reaches it and its workers only)."""
    return subprocess.Popen(
        command,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=_as_from_a_terminal,
    )


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _interrupt(command, signum, *, workers_for: float = 2.0):
    """Start ``command``, wait until its workers have run for a while, send ``signum`` as a terminal
    would (Ctrl-C to the whole process group; SIGTERM to the main process) and return
    (exit code, worker pids, stderr)."""
    process = _start(command)
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and process.poll() is None and len(workers) < 2:
        workers = _children(process.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the command did not start two workers"
    time.sleep(workers_for)
    assert process.poll() is None, "the command finished before it could be interrupted"
    if signum == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=30)  # a hang fails here; the target is a few seconds
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"the command still ran 30 s after {signal.Signals(signum).name}")
    return process.returncode, workers, stderr


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_preannotate_with_two_processes_stops_on_a_signal_and_a_rerun_completes(workspace_copy, signum, code):
    tokenized = workspace_copy
    returncode, workers, stderr = _interrupt(newscorpus(tokenized, "preannotate", "--n-process", "2"), signum)
    assert returncode == code, stderr
    assert "what was finished is kept" in stderr and "Traceback" not in stderr
    assert not [pid for pid in workers if _alive(pid)], "workers left behind"
    status = subprocess.run(newscorpus(tokenized, "status"), capture_output=True, text=True, cwd=REPO)
    assert status.returncode == 0, status.stderr  # the store's lock was released
    subprocess.run(newscorpus(tokenized, "preannotate", "--n-process", "2"), check=True, capture_output=True, cwd=REPO)
    done = CorpusStore(tokenized.store_dir).stage_index("preannotate")
    assert len(done) == DOCUMENTS and not [entry for entry in done.values() if entry.failed]


EXPORTED = 2400  # long articles: an export of several seconds with two processes


@pytest.fixture(scope="module")
def exportable(tmp_path_factory):
    """A workspace whose store holds many long reviewed articles, written straight into it."""
    from test_export import span, write_documents

    from pipeline.workspace import init_workspace

    workspace = init_workspace(tmp_path_factory.mktemp("signals-export") / "workspace")
    body = " ".join(f"Police in Lima seized {n} kilograms of cocaine on day {n}, officials said." for n in range(300))
    texts = [f"Report {number}: {body}" for number in range(EXPORTED)]
    write_documents(
        CorpusStore(workspace.store_dir), [(text, {"entities": [span(text, "Lima", "GPE")]}) for text in texts]
    )
    return workspace


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_export_with_two_processes_stops_on_a_signal_and_leaves_no_half_dataset(exportable, signum, code, tmp_path):
    out = tmp_path / "dataset"
    command = newscorpus(exportable, "export", "--n-process", "2", "--out", str(out))
    returncode, workers, stderr = _interrupt(command, signum, workers_for=0.5)
    assert returncode == code, stderr
    assert "Traceback" not in stderr
    assert not [pid for pid in workers if _alive(pid)], "workers left behind"
    assert not out.exists() and not out.with_name(out.name + ".incomplete").exists()
    status = subprocess.run(newscorpus(exportable, "status"), capture_output=True, text=True, cwd=REPO)
    assert status.returncode == 0, status.stderr  # the store's lock was released


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        for child in _children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal_when(command, signum, ready, *, settle: float = 1.0):
    """Start ``command``; once ``ready(pid)`` holds, wait ``settle`` seconds and send ``signum`` (Ctrl-C
    to the process group, SIGTERM to the main process). Returns (exit code, stderr, the processes
    the command had started, seconds from the signal to its exit)."""
    process = _start(command)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and process.poll() is None and not ready(process.pid):
        time.sleep(0.1)
    was_ready = ready(process.pid)
    dispositions = " ".join(
        line.strip()
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines()
        if line.startswith(("SigBlk", "SigIgn", "SigCgt"))
    )
    time.sleep(settle)
    assert process.poll() is None, f"the command ended before it could be interrupted: {process.stderr.read()}"
    started = _descendants(process.pid)
    sent = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGTERM)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, stderr = process.communicate()
        pytest.fail(
            f"the command still ran 30 s after {signal.Signals(signum).name} "
            f"(ready when signalled: {was_ready}; {dispositions}); "
            f"its stderr ended: {stderr[-2000:]}"
        )
    return process.returncode, stderr, started, time.monotonic() - sent


def _left_alive(pids: set[int], grace: float = 5.0) -> list[int]:
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    return [pid for pid in pids if _alive(pid)]


@pytest.fixture(scope="module")
def trainable(tmp_path_factory):
    """A workspace with an export of reviewed stories, enough to train on for minutes."""
    import random

    from test_train import SEEN, make_story, mark_reviewed, write_stories

    from pipeline.workspace import init_workspace

    root = tmp_path_factory.mktemp("signals-train")
    workspace = init_workspace(root / "workspace")
    settings = workspace.settings_path.read_text(encoding="utf-8")
    settings = settings.replace("near_duplicate_threshold = 0.7", "near_duplicate_threshold = 0.95")
    workspace.settings_path.write_text(settings, encoding="utf-8")
    rng = random.Random(5)
    stories = [make_story(rng, SEEN, rng.randint(4, 7)) for _ in range(40)]
    for step in (["ingest", str(write_stories(root / "stories.jsonl", stories))], ["tokenize"]):
        subprocess.run(newscorpus(workspace, *step), check=True, capture_output=True, cwd=REPO)
    mark_reviewed(CorpusStore(workspace.store_dir), stories)
    subprocess.run(newscorpus(workspace, "export"), check=True, capture_output=True, cwd=REPO)
    return workspace


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_train_stops_on_a_signal_and_leaves_no_half_built_model(trainable, signum, code):
    models = trainable.models_dir

    def training_started(_pid: int) -> bool:  # spaCy's loop has started once its folder exists
        return bool(list(models.glob("*/training")))

    returncode, stderr, _, seconds = _signal_when(
        newscorpus(trainable, "train", "--max-steps", "100000"), signum, training_started
    )
    assert returncode == code, stderr
    assert "Traceback" not in stderr and stderr.count("\n") == 1, stderr
    assert seconds < 15, f"train took {seconds:.1f} s to stop"
    assert not models.exists() or not list(models.iterdir()), "a half-built model was left"


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_preannotate_on_ray_stops_on_a_signal_with_every_ray_process_gone(workspace_copy, signum, code):
    pytest.importorskip("ray")

    def actors_working(pid: int) -> bool:
        for child in _descendants(pid):
            try:
                if b"PreannotateActor" in Path(f"/proc/{child}/cmdline").read_bytes():
                    return True
            except OSError:
                continue
        return False

    command = newscorpus(workspace_copy, "preannotate", "--engine", "ray")
    returncode, stderr, started, seconds = _signal_when(command, signum, actors_working, settle=2.0)
    assert returncode == code, stderr
    assert "what was finished is kept" in stderr and "Traceback" not in stderr, stderr
    assert seconds < 15, f"preannotate on Ray took {seconds:.1f} s to stop"
    assert len(started) >= 3  # Ray's own processes and the actors
    assert not _left_alive(started), "Ray processes left behind"
    status = subprocess.run(newscorpus(workspace_copy, "status"), capture_output=True, text=True, cwd=REPO)
    assert status.returncode == 0, status.stderr
    subprocess.run(
        newscorpus(workspace_copy, "preannotate", "--engine", "ray"), check=True, capture_output=True, cwd=REPO
    )
    done = CorpusStore(workspace_copy.store_dir).stage_index("preannotate")
    assert len(done) == DOCUMENTS and not [entry for entry in done.values() if entry.failed]
