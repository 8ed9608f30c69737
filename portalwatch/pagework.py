"""The CPU work on fetched pages, done off the event loop that fetches them.

Packing a page for the raw store (SHA-256, gzip), decoding it, parsing it, deriving
its text fingerprint and cited documents, and reading the text of PDFs are
CPU work, mostly in Python, so threads would not run them beside the
fetching loop (the GIL). They run in a small pool of worker
processes instead, while the loop goes on fetching: on a machine with two
cores one process fetches and one parses. ``settings.parse_workers = 0``
keeps everything in the crawling process (as for a machine with one core).

The pool is started once per process (with ``forkserver``, so a worker never
inherits the threads of a Prefect flow) and reused by every crawl; a worker
that dies is replaced, and the page is then parsed in the crawling process (an attached
file, read by a library written in C, is read again in the new worker instead, never in
the crawling process: a file that kills its reader must not kill the crawl).
A worker imports this module and what it needs, not the program that started
it (see `_WorkerProcess`).
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import logging
import os
import sys
import threading
import types
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.context import ForkServerContext, ForkServerProcess

from portalwatch.charset import decode_html
from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.lifeline import exit_with
from portalwatch.parse import parse_article
from portalwatch.parse.documents import DocumentFile, Reference, document_file
from portalwatch.parse.profile import Profile
from portalwatch.record import ArticleRecord, Attachment
from portalwatch.storage.derive import references_of
from portalwatch.storage.rawstore import PackedPage, pack
from portalwatch.storage.similarity import Fingerprint, article_text, fingerprint_text

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.0005

# glibc's malloc arenas for the crawling process's children (the workers, which run one page at
# a time): its default, eight per core, keeps freed memory in each arena a thread has used.
MALLOC_ARENAS = "2"


@dataclass(frozen=True, slots=True)
class ArticlePage:
    """A fetched article page stored and parsed: its record, or why it could not be read."""

    raw_hash: str
    packed: PackedPage  # the page ready for the raw store, which the crawling process writes
    charset: str | None  # the charset the page was decoded with
    record: ArticleRecord | None
    error: str | None  # the extraction failure when there is no record
    # What the loader stores beside a new version (None when the record is the stored one).
    fingerprint: Fingerprint | None = None
    references: tuple[Reference, ...] | None = None
    wrong_page: bool = False  # the answer was not an article page at all (maintenance, soft-404, ...)
    content_hash: str | None = None  # the record's (computed once, here, not again by the crawl)


def article_page(
    body: bytes,
    charset: str | None,
    url: str,
    profile: Profile,
    stored_hash: str | None = None,
    final_url: str | None = None,
) -> ArticlePage:
    """Pack the raw page for the store, decode and parse it, and derive what a new version
    carries unless the record hashes to `stored_hash`."""
    packed = pack(body)
    raw_hash = packed.raw_hash
    text, decoded = decode_html(body, charset)
    try:
        record = parse_article(text, url, profile, final_url)
    except ExtractionError as exc:
        return ArticlePage(raw_hash, packed, decoded, None, exc.reason, wrong_page=isinstance(exc, WrongPage))
    content_hash = record.content_hash
    if content_hash == stored_hash:
        return ArticlePage(raw_hash, packed, decoded, record, None, content_hash=content_hash)
    fingerprint = fingerprint_text(article_text(record.lead, record.body_text))
    return ArticlePage(
        raw_hash, packed, decoded, record, None, fingerprint, references_of(record), content_hash=content_hash
    )


def attachment_file(data: bytes, attachment: Attachment, sha256: str, where: str) -> DocumentFile:
    return document_file(data, attachment, sha256, where)


def default_workers() -> int:
    """One fewer than the CPUs this process may use (one fetches), at least one."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus - 1)


# Pages waiting for the workers before the crawling process parses one itself.
SHARE_BACKLOG = 256


