"""Coverage against the portals' own counts: per section and run, what the pager says the
section holds, what the walk saw and what the warehouse holds; a walk that lost pages goes
back for exactly those pages at the next run, and a run whose coverage dropped says so."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
from aiohttp import web
from crawling import crawl_into, politeness, query
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.config import load_sources
from portalwatch.discover import listing_url
from portalwatch.flows.ingest import ingest
from portalwatch.status import coverage
from portalwatch.storage.coverage import drop_warning
from portalwatch.summary import print_summary

# ------------------------------------------------------------------ the simulator


def test_every_section_is_fully_covered_on_a_clean_simulator(sim, warehouse, tmp_path):
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    for source_id in sim.base_urls:
        crawl, summary = crawl_into(config, source_id, warehouse)
        assert {c.section for c in summary.coverage} == {"tin-tuc", "van-ban"}
        live = sum(1 for row in sim.truth() if row["source"] == source_id and not row["removed"])
        for section in summary.coverage:
            assert section.pct == 100.0 and section.held == section.entries and section.complete
            assert section.missing_pages == [] and not section.dropped
            # Joomla pagers give only a page count: the last page's entries are counted.
            assert section.basis == ("counted" if source_id.startswith("xa-") else "stated")
        assert next(c for c in summary.coverage if c.section == "tin-tuc").entries == live
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        columns, rows = coverage(con)
    shown = [dict(zip(columns, row, strict=False)) for row in rows]
    assert len(shown) == 2 * len(sim.base_urls)
    assert all(row["coverage_pct"] == 100.0 and row["held"] == row["stated"] > 0 for row in shown)

    # The next run walks the head of each list (and a Joomla list's last page, to count it): still 100%, no drop.
    for source_id in sim.base_urls:
        crawl, summary = crawl_into(config, source_id, warehouse)
        assert crawl.listing_pages == (3 if source_id.startswith("xa-") else 2)
        assert all(c.pct == 100.0 == c.previous_pct and not c.dropped for c in summary.coverage)


def test_listing_pages_that_failed_are_fetched_again_and_only_they(start_simulator, warehouse, tmp_path):
    # Two attempts: a page fails when both answer 5xx; the simulator's next answer to it is then good.
    sim = start_simulator(faults="server-errors", portal_sizes={"tuachua": 250, "dcs-dienbien": 150})
    config_path = sim.write_sources(tmp_path / "sources.toml", politeness(retries=2))
    config = load_sources(config_path)
    first = {source_id: crawl_into(config_path, source_id, warehouse) for source_id in sim.base_urls}
    missing = {
        (source_id, c.section): c
        for source_id, (crawl, _) in first.items()
        for c in crawl.state.coverage
        if c.missing_pages != ()
    }
    assert missing, "the fault profile made no listing page fail: the test proves nothing"
    for (source_id, section), walk in missing.items():
        (loaded,) = [c for c in first[source_id][1].coverage if c.section == section]
        assert loaded.pct is None or loaded.pct < 100.0
        assert not loaded.complete
        failed = {url for url, _ in first[source_id][0].failures}
        source = config.select([source_id])[0]
        listing = next(s for s in source.sections if s.name == section)
        for page in walk.missing_pages or ():
            assert listing_url(listing, page, source.page_size) in failed
    stored = query(
        warehouse, "SELECT source_id, section, missing_pages FROM listing_walks WHERE NOT walk_complete"
    )
    assert {(s, section) for s, section, _ in stored} == set(missing)

    # The faults clear: with a third attempt no page fails (the simulator never faults three times in a row).
    config_path = sim.write_sources(tmp_path / "sources.toml", politeness(retries=3))
    since = max(entry["seq"] for entry in sim.requests())
    second = {source_id: crawl_into(config_path, source_id, warehouse) for source_id in sim.base_urls}
    log = sim.requests(since=since)
    for source_id, (_crawl, summary) in second.items():
        source = config.select([source_id])[0]
        for section in source.sections:
            walk = next(c for c in first[source_id][0].state.coverage if c.section == section.name)
            if walk.missing_pages is None:  # its first page failed: nothing known, walked whole
                pages = set(range(1, walk.total_pages or 1)) | {1}
            else:
                pages = {1, *walk.missing_pages} | (
                    {walk.total_pages} if walk.entries_basis == "counted" else set()
                )
            expected = {_path(listing_url(section, page, source.page_size)) for page in pages}
            prefix = urlsplit(section.listing_url).path
            requested = {
                e["path"] for e in log if e["portal"] == source_id and urlsplit(e["path"]).path == prefix
            }
            if walk.missing_pages is None:
                assert expected <= requested
            else:
                assert requested == expected, (source_id, section.name)
        for section in summary.coverage:
            assert section.pct == 100.0 and section.complete and section.missing_pages == []
    assert not query(warehouse, "SELECT * FROM listing_walks WHERE NOT walk_complete")
    live = {row["url"] for row in sim.truth() if not row["removed"]}
    assert {row[0] for row in query(warehouse, "SELECT url FROM articles")} == live


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


# ------------------------------------------------------------------ a portal that answers short


class Portal:
    """A portal with a `1 - 10 của 25` pager whose listing pages can come back short once, and
    whose article pages can fail: run on a loopback port of its own, from a thread."""

    def __init__(self, articles: int):
        self.articles = articles
        self.short_once: set[int] = set()  # listing pages that lose their last entries on their next request
        self.fail_once: set[int] = set()  # listing pages that answer 503 to their next request
        self.failing: set[int] = set()  # article ids that answer 500
        self.requests: list[str] = []
        self.pages_only = False  # a pager that gives the page count, not the entries
        self.base = ""

    def live(self) -> list[int]:
        return list(range(self.articles, 0, -1))  # newest first

    async def listing(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        page = int(request.query.get("p", "1"))
        if page in self.fail_once:
            self.fail_once.discard(page)
            return web.Response(status=503, text="Service Unavailable")
        entries = self.live()[(page - 1) * 10 : page * 10]
        if page in self.short_once:
            self.short_once.discard(page)
            entries = entries[:-4]  # cut inside the list, the page itself whole: a 200 that looks fine
        items = "".join(f'<li><h3><a href="/tin/{n}">Tin số {n} của xã</a></h3></li>' for n in entries)
        first, last = (page - 1) * 10 + 1, min(page * 10, self.articles)
        pager = (
            f"Trang {page} của {-(-self.articles // 10)}"
            if self.pages_only
            else f"{first} - {last} của {self.articles}"
        )
        return web.Response(
            text=f"<html><body><ul>{items}</ul><div class='paging'>{pager}</div></body></html>",
            content_type="text/html",
        )

    async def article(self, request: web.Request) -> web.Response:
        self.requests.append(request.path_qs)
        number = int(request.match_info["id"])
        if number in self.failing:
            return web.Response(status=500, text="Server Error")
        if number > self.articles:
            return web.Response(status=404)
        posted = datetime(2024, 1, 1, 8, 0) + timedelta(hours=number)
        body = "".join(
            f"<p>Đoạn {k} của tin số {number}: nội dung về công tác chỉ đạo sản xuất của xã.</p>"
            for k in range(4)
        )
        return web.Response(
            text=f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tin số {number} của xã</title></head>
<body><div class="article"><h1>Tin số {number} của xã</h1><div class="meta">Ngày đăng: {posted:%d/%m/%Y %H:%M}</div>
<div class="content">{body}</div></div></body></html>""",
            content_type="text/html",
        )

    def sources(self, path: Path) -> Path:
        path.write_text(
            f"""
[settings]
user_agent = "portalwatch-test/0.1"
politeness = {{ concurrency = 2, delay_seconds = 0.0, timeout_seconds = 5.0, retries = 1, breaker_threshold = 100 }}

[[sources]]
id = "xa-ngan"
name = "Cổng thông tin điện tử xã Ngắn"
level = "commune"
profile = "generic"
base_url = "{self.base}"
sections = [{{ name = "tin", listing_url = "{self.base}/tin?p={{page}}" }}]
""",
            encoding="utf-8",
        )
        return path


