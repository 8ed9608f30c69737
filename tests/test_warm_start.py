"""A run's first requests go out at once for every portal (robots.txt, page 1 of every section)
while the warehouse is read, and each host stays within its politeness all the same."""

from __future__ import annotations

import asyncio
from collections import Counter

from budget import budget
from crawling import by_host, max_concurrency, politeness, spacing_kept

from portalwatch import pipeline
from portalwatch.config import load_sources
from portalwatch.crawl import crawl_portal
from portalwatch.discover import listing_url
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

PORTALS = ["muongang", "xa-muong-dun", "tuachua"]
DELAY = 0.1
# How much later than its arrival the simulator may log a request (see test_fetch_faults).
SERVER_JITTER = 0.1


def run_portals(config, warehouse: Warehouse, raw: RawStore) -> list:
    run_id = warehouse.start_run("test", {})

    async def everything():
        return await asyncio.gather(
            *(
                pipeline.run_portal(source, config, warehouse, raw, run_id)
                for source in config.select(PORTALS)
            )
        )

    return asyncio.run(everything())


def test_warm_start_keeps_each_host_within_its_limits(start_simulator, warehouse, tmp_path):
    sim = start_simulator(latency_ms=30)
    config_path = sim.write_sources(
        tmp_path / "sources.toml", politeness(concurrency=2, delay_seconds=DELAY), portals=PORTALS
    )
    config = load_sources(config_path)
    results = run_portals(config, warehouse, RawStore(tmp_path / "raw"))
    assert all(crawl.observations and not crawl.failures for crawl, _ in results)

    log = [entry for portal in PORTALS for entry in sim.requests(portal)]
    hosts = by_host(log)
    assert len(hosts) == len(PORTALS)
    for entries in hosts.values():
        assert max_concurrency(entries) <= 2
        assert spacing_kept(entries, DELAY, SERVER_JITTER)
    assert max_concurrency(log) > 2  # the portals' requests overlap

    for (crawl, _), source in zip(results, config.select(PORTALS), strict=True):
        entries = sorted(sim.requests(source.id), key=lambda entry: entry["start"])
        assert entries[0]["path"] == "/robots.txt"
        # Page 1 of every section is among the first requests, before any article's.
        firsts = {
            source.base_url.rstrip("/") + entry["path"] for entry in entries[1 : 1 + len(source.sections)]
        }
        assert firsts == {listing_url(section, 1, source.page_size) for section in source.sections}
        # The warmed pages are asked for once and recorded once, like every other page.
        recorded = Counter(fetch.url for fetch in crawl.fetches)
        requested = Counter(source.base_url.rstrip("/") + entry["path"] for entry in entries)
        assert set(recorded) == set(requested)
        assert all(recorded[url] == requested[url] == 1 for url in firsts)


def test_warm_start_fetches_what_a_plain_crawl_fetches(start_simulator, tmp_path):
    sim = start_simulator()
    # No fault is injected: timeouts long enough that a busy machine cannot make one answer
    # time out in one crawl and not in the other.
    patient = politeness(
        connect_timeout_seconds=budget(10.0), timeout_seconds=budget(10.0), total_timeout_seconds=budget(30.0)
    )
    config = load_sources(sim.write_sources(tmp_path / "sources.toml", patient, portals=PORTALS))
    store = Warehouse(tmp_path / "warm.duckdb")
    store.migrate()
    warm = run_portals(config, store, RawStore(tmp_path / "raw-warm"))

    async def plain():
        raw = RawStore(tmp_path / "raw-plain")
        return await asyncio.gather(*(crawl_portal(s, config, {}, raw) for s in config.select(PORTALS)))

    for (warmed, _), cold in zip(warm, asyncio.run(plain()), strict=True):
        assert sorted((f.url, f.kind, f.outcome) for f in warmed.fetches) == sorted(
            (f.url, f.kind, f.outcome) for f in cold.fetches
        )
        assert sorted(o.url for o in warmed.observations) == sorted(o.url for o in cold.observations)
        assert warmed.listing_pages == cold.listing_pages
