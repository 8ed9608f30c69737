"""Helpers for the tests that crawl: one simulated portal or all of them into a real warehouse
with the plain stages (no Prefect), and reading the simulator's request log."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
from budget import budget

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.model import LoadSummary, PortalCrawl
from portalwatch.pipeline import run_portal
from portalwatch.sim.faults import FaultInjector, get_profile
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

# Quick to give up and to retry, so that fault tests take seconds; generous breaker unless a test tightens it.
FAST_POLITENESS = {
    "concurrency": 2,
    "delay_seconds": 0.0,
    "connect_timeout_seconds": 2.0,
    "timeout_seconds": 2.0,
    "total_timeout_seconds": 5.0,
    "retries": 3,
    "backoff_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "breaker_threshold": 50,
    "breaker_cooldown_seconds": 0.2,
    "outage_wait_seconds": 5.0,
}


def politeness(**overrides) -> dict:
    return FAST_POLITENESS | overrides


def raw_folder(warehouse: Warehouse) -> Path:
    """The raw store beside the warehouse file (a DuckLake's: in its data folder)."""
    beside = Path(warehouse.lake.data_path or ".") if warehouse.lake else warehouse.path.parent
    return beside / "raw"


def crawl_into(
    config_path: Path,
    source_id: str,
    warehouse: Warehouse,
    revisit: str = "none",
    now: datetime | None = None,
    raw: RawStore | None = None,
) -> tuple[PortalCrawl, LoadSummary]:
    """One portal's crawl and load, as the ingest flow does it, without the orchestration; the
    pages kept in `raw` (default: raw/ beside the warehouse)."""
    config = load_sources(config_path)
    source = config.select([source_id])[0]
    raw = raw or RawStore(raw_folder(warehouse))
    run_id = warehouse.start_run("test", {"source": source_id})
    crawl, summary = asyncio.run(
        run_portal(source, config, warehouse, raw, run_id, Revisit(revisit), now=now)
    )
    warehouse.finish_run(run_id, "completed", {})
    return crawl, summary


def crawl_all_into(config_path: Path, warehouse: Warehouse, revisit: Revisit = Revisit.NONE) -> str:
    """One run over every portal of the sources file; returns its run id."""
    config = load_sources(config_path)
    raw = RawStore(raw_folder(warehouse))
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
        # Articles only: no documents, no crawl memory.
        warehouse.load_portal(
            run_id, PortalCrawl(crawl.source, crawl.fetches, crawl.observations, gone=crawl.gone)
        )
    warehouse.finish_run(run_id, "completed", {})
    return run_id


def query(warehouse: Warehouse | Path, sql: str, parameters: list | None = None) -> list[tuple]:
    if isinstance(warehouse, Warehouse) and warehouse.lake:
        with warehouse.connect(read_only=True) as con:
            return con.execute(sql, parameters or []).fetchall()
    path = warehouse.path if isinstance(warehouse, Warehouse) else warehouse
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, parameters or []).fetchall()


def truth_of(sim, source_id: str) -> dict[str, dict]:
    return {row["url"]: row for row in sim.truth() if row["source"] == source_id}


def stored_titles(warehouse: Warehouse | Path, source_id: str) -> dict[str, str]:
    return dict(query(warehouse, "SELECT url, title FROM articles WHERE source_id = ?", [source_id]))


# Faults whose client hangs up before the response ends (read or total timeout): the
# server logs their end only when it notices, which trails the hang-up.
ABANDONED = frozenset({"timeout", "slow"})


def max_concurrency(entries: list[dict], notice: float = 0.0) -> int:
    """Most requests in progress at once, as the server saw them; the end of an abandoned
    request counts `notice` seconds early (the time the server may take to notice)."""
    events = []
    for entry in entries:
        end = entry["end"] if entry["end"] is not None else float("inf")
        if entry["fault"] in ABANDONED:
            end = max(entry["start"], end - notice)
        events += [(entry["start"], 1), (end, -1)]
    events.sort(key=lambda event: (event[0], event[1]))
    running = peak = 0
    for _, change in events:
        running += change
        peak = max(peak, running)
    return peak


def spacing_kept(entries: list[dict], delay: float, jitter: float) -> bool:
    """Whether request starts were at least `delay` apart, as the server saw them.

    The server logs a request when its event loop gets to it, up to `jitter` late on an idle
    machine (later on a busy one: the jitter grows with the load, as budgets do), so one pair
    can look closer than it was; but no run of k+1 requests may span less than k delays minus
    that jitter."""
    jitter = budget(jitter)
    starts = sorted(entry["start"] for entry in entries)
    return all(
        starts[j] - starts[i] >= (j - i) * delay - jitter
        for i in range(len(starts))
        for j in range(i + 1, len(starts))
    )


def start_gaps(entries: list[dict]) -> list[float]:
    starts = sorted(entry["start"] for entry in entries)
    return [later - earlier for earlier, later in zip(starts, starts[1:], strict=False)]


def by_host(entries: list[dict]) -> dict[str, list[dict]]:
    hosts: dict[str, list[dict]] = {}
    for entry in entries:
        hosts.setdefault(entry["host"], []).append(entry)
    return hosts


def answer_seconds(sim, portal: str, samples: int = 3) -> float:
    """How long the simulator takes, as busy as the machine is now, to answer a page or a file
    without a fault: the slowest of a few article pages and document files of `portal`, timed
    as a client sees them. A test whose timeouts must let every answer without a fault through
    derives them from this, on a portal other than the ones it crawls (fault decisions
    count the requests of each page, so these do not change what the crawled portals meet).

    The samples are pages not asked for yet whose first request the simulator's fault profile
    leaves alone (its draws are a function of the seed, the page and the count of its requests),
    so that none waits out a slow body or a hung answer; the request log still has the last word.
    Each goes on a connection of its own: on a kept-alive one, an answer would wait for the
    handler of the one before it to end, which a slow body's keeps busy after its last byte."""
    injector = FaultInjector(get_profile(sim.faults), sim.seed)
    asked = {entry["path"] for entry in sim.requests(portal)}

    def clean_first(url: str) -> bool:
        path = "/" + url.split("/", 3)[3]
        return path not in asked and injector.transient(portal, path) is None

    articles = [row["url"] for row in sim.truth() if row["source"] == portal and not row["removed"]]
    files = [doc["file_url"] for doc in sim.documents() if doc["source"] == portal and not doc["removed"]]
    urls = [url for url in articles if clean_first(url)][:samples]
    urls += [url for url in files if url and clean_first(url)][:samples]
    since = max((entry["seq"] for entry in sim.requests()), default=0)
    took = []
    with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        for url in urls:
            started = time.monotonic()
            try:
                client.get(url)
            except httpx.TransportError:
                pass  # a fault (reset, cut body): left out below
            took.append(time.monotonic() - started)
    log = sim.requests(portal, since=since)  # in request order: the requests went one at a time
    assert len(log) == len(took)
    clean = [seconds for seconds, entry in zip(took, log, strict=True) if entry["fault"] is None]
    assert clean, f"every request of {portal} met a fault: sample more"
    return max(clean)