@pytest.fixture
def portal():
    site = Portal(25)
    app = web.Application()
    app.router.add_get("/tin", site.listing)
    app.router.add_get("/tin/{id}", site.article)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(app, access_log=None)
    loop.run_until_complete(runner.setup())
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(tcp.start())
    site.base = f"http://127.0.0.1:{tcp._server.sockets[0].getsockname()[1]}"
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield site
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=10)
    loop.run_until_complete(runner.cleanup())
    loop.close()


def test_a_listing_page_that_came_back_short_is_fetched_again(portal, warehouse, tmp_path):
    config = portal.sources(tmp_path / "sources.toml")
    portal.short_once = {2}
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    assert (section.entries, section.basis, section.held, section.listed) == (25, "stated", 21, 21)
    assert section.pct == 84.0 and section.missing_pages == [2] and not section.complete
    assert (
        f"{portal.base}/tin?p=2",
        "listing page came back short: 6 of 10 entries "
        "(check the source's page_size if every page says this)",
    ) in crawl.failures

    portal.requests.clear()
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    assert sorted(path for path in portal.requests if path.startswith("/tin?")) == ["/tin?p=1", "/tin?p=2"]
    assert sorted(portal.requests) == sorted(
        ["/tin?p=1", "/tin?p=2", *(f"/tin/{n}" for n in range(6, 10))]
    )  # the four cut off page 2
    assert (section.held, section.pct, section.previous_pct, section.complete) == (25, 100.0, 84.0, True)
    assert len(query(warehouse, "SELECT * FROM articles")) == 25


