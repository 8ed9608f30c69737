"""`portalwatch profile learn`: a profile written from five example pages reads the portal's other pages.

Over HTTP against the simulator: learn from five article URLs and a listing
URL, load the written file with the ordinary loader, probe other pages with
it and compare with the simulator's truth, and crawl the portal with a
sources file that names the learned profile. The accuracy measurement holds
each family's learned profiles to the project's bar on the gold set.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from pathlib import Path

import duckdb
import httpx
import pytest
from typer.testing import CliRunner

from portalwatch.accuracy import LEARNED_FIELDS, learned_profile_accuracy
from portalwatch.cli import app
from portalwatch.config import load_sources
from portalwatch.crawl import crawl_portal
from portalwatch.model import PortalCrawl
from portalwatch.parse.date_shapes import (
    VIETNAMESE_AMPM,
    counter_pattern,
    counter_values,
    date_patterns,
    date_shapes,
)
from portalwatch.parse.fields import find_datetime
from portalwatch.parse.learn import LearnError, Page, learn_profile
from portalwatch.parse.profile import get_profile
from portalwatch.probe import probe
from portalwatch.sim.world import FAMILY_SETS
from portalwatch.storage.rawstore import RawStore

PORTAL = (
    "xa-tua-thang"  # Joomla with the long "Được đăng: Thứ hai, 05 Tháng 5 2025 08:00" line, Hits, NFD pages
)


def portal_entry(sim, portal: str) -> dict:
    portals = httpx.get(f"{sim.control_url}/_sim/portals", timeout=30).json()
    return next(p for p in portals if p["id"] == portal)


def live_articles(sim, portal: str) -> list[dict]:
    return sorted(
        (row for row in sim.truth() if row["source"] == portal and not row["removed"]),
        key=lambda row: row["url"],
    )


def learn_over_http(
    sim, out: Path, portal: str = PORTAL, name: str = "learned_joomla"
) -> tuple[list[dict], dict, CliRunner]:
    articles, entry = live_articles(sim, portal), portal_entry(sim, portal)
    listing = entry["listing_url"].format(page=1, offset=0)
    result = CliRunner().invoke(
        app,
        [
            "profile",
            "learn",
            *(a["url"] for a in articles[:5]),
            "--listing",
            listing,
            "--name",
            name,
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return articles, entry, result


def crawl_with_profile(entry: dict, profile: str, warehouse, tmp_path: Path) -> list[tuple]:
    """Crawl two listing pages of the portal with a sources file naming the profile; the stored articles."""
    config_path = tmp_path / "sources.toml"
    config_path.write_text(
        f"""
[settings]
user_agent = "portalwatch-test/0.1"
profile_dirs = ["profiles"]
politeness = {{ concurrency = 4, delay_seconds = 0.0, timeout_seconds = 10.0, retries = 2 }}

