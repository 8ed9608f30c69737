"""Load packages give back the crawl they hold, and loads take turns in the load lane."""

from __future__ import annotations

import asyncio
import time

import duckdb
import pytest
from prefect import flow
from prefect.client.orchestration import get_client

from portalwatch.config import load_sources
from portalwatch.lane import lane_name, load_lane, under_prefect
from portalwatch.loadpackage import PackageError, decode, encode, read_package, write_package
from portalwatch.pipeline import crawl_stage, load_package_stage, load_stage
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


def warehouse_rows(path) -> dict[str, list[tuple]]:
    """Every table's rows, but the columns that name a run (run ids differ from one warehouse to
    another) and the time a source's row was written."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_name NOT IN ('runs', 'portalwatch_migrations') ORDER BY table_name"
            ).fetchall()
        ]
        rows = {}
        for table in tables:
            columns = [
                row[0]
                for row in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                    "AND column_name NOT LIKE '%run%' AND (table_name, column_name) <> ('sources', 'updated_at') "
                    "ORDER BY ordinal_position",
                    [table],
                ).fetchall()
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[table] = sorted(con.execute(f"SELECT {listed} FROM {table}").fetchall(), key=repr)
        return rows


def test_a_crawl_through_a_package_loads_the_same_warehouse_as_the_direct_path(sim, s3_bucket, tmp_path):
    config = load_sources(sim.config_path)
    source = config.select(None)[0]
    direct = Warehouse(tmp_path / "direct.duckdb")
    direct.migrate()
    crawl = asyncio.run(crawl_stage(source, config, direct, RawStore(tmp_path / "raw")))
    assert crawl.observations and crawl.fetches and crawl.state.schedules

    name, data = encode(crawl)
    assert encode(crawl) == (name, data)  # the same crawl, the same package, the same name
    assert name.startswith(f"{source.id}-") and decode(name, data) == crawl
    with pytest.raises(PackageError):
        decode(f"{source.id}-{'0' * 64}.v1.jsonl.gz", data)  # not what its name says

    run_id = direct.start_run("test", {})
    asyncio.run(load_stage(direct, run_id, crawl))
    expected = warehouse_rows(direct.path)
    assert expected["article_versions"]

    for label, folder in (("file", str(tmp_path / "packages")), ("s3", f"{s3_bucket}packages")):
        url = write_package(folder, crawl)
        assert url.startswith(folder) and read_package(url) == crawl
        packaged = Warehouse(tmp_path / f"{label}.duckdb")
        packaged.migrate()
        loaded_crawl, _ = asyncio.run(load_package_stage(packaged, packaged.start_run("test", {}), url))
        assert loaded_crawl == crawl
        assert warehouse_rows(packaged.path) == expected, label
        with pytest.raises(FileNotFoundError):  # loaded: the package is gone
            read_package(url)


@pytest.mark.prefect
def test_two_loads_into_one_warehouse_take_turns_in_the_lane(tmp_path, monkeypatch):
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    spans: list[tuple[float, float]] = []

    def slow_load(self, run_id, crawl, cause="portal"):
        entered = time.monotonic()
        time.sleep(0.6)
        spans.append((entered, time.monotonic()))

    monkeypatch.setattr(Warehouse, "load_portal", slow_load)

    @flow
    async def two_loads() -> bool:
        await asyncio.gather(load_stage(warehouse, "r1", None), load_stage(warehouse, "r2", None))
        return under_prefect()

    assert not under_prefect()
    assert asyncio.run(two_loads())
    (first_in, first_out), (second_in, second_out) = sorted(spans)
    assert first_out <= second_in, spans

    async def the_limit():
        async with get_client() as client:
            return await client.read_global_concurrency_limit_by_name(lane_name(warehouse.path))

    limit = asyncio.run(the_limit())
    assert limit.limit == 1 and limit.active_slots == 0


def test_without_prefect_the_lane_is_open(tmp_path):
    async def inside() -> bool:
        async with load_lane(tmp_path / "w.duckdb"):
            return True

    assert asyncio.run(inside())
