"""Each fault the simulator injects, met over real HTTP by the crawl stage and recorded
in a real DuckDB warehouse: what is reachable is stored exactly once and right, what is
not is reported, and nothing is mistaken for an edit or a removal."""

from __future__ import annotations

import asyncio
import gc
import ssl

import pytest
import trustme
from aiohttp import web
from crawling import (
    answer_seconds,
    by_host,
    crawl_into,
    max_concurrency,
    politeness,
    query,
    spacing_kept,
    start_gaps,
    stored_titles,
    truth_of,
)

from portalwatch import fetch
from portalwatch.config import Politeness, Source, load_sources
from portalwatch.crawl import crawl_portal
from portalwatch.fetch import PortalFetcher
from portalwatch.sim.faults import FaultInjector, get_profile
from portalwatch.sim.sent import SentRequests
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

PORTAL = "muongang"  # a district portal of 30 articles at the test scale
# How much later than its arrival the simulator may log a request (its event loop busy, or
# its process descheduled on a loaded machine: 60 and 90 ms were seen).
SERVER_JITTER = 0.1


def assert_every_live_article_stored_once(warehouse, sim, source_id=PORTAL, except_urls=frozenset()):
    truth = truth_of(sim, source_id)
    live = {url for url, row in truth.items() if not row["removed"]} - set(except_urls)
    titles = stored_titles(warehouse, source_id)
    assert set(titles) == live
    assert all(titles[url] == truth[url]["title"] for url in titles)
    versions = query(
        warehouse, "SELECT url, count(*) FROM article_versions WHERE source_id = ? GROUP BY url", [source_id]
    )
    assert {count for _, count in versions} == {1}
    kinds = query(warehouse, "SELECT DISTINCT change_type FROM changes WHERE source_id = ?", [source_id])
    assert kinds == [("created",)]


def faults_met(sim, kind: str, source_id: str = PORTAL) -> list[dict]:
    return [entry for entry in sim.requests(source_id) if entry["fault"] == kind]


def test_server_errors_are_retried_until_the_page_answers(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="server-errors")
    config = sim.write_sources(tmp_path / "sources.toml", politeness(retries=3))
    crawl, _ = crawl_into(config, PORTAL, warehouse)

    errors = faults_met(sim, "server_error")
    assert errors and {entry["status"] for entry in errors} <= {500, 502, 503}
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)
    retried = query(warehouse, "SELECT count(*) FROM fetches WHERE attempts > 1 AND outcome = 'ok'")[0][0]
    assert retried > 0


def test_tenacity_takes_over_only_a_request_whose_first_attempt_failed(
    start_simulator, warehouse, tmp_path, monkeypatch
):
    made = []

    class Counted(fetch.AsyncRetrying):
        def __init__(self, *args, **kwargs):
            made.append(kwargs["stop"])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(fetch, "AsyncRetrying", Counted)
    healthy = start_simulator("healthy")
    crawl, _ = crawl_into(
        healthy.write_sources(tmp_path / "healthy.toml", politeness(retries=3)), PORTAL, warehouse
    )
    assert crawl.failures == [] and len(crawl.fetches) > 30
    assert made == []

    failing = start_simulator("failing", faults="server-errors")
    second = Warehouse(tmp_path / "second.duckdb")
    second.migrate()
    crawl, _ = crawl_into(
        failing.write_sources(tmp_path / "failing.toml", politeness(retries=3)), PORTAL, second
    )
    assert faults_met(failing, "server_error")
    retried = query(second, "SELECT count(*) FROM fetches WHERE attempts > 1")[0][0]
    # Each retried request went through tenacity, which counted the failed first attempt as
    # its own first: three attempts in all, as before.
    assert 0 < retried <= len(made) < len(crawl.fetches)
    assert query(second, "SELECT max(attempts) FROM fetches")[0][0] <= 3
    assert_every_live_article_stored_once(second, failing)


