"""Migrations 14 and 15: how article versions' texts are stored, on a warehouse that already holds
data (every row kept, the key still kept, analytics answering as before); nothing on a DuckLake.
A warehouse file in DuckDB's older storage format is upgraded when a writer opens it, and its
article bodies, stored uncompressed there, are compressed by migration 15."""

from __future__ import annotations

import random
from datetime import timedelta

import duckdb
import pytest
from planted import FIRST_CRAWL, SOURCES, fetch, observation, plant

from portalwatch.lake import LakeSpec
from portalwatch.model import PortalCrawl
from portalwatch.record import ArticleRecord
from portalwatch.storage import schema, session
from portalwatch.storage.maintain import maintain_file, table_digests
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


@pytest.fixture(autouse=True)
def up_to_15(monkeypatch):
    """These are migrations 14 and 15 as they came: the migrations after 15 are left out
    (tests/test_history_keys.py takes the warehouse on from 15)."""
    before(monkeypatch, 16)


def before(monkeypatch, version: int) -> None:
    """Migrations as a portalwatch without migration `version` and those after it has them."""
    every = schema.migrations()
    monkeypatch.setattr(schema, "migrations", lambda: [(v, sql) for v, sql in every if v < version])


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


def storage_version(store: Warehouse) -> str:
    with store.connect(read_only=True) as con:
        (tags,) = con.execute(
            "SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
        ).fetchone()
    return tags["storage_version"]


def storage(store: Warehouse) -> tuple[int, int, int]:
    """The bytes of the file's blocks in use, of those DuckDB lists for article versions (not
    the blocks of strings it stores uncompressed), and of the versions' bodies as text."""
    with store.connect(read_only=True) as con:
        ((used, block_size),) = con.execute(
            "SELECT total_blocks - free_blocks, block_size FROM pragma_database_size() "
            "WHERE database_name = current_database()"
        ).fetchall()
        ((versions,),) = con.execute(
            "SELECT count(DISTINCT block_id) FROM pragma_storage_info('article_versions') WHERE block_id >= 0"
        ).fetchall()
        ((text,),) = con.execute("SELECT sum(strlen(body_text)) FROM article_versions").fetchall()
    return used * block_size, versions * block_size, text


WORDS = [
    "ủy",
    "ban",
    "nhân",
    "dân",
    "xã",
    "huyện",
    "tỉnh",
    "triển",
    "khai",
    "kế",
    "hoạch",
    "năm",
    "2025",
    "đồng",
    "bào",
    "hội",
    "nghị",
    "nông",
    "thôn",
    "mới",
]


def load_long_bodies(store: Warehouse, count: int, first: int = 0) -> None:
    """`count` new articles of xa-c whose bodies run to about 6 kB of text that does not repeat,
    as most article pages' do."""
    rng = random.Random(15 + first)
    observations = [
        observation(
            "xa-c",
            f"http://xa-c.example/tin/dai-{first + n}.html",
            ArticleRecord(
                title=f"Bài dài {first + n}",
                published_at=FIRST_CRAWL,
                body_text="\n\n".join(" ".join(rng.choices(WORDS, k=130)) for _ in range(8)),
                parser_version="test/1",
            ),
            FIRST_CRAWL,
        )
        for n in range(count)
    ]
    store.load_portal(
        store.start_run("ingest", {}),
        PortalCrawl(
            SOURCES["xa-c"], [fetch("xa-c", o.url, o.fetched_at) for o in observations], observations
        ),
    )


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
        before(patch, 14)
        assert store.migrate() == 13
        plant(store)
        load_repeated_titles(store, 300, 0)
        close_sessions()
    assert stored_compression(store, "title") == {"Dictionary"}
    held = snapshot(store)
    assert held[0]["article_versions"][0] > 300 and held[0]["text_fingerprints"][0] > 300
    assert held[1]["republications"] and held[1]["edit_log"]

    assert store.migrate() == 15
    assert snapshot(store) == held
    assert store.migrate() == 15  # once only
    assert snapshot(store) == held

    # New bodies go in with zstd, however short; DuckDB picks for the titles.
    load_repeated_titles(store, 300, 300)
    assert stored_compression(store, "body_text") == {"ZSTD"}
    assert stored_compression(store, "title") == {"Dictionary"}
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
        before(patch, 14)
        assert store.migrate() == 13
        plant(store)
    held = snapshot(store)
    assert held[1]["republications"]
    assert store.migrate() == 15
    assert snapshot(store) == held
    with store.connect(read_only=True) as con:
        applied = [
            row[0] for row in con.execute("SELECT version FROM portalwatch_migrations ORDER BY 1").fetchall()
        ]
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%_01_'"
        ).fetchone() == (0,)
    assert applied[-3:] == [13, 14, 15]
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


