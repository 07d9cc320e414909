"""Worker processes forked with the progress bar's thread stopped (util/pools.py)."""

import io
import os

from rich.console import Console
from rich.progress import Progress

from pipeline.util.pools import process_pool, threads_paused


def _live_bar() -> Progress:
    return Progress(console=Console(file=io.StringIO(), force_terminal=True), auto_refresh=True)


def test_the_pool_forks_its_workers_while_the_bar_is_stopped_and_restarts_it():
    with _live_bar() as bar:
        seen = []
        stop, start = bar.stop, bar.start
        bar.stop = lambda: (seen.append(("stop", bar.live.is_started)), stop())[1]
        bar.start = lambda: (seen.append(("start", len(_children()))), start())[1]
        with process_pool(2, bar) as pool:
            assert seen == [("stop", True), ("start", 2)]  # both workers forked before the bar came back
            assert bar.live.is_started
            assert sorted(pool.map(abs, [-1, -2, -3])) == [1, 2, 3]


def test_a_silent_bar_or_none_is_left_alone():
    with threads_paused(None):
        pass
    bar = _live_bar()  # never started
    with threads_paused(bar):
        assert not bar.live.is_started
    assert not bar.live.is_started


def _children() -> list[int]:
    import multiprocessing

    return [child.pid for child in multiprocessing.active_children() if child.pid != os.getpid()]
