"""A portal through the stages: its crawl memory read from the warehouse, crawled, loaded.

The flows run each stage as a task of its own (a crawl and a load are retried
differently); everything else that runs a portal calls :func:`run_portal`. Under
Prefect, every load waits for its warehouse's load lane (:mod:`portalwatch.lane`); a
crawl handed over by another worker is loaded from its package (:func:`load_package_stage`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from functools import partial

from portalwatch import heap
from portalwatch.config import Source, SourcesConfig
from portalwatch.crawl import Revisit, crawl_portal, open_fetcher
from portalwatch.discover import WarmStart
from portalwatch.lane import load_lane
from portalwatch.loadpackage import read_package, remove_package
from portalwatch.model import KnownArticle, KnownKeys, LoadSummary, PortalCrawl, PortalState
from portalwatch.parse.profile import get_profile
from portalwatch.progress import CrawlObserver
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


async def crawl_stage(
    source: Source,
    config: SourcesConfig,
    warehouse: Warehouse,
    raw_store: RawStore,
    revisit: Revisit = Revisit.NONE,
    max_listing_pages: int | None = None,
    *,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
    now: datetime | None = None,
    observer: CrawlObserver | None = None,
) -> PortalCrawl:
    """Crawl one portal from what the warehouse knows of it (its articles and its crawl memory).

    A crawl that walks listings from their first page starts fetching page 1 of every section
    (and so each host's robots.txt) while the warehouse is read: every portal of a run has
    work on the wire from its first moment.
    """
    crawl = partial(
        crawl_portal,
        source,
        config,
        raw_store=raw_store,
        revisit=revisit,
        max_listing_pages=max_listing_pages,
        now=now,
        pages=pages,
        published=published,
        observer=observer,
    )
    # A crawl keeps what it finds until its load: the collector's full passes, which would go
    # over all of it again and again, come rarer meanwhile (portalwatch.heap).
    with heap.full_passes_spaced():
        if source.closed or pages is not None:
            # A chunk of a backfill that fetches no known article again (fetches only what its
            # listing pages name that the warehouse lacks) never looks up an article's schedule,
            # nor anything of a known page but that it is known: each chunk would otherwise read
            # all of it, for every one of the portal's pages, again.
            known, state = await _memory(
                warehouse, source.id, revisit, article_schedules=revisit is not Revisit.NONE
            )
            crawled = await crawl(known, state=state)
        else:
            profile = get_profile(source.profile, config.settings.profile_dirs)
            async with (
                open_fetcher(source, config) as fetcher,
                WarmStart(fetcher, source, profile) as warm,
            ):
                known, state = await _memory(warehouse, source.id, revisit)
                crawled = await crawl(known, state=state, fetcher=warm)
    await asyncio.to_thread(raw_store.flush)  # the pages on disk before the load names them
    return crawled


async def _memory(
    warehouse: Warehouse, source_id: str, revisit: Revisit, article_schedules: bool = True
) -> tuple[dict[str, KnownArticle] | KnownKeys, PortalState]:
    """What the warehouse knows of a portal: its crawl memory, and its known articles.

    The articles' schedules name every known page, with what a revisit asks of its current
    version: a crawl that reads them (every run but a backfill's chunk) and revisits only
    the due pages, or none, reads nothing else. A chunk reads the known pages' ids beside
    the memory; a crawl that revisits every page, or every listed one, reads all that is
    known of each."""
    if revisit in (Revisit.NONE, Revisit.DUE) and article_schedules:
        state = await _portal_state(warehouse, source_id)
        return KnownKeys.of(state), state
    read_known = warehouse.known_keys if revisit is Revisit.NONE else warehouse.known_articles
    known, state = await asyncio.gather(
        asyncio.to_thread(read_known, source_id),
        _portal_state(warehouse, source_id, article_schedules),
    )
    return known, state


class _MemoryReads:
    """The crawl memories asked for and not read yet, and the task that reads them."""

    def __init__(self) -> None:
        self.waiting: list[tuple[str, asyncio.Future[PortalState]]] = []
        self.reader: asyncio.Future[None] | None = None


# By event loop, warehouse and whether the articles' schedules are read.
_memory_reads: dict[tuple[asyncio.AbstractEventLoop, str, bool], _MemoryReads] = {}


async def _portal_state(warehouse: Warehouse, source_id: str, article_schedules: bool = True) -> PortalState:
    """A portal's crawl memory, read with those of the other crawls of this process that ask for
    theirs at the same time.

    A run's crawls start together, and each read took its turn on the warehouse's connection:
    at 100 portals, the last crawl had its memory 1.6 s after the first (4 statements each, 46-65
    ms a portal with the wait), so the last portals began their crawls that much later. Read
    together, the statements are those of one portal's read, and a crawl that asks while a read
    is under way goes with the next one."""
    loop = asyncio.get_running_loop()
    key = (loop, str(warehouse), article_schedules)
    reads = _memory_reads.setdefault(key, _MemoryReads())
    answer: asyncio.Future[PortalState] = loop.create_future()
    reads.waiting.append((source_id, answer))
    if reads.reader is None:
        reads.reader = asyncio.ensure_future(_read_memories(warehouse, article_schedules, key, reads))
    return await answer


async def _read_memories(
    warehouse: Warehouse, article_schedules: bool, key: tuple, reads: _MemoryReads
) -> None:
    """Read what waits, a batch at a time, until nothing does. A portal asked for twice at once
    is read once in each of two batches: a crawl's state is its own."""
    batch: dict[str, asyncio.Future[PortalState]] = {}
    try:
        while reads.waiting:
            await asyncio.sleep(0)  # the crawls that start in this turn of the loop ask too
            batch, later = {}, []
            for source_id, answer in reads.waiting:
                if source_id in batch:
                    later.append((source_id, answer))
                else:
                    batch[source_id] = answer
            reads.waiting = later
            try:
                states = await asyncio.to_thread(warehouse.portal_states, list(batch), article_schedules)
            except Exception as exc:
                for answer in batch.values():
                    if not answer.done():
                        answer.set_exception(exc)
            else:
                for source_id, answer in batch.items():
                    if not answer.done():
                        answer.set_result(states[source_id])
            batch = {}
    except BaseException:  # cancelled with the loop: no crawl waits for ever
        for answer in [*batch.values(), *(answer for _, answer in reads.waiting)]:
            answer.cancel()
        reads.waiting.clear()
        raise
    finally:
        reads.reader = None
        if _memory_reads.get(key) is reads:
            _memory_reads.pop(key, None)


async def load_stage(
    warehouse: Warehouse, run_id: str, crawl: PortalCrawl, cause: str = "portal"
) -> LoadSummary:
    """Record a crawl in the warehouse (in a thread: the load holds the writer lock), in the
    warehouse's load lane when it runs under Prefect.

    Loads take turns; the crawls of this process that finish while another load runs, or
    while the lane rests after one (:func:`_gather`), wait for the next turn together and go in
    in one transaction (:meth:`Warehouse.load_portals`): most of a small load's cost is the
    same whatever its size. A batch that fails is loaded again portal by portal, so one crawl
    that cannot be loaded never holds back another."""
    loop = asyncio.get_running_loop()
    key = (loop, str(warehouse), run_id, cause)
    queue = _load_queues.setdefault(key, _LoadQueue())
    entry = (crawl, loop.create_future())
    queue.waiting.append(entry)
    if queue.driver is None:
        queue.driver = asyncio.ensure_future(_load_turns(warehouse, run_id, cause, key, queue))
    try:
        return await asyncio.shield(entry[1])
    except asyncio.CancelledError:
        if entry in queue.waiting:  # not taken yet: it will not be loaded
            queue.waiting.remove(entry)
        raise


class _LoadQueue:
    """The crawls waiting for their load's turn, and the task that gives them turns."""

    def __init__(self) -> None:
        self.waiting: list[tuple[PortalCrawl, asyncio.Future[LoadSummary]]] = []
        self.driver: asyncio.Future[None] | None = None


# By event loop, warehouse, run and cause: a batch goes in as one run's loads of one cause.
_load_queues: dict[tuple[asyncio.AbstractEventLoop, str, str, str], _LoadQueue] = {}


async def _load_turns(warehouse: Warehouse, run_id: str, cause: str, key: tuple, queue: _LoadQueue) -> None:
    """Load what waits, a batch per turn of the load lane, until nothing does."""
    batch: list[tuple[PortalCrawl, asyncio.Future[LoadSummary]]] = []
    try:
        while queue.waiting:
            await _gather(queue, warehouse)
            async with load_lane(str(warehouse)):
                batch, queue.waiting = queue.waiting, []
                started = time.monotonic()
                outcomes = await asyncio.to_thread(
                    _load_batch, warehouse, run_id, [c for c, _ in batch], cause
                )
                ended = time.monotonic()
                _last_loads[str(warehouse)] = (ended, ended - started)
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)
            batch = []
    except BaseException as exc:
        for _, future in [*batch, *queue.waiting]:
            if not future.done():
                future.set_exception(exc)
        queue.waiting.clear()
        raise
    finally:
        queue.driver = None
        _load_queues.pop(key, None)


# A batch waits for crawls of this process finishing right behind it: while one more arrives
# within GATHER_GAP_SECONDS, for at most GATHER_MAX_SECONDS in all. After a load of d seconds
# the next one also rests, gathering, until LOAD_REST × d have passed since it ended (at most
# REST_MAX_SECONDS): the lane is then busy at most a 1 / (1 + LOAD_REST) share of a run's time.
GATHER_GAP_SECONDS = 0.05
GATHER_MAX_SECONDS = 0.3
LOAD_REST = 4.0
REST_MAX_SECONDS = 10.0

# By warehouse: when this process's last load into it ended (time.monotonic) and how long it took.
_last_loads: dict[str, tuple[float, float]] = {}


def _rest_until(warehouse: Warehouse) -> float:
    """The time.monotonic() before which the next load into `warehouse` rests, gathering crawls."""
    ended, seconds = _last_loads.get(str(warehouse), (0.0, 0.0))
    return ended + min(LOAD_REST * seconds, REST_MAX_SECONDS)


async def _gather(queue: _LoadQueue, warehouse: Warehouse) -> None:
    """Wait, before a load's turn, for the crawls of this process that finish after the ones
    waiting, so that they go in with them.

    A load costs about the same whatever the number of portals in it (a tenth of a second for
    a DuckDB file, seconds for a DuckLake), and one runs at a time: loading each crawl as it
    finishes would spend most of a run's loads on their fixed cost, beside the crawls on the
    same cores. So the crawls that finish right after the ones waiting join them, and after a
    load the next one rests for LOAD_REST times its length. Nothing waits once every load
    expected in this process is waiting (:meth:`Session.expect_load`): the run's last crawl is
    loaded as soon as it is done."""
    deadline = time.monotonic() + GATHER_MAX_SECONDS
    rest = _rest_until(warehouse)
    while warehouse.session.coming > len(queue.waiting):
        now = time.monotonic()
        if now < rest:  # resting: whatever arrives or not, until the rest is over
            await asyncio.sleep(min(GATHER_GAP_SECONDS, rest - now))
            continue
        if now >= deadline:
            return
        arrived = len(queue.waiting)
        await asyncio.sleep(GATHER_GAP_SECONDS)
        if len(queue.waiting) == arrived:
            return


def _load_batch(
    warehouse: Warehouse, run_id: str, crawls: list[PortalCrawl], cause: str
) -> list[LoadSummary | Exception]:
    """Each crawl's load summary, or what stopped its load: the lot in one transaction, or,
    when that fails, one by one."""
    if len(crawls) > 1:
        try:
            return list(warehouse.load_portals(run_id, crawls, cause))
        except Exception:
            pass  # each crawl is loaded again on its own, and says what stopped it
    outcomes: list[LoadSummary | Exception] = []
    for crawl in crawls:
        try:
            outcomes.append(warehouse.load_portal(run_id, crawl, cause))
        except Exception as exc:
            outcomes.append(exc)
    return outcomes


async def load_package_stage(
    warehouse: Warehouse, run_id: str, package: str, cause: str = "portal"
) -> tuple[PortalCrawl, LoadSummary]:
    """Load the crawl in a load package, then remove the package: the crawl and what its load changed."""
    crawl = await asyncio.to_thread(read_package, package)
    loaded = await load_stage(warehouse, run_id, crawl, cause)
    await asyncio.to_thread(remove_package, package)
    return crawl, loaded


@asynccontextmanager
async def load_to_come(warehouse: Warehouse) -> AsyncIterator[None]:
    """A load into `warehouse` to come at the end of the block: the run's loads in this process
    share one writer's connection (:meth:`Session.expect_load`) instead of opening and
    checkpointing the file for each. The collector's full passes stay rare (as while a crawl
    runs) until the load is done: the one the crawl put off then comes after the load, not
    before it."""
    session = warehouse.session
    session.expect_load()
    try:
        with heap.full_passes_spaced():
            yield
    finally:
        await asyncio.to_thread(session.load_done)


async def run_portal(
    source: Source,
    config: SourcesConfig,
    warehouse: Warehouse,
    raw_store: RawStore,
    run_id: str,
    revisit: Revisit = Revisit.NONE,
    max_listing_pages: int | None = None,
    *,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
    now: datetime | None = None,
    observer: CrawlObserver | None = None,
) -> tuple[PortalCrawl, LoadSummary]:
    """One portal crawled, then loaded in run `run_id`: the crawl and what its load changed."""
    async with load_to_come(warehouse):
        crawl = await crawl_stage(
            source,
            config,
            warehouse,
            raw_store,
            revisit,
            max_listing_pages,
            pages=pages,
            published=published,
            now=now,
            observer=observer,
        )
        return crawl, await load_stage(warehouse, run_id, crawl)
