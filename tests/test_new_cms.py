"""A portal on a CMS the project has never seen: a profile file and a sources
entry are all it takes; and the generic extractor reads it with no profile.

The portal is a small aiohttp server started here on loopback, with page
shapes of its own: a "portlet" CMS with the article in a journal-content
div, a "Ngày đăng: dd/mm/yyyy hh:mm | Lượt xem: N" line under an <h1>, the
byline in a div of its own, and a sidebar of latest news.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from aiohttp import web
from loopback import one_source, serving

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.errors import ConfigError
from portalwatch.model import PortalCrawl
from portalwatch.parse import parse_article
from portalwatch.parse.profile import get_profile
from portalwatch.pipeline import run_portal
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ARTICLES = [
    {
        "id": 100 + n,
        "title": f"Xã Pa Ham tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội năm 202{n}",
        "posted": datetime(2024, 3, 10 + n, 9, 15),
        "views": 40 + n,
        "lead": f"Sáng ngày {10 + n}/3, UBND xã Pa Ham tổ chức hội nghị triển khai nhiệm vụ năm.",
        "paragraphs": [
            f"Tại hội nghị, các đại biểu đã thảo luận, đánh giá kết quả thực hiện {n + 3} chỉ tiêu chủ yếu, trong đó "
            "nhiều chỉ tiêu đạt và vượt kế hoạch đề ra; đời sống của nhân dân từng bước được cải thiện.",
            "Phát biểu kết luận hội nghị, đồng chí Chủ tịch UBND xã đề nghị các thôn, bản tập trung chỉ đạo sản xuất "
            "vụ Đông Xuân, chăm sóc đàn gia súc, phòng, chống cháy rừng trong mùa khô.",
        ],
        "byline": f"Lò Văn Hặc{n} - Văn phòng HĐND-UBND xã",
    }
    for n in range(1, 4)
]


def listing_page(page: int) -> str:
    items = (
        ""
        if page > 1
        else "".join(
            f'<div class="asset-abstract"><h3 class="asset-title"><a href="/web/pa-ham/tin/{a["id"]}">{a["title"]}</a></h3></div>'
            for a in ARTICLES
        )
    )
    return f"<html><body><div class='portlet-body'>{items}<div class='lfr-pagination'>Hiển thị 1 - 3 của 3 kết quả</div></div></body></html>"


def article_page(article: dict) -> str:
    body = "".join(f"<p>{text}</p>" for text in article["paragraphs"])
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{article["title"]} - Cổng TTĐT xã Pa Ham</title></head>
<body><div id="banner"><h1 class="site-title">CỔNG THÔNG TIN ĐIỆN TỬ XÃ PA HAM</h1></div>
<div class="columns"><div class="portlet-boundary"><div class="journal-content-article">
<h1 class="header-title">{article["title"]}</h1>
<div class="metadata">Ngày đăng: {article["posted"]:%d/%m/%Y %H:%M} | Lượt xem: {article["views"]}</div>
<div class="summary"><b>{article["lead"]}</b></div>
<div class="content">{body}</div>
<div class="author">{article["byline"]}</div>
</div></div>
<div class="portlet-column-last"><h3>Tin mới</h3><ul>{"".join(f'<li><a href="/web/pa-ham/tin/{a["id"]}">{a["title"]}</a></li>' for a in ARTICLES)}</ul>
<p>Lượt truy cập: 123456</p></div></div></body></html>"""


PROFILE = r"""
# A portlet CMS first seen on the Pa Ham commune portal.
name = "portlet_cms"
version = 1
description = "Portlet CMS: journal-content article, Ngày đăng | Lượt xem"

[listing]
article_links = "div.asset-abstract h3.asset-title a"
pager = "div.lfr-pagination"
total_pattern = '(?P<first>\d+) - (?P<last>\d+) của (?P<total>\d+)'

[article]
root = "div.journal-content-article"
title = "h1.header-title"
posted = "div.metadata"
published_pattern = 'Ngày đăng:\s*(?P<value>\d{2}/\d{2}/\d{4} \d{2}:\d{2})'
date_formats = ["%d/%m/%Y %H:%M"]
view_count_pattern = 'Lượt xem:\s*(?P<value>\d+)'
lead = "div.summary"
body = "div.content"
byline = "div.author"
"""


