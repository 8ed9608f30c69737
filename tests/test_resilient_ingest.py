"""The ingest flow on a real ephemeral Prefect server against flaky simulated portals:
complete and exact despite transient faults and an outage, polite throughout, and cheap
when nothing is new."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from budget import budget
from crawling import answer_seconds, by_host, max_concurrency, politeness, query, spacing_kept

from portalwatch.flows.ingest import ingest
from portalwatch.sim.faults import TRANSIENT_KINDS, get_profile

pytestmark = pytest.mark.prefect

DOWN = "muongang"  # the portal the "outage" profile takes down after its 40th request
# How much later than its arrival the simulator may log a request (its event loop busy, or
# its process descheduled on a loaded machine: 60 and 90 ms were seen, and more once the
# crawler's page worker shares the two cores with it). Any run of k+1 requests must still
# span k delays less this, so a crawler that did not space its requests fails all the same.
SERVER_JITTER = 0.15


def run_ingest(config: Path, warehouse: Path, **parameters) -> dict:
    return asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse), **parameters))


def stored_by_source(warehouse: Path) -> dict[str, set[str]]:
    stored: dict[str, set[str]] = {}
    for source, url in query(warehouse, "SELECT source_id, url FROM articles"):
        stored.setdefault(source, set()).add(url)
    return stored


def live_by_source(truth: list[dict]) -> dict[str, set[str]]:
    live: dict[str, set[str]] = {}
    for row in truth:
        if not row["removed"]:
            live.setdefault(row["source"], set()).add(row["url"])
    return live


def test_flaky_portals_and_an_outage_lose_nothing_and_invent_nothing(start_simulator, tmp_path):
    profile = get_profile("outage")
    assert profile.transient_rate >= 0.10
    sim = start_simulator(faults="outage", portal_sizes={DOWN: 60, "dcs-dienbien": 40, "tuachua": 25})
    delay, concurrency = 0.15, 2
    # Timeouts that let every answer without a fault through, however busy the machine: else
    # a slow answer counts as a failure, and a few in a row open the circuit of a portal that
    # is up. Measured on a portal whose outage or faults nothing below counts on, and never
    # below a floor that grows with the load (budget.py): the load can build up after the measure.
    read_timeout = max(budget(1.0), 3 * answer_seconds(sim, "xa-tua-thang"))
    since = max(entry["seq"] for entry in sim.requests())
    config = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(
            concurrency=concurrency,
            delay_seconds=delay,
            timeout_seconds=read_timeout,
            total_timeout_seconds=max(3.0, 2 * read_timeout),
            breaker_threshold=4,
            breaker_cooldown_seconds=0.2,
            outage_wait_seconds=1.0,
        ),
    )
    warehouse = tmp_path / "warehouse.duckdb"

    first = run_ingest(config, warehouse)
    truth = sim.truth()
    live, stored = live_by_source(truth), stored_by_source(warehouse)
    for source, urls in live.items():
        if source != DOWN:
            assert stored[source] == urls, source
    assert stored[DOWN] < live[DOWN]  # part of it, the part before it went down
    # Stored exactly once each, and nothing but creations: no false edit, no false removal.
    assert query(warehouse, "SELECT max(version), count(DISTINCT url) = count(*) FROM article_versions") == [
        (1, True)
    ]
    assert query(warehouse, "SELECT DISTINCT change_type FROM changes") == [("created",)]
    # The outage and the failures are reported, in the summary and in the warehouse.
    down = first["portals"][DOWN]
    assert first["status"] == "completed"
    # What the portal still owes is on record: the articles found but not fetched wait in the
    # frontier, and if the outage came before the listing walk found them all, the walk is
    # recorded incomplete (which of the two depends on how the requests interleaved).
    missing = live[DOWN] - stored[DOWN]
    frontier = {
        url
        for (url,) in query(
            warehouse, "SELECT url FROM crawl_frontier WHERE source_id = ? AND kind = 'article'", [DOWN]
        )
    }
    assert down["failed"] > 0 and down["pending"] == len(frontier) and frontier <= missing
    if frontier != missing:
        walks = query(
            warehouse, "SELECT bool_and(walk_complete) FROM listing_walks WHERE source_id = ?", [DOWN]
        )
        assert walks == [(False,)]
    assert (
        len(down["outages"]) == 1
        and down["outages"][0]["closed_at"] is None
        and down["outages"][0]["skipped"] > 0
    )
    assert down["outcomes"].get("circuit_open", 0) > 0
    assert query(warehouse, "SELECT source_id, closed_at FROM portal_outages") == [(DOWN, None)]
    for source, portal in first["portals"].items():
        recorded = Counter(
            dict(
                query(
                    warehouse,
                    "SELECT outcome, count(*) FROM fetches WHERE source_id = ? GROUP BY 1",
                    [source],
                )
            )
        )
        assert recorded == Counter(portal["outcomes"])

    # Every kind of transient fault struck, and politeness held under them.
    log = sim.requests(since=since)
    assert {entry["fault"] for entry in log} >= {
        kind for kind in TRANSIENT_KINDS if getattr(profile, kind)
    } | {"down"}
    for host, entries in by_host(log).items():
        assert max_concurrency(entries, notice=SERVER_JITTER) <= concurrency, host
        assert spacing_kept(entries, delay, SERVER_JITTER), host

    # The portal comes back; the next run completes it from where the first left off.
    sim.advance(1)
    second = run_ingest(config, warehouse)
    after = sim.truth()
    live_after, stored_after = live_by_source(after), stored_by_source(warehouse)
    assert stored_after[DOWN] >= live_after[DOWN]
    assert second["portals"][DOWN]["pending"] == 0 and second["portals"][DOWN]["outages"] == []
    created = {
        url for (url,) in query(warehouse, "SELECT url FROM changes WHERE run_id = ?", [second["run_id"]])
    }
    new_on_portals = {row["url"] for row in after if not row["removed"]} - {row["url"] for row in truth}
    assert created == new_on_portals | (live_after[DOWN] - stored[DOWN])
    assert query(warehouse, "SELECT DISTINCT change_type FROM changes") == [("created",)]
    assert query(warehouse, "SELECT max(version), count(DISTINCT url) = count(*) FROM article_versions") == [
        (1, True)
    ]
    assert query(warehouse, "SELECT count(*) FROM crawl_frontier") == [(0,)]


def test_a_scheduled_run_with_nothing_new_on_a_large_portal_is_cheap(start_simulator, tmp_path):
    # 1,000 articles: a hundred listing pages, of which the run reads at most three.
    sim = start_simulator(portal_sizes={"muongang": 1000})
    config = sim.write_sources(tmp_path / "sources.toml", politeness(concurrency=4), portals=["muongang"])
    warehouse = tmp_path / "warehouse.duckdb"
    first = run_ingest(config, warehouse)
    assert first["portals"]["muongang"]["created"] == 1000

    # Some articles fall due (as hours pass), fewer than the per-run budget.
    now = datetime.now(UTC)
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "UPDATE article_fetch_state SET next_revisit_at = ? WHERE article_id IN "
            "(SELECT article_id FROM article_fetch_state ORDER BY article_id LIMIT 40)",
            [now - timedelta(hours=1)],
        )
    due_urls = {
        row[0]
        for row in query(
            warehouse,
            "SELECT s.url FROM article_fetch_state f JOIN article_state s "
            "USING (article_id) WHERE f.next_revisit_at <= ?",
            [now],
        )
    }
    assert len(due_urls) == 40
    since = max(entry["seq"] for entry in sim.requests())

    scheduled = run_ingest(config, warehouse)  # the scheduled default: revisit=due
    log = sim.requests("muongang", since=since)
    paths = Counter(entry["path"] for entry in log)
    listing = [path for path in paths if path.startswith("/tin-tuc?page=")]
    document_listing = [path for path in paths if path.startswith("/van-ban?page=")]
    articles = {path for path in paths if path.startswith("/tin-tuc/")}
    assert 1 <= len(listing) <= 3 and len(document_listing) <= 3
    assert articles == {"/" + url.split("/", 3)[3] for url in due_urls}
    assert set(paths) == set(listing) | set(document_listing) | articles | {"/robots.txt"}
    assert max(paths.values()) == 1  # no URL fetched twice
    portal = scheduled["portals"]["muongang"]
    assert portal["revisited"] == 40 and portal["unchanged"] == 40
    assert portal["created"] == portal["updated"] == portal["removed"] == portal["failed"] == 0
    assert query(warehouse, "SELECT count(*) FROM changes WHERE run_id = ?", [scheduled["run_id"]]) == [(0,)]
