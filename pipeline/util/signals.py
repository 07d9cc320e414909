"""Ctrl-C and SIGTERM during work spread over worker processes.

When the main process is interrupted while it waits on its workers (spaCy's ``nlp.pipe(n_process=N)``,
the export's process pool), the libraries' clean-up waits for workers that are blocked writing to a
pipe nobody reads any more: the command hangs and keeps the store's lock. Inside
``workers_stop_on_signal`` the first SIGINT or SIGTERM terminates the worker processes first, then
raises in the main process (KeyboardInterrupt for SIGINT, ``Terminated`` for SIGTERM), so the
writers' clean-up keeps what was finished, the lock is released and the command exits 130 or 143.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import multiprocessing.queues
import os
import signal
import threading
from collections.abc import Iterator


class Terminated(BaseException):
    """SIGTERM in the main process (a BaseException, like KeyboardInterrupt: not caught as an error)."""

    exit_code = 128 + signal.SIGTERM


def terminate_raises() -> None:
    """From now on SIGTERM raises ``Terminated`` in this process, so that clean-up runs as it does
    after Ctrl-C (a model half built is removed, buffered rows are committed, the lock is released)
    instead of Python's default of dying on the spot. A forked child that inherits the handler
    exits at once. Set by the command line; a program that imports newscorpus keeps its own."""
    if threading.current_thread() is not threading.main_thread():
        return
    owner = os.getpid()

    def on_sigterm(signum: int, frame: object) -> None:
        if os.getpid() != owner:
            os._exit(128 + signum)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        raise Terminated

    signal.signal(signal.SIGTERM, on_sigterm)


def stop_workers() -> None:
    """Terminate the worker processes of this process, and wait (briefly) until they are gone.

    The queues that fed them may still hold data for them; at exit, multiprocessing would wait for
    each queue's feeder thread to write it into a pipe nobody reads any more, and hang. Those queues
    are told not to wait (``cancel_join_thread``): what they held was never going to be processed.
    """
    for queue in [obj for obj in gc.get_objects() if isinstance(obj, multiprocessing.queues.Queue)]:
        queue.cancel_join_thread()
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout=2)
        if child.is_alive():
            child.kill()
            child.join(timeout=1)


@contextlib.contextmanager
def workers_stop_on_signal() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread; the caller's own handling applies
        return

    owner = os.getpid()

    def on_signal(signum: int, frame: object) -> None:
        if os.getpid() != owner:
            os._exit(128 + signum)  # a forked worker (Ctrl-C reaches the whole process group): quietly
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_workers()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated

    previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
