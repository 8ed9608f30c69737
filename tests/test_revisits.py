"""Revisits: the adaptive schedule, the per-run budget, and conditional requests (ETag /
Last-Modified, 304 recorded as unchanged against the stored state of that URL)."""

from __future__ import annotations

import asyncio
import shutil
import unicodedata
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from crawling import crawl_into, politeness, query, truth_of

from portalwatch import pipeline
from portalwatch.charset import decode_html
from portalwatch.config import RevisitPolicy, load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.model import KnownKeys
from portalwatch.pipeline import run_portal
from portalwatch.schedule import ArticleSchedule, due_for_revisit, initial_interval, next_interval
from portalwatch.storage import crawlstate
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

PORTAL = "muongang"
NOW = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)
POLICY = RevisitPolicy(
    min_interval_hours=1,
    max_interval_days=30,
    age_factor=0.05,
    increase_rate=0.4,
    decrease_rate=0.2,
    budget=3,
)


def test_young_articles_start_with_short_intervals_old_ones_with_long_ones():
    day_old = initial_interval(NOW - timedelta(days=1), NOW, POLICY)
    year_old = initial_interval(NOW - timedelta(days=365), NOW, POLICY)
    assert day_old == timedelta(days=1) * 0.05
    assert year_old == timedelta(days=365) * 0.05
    assert initial_interval(NOW - timedelta(minutes=5), NOW, POLICY) == timedelta(hours=1)  # the minimum
    assert initial_interval(NOW - timedelta(days=3650), NOW, POLICY) == timedelta(days=30)  # the maximum


def test_the_interval_shrinks_on_change_and_grows_otherwise_within_bounds():
    published = NOW - timedelta(days=2)
    previous = timedelta(hours=10)
    assert next_interval(previous, True, published, NOW, POLICY) == timedelta(hours=8)
    assert next_interval(previous, False, published, NOW, POLICY) == timedelta(hours=14)
    assert next_interval(timedelta(hours=1), True, published, NOW, POLICY) == timedelta(hours=1)
    assert next_interval(timedelta(days=29), False, published, NOW, POLICY) == timedelta(days=30)
    # An old article that stays the same falls back to at least its age's share.
    old = NOW - timedelta(days=400)
    assert next_interval(timedelta(hours=2), False, old, NOW, POLICY) == timedelta(days=20)


def test_due_articles_come_longest_overdue_first_within_the_budget():
    def article(name: str, due_hours_ago: float) -> ArticleSchedule:
        return ArticleSchedule(
            name,
            f"/a/{name}",
            "h",
            False,
            NOW - timedelta(days=30),
            NOW - timedelta(days=1),
            interval=timedelta(hours=5),
            next_revisit_at=NOW - timedelta(hours=due_hours_ago),
        )

    articles = [article("a", 1), article("b", 30), article("c", -2), article("d", 5), article("e", 10)]
    assert [a.article_id for a in due_for_revisit(articles, NOW, POLICY)] == ["b", "e", "d"]
    assert [a.article_id for a in due_for_revisit(articles, NOW, POLICY, exclude={"b"})] == ["e", "d", "a"]
    # Without a schedule yet, an article is due its age's share after it was last seen.
    unscheduled = ArticleSchedule("f", "/a/f", "h", False, NOW - timedelta(days=126), NOW - timedelta(days=6))
    assert unscheduled.due_at(POLICY) == NOW  # 120 days old when last seen: due 6 days later


