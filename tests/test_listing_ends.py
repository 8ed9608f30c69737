"""Where a listing without a readable pager ends: a portal that answers any page number past the
last with a page it has already served (its last page again, or its first), as a 200, ends the
walk there instead of sending it on to `max_listing_pages`.

The portal is a small aiohttp server on loopback: full pages of three entries (so no page is
shorter than the ones before it), a pager of page links the generic reader does not take for
one, and article pages the generic reader reads.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest
from aiohttp import web
from crawling import crawl_into, query
from loopback import one_source, serving

from portalwatch.config import load_sources
from portalwatch.crawl import crawl_portal
from portalwatch.flows.fanout import portal_summary
from portalwatch.storage.rawstore import RawStore

PAGE_SIZE = 3
# Set: the portal sends every article page to its home page.
MAINTENANCE = threading.Event()
PAGES = 2
ARTICLES = [
    {
        "id": 500 - n,
        "title": f"Huyện Mường Ảng triển khai kế hoạch chuyển đổi số năm 2026, đợt {n + 1}",
        "posted": datetime(2026, 11, 20 - n, 8, 30),
    }
    for n in range(PAGE_SIZE * PAGES)
]


def listing_page(page: int) -> str:
    rows = "".join(
        f'<div class="item-news"><h3><a href="/tin/{a["id"]}.html">{a["title"]}</a></h3>'
        f'<p class="date">{a["posted"]:%d/%m/%Y}</p></div>'
        for a in ARTICLES[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    )
    pager = "".join(f'<a href="/tin?p={n}">{n}</a> ' for n in range(1, PAGES + 1))
    return (
        "<html><head><meta charset='utf-8'><title>Tin tức - UBND huyện Mường Ảng</title></head>"
        f"<body><div class='list-news'>{rows}</div><div class='phan-trang'>{pager}</div></body></html>"
    )


def table_listing() -> str:
    """Every entry on one page, as table rows whose links no generic listing rule takes."""
    rows = "".join(
        f'<tr><td><a class="tieude-tin" href="/tin/{a["id"]}.html">{a["title"]}</a></td><td>{a["posted"]:%d/%m/%Y}</td></tr>'
        for a in ARTICLES
    )
    return (
        "<html><head><meta charset='utf-8'><title>Tin tức - UBND huyện Mường Ảng</title></head>"
        f"<body><table class='ds-tin'>{rows}</table><div class='pagination'>Trang 1 của 1</div></body></html>"
    )


def article_page(article: dict) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{article["title"]}</title></head>
<body><div class="header"><b>CỔNG THÔNG TIN ĐIỆN TỬ HUYỆN MƯỜNG ẢNG</b></div>
<div class="detail"><h1 class="title">{article["title"]}</h1>
<div class="meta">Ngày đăng: {article["posted"]:%d/%m/%Y %H:%M}</div>
<div class="content"><p>Thực hiện Nghị quyết của Huyện ủy, UBND huyện Mường Ảng ban hành kế hoạch triển khai
chuyển đổi số trên địa bàn, tập trung vào dịch vụ công trực tuyến và thanh toán không dùng tiền mặt.</p>
<p>Theo kế hoạch, đến cuối năm 2026 toàn huyện phấn đấu 80% hồ sơ thủ tục hành chính được tiếp nhận
và giải quyết trực tuyến; các xã, thị trấn rà soát hạ tầng mạng, bố trí cán bộ hướng dẫn người dân.</p>
<p>Mã kế hoạch {article["id"]}.</p></div></div></body></html>"""


