"""A warehouse with a known story, loaded through Warehouse.load_portal.

A provincial article is republished by two district portals and a commune
portal at known lags: one district copy is word for word, one has a new heading,
and the commune copy has a new heading, no lead, one paragraph fewer and an
attribution line (a near-duplicate only). Around them, unrelated articles from
the same text generator; later, an edit, a removal and view counts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from portalwatch.model import FetchRow, Gone, Observation, PortalCrawl, SourceRow
from portalwatch.record import ArticleRecord, Image, article_id
from portalwatch.sim import corpus
from portalwatch.storage.warehouse import Warehouse

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
PUBLISHED = datetime(2025, 3, 1, 8, 0, tzinfo=LOCAL)
FIRST_CRAWL = datetime(2025, 3, 5, 1, 0, tzinfo=LOCAL)
SECOND_CRAWL = FIRST_CRAWL + timedelta(hours=6)

SOURCES = {
    "tinh": SourceRow("tinh", "Đảng bộ tỉnh", "province", "dcs_aspnet", "http://tinh.example"),
    "huyen-a": SourceRow("huyen-a", "Huyện A", "district", "district_portal", "http://huyen-a.example"),
    "huyen-b": SourceRow("huyen-b", "Huyện B", "district", "district_portal", "http://huyen-b.example"),
    "xa-c": SourceRow("xa-c", "Xã C", "commune", "joomla_commune", "http://xa-c.example"),
}

# The planted chain: source -> (lag behind the province in hours, heading changed, near-duplicate only).
CHAIN = {"huyen-a": (5.0, False, False), "huyen-b": (26.0, True, False), "xa-c": (74.5, True, True)}
ORIGINAL_URL = "http://tinh.example/tin-tuc/bai-goc-123.html"
EDITED_TITLE_SUFFIX = " (cập nhật)"
REMOVED_URL = "http://huyen-b.example/tin/khac-2.html"
COVID_PLAIN_URL = "http://xa-c.example/tin/khong-dau.html"
UNRELATED_PER_SOURCE = 3


@dataclass
class Planted:
    urls: dict[str, str] = field(default_factory=dict)  # source -> URL of its copy in the chain
    records: dict[str, ArticleRecord] = field(default_factory=dict)  # URL -> record as first loaded
    run_ids: list[str] = field(default_factory=list)


def _article(rng: random.Random, place: str, published_at: datetime) -> ArticleRecord:
    return ArticleRecord(
        title=corpus.title(rng, place),
        published_at=published_at,
        body_text="\n\n".join(corpus.paragraphs(rng, place, 6)),
        lead=corpus.lead(rng, place),
        byline=corpus.byline(rng, "province"),
        images=(Image("anh-1.jpg", corpus.caption(rng, place)),),
        parser_version="test/1",
    )


def observation(source_id: str, url: str, record: ArticleRecord, fetched_at: datetime) -> Observation:
    return Observation(
        article_id(source_id, url),
        url,
        record,
        record.content_hash,
        "raw-" + record.content_hash[:8],
        fetched_at,
    )


def fetch(source_id: str, url: str, fetched_at: datetime, outcome: str = "ok", status: int = 200) -> FetchRow:
    return FetchRow(source_id, url, "article", fetched_at, status, outcome, None, 1, 12.0, 2048, None)


def plant(warehouse: Warehouse) -> Planted:
    rng = random.Random("planted-republication")
    planted = Planted()
    original = _article(rng, "tỉnh Điện Biên", PUBLISHED)
    paragraphs = original.body_text.split("\n\n")
    copies = {"tinh": (ORIGINAL_URL, original)}
    for source_id, (lag, new_heading, near_only) in CHAIN.items():
        record = replace(
            original, published_at=PUBLISHED + timedelta(hours=lag), byline=f"Biên tập: {source_id}"
        )
        if new_heading:
            record = replace(record, title=f"{SOURCES[source_id].name}: {original.title.lower()}")
        if near_only:
            body = [original.lead, *paragraphs[:-1], "Theo Bùi Mai (Báo Điện Biên Phủ)"]
            record = replace(record, lead="", body_text="\n\n".join(body), images=())
        copies[source_id] = (f"http://{source_id}.example/tin/ban-sao-{source_id}.html", record)

    per_source: dict[str, list[tuple[str, ArticleRecord]]] = {source_id: [] for source_id in SOURCES}
    for source_id, (url, record) in copies.items():
        per_source[source_id].append((url, record))
        planted.urls[source_id] = url
    for source_id, source in SOURCES.items():
        for n in range(UNRELATED_PER_SOURCE):
            record = _article(rng, source.name, PUBLISHED - timedelta(days=3 * n + 1, hours=n))
            per_source[source_id].append((f"http://{source_id}.example/tin/khac-{n}.html", record))
    # Written without diacritics, as some portals do; the COVID-19 topic must still find it.
    plain = ArticleRecord(
        title="Xa C tang cuong phong chong dich COVID-19",
        published_at=PUBLISHED - timedelta(days=40),
        body_text="Thuc hien gian cach xa hoi theo Chi thi so 16/CT-TTg cua Thu tuong Chinh phu tu 0 gio.",
        lead="",
        parser_version="test/1",
    )
    per_source["xa-c"].append((COVID_PLAIN_URL, plain))

    first_run = warehouse.start_run("ingest", {"planted": True})
    for source_id, articles in per_source.items():
        observations = []
        for index, (url, record) in enumerate(articles):
            record = replace(record, view_count=100 + index)
            planted.records[url] = record
            observations.append(observation(source_id, url, record, FIRST_CRAWL + timedelta(minutes=index)))
        fetches = [fetch(source_id, o.url, o.fetched_at) for o in observations]
        warehouse.load_portal(first_run, PortalCrawl(SOURCES[source_id], fetches, observations))
    warehouse.finish_run(first_run, "completed", {})
    planted.run_ids.append(first_run)

    # Six hours later: the province edits its heading, huyen-b takes a page down,
    # counters move, and one fetch of xa-c fails.
    second_run = warehouse.start_run("ingest", {"planted": True, "revisit": "all"})
    edited = replace(original, title=original.title + EDITED_TITLE_SUFFIX, view_count=400)
    warehouse.load_portal(
        second_run,
        PortalCrawl(
            SOURCES["tinh"],
            [fetch("tinh", ORIGINAL_URL, SECOND_CRAWL)],
            [observation("tinh", ORIGINAL_URL, edited, SECOND_CRAWL)],
        ),
    )
    warehouse.load_portal(
        second_run,
        PortalCrawl(
            SOURCES["huyen-b"],
            [fetch("huyen-b", REMOVED_URL, SECOND_CRAWL, "gone", 404)],
            gone=[Gone(article_id("huyen-b", REMOVED_URL), REMOVED_URL, SECOND_CRAWL)],
        ),
    )
    warehouse.load_portal(
        second_run,
        PortalCrawl(SOURCES["xa-c"], [fetch("xa-c", COVID_PLAIN_URL, SECOND_CRAWL, "http_error", 503)]),
    )
    warehouse.finish_run(second_run, "completed", {})
    planted.run_ids.append(second_run)
    return planted