def windows_1258(text: str) -> bytes:
    """Vietnamese as old Windows portals encode it: precomposed vowels, combining tone marks."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    letters = []
    for char in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", char)
        base = "".join(c for c in parts if c not in tones)
        letters.append(unicodedata.normalize("NFC", base) + "".join(c for c in parts if c in tones))
    return "".join(letters).encode("cp1258")


def test_charset_from_header_meta_or_detection():
    text = (
        "Huyện Mường Ảng triển khai các biện pháp cấp bách phòng, chống dịch Covid-19 trên địa bàn. "
        "Ủy ban nhân dân huyện yêu cầu các cơ quan, đơn vị thực hiện nghiêm. "
    ) * 3
    page = f"<html><head><meta charset='windows-1252'></head><body>{text}</body></html>"
    # UTF-8 declared as windows-1252 (header and meta): the bytes are valid UTF-8, and UTF-8 wins.
    assert decode_html(page.encode("utf-8"), "windows-1252") == (page, "utf-8")
    # A windows-1258 page, right in its meta tag, wrong in (or missing from) its header.
    legacy = f"<html><head><meta http-equiv='Content-Type' content='text/html; charset=windows-1258'></head><body>{text}</body></html>"
    for declared in (None, "utf-8", "windows-1258"):
        decoded, charset = decode_html(windows_1258(legacy), declared)
        assert unicodedata.normalize("NFC", decoded) == legacy and charset == "cp1258"
    # No declaration at all: detection.
    decoded, charset = decode_html(windows_1258(text), None)
    assert unicodedata.normalize("NFC", decoded) == text and charset == "cp1258"


def test_conditional_revisits_record_304_as_unchanged_against_the_stored_state(
    start_simulator, any_warehouse, tmp_path
):
    warehouse = any_warehouse  # on the DuckDB file and on a DuckLake
    sim = start_simulator(validators=True)
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    first, loaded = crawl_into(config, PORTAL, warehouse)
    stored = loaded.created
    assert stored > 0
    assert query(warehouse, "SELECT count(*) FROM article_fetch_state WHERE etag IS NOT NULL")[0][0] == stored

    # One article's validators no longer belong to its stored version: it must be fetched in full.
    stale_id, stale_url = query(
        warehouse, "SELECT article_id, url FROM article_state ORDER BY article_id LIMIT 1"
    )[0]
    with warehouse.connect() as con:
        con.execute(
            "UPDATE article_fetch_state SET validated_hash = 'from-an-older-parser' WHERE article_id = ?",
            [stale_id],
        )
    seen_before = dict(query(warehouse, "SELECT article_id, last_seen FROM article_state"))
    since = max(entry["seq"] for entry in sim.requests())

    second, summary = crawl_into(config, PORTAL, warehouse, revisit="all")
    assert second.outcome_counts.get("not_modified") == stored - 1
    assert summary.unchanged == stored and summary.created == summary.updated == summary.removed == 0
    log = [entry for entry in sim.requests(PORTAL, since=since) if "/tin-tuc/" in entry["path"]]
    assert sorted(entry["status"] for entry in log) == [200] + [304] * (stored - 1)
    conditional = dict(
        query(
            warehouse,
            "SELECT url, conditional FROM fetches WHERE run_id = "
            "(SELECT max(run_id) FROM fetches) AND kind = 'article'",
        )
    )
    assert conditional[stale_url] is False and sum(conditional.values()) == stored - 1
    assert query(warehouse, "SELECT count(*) FROM article_versions")[0][0] == stored
    seen_after = dict(query(warehouse, "SELECT article_id, last_seen FROM article_state"))
    assert all(seen_after[key] > seen_before[key] for key in seen_before)
    assert query(
        warehouse,
        "SELECT validated_hash = content_hash FROM article_fetch_state JOIN article_state "
        "USING (article_id) WHERE article_id = ?",
        [stale_id],
    ) == [(True,)]

    # Time passes; edited articles get a new ETag, answer 200 and become new versions.
    before = truth_of(sim, PORTAL)
    sim.advance(6)
    after = truth_of(sim, PORTAL)
    edited = {
        url
        for url, row in after.items()
        if url in before and row["version"] > before[url]["version"] and not row["removed"]
    }
    assert edited
    third, summary = crawl_into(config, PORTAL, warehouse, revisit="all")
    assert {url for change, url in summary.changes if change == "updated"} == edited


def test_due_revisits_take_the_longest_overdue_within_the_budget(start_simulator, warehouse, tmp_path):
    sim = start_simulator()
    config = sim.write_sources(tmp_path / "sources.toml", politeness(), revisit={"budget": 5})
    crawl_into(config, PORTAL, warehouse)
    # Young articles got shorter first intervals than old ones.
    by_age = query(
        warehouse,
        "SELECT f.revisit_interval_s FROM article_fetch_state f JOIN articles a USING (article_id) "
        "ORDER BY a.published_at DESC",
    )
    assert by_age[0][0] < by_age[-1][0]
    nothing, _ = crawl_into(config, PORTAL, warehouse, revisit="due")
    assert nothing.revisited == 0 and nothing.article_fetches == 0

    now = datetime.now(UTC)
    ids = [
        row[0]
        for row in query(warehouse, "SELECT article_id FROM article_fetch_state ORDER BY article_id LIMIT 8")
    ]
    with duckdb.connect(str(warehouse.path)) as con:
        for hours, key in enumerate(ids, start=1):
            con.execute(
                "UPDATE article_fetch_state SET next_revisit_at = ? WHERE article_id = ?",
                [now - timedelta(hours=hours), key],
            )
    intervals = dict(query(warehouse, "SELECT article_id, revisit_interval_s FROM article_fetch_state"))
    urls = dict(query(warehouse, "SELECT article_id, url FROM article_state"))

    crawl, summary = crawl_into(config, PORTAL, warehouse, revisit="due")
    most_overdue = ids[-5:]
    assert crawl.revisited == 5
    assert sorted(f.url for f in crawl.fetches if f.kind == "article") == sorted(
        urls[key] for key in most_overdue
    )
    assert summary.unchanged == 5 and summary.updated == 0
    after = dict(query(warehouse, "SELECT article_id, revisit_interval_s FROM article_fetch_state"))
    due_next = dict(query(warehouse, "SELECT article_id, next_revisit_at FROM article_fetch_state"))
    for key in most_overdue:
        assert after[key] > intervals[key]  # unchanged: the interval grew
        assert due_next[key] > now
    for key in ids[:3]:
        assert due_next[key] < now  # still due, next run


def test_a_portals_memory_is_read_whole_in_parts_holding_each_value_once(
    start_simulator, warehouse, tmp_path, monkeypatch
):
    # Read whole for each crawl (each chunk of a backfill) while other portals crawl: the known
    # articles and the schedules share their ids, URLs and hashes, and a run's instants.
    sim = start_simulator()
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl_into(config, PORTAL, warehouse)
    monkeypatch.setattr(crawlstate, "READ_ROWS", 7)  # many parts, one of them short
    known, state = warehouse.known_articles(PORTAL), warehouse.portal_state(PORTAL)
    stored = query(
        warehouse, "SELECT article_id, url, content_hash FROM article_state WHERE source_id = ?", [PORTAL]
    )
    assert len(stored) > 7 * 3 and len(stored) % 7
    assert {(k, a.url, a.content_hash) for k, a in known.items() if a.kind == "article"} == set(stored)
    assert set(state.articles) == {row[0] for row in stored}
    # The instants, read as microseconds and made datetimes once each, are the ones stored.
    instants = query(
        warehouse,
        "SELECT s.article_id, v.published_at, s.last_seen, f.next_revisit_at, f.last_checked_at "
        "FROM article_state AS s JOIN article_versions AS v ON v.article_id = s.article_id "
        "AND v.version = s.current_version JOIN article_fetch_state AS f ON f.article_id = s.article_id "
        "WHERE s.source_id = ?",
        [PORTAL],
    )
    assert len(instants) == len(stored) and all(row[3] and row[4] for row in instants)
    assert {
        (k, a.published_at, a.last_seen, a.next_revisit_at, a.last_checked_at)
        for k, a in state.articles.items()
    } == set(instants)
    for key, schedule in state.articles.items():
        assert schedule.url is known[key].url and schedule.content_hash is known[key].content_hash
    assert len({id(s.last_checked_at) for s in state.articles.values()}) == len(
        {s.last_checked_at for s in state.articles.values()}
    )
    # The ids alone, for a crawl that revisits nothing: the same pages, split the same way.
    keys = warehouse.known_keys(PORTAL)
    assert keys.articles == {k for k, a in known.items() if a.kind == "article"} == set(state.articles)
    assert keys == KnownKeys.of(state)
    # What a revisit asks of a page's current version, its schedule holds as the known article does.
    for key, schedule in [*state.articles.items(), *state.documents.items()]:
        current = known[key]
        assert (schedule.content_hash, schedule.removed, schedule.raw_hash, schedule.parser_version) == (
            current.content_hash,
            current.removed,
            current.raw_hash,
            current.parser_version,
        )
    assert all(s.raw_hash and s.parser_version for s in state.articles.values())
    assert keys.documents == {k for k, a in known.items() if a.kind == "document"}
    assert keys.documents and not keys.documents & keys.articles
    memory = {key: key for key in state.articles}
    assert all(memory[key] is key for key in keys.articles)


def test_a_backfill_chunk_reads_no_article_schedule_nor_more_than_known_ids_and_records_what_a_full_read_would(
    start_simulator, tmp_path, monkeypatch
):
    # A chunk that fetches no known article again looks up no schedule and nothing of a known
    # page but its id: it reads only those (every chunk read the whole portal's), and what it
    # records is the same.
    sim = start_simulator()
    config = load_sources(sim.write_sources(tmp_path / "sources.toml", politeness()))
    source = config.select([PORTAL])[0]
    section = source.sections[0].name
    now = datetime(2026, 6, 1, tzinfo=UTC)
    original, original_keys = Warehouse.portal_states, Warehouse.known_keys
    asked: list[bool] = []
    keys_read: list[str] = []

    def recorded(self, source_ids, article_schedules=True):
        asked.append(article_schedules)
        return original(self, source_ids, article_schedules)

    def recorded_keys(self, source_id):
        keys_read.append(source_id)
        return original_keys(self, source_id)

    def whole(self, source_ids, article_schedules=True):
        return original(self, source_ids, True)

    tables = {}
    for name, reading, known in (
        ("lean", recorded, recorded_keys),
        ("whole", whole, Warehouse.known_articles),
    ):
        monkeypatch.setattr(Warehouse, "portal_states", reading)
        monkeypatch.setattr(Warehouse, "known_keys", known)
        warehouse = Warehouse(tmp_path / f"{name}.duckdb")
        warehouse.migrate()
        raw = RawStore(tmp_path / f"raw-{name}")
        fetched = []
        for pages in (range(1, 2), range(1, 3)):  # the second chunk lists the first's articles again
            run_id = warehouse.start_run("backfill", {})
            crawl, _ = asyncio.run(
                run_portal(
                    source, config, warehouse, raw, run_id, Revisit.NONE, pages={section: pages}, now=now
                )
            )
            fetched.append(len(crawl.observations))
        tables[name] = (
            fetched,
            query(
                warehouse, "SELECT article_id, url, content_hash, removed_at FROM article_state ORDER BY 1"
            ),
            query(
                warehouse,
                # the interval counts from when the page was fetched: to the hour
                "SELECT article_id, checks, changes_seen, failed_checks, round(revisit_interval_s / 3600) "
                "FROM article_fetch_state ORDER BY 1",
            ),
        )
    assert asked == [False, False]
    assert keys_read == [source.id, source.id]
    assert tables["lean"] == tables["whole"]
    fetched, articles, schedules = tables["lean"]
    assert fetched[0] > 0 and fetched[1] > 0  # the second chunk fetched only its new page's articles
    assert len(articles) == len(schedules) == sum(fetched)


def test_crawls_that_start_together_read_their_memories_together_and_each_gets_its_own(
    start_simulator, warehouse, tmp_path, monkeypatch
):
    # A run's crawls start together: their memories are read in the statements of one read, and
    # each is what reading its portal alone gives (schedules, documents, frontier, walks).
    sim = start_simulator(faults="maintenance")  # pages that fail twice wait in the frontier
    config = load_sources(sim.write_sources(tmp_path / "sources.toml", politeness()))
    run_id = warehouse.start_run("test", {})
    raw = RawStore(tmp_path / "raw")

    async def crawl_all():
        await asyncio.gather(*(run_portal(s, config, warehouse, raw, run_id) for s in config.sources))

    asyncio.run(crawl_all())
    ids = [source.id for source in config.sources]
    alone = {source_id: warehouse.portal_state(source_id) for source_id in ids}
    assert all(state.articles and state.walks for state in alone.values())
    assert any(state.frontier for state in alone.values()) and any(
        state.documents for state in alone.values()
    )
    original = Warehouse.portal_states
    reads: list[list[str]] = []

    def recorded(self, source_ids, article_schedules=True):
        reads.append(list(source_ids))
        return original(self, source_ids, article_schedules)

    monkeypatch.setattr(Warehouse, "portal_states", recorded)

    async def together():
        return await asyncio.gather(*(pipeline._portal_state(warehouse, i) for i in [*ids, ids[0]]))

    states = asyncio.run(together())
    assert reads == [ids, [ids[0]]]  # a portal asked for twice at once is read twice
    assert states[:-1] == [alone[source_id] for source_id in ids]
    assert states[-1] == states[0] and states[-1] is not states[0]
    lean = original(warehouse, ids, article_schedules=False)
    assert lean == {source_id: warehouse.portal_state(source_id, False) for source_id in ids}
    assert not any(state.articles for state in lean.values())


def test_a_crawl_that_revisits_known_pages_refuses_to_start_from_their_ids_alone(
    start_simulator, warehouse, tmp_path
):
    # Revisiting every page, or every listed one, needs each known page's URL and current version:
    # ids alone would quietly revisit nothing. (A due revisit finds them in the schedules.)
    sim = start_simulator()
    config = load_sources(sim.write_sources(tmp_path / "sources.toml", politeness()))
    source = config.select([PORTAL])[0]
    keys = warehouse.known_keys(PORTAL)
    for revisit in (Revisit.ALL, Revisit.LISTED):
        with pytest.raises(ValueError, match=f"{PORTAL}: a crawl that revisits pages \\({revisit.value}\\)"):
            asyncio.run(crawl_portal(source, config, keys, RawStore(tmp_path / "raw"), revisit))
    crawl = asyncio.run(crawl_portal(source, config, keys, RawStore(tmp_path / "raw"), Revisit.NONE))
    assert crawl.fetches


def test_a_due_run_reads_only_the_crawl_memory_and_records_what_reading_the_known_articles_would(
    start_simulator, tmp_path, monkeypatch
):
    # The schedules name every known page and hold what a revisit asks of its current version:
    # a due run reads nothing else, and records what it did when it read the known articles too.
    sim = start_simulator()
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    first = Warehouse(tmp_path / "lean" / "warehouse.duckdb")
    first.migrate()
    crawl_into(config, PORTAL, first)
    shutil.copytree(tmp_path / "lean", tmp_path / "whole")
    later = datetime.now(UTC) + timedelta(days=90)  # every article due: the budget picks
    original = Warehouse.known_articles
    read: list[str] = []

    def recorded(self, source_id):
        read.append(self.path.parent.name)
        return original(self, source_id)

    async def whole(warehouse, source_id, revisit, article_schedules=True):
        return await asyncio.gather(
            asyncio.to_thread(warehouse.known_articles, source_id),
            asyncio.to_thread(warehouse.portal_state, source_id, article_schedules),
        )

    monkeypatch.setattr(Warehouse, "known_articles", recorded)
    results = {}
    for name in ("lean", "whole"):
        if name == "whole":
            monkeypatch.setattr(pipeline, "_memory", whole)
        warehouse = Warehouse(tmp_path / name / "warehouse.duckdb")
        crawl, summary = crawl_into(config, PORTAL, warehouse, revisit="due", now=later)
        unparsed = sum(1 for o in crawl.observations if o.record is None)
        results[name] = (
            crawl.revisited,
            unparsed,
            summary.unchanged,
            summary.updated,
            query(
                warehouse,
                "SELECT article_id, url, content_hash, current_version, removed_at IS NULL FROM article_state ORDER BY 1",
            ),
            query(
                warehouse,
                "SELECT article_id, checks, changes_seen, failed_checks, round(revisit_interval_s / 3600) "
                "FROM article_fetch_state ORDER BY 1",
            ),
        )
    assert read == ["whole"]
    assert results["lean"] == results["whole"]
    revisited, _, unchanged, _, articles, schedules = results["lean"]
    assert revisited > 0 and unchanged > 0 and len(articles) == len(schedules)