class PageWorkers:
    """Runs page work in the process pool (or inline when it has no workers).

    Work a caller may share (:meth:`run` with ``share=True``: an article page, a few
    milliseconds) is done in the calling process instead only when `backlog` calls already
    wait for the workers: a bound on the pages the queue holds (about 12 MB at 50 kB a page),
    and a brake on fetching when parsing falls that far behind. Below it the crawling process
    fetches and the workers parse. The crawling process is the run's one serial part: every
    page it parses is a page's fetching, storing and bookkeeping that waits; measured in turns
    on two cores (benchmarks/RESULTS.md), taking a page once two waited (the earlier rule) gave
    25% fewer pages a second end to end than this, and a lower share of the latency-bound ideal.
    """

    def __init__(self, workers: int, backlog: int = SHARE_BACKLOG):
        self.workers = workers
        self.backlog = backlog
        # Work read again after its worker died goes one call at a time: a file that kills
        # its worker then dies alone, not with the calls beside it.
        self._again = asyncio.Lock()

    async def run(self, function, *args, share: bool = False, contained: str | None = None):
        """`function(*args)` in a worker. `contained`: the URL of work that must never run in
        the calling process should it kill its worker (a file handed to a library written in
        C): it is read once more in a new worker, alone (a worker dies with every call it
        holds, not only the one that killed it), then refused with an ExtractionError naming
        that URL."""
        try:
            return await self._in_worker(function, args, share)
        except BrokenProcessPool:
            if contained is None:
                log.warning(
                    "a page worker process died; it is replaced and this page is parsed in the crawling process"
                )
                return function(*args)
        log.warning("a page worker process died; it is replaced and %s is read again in a new one", contained)
        async with self._again:
            try:
                return await self._in_worker(function, args, share=False)
            except BrokenProcessPool:
                log.warning("%s: a page worker process died reading it, twice; it is not read", contained)
                raise ExtractionError(
                    contained, "the page worker process reading it died, twice: the file is not read"
                ) from None

    async def _in_worker(self, function, args: tuple, share: bool):
        pool = _pool(self.workers)
        if pool is None or not _enqueue(pool, self.backlog if share else None):
            return function(*args)
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            _discard(pool)
            raise
        finally:
            _dequeue(pool)


class _WorkerProcess(ForkServerProcess):
    """A page worker that does not import the main module of the process that starts it.

    A process started with ``forkserver`` (or ``spawn``) runs the starting program's
    ``__main__`` again as it starts, so that functions defined there can be called in it.
    Page work is all in this module; the main module is the CLI, a Prefect worker or a
    script that imports Prefect, the flows and DuckDB (about 150 MiB in every worker).
    What a new process is told to import is read from ``sys.modules['__main__']`` while
    it is started: a bare module stands in for that moment.
    """

    @staticmethod
    def _Popen(process_obj):  # multiprocessing's name
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            return ForkServerProcess._Popen(process_obj)
        finally:
            sys.modules["__main__"] = main


class _WorkerContext(ForkServerContext):
    Process = _WorkerProcess


_lock = threading.Lock()
_pools: dict[int, ProcessPoolExecutor] = {}
# Per pool: the calls handed to it that have not come back yet.
_queued: dict[Executor, int] = {}


def _pool(workers: int) -> Executor | None:
    if workers <= 0:
        return None
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            # The pool's feeder and result threads share the GIL with the fetching loop; a short
            # switch interval hands it back to the loop within half a millisecond instead of five
            # (measured: about 15% more pages per second on two cores).
            sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_SECONDS))
            # What the process holds as its first crawl gets going (its modules, their
            # tables, the configuration: objects that live as long as it) leaves the
            # garbage collector's full passes, which otherwise go over all of it again
            # every time the crawl's own objects have grown by a quarter (measured: about
            # half of the collector's time in the crawling process).
            gc.freeze()
            os.environ.setdefault("MALLOC_ARENA_MAX", MALLOC_ARENAS)  # read as the forkserver starts
            context = _WorkerContext()
            # Workers fork from a server that has already imported the parsers.
            context.set_forkserver_preload([__name__])
            # A worker ends with the crawling process, even one killed with SIGKILL.
            pool = _pools[workers] = ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=exit_with, initargs=(os.getpid(),)
            )
        return pool


def _enqueue(pool: Executor, limit: int | None) -> bool:
    """Count a call handed to `pool`, unless `limit` calls or more are there already (False)."""
    with _lock:
        queued = _queued.get(pool, 0)
        if limit is not None and queued >= limit:
            return False
        _queued[pool] = queued + 1
        return True


def _dequeue(pool: Executor) -> None:
    with _lock:
        left = _queued.pop(pool) - 1
        if left:
            _queued[pool] = left


def _discard(pool: Executor) -> None:
    with _lock:
        for key, value in list(_pools.items()):
            if value is pool:
                del _pools[key]
    pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
