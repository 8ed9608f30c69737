"""Handing memory the process has freed back to the system.

glibc's malloc keeps what a process frees for its next allocations, in one arena per
thread that allocated (up to eight per core): after a warehouse load, which builds Arrow
tables and has DuckDB hold the transaction's rows, hundreds of MiB stay resident, spread
over the arenas of DuckDB's threads and the loading thread, and the next load adds its own
on top. `release_freed` gives the free pages of every arena back (``malloc_trim``);
`limit_arenas` caps how many arenas threads started from then on spread over.
Elsewhere than glibc both do nothing.

`collections_paused` holds off Python's cyclic garbage collector for a stretch of work
that allocates many objects beside many more that live on (a warehouse load);
`full_passes_spaced` makes its full passes rarer while crawls run.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

M_ARENA_MAX = -8  # mallopt's parameter (malloc.h)
ARENAS = 2  # for the threads of the crawling process: the loop, the load, DuckDB's


def _glibc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None)  # the C library the process runs on
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _glibc()


def limit_arenas(count: int = ARENAS) -> None:
    """At most `count` malloc arenas for the threads that allocate from now on."""
    if _LIBC is not None:
        _LIBC.mallopt(M_ARENA_MAX, count)


def release_freed() -> None:
    """Give the free pages of every malloc arena back to the system."""
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


class _HeldWhileOpen:
    """A change to the collector that holds while any of its blocks is open, in any thread:
    made as the first of them begins (`make` returns what undoes it), undone as the last ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open = 0  # how many blocks are open
        self._undo: Callable[[], None] = lambda: None

    @contextmanager
    def block(self, make: Callable[[], Callable[[], None]]) -> Iterator[None]:
        with self._lock:
            if self._open == 0:
                self._undo = make()
            self._open += 1
        try:
            yield
        finally:
            with self._lock:
                self._open -= 1
                if self._open == 0:
                    self._undo()


_paused = _HeldWhileOpen()


@contextmanager
def collections_paused() -> Iterator[None]:
    """No automatic pass of the cyclic garbage collector while the block runs (in any thread);
    as before once the last such block ends. Reference counting frees what it always frees.

    A load allocates a few objects for each of tens of thousands of rows while the process
    holds the crawl they come from: each time the survivors have grown by a quarter, a full
    pass goes over all of it again, and finds nothing to free (measured: 0.2-0.4 s of a
    20,000-version load). The cyclic garbage made meanwhile waits for the next pass after it.
    """
    with _paused.block(_pause):
        yield


def _pause() -> Callable[[], None]:
    enabled = gc.isenabled()
    gc.disable()
    return gc.enable if enabled else lambda: None


# Passes of the middle generation between two full passes while a crawl runs (CPython's
# default: 10).
CRAWL_FULL_PASS_EVERY = 100

_spaced = _HeldWhileOpen()


@contextmanager
def full_passes_spaced(every: int = CRAWL_FULL_PASS_EVERY) -> Iterator[None]:
    """While the block runs (in any thread), the cyclic garbage collector makes a full pass
    at most once every `every` passes of its middle generation; its young passes run as
    before. The thresholds are put back as the last such block ends.

    A crawl keeps what it found (records, their links and images, fetch results: hundreds of
    objects a page) until its load. Each time the objects that outlived two passes have
    grown by a quarter, a full pass goes over all of them and finds little: measured with
    100 portals answering in 300 ms, 7 or 8 full passes of 50-200 ms each, every one a stall
    of all 200 connections. Cyclic garbage that outlives two passes waits for the next full
    pass (a fetched page leaves none: `portalwatch.fetch`).
    """

    def space() -> Callable[[], None]:
        before = gc.get_threshold()
        young, middle, full = before
        gc.set_threshold(young, middle, max(full, every))
        return lambda: gc.set_threshold(*before)

    with _spaced.block(space):
        yield