def test_a_drop_in_coverage_is_a_warning_in_the_summary_and_status(portal, warehouse, tmp_path):
    config = portal.sources(tmp_path / "sources.toml")
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert summary.coverage[0].pct == 100.0
    portal.articles = 31  # six new articles, whose pages fail
    portal.failing = set(range(26, 32))
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    assert (section.held, section.entries, section.previous_pct) == (25, 31, 100.0)
    assert section.dropped and section.pct == 80.65
    assert drop_warning(section) == "tin: coverage dropped from 100.0% to 80.7% (25 of 31 held)"
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        columns, rows = coverage(con)
    assert dict(zip(columns, rows[0], strict=False)) | {"walked_at": None} == {
        "source": "xa-ngan",
        "section": "tin",
        "kind": "articles",
        "held": 25,
        "stated": 31,
        "basis": "stated",
        "coverage_pct": 80.65,
        "missing_pages": 0,
        "complete": True,
        "walked_at": None,
    }
    shown = CliRunner().invoke(app, ["status", "-c", str(config), "-w", str(warehouse.path)])
    assert shown.exit_code == 0, shown.output
    (line,) = [line for line in shown.output.splitlines() if "xa-ngan" in line and "80.65" in line]
    assert "│ 25 " in line and "│ 31 " in line and "stated" in line
    report = tmp_path / "report.html"
    assert CliRunner().invoke(app, ["report", str(report), "-w", str(warehouse.path)]).exit_code == 0
    coverage_table = report.read_text(encoding="utf-8").split("<h2>Coverage</h2>")[1].split("</table>")[0]
    assert (
        "<td>xa-ngan</td><td>tin</td><td>articles</td><td>25</td><td>31</td><td>stated</td><td>80.65</td>"
        in coverage_table
    )
    # Once the pages answer, the next run fetches them from the frontier and coverage is whole again.
    portal.failing = set()
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert summary.coverage[0].pct == 100.0 and not summary.coverage[0].dropped


def test_missing_pages_are_looked_for_where_the_list_has_moved_them(portal, warehouse, tmp_path):
    config = portal.sources(tmp_path / "sources.toml")
    portal.fail_once = {2}
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert (summary.coverage[0].held, summary.coverage[0].missing_pages) == (15, [2])  # entries 15..6 missing
    portal.articles = 30  # five new ones push every entry five places down: 15..6 are now on pages 2 and 3
    portal.requests.clear()
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert [path for path in portal.requests if path.startswith("/tin?")] == [
        "/tin?p=1",
        "/tin?p=2",
        "/tin?p=3",
    ]
    (section,) = summary.coverage
    assert (section.held, section.entries, section.pct, section.complete) == (30, 30, 100.0, True)


