"""Work a page shows after its first paint, done in the background: the indicator board and the map's
overlays on a cold server.

On a new server with an empty result cache, reading the layers, computing the indicators and drawing the
overlays take several seconds (issue #12), and the map page used to show nothing until all of it was done.
Now the page is drawn at once (the basemap and the district boundaries), the slow work runs in one
background thread per server process, and the page reruns itself when a piece it waits for is ready
(:func:`rerun_when_ready`, :func:`watch`), or first redraws only the spot that waited for it, the map
page's board (:func:`show_when_ready`). A job is keyed by what it computes, so sessions starting
together on a cold server share one computation instead of each doing it.

One worker: the work is mostly Python holding the GIL, so parallel jobs would only slow the first piece
down; jobs run in the order they were asked for, the board first.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from typing import Any, TypeVar

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

__all__ = ["end_run", "job", "ready", "rerun_when_ready", "settle", "show_when_ready", "wait", "watch"]

T = TypeVar("T")

_WORKER_NAME = "atlas-background"
# The server's event loop shares the GIL with the worker. At Python's default switch interval (5 ms) each
# time the loop takes the GIL back it can wait that long, and sending the browser a message or a file while
# the worker drew an overlay took ~0.4 s in a traced cold start; at 1 ms, ~0.04 s.
sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
_WORKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix=_WORKER_NAME)
_JOBS: OrderedDict[Hashable, Future[Any]] = OrderedDict()
#: Jobs asked for during a script run, started when it ends (:func:`start`): the first paint keeps the
#: GIL to itself.
_QUEUE: list[tuple[Future[Any], Callable[[], Any]]] = []
_LOCK = threading.Lock()
#: Per script thread: the jobs the page being drawn waits for (:func:`rerun_when_ready`).
_RUN = threading.local()
#: Finished jobs kept for their result (the caches behind them keep the results too).
_KEEP = 64
#: How often a page waiting for a job runs its watch again, in seconds (it waits in between).
POLL_S = 1.0


class _QuietWorker(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" whenever a cached function runs outside a script run:
    in the worker that is expected, and the warning would fill the server's log; elsewhere it is kept."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not threading.current_thread().name.startswith(_WORKER_NAME)


logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_QuietWorker())


def job(key: Hashable, work: Callable[[], T]) -> Future[T]:
    """The job computing ``key``: the queued, running or finished one, else ``work``, queued to start in
    the background when the script run ends (:func:`start`) or something waits for it. A job that failed
    is dropped once its error has been seen (:func:`wait`), so the next run tries again."""
    with _LOCK:
        future = _JOBS.get(key)
        if future is None:
            future = Future()
            _QUEUE.append((future, work))
            _JOBS[key] = future
            while len(_JOBS) > _KEEP:
                oldest = next(iter(_JOBS))
                if not _JOBS[oldest].done():
                    break
                del _JOBS[oldest]
        else:
            _JOBS.move_to_end(key)
        return future


def _run(future: Future[T], work: Callable[[], T]) -> None:
    if not future.set_running_or_notify_cancel():
        return
    try:
        result = work()
    except BaseException as exc:  # handed to whoever waits for the job
        future.set_exception(exc)
    else:
        future.set_result(result)


def start() -> None:
    """Start the queued jobs in the background, in the order they were asked for. The entry script calls
    it when a run ends, however it ends, so that no job is left waiting."""
    with _LOCK:
        queued = list(_QUEUE)
        _QUEUE.clear()
    for future, work in queued:
        _WORKER.submit(_run, future, work)


def ready(future: Future[T]) -> T | None:
    """The result of ``future`` if it is done (its error raised here), else None."""
    return wait(future) if future.done() else None


def wait(future: Future[T]) -> T:
    """The result of ``future``, waiting for it; a failed job is forgotten, so a rerun starts it again."""
    start()
    try:
        return future.result()
    except BaseException:
        with _LOCK:
            for key in [k for k, f in _JOBS.items() if f is future]:
                del _JOBS[key]
        raise


def rerun_when_ready(pending: Iterable[Future[Any]]) -> None:
    """Rerun the page as soon as one of ``pending`` is done. Noted for this script run; :func:`watch`, at
    the end of the run, waits for all of them in one place."""
    _awaited().extend(pending)


def _awaited() -> list[Future[Any]]:
    """The jobs this script run waits for (the script thread's own list)."""
    if not hasattr(_RUN, "awaited"):
        _RUN.awaited = []
    awaited: list[Future[Any]] = _RUN.awaited
    return awaited


def watch() -> None:
    """Once the page is drawn: rerun it as soon as a job it waits for (:func:`rerun_when_ready`) is done.
    One fragment for the whole page, run again every :data:`POLL_S` seconds (it draws nothing). One, not
    one per piece: a session runs its fragments one after another, so a fragment waiting for an overlay
    held back the one whose board was ready. A page with a :func:`show_when_ready` spot has its fragment
    already: that one watches the jobs too."""
    waiting = list(dict.fromkeys(_awaited()))
    _awaited().clear()
    slot: list[Future[Any]] | None = getattr(_RUN, "slot", None)  # the fragment of show_when_ready
    _RUN.slot = None
    if not waiting:
        return
    if any(future.done() for future in waiting):
        st.rerun(scope="app")  # it finished while the page was being drawn
    if slot is not None:
        slot.extend(waiting)  # watched by that fragment, with its own job
        return

    @st.fragment(run_every=POLL_S)
    def _watch() -> None:
        if not _in_fragment_rerun():
            return  # the page's own run ends here: its background work starts when it has ended
        # Waiting here (the GIL released) rather than looking and returning: the page reruns as soon as a
        # job is done, and the server runs the fragment once a second instead of busily polling.
        done, _ = concurrent.futures.wait(waiting, timeout=0.9 * POLL_S, return_when=FIRST_COMPLETED)
        if done:
            st.rerun(scope="app")

    _watch()


def show_when_ready(future: Future[T], draw: Callable[[T], None], waiting: Callable[[], None]) -> None:
    """Here on the page: ``draw(result)`` of ``future``, and until it is done, ``waiting()``. Not done yet:
    a fragment that redraws only this spot when it is, so the page above it (the map) is not sent to the
    browser again first; the page reruns as a whole at the fragment's next run (for what else shows the
    result, the indicator map, and the overlays done by then), the browser having shown the spot in
    between. The fragment is the page's one watch (:func:`watch` hands it the other jobs the page waits
    for): no second fragment to take turns with. A failed job reruns the page, which reports its error."""
    if future.done():
        draw(wait(future))
        return
    others: list[Future[Any]] = []  # filled by watch() at the end of this run
    drawn: list[bool] = []  # whether a fragment run has drawn the result (kept from one run to the next)
    _RUN.slot = others

    @st.fragment(run_every=POLL_S)
    def _slot() -> None:
        rerun = _in_fragment_rerun()
        if rerun and not future.done():  # waiting, the GIL released, as in watch()
            concurrent.futures.wait([future, *others], timeout=0.9 * POLL_S, return_when=FIRST_COMPLETED)
        if not future.done():
            waiting()
            return
        if future.exception() is not None:
            st.rerun(scope="app")  # the page's run reports it (an AtlasError as a message)
        draw(wait(future))
        if not rerun:
            return
        if not drawn:
            drawn.append(True)
        elif not others or any(f.done() for f in others):
            st.rerun(scope="app")

    _slot()


def end_run() -> None:
    """The end of a script run, however it ended: start the work it asked for (:func:`start`) and forget
    what it waited for (a run cut short never reached :func:`watch`)."""
    _awaited().clear()
    _RUN.slot = None
    start()


def _in_fragment_rerun() -> bool:
    """Whether this script run reruns fragments only (a fragment's ``run_every``), not the whole page."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def settle(timeout: float | None = None) -> None:
    """Wait until every job asked for so far is done (failed ones included): for a caller that drives the
    app without a browser (tests, the benchmark), which then runs the page again to see it complete."""
    start()
    with _LOCK:
        futures = list(_JOBS.values())
    for future in futures:
        with contextlib.suppress(Exception):  # the page that asked for the job reports its error
            future.result(timeout=timeout)
