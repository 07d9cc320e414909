"""Worker processes forked safely while a progress bar's thread runs.

Forking copies every lock of the parent as it is at that instant: a lock another thread held (the
console's, while the bar's refresh thread redraws) stays held forever in the child, which then hangs
on its first write. So the bar's thread is stopped while workers are forked, for our export pool
(``process_pool``) and for spaCy's ``nlp.pipe(n_process=N)``, which forks as its stream starts
(``threads_paused``). Fork rather than a forkserver or spawn: a forkserver would receive the user's
Ctrl-C while it imports what the workers need, and spaCy would have to pickle its whole pipeline to
each spawned worker.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


@contextlib.contextmanager
def threads_paused(bar: Any) -> Iterator[None]:
    """A live rich progress bar's refresh thread stopped for the duration (nothing for a silent bar)."""
    live = getattr(bar, "live", None)
    running = live is not None and live.is_started
    if running:
        bar.stop()
    try:
        yield
    finally:
        if running:
            bar.start()


def process_pool(workers: int, bar: Any) -> ProcessPoolExecutor:
    """A process pool whose workers are all forked now, with ``bar``'s thread stopped: a pool with the
    fork start method forks every worker at its first task, so a no-op task is given it here."""
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    with threads_paused(bar):
        pool.submit(int).result()
    return pool
