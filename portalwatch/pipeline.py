"""A portal through the stages: its crawl memory read from the warehouse, crawled, loaded.

The flows run each stage as a task of its own (a crawl and a load are retried
differently); everything else that runs a portal calls :func:`run_portal`. Under
Prefect, every load waits for its warehouse's load lane (:mod:`portalwatch.lane`); a
crawl handed over by another worker is loaded from its package (:func:`load_package_stage`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from portalwatch.config import Source, SourcesConfig
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.lane import load_lane
from portalwatch.loadpackage import read_package, remove_package
from portalwatch.model import LoadSummary, PortalCrawl
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
    """Crawl one portal from what the warehouse knows of it (its articles and its crawl memory)."""
    known = await asyncio.to_thread(warehouse.known_articles, source.id)
    state = await asyncio.to_thread(warehouse.portal_state, source.id)
    crawl = await crawl_portal(
        source,
        config,
        known,
        raw_store,
        revisit,
        max_listing_pages,
        state=state,
        now=now,
        pages=pages,
        published=published,
        observer=observer,
    )
    await asyncio.to_thread(raw_store.flush)  # the pages on disk before the load names them
    return crawl


async def load_stage(
    warehouse: Warehouse, run_id: str, crawl: PortalCrawl, cause: str = "portal"
) -> LoadSummary:
    """Record a crawl in the warehouse (in a thread: the load holds the writer lock), in the
    warehouse's load lane when it runs under Prefect."""
    async with load_lane(str(warehouse)):
        return await asyncio.to_thread(warehouse.load_portal, run_id, crawl, cause)


async def load_package_stage(
    warehouse: Warehouse, run_id: str, package: str, cause: str = "portal"
) -> tuple[PortalCrawl, LoadSummary]:
    """Load the crawl in a load package, then remove the package: the crawl and what its load changed."""
    crawl = await asyncio.to_thread(read_package, package)
    loaded = await load_stage(warehouse, run_id, crawl, cause)
    await asyncio.to_thread(remove_package, package)
    return crawl, loaded


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
