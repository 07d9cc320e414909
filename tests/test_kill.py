"""A killed ingest leaves the store whole (only whole commits), and running it again completes it
without duplicates."""

import os
import signal
import subprocess
import sys
import time

import pytest

from pipeline.corpus.store import CorpusStore

pytestmark = pytest.mark.faults  # kills mid-stage: part of the fault suite

DOCUMENTS = 4000


@pytest.mark.slow
def test_ingest_killed_midway_leaves_store_intact_and_rerun_completes(workspace, tmp_path):
    settings = workspace.settings_path
    settings.write_text(settings.read_text().replace("segment_size = 500", "segment_size = 100"))
    feed = tmp_path / "feed.jsonl"
    with feed.open("w") as handle:
        for n in range(DOCUMENTS):
            handle.write(
                f'{{"id": "w{n}", "text": "Report {n}: police seized {n * 7} kilograms of cocaine in raid number {n}, '
                f'officials said on day {n % 31}."}}\n'
            )

    command = [sys.executable, "-m", "pipeline", "--workspace", str(workspace.root), "--quiet", "ingest", str(feed)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    commits = workspace.store_dir / "tables" / "documents" / "_delta_log"
    deadline = time.monotonic() + 60
    while len(list(commits.glob("*.json"))) < 2 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "ingest finished before it could be killed"

    store = CorpusStore(workspace.store_dir)
    survived = [d.id for d in store.iter_documents()]
    assert 0 < len(survived) < DOCUMENTS
    assert len(survived) % 100 == 0  # whole commits only
    assert len(set(survived)) == len(survived)

    rerun = subprocess.run(command, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    final = [d for d in CorpusStore(workspace.store_dir).iter_documents()]
    assert len(final) == DOCUMENTS
    assert len({d.id for d in final}) == DOCUMENTS
    assert sorted(d.meta["external_id"] for d in final) == sorted(f"w{n}" for n in range(DOCUMENTS))
