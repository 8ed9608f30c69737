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
import contextlib
import fcntl
import functools
import gc
import logging
import os
import sys
import threading
import types
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import cast

from portalwatch.charset import decode_html
from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.lifeline import exit_with
from portalwatch.parse import parse_article
from portalwatch.parse.documents import DocumentFile, Reference, document_file
from portalwatch.parse.profile import Profile
from portalwatch.record import ArticleRecord, Attachment
from portalwatch.storage.derive import references_of
from portalwatch.storage.rawstore import PackedPage, pack
from portalwatch.storage.similarity import Fingerprint, article_text, fingerprint_text, fingerprint_texts

log = logging.getLogger(__name__)

SWITCH_INTERVAL_SECONDS = 0.0005

# glibc's malloc arenas for the crawling process's children (the workers, which run one page at
# a time): its default, eight per core, keeps freed memory in each arena a thread has used.
MALLOC_ARENAS = "2"

# What each pipe between the crawling process and its workers holds (Linux; 64 kB by default):
# a batch of pages, up to BATCH_PAGES bodies of tens of kB one way and their records the other,
# then crosses in a write or two instead of one for every 64 kB, each waking the other side's
# thread, which then wants the GIL the fetching loop holds. Measured on a's quick crawl, eight
# runs each way in turns (medians): 657 against 633 pages a second, the crawling process's CPU
# 1.50 against 1.56 ms a page.
PIPE_BYTES = 1 << 20


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
    *,
    fingerprint: bool = True,
) -> ArticlePage:
    """Pack the raw page for the store, decode and parse it, and derive what a new version
    carries unless the record hashes to `stored_hash`. Without `fingerprint`, a new version's
    fingerprint is left to the caller (its references are set: what tells one)."""
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
    signed = fingerprint_text(article_text(record.lead, record.body_text)) if fingerprint else None
    return ArticlePage(
        raw_hash, packed, decoded, record, None, signed, references_of(record), content_hash=content_hash
    )


def article_pages(calls: Sequence[tuple]) -> list[ArticlePage | Exception]:
    """`article_page` of each call's arguments, or the exception it raised; the fingerprints of
    the new versions' texts computed together (one text alone costs about twice its share of
    a batch: the vectorized steps' fixed cost)."""
    pages: list[ArticlePage | Exception] = []
    for args in calls:
        try:
            pages.append(article_page(*args, fingerprint=False))
        except Exception as exc:  # the caller's, as if it had made the call itself
            pages.append(exc)
    new = [i for i, page in enumerate(pages) if isinstance(page, ArticlePage) and page.references is not None]
    texts = [article_text(pages[i].record.lead, pages[i].record.body_text) for i in new]  # type: ignore[union-attr]
    for i, signed in zip(new, fingerprint_texts(texts), strict=True):
        pages[i] = replace(pages[i], fingerprint=signed)  # type: ignore[type-var]
    return pages


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
# The most pages handed to a worker in one call.
BATCH_PAGES = 16


