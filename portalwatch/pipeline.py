"""A portal through the stages: its crawl memory read from the warehouse, crawled, loaded.

The flows run each stage as a task of its own (a crawl and a load are retried
differently); everything else that runs a portal calls :func:`run_portal`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from portalwatch.config import Source, SourcesConfig
from portalwatch.crawl import Revisit, crawl_portal
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
    """Record a crawl in the warehouse (in a thread: the load holds the writer lock)."""
    return await asyncio.to_thread(warehouse.load_portal, run_id, crawl, cause)


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
