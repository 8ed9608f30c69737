"""The analytics views on a planted warehouse whose answers are known (see planted.py), on both
backends (a DuckDB file, a DuckLake)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from datetime import timedelta

import duckdb
import pytest
from planted import (
    CHAIN,
    COVID_PLAIN_URL,
    EDITED_TITLE_SUFFIX,
    FIRST_CRAWL,
    LOCAL,
    ORIGINAL_URL,
    PUBLISHED,
    REMOVED_URL,
    SECOND_CRAWL,
    SOURCES,
    plant,
)

from portalwatch.lake import EXTENSIONS, extension_file
from portalwatch.model import PortalCrawl
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse

VIEWS = (
    "daily_publications",
    "monthly_publications",
    "edit_log",
    "removed_articles",
    "text_matches",
    "republications",
    "topic_articles",
    "view_trajectories",
    "source_freshness",
)


@pytest.fixture(scope="module", params=["file", pytest.param("ducklake", marks=pytest.mark.ducklake)])
def planted_warehouse(request, tmp_path_factory):
    if request.param == "file":
        store = Warehouse(tmp_path_factory.mktemp("planted") / "warehouse.duckdb")
    else:
        store = Warehouse(request.getfixturevalue("fresh_lake")())
    store.migrate()
    yield store, plant(store)
    close_sessions()


def rows(store: Warehouse, sql: str, parameters: list | None = None) -> list[dict]:
    with store.connect(read_only=True) as con:  # on a DuckLake, the latest snapshot
        cursor = con.execute(sql, parameters or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]


def test_the_republication_chain_is_found_with_its_lags(planted_warehouse):
    store, planted = planted_warehouse
    found = {row["source_id"]: row for row in rows(store, "SELECT * FROM republications")}
    assert set(found) == set(CHAIN)
    for source_id, (lag_hours, new_heading, near_only) in CHAIN.items():
        row = found[source_id]
        assert row["original_url"] == ORIGINAL_URL
        assert row["original_source_id"] == "tinh" and row["original_level"] == "province"
        assert row["url"] == planted.urls[source_id]
        assert row["level"] == SOURCES[source_id].level
        assert row["lag"] == timedelta(hours=lag_hours)
        assert row["lag_hours"] == pytest.approx(lag_hours)
        assert row["title_changed"] is new_heading
        assert row["same_text"] is (not near_only)
        if near_only:
            assert 0.7 <= row["similarity"] < 1.0
        else:
            assert row["similarity"] == 1.0


def test_only_the_chain_matches_across_portals(planted_warehouse):
    store, planted = planted_warehouse
    chain_ids = {
        row["article_id"]
        for row in rows(
            store,
            "SELECT article_id FROM articles WHERE url IN (SELECT unnest(?))",
            [list(planted.urls.values())],
        )
    }
    matches = rows(store, "SELECT article_id, matched_article_id FROM text_matches")
    assert {(m["article_id"], m["matched_article_id"]) for m in matches} == {
        (a, b) for a in chain_ids for b in chain_ids if a != b
    }


def test_edit_log_names_the_edit_and_its_delay(planted_warehouse):
    store, planted = planted_warehouse
    (edit,) = rows(store, "SELECT * FROM edit_log")
    original = planted.records[ORIGINAL_URL]
    assert edit["url"] == ORIGINAL_URL and edit["version"] == 2
    assert edit["changed_fields"] == ["title"]
    assert edit["old_title"] == original.title
    assert edit["new_title"] == original.title + EDITED_TITLE_SUFFIX
    assert edit["since_publication"] == SECOND_CRAWL - PUBLISHED
    assert edit["since_first_seen"] == SECOND_CRAWL - FIRST_CRAWL  # the original was the first page read
    assert edit["since_previous_version"] == SECOND_CRAWL - FIRST_CRAWL


def test_removed_articles_lists_the_page_taken_down(planted_warehouse):
    store, planted = planted_warehouse
    (removed,) = rows(store, "SELECT * FROM removed_articles")
    assert removed["url"] == REMOVED_URL
    assert removed["removed_at"] == SECOND_CRAWL
    assert removed["published_for"] == SECOND_CRAWL - planted.records[REMOVED_URL].published_at


def fold(text: str) -> str:
    """Lowercase, no diacritics, đ as d, words separated by single spaces, padded."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    plain = "".join(
        ch if ch.isascii() and ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return f" {' '.join(plain.split())} "


def test_topics_match_with_and_without_diacritics(planted_warehouse):
    store, _ = planted_warehouse
    with store.connect() as con:
        con.execute(
            "INSERT INTO topic_keywords VALUES ('thien tai', 'phong chong thien tai'), ('thien tai', 'lũ ống')"
        )
    try:
        keywords = rows(store, "SELECT topic, keyword FROM topic_keywords")
        articles = rows(store, "SELECT article_id, url, title, lead, body_text FROM articles")
        expected = {}
        for article in articles:
            text = fold(f"{article['title']} {article['lead'] or ''} {article['body_text']}")
            for k in keywords:
                if fold(k["keyword"]) in text:
                    expected.setdefault((k["topic"], article["url"]), set()).add(k["keyword"])
        found = {
            (r["topic"], r["url"]): set(r["matched_keywords"])
            for r in rows(store, "SELECT * FROM topic_articles")
        }
        assert found == expected
        # The page written without diacritics matches keywords written with them ...
        assert found[("covid-19", COVID_PLAIN_URL)] == {"COVID", "giãn cách xã hội", "Chỉ thị số 16/CT-TTg"}
        # ... and a keyword written without diacritics matches the planted chain's text with them.
        chain_topic = {url for topic, url in found if topic == "thien tai"}
        assert ORIGINAL_URL in chain_topic and len(chain_topic) >= 4
    finally:
        with store.connect() as con:
            con.execute("DELETE FROM topic_keywords WHERE topic = 'thien tai'")


