"""`portalwatch warehouse maintain`: a DuckDB file rewritten smaller with the same content, a
DuckLake's small files merged with the same query results, and the writer lock respected."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import duckdb
import pytest
from test_warehouse import HOUR, T0, gone, load, observe, record
from typer.testing import CliRunner

from portalwatch import lake
from portalwatch.cli import app
from portalwatch.errors import StorageError
from portalwatch.storage.maintain import (
    NEW_SUFFIX,
    OLD_SUFFIX,
    _copy_database,
    _verify,
    maintain_file,
    maintain_lake,
    schema_objects,
    table_digests,
)
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse, open_reader

TESTS = Path(__file__).parent

# Holds a warehouse file's writer lock, as a load does, until its stdin closes.
HOLDER = textwrap.dedent(
    """
    import sys
    from portalwatch.storage.warehouse import Warehouse
    with Warehouse(sys.argv[1]).connect():
        print("holding", flush=True)
        sys.stdin.read()
    """
)


def small_loads(store: Warehouse, loads: int, articles: int = 4) -> None:
    """Many small loads, each editing a few articles, observing others and removing one."""
    for n in range(loads):
        at = T0 + n * HOUR
        edited = [
            observe(a, at, record(a, title=f"Bài {a}, lần {n}")) for a in range(n % 7, n % 7 + articles)
        ]
        load(store, edited + [observe(a, at) for a in range(20, 24)], [gone(30 + n, at)], run_id=f"run-{n}")


def everything(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every base table's rows, and the schema's tables, views and constraints as SQL."""
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = current_database() "
            "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
    ]
    content = {table: con.execute(f'SELECT * FROM "{table}" ORDER BY ALL').fetchall() for table in tables}
    content["(schema)"] = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE database_name = current_database() "
        "UNION ALL SELECT sql FROM duckdb_views() WHERE database_name = current_database() AND NOT internal "
        "UNION ALL SELECT constraint_text FROM duckdb_constraints() WHERE database_name = current_database() "
        "UNION ALL SELECT sql FROM duckdb_indexes() WHERE database_name = current_database() "
        "UNION ALL SELECT macro_definition FROM duckdb_functions() WHERE database_name = current_database() "
        "AND function_type IN ('macro', 'table_macro') AND NOT internal "
        "ORDER BY 1"
    ).fetchall()
    return content


def test_a_file_after_many_small_loads_shrinks_and_keeps_its_content(warehouse):
    small_loads(warehouse, 30)
    close_sessions()
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        before = everything(con)
    size = warehouse.path.stat().st_size

    result = CliRunner().invoke(app, ["warehouse", "maintain", "--warehouse", str(warehouse.path)])

    assert result.exit_code == 0, result.output
    assert "before:" in result.output and "after:" in result.output and "no problem found" in result.output
    assert warehouse.path.stat().st_size < size
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert everything(con) == before
    assert not warehouse.path.with_name(warehouse.path.name + OLD_SUFFIX).exists()
    assert not warehouse.path.with_name(warehouse.path.name + NEW_SUFFIX).exists()
    load(warehouse, [observe(50, T0 + 1000 * HOUR)], run_id="run-after")  # loads go on into the new file
    close_sessions()
    again = maintain_file(warehouse.path, min_free=1.0)
    assert not again.rewritten and again.tables["fetches"] == len(before["fetches"]) + 1


def test_a_file_with_little_free_space_is_only_checkpointed(warehouse):
    small_loads(warehouse, 2)
    close_sessions()
    inode = warehouse.path.stat().st_ino
    result = maintain_file(warehouse.path, min_free=0.99)
    assert not result.rewritten and warehouse.path.stat().st_ino == inode
    assert result.tables["article_versions"] > 0 and result.problems == []