[[sources]]
id = "{entry["id"]}"
name = "{entry["name"]}"
level = "commune"
profile = "{profile}"
base_url = "{entry["base_url"]}"
page_size = 10
sections = [{{ name = "tin-tuc", listing_url = "{entry["listing_url"]}" }}]
""",
        encoding="utf-8",
    )
    config = load_sources(config_path)
    (source,) = config.sources
    crawl = asyncio.run(crawl_portal(source, config, {}, RawStore(tmp_path / "raw"), max_listing_pages=2))
    assert not crawl.failures, crawl.failures
    loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations, gone=crawl.gone)
    warehouse.load_portal(warehouse.start_run("test", {}), loaded)
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        return con.execute("SELECT url, title, published_at, extraction FROM articles").fetchall()


def test_a_profile_learned_over_http_reads_the_portals_other_pages(sim, tmp_path):
    articles, _, result = learn_over_http(sim, tmp_path / "profiles")
    for field in (
        "title",
        "posted",
        "published_at",
        "view_count",
        "body",
        "byline",
        "article_links",
        "pager",
    ):
        assert field in result.output
    assert "5/5" in result.output and "wrote" in result.output

    profile = get_profile("learned_joomla", [tmp_path / "profiles"])
    assert profile.article is not None and profile.listing.pages_pattern
    for article in articles[5:25]:
        probed = probe(article["url"], "learned_joomla", "article", [str(tmp_path / "profiles")])
        assert probed.failure is None, (article["url"], probed.failure)
        record = probed.record
        assert record.title == article["title"]
        assert record.published_at == datetime.fromisoformat(article["published_at"])
        assert record.parser_version.startswith("learned_joomla/1+") and record.view_count is not None
        assert "Văn bản mới" not in record.body_text and "Template Settings" not in record.body_text


def test_the_cli_probe_reads_a_new_page_with_the_learned_profile(sim, tmp_path):
    articles, _, _ = learn_over_http(sim, tmp_path / "profiles")
    unseen = articles[-1]
    result = CliRunner().invoke(
        app,
        [
            "probe",
            unseen["url"],
            "--profile",
            "learned_joomla",
            "--profile-dir",
            str(tmp_path / "profiles"),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert f'"title": "{unseen["title"]}"' in result.output and '"extraction": "profile"' in result.output


def test_a_crawl_with_the_learned_profile_stores_what_the_portal_published(sim, warehouse, tmp_path):
    articles, entry, _ = learn_over_http(sim, tmp_path / "profiles")
    stored = crawl_with_profile(entry, "learned_joomla", warehouse, tmp_path)
    truth = {a["url"]: a for a in articles}
    assert len(stored) == min(20, len(articles))
    for url, title, published_at, extraction in stored:
        assert (title, extraction) == (truth[url]["title"], "profile")
        assert published_at == datetime.fromisoformat(truth[url]["published_at"])


@pytest.mark.parametrize("family", ["wordpress", "table", "newspaper"])
def test_a_profile_learned_over_http_for_other_platforms_crawls_them(
    family, start_simulator, warehouse, tmp_path
):
    """WordPress keeps the minute only in its JSON-LD; the table layout nests everything in cells; the
    newspaper shows its date above the title and dated lists of other articles around it."""
    sim = start_simulator(families="all", scale=0.04)
    portals = httpx.get(f"{sim.control_url}/_sim/portals", timeout=30).json()
    portal = next(p["id"] for p in portals if p["family"] == family)
    articles, entry, _ = learn_over_http(sim, tmp_path / "profiles", portal, f"learned_{family}")
    stored = crawl_with_profile(entry, f"learned_{family}", warehouse, tmp_path)
    truth = {a["url"]: a for a in articles}
    assert len(stored) == min(20, len(articles))
    for url, title, published_at, extraction in stored:
        assert (title, extraction) == (truth[url]["title"], "profile")
        assert published_at.replace(second=0) == datetime.fromisoformat(truth[url]["published_at"]).replace(
            second=0
        )


@pytest.fixture(scope="module")
def learned_accuracy() -> dict:
    return learned_profile_accuracy(seed=3, scale=0.2)


@pytest.mark.parametrize("family", sorted({spec.family for spec in FAMILY_SETS["all"]}))
def test_a_profile_learned_from_five_pages_reads_the_rest_of_its_family(family, learned_accuracy):
    report = learned_accuracy[family]
    assert report["pages"] >= 20
    for field in LEARNED_FIELDS:
        assert report[field] >= 0.98, (family, field, report)


def test_too_few_examples_or_pages_without_an_article_are_refused_with_the_reason(tmp_path):
    page = Page("a.html", "file:///a.html", "<html><body><p>Trang chủ</p></body></html>")
    with pytest.raises(LearnError, match="3 to 10"):
        learn_profile([page, page], "x")
    with pytest.raises(LearnError, match="no title found on 3 of the 3 examples: a.html"):
        learn_profile([page, page, page], "x")
    with pytest.raises(LearnError, match="lowercase"):
        learn_profile([page] * 3, "My Profile")


@pytest.mark.parametrize(
    ("line", "other_page", "expected"),
    [
        (
            "Thời gian đăng: 24/06/2021 03:43:03 PM - Lượt đọc: 12",
            "Thời gian đăng: 01/02/2022 09:05:00 AM - Lượt đọc: 7",
            (2022, 2, 1, 9, 5),
        ),
        ("Ngày đăng: 14/03/2024 | 16:05", "Ngày đăng: 02/01/2025 | 07:30", (2025, 1, 2, 7, 30)),
        ("(Ngày đăng: 28/12/2023 - 10:15)", "(Ngày đăng: 05/11/2023 - 23:59)", (2023, 11, 5, 23, 59)),
        ("Thứ Ba, 12/11/2024, 07:58 [GMT+7]", "Chủ nhật, 17/11/2024, 18:02 [GMT+7]", (2024, 11, 17, 18, 2)),
        ("20/09/2025 08:15:00", "1/10/2025 14:00:59", (2025, 10, 1, 14, 0)),
        ("Cập nhật lúc 16:05 ngày 14/03/2024", "Cập nhật lúc 9:40 ngày 2/4/2024", (2024, 4, 2, 9, 40)),
        (
            "Được đăng: Thứ hai, 05 Tháng 5 2025 08:00",
            "Được đăng: Chủ nhật, 11 Tháng 5 2025 19:45",
            (2025, 5, 11, 19, 45),
        ),
        ("2024-03-14T16:05:00+07:00", "2024-12-01T06:30:00+07:00", (2024, 12, 1, 6, 30)),
    ],
)
def test_a_posting_line_seen_once_becomes_rules_that_read_other_pages(line, other_page, expected):
    (shape,) = date_shapes(line)
    patterns, formats = date_patterns([shape])
    found = find_datetime(other_page, patterns, formats)
    assert found is not None and found[0].timetuple()[:5] == expected


def test_view_counters_either_way_round_and_vietnamese_am_pm_is_refused():
    assert counter_values("Lượt xem: 1.234 | Hits: 56") == [("Lượt xem", 1234, True), ("Hits", 56, True)]
    assert counter_values("12/03/2024 - 5,678 lượt đọc") == [("lượt đọc", 5678, False)]
    assert re.search(counter_pattern(["lượt đọc"], label_first=False), "98 lượt đọc").group("value") == "98"
    assert VIETNAMESE_AMPM.search("22/12/2023 2:35:10 CH") and not VIETNAMESE_AMPM.search("22/12/2023 14:35")
