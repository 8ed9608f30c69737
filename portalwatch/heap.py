"""Handing memory the process has freed back to the system.

glibc's malloc keeps what a process frees for its next allocations, in one arena per
thread that allocated (up to eight per core): after a warehouse load, which builds Arrow
tables and has DuckDB hold the transaction's rows, hundreds of MiB stay resident, spread
over the arenas of DuckDB's threads and the loading thread, and the next load adds its own
on top. `release_freed` gives the free pages of every arena back (``malloc_trim``);
`limit_arenas` caps how many arenas threads started from then on spread over.
Elsewhere than glibc both do nothing.
"""

from __future__ import annotations

import ctypes
import sys

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