def test_fetched_pages_leave_no_reference_cycles_for_the_garbage_collector(sim, tmp_path):
    # Objects in a cycle outlive their last use until a pass of the collector finds them:
    # for every page, that was the whole exchange (httpx's response and request, aiohttp's
    # response, tenacity's retry state), about 85 objects, and passes as often.
    config = load_sources(sim.write_sources(tmp_path / "sources.toml", politeness(retries=3)))
    source = config.select([PORTAL])[0]
    urls = sorted(url for url, row in truth_of(sim, PORTAL).items() if not row["removed"])

    async def fetch_all() -> list:
        async with PortalFetcher(
            source, Politeness(retries=3, delay_seconds=0), "portalwatch/0.1"
        ) as fetcher:
            return [await fetcher.fetch(url, "article") for url in urls for _ in range(3)]

    asyncio.run(fetch_all())  # the imports and caches of a first run
    gc.collect()
    gc.disable()
    try:
        results = asyncio.run(fetch_all())
        unreachable = gc.collect()
    finally:
        gc.enable()
    assert len(results) == 3 * len(urls) > 60 and all(result.ok and result.body for result in results)
    assert unreachable < len(results), unreachable  # the event loop's and the client's: not one a page


def test_a_server_error_on_every_attempt_is_recorded_then_retried_at_the_end_of_the_run(
    start_simulator, warehouse, tmp_path
):
    # Two attempts per fetch, and the simulator lets a URL fail twice in a row: the
    # first fetch of such a URL fails for good, the end-of-run retry gets it.
    sim = start_simulator(faults="server-errors")
    config = sim.write_sources(tmp_path / "sources.toml", politeness(retries=2))
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    failed = query(
        warehouse, "SELECT url, status, error_class, attempts FROM fetches WHERE outcome = 'http_error'"
    )
    assert failed
    assert all(
        status in (500, 502, 503) and error_class == f"HTTP {status}" and attempts == 2
        for _, status, error_class, attempts in failed
    )
    assert_every_live_article_stored_once(warehouse, sim)
    assert crawl.outcome_counts["http_error"] == len(failed)


def test_429_retry_after_pauses_the_whole_host(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="rate-limited")
    source = "xa-muong-dun"
    settings = politeness(retries=4)
    config = sim.write_sources(tmp_path / "sources.toml", settings)
    crawl, _ = crawl_into(config, source, warehouse)
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim, source)

    log = sim.requests(source)
    limited = [entry for entry in log if entry["status"] == 429]
    assert limited
    for entry in limited:
        # Requests already on their way when the 429 left may land after it, as late as a busy
        # server gets to them: one per other slot of the host at most. Nothing else reaches
        # the host before its Retry-After (1 s) is over.
        early = [other for other in log if entry["end"] < other["start"] < entry["end"] + 0.95]
        assert len(early) <= settings["concurrency"] - 1, (
            f"requests during the Retry-After pause of {entry['path']}"
        )


def test_connection_resets_are_retried(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="resets")
    # Resets only: a timeout would be the machine's slowness, and would take the place of a
    # reset in the count of a URL's requests (the simulator lets a URL fail twice in a row).
    timeout = max(2.0, 3 * answer_seconds(sim, "tuachua"))
    config = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(retries=2, timeout_seconds=timeout, total_timeout_seconds=2 * timeout),
    )
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    assert faults_met(sim, "reset")
    network = query(warehouse, "SELECT DISTINCT error_class FROM fetches WHERE outcome = 'network_error'")
    assert network == [("RemoteProtocolError",)]
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)


def test_truncated_bodies_never_become_versions(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="truncated")
    config = sim.write_sources(tmp_path / "sources.toml", politeness(retries=2))
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    truncated = {entry["path"] for entry in faults_met(sim, "truncated")}
    assert truncated
    cut = query(warehouse, "SELECT url, error FROM fetches WHERE outcome = 'network_error'")
    assert cut and all("incomplete" in error or "complete message body" in error for _, error in cut)
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)
    # Every stored version was parsed from a complete page: its raw page ends the HTML.
    raw = RawStore(warehouse.path.parent / "raw")
    for (raw_hash,) in query(warehouse, "SELECT raw_hash FROM article_versions"):
        assert raw.get(raw_hash).rstrip().endswith(b"</html>")


