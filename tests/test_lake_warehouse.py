"""The warehouse on its second backend, a DuckLake: the schema without keys, loads from several
processes at once, the commands that read it; and warehouse files a newer DuckDB wrote."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest
from crawling import query
from test_config import source_block, write
from test_warehouse import HOUR, T0, gone, load, observe, record
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.config import load_sources
from portalwatch.errors import ConfigError, StorageError
from portalwatch.integrity import check_warehouse
from portalwatch.paths import raw_store_path, warehouse_location
from portalwatch.storage import schema
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse, open_reader

TESTS = Path(__file__).parent

# One loader: its own process, loads of the same source whose articles overlap the other's.
LOADER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[3])
    from test_warehouse import HOUR, T0, gone, load, observe, record
    from portalwatch.storage.warehouse import Warehouse
    worker, spec, batches = int(sys.argv[1]), sys.argv[2], int(sys.argv[4])
    store = Warehouse(spec)
    for batch in range(batches):
        at = T0 + (batch * 2 + worker) * HOUR
        edited = [observe(n, at, record(n, title=f"Bài {n}, lần {worker}-{batch}")) for n in (1, 2)]
        load(store, edited + [observe(n, at) for n in range(3 + batch, 8 + batch)], run_id=f"run-{worker}-{batch}")
    """
)


def test_migrations_without_keys_keep_one_source_of_truth():
    sql = """
    CREATE TABLE IF NOT EXISTS a (id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL UNIQUE);
    CREATE TABLE b (
        x INTEGER NOT NULL,
        y INTEGER NOT NULL,  -- (y is per x)
        PRIMARY KEY (x, y)
    );
    INSERT OR IGNORE INTO b VALUES (1, 2);
    """
    keyless = schema.without_keys(sql)
    assert keyless.keys == {"a": ("id",), "b": ("x", "y")}
    assert "PRIMARY" not in keyless.sql and "UNIQUE" not in keyless.sql and "OR IGNORE" not in keyless.sql
    assert "y INTEGER NOT NULL  -- (y is per x)" in keyless.sql
    with duckdb.connect() as con:
        con.execute(keyless.sql)
        con.execute("INSERT INTO b VALUES (1, 2)")  # no key any more: the writers keep it
    keys = schema.table_keys()
    assert keys["article_versions"] == ("article_id", "version") and keys["article_state"] == ("article_id",)
    for _, migration in schema.migrations():
        assert "PRIMARY KEY" not in schema.without_keys(migration).sql.upper()


@pytest.mark.ducklake
def test_concurrent_loads_from_two_processes_leave_a_sound_history(lake_postgres, lake_template):
    dsn = lake_postgres.create_database("lake_concurrent", template="lake_template")
    spec = f"ducklake:postgres:{dsn} data_path={lake_template.data_path}"
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", LOADER, str(worker), spec, str(TESTS), "2"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(2)
    ]
    for process in workers:
        _, errors = process.communicate(timeout=300)
        assert process.returncode == 0, errors
    with open_reader(spec) as con:
        assert check_warehouse(con) == []
        articles, runs = con.execute(
            "SELECT (SELECT count(*) FROM article_state), (SELECT count(DISTINCT run_id) FROM fetches)"
        ).fetchone()
        versions = dict(
            con.execute("SELECT article_id, count(*) FROM article_versions GROUP BY ALL").fetchall()
        )
    assert articles == 8 and runs == 4
    edited = sorted(versions.values())[-2:]
    assert edited == [4, 4]  # each of the 4 loads made a new version of articles 1 and 2


@pytest.mark.ducklake
def test_a_loader_killed_mid_load_leaves_whole_loads_only(lake_postgres, lake_template):
    dsn = lake_postgres.create_database("lake_killed", template="lake_template")
    spec = f"ducklake:postgres:{dsn} data_path={lake_template.data_path}"
    loader = subprocess.Popen([sys.executable, "-c", LOADER, "0", spec, str(TESTS), "50"])
    try:
        with open_reader(spec) as watcher:  # each query reads the latest snapshot
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                if watcher.execute("SELECT count(DISTINCT run_id) FROM fetches").fetchone()[0] >= 1:
                    break
                time.sleep(0.2)
        time.sleep(0.7)  # into the next load
    finally:
        loader.kill()
        loader.wait()
    with open_reader(spec) as con:
        assert check_warehouse(con) == []
        loads = con.execute("SELECT count(DISTINCT run_id) FROM fetches").fetchone()[0]
        per_run = con.execute("SELECT DISTINCT count(*) FROM fetches GROUP BY run_id").fetchall()
        versions = con.execute("SELECT max(version) FROM article_versions").fetchone()[0]
    assert 1 <= loads < 50 and per_run == [(7,)]  # whole loads: 2 edited and 5 seen articles each
    assert versions == loads
    store = Warehouse(spec)
    assert load(store, [observe(1, T0 + 200 * HOUR, record(1, title="Sau"))], run_id="after").updated == 1
    close_sessions()


VIEWS = (
    "articles",
    "daily_publications",
    "monthly_publications",
    "edit_log",
    "removed_articles",
    "removed_documents",
    "text_matches",
    "republications",
    "topic_articles",
    "view_trajectories",
    "source_freshness",
)


