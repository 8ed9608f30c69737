"""No two requests to a host start less than `delay_seconds` apart, whatever the request:
robots.txt, the warm start's first pages, listings, articles, documents and their files,
retries, redirects followed, conditional revisits, the breaker's probes.

The starts are stamped in the crawler's process, at the moment a request's bytes are handed
to the kernel (the socket transport's write, under either HTTP transport), so the spacing is
checked where the portal sees it begin and not where a busy simulator gets to it. Those
stamps and the simulator's are on the same monotonic clock: the simulator's log shows how
late it notes an arrival."""

from __future__ import annotations

import asyncio

import pytest
from crawling import politeness

from portalwatch import pipeline
from portalwatch.config import load_sources
from portalwatch.crawl import Revisit
from portalwatch.sim.sent import SentRequests
from portalwatch.storage.rawstore import RawStore

PORTALS = ["muongang", "tuachua"]
DELAY = 0.2
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def crawl(config, warehouse, raw: RawStore, revisit: Revisit) -> list:
    run_id = warehouse.start_run("test", {})

    async def everything():
        return await asyncio.gather(
            *(
                pipeline.run_portal(source, config, warehouse, raw, run_id, revisit)
                for source in config.select(PORTALS)
            )
        )

    results = asyncio.run(everything())
    warehouse.finish_run(run_id, "completed", {})
    return results


def shortest_gaps(starts: dict[str, list[float]]) -> dict[str, float]:
    return {
        host: min((b - a for a, b in zip(times, times[1:], strict=False)), default=float("inf"))
        for host, times in starts.items()
    }


@pytest.mark.parametrize(("faults", "transport"), [("real-world", "aiohttp"), ("hostile", "httpx")])
def test_request_starts_on_a_host_are_never_closer_than_the_delay(
    start_simulator, warehouse, tmp_path, monkeypatch, faults, transport
):
    sim = start_simulator(faults=faults, validators=True, portal_sizes={"muongang": 30, "tuachua": 8})
    config_path = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(
            concurrency=2,
            delay_seconds=DELAY,
            transport=transport,
            # The outage of "hostile" opens muongang's circuit: probes, then giving up.
            breaker_threshold=4,
            breaker_cooldown_seconds=0.3,
            outage_wait_seconds=2.0,
        ),
        portals=PORTALS,
    )
    config = load_sources(config_path)
    raw = RawStore(tmp_path / "raw")
    sent = SentRequests()
    sent.install(monkeypatch)
    since = max((entry["seq"] for entry in sim.requests()), default=0)

    first = crawl(config, warehouse, raw, Revisit.NONE)
    sim.advance(1)
    second = crawl(config, warehouse, raw, Revisit.ALL)  # conditional revisits of every article
    monkeypatch.undo()

    fetches = [fetch for crawled, _ in first + second for fetch in crawled.fetches]
    # Every kind of request was made.
    assert {fetch.kind for fetch in fetches} >= {"listing", "article", "document", "attachment"}
    assert any(fetch.attempts > 1 for fetch in fetches)  # retries
    assert any(fetch.conditional for fetch in fetches)
    if faults == "hostile":  # muongang went down: its circuit opened, and probes went out
        assert any(crawled.state.outages for crawled, _ in first)
    log = [entry for entry in sim.requests(since=since) if not entry["path"].startswith("/_sim/")]
    assert any(entry["path"] == "/robots.txt" for entry in log)
    assert any(entry["status"] in REDIRECTS for entry in log)  # followed, or found to loop

    starts = sent.by_host()
    # The stamps are of the crawl's requests, all of them: as many as the portals logged.
    logged: dict[str, int] = {}
    for entry in log:
        logged[entry["host"]] = logged.get(entry["host"], 0) + 1
    assert {host: len(times) for host, times in starts.items()} == logged
    gaps = shortest_gaps(starts)
    # Strictly: the test's stamp is taken before a write, the spacing counts from after it.
    assert all(gap >= DELAY for gap in gaps.values()), gaps