def test_slow_bodies_hit_the_total_timeout_and_are_retried(start_simulator, warehouse, tmp_path):
    # The body trickles in over 20 s, a tenth at a time: every chunk is within the read timeout,
    # the whole is not within the total, which still lets through every answer without a
    # fault, however busy the machine.
    sim = start_simulator(faults="slow")
    trickle = get_profile("slow").slow_seconds
    answer = answer_seconds(sim, "tuachua")
    total = max(0.4, 3 * answer)
    assert total < trickle / 2, f"answers without a fault take {answer:.2f} s: a slow body is not slower"
    config = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(retries=2, timeout_seconds=max(2.0, trickle / 5, total), total_timeout_seconds=total),
    )
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    slow = faults_met(sim, "slow")
    assert slow and all(entry["end"] - entry["start"] < trickle for entry in slow)  # the client left early
    timeouts = query(warehouse, "SELECT DISTINCT outcome, error_class FROM fetches WHERE outcome = 'timeout'")
    assert timeouts == [("timeout", "TotalTimeout")]
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)


def test_responses_that_never_come_hit_the_read_timeout_and_are_retried(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="timeouts")
    # A read timeout that every answer without a fault comes within, however busy the machine.
    hang = get_profile("timeouts").hang_seconds
    answer = answer_seconds(sim, "tuachua")
    timeout = max(0.3, 3 * answer)
    assert timeout < hang / 2, f"answers without a fault take {answer:.2f} s: a hung one is not slower"
    config = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(retries=2, timeout_seconds=timeout, total_timeout_seconds=2 * timeout),
    )
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    hung = faults_met(sim, "timeout")
    assert hung and all(entry["end"] - entry["start"] < hang for entry in hung)  # the client left early
    assert query(warehouse, "SELECT DISTINCT error_class FROM fetches WHERE outcome = 'timeout'") == [
        ("ReadTimeout",)
    ]
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)


def test_a_wrong_declared_charset_does_not_garble_the_text(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="wrong-charset")
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl_into(config, PORTAL, warehouse)
    mislabeled = {
        url
        for url, kinds in sim.permanent_faults().items()
        if "wrong_charset" in kinds and "/tin-tuc/" in url
    }
    ours = mislabeled & set(truth_of(sim, PORTAL))
    assert ours
    # Titles are Vietnamese: decoded as windows-1252 they would not match.
    assert_every_live_article_stored_once(warehouse, sim)
    charsets = dict(query(warehouse, "SELECT url, charset FROM fetches WHERE kind = 'article'"))
    assert {charsets[url] for url in ours} == {"utf-8"}


def test_redirect_loops_are_recorded_reported_and_kept_for_the_next_run(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="redirect-loops")
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    looping = {url for url, kinds in sim.permanent_faults().items() if "redirect_loop" in kinds} & set(
        truth_of(sim, PORTAL)
    )
    assert looping
    recorded = dict(query(warehouse, "SELECT url, outcome FROM fetches WHERE kind = 'article'"))
    assert {recorded[url] for url in looping} == {"redirect_loop"}
    assert {url for url, _ in crawl.failures} == looping
    assert_every_live_article_stored_once(warehouse, sim, except_urls=looping)
    pending = {url for (url,) in query(warehouse, "SELECT url FROM crawl_frontier")}
    assert pending == looping
    # The next run tries them again (and only them: nothing else is new).
    again, _ = crawl_into(config, PORTAL, warehouse)
    assert {f.url for f in again.fetches if f.kind == "article"} == looping


def test_a_redirect_to_the_home_page_is_a_removal_confirmed_twice(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="redirect-home")
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl_into(config, PORTAL, warehouse)
    before = truth_of(sim, PORTAL)
    sim.advance(8)
    after = truth_of(sim, PORTAL)
    removed = {
        url for url, row in after.items() if row["removed"] and url in before and not before[url]["removed"]
    }
    assert removed, "the simulated portal removed nothing in 8 hours"
    since = max(entry["seq"] for entry in sim.requests())

    crawl, summary = crawl_into(config, PORTAL, warehouse, revisit="all")
    assert {url for change, url in summary.changes if change == "removed"} == removed
    assert not [url for change, url in summary.changes if change == "updated" and url in removed]
    log = sim.requests(PORTAL, since=since)
    for url in removed:
        path = url.split("/", 3)[3]
        answers = [entry["status"] for entry in log if entry["path"] == "/" + path]
        assert answers == [302, 302]  # asked twice, redirected home twice, home never fetched
    assert not [entry for entry in log if entry["path"] == "/"]
    gone = query(
        warehouse,
        "SELECT DISTINCT outcome, error_class FROM fetches WHERE url IN (SELECT unnest(?)) "
        "AND run_id = (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)",
        [sorted(removed)],
    )
    assert gone == [("gone", "redirect_home")]