@pytest.fixture
def portal():
    """The unknown portal on a loopback port of its own, served from a thread."""
    app = web.Application()

    async def listing(request: web.Request) -> web.Response:
        return web.Response(text=listing_page(int(request.query.get("p", "1"))), content_type="text/html")

    async def article(request: web.Request) -> web.Response:
        found = [a for a in ARTICLES if str(a["id"]) == request.match_info["id"]]
        return (
            web.Response(text=article_page(found[0]), content_type="text/html")
            if found
            else web.Response(status=404)
        )

    app.router.add_get("/web/pa-ham/tin", listing)
    app.router.add_get("/web/pa-ham/tin/{id}", article)
    with serving(app) as base:
        yield base


def sources_file(tmp_path: Path, base: str, profile: str) -> Path:
    source = {
        "id": "xa-pa-ham",
        "name": "Cổng thông tin điện tử xã Pa Ham",
        "level": "commune",
        "profile": profile,
        "base_url": base,
        "sections": [{"name": "tin", "listing_url": f"{base}/web/pa-ham/tin?p={{page}}"}],
    }
    path = one_source(tmp_path / "sources.toml", source, retries=2, profile_dirs=["my-profiles"])
    (tmp_path / "my-profiles").mkdir(exist_ok=True)
    (tmp_path / "my-profiles" / "portlet_cms.toml").write_text(PROFILE, encoding="utf-8")
    return path


def ingest(config_path: Path, warehouse, tmp_path: Path) -> list[tuple]:
    config = load_sources(config_path)
    (source,) = config.sources
    crawl = asyncio.run(
        crawl_portal(source, config, warehouse.known_articles(source.id), RawStore(tmp_path / "raw"))
    )
    assert not crawl.failures, crawl.failures
    loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations, gone=crawl.gone)
    warehouse.load_portal(warehouse.start_run("test", {}), loaded)
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return con.execute(
            "SELECT title, published_at, body_text, lead, author, attribution, extraction, confidence, "
            "parser_version FROM articles ORDER BY published_at"
        ).fetchall()


def test_a_new_cms_needs_only_a_profile_file_and_a_sources_entry(portal, warehouse, tmp_path):
    stored = ingest(sources_file(tmp_path, portal, "portlet_cms"), warehouse, tmp_path)
    assert len(stored) == len(ARTICLES)
    for row, article in zip(stored, ARTICLES, strict=False):
        title, published_at, body, lead, author, attribution, extraction, confidence, parser_version = row
        assert title == article["title"]
        assert published_at == article["posted"].replace(tzinfo=TZ)
        assert body == "\n\n".join(article["paragraphs"]) and lead == article["lead"]
        assert (author, attribution) == (article["byline"].split(" - ")[0], "Văn phòng HĐND-UBND xã")
        assert (extraction, confidence, parser_version) == ("profile", 1.0, "portlet_cms/1+2")


def test_the_generic_profile_ingests_the_unknown_cms_as_fallback_records(portal, warehouse, tmp_path):
    stored = ingest(sources_file(tmp_path, portal, "generic"), warehouse, tmp_path)
    assert len(stored) == len(ARTICLES)
    for row, article in zip(stored, ARTICLES, strict=False):
        title, published_at, body, lead, author, attribution, extraction, confidence, parser_version = row
        assert title == article["title"]
        assert published_at == article["posted"].replace(tzinfo=TZ)
        assert body == "\n\n".join(article["paragraphs"])
        assert (
            extraction == "fallback" and 0.5 <= confidence <= 1.0 and parser_version.startswith("fallback/")
        )
        assert author == article["byline"].split(" - ")[0]


def parsed_by_an_older_parser(warehouse, article: dict) -> None:
    """Mark the current version of `article` as the work of an older parser of its profile."""
    with duckdb.connect(str(warehouse.path)) as con:
        older = con.execute(
            "SELECT article_id FROM articles WHERE url LIKE ?", [f"%/{article['id']}"]
        ).fetchone()[0]
        con.execute(
            "UPDATE article_versions SET parser_version = 'portlet_cms/0+1' WHERE article_id = ?", [older]
        )


