"""Worker processes started safely while other threads run (a progress bar's refresh thread, the store's
writer threads).

Forking copies every lock of the parent as it is at that instant: a lock that another thread held (the
console's, logging's) is held forever in the child, which then hangs on its first write. Two ways out,
one per kind of pool:

* ``process_pool``: our own pools start their workers from a forkserver, a single-threaded process
  started once, that has already imported the modules the workers need (``preload``), so a worker
  costs a fork of that server rather than a fresh interpreter.
* ``threads_paused``: spaCy's ``nlp.pipe(n_process=N)`` forks with the default start method (it has no
  option for another, and a forkserver would make it pickle the whole pipeline to each worker); the
  progress bar's refresh thread is stopped while its workers start.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def process_pool(workers: int, *, preload: Iterable[str] = ()) -> ProcessPoolExecutor:
    """A process pool whose workers are forked from a forkserver that imported ``preload`` first."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=context)


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
