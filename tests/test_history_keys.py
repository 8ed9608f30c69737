"""Migration 16: a DuckDB file's history tables (article versions, text fingerprints, documents)
without a primary key, as on a DuckLake. A warehouse written before keeps every row; its state
tables keep their keys; its loads go on leaving what a warehouse made without those keys leaves,
the loader keeping the keys and `portalwatch check` finding a version stored twice."""

from __future__ import annotations

import duckdb
import pytest
from planted import plant
from test_load_together import WRITTEN_AT, rounds
from test_versions_compression import before, snapshot, stored_compression
from typer.testing import CliRunner
from warehouse_rows import warehouse_rows

from portalwatch.cli import app
from portalwatch.integrity import check_warehouse
from portalwatch.lake import LakeSpec
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse

HISTORY = {"article_versions", "text_fingerprints", "documents"}
STATE = {"article_state", "article_fetch_state", "document_state", "crawl_frontier", "section_members"}
BOOKKEEPING = frozenset({"portalwatch_meta", "portalwatch_migrations"})


def keyed(store: Warehouse) -> set[str]:
    with store.connect(read_only=True) as con:
        rows = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND database_name = current_database()"
        ).fetchall()
    return {row[0] for row in rows}


def rows(store: Warehouse) -> dict[str, list[tuple]]:
    """Every table's rows but the bookkeeping's, without the columns that say when a row was written."""
    close_sessions()
    return warehouse_rows(store.path, lambda table, column: (table, column) in WRITTEN_AT, BOOKKEEPING)


def load(store: Warehouse, runs: list, first: int = 0) -> None:
    for n, (cause, crawls) in enumerate(runs, start=first):
        store.load_portals(f"run-{n}", crawls, cause)


def test_a_file_at_15_keeps_every_row_and_loads_on_as_one_made_without_those_keys(tmp_path, monkeypatch):
    runs = rounds()
    written_before, made_at_16 = Warehouse(tmp_path / "before.duckdb"), Warehouse(tmp_path / "at-16.duckdb")
    with monkeypatch.context() as patch:
        before(patch, 16)
        assert written_before.migrate() == 15
        load(written_before, runs[:1])
        close_sessions()
    assert keyed(written_before) >= HISTORY | STATE
    held = rows(written_before)
    assert all(held[table] for table in HISTORY)

    assert written_before.migrate() == 16
    assert rows(written_before) == held
    assert not keyed(written_before) & HISTORY
    assert keyed(written_before) >= STATE
    assert stored_compression(written_before, "body_text") == {"ZSTD"}
    assert written_before.migrate() == 16  # once only
    assert rows(written_before) == held

    # Loads go on (edits, removals, restorations, a reparse) as on a file made at 16.
    assert made_at_16.migrate() == 16
    load(made_at_16, runs[:1])
    load(written_before, runs[1:], first=1)
    load(made_at_16, runs[1:], first=1)
    after = rows(written_before)
    assert after == rows(made_at_16)
    with written_before.connect(read_only=True) as con:
        assert con.execute("SELECT max(version) FROM article_versions").fetchone() == (2,)
        assert con.execute("SELECT max(version) FROM documents").fetchone() == (2,)
        assert check_warehouse(con) == []
    assert len(after["text_fingerprints"]) == len(after["article_versions"])


def test_a_version_stored_twice_is_not_refused_but_found(warehouse):
    load(warehouse, rounds()[:1])
    with warehouse.connect() as con:
        con.execute("INSERT INTO article_versions SELECT * FROM article_versions WHERE version = 1 LIMIT 1")
        con.execute("INSERT INTO text_fingerprints SELECT * FROM text_fingerprints LIMIT 1")
        found = {(p.check, p.table) for p in check_warehouse(con)}
    assert found == {
        ("duplicate version", "article_versions"),
        ("duplicate fingerprint", "text_fingerprints"),
    }
    result = CliRunner().invoke(app, ["check", "--warehouse", str(warehouse.path)])
    assert result.exit_code == 1
    assert "duplicate fingerprint: text_fingerprints" in result.output
    # The state tables' keys are DuckDB's still: an article's state stored twice is refused.
    with warehouse.connect() as con, pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO article_state SELECT * FROM article_state LIMIT 1")


@pytest.mark.ducklake
def test_a_ducklake_records_it_and_changes_nothing(lake_postgres, tmp_path, monkeypatch):
    store = Warehouse(
        str(LakeSpec(lake_postgres.create_database("lake_migration_16"), str(tmp_path / "data")))
    )
    with monkeypatch.context() as patch:
        before(patch, 16)
        assert store.migrate() == 15
        plant(store)
    held = snapshot(store)
    assert store.migrate() == 16
    assert snapshot(store) == held
    with store.connect(read_only=True) as con:
        (applied,) = con.execute("SELECT max(version) FROM portalwatch_migrations").fetchone()
        assert applied == 16
        assert con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE '%_016'"
        ).fetchone() == (0,)
    close_sessions()
