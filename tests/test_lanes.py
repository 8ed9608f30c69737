"""Load packages give back the crawl they hold, and loads take turns in the load lane."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time

import duckdb
import pytest
from prefect import flow
from prefect.client.orchestration import PrefectClient, SyncPrefectClient, get_client
from prefect.settings import PREFECT_API_URL, temporary_settings
from warehouse_rows import warehouse_rows

from portalwatch import pipeline
from portalwatch.config import load_sources
from portalwatch.lake import TemporaryPrefectServer
from portalwatch.lane import (
    LANE_SETTLE_SECONDS,
    host_limit_name,
    host_turn,
    lane_name,
    load_lane,
    under_prefect,
)
from portalwatch.loadpackage import PackageError, decode, encode, read_package, write_package
from portalwatch.pipeline import crawl_stage, load_package_stage, load_stage, load_to_come
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


def same_content(path) -> dict[str, list[tuple]]:
    """Every table's rows, but the columns that name a run (run ids differ from one warehouse to
    another) and the time a source's row was written."""
    return warehouse_rows(
        path,
        lambda table, column: "run" in column or (table, column) == ("sources", "updated_at"),
        frozenset({"runs", "portalwatch_migrations"}),
    )


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
    expected = same_content(direct.path)
    assert expected["article_versions"]

    for label, folder in (("file", str(tmp_path / "packages")), ("s3", f"{s3_bucket}packages")):
        url = write_package(folder, crawl)
        assert url.startswith(folder) and read_package(url) == crawl
        packaged = Warehouse(tmp_path / f"{label}.duckdb")
        packaged.migrate()
        loaded_crawl, _ = asyncio.run(load_package_stage(packaged, packaged.start_run("test", {}), url))
        assert loaded_crawl == crawl
        assert same_content(packaged.path) == expected, label
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


@pytest.mark.prefect
def test_under_prefect_a_load_asks_for_its_turn_only_once_its_task_has_settled(tmp_path, monkeypatch):
    # A request for the lane's slot that arrives as the server records the task's start is
    # answered "database is locked" on Prefect's default SQLite server, and asked again 2 s later.
    asked: list[float] = []
    original = PrefectClient.increment_concurrency_slots_with_lease

    async def increment(self, *args, **kwargs):
        asked.append(time.monotonic())
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(PrefectClient, "increment_concurrency_slots_with_lease", increment)

    @flow
    async def two_loads() -> float:
        async with load_lane(tmp_path / "w.duckdb"):  # the first creates the lane's limit
            pass
        reached = time.monotonic()
        async with load_lane(tmp_path / "w.duckdb"):
            pass
        return reached

    reached = asyncio.run(two_loads())
    assert len(asked) == 2
    assert asked[1] - reached >= LANE_SETTLE_SECONDS


@pytest.mark.prefect
def test_the_leases_of_a_process_are_renewed_through_one_client(tmp_path, monkeypatch):
    # Prefect renews each lease from a thread of its own, which made a client of its own (a TLS
    # context read from the CA bundle, about 12 ms of CPU) for every host's turn and every load.
    made: list[str] = []
    renewed_by: list[tuple[int, str]] = []
    make, renew = SyncPrefectClient.__init__, SyncPrefectClient.renew_concurrency_lease

    def making(self, *args, **kwargs):
        made.append(threading.current_thread().name)
        make(self, *args, **kwargs)

    def renewing(self, *args, **kwargs):
        renewed_by.append((id(self), threading.current_thread().name))
        return renew(self, *args, **kwargs)

    monkeypatch.setattr(SyncPrefectClient, "__init__", making)
    monkeypatch.setattr(SyncPrefectClient, "renew_concurrency_lease", renewing)
    # Hosts of this test alone: Prefect keeps a slot service per limit for the process.
    hosts = [f"http://renewals-{number}.example" for number in range(3)]

    @flow
    async def turns() -> None:
        for host in hosts:
            async with host_turn(host, 2):
                await asyncio.sleep(0.05)
        async with load_lane(tmp_path / "w.duckdb"):
            await asyncio.sleep(0.05)

    asyncio.run(turns())
    assert len(renewed_by) >= 4, renewed_by  # each lease renewed from its own thread
    assert all(name.startswith("concurrency-lease-renewal") for _, name in renewed_by)
    assert len({client for client, _ in renewed_by}) == 1
    assert not [name for name in made if name.startswith("concurrency-lease-renewal")], made

    async def active() -> dict[str, int]:
        async with get_client() as client:
            limits = await client.read_global_concurrency_limits(limit=100)
        return {limit.name: limit.active_slots for limit in limits}

    held = asyncio.run(active())
    assert [held[host_limit_name(host)] for host in hosts] == [0, 0, 0]
    assert held[lane_name(tmp_path / "w.duckdb")] == 0