@pytest.mark.ducklake
def test_views_and_commands_answer_the_same_on_a_ducklake(
    lake_postgres, lake_template, tmp_path, monkeypatch
):
    dsn = lake_postgres.create_database("lake_views", template="lake_template")
    stores = [Warehouse(tmp_path / "warehouse.duckdb"), Warehouse(f"ducklake:postgres:{dsn}")]
    for store in stores:
        store.migrate()
        load(store, [observe(n, T0, record(n, view_count=10 * n)) for n in (1, 2, 3)])
        edited = [observe(1, T0 + HOUR, record(1, title="Tiêu đề mới", view_count=15))]
        load(store, edited, [gone(2, T0 + HOUR)], run_id="run-2")
    file, lake = stores
    try:
        for view in VIEWS:
            assert query(lake, f"SELECT * FROM {view} ORDER BY ALL") == query(
                file, f"SELECT * FROM {view} ORDER BY ALL"
            ), view
    finally:
        close_sessions()
    runner, spec = CliRunner(), str(lake)
    result = runner.invoke(
        app, ["sql", "SELECT count(*) AS n FROM article_versions", "-w", spec, "-f", "csv"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", "4"]
    result = runner.invoke(app, ["sql", "DELETE FROM article_versions", "-w", spec])
    assert result.exit_code != 0  # read-only
    monkeypatch.setenv("PORTALWATCH_WAREHOUSE", spec)
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 0 and "no problem found" in result.output, result.output
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0 and "tuachua" in result.output, result.output
    result = runner.invoke(app, ["history", observe(1, T0).url, "-f", "csv"])
    assert result.exit_code == 0 and "Tiêu đề mới" in result.output, result.output


# ------------------------------------------------------------------ files a newer DuckDB wrote


def _claim_storage_version(path: Path, version: int) -> None:
    """Rewrite the file header's storage version (and its checksum), as a newer DuckDB would write it."""
    data = bytearray(path.read_bytes())

    def mix(word: int) -> int:  # DuckDB's checksum of one 8-byte word; the header's is their XOR
        return (word * 0xBF58476D1CE4E5B9) & (2**64 - 1)

    words = [struct.unpack_from("<Q", data, at)[0] for at in (8, 16)]
    struct.pack_into("<Q", data, 12, version)  # after the checksum (8 bytes) and b"DUCK"
    checksum = struct.unpack_from("<Q", data, 0)[0]
    for at, old in zip((8, 16), words, strict=True):
        checksum ^= mix(old) ^ mix(struct.unpack_from("<Q", data, at)[0])
    struct.pack_into("<Q", data, 0, checksum)
    path.write_bytes(bytes(data))


def test_a_file_from_a_newer_duckdb_is_explained_and_left_alone(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    store = Warehouse(path)
    store.migrate()
    load(store, [observe(1, T0)])
    _claim_storage_version(path, 999)
    before = path.read_bytes()
    with pytest.raises(StorageError) as raised:
        Warehouse(path).migrate()
    message = str(raised.value)
    assert str(path) in message and "newer DuckDB" in message and "storage version 999" in message
    assert "EXPORT DATABASE" in message and "portalwatch warehouse import" in message
    result = CliRunner().invoke(app, ["sql", "SELECT 1", "-w", str(path)])
    assert result.exit_code == 2 and "newer DuckDB" in result.output
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) in (
        ["warehouse.duckdb"],
        ["warehouse.duckdb", "warehouse.duckdb.lock"],
    )


def test_warehouse_import_carries_an_exported_warehouse_over(tmp_path):
    old = Warehouse(tmp_path / "old.duckdb")
    old.migrate()
    load(old, [observe(1, T0), observe(2, T0)])
    load(old, [observe(1, T0 + HOUR, record(1, title="Tiêu đề mới"))], run_id="run-2")
    with duckdb.connect(str(old.path)) as con:  # as DuckDB 2 would, with the same statement
        con.execute(f"EXPORT DATABASE '{tmp_path / 'export'}' (FORMAT parquet)")
    new = tmp_path / "new.duckdb"
    runner = CliRunner()
    result = runner.invoke(app, ["warehouse", "import", str(tmp_path / "export"), "--warehouse", str(new)])
    assert result.exit_code == 0, result.output
    tables = ("article_versions", "article_state", "changes", "fetches", "runs", "portalwatch_migrations")
    for table in tables:
        assert query(new, f"SELECT * FROM {table} ORDER BY ALL") == query(
            old, f"SELECT * FROM {table} ORDER BY ALL"
        )
    assert query(new, "SELECT count(*) FROM articles") == [(2,)]
    summary = load(Warehouse(new), [observe(3, T0 + HOUR)], run_id="run-3")  # keys and views still hold
    assert summary.created == 1
    again = runner.invoke(app, ["warehouse", "import", str(tmp_path / "export"), "--warehouse", str(new)])
    assert again.exit_code == 2 and "already exists" in again.output


# ------------------------------------------------------------------ where the warehouse is named


def test_a_ducklake_is_named_by_option_environment_or_sources_file(tmp_path, monkeypatch):
    spec = "ducklake:postgres:dbname=lake host=db port=5432"
    settings = f'[settings.warehouse]\nlocation = "{spec}"\ndata_path = "s3://bucket/lake/"\n'
    config = load_sources(write(tmp_path, settings + source_block()))
    configured = config.settings.warehouse_location
    assert configured == f"{spec} data_path=s3://bucket/lake/"
    monkeypatch.delenv("PORTALWATCH_WAREHOUSE", raising=False)
    assert warehouse_location(None, configured) == configured  # a string: s3:// kept whole
    assert Warehouse(configured).lake.data_path == "s3://bucket/lake/"
    monkeypatch.setenv("PORTALWATCH_WAREHOUSE", str(tmp_path / "w.duckdb"))
    assert warehouse_location(None, configured) == tmp_path / "w.duckdb"
    assert warehouse_location(spec, configured) == spec
    assert raw_store_path(spec) == Path("data") / "raw"
    with pytest.raises(ConfigError, match="data_path is for a DuckLake"):
        load_sources(write(tmp_path, '[settings.warehouse]\ndata_path = "/x"\n' + source_block()))