@pytest.fixture
def portal():
    """Yields (base URL, listing requests by path and page): `/last/...` answers any page past
    the last with the last page, `/first/...` with the first."""
    app = web.Application()
    requests: Counter[tuple[str, int]] = Counter()

    async def listing(request: web.Request) -> web.Response:
        mode, page = request.match_info["mode"], int(request.query.get("p", "1"))
        requests[(mode, page)] += 1
        if mode == "table":
            return web.Response(text=table_listing(), content_type="text/html")
        shown = page if page <= PAGES else (PAGES if mode == "last" else 1)
        return web.Response(text=listing_page(shown), content_type="text/html")

    async def article(request: web.Request) -> web.Response:
        if MAINTENANCE.is_set():
            raise web.HTTPFound(f"/{request.query.get('mode', 'last')}")
        found = [a for a in ARTICLES if str(a["id"]) == request.match_info["id"]]
        if not found:
            return web.Response(status=404)
        return web.Response(text=article_page(found[0]), content_type="text/html")

    app.router.add_get("/{mode}/tin", listing)
    app.router.add_get("/tin/{id}.html", article)
    with serving(app) as base:
        yield base, requests


def sources_file(tmp_path: Path, base: str) -> Path:
    source = {
        "id": "muong-ang",
        "name": "Cổng thông tin điện tử huyện Mường Ảng",
        "level": "district",
        "profile": "generic",
        "base_url": base,
        "page_size": PAGE_SIZE,
        "sections": [{"name": "tin", "listing_url": f"{base}/tin?p={{page}}"}],
    }
    return one_source(tmp_path / "sources.toml", source)


@pytest.mark.parametrize("mode", ["last", "first"])
def test_a_listing_that_repeats_a_page_past_its_end_is_walked_to_its_end_and_no_further(
    portal, tmp_path, mode
):
    base, requests = portal
    config = load_sources(sources_file(tmp_path, f"{base}/{mode}"))
    (source,) = config.sources
    crawl = asyncio.run(crawl_portal(source, config, {}, RawStore(tmp_path / "raw")))
    assert not crawl.failures, crawl.failures
    assert sorted(o.record.title for o in crawl.observations) == sorted(a["title"] for a in ARTICLES)
    # Every page once, and one page past the end: the one that brought nothing new.
    assert sorted(page for (seen, page), count in requests.items() if seen == mode for _ in range(count)) == [
        *range(1, PAGES + 1),
        PAGES + 1,
    ]


def test_a_listing_whose_entries_the_rules_do_not_find_is_warned_of(portal, tmp_path, warehouse):
    """A pager that says there is one page, and no entry found on it: the walk is complete and
    finds nothing, which the run's summary says instead of reporting a quiet success."""
    base, _ = portal
    crawl, loaded = crawl_into(sources_file(tmp_path, f"{base}/table"), "muong-ang", warehouse)
    assert (loaded.created, crawl.failures) == (0, [])
    warnings = portal_summary(crawl, loaded)["warnings"]
    assert warnings == [
        "tin: its listing lists no entries (an empty section, or the profile's listing rules match none of its links)"
    ]


def test_a_listing_that_could_not_be_read_is_not_called_empty(tmp_path, warehouse):
    """Its first page never answered: the run reports the failure, and does not say the section
    lists nothing."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{closed.getsockname()[1]}"
    closed.close()  # nothing listens there: every request is refused
    crawl, loaded = crawl_into(sources_file(tmp_path, base), "muong-ang", warehouse)
    assert crawl.failures
    assert not [w for w in portal_summary(crawl, loaded)["warnings"] if "lists no entries" in w]


def test_pages_a_listing_still_links_to_are_not_removed_when_they_redirect_home(portal, tmp_path, warehouse):
    """A portal in maintenance sends every article to its home page while its listing still
    links to them all: no removal is recorded, run after run, and each page is reported."""
    base, _ = portal
    config = sources_file(tmp_path, f"{base}/last")
    crawl_into(config, "muong-ang", warehouse)
    MAINTENANCE.set()
    try:
        for _ in range(2):
            crawl, loaded = crawl_into(config, "muong-ang", warehouse, revisit="all")
            assert loaded.removed == 0 and len(crawl.gone) == 0
            assert len(crawl.failures) == len(ARTICLES)
            assert all("the portal's listing still links to it" in reason for _, reason in crawl.failures)
    finally:
        MAINTENANCE.clear()
    assert query(warehouse, "SELECT count(*) FROM articles WHERE removed_at IS NULL")[0][0] == len(ARTICLES)
