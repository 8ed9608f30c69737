"""The warehouse: schema, runs, and the change-tracking load, on a real file (the core of it on
a DuckLake as well: the tests taking `any_warehouse`)."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import duckdb
import pytest
from crawling import query
from filelock import FileLock

from portalwatch.model import (
    FetchRow,
    Gone,
    ListingWalk,
    Observation,
    PortalCrawl,
    PortalStateUpdate,
    SectionMember,
    SourceRow,
)
from portalwatch.record import ArticleRecord, Image, article_id
from portalwatch.storage.load import load_portal
from portalwatch.storage.warehouse import Warehouse

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2025, 5, 5, 1, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCE = SourceRow(
    "tuachua",
    "Cổng thông tin điện tử huyện Tủa Chùa",
    "district",
    "district_portal",
    "https://tuachua.dienbien.gov.vn",
)
BASE = "https://tuachua.dienbien.gov.vn"

TABLE_COLUMNS = {
    "sources": ["source_id", "name", "level", "profile", "base_url", "updated_at"],
    "runs": ["run_id", "flow", "started_at", "finished_at", "status", "parameters", "summary"],
    "fetches": [
        "run_id",
        "source_id",
        "url",
        "kind",
        "fetched_at",
        "status",
        "outcome",
        "error",
        "attempts",
        "elapsed_ms",
        "bytes",
        "raw_hash",
    ],
    "article_versions": [
        "article_id",
        "source_id",
        "url",
        "version",
        "content_hash",
        "title",
        "published_at",
        "author",
        "byline",
        "lead",
        "body_text",
        "images",
        "valid_from",
        "valid_to",
        "run_id",
        "raw_hash",
        "parser_version",
    ],
    "article_state": [
        "article_id",
        "source_id",
        "url",
        "current_version",
        "content_hash",
        "first_seen",
        "last_seen",
        "removed_at",
    ],
    "changes": [
        "article_id",
        "source_id",
        "url",
        "change_type",
        "changed_fields",
        "old_content_hash",
        "new_content_hash",
        "version",
        "detected_at",
        "run_id",
    ],
    "view_counts": ["article_id", "observed_at", "view_count", "run_id"],
}
ARTICLES_VIEW_COLUMNS = [
    "article_id",
    "source_id",
    "url",
    "version",
    "content_hash",
    "title",
    "published_at",
    "author",
    "byline",
    "lead",
    "body_text",
    "images",
    "parser_version",
    "first_seen",
    "last_seen",
    "removed_at",
]
DATA_TABLES = ("sources", "fetches", "article_versions", "article_state", "changes", "view_counts")


# ------------------------------------------------------------------ helpers


def record(n: int = 1, **changes) -> ArticleRecord:
    base = ArticleRecord(
        title=f"Hội nghị triển khai nhiệm vụ năm 2025 số {n}",
        published_at=datetime(2025, 5, 4, 9, 30, 15, tzinfo=TZ),
        body_text=f"Đoạn một của bài {n}.\n\nĐoạn hai của bài {n}.",
        lead=f"Sáng 4/5, UBND huyện Tủa Chùa tổ chức hội nghị số {n}.",
        byline="Lò Văn Mừng - Trung tâm VH - TT - TH",
        author="Lò Văn Mừng",
        images=(Image("anh-1.jpg", "Toàn cảnh hội nghị."),),
        view_count=100 + n,
        parser_version="district_portal/1+1",
    )
    return dataclasses.replace(base, **changes)


def url_for(n: int) -> str:
    return f"{BASE}/tin-tuc/hoi-nghi-{n}-{1000 + n}.html"


def observe(n: int, at: datetime, rec: ArticleRecord | None = None) -> Observation:
    rec = rec or record(n)
    url = url_for(n)
    return Observation(article_id(SOURCE.source_id, url), url, rec, rec.content_hash, f"{n:064x}", at)


def gone(n: int, at: datetime) -> Gone:
    url = url_for(n)
    return Gone(article_id(SOURCE.source_id, url), url, at)


def fetch(
    url: str, at: datetime, kind: str | None = "article", status: int | None = 200, outcome: str = "ok"
) -> FetchRow:
    return FetchRow(SOURCE.source_id, url, kind, at, status, outcome, None, 1, 12.5, 2048, "ab" * 32)


def fetches_for(observations=(), gones=()) -> list[FetchRow]:
    rows = [fetch(o.url, o.fetched_at) for o in observations]
    rows += [fetch(g.url, g.fetched_at, status=404, outcome="gone") for g in gones]
    return rows


def load(warehouse: Warehouse, observations=(), gones=(), run_id: str = "run-1"):
    return warehouse.load_portal(
        run_id, PortalCrawl(SOURCE, fetches_for(observations, gones), list(observations), gone=list(gones))
    )


def count(warehouse: Warehouse, table: str) -> int:
    return query(warehouse, f"SELECT count(*) FROM {table}")[0][0]


def changes_of(warehouse: Warehouse, n: int) -> list[tuple]:
    return query(
        warehouse,
        "SELECT change_type, changed_fields, old_content_hash, new_content_hash, version, detected_at, run_id "
        "FROM changes WHERE article_id = ? ORDER BY detected_at, change_type",
        [article_id(SOURCE.source_id, url_for(n))],
    )


def versions_of(warehouse: Warehouse, n: int) -> list[tuple]:
    return query(
        warehouse,
        "SELECT version, content_hash, title, body_text, valid_from, valid_to FROM article_versions "
        "WHERE article_id = ? ORDER BY version",
        [article_id(SOURCE.source_id, url_for(n))],
    )


def state_of(warehouse: Warehouse, n: int) -> tuple | None:
    rows = query(
        warehouse,
        "SELECT current_version, content_hash, first_seen, last_seen, removed_at FROM article_state WHERE article_id = ?",
        [article_id(SOURCE.source_id, url_for(n))],
    )
    return rows[0] if rows else None


def snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    return {
        table: query(warehouse, f"SELECT * FROM {table} ORDER BY ALL") for table in DATA_TABLES + ("runs",)
    }


# ------------------------------------------------------------------ schema


def newest_migration() -> int:
    folder = resources.files("portalwatch.storage") / "migrations"
    numbers = [int(entry.name.split("_", 1)[0]) for entry in folder.iterdir() if entry.name.endswith(".sql")]
    assert 1 in numbers  # 001_initial.sql: schema version 1
    return max(numbers)


def test_migrate_creates_schema_and_records_its_version(tmp_path):
    warehouse = Warehouse(tmp_path / "sub" / "warehouse.duckdb")
    assert not (tmp_path / "sub").exists()
    version = warehouse.migrate()
    assert version == newest_migration() >= 1
    assert (tmp_path / "sub" / "warehouse.duckdb").is_file()
    meta = query(warehouse, "SELECT key, value FROM portalwatch_meta WHERE key = 'schema_version'")
    assert meta == [("schema_version", str(version))]
    assert count(warehouse, "article_versions") == 0


def test_migrate_is_idempotent(warehouse):
    version = newest_migration()
    load(warehouse, [observe(1, T0)])
    before = snapshot(warehouse)
    assert warehouse.migrate() == version
    assert warehouse.migrate() == version
    meta = query(warehouse, "SELECT key, value FROM portalwatch_meta WHERE key = 'schema_version'")
    assert meta == [("schema_version", str(version))]
    assert snapshot(warehouse) == before
    assert count(warehouse, "article_versions") == 1


def test_tables_and_view_have_the_documented_columns(warehouse):
    with warehouse.connect() as con:
        for table, columns in TABLE_COLUMNS.items():
            found = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            ).fetchall()
            # The documented columns, in order; later migrations may only append.
            assert [row[0] for row in found][: len(columns)] == columns, table
        kinds = dict(
            con.execute(
                "SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
        )
        found = con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'articles' ORDER BY ordinal_position"
        ).fetchall()
    assert [row[0] for row in found][: len(ARTICLES_VIEW_COLUMNS)] == ARTICLES_VIEW_COLUMNS
    assert kinds["articles"] == "VIEW"
    for table in TABLE_COLUMNS:
        assert kinds[table] == "BASE TABLE"


# ------------------------------------------------------------------ runs


def test_start_and_finish_run(warehouse):
    run_id = warehouse.start_run("ingest", {"sources": ["tuachua"], "revisit": "none"})
    rows = query(
        warehouse,
        "SELECT flow, status, parameters, finished_at, summary FROM runs WHERE run_id = ?",
        [run_id],
    )
    assert len(rows) == 1
    flow, status, parameters, finished_at, summary = rows[0]
    assert (flow, status, finished_at, summary) == ("ingest", "running", None, None)
    assert json.loads(parameters) == {"sources": ["tuachua"], "revisit": "none"}

    result = {"tuachua": {"created": 3, "updated": 1, "removed": 0, "note": "Tủa Chùa"}}
    warehouse.finish_run(run_id, "completed", result)
    [(status, summary, started_at, finished_at)] = query(
        warehouse, "SELECT status, summary, started_at, finished_at FROM runs WHERE run_id = ?", [run_id]
    )
    assert status == "completed"
    assert json.loads(summary) == result
    assert started_at <= finished_at

    other = warehouse.start_run("ingest", {})
    assert other != run_id
    assert count(warehouse, "runs") == 2


def test_run_ids_sort_in_the_order_runs_started_even_within_one_second(warehouse):
    # "The last run" is max(run_id) in the README's queries, in `status` and in the tests.
    started = [warehouse.start_run("ingest", {}) for _ in range(20)]
    assert sorted(started) == started
    assert query(warehouse, "SELECT max(run_id) FROM runs") == [(started[-1],)]
    # A clock that went back (NTP) does not reorder them either.
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("UPDATE runs SET started_at = started_at + INTERVAL 1 HOUR")
    later = warehouse.start_run("ingest", {})
    assert later > started[-1]


# ------------------------------------------------------------------ load


def test_first_load_creates_version_1(any_warehouse):
    warehouse = any_warehouse  # on the DuckDB file and on a DuckLake
    obs = observe(1, T0)
    summary = load(warehouse, [obs])
    assert (summary.created, summary.updated, summary.removed, summary.restored) == (1, 0, 0, 0)
    assert summary.changes == [("created", obs.url)]

    [(version, content_hash, title, body_text, valid_from, valid_to)] = versions_of(warehouse, 1)
    assert (version, content_hash, title, body_text) == (
        1,
        obs.content_hash,
        obs.record.title,
        obs.record.body_text,
    )
    assert (valid_from, valid_to) == (T0, None)
    assert changes_of(warehouse, 1) == [("created", None, None, obs.content_hash, 1, T0, "run-1")]
    assert state_of(warehouse, 1) == (1, obs.content_hash, T0, T0, None)

    [row] = query(
        warehouse,
        "SELECT url, title, published_at, author, byline, lead, images, parser_version, source_id, removed_at "
        "FROM articles",
    )
    assert row[0] == obs.url and row[1] == obs.record.title
    assert row[2] == obs.record.published_at
    assert row[3:6] == ("Lò Văn Mừng", obs.record.byline, obs.record.lead)
    assert json.loads(row[6]) == [{"src": "anh-1.jpg", "caption": "Toàn cảnh hội nghị."}]
    assert row[7:] == ("district_portal/1+1", "tuachua", None)
    assert query(warehouse, "SELECT * FROM sources")[0][:5] == dataclasses.astuple(SOURCE)[:5]


def test_same_hash_adds_nothing_and_moves_last_seen(warehouse):
    load(warehouse, [observe(1, T0)], run_id="run-1")
    recounted = observe(1, T0 + HOUR, record(1, view_count=999))  # only the counter moved
    summary = load(warehouse, [recounted], run_id="run-2")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 1)
    assert summary.changes == []
    assert len(versions_of(warehouse, 1)) == 1
    assert len(changes_of(warehouse, 1)) == 1
    assert state_of(warehouse, 1) == (1, recounted.content_hash, T0, T0 + HOUR, None)
    assert query(warehouse, "SELECT last_seen, first_seen FROM articles") == [(T0 + HOUR, T0)]


@pytest.mark.parametrize(
    ("edit", "fields"),
    [
        ({"title": "Hội nghị triển khai nhiệm vụ năm 2025 (đã sửa)"}, ["title"]),
        ({"body_text": "Đoạn một của bài 1.\n\nĐoạn hai đã sửa."}, ["body_text"]),
        ({"published_at": datetime(2025, 5, 4, 9, 31, 15, tzinfo=TZ)}, ["published_at"]),
        ({"images": (Image("anh-1.jpg", "Toàn cảnh hội nghị (ảnh mới)."),)}, ["images"]),
        ({"images": ()}, ["images"]),
        (
            {"lead": "Sapo mới.", "byline": "Theo Giàng A Páo", "author": "Giàng A Páo"},
            ["author", "byline", "lead"],
        ),
    ],
)
def test_changed_content_adds_version_2_and_an_update(warehouse, edit, fields):
    first = observe(1, T0)
    load(warehouse, [first], run_id="run-1")
    second = observe(1, T0 + HOUR, record(1, **edit))
    assert second.content_hash != first.content_hash
    summary = load(warehouse, [second], run_id="run-2")
    assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 0)
    assert summary.changes == [("updated", second.url)]

    versions = versions_of(warehouse, 1)
    assert [v[0] for v in versions] == [1, 2]
    assert versions[0][1] == first.content_hash and versions[1][1] == second.content_hash
    assert versions[0][4:] == (T0, T0 + HOUR)  # valid_to of v1 = valid_from of v2
    assert versions[1][4:] == (T0 + HOUR, None)

    updates = [c for c in changes_of(warehouse, 1) if c[0] == "updated"]
    assert updates == [("updated", fields, first.content_hash, second.content_hash, 2, T0 + HOUR, "run-2")]
    assert state_of(warehouse, 1) == (2, second.content_hash, T0, T0 + HOUR, None)
    assert query(warehouse, "SELECT version, content_hash FROM articles") == [(2, second.content_hash)]


def test_third_version_closes_only_the_second(warehouse):
    load(warehouse, [observe(1, T0)])
    load(warehouse, [observe(1, T0 + HOUR, record(1, title="Tiêu đề thứ hai của bài số 1"))])
    load(warehouse, [observe(1, T0 + 2 * HOUR, record(1, title="Tiêu đề thứ ba của bài số 1"))])
    versions = versions_of(warehouse, 1)
    assert [(v[0], v[4], v[5]) for v in versions] == [
        (1, T0, T0 + HOUR),
        (2, T0 + HOUR, T0 + 2 * HOUR),
        (3, T0 + 2 * HOUR, None),
    ]
    updates = [c for c in changes_of(warehouse, 1) if c[0] == "updated"]
    assert [(c[1], c[4]) for c in updates] == [(["title"], 2), (["title"], 3)]


def test_gone_removes_once(any_warehouse):
    warehouse = any_warehouse  # on the DuckDB file and on a DuckLake
    first = observe(1, T0)
    load(warehouse, [first, observe(2, T0)])
    summary = load(warehouse, gones=[gone(1, T0 + HOUR)], run_id="run-2")
    assert summary.removed == 1
    assert summary.changes == [("removed", first.url)]
    assert changes_of(warehouse, 1)[-1] == ("removed", None, first.content_hash, None, 1, T0 + HOUR, "run-2")
    assert state_of(warehouse, 1) == (1, first.content_hash, T0, T0, T0 + HOUR)  # last_seen unchanged
    assert query(warehouse, "SELECT url, removed_at FROM articles WHERE removed_at IS NOT NULL") == [
        (first.url, T0 + HOUR)
    ]
    assert state_of(warehouse, 2)[4] is None

    before = snapshot(warehouse)
    again = load(warehouse, gones=[gone(1, T0 + 2 * HOUR)], run_id="run-3")
    assert (again.removed, again.changes) == (0, [])
    after = snapshot(warehouse)
    assert after["changes"] == before["changes"]
    assert after["article_state"] == before["article_state"]
    assert after["article_versions"] == before["article_versions"]


def test_observing_a_removed_article_restores_it(warehouse):
    first = observe(1, T0)
    load(warehouse, [first])
    load(warehouse, gones=[gone(1, T0 + HOUR)])
    back = observe(1, T0 + 2 * HOUR)
    summary = load(warehouse, [back], run_id="run-3")
    assert (summary.restored, summary.updated, summary.created) == (1, 0, 0)
    assert summary.changes == [("restored", back.url)]
    assert [c[0] for c in changes_of(warehouse, 1)] == ["created", "removed", "restored"]
    restored = changes_of(warehouse, 1)[-1]
    assert restored[4:] == (1, T0 + 2 * HOUR, "run-3")
    assert state_of(warehouse, 1) == (1, first.content_hash, T0, T0 + 2 * HOUR, None)
    assert len(versions_of(warehouse, 1)) == 1
    assert query(warehouse, "SELECT removed_at FROM articles") == [(None,)]


def test_restored_with_new_content_is_restored_and_updated(warehouse):
    load(warehouse, [observe(1, T0)])
    load(warehouse, gones=[gone(1, T0 + HOUR)])
    back = observe(1, T0 + 2 * HOUR, record(1, body_text="Nội dung mới hoàn toàn.\n\nĐoạn hai."))
    summary = load(warehouse, [back])
    assert (summary.restored, summary.updated) == (1, 1)
    kinds = [(c[0], c[1], c[4]) for c in changes_of(warehouse, 1)]
    assert kinds[:2] == [("created", None, 1), ("removed", None, 1)]
    assert sorted(kinds[2:]) == [("restored", None, 1), ("updated", ["body_text"], 2)]
    assert state_of(warehouse, 1)[0] == 2 and state_of(warehouse, 1)[4] is None


def test_gone_for_unknown_article_adds_nothing(warehouse):
    load(warehouse, [observe(1, T0)])
    before = snapshot(warehouse)
    summary = load(warehouse, gones=[gone(7, T0 + HOUR)], run_id="run-2")
    assert (summary.removed, summary.changes) == (0, [])
    after = snapshot(warehouse)
    for table in ("article_versions", "article_state", "changes", "view_counts"):
        assert after[table] == before[table], table
    assert state_of(warehouse, 7) is None


def test_gone_and_observation_of_the_same_article_keeps_it(warehouse):
    load(warehouse, [observe(1, T0)])
    summary = load(warehouse, [observe(1, T0 + HOUR)], [gone(1, T0 + HOUR)])
    assert summary.removed == 0
    assert state_of(warehouse, 1)[4] is None


def test_view_counts_for_observations_with_a_counter(warehouse):
    with_counter = observe(1, T0)
    without = observe(2, T0, record(2, view_count=None))
    load(warehouse, [with_counter, without], run_id="run-1")
    load(warehouse, [observe(1, T0 + HOUR, record(1, view_count=250))], run_id="run-2")
    rows = query(
        warehouse, "SELECT article_id, observed_at, view_count, run_id FROM view_counts ORDER BY observed_at"
    )
    assert rows == [
        (with_counter.article_id, T0, 101, "run-1"),
        (with_counter.article_id, T0 + HOUR, 250, "run-2"),
    ]


def test_fetches_are_all_inserted_with_the_run_id(warehouse):
    observations = [observe(n, T0) for n in range(1, 4)]
    rows = fetches_for(observations) + [
        fetch(f"{BASE}/tin-tuc?page=1", T0, kind="listing"),
        FetchRow(
            "tuachua",
            f"{BASE}/tin-tuc/loi.html",
            "article",
            T0,
            None,
            "network_error",
            "timed out",
            4,
            30000.0,
            0,
            None,
        ),
    ]
    warehouse.load_portal("run-42", PortalCrawl(SOURCE, rows, observations))
    found = query(
        warehouse, "SELECT run_id, url, kind, status, outcome, error, attempts, bytes, raw_hash FROM fetches"
    )
    assert len(found) == len(rows) == 5
    assert {row[0] for row in found} == {"run-42"}
    assert sorted(row[1] for row in found) == sorted(row.url for row in rows)
    failed = [row for row in found if row[4] == "network_error"]
    assert failed == [
        ("run-42", f"{BASE}/tin-tuc/loi.html", "article", None, "network_error", "timed out", 4, 0, None)
    ]


def test_same_batch_twice_adds_no_version_and_no_change(any_warehouse):
    warehouse = any_warehouse  # on the DuckDB file and on a DuckLake
    load(warehouse, [observe(1, T0), observe(2, T0), observe(3, T0)], run_id="run-1")
    batch_obs = [
        observe(1, T0 + HOUR, record(1, title="Bài số 1 đã được sửa tiêu đề")),
        observe(4, T0 + HOUR),
        observe(2, T0 + HOUR),
    ]
    batch_gone = [gone(3, T0 + HOUR)]
    first = load(warehouse, batch_obs, batch_gone, run_id="run-2")
    assert (first.created, first.updated, first.removed, first.unchanged) == (1, 1, 1, 1)
    versions, changes = count(warehouse, "article_versions"), count(warehouse, "changes")
    state = query(
        warehouse,
        "SELECT article_id, current_version, content_hash, removed_at FROM article_state ORDER BY 1",
    )

    second = load(warehouse, batch_obs, batch_gone, run_id="run-3")
    assert (second.created, second.updated, second.removed, second.restored) == (0, 0, 0, 0)
    assert second.changes == []
    assert count(warehouse, "article_versions") == versions == 5
    assert count(warehouse, "changes") == changes == 3 + 3
    assert (
        query(
            warehouse,
            "SELECT article_id, current_version, content_hash, removed_at FROM article_state ORDER BY 1",
        )
        == state
    )
    assert query(warehouse, "SELECT count(*) FROM fetches WHERE run_id = 'run-3'") == [(4,)]


def test_duplicate_observations_in_one_batch_keep_the_last(warehouse):
    early = observe(1, T0)
    late = observe(1, T0 + HOUR, record(1, title="Tiêu đề cuối cùng của bài số 1"))
    summary = load(warehouse, [early, late])
    assert summary.created == 1
    assert [(v[0], v[2]) for v in versions_of(warehouse, 1)] == [(1, late.record.title)]


def test_two_crawls_of_one_portal_in_one_batch_load_as_one_after_the_other(tmp_path):
    def crawl(at: datetime, title: str, entries: int) -> PortalCrawl:
        observations = [observe(1, at, record(1, title=title)), observe(2, at)]
        walk = ListingWalk("tin-tuc", True, 1, 1, at, entries)
        member = SectionMember("tin-tuc", observations[0].article_id, "article", url_for(1), at)
        state = PortalStateUpdate(walks=[walk], members=[member])
        return PortalCrawl(SOURCE, fetches_for(observations), observations, state=state)

    crawls = [crawl(T0, "Tiêu đề đầu tiên của bài số 1", 2), crawl(T0 + HOUR, "Tiêu đề sau của bài số 1", 3)]
    together, in_turn = Warehouse(tmp_path / "together.duckdb"), Warehouse(tmp_path / "in-turn.duckdb")
    for store in (together, in_turn):
        store.migrate()
    batched = together.load_portals("run-1", crawls)
    alone = [in_turn.load_portal("run-1", crawl) for crawl in crawls]
    assert batched == alone
    assert [(s.created, s.updated, s.unchanged) for s in batched] == [(2, 0, 0), (0, 1, 1)]
    for sql in (
        "SELECT section, walked_at, entries FROM listing_walks",
        "SELECT section, item_id, first_listed_at, last_listed_at FROM section_members",
        "SELECT article_id, current_version, content_hash FROM article_state ORDER BY 1",
        "SELECT article_id, change_type, version FROM changes ORDER BY 1, 3",
    ):
        assert query(together, sql) == query(in_turn, sql)
    assert query(together, "SELECT entries FROM listing_walks") == [(3,)]


# ------------------------------------------------------------------ one transaction


def test_failed_load_leaves_the_warehouse_unchanged(warehouse):
    load(warehouse, [observe(1, T0), observe(2, T0)], run_id="run-1")
    warehouse.start_run("ingest", {})
    before = snapshot(warehouse)
    other_source = SourceRow("tuachua", "Tên đã đổi", "district", "district_portal", "https://new.example")
    observations = [observe(1, T0 + HOUR, record(1, title="Tiêu đề mới")), observe(3, T0 + HOUR)]
    rows = fetches_for(observations) + [fetch(f"{BASE}/tin-tuc?page=1", T0 + HOUR, kind=None)]
    with pytest.raises((duckdb.Error, ValueError)):
        warehouse.load_portal(
            "run-2", PortalCrawl(other_source, rows, observations, gone=[gone(2, T0 + HOUR)])
        )
    assert snapshot(warehouse) == before


def test_load_failing_late_is_rolled_back_entirely(any_warehouse):
    """A failure after versions, changes and states were written (at the view counts) undoes all of it."""
    warehouse = any_warehouse  # on the DuckDB file and on a DuckLake
    load(warehouse, [observe(1, T0), observe(2, T0)], run_id="run-1")
    before = snapshot(warehouse)
    observations = [
        observe(1, T0 + HOUR, record(1, title="Tiêu đề mới của bài số 1")),
        observe(3, T0 + HOUR, record(3, view_count="nhiều")),  # not a number: the last insert fails
    ]
    with pytest.raises((duckdb.Error, ValueError)):
        warehouse.load_portal(
            "run-2", PortalCrawl(SOURCE, fetches_for(observations), observations, gone=[gone(2, T0 + HOUR)])
        )
    assert snapshot(warehouse) == before
    # And the warehouse still works afterwards.
    summary = load(warehouse, [observe(3, T0 + 2 * HOUR)], run_id="run-3")
    assert summary.created == 1


def test_callers_waiting_in_one_process_take_over_the_open_connection(warehouse):
    """Loads that queue up together open (and checkpoint) the file once; the lock is freed after the last."""
    warehouse.migrate()
    holding, go_on = threading.Event(), threading.Event()
    connections = []

    def first() -> None:
        with warehouse.connect() as con:
            connections.append(con)
            holding.set()
            go_on.wait(10)
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status) VALUES ('r1', 'test', now(), 'running')"
            )

    def second() -> None:
        with warehouse.connect() as con:
            connections.append(con)
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status) VALUES ('r2', 'test', now(), 'running')"
            )

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    threads[0].start()
    assert holding.wait(10)
    threads[1].start()
    time.sleep(0.3)  # the second caller is now waiting for its turn
    go_on.set()
    for thread in threads:
        thread.join(10)
    assert len(connections) == 2 and connections[0] is connections[1]
    # Nobody waits any more: the connection is closed and other processes may take the lock.
    lock = FileLock(str(warehouse.path) + ".lock")
    lock.acquire(timeout=0)
    lock.release()
    with warehouse.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM runs WHERE run_id IN ('r1', 'r2')").fetchone()[0] == 2


# ------------------------------------------------------------------ settings


def test_warehouse_settings_reach_the_connection(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb", {"memory_limit": "300MiB", "threads": 1})
    store.migrate()
    with store.connect() as con:
        threads, limit = con.execute(
            "SELECT current_setting('threads'), current_setting('memory_limit')"
        ).fetchone()
    assert threads == 1
    assert limit.startswith("300.0 MiB") or limit.startswith("314.5 MB")


def row_groups(con: duckdb.DuckDBPyConnection, table: str) -> list[int]:
    """The rows of each row group of a table, in order."""
    rows = con.execute(
        f"SELECT row_group_id, max(count) FROM pragma_storage_info('{table}') GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    return [count for _, count in rows]


def test_a_load_appends_row_groups_of_the_configured_size(tmp_path):
    """A writer's appends fill row groups of `row_group_size` rows, each written as it fills:
    the load's versions are in full row groups but the last, and stay so after the commit's
    checkpoint."""
    store = Warehouse(tmp_path / "warehouse.duckdb", row_group_size=2048)
    store.migrate()
    observations = [observe(n, T0) for n in range(5000)]
    load(store, observations)
    assert count(store, "article_versions") == 5000
    with store.connect() as con:
        assert row_groups(con, "article_versions") == [2048, 2048, 904]
        assert row_groups(con, "fetches") == [2048, 2048, 904]
    # A small load rewrites the last row groups only: the full ones before them stay.
    load(store, [observe(n, T0) for n in range(5000, 5100)], run_id="run-2")
    with store.connect() as con:
        assert row_groups(con, "article_versions") == [2048, 2048, 1004]
    # The file keeps no row group size: a writer of another setting appends row groups of its
    # own, and its commit merges the table's smaller row groups into them.
    again = Warehouse(tmp_path / "warehouse.duckdb", row_group_size=4096)
    load(again, [observe(n, T0) for n in range(5100, 9500)], run_id="run-3")
    with again.connect(read_only=True) as con:
        assert row_groups(con, "article_versions") == [4096, 4096, 1308]


def test_the_file_is_attached_under_its_own_name_and_used(tmp_path):
    """Unqualified names, CHECKPOINT and the database's own catalog views are the file's, named as
    DuckDB names a file it opens."""
    store = Warehouse(tmp_path / "history.2025.duckdb")
    store.migrate()
    load(store, [observe(1, T0)])
    for read_only in (False, True):
        with store.connect(read_only=read_only) as con:
            assert con.execute("SELECT current_database()").fetchone() == ("history",)
            (size,) = con.execute(
                "SELECT count(*) FROM pragma_database_size() WHERE database_name = current_database()"
            ).fetchone()
            assert size == 1
            assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (1,)
            if not read_only:
                con.execute("CHECKPOINT")
    assert duckdb.connect(str(tmp_path / "history.2025.duckdb"), read_only=True).execute(
        "SELECT count(*) FROM history.main.article_versions"
    ).fetchone() == (1,)


def test_a_file_named_as_a_duckdb_catalog_opens(tmp_path):
    store = Warehouse(tmp_path / "memory.duckdb")
    store.migrate()
    load(store, [observe(1, T0)])
    with store.connect(read_only=True) as con:
        assert con.execute("SELECT current_database()").fetchone() == ("warehouse",)
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (1,)


def test_a_writer_spills_beside_the_file(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    with store.connect() as con:
        (folder,) = con.execute("SELECT current_setting('temp_directory')").fetchone()
    assert folder == f"{tmp_path / 'warehouse.duckdb'}.tmp"


def test_a_load_leaves_the_connections_thread_setting_as_it_found_it(warehouse):
    """The load runs on one DuckDB thread and gives the connection back with its own setting,
    whether it commits or fails."""
    good = [observe(1, T0), observe(2, T0)]
    bad = [observe(3, T0 + HOUR, record(3, view_count="nhiều"))]  # not a number: the load fails
    with warehouse.connect() as con:
        con.execute("SET threads = 3")
        load_portal(con, "run-1", PortalCrawl(SOURCE, fetches_for(good), good), "portal")
        assert con.execute("SELECT current_setting('threads')").fetchone() == (3,)
        with pytest.raises((duckdb.Error, ValueError)):
            load_portal(con, "run-2", PortalCrawl(SOURCE, fetches_for(bad), bad), "portal")
        assert con.execute("SELECT current_setting('threads')").fetchone() == (3,)
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (2,)


def test_the_last_load_before_its_connection_closes_commits_into_the_file_and_an_earlier_one_into_the_log(
    tmp_path,
):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    warehouse.migrate()
    wal = tmp_path / "warehouse.duckdb.wal"
    run_id = warehouse.start_run("test", {})
    assert not wal.exists()  # each connection so far closed, checkpointing the file

    def crawl(name: str) -> PortalCrawl:
        source = SourceRow(name, name.title(), "district", "dcs_aspnet", f"http://{name}.example")
        now = datetime.now(UTC)
        fetch = FetchRow(name, f"http://{name}.example/", "listing", now, 200, "ok", None, 1, 5.0, 100, None)
        return PortalCrawl(source, [fetch], [])

    session = warehouse.session
    session.expect_load()
    session.expect_load()
    try:
        warehouse.load_portal(run_id, crawl("first"))  # another load is still to come
        assert wal.exists() and wal.stat().st_size > 0
        session.load_done()
        warehouse.load_portal(run_id, crawl("second"))  # the last: the close would checkpoint it
        assert session.con is not None  # the connection still open
        assert not wal.exists() or wal.stat().st_size == 0
        with warehouse.connect() as con:
            assert con.execute("SELECT current_setting('checkpoint_threshold')").fetchone() == ("16.0 MiB",)
    finally:
        session.load_done()
    assert session.con is None
    assert query(warehouse, "SELECT source_id FROM sources ORDER BY 1") == [("first",), ("second",)]
    assert query(warehouse, "SELECT count(*) FROM fetches") == [(2,)]
