"""Two workers for the generator's independent pieces of numpy work (the bands of an FFT, the strips of
the grid).

numpy's transforms release the GIL, so threads share the work out over the cores. Each piece computes
what it computed alone, into its own part of an array, so the files stay byte for byte the same. Two
workers only: each holds one piece's temporaries, and the generator's footprint has to stay bounded
(``geoplan demo-data`` under 400 MB).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

__all__ = ["WORKERS", "pipelined", "run_each"]

Item = TypeVar("Item")
Result = TypeVar("Result")

#: Worker threads: two, or one on a single core.
WORKERS = max(1, min(2, os.cpu_count() or 1))


def run_each(work: Callable[[Item], object], items: Iterable[Item]) -> None:
    """``work(item)`` for every item, on :data:`WORKERS` threads; returns once all are done (an error in
    any is raised here)."""
    if WORKERS == 1:
        for item in items:
            work(item)
        return
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="geoplan-demo") as pool:
        for _ in pool.map(work, items):
            pass


def pipelined(work: Callable[[Item], Result], items: Iterable[Item]) -> Iterator[Result]:
    """``map(work, items)``, with the next item's ``work`` done on a worker thread while the caller uses
    this item's result: two pieces alive at once, the caller's and the worker's (so the caller should
    drop each result before it asks for the next)."""
    if WORKERS == 1:
        yield from map(work, items)
        return
    with ThreadPoolExecutor(1, thread_name_prefix="geoplan-demo") as pool:
        current: Future[Result] | None = None
        for item in items:
            upcoming = pool.submit(work, item)  # starts once the current one is done
            if current is not None:
                yield current.result()
            current = upcoming
        if current is not None:
            yield current.result()