def test_per_host_latency_and_many_portals_at_once(start_simulator, tmp_path, monkeypatch):
    """Portals progress side by side: the requests of different hosts overlap, each host within its own limit."""

    sim = start_simulator(faults="latency")
    sent = (
        SentRequests()
    )  # request starts stamped as the crawler writes them, not as a busy simulator reads them
    sent.install(monkeypatch)
    portals = ["muongang", "xa-muong-dun", "xa-tua-thang"]
    config_path = sim.write_sources(
        tmp_path / "sources.toml", politeness(concurrency=2, delay_seconds=0.15), portals=portals
    )
    config = load_sources(config_path)

    async def all_portals():
        raw = RawStore(tmp_path / "raw")
        return await asyncio.gather(*(crawl_portal(s, config, {}, raw) for s in config.select(portals)))

    crawls = asyncio.run(all_portals())
    assert all(not crawl.failures and crawl.observations for crawl in crawls)
    log = [entry for portal in portals for entry in sim.requests(portal)]
    hosts = by_host(log)
    assert len(hosts) == 3
    for entries in hosts.values():
        assert max_concurrency(entries) <= 2
        took = [entry["end"] - entry["start"] for entry in entries]
        assert min(took) >= 0.05  # the latency profile delays each host 50-200 ms
    assert max_concurrency(log) > 2  # more than one portal's worth at once
    starts = sent.by_host()
    assert len(starts) == 3 and sum(map(len, starts.values())) == len(log)
    for times in starts.values():
        assert all(later - earlier >= 0.15 for earlier, later in zip(times, times[1:], strict=False))


def test_a_portal_down_for_a_while_is_waited_for_with_probes_and_completed(
    start_simulator, warehouse, tmp_path
):
    sim = start_simulator(faults="down")
    cooldown = 0.15
    config = sim.write_sources(
        tmp_path / "sources.toml",
        politeness(breaker_threshold=3, breaker_cooldown_seconds=cooldown, outage_wait_seconds=30.0),
    )
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    assert crawl.failures == []
    assert_every_live_article_stored_once(warehouse, sim)
    outages = query(warehouse, "SELECT host, closed_at IS NOT NULL, failures, skipped FROM portal_outages")
    assert len(outages) == 1 and outages[0][1] and outages[0][2] >= 3 and outages[0][3] == 0

    dropped = [entry for entry in sim.requests(PORTAL) if entry["fault"] == "down"]
    assert len(dropped) == 8
    # Once the circuit opened, only probes went out, each failed one doubling the wait for the
    # next: the first `threshold + concurrency` drops are the requests that opened the circuit
    # and those already under way.
    probes = dropped[3 + 2 :]
    assert len(probes) >= 2
    for attempt, gap in enumerate(start_gaps(probes), start=1):
        assert gap >= cooldown * 2**attempt - SERVER_JITTER


def test_robots_txt_is_honored_and_the_user_agent_names_a_contact(start_simulator, warehouse, tmp_path):
    sim = start_simulator(faults="robots")
    source = "xa-tua-thang"  # 15 articles, 2 of them disallowed under seed 7
    config = sim.write_sources(tmp_path / "sources.toml", politeness(delay_seconds=0.0))
    crawl, _ = crawl_into(config, source, warehouse)

    disallowed = {url for url, kinds in sim.permanent_faults().items() if "robots" in kinds} & set(
        truth_of(sim, source)
    )
    assert disallowed
    recorded = dict(query(warehouse, "SELECT url, outcome FROM fetches WHERE kind = 'article'"))
    assert {recorded[url] for url in disallowed} == {"robots_disallowed"}
    log = sim.requests(source)
    requested = {entry["path"] for entry in log}
    assert not {"/" + url.split("/", 3)[3] for url in disallowed} & requested
    assert crawl.failures == []  # a page the portal asked us not to fetch is not a failure
    assert_every_live_article_stored_once(warehouse, sim, source, except_urls=disallowed)
    # Crawl-delay: 0.2 lengthens the configured spacing (0 here) between request starts.
    assert log[0]["path"] == "/robots.txt"
    assert spacing_kept(log, 0.2, SERVER_JITTER)
    assert {entry["agent"] for entry in log} == {"portalwatch/0.1 (+mailto:demo@localhost)"}