@pytest.mark.prefect
def test_portals_loading_at_once_on_a_fresh_server_create_the_lane_without_a_conflict(tmp_path, monkeypatch):
    # Prefect's server logs a traceback (UNIQUE constraint failed) for each request that creates
    # a limit another request created first: several portals reaching the lane at once must not.
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setattr(Warehouse, "load_portal", lambda self, run_id, crawl, cause="portal": None)
    monkeypatch.setattr(
        Warehouse, "load_portals", lambda self, run_id, crawls, cause="portal": [None] * len(crawls)
    )
    hosts = [f"http://127.0.0.1:{port}" for port in (8001, 8001, 8002, 8002)]

    @flow
    async def portals_at_once() -> None:
        async def portal(number: int) -> None:
            async with host_turn(hosts[number % len(hosts)], 2):
                await load_stage(warehouse, f"r{number}", None)

        await asyncio.gather(*(portal(number) for number in range(8)))

    database = f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
    with TemporaryPrefectServer(database) as server:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            asyncio.run(portals_at_once())

            async def limits():
                async with get_client() as client:
                    return await client.read_global_concurrency_limits(limit=100)

            created = {limit.name: limit.limit for limit in asyncio.run(limits())}
        assert created == {
            lane_name(warehouse.path): 1,
            host_limit_name(hosts[0]): 2,
            host_limit_name(hosts[2]): 2,
        }
        log = server.server.log_tail(1_000_000) if server.server else ""
    assert f"PREFECT_API_URL={server.api_url}" in log, log[-2000:]  # the server's own log, read
    assert "UNIQUE constraint failed" not in log and "IntegrityError" not in log, log[-4000:]


def crawls_of(sim, tmp_path, count: int) -> list:
    """The crawls of the simulator's first `count` portals (into a warehouse of their own)."""
    config = load_sources(sim.config_path)
    raw = RawStore(tmp_path / "raw")
    first = Warehouse(tmp_path / "first.duckdb")
    first.migrate()

    async def crawl_all():
        return await asyncio.gather(
            *(crawl_stage(s, config, first, raw) for s in config.select(None)[:count])
        )

    return asyncio.run(crawl_all())


def batches_counted(monkeypatch) -> list[int]:
    """The number of crawls in each load from now on (the list fills as loads run)."""
    batches: list[int] = []
    load_portals, load_portal = Warehouse.load_portals, Warehouse.load_portal
    monkeypatch.setattr(
        Warehouse, "load_portals", lambda self, *a: batches.append(len(a[1])) or load_portals(self, *a)
    )
    monkeypatch.setattr(Warehouse, "load_portal", lambda self, *a: batches.append(1) or load_portal(self, *a))
    return batches


def staggered(store: Warehouse, crawls: list, delays: tuple[float, ...]) -> float:
    """The crawls loaded by as many crawl-and-load turns of this process (each expecting its
    load from the start), whose loads come `delays` seconds after the start: the seconds all took."""
    store.migrate()
    run_id = store.start_run("test", {})

    async def one(delay, crawl):
        async with load_to_come(store):
            await asyncio.sleep(delay)
            return await load_stage(store, run_id, crawl)

    async def load_all():
        return await asyncio.gather(*(one(d, c) for d, c in zip(delays, crawls, strict=True)))

    started = time.monotonic()
    loaded = asyncio.run(load_all())
    assert len(loaded) == len(crawls) and all(summary.created for summary in loaded)
    return time.monotonic() - started


def test_crawls_finishing_just_after_the_first_go_in_with_it(sim, tmp_path, monkeypatch):
    crawls = crawls_of(sim, tmp_path, 3)
    batches = batches_counted(monkeypatch)
    staggered(Warehouse(tmp_path / "gathered.duckdb"), crawls, (0, 0.02, 0.04))
    assert batches == [3]
    batches.clear()
    monkeypatch.setattr(pipeline, "GATHER_MAX_SECONDS", 0.0)
    staggered(Warehouse(tmp_path / "not_gathered.duckdb"), crawls, (0, 0.02, 0.04))
    assert batches[0] == 1  # the first load began alone