def test_a_raw_page_already_parsed_by_todays_parser_is_not_parsed_again(
    portal, warehouse, tmp_path, monkeypatch
):
    config = load_sources(sources_file(tmp_path, portal, "portlet_cms"))
    (source,) = config.sources
    raw = RawStore(tmp_path / "raw")

    def crawl_and_load():
        crawl = asyncio.run(
            crawl_portal(source, config, warehouse.known_articles(source.id), raw, Revisit.ALL)
        )
        loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations)
        summary = warehouse.load_portal(warehouse.start_run("test", {}), loaded)
        return crawl, summary

    crawl_and_load()
    # The same pages again: fetched, seen, not parsed.
    again, summary = crawl_and_load()
    assert again.article_fetches == len(ARTICLES) and len(again.observations) == len(ARTICLES)
    assert all(o.record is None for o in again.observations)
    assert summary.unchanged == len(ARTICLES) and summary.created == summary.updated == 0

    # One page is edited, another's version comes from an older parser: those two are parsed.
    monkeypatch.setitem(ARTICLES[0], "lead", ARTICLES[0]["lead"] + " Hội nghị đã thành công tốt đẹp.")
    parsed_by_an_older_parser(warehouse, ARTICLES[1])
    third, summary = crawl_and_load()
    assert sorted(o.url.rsplit("/", 1)[1] for o in third.observations if o.record is not None) == sorted(
        str(a["id"]) for a in ARTICLES[:2]
    )
    assert summary.updated == 1 and summary.unchanged == len(ARTICLES) - 1
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_versions").fetchone()[0] == len(ARTICLES) + 1


def test_a_due_revisit_finds_in_the_schedules_alone_which_pages_were_parsed_already(
    portal, warehouse, tmp_path, monkeypatch
):
    # A due run reads the crawl memory, not the known articles: the schedules say which raw
    # page, and which parser, each current version came from.
    config = load_sources(sources_file(tmp_path, portal, "portlet_cms"))
    (source,) = config.sources
    raw = RawStore(tmp_path / "raw")

    def run(revisit: Revisit, days_later: int = 0):
        run_id = warehouse.start_run("test", {})
        now = datetime.now(UTC) + timedelta(days=days_later)  # far enough: every article due
        return asyncio.run(run_portal(source, config, warehouse, raw, run_id, revisit, now=now))

    run(Revisit.NONE)
    monkeypatch.setattr(
        Warehouse, "known_articles", lambda *_: pytest.fail("a due run read the known articles")
    )
    again, summary = run(Revisit.DUE, days_later=400)
    assert again.revisited == len(ARTICLES) and len(again.observations) == len(ARTICLES)
    assert all(o.record is None for o in again.observations)
    assert summary.unchanged == len(ARTICLES) and summary.created == summary.updated == 0

    # One version's parser is an older one: that page alone is parsed again.
    parsed_by_an_older_parser(warehouse, ARTICLES[1])
    third, summary = run(Revisit.DUE, days_later=800)
    assert [o.url.rsplit("/", 1)[1] for o in third.observations if o.record is not None] == [
        str(ARTICLES[1]["id"])
    ]
    assert summary.unchanged == len(ARTICLES)


def test_the_generic_extractor_on_the_unknown_page_and_its_error_page():
    generic = get_profile("generic")
    article = ARTICLES[0]
    record = parse_article(article_page(article), "http://127.0.0.1/web/pa-ham/tin/101", generic)
    assert (record.title, record.view_count, record.lead) == (
        article["title"],
        article["views"],
        article["lead"],
    )
    assert "Lượt truy cập" not in record.body_text and "Tin mới" not in record.body_text
    assert record.rules["published_at"].startswith("generic: posting line")
    error = "<html><head><title>404 - Không tìm thấy trang</title></head><body><h1>Trang không tồn tại</h1></body></html>"
    with pytest.raises(Exception, match="not an article: soft-404 page"):
        parse_article(error, "http://127.0.0.1/web/pa-ham/tin/999", generic)


def test_a_profile_that_does_not_validate_names_its_file_and_field(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "portlet_cms.toml").write_text(PROFILE.replace("(?P<value>\\d+)'", "(\\d+)'"), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        get_profile("portlet_cms", [folder])
    assert "portlet_cms.toml" in str(info.value) and "view_count_pattern" in str(info.value)
