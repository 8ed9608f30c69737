"""Migration 14: article versions' long texts stored with FSST, on a warehouse that already holds
data (every row kept, the key still kept, analytics answering as before); nothing on a DuckLake."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest
from planted import FIRST_CRAWL, SOURCES, fetch, observation, plant

from portalwatch.lake import LakeSpec
from portalwatch.model import PortalCrawl
from portalwatch.record import ArticleRecord
from portalwatch.storage import schema
from portalwatch.storage.maintain import table_digests
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse

BOOKKEEPING = {"portalwatch_meta", "portalwatch_migrations"}
ANALYTICS = {
    "republications": "SELECT original_article_id, article_id, lag, similarity, same_text, title_changed "
    "FROM republications ORDER BY ALL",
    "text_matches": "SELECT * FROM text_matches ORDER BY ALL",
    "edit_log": "SELECT * FROM edit_log ORDER BY ALL",
    "articles": "SELECT * FROM articles ORDER BY ALL",
}


def before_014(monkeypatch) -> None:
    """Migrations as a portalwatch without migration 14 has them."""
    every = schema.migrations()
    monkeypatch.setattr(schema, "migrations", lambda: [(v, sql) for v, sql in every if v < 14])


def snapshot(store: Warehouse) -> tuple[dict, dict]:
    with store.connect(read_only=True) as con:
        digests = {name: d for name, d in table_digests(con).items() if name not in BOOKKEEPING}
        answers = {name: con.execute(sql).fetchall() for name, sql in ANALYTICS.items()}
    return digests, answers


def stored_compression(store: Warehouse, column: str) -> set[str]:
    with store.connect() as con:
        con.execute("CHECKPOINT")
        rows = con.execute(
            "SELECT DISTINCT compression FROM pragma_storage_info('article_versions') "
            "WHERE column_name = ? AND segment_type = 'VARCHAR'",
            [column],
        ).fetchall()
    return {row[0] for row in rows}


def load_repeated_titles(store: Warehouse, count: int, start: int) -> None:
    """`count` new articles of xa-c sharing one heading (a dictionary's best case)."""
    observations = [
        observation(
            "xa-c",
            f"http://xa-c.example/tin/lap-{n}.html",
            ArticleRecord(
                title="Thông báo lịch tiếp công dân",
                published_at=FIRST_CRAWL,
                body_text=f"Nội dung {n}",
                parser_version="test/1",
            ),
            FIRST_CRAWL,
        )
        for n in range(start, start + count)
    ]
    store.load_portal(
        store.start_run("ingest", {}),
        PortalCrawl(
            SOURCES["xa-c"], [fetch("xa-c", o.url, o.fetched_at) for o in observations], observations
        ),
    )


def test_a_warehouse_written_before_it_keeps_every_row_and_answers_the_same(tmp_path, monkeypatch):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    with monkeypatch.context() as patch:
        before_014(patch)
        assert store.migrate() == 13
        plant(store)
        load_repeated_titles(store, 300, 0)
        close_sessions()
    assert stored_compression(store, "title") == {"Dictionary"}
    before = snapshot(store)
    assert before[0]["article_versions"][0] > 300 and before[0]["text_fingerprints"][0] > 300
    assert before[1]["republications"] and before[1]["edit_log"]

    assert store.migrate() == 14
    assert snapshot(store) == before
    assert store.migrate() == 14  # once only
    assert snapshot(store) == before

    # New rows of the long texts go in with FSST, however much they repeat.
    load_repeated_titles(store, 300, 300)
    assert stored_compression(store, "title") == {"FSST"}
    # The key is kept as before: a version stored twice is refused.
    with store.connect() as con, pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO article_versions SELECT * FROM article_versions WHERE version = 1 LIMIT 1")
    # And the load's change tracking goes on: an edit adds version 2 and closes version 1.
    with store.connect(read_only=True) as con:
        (url,) = con.execute("SELECT url FROM article_versions ORDER BY url LIMIT 1").fetchone()
    edited = ArticleRecord(
        title="Thông báo đã sửa", published_at=FIRST_CRAWL, body_text="Nội dung mới", parser_version="test/1"
    )
    source_id = url.split("//")[1].split(".")[0]
    later = FIRST_CRAWL + timedelta(hours=1)
    summary = store.load_portal(
        store.start_run("ingest", {}),
        PortalCrawl(
            SOURCES[source_id], [fetch(source_id, url, later)], [observation(source_id, url, edited, later)]
        ),
    )
    assert summary.updated == 1
    with store.connect(read_only=True) as con:
        versions = con.execute(
            "SELECT version, valid_to IS NULL FROM article_versions WHERE url = ? ORDER BY version", [url]
        ).fetchall()
    assert versions == [(1, False), (2, True)]
    close_sessions()


@pytest.mark.ducklake
def test_a_ducklake_records_it_and_changes_nothing(lake_postgres, tmp_path, monkeypatch):
    spec = str(LakeSpec(lake_postgres.create_database("lake_migration_14"), str(tmp_path / "data")))
    store = Warehouse(spec)
    with monkeypatch.context() as patch:
        before_014(patch)
        assert store.migrate() == 13
        plant(store)
    before = snapshot(store)
    assert before[1]["republications"]
    assert store.migrate() == 14
    assert snapshot(store) == before
    with store.connect(read_only=True) as con:
        applied = [
            row[0] for row in con.execute("SELECT version FROM portalwatch_migrations ORDER BY 1").fetchall()
        ]
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%_014'"
        ).fetchone() == (0,)
    assert applied[-2:] == [13, 14]
    # Loads go on as before.
    new = ArticleRecord(
        title="Bài mới", published_at=FIRST_CRAWL, body_text="Nội dung", parser_version="test/1"
    )
    url = "http://xa-c.example/tin/moi.html"
    summary = store.load_portal(
        store.start_run("ingest", {}),
        PortalCrawl(
            SOURCES["xa-c"], [fetch("xa-c", url, FIRST_CRAWL)], [observation("xa-c", url, new, FIRST_CRAWL)]
        ),
    )
    assert summary.created == 1
    close_sessions()