def test_after_a_load_the_next_rests_and_the_crawls_finishing_meanwhile_go_in_together(
    sim, tmp_path, monkeypatch
):
    crawls = crawls_of(sim, tmp_path, 4)
    batches = batches_counted(monkeypatch)
    monkeypatch.setattr(pipeline, "GATHER_MAX_SECONDS", 0.0)  # no gathering but the rest
    monkeypatch.setattr(pipeline, "REST_MAX_SECONDS", 6.0)
    delays = (0, 0.05, 0.1, 2.0)
    # The first load goes alone; the two crawls that finish during it or after it wait for the
    # next load, which rests (up to REST_MAX_SECONDS) until the last expected crawl joins them.
    monkeypatch.setattr(pipeline, "LOAD_REST", 1000.0)
    seconds = staggered(Warehouse(tmp_path / "rested.duckdb"), crawls, delays)
    assert batches == [1, 3]
    assert seconds < 5.5  # the last crawl's arrival ended the rest
    # Without the rest, the two go in as soon as the first load is done, the last one alone.
    batches.clear()
    monkeypatch.setattr(pipeline, "LOAD_REST", 0.0)
    staggered(Warehouse(tmp_path / "unrested.duckdb"), crawls, delays)
    assert batches[0] == 1 and batches[-1] == 1 and len(batches) >= 3 and sum(batches) == 4, batches


def test_a_load_waits_for_no_crawl_when_none_is_expected(tmp_path, monkeypatch):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    monkeypatch.setattr(pipeline, "GATHER_GAP_SECONDS", 30.0)
    queue = pipeline._LoadQueue()
    queue.waiting.append((None, None))

    async def gather(expected: int) -> None:
        for _ in range(expected):
            store.session.expect_load()
        try:
            await asyncio.wait_for(pipeline._gather(queue, store), 2)
        finally:
            for _ in range(expected):
                store.session.load_done()

    asyncio.run(gather(1))  # the one waiting is the only load expected: no wait
    # Right after a long load the next one rests, but not the last one expected.
    monkeypatch.setitem(pipeline._last_loads, str(store), (time.monotonic(), 100.0))
    asyncio.run(gather(1))
    asyncio.run(gather(0))
    with pytest.raises(TimeoutError):
        asyncio.run(gather(2))  # another is expected: it waits for it


def test_crawls_waiting_together_load_in_one_turn_and_a_bad_one_holds_back_none(sim, tmp_path, monkeypatch):
    config = load_sources(sim.config_path)
    sources = config.select(None)[:3]
    one_by_one, together = Warehouse(tmp_path / "one.duckdb"), Warehouse(tmp_path / "together.duckdb")
    for store in (one_by_one, together):
        store.migrate()
    raw = RawStore(tmp_path / "raw")

    async def crawl_all():
        return await asyncio.gather(*(crawl_stage(source, config, one_by_one, raw) for source in sources))

    crawls = asyncio.run(crawl_all())
    run_id = one_by_one.start_run("test", {})
    alone = [one_by_one.load_portal(run_id, crawl) for crawl in crawls]
    batches: list[int] = []
    load_portals = Warehouse.load_portals

    def counted(self, run_id, crawls, cause="portal"):
        batches.append(len(crawls))
        return load_portals(self, run_id, crawls, cause)

    monkeypatch.setattr(Warehouse, "load_portals", counted)
    run_id = together.start_run("test", {})

    async def load_all(crawls):
        return await asyncio.gather(
            *(load_stage(together, run_id, crawl) for crawl in crawls), return_exceptions=True
        )

    loaded = asyncio.run(load_all(crawls))
    assert batches == [3]  # all three waited for the same turn
    assert loaded == alone
    assert same_content(tmp_path / "together.duckdb") == same_content(tmp_path / "one.duckdb")

    # A crawl that cannot be loaded fails its own load only.
    batches.clear()
    broken = dataclasses.replace(
        crawls[0], fetches=[dataclasses.replace(crawls[0].fetches[0], status="no status")]
    )
    third = Warehouse(tmp_path / "third.duckdb")
    third.migrate()
    run_id = third.start_run("test", {})

    async def load_third():
        return await asyncio.gather(
            *(load_stage(third, run_id, crawl) for crawl in (crawls[1], broken, crawls[2])),
            return_exceptions=True,
        )

    outcomes = asyncio.run(load_third())
    assert batches == [3]
    assert isinstance(outcomes[1], Exception)
    assert [outcomes[0], outcomes[2]] == [alone[1], alone[2]]
    with duckdb.connect(str(tmp_path / "third.duckdb"), read_only=True) as con:
        fetches = dict(con.execute("SELECT source_id, count(*) FROM fetches GROUP BY 1").fetchall())
    assert fetches == {sources[1].id: len(crawls[1].fetches), sources[2].id: len(crawls[2].fetches)}
