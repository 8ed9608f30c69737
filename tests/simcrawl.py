"""Crawl the simulator into a warehouse with the plain stages (no Prefect): discover,
fetch over loopback HTTP, store raw, parse, load — as the ingest flow does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


def crawl_into(config_path: Path, warehouse: Warehouse, revisit: Revisit = Revisit.NONE) -> str:
    """One run over every simulated portal; returns its run id."""
    config = load_sources(config_path)
    raw = RawStore(warehouse.path.parent / "raw")
    warehouse.migrate()
    run_id = warehouse.start_run("ingest", {"revisit": str(revisit)})

    async def crawl_all():
        return await asyncio.gather(
            *(
                crawl_portal(source, config, warehouse.known_articles(source.id), raw, revisit)
                for source in config.select(None)
            )
        )

    for crawl in asyncio.run(crawl_all()):
        warehouse.load_portal(run_id, crawl.source, crawl.fetches, crawl.observations, crawl.gone)
    warehouse.finish_run(run_id, "completed", {})
    return run_id