def test_a_file_in_the_older_storage_format_is_upgraded_and_its_bodies_compressed(tmp_path, monkeypatch):
    """A warehouse written before: DuckDB's v1.0 storage format, migrations up to 14, long bodies
    stored as they came. Opened by a writer, the file is upgraded to STORAGE_VERSION, migration 15
    compresses every body already stored, and maintenance gives the space back; no row changes."""
    store = Warehouse(tmp_path / "warehouse.duckdb")
    with monkeypatch.context() as patch:
        before(patch, 15)
        patch.setattr(session, "STORAGE_VERSION", "v0.10.2")
        assert store.migrate() == 14
        plant(store)
        load_long_bodies(store, 2000)
        close_sessions()
        assert storage_version(store) == "v1.0.0+"
        # What FSST leaves: bodies over about 4 kB, and the segments they are in, uncompressed.
        assert stored_compression(store, "body_text") == {"Uncompressed"}
        used_before, _, text = storage(store)
        assert text > 12_000_000
        close_sessions()
    held = snapshot(store)
    assert held[0]["article_versions"][0] > 2000

    assert store.migrate() == 15
    close_sessions()
    assert storage_version(store) == "v1.2.0+"
    assert stored_compression(store, "body_text") == {"ZSTD"}
    close_sessions()
    assert snapshot(store) == held
    result = maintain_file(store.path, min_free=0.2)
    assert result.rewritten
    used, versions, _ = storage(store)
    assert used_before - used > text / 2
    assert versions < text / 4
    assert result.after.bytes < result.before.bytes
    assert storage_version(store) == "v1.2.0+"
    assert snapshot(store) == held
    # Loads go on, their bodies compressed.
    load_long_bodies(store, 100, first=2000)
    close_sessions()
    assert stored_compression(store, "body_text") == {"ZSTD"}
    close_sessions()
    with store.connect(read_only=True) as con:
        (versions,) = con.execute("SELECT count(*) FROM article_versions").fetchone()
    assert versions == held[0]["article_versions"][0] + 100
    close_sessions()


def test_a_file_in_a_later_storage_format_keeps_it(tmp_path):
    """A warehouse a DuckDB client has since written in its latest storage format (later than
    STORAGE_VERSION, and DuckDB cannot lower a file's format) opens for loads as it is."""
    path = tmp_path / "warehouse.duckdb"
    store = Warehouse(path)
    assert store.migrate() == 15
    load_long_bodies(store, 20)
    close_sessions()
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{path}' AS w (STORAGE_VERSION 'latest')")
        con.execute("CREATE TABLE w.notes AS SELECT 'an analyst was here' AS note")
        con.execute("CHECKPOINT w")
    latest = storage_version(store)
    assert latest not in ("v1.0.0+", "v1.2.0+")
    load_long_bodies(store, 50, first=20)
    close_sessions()
    assert storage_version(store) == latest
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (70,)
    close_sessions()


def fsst_columns(store: Warehouse) -> set[tuple[str, str]]:
    """The (table, column) pairs with a segment DuckDB stored with FSST."""
    with store.connect(read_only=True) as con:
        tables = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {
            (table, column)
            for table in tables
            for (column,) in con.execute(
                f"SELECT DISTINCT column_name FROM pragma_storage_info('{table}') WHERE compression = 'FSST'"
            ).fetchall()
        }


def test_loads_leave_fsst_out_and_maintenance_uses_it(tmp_path):
    """A writer's checkpoints do not try FSST (its analysis was half a small load's commit);
    `warehouse maintain` writes its copy with every method, FSST among them where it wins (the
    articles' distinct URLs); the loads after it go on."""
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    plant(store)
    load_long_bodies(store, 1000)
    load_long_bodies(store, 1000, first=1000)
    close_sessions()
    assert fsst_columns(store) == set()
    held = snapshot(store)
    result = maintain_file(store.path, min_free=0.0)
    assert result.rewritten
    assert ("article_versions", "url") in fsst_columns(store)
    assert snapshot(store) == held
    load_long_bodies(store, 10, first=2000)
    close_sessions()
    with store.connect(read_only=True) as con:
        (versions,) = con.execute("SELECT count(*) FROM article_versions").fetchone()
    assert versions == held[0]["article_versions"][0] + 10
    close_sessions()
