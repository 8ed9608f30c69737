"""The `backfill` flow: walk a range of listing pages, or a publication period.

"Fetch everything Tủa Chùa published in 2021", "walk listing pages 100-135 of
the provincial portal". The listing is cut into chunks of a few pages; each
chunk is crawled and loaded on its own and recorded in `backfill_progress`,
so a backfill that stopped resumes after its last loaded chunk, and memory
stays flat however long the range. A backfill is idempotent: articles already
stored are not fetched again (unless `refresh`), and loading the same content
twice adds nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from portalwatch import progress
from portalwatch.config import Source, SourcesConfig
from portalwatch.crawl import Revisit
from portalwatch.discover import listing_page_count
from portalwatch.fetch import PortalFetcher
from portalwatch.flows.ingest import (
    COUNTS,
    crawl_portal_task,
    live_and_closed,
    load_portal_task,
    portal_outcomes,
    publish_summary,
    sources_file_parameters,
)
from portalwatch.flows.setup import FlowSetup
from portalwatch.parse import LOCAL_TZ
from portalwatch.parse.profile import get_profile


@task(name="plan-backfill", task_run_name="plan-{source.id}", cache_policy=NO_CACHE)
async def plan_backfill_task(
    source: Source, config: SourcesConfig, first_page: int, last_page: int | None, chunk_pages: int
) -> list[tuple[str, list[range], bool]]:
    """Per section: its chunks of listing pages, and whether the last page is known.

    A section whose pager tells no page count is walked chunk after chunk
    until one lists nothing (or up to its listing-page cap).
    """
    profile = get_profile(source.profile, config.settings.profile_dirs)
    plan = []
    settings = config.settings
    async with PortalFetcher(
        source, config.politeness_for(source), settings.user_agent_header, settings.robots_agent
    ) as fetcher:
        for section in source.sections:
            total = await listing_page_count(fetcher, source, section, profile, lambda result: None)
            last = min(filter(None, (last_page, total)), default=None)
            known_end = last is not None
            last = min(last or source.max_listing_pages, source.max_listing_pages)
            chunks = [
                range(start, min(start + chunk_pages, last + 1))
                for start in range(first_page, last + 1, chunk_pages)
            ]
            plan.append((section.name, chunks, known_end))
    return plan


def published_between(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """The period from `since` to `until` (dates, inclusive, local time) as [start, end) instants."""
    return (
        datetime.combine(since, time(), LOCAL_TZ) if since else None,
        datetime.combine(until + timedelta(days=1), time(), LOCAL_TZ) if until else None,
    )


@dataclass(frozen=True, slots=True)
class BackfillRun:
    """One backfill run: what it walks, and how it records what it loaded."""

    setup: FlowSetup
    run_id: str
    backfill_key: str
    revisit: Revisit
    published: tuple[datetime | None, datetime | None]
    pages: tuple[int, int | None, int]  # first page, last page, pages per chunk
    logger: Any

    async def portal(self, source: Source) -> dict:
        """Every chunk of a portal's sections not loaded yet, in order; returns the portal's totals."""
        plan = await plan_backfill_task(source, self.setup.config, *self.pages)
        done = await asyncio.to_thread(self.setup.store.loaded_chunks, self.backfill_key, source.id)
        totals = {"source": source.id, "chunks": 0, "resumed_after": 0, "failures": []} | dict.fromkeys(
            COUNTS, 0
        )
        for section, chunks, known_end in plan:
            todo = [pages for pages in chunks if (section, pages.start) not in done]
            totals["resumed_after"] += len(chunks) - len(todo)
            if known_end:
                progress.add_total(len(todo))
            self.logger.info(
                "%s %s: %s chunk(s) to walk, %d already loaded",
                source.id,
                section,
                len(todo) if known_end else "up to " + str(len(todo)),
                len(chunks) - len(todo),
            )
            for pages in todo:
                if not known_end:
                    progress.add_total(1)
                listed = await self.chunk(source, section, pages, totals)
                if not known_end and not listed:
                    break
        return totals

    async def chunk(self, source: Source, section: str, pages: range, totals: dict) -> int:
        """Crawl and load one chunk of listing pages; returns how many entries they listed."""
        setup, run_id = self.setup, self.run_id
        crawl = await crawl_portal_task(
            source,
            quote(setup.config),
            setup.warehouse_file,
            setup.raw_folder,
            self.revisit,
            None,
            {section: pages},
            self.published,
            raw_endpoint=setup.raw_endpoint,
        )
        if crawl.listed:
            summary = await load_portal_task(setup.warehouse_file, run_id, quote(crawl))
            await asyncio.to_thread(
                setup.store.mark_chunk_loaded, self.backfill_key, source.id, section, pages, run_id
            )
            totals["chunks"] += 1
            for column in COUNTS:
                totals[column] += summary[column]
            totals["failures"].extend(summary["failures"])
            message = f"{source.id} {section} pages {pages.start}-{pages.stop - 1}: {summary['created']} new"
            self.logger.info("%s, %d updated, %d failed", message, summary["updated"], summary["failed"])
        progress.report(1, f"{source.id} {section} pages {pages.start}-{pages.stop - 1}")
        return crawl.listed


@flow(name="backfill", log_prints=True)
async def backfill(
    sources: list[str] | None = None,
    first_page: int = 1,
    last_page: int | None = None,
    since: date | None = None,
    until: date | None = None,
    refresh: bool = False,
    chunk_pages: int = 10,
    config_path: str | None = None,
    warehouse: str | None = None,
    raw_dir: str | None = None,
) -> dict:
    """Walk listing pages `first_page`..`last_page` (default: all) of the chosen portals.

    `since`/`until` (dates, inclusive, local time) keep only articles published
    in that period; `refresh` fetches again articles already stored (their
    edits are recorded as usual). Chunks of `chunk_pages` listing pages are
    loaded one by one; running the same backfill again resumes after the last
    loaded chunk.
    """
    logger = get_run_logger()
    if first_page < 1 or (last_page is not None and last_page < first_page) or chunk_pages < 1:
        raise ValueError(
            f"bad page range: first_page={first_page}, last_page={last_page}, chunk_pages={chunk_pages}"
        )
    setup = FlowSetup.load(config_path, warehouse, raw_dir)
    selected, closed = live_and_closed(setup.config.select(sources), logger)
    key_parameters = {
        "sources": sorted(s.id for s in selected),
        "first_page": first_page,
        "last_page": last_page,
        "since": str(since or ""),
        "until": str(until or ""),
        "refresh": refresh,
        "chunk_pages": chunk_pages,
    }
    backfill_key = hashlib.sha256(json.dumps(key_parameters, sort_keys=True).encode()).hexdigest()[:16]
    run_parameters = (
        key_parameters | {"backfill_key": backfill_key} | sources_file_parameters(setup.config_file)
    )
    run_id = await setup.start_run("backfill", run_parameters)
    run = BackfillRun(
        setup,
        run_id,
        backfill_key,
        Revisit.LISTED if refresh else Revisit.NONE,
        published_between(since, until),
        (first_page, last_page, chunk_pages),
        logger,
    )
    outcomes = await asyncio.gather(*(run.portal(source) for source in selected), return_exceptions=True)
    portals, status = portal_outcomes(selected, outcomes, logger)
    portals |= closed
    await asyncio.to_thread(setup.store.finish_run, run_id, status, portals)
    await publish_summary("backfill", run_id, portals)
    return {"run_id": run_id, "status": status, "backfill_key": backfill_key, "portals": portals}