def test_maintain_waits_for_a_load_holding_the_lock_or_fails_clearly(warehouse):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(warehouse.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        with pytest.raises(StorageError, match=r"a load holds the lock file .*nothing was changed"):
            maintain_file(warehouse.path, wait=0.2)
        result = CliRunner().invoke(
            app, ["warehouse", "maintain", "--warehouse", str(warehouse.path), "--wait", "0.2"]
        )
        assert result.exit_code == 2 and "a load holds the lock file" in result.output

        waiting, done = threading.Event(), []
        worker = threading.Thread(
            target=lambda: done.append(maintain_file(warehouse.path, min_free=0.0, on_wait=waiting.set))
        )
        worker.start()
        assert waiting.wait(60)  # it waits for the load rather than failing
        assert not done
        holder.stdin.close()  # type: ignore[union-attr]
        worker.join(120)
        assert done and done[0].problems == []
    finally:
        holder.kill()
        holder.wait()


def lake_rows(spec: str) -> dict[str, list[tuple]]:
    con = open_reader(spec)
    try:
        return everything(con) | {
            "edit_log": con.execute("SELECT * FROM edit_log ORDER BY ALL").fetchall(),
        }
    finally:
        con.close()


def parquet_files(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.parquet"))


@pytest.mark.ducklake
def test_a_ducklake_has_fewer_files_after_maintain_and_answers_the_same(lake_postgres, tmp_path):
    spec = str(lake.LakeSpec(lake_postgres.create_database("lake_maintain"), str(tmp_path / "lake-data")))
    store = Warehouse(spec)
    store.migrate()
    small_loads(store, 8, articles=12)  # a dozen rows or more per table: written as Parquet, not inlined
    close_sessions()
    before, files = lake_rows(spec), parquet_files(tmp_path / "lake-data")

    result = maintain_lake(spec, keep_days=0, grace_hours=0)

    assert result.after.live_files < result.before.live_files
    assert result.after.snapshots < result.before.snapshots
    assert result.problems == []
    assert parquet_files(tmp_path / "lake-data") < files  # retired files deleted
    assert lake_rows(spec) == before
    cli = CliRunner().invoke(app, ["warehouse", "maintain", "--warehouse", spec])
    assert cli.exit_code == 0, cli.output
    assert "data files in use" in cli.output and "no problem found" in cli.output
    assert lake_rows(spec) == before


def test_a_copy_that_lost_a_row_is_refused_and_removed(warehouse):
    small_loads(warehouse, 2)
    close_sessions()
    with duckdb.connect(str(warehouse.path)) as con:
        digests, objects = table_digests(con), schema_objects(con)
        fresh = warehouse.path.with_name(warehouse.path.name + NEW_SUFFIX)
        _copy_database(con, fresh)
    with duckdb.connect(str(fresh)) as con:
        con.execute("DELETE FROM changes WHERE rowid = (SELECT min(rowid) FROM changes)")
    with pytest.raises(StorageError, match="tables changes differ"):
        _verify(fresh, digests, [], objects)
    assert not fresh.exists()


def test_maintain_takes_the_sources_files_warehouse_settings(warehouse, tmp_path):
    small_loads(warehouse, 3)
    close_sessions()
    with duckdb.connect(str(warehouse.path)) as con:  # fetches enough for several row groups
        con.execute(
            "INSERT INTO fetches SELECT f.* REPLACE (f.url || '?copy=' || t.n AS url) "
            "FROM fetches AS f, range(300) AS t(n)"
        )
        (rows,) = con.execute("SELECT count(*) FROM fetches").fetchone()  # type: ignore[misc]
    assert rows > 3 * 2048
    sources = tmp_path / "sources.toml"
    bundled = (TESTS.parent / "config" / "sources.toml").read_text(encoding="utf-8")
    sources.write_text('[settings.warehouse]\nrow_group_size = 2048\nmemory_limit = "300MiB"\n\n' + bundled)
    inode = warehouse.path.stat().st_ino

    broken = tmp_path / "broken.toml"
    broken.write_text('[settings.warehouse]\nmemory_limit = "lots"\n\n' + bundled)
    cli = ["warehouse", "maintain", "--warehouse", str(warehouse.path), "--min-free", "0"]
    refused = CliRunner().invoke(app, [*cli, "--config", str(broken)])
    assert refused.exit_code == 2 and "broken.toml" in refused.output and "memory_limit" in refused.output
    assert warehouse.path.stat().st_ino == inode  # nothing rewritten

    result = CliRunner().invoke(app, [*cli, "--config", str(sources)])

    assert result.exit_code == 0, result.output
    assert warehouse.path.stat().st_ino != inode  # rewritten
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        groups = con.execute(
            "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info('fetches')"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM fetches").fetchone() == (rows,)
    assert groups is not None and groups[0] >= 3 and groups[1] <= 2048  # the file's own 8,192 would make one
