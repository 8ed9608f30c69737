"""A DuckLake warehouse on throwaway PostgreSQL and S3: concurrent writers, cleanup, and the
Prefect server on PostgreSQL that a cluster of workers shares."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time

import duckdb
import httpx
import psutil
import pytest
from typer.testing import CliRunner

from portalwatch import lake
from portalwatch.cli import app
from portalwatch.integrity import check_warehouse

pytestmark = pytest.mark.ducklake

ROWS_PER_COMMIT, COMMITS = 20, 4  # above the extension's inlining limit: each commit writes Parquet

# One appender: its own process and connection, one commit per batch into each DuckLake given.
APPENDER = textwrap.dedent(
    """
    import sys, duckdb
    from portalwatch.lake import attach_spec, retry_conflicts
    worker, commits, rows, specs = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    con = duckdb.connect()
    for i, spec in enumerate(specs):
        attach_spec(con, spec, alias=f"lake{i}")
    for batch in range(commits):
        for i in range(len(specs)):
            con.execute(f"INSERT INTO lake{i}.pages SELECT ?, ?, range FROM range(?)", [worker, batch, rows])
            # Updates of one table conflict: the transaction runs again.
            retry_conflicts(lambda: con.execute(f"UPDATE lake{i}.counter SET n = n + 1"))
    """
)

# The owner: starts the three services, says where they are, and waits to be killed.
OWNER = textwrap.dedent(
    """
    import json, sys, time
    from portalwatch import lake
    with lake.TemporaryPostgres() as postgres, lake.TemporaryS3() as s3:
        postgres.create_database("prefect")
        with lake.TemporaryPrefectServer(postgres.url("prefect")) as prefect:
            where = {"api": prefect.api_url, "s3": s3.endpoint_url, "db": postgres.dsn("prefect")}
            where["folders"] = [str(service.folder) for service in (postgres, s3, prefect)]
            print(json.dumps(where), flush=True)
            time.sleep(600)
    """
)


@pytest.fixture(scope="module")
def owner():
    """A process that starts its own PostgreSQL, S3 and Prefect servers (early: Prefect starts slowly)."""
    process = subprocess.Popen([sys.executable, "-c", OWNER], stdout=subprocess.PIPE, text=True)
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def services(owner, lake_postgres):
    """The session's PostgreSQL (the owner, started first, brings its own up meanwhile)."""
    return lake_postgres


def test_concurrent_appends_commit_and_read_back(services, s3_bucket, tmp_path):
    postgres = services
    lakes = {
        "s3": lake.LakeSpec(postgres.create_database("lake_s3"), f"{s3_bucket}lake/"),
        "folder": lake.LakeSpec(postgres.create_database("lake_folder"), str(tmp_path / "lake-data")),
    }
    for spec in lakes.values():
        assert lake.parse_spec(str(spec)) == spec
        with duckdb.connect() as con:
            lake.attach_spec(con, str(spec))
            con.execute("CREATE TABLE lake.pages (worker INTEGER, batch INTEGER, n BIGINT)")
            con.execute("CREATE TABLE lake.counter AS SELECT 0 AS n")

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                APPENDER,
                str(worker),
                str(COMMITS),
                str(ROWS_PER_COMMIT),
                *map(str, lakes.values()),
            ],
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(2)
    ]
    for process in workers:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors

    for spec in lakes.values():
        with duckdb.connect() as reader:
            lake.attach_ducklake(reader, spec.catalog_dsn, None, "lake", read_only=True)
            rows = reader.execute(
                "SELECT worker, count(*), count(DISTINCT batch) FROM lake.pages GROUP BY ALL ORDER BY worker"
            ).fetchall()
            files = reader.execute("SELECT data_file FROM ducklake_list_files('lake', 'pages')").fetchall()
            counter = reader.execute("SELECT n FROM lake.counter").fetchall()
        assert counter == [(2 * COMMITS,)]
        assert rows == [(0, COMMITS * ROWS_PER_COMMIT, COMMITS), (1, COMMITS * ROWS_PER_COMMIT, COMMITS)]
        assert len(files) == 2 * COMMITS
        assert all(file.startswith(spec.data_path) for (file,) in files), files