def test_a_pager_without_a_total_is_counted_from_its_last_page_or_estimated(portal, warehouse, tmp_path):
    config = portal.sources(tmp_path / "sources.toml")
    portal.pages_only = True
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert [(c.entries, c.basis, c.held, c.pct) for c in summary.coverage] == [(25, "counted", 25, 100.0)]
    portal.requests.clear()
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)  # the last page is read to count it
    assert [path for path in portal.requests if path.startswith("/tin?")] == ["/tin?p=1", "/tin?p=3"]
    assert [(c.entries, c.basis, c.pct, c.dropped) for c in summary.coverage] == [
        (25, "counted", 100.0, False)
    ]
    portal.fail_once = {3}
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    # Three pages of ten at most: an estimate, which claims no drop; the unread page is gone back for.
    assert (section.entries, section.basis, section.pct, section.dropped) == (30, "estimated", 83.33, False)
    assert section.missing_pages == [3]
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    assert [(c.entries, c.basis, c.pct, c.complete) for c in summary.coverage] == [
        (25, "counted", 100.0, True)
    ]


def test_a_walk_from_the_newest_page_that_stopped_short_is_resumed(portal, warehouse, tmp_path):
    config = portal.sources(tmp_path / "sources.toml")
    crawl_into(config, "xa-ngan", warehouse)
    portal.articles = 50  # 25 new: pages 1 and 2 and half of page 3
    portal.fail_once = {2}
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    assert (section.held, section.entries, section.missing_pages, section.resume_pages) == (35, 50, [], [2])
    assert not section.complete and section.dropped
    assert query(warehouse, "SELECT missing_pages, resume_pages FROM listing_walks") == [([], [2])]

    # The next run's walk from the newest page stops at once (page 1 is known); the stopped walk
    # resumes at page 2 and goes on until it meets known entries again.
    portal.requests.clear()
    crawl, summary = crawl_into(config, "xa-ngan", warehouse)
    (section,) = summary.coverage
    assert [path for path in portal.requests if path.startswith("/tin?")] == [
        "/tin?p=1",
        "/tin?p=2",
        "/tin?p=3",
        "/tin?p=4",
    ]
    assert (section.held, section.pct, section.complete, section.resume_pages) == (50, 100.0, True, [])
    assert len(query(warehouse, "SELECT * FROM articles")) == 50


@pytest.mark.prefect
def test_the_ingest_flow_reports_coverage_and_warns_of_a_drop(portal, tmp_path, caplog, capsys):
    config = portal.sources(tmp_path / "sources.toml")
    warehouse = tmp_path / "warehouse.duckdb"
    first = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse)))
    assert first["portals"]["xa-ngan"]["coverage"] == "100.0%" and not first["portals"]["xa-ngan"]["warnings"]
    portal.articles, portal.failing = 31, set(range(26, 32))
    second = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse)))
    # The run summary, printed and stored, and the flow's log say the coverage dropped.
    warning = "tin: coverage dropped from 100.0% to 80.7% (25 of 31 held)"
    capsys.readouterr()
    print_summary(second)
    printed = capsys.readouterr()
    assert f"xa-ngan: warning: {warning}" in printed.err
    assert "xa-ngan: coverage of tin: 25 of 31 held (80.7%, stated)" in printed.out
    (summary,) = query(warehouse, "SELECT summary FROM runs ORDER BY started_at DESC LIMIT 1")
    stored = json.loads(summary[0])["xa-ngan"]
    assert stored["warnings"] == [warning] and stored["coverage"] == "80.6%"
    assert [
        (s["section"], s["held"], s["entries"], s["pct"], s["previous_pct"]) for s in stored["sections"]
    ] == [("tin", 25, 31, 80.65, 100.0)]
    assert any(record.levelname == "WARNING" and warning in record.getMessage() for record in caplog.records)
    # The Prefect artifact of the run: one row per section.
    (artifact,) = asyncio.run(_latest_artifact_data("ingest-coverage"))
    assert artifact == [
        {
            "source": "xa-ngan",
            "section": "tin",
            "kind": "articles",
            "held": 25,
            "entries": 31,
            "basis": "stated",
            "pct": 80.65,
            "previous_pct": 100.0,
            "missing_pages": "",
            "complete": True,
        }
    ]


async def _latest_artifact_data(key: str) -> list:
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
            sort=ArtifactSort.CREATED_DESC,
            limit=1,
        )
    data = artifacts[0].data
    return [json.loads(data) if isinstance(data, str) else data]