def test_view_trajectories_follow_the_counter(planted_warehouse):
    store, _ = planted_warehouse
    trajectory = rows(
        store, "SELECT * FROM view_trajectories WHERE url = ? ORDER BY observed_at", [ORIGINAL_URL]
    )
    assert [t["view_count"] for t in trajectory] == [100, 400]
    assert [t["views_gained"] for t in trajectory] == [None, 300]
    assert trajectory[1]["since_previous"] == SECOND_CRAWL - FIRST_CRAWL
    days = (SECOND_CRAWL - PUBLISHED).total_seconds() / 86400
    assert trajectory[1]["days_since_publication"] == pytest.approx(days)
    assert trajectory[1]["views_per_day"] == pytest.approx(400 / days)


def test_publication_volume_per_day_and_month(planted_warehouse):
    store, planted = planted_warehouse
    source_of = {row["url"]: row["source_id"] for row in rows(store, "SELECT url, source_id FROM articles")}
    local_days = Counter(
        (source_of[url], r.published_at.astimezone(LOCAL).date()) for url, r in planted.records.items()
    )
    daily = {
        (r["source_id"], r["day"]): r["articles"] for r in rows(store, "SELECT * FROM daily_publications")
    }
    assert daily == dict(local_days)
    months = Counter(
        (source, day.replace(day=1)) for (source, day), n in local_days.items() for _ in range(n)
    )
    monthly = rows(store, "SELECT * FROM monthly_publications")
    assert {(r["source_id"], r["month"]): r["articles"] for r in monthly} == dict(months)
    removed = {(r["source_id"], r["month"]): r["removed_since"] for r in monthly if r["removed_since"]}
    assert removed == {
        ("huyen-b", planted.records[REMOVED_URL].published_at.astimezone(LOCAL).date().replace(day=1)): 1
    }


def test_source_freshness(planted_warehouse):
    store, planted = planted_warehouse
    fresh = {r["source_id"]: r for r in rows(store, "SELECT * FROM source_freshness")}
    assert set(fresh) == set(SOURCES)
    source_of = {row["url"]: row["source_id"] for row in rows(store, "SELECT url, source_id FROM articles")}
    for source_id, row in fresh.items():
        published = [r.published_at for url, r in planted.records.items() if source_of[url] == source_id]
        assert row["newest_published_at"] == max(published)
        assert row["level"] == SOURCES[source_id].level
    assert fresh["huyen-b"]["removed_articles"] == 1
    assert fresh["xa-c"]["last_run_failed_fetches"] == 1 and fresh["xa-c"]["last_run_fetches"] == 1
    assert fresh["xa-c"]["last_fetch_at"] == SECOND_CRAWL
    assert fresh["xa-c"]["last_ok_fetch_at"] < SECOND_CRAWL
    assert fresh["tinh"]["newest_age_at_last_crawl"] == SECOND_CRAWL - PUBLISHED


def test_every_version_gets_a_fingerprint_and_missing_ones_are_caught_up(any_warehouse):
    store = any_warehouse  # on the DuckDB file and on a DuckLake
    plant(store)
    count = "SELECT (SELECT count(*) FROM article_versions), (SELECT count(*) FROM text_fingerprints)"
    versions, fingerprints = rows(store, count)[0].values()
    assert versions == fingerprints > 0
    # As after upgrading a warehouse filled before the fingerprints existed:
    with store.connect() as con:
        con.execute("DELETE FROM text_fingerprints WHERE source_id = 'tinh'")
    originals = "SELECT DISTINCT original_source_id AS source_id FROM republications"
    assert rows(store, originals) == [{"source_id": "huyen-a"}]  # the province's copy is not known yet
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCES["xa-c"]))
    assert list(rows(store, count)[0].values()) == [versions, versions]
    assert rows(store, originals) == [{"source_id": "tinh"}]
    assert rows(store, "SELECT count(*) AS n FROM republications")[0]["n"] == len(CHAIN)


def test_views_answer_in_a_plain_duckdb_connection(planted_warehouse):
    """No portalwatch code, no extension loading beyond DuckDB's built-ins (a DuckLake: beyond the
    ducklake, postgres and httpfs extensions its catalog and data need)."""
    store, _ = planted_warehouse
    config = {"autoload_known_extensions": False, "autoinstall_known_extensions": False}
    with duckdb.connect(
        ":memory:" if store.lake else str(store.path), read_only=not store.lake, config=config
    ) as con:
        if store.lake:
            for name in EXTENSIONS:
                con.execute(f"INSTALL '{extension_file(name)}'")
                con.execute(f"LOAD {name}")
            con.execute(f"ATTACH 'ducklake:postgres:{store.lake.catalog_dsn}' AS lake (READ_ONLY)")
            con.execute("USE lake")
        for view in VIEWS:
            assert con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] > 0, view