def test_check_warehouse_answers_on_ducklake(services, tmp_path):
    postgres = services
    dsn = postgres.create_database("lake_check")
    with duckdb.connect() as con:
        lake.attach_ducklake(con, dsn, str(tmp_path / "data"), "lake", data_inlining_row_limit=0)
        con.execute("USE lake")
        con.execute("CREATE TABLE article_versions (article_id VARCHAR, version INTEGER)")
        con.execute("CREATE TABLE article_state (article_id VARCHAR, current_version INTEGER)")
        con.execute("INSERT INTO article_versions VALUES ('a', 1), ('a', 2), ('b', 1)")
        con.execute("INSERT INTO article_state VALUES ('a', 2), ('b', 1)")
        assert check_warehouse(con) == []
        con.execute("INSERT INTO article_versions VALUES ('a', 2), ('b', 3)")
        con.execute("UPDATE article_state SET current_version = 3 WHERE article_id = 'b'")
        found = {(p.check, p.key) for p in check_warehouse(con)}
        files = con.execute("SELECT count(*) FROM ducklake_list_files('lake', 'article_versions')").fetchone()
    assert files == (2,)  # no inlining: each commit wrote Parquet
    assert found == {("duplicate version", "a 2"), ("version gap", "b")}
    result = CliRunner().invoke(app, ["check", "--warehouse", str(lake.LakeSpec(dsn))])
    assert result.exit_code == 1, result.output
    assert "version gap: article_versions b: versions 1,3 are not 1..3" in result.output


def test_bad_specs_and_missing_extension_are_explained():
    with pytest.raises(lake.LakeError, match="ducklake:postgres:"):
        lake.parse_spec("ducklake:sqlite:x.db")
    with pytest.raises(lake.LakeError, match="no PostgreSQL connection string"):
        lake.parse_spec("ducklake:postgres: data_path=s3://b/p")
    with pytest.raises(lake.LakeError, match="duckdb-extension-nosuch"):
        lake.extension_file("nosuch")
    spec = lake.parse_spec("ducklake:postgres:dbname=lake host=db port=5433 user=pw data_path=s3://b/lake/")
    assert spec == lake.LakeSpec("dbname=lake host=db port=5433 user=pw", "s3://b/lake/")


def _left(processes: list[psutil.Process]) -> list[str]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {' '.join(process.cmdline())[:150]}")
        except psutil.NoSuchProcess:
            pass
    return left


def command_line(process: psutil.Process) -> str:
    """A process's command line; empty for one that has ended (a short-lived helper, a zombie)."""
    try:
        return " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.ZombieProcess):
        return ""


def test_prefect_server_on_postgres_and_nothing_outlives_a_killed_owner(owner):
    try:
        line = owner.stdout.readline()
        assert line, "the owner exited before its services were up"
        where = json.loads(line)
        assert httpx.get(f"{where['api']}/health", timeout=10).status_code == 200
        assert httpx.put(f"{where['s3']}/another-bucket", timeout=10).status_code == 200
        with duckdb.connect() as con:  # Prefect's tables are in PostgreSQL
            lake.load_extensions(con, ("postgres",))
            con.execute(f"ATTACH '{where['db']}' AS prefect (TYPE postgres, READ_ONLY)")
            assert con.execute("SELECT count(*) FROM prefect.public.flow_run").fetchone() == (0,)
        started = psutil.Process(owner.pid).children(recursive=True)
        names = " ".join(command_line(p) for p in started)
        assert "postgres" in names and "moto.server" in names and "prefect" in names
    finally:
        owner.kill()
        owner.wait()
    deadline = time.monotonic() + 30
    while _left(started) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _left(started) == []
    assert [folder for folder in where["folders"] if os.path.exists(folder)] == []


def test_a_server_that_ends_at_once_says_why_though_its_folder_is_gone(tmp_path):
    folder = tmp_path / "server"
    folder.mkdir()
    argv = [sys.executable, "-c", "import sys; print('no room on port 1234'); sys.exit(3)"]
    server = lake._Server("A server", argv, folder)
    server.process.wait()
    server.remover.wait(timeout=60)  # removes the folder, log and all, once the server has ended
    assert not folder.exists()
    with pytest.raises(lake.LakeError, match=r"A server exited with 3: no room on port 1234"):
        server.wait_until(lambda: False)
    server.stop()