class PageWorkers:
    """Runs page work in the process pool (or inline when it has no workers).

    Work a caller may share (:meth:`run` with ``share=True``: an article page, a few
    milliseconds) is done in the calling process instead only when `backlog` calls already
    wait for the workers (a bound on the pages the queue holds, about 12 MB at 50 kB a page,
    and a brake on fetching when parsing falls that far behind), or while the calling loop has
    no request out (`_Batches`). Otherwise the crawling process fetches and the workers parse.
    The crawling process is the run's one serial part: every page it parses is a page's
    fetching, storing and bookkeeping that waits; measured in turns on two cores
    (benchmarks/RESULTS.md), taking a page once two waited (the earlier rule) gave 25% fewer
    pages a second end to end than this, and a lower share of the latency-bound ideal.

    Shared work goes to the workers in batches (`_Batches`): while every worker has a call in
    hand and one more waits, the pages that come in wait in the crawling process and go as
    one call when one comes back. Each call has a cost of its own on both sides (the pool's
    threads and pipes, the wake-ups, a fingerprint's fixed numpy cost): measured on two cores
    with 32 pages in flight, a call a page cost the crawling process 0.7-1.0 ms of CPU a page
    and the worker 2.2-3.4 ms; in batches 0.2 ms and 1.7 ms. A page never waits for a batch
    to fill: with room in the pool it goes at once, with those that came in during the same
    turn of the event loop.
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
            if share:
                return await _batches(pool, self.workers).call(function, args)
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            _discard(pool)
            raise
        finally:
            _dequeue(pool)


def run_batch(function: Callable, calls: list[tuple]) -> list[tuple[bool, object]]:
    """In a worker: `function` called with each of `calls`' arguments; for each, (True, what it
    returned) or (False, the exception it raised)."""
    if function is article_page:
        return [(not isinstance(page, Exception), page) for page in article_pages(calls)]
    outcomes: list[tuple[bool, object]] = []
    for args in calls:
        try:
            outcomes.append((True, function(*args)))
        except Exception as exc:
            outcomes.append((False, exc))
    return outcomes


# Per event loop: the requests it has out (`requesting`).
_requests: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, int] = weakref.WeakKeyDictionary()


@contextlib.contextmanager
def requesting() -> Iterator[None]:
    """Count a fetch of the running event loop while it is under way (the fetcher wraps each):
    while the loop has none, the shared work waiting for the workers is done in this process."""
    loop = asyncio.get_running_loop()
    _requests[loop] = _requests.get(loop, 0) + 1
    try:
        yield
    finally:
        _requests[loop] -= 1
        if not _requests[loop]:
            with _lock:
                waiting = list(_batches_of.get(loop, {}).values())
            for batches in waiting:
                batches._offer(loop)


class _Batches:
    """The shared calls of one event loop to one pool, handed over in batches.

    At most `ahead` batches are in the pool at once (one in each worker's hands and one more
    waiting, so that a worker does not wait on the crawling process between two); the calls
    that come in meanwhile wait here, and go, `BATCH_PAGES` at most a batch, as batches come
    back. Each call's future gets its own result or exception. The loop is held weakly: it
    keys these in `_batches_of`, which must not keep it alive.

    While the loop has no request out (`requesting`: the end of a crawl, whose last pages wait
    for the workers), the calls waiting here are done in this process, the last to come first,
    one a turn of the loop, beside the workers: its core would otherwise idle while they
    catch up. A call is never taken back from a worker.
    """

    def __init__(self, pool: Executor, loop: asyncio.AbstractEventLoop, workers: int):
        self.pool = pool
        self.loop = weakref.ref(loop)
        self.ahead = workers + 1
        self.sent = 0
        self.waiting: dict[Callable, list[tuple[tuple, asyncio.Future]]] = {}
        self.sending = False
        self.taking = False  # a call waiting here is to be done in this process (`_take`)

    def call(self, function: Callable, args: tuple) -> asyncio.Future:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self.waiting.setdefault(function, []).append((args, future))
        if self.sent < self.ahead and not self.sending:
            # After the callbacks this turn of the loop runs: the pages they bring go along.
            self.sending = True
            loop.call_soon(self._send)
        else:
            self._offer(loop)
        return future

    def _send(self) -> None:
        self.sending = False
        while self.waiting and self.sent < self.ahead:
            function, calls = next(iter(self.waiting.items()))
            batch = calls[:BATCH_PAGES]
            if len(calls) > BATCH_PAGES:
                self.waiting[function] = calls[BATCH_PAGES:]
            else:
                del self.waiting[function]
            batch = [(args, future) for args, future in batch if not future.cancelled()]
            if not batch:
                continue
            try:
                done = self.pool.submit(run_batch, function, [args for args, _ in batch])
            except Exception as exc:  # a broken or closed pool
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.sent += 1
            done.add_done_callback(functools.partial(self._back, batch))

    def _back(self, batch: list[tuple[tuple, asyncio.Future]], done: Future) -> None:
        """In the pool's thread: the batch's outcome, handed to the loop."""
        loop = self.loop()
        if loop is None:  # the loop is gone: nobody waits for these any more
            return
        try:
            loop.call_soon_threadsafe(self._hand_out, batch, done)
        except RuntimeError:  # closed, likewise
            pass

    def _hand_out(self, batch: list[tuple[tuple, asyncio.Future]], done: Future) -> None:
        self.sent -= 1
        try:
            outcomes = done.result()
        except BaseException as exc:  # the whole call failed (the worker died): each call fails with it
            outcomes = [(False, exc)] * len(batch)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
            _settle(future, ok, value)
        self._send()
        loop = self.loop()
        if loop is not None:
            self._offer(loop)

    def _offer(self, loop: asyncio.AbstractEventLoop) -> None:
        """Have a waiting call done in this process, in a coming turn of `loop`, if it has no request out."""
        if self.waiting and not self.taking and not _requests.get(loop, 0):
            self.taking = True
            loop.call_soon(self._take, loop)

    def _take(self, loop: asyncio.AbstractEventLoop) -> None:
        """Do the last waiting call here, while the loop has no request out; then offer the next."""
        self.taking = False
        if not self.waiting or _requests.get(loop, 0):
            return
        function = next(reversed(self.waiting))
        calls = self.waiting[function]
        args, future = calls.pop()
        if not calls:
            del self.waiting[function]
        if not future.done():
            ((ok, value),) = run_batch(function, [args])
            _settle(future, ok, value)
        self._offer(loop)


def _settle(future: asyncio.Future, ok: bool, value: object) -> None:
    """Give a call's future its outcome from `run_batch` (or the pool): its result, its
    exception, or its cancellation; nothing when it is done already (cancelled meanwhile)."""
    if future.done():
        return
    if ok:
        future.set_result(value)
    elif isinstance(value, CancelledError):
        future.cancel()
    else:
        future.set_exception(cast(BaseException, value))


# Per event loop, per pool: its `_Batches`.
_batches_of: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[Executor, _Batches]] = (
    weakref.WeakKeyDictionary()
)


def _batches(pool: Executor, workers: int) -> _Batches:
    loop = asyncio.get_running_loop()
    with _lock:
        of_loop = _batches_of.setdefault(loop, {})
        batches = of_loop.get(pool)
        if batches is None:
            batches = of_loop[pool] = _Batches(pool, loop, workers)
        return batches


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
            _widen_pipes(pool)
        return pool


def pipe_ends(pool: ProcessPoolExecutor) -> list:
    """The connections over which the pool's calls go out and their results come back (the
    executor's own, not part of its public interface: none if a Python release renames them)."""
    ends = [
        getattr(getattr(pool, "_call_queue", None), "_writer", None),
        getattr(getattr(pool, "_result_queue", None), "_reader", None),
    ]
    return [end for end in ends if end is not None]


def _widen_pipes(pool: ProcessPoolExecutor) -> None:
    """Make the pool's pipes hold PIPE_BYTES where the system lets this user (Linux's
    /proc/sys/fs/pipe-max-size, 1 MiB by default); they stay as they are otherwise."""
    set_size = getattr(fcntl, "F_SETPIPE_SZ", None)
    if set_size is None:
        return
    for end in pipe_ends(pool):
        try:
            fcntl.fcntl(end.fileno(), set_size, PIPE_BYTES)
        except OSError as exc:  # above the user's limit, or not a pipe
            log.debug("the page workers' pipe keeps its size: %s", exc)


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
        for of_loop in _batches_of.values():
            of_loop.pop(pool, None)
    pool.shutdown(wait=False, cancel_futures=True)


@atexit.register
def _shutdown() -> None:
    with _lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)