def test_a_body_over_the_size_limit_is_abandoned(start_simulator, warehouse, tmp_path):
    sim = start_simulator()
    config = sim.write_sources(tmp_path / "sources.toml", politeness(max_body_bytes=4096))
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    listing = query(
        warehouse,
        "SELECT outcome, bytes, error FROM fetches WHERE kind = 'listing' AND url LIKE '%/tin-tuc?%'",
    )
    assert len(listing) == 1 and listing[0][:2] == ("too_large", 0) and "4096" in listing[0][2]
    assert crawl.failures and stored_titles(warehouse, PORTAL) == {}


async def serve(app: web.Application, ssl_context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, str]:
    """Serve `app` on a free loopback port: its runner (to clean up) and its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    scheme = "https" if ssl_context else "http"
    return runner, f"{scheme}://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


def local_source(source_id: str, base: str, **options) -> Source:
    """A commune portal at `base` with one news section."""
    return Source(
        id=source_id,
        name="Cổng",
        level="commune",
        profile="joomla_commune",
        base_url=base,
        sections=[{"name": "tin-tuc", "listing_url": base + "/tin-tuc?start={offset}"}],
        **options,
    )


@pytest.mark.parametrize("verify", [True, False])
def test_tls_is_verified_unless_a_source_opts_out_and_every_opt_out_is_logged(tmp_path, caplog, verify):
    authority = trustme.CA()  # an authority the client does not trust: a broken chain, as far as it knows
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)

    async def scenario():
        app = web.Application()
        app.router.add_get("/robots.txt", lambda request: web.Response(text="User-agent: *\nAllow: /\n"))
        app.router.add_get(
            "/tin-tuc",
            lambda request: web.Response(text="<html><body>tin tức</body></html>", content_type="text/html"),
        )
        runner, base = await serve(app, context)
        source = local_source("tls-portal", base, verify_tls=verify)
        try:
            async with PortalFetcher(
                source, Politeness(retries=1, delay_seconds=0), "portalwatch/0.1"
            ) as fetcher:
                return await fetcher.fetch(base + "/tin-tuc", "listing")
        finally:
            await runner.cleanup()

    with caplog.at_level("WARNING", logger="portalwatch.fetch"):
        result = asyncio.run(scenario())
    opt_out_logged = [
        r
        for r in caplog.records
        if "tls-portal" in r.getMessage() and "verification is OFF" in r.getMessage()
    ]
    if verify:
        assert result.outcome == "robots_unavailable" and "CERTIFICATE_VERIFY_FAILED" in result.error
        assert opt_out_logged == [] and result.tls_verified
    else:
        assert result.outcome == "ok" and "tin tức" in result.text()
        assert len(opt_out_logged) == 1 and not result.tls_verified


def test_redirects_are_followed_only_within_the_portal(tmp_path):
    elsewhere_hits: list[str] = []

    async def scenario():
        async def elsewhere_page(request):
            elsewhere_hits.append(request.path)
            return web.Response(text="<html>quảng cáo</html>", content_type="text/html")

        elsewhere = web.Application()
        elsewhere.router.add_get("/{tail:.*}", elsewhere_page)
        elsewhere_runner, other = await serve(elsewhere)

        async def moved(request):
            raise web.HTTPMovedPermanently("/tin-tuc/bai-moi-2.html")

        async def away(request):
            raise web.HTTPFound(other + "/quang-cao")

        async def article(request):
            return web.Response(text="<html>bài mới</html>", content_type="text/html")

        portal = web.Application()
        portal.router.add_get("/tin-tuc/bai-cu-1.html", moved)
        portal.router.add_get("/tin-tuc/bai-moi-2.html", article)
        portal.router.add_get("/tin-tuc/bai-3.html", away)
        portal_runner, base = await serve(portal)
        source = local_source("redirects", base)
        try:
            async with PortalFetcher(
                source, Politeness(retries=1, delay_seconds=0), "portalwatch/0.1"
            ) as fetcher:
                results = [
                    await fetcher.fetch(base + path, "article")
                    for path in ("/tin-tuc/bai-cu-1.html", "/tin-tuc/bai-3.html")
                ]
            return (*results, base, other)
        finally:
            await portal_runner.cleanup()
            await elsewhere_runner.cleanup()

    moved, away, base, other = asyncio.run(scenario())
    assert (
        moved.outcome == "ok"
        and moved.final_url == base + "/tin-tuc/bai-moi-2.html"
        and "bài mới" in moved.text()
    )
    assert away.outcome == "off_site" and away.final_url == other + "/quang-cao" and not away.body
    assert elsewhere_hits == []  # never followed off the portal


@pytest.mark.parametrize("transport", ["aiohttp", "httpx"])
def test_a_cookie_a_portal_sets_goes_back_with_the_next_requests(transport):
    """Answers that set no cookie are not read for one; a Set-Cookie is kept and sent back."""
    received: list[str | None] = []

    async def scenario() -> str:
        async def page(request):
            received.append(request.headers.get("Cookie"))
            response = web.Response(text="<html>trang</html>", content_type="text/html")
            if request.path == "/dang-nhap":
                response.set_cookie("ASP.NET_SessionId", "phien-1")
            return response

        portal = web.Application()
        portal.router.add_get("/{path:.*}", page)
        runner, base = await serve(portal)
        source = local_source("cookies", base)
        try:
            async with PortalFetcher(
                source, Politeness(retries=1, delay_seconds=0, transport=transport), "portalwatch/0.1"
            ) as fetcher:
                for path in (
                    "/tin-tuc/bai-1.html",
                    "/dang-nhap",
                    "/tin-tuc/bai-2.html",
                    "/tin-tuc/bai-3.html",
                ):
                    assert (await fetcher.fetch(base + path, "article")).ok
        finally:
            await runner.cleanup()
        return base

    asyncio.run(scenario())
    # robots.txt, then the pages: the cookie goes out with every request after the one that set it.
    assert received == [None, None, None, "ASP.NET_SessionId=phien-1", "ASP.NET_SessionId=phien-1"]


def test_fault_decisions_depend_on_seed_url_and_count_not_on_arrival_order():
    profile = get_profile("flaky")
    urls = [f"/tin-tuc/bai-{n}.html" for n in range(40)]
    forward, backward = FaultInjector(profile, seed=7), FaultInjector(profile, seed=7)
    rounds = range(4)
    seen_forward = {(url, k): forward.transient("p", url) for k in rounds for url in urls}
    seen_backward = {(url, k): backward.transient("p", url) for k in rounds for url in reversed(urls)}
    assert seen_forward == seen_backward
    assert any(seen_forward.values())
    other_seed = FaultInjector(profile, seed=8)
    assert {(url, k): other_seed.transient("p", url) for k in rounds for url in urls} != seen_forward
    # A URL never meets more than `max_streak` transient faults in a row.
    for url in urls:
        streak = 0
        for k in rounds:
            streak = streak + 1 if seen_forward[(url, k)] else 0
            assert streak <= profile.max_streak


@pytest.mark.parametrize(
    ("faults", "kind", "outcome", "error"),
    [
        ("bad-encodings", "bad_encoding", "network_error", "does not decode as its Content-Encoding says"),
        ("scheme-redirects", "scheme_redirect", "off_site", "redirected to an address that is no web page"),
    ],
)
def test_an_answer_that_cannot_be_read_fails_its_page_alone(
    start_simulator, warehouse, tmp_path, faults, kind, outcome, error
):
    """A body sent as it is under 'Content-Encoding: gzip', a redirect to javascript: or mailto::
    the page fails, named, and the portal's other pages are stored (either one used to end the
    portal's crawl with nothing stored)."""
    sim = start_simulator(faults=faults)
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    faulty = {url for url, kinds in sim.permanent_faults().items() if kind in kinds} & set(
        truth_of(sim, PORTAL)
    )
    assert faulty
    recorded = {
        url: (got, message)
        for url, got, message in query(
            warehouse, "SELECT url, outcome, error FROM fetches WHERE kind = 'article'"
        )
    }
    assert {recorded[url][0] for url in faulty} == {outcome}
    assert all(error in recorded[url][1] for url in faulty)
    assert {url for url, _ in crawl.failures} == faulty
    assert_every_live_article_stored_once(warehouse, sim, except_urls=faulty)
