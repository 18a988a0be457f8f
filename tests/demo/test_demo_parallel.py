"""The generator's two workers (demo.parallel): every piece done once, results in the items' order, and the
pipeline never runs ahead of the caller by more than one piece (so its memory stays two pieces)."""

from __future__ import annotations

import threading
import time

from wuxi_atlas.demo import parallel


def test_run_each_does_every_item_once():
    seen: list[int] = []
    lock = threading.Lock()

    def work(item: int) -> None:
        time.sleep(0.001 * (item % 3))
        with lock:
            seen.append(item)

    parallel.run_each(work, range(25))
    assert sorted(seen) == list(range(25))


def test_pipelined_keeps_order_and_runs_one_piece_ahead(monkeypatch):
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        time.sleep(0.02 if item == 0 else 0.0)  # the first piece is the slowest
        return item * item

    taken: list[int] = []
    for result in parallel.pipelined(work, range(6)):
        time.sleep(0.01)  # the caller's own work on the piece
        assert len(started) <= len(taken) + 2  # this piece and at most the next one
        taken.append(result)
    assert taken == [i * i for i in range(6)]
    assert started == list(range(6))
    monkeypatch.setattr(parallel, "WORKERS", 1)
    assert list(parallel.pipelined(work, range(4))) == [0, 1, 4, 9]
    assert list(parallel.pipelined(work, [])) == []
