"""Keeping the generator's footprint what it holds: freed memory handed back to the system (glibc)."""

from __future__ import annotations

import contextlib
import ctypes

__all__ = ["one_heap", "release_freed_memory"]

_M_ARENA_MAX = -8  # glibc's malloc.h


def release_freed_memory() -> None:
    """Return the heap's free pages to the system (glibc's ``malloc_trim``; elsewhere nothing).

    The stages free hundreds of megabytes of numpy temporaries, but glibc keeps freed blocks below its
    (growing) mmap threshold in the heap, so without this the process's footprint would only ever grow.
    """
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).malloc_trim(0)


def one_heap() -> None:
    """Have every thread allocate from the main heap (glibc's ``M_ARENA_MAX`` 1; elsewhere nothing).

    For a process of its own (``geoplan demo-data``): GDAL's compression threads would each get a heap
    of their own, whose freed memory stays with the process (~25 MB of its peak, measured).
    """
    with contextlib.suppress(AttributeError, OSError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 1)
