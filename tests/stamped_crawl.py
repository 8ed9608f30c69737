"""One portal's crawl and load in a process of its own, with every request it writes stamped
(crawling.SentRequests), for the tests of spacing across processes.

    python stamped_crawl.py CONFIG WAREHOUSE SOURCE (ingest|backfill) FOLDER

It writes FOLDER/<mode>.ready once it is set up, waits for FOLDER/go, crawls (an ingest: the
portal's new articles; a backfill: listing pages 1-3 of each section, as a backfill's chunk is
crawled) and loads, then writes FOLDER/<mode>.json: its request stamps and its fetches."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

import pytest

from portalwatch import pipeline
from portalwatch.config import load_sources
from portalwatch.crawl import Revisit
from portalwatch.sim.sent import SentRequests
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

BACKFILL_PAGES = range(1, 4)


def main(config_path: str, warehouse_path: str, source_id: str, mode: str, folder: str) -> None:
    config = load_sources(config_path)
    source = config.select([source_id])[0]
    warehouse = Warehouse(warehouse_path)
    raw = RawStore(Path(warehouse_path).parent / "raw")
    pages = {section.name: BACKFILL_PAGES for section in source.sections} if mode == "backfill" else None
    sent = SentRequests()
    sent.install(pytest.MonkeyPatch())
    (Path(folder) / f"{mode}.ready").touch()
    while not (Path(folder) / "go").exists():
        time.sleep(0.01)
    run_id = warehouse.start_run(mode, {"source": source_id})
    crawl, _ = asyncio.run(
        pipeline.run_portal(source, config, warehouse, raw, run_id, Revisit.NONE, pages=pages)
    )
    warehouse.finish_run(run_id, "completed", {})
    fetches = [(fetch.url, fetch.kind) for fetch in crawl.fetches]
    out = {"starts": sent.starts, "fetches": fetches}
    (Path(folder) / f"{mode}.json").write_text(json.dumps(out), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
