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
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from crawling import politeness

from portalwatch import pipeline
from portalwatch.config import Politeness, default_sources_path, load_sources
from portalwatch.crawl import Revisit
from portalwatch.errors import StorageError
from portalwatch.fetch import PortalFetcher
from portalwatch.hostshare import HOSTS_DIR_ENV
from portalwatch.sim.sent import SentRequests
from portalwatch.storage.rawstore import RawStore

PORTALS = ["muongang", "tuachua"]
DELAY = 0.2
REDIRECTS = frozenset({301, 302, 303, 307, 308})


def crawl(config, warehouse, raw: RawStore, revisit: Revisit, portals: list[str] = PORTALS) -> list:
    run_id = warehouse.start_run("test", {})

    async def everything():
        return await asyncio.gather(
            *(
                pipeline.run_portal(source, config, warehouse, raw, run_id, revisit)
                for source in config.select(portals)
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


# ---------------------------------------------------------------- one host, several sources or processes

SHARED = "muongang"  # configured as two sources on its one host: news and documents
SHARED_SOURCES = [SHARED, f"{SHARED}-van-ban"]


def host_of(url: str) -> str:
    return urlsplit(url).netloc


def fetch_span(crawled) -> tuple[float, float]:
    """When a crawl's first fetch started and its last one ended (wall clock)."""
    starts = [fetch.fetched_at.timestamp() for fetch in crawled.fetches]
    ends = [fetch.fetched_at.timestamp() + fetch.elapsed_ms / 1000 for fetch in crawled.fetches]
    return min(starts), max(ends)


def test_two_sources_on_one_host_in_one_run_keep_the_hosts_spacing(
    start_simulator, warehouse, tmp_path, monkeypatch
):
    monkeypatch.setenv(HOSTS_DIR_ENV, str(tmp_path / "hosts"))
    sim = start_simulator(portal_sizes={SHARED: 30})
    config_path = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(concurrency=2, delay_seconds=DELAY),
        portals=[SHARED],
        split=[SHARED],
    )
    config = load_sources(config_path)
    news, documents = config.select(SHARED_SOURCES)
    assert host_of(news.base_url) == host_of(documents.base_url)  # two sources, one host
    raw = RawStore(tmp_path / "raw")
    sent = SentRequests()
    sent.install(monkeypatch)
    since = max((entry["seq"] for entry in sim.requests()), default=0)

    results = crawl(config, warehouse, raw, Revisit.NONE, SHARED_SOURCES)
    monkeypatch.undo()

    (news_crawl, _), (documents_crawl, _) = results
    assert {fetch.kind for fetch in news_crawl.fetches} >= {"listing", "article"}
    assert {fetch.kind for fetch in documents_crawl.fetches} >= {"listing", "document", "attachment"}
    # They fetched at the same time: each began before the other ended.
    (news_first, news_last), (documents_first, documents_last) = map(
        fetch_span, (news_crawl, documents_crawl)
    )
    assert news_first < documents_last and documents_first < news_last
    log = [entry for entry in sim.requests(since=since) if not entry["path"].startswith("/_sim/")]
    starts = sent.by_host()
    assert len(starts) == 1  # one host
    (host_starts,) = starts.values()
    assert len(host_starts) == len(log)  # the stamps are of every request the portal logged
    gaps = shortest_gaps(starts)
    assert all(gap >= DELAY for gap in gaps.values()), gaps


def open_in(folder: Path) -> list[str]:
    """The files of `folder` this process has open."""
    paths = []
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/self/fd/{fd}")
            if target.startswith(str(folder.resolve()) + "/"):
                paths.append(target)
    return paths


def test_the_strictest_delay_of_the_fetchers_on_a_host_spaces_them_all(
    start_simulator, tmp_path, monkeypatch
):
    monkeypatch.setenv(HOSTS_DIR_ENV, str(tmp_path / "hosts"))
    sim = start_simulator(portal_sizes={SHARED: 20})
    config = load_sources(
        sim.write_sources(tmp_path / "sources.toml", politeness(), portals=[SHARED], split=[SHARED])
    )
    news, documents = config.select(SHARED_SOURCES)
    urls = [row["url"] for row in sim.truth() if row["source"] == SHARED and not row["removed"]][:12]
    loose, strict = Politeness(**politeness(delay_seconds=0.05)), Politeness(**politeness(delay_seconds=0.3))
    sent = SentRequests()
    sent.install(monkeypatch)
    hosts = tmp_path / "hosts"
    open_while_fetching: list[str] = []
    open_after: list[str] = []

    async def both() -> list:
        async with (
            PortalFetcher(news, loose, "portalwatch/0.1") as quick,
            PortalFetcher(documents, strict, "portalwatch/0.1") as slow,
        ):
            first = await slow.fetch(urls[0], "article")  # the strict one uses the host from now on
            rest = await asyncio.gather(
                *(quick.fetch(url, "article") for url in urls[1:8]),
                *(slow.fetch(url, "article") for url in urls[8:]),
            )
            open_while_fetching.extend(open_in(hosts))
        open_after.extend(open_in(hosts))
        return [first, *rest]

    results = asyncio.run(both())
    monkeypatch.undo()

    assert all(result.ok for result in results), [result.error for result in results if not result.ok]
    (host_starts,) = sent.by_host().values()
    assert len(host_starts) == len(urls) + 2  # and robots.txt, once per fetcher
    gaps = shortest_gaps(sent.by_host())
    assert all(gap >= 0.3 for gap in gaps.values()), gaps
    # One file for the host (its descriptor and its memory map's), open while fetchers use it,
    # closed once the last is done.
    assert len(set(open_while_fetching)) == 1 and open_while_fetching[0].endswith(".next")
    assert len(open_while_fetching) <= 2
    assert open_after == []


def test_a_backfill_and_an_ingest_in_two_processes_keep_the_hosts_spacing(
    start_simulator, warehouse, tmp_path
):
    sim = start_simulator(portal_sizes={SHARED: 30})
    config_path = sim.write_sources(
        tmp_path / "sources.toml", politeness(concurrency=2, delay_seconds=DELAY), portals=[SHARED]
    )
    folder = tmp_path / "runs"
    folder.mkdir()
    env = os.environ | {HOSTS_DIR_ENV: str(tmp_path / "hosts")}
    script = Path(__file__).with_name("stamped_crawl.py")
    runs = {
        mode: subprocess.Popen(
            [sys.executable, str(script), str(config_path), str(warehouse.path), SHARED, mode, str(folder)],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("backfill", "ingest")
    }
    try:
        deadline = time.monotonic() + 300
        while not all((folder / f"{mode}.ready").exists() for mode in runs):
            assert all(run.poll() is None for run in runs.values()), {
                m: r.stderr.read() for m, r in runs.items() if r.poll() is not None
            }
            assert time.monotonic() < deadline, "the two runs did not start"
            time.sleep(0.05)
        (folder / "go").touch()
        for mode, run in runs.items():
            assert run.wait(timeout=600) == 0, f"{mode}: {run.stderr.read()}"
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
                run.wait()

    done = {mode: json.loads((folder / f"{mode}.json").read_text(encoding="utf-8")) for mode in runs}
    backfill, ingest = done["backfill"], done["ingest"]
    assert {kind for _, kind in backfill["fetches"]} >= {"listing", "article"}
    assert {kind for _, kind in ingest["fetches"]} >= {"listing", "article"}
    # Both processes sent while the other did: their request starts interleave.
    times = {mode: [start for _, start in run["starts"]] for mode, run in done.items()}
    assert min(times["backfill"]) < max(times["ingest"]) and min(times["ingest"]) < max(times["backfill"])
    merged: dict[str, list[float]] = {}
    for run in done.values():
        for host, start in run["starts"]:
            merged.setdefault(host, []).append(start)
    assert len(merged) == 1
    log = [entry for entry in sim.requests() if not entry["path"].startswith("/_sim/")]
    assert sum(len(starts) for starts in merged.values()) == len(log)
    gaps = shortest_gaps({host: sorted(starts) for host, starts in merged.items()})
    assert all(gap >= DELAY for gap in gaps.values()), gaps


def test_a_hosts_folder_that_cannot_be_made_is_an_error_naming_it(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv(HOSTS_DIR_ENV, str(blocker / "hosts"))
    config = load_sources(default_sources_path())
    source = config.select(None)[0]
    with pytest.raises(StorageError, match=str(blocker / "hosts")):
        PortalFetcher(source, config.politeness_for(source), "portalwatch/0.1")
