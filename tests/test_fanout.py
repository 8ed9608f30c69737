"""An ingest run fanned out over process workers of a work pool on a real Prefect server:
the same warehouse as the in-process run, and a worker killed mid-crawl loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from pathlib import Path

import duckdb
import fsspec
import psutil
import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.deployments.runner import EntrypointType
from prefect.settings import PREFECT_API_URL, temporary_settings

from portalwatch.flows import fanout
from portalwatch.flows.fanout import crawl_portal
from portalwatch.flows.ingest import ingest
from portalwatch.lake import TemporaryWorker
from portalwatch.sim.process import SimulatorProcess
from portalwatch.storage.rawstore import RawStore

# Process workers start a Python process per flow run: slow on a busy machine.
pytestmark = [pytest.mark.prefect, pytest.mark.timeout(900)]

POOL = "portalwatch-test"


@pytest.fixture(scope="module")
def cluster(prefect_server, tmp_path_factory):
    """The session's Prefect server, a process work pool with the crawl-portal deployment, the
    simulated network (slow enough to be killed mid-crawl) and its in-process ingest."""
    folder, server = tmp_path_factory.mktemp("cluster"), prefect_server
    with (
        SimulatorProcess(folder / "sim-sources.toml", seed=7, scale=0.05, portals=3, latency_ms=60) as sim,
        temporary_settings(updates={PREFECT_API_URL: server.api_url}),
    ):
        asyncio.run(_deploy())
        reference = folder / "in-process" / "warehouse.duckdb"
        summary = asyncio.run(ingest(config_path=str(sim.config_path), warehouse=str(reference)))
        assert summary["status"] == "completed"
        yield sim, server, folder, warehouse_content(reference)


async def _deploy() -> None:
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=POOL, type="process"))
    deployment = await crawl_portal.ato_deployment(
        name="on-demand", entrypoint_type=EntrypointType.MODULE_PATH
    )
    await deployment.aapply(work_pool_name=POOL)


@pytest.fixture
def workers(cluster):
    """Start process workers of the pool; every one, and every flow run it started, is killed after the test."""
    _, server, _, _ = cluster
    started: list[TemporaryWorker] = []

    with contextlib.ExitStack() as stack:

        def start(count: int, extra_env: dict[str, str] | None = None) -> list[TemporaryWorker]:
            for _ in range(count):
                worker = TemporaryWorker(
                    POOL,
                    f"worker-{uuid.uuid4().hex[:8]}",
                    server.env,
                    settings={"PREFECT_LOGGING_TO_API_ENABLED": "false", **(extra_env or {})},
                    kill_tree=True,
                )
                started.append(stack.enter_context(worker))
            return started

        yield start


def warehouse_content(path: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "articles": con.execute(
                "SELECT article_id, url, removed_at IS NULL FROM article_state ORDER BY article_id"
            ).fetchall(),
            "versions": con.execute(
                "SELECT article_id, version, content_hash FROM article_versions ORDER BY article_id, version"
            ).fetchall(),
            "documents": con.execute("SELECT document_id, version FROM documents ORDER BY 1, 2").fetchall(),
        }


def fanned_out_ingest(sim, folder: Path) -> dict:
    return asyncio.run(
        ingest(config_path=str(sim.config_path), warehouse=str(folder / "warehouse.duckdb"), fan_out=True)
    )


def test_an_ingest_fanned_out_over_workers_gives_the_in_process_warehouse(cluster, workers, tmp_path):
    sim, server, _, expected = cluster
    workers(2)
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        summary = fanned_out_ingest(sim, tmp_path)
    assert summary["status"] == "completed", summary
    assert set(summary["portals"]) == set(sim.base_urls)
    assert all(portal["flow_run"] for portal in summary["portals"].values())
    assert warehouse_content(tmp_path / "warehouse.duckdb") == expected
    assert not list((tmp_path / "packages").glob("*.jsonl.gz"))  # every package loaded, then removed


def test_workers_that_share_only_a_bucket_keep_the_raw_pages_and_packages_there(
    cluster, workers, tmp_path, lake_s3, s3_bucket
):
    sim, server, _, expected = cluster
    workers(2, lake_s3.env)
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        summary = asyncio.run(
            ingest(
                config_path=str(sim.config_path),
                warehouse=str(tmp_path / "warehouse.duckdb"),
                raw_dir=f"{s3_bucket}raw",
                packages=f"{s3_bucket}packages",
                fan_out=True,
            )
        )
    assert summary["status"] == "completed", summary
    assert warehouse_content(tmp_path / "warehouse.duckdb") == expected
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        named = {
            row[0]
            for row in con.execute(
                "SELECT DISTINCT raw_hash FROM fetches WHERE raw_hash IS NOT NULL"
            ).fetchall()
        }
    assert named and named <= RawStore(f"{s3_bucket}raw").hashes()
    assert not (tmp_path / "raw").exists() and not (tmp_path / "packages").exists()
    fs, base = fsspec.core.url_to_fs(f"{s3_bucket}packages", skip_instance_cache=True)
    assert not [key for key in fs.find(base) if key.endswith(".jsonl.gz")]  # loaded, then removed


def test_a_worker_killed_mid_crawl_costs_nothing(cluster, workers, tmp_path, monkeypatch):
    # The parent runs in this process: it takes a silent child for dead sooner than in production
    # (four missed heartbeats), so the test does not wait out a minute of silence. The portal's
    # second crawl then waits for the host slots the dead crawl held: their lease (a minute, the
    # least Prefect grants) must expire, and the server frees them within a second after.
    monkeypatch.setattr(fanout, "LOST_SECONDS", 4 * fanout.BEAT_SECONDS)
    monkeypatch.setattr(fanout, "STARTING_SECONDS", 60.0)
    sim, server, _, expected = cluster
    started = workers(2)
    outcome: dict = {}

    def parent() -> None:
        with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
            outcome["summary"] = fanned_out_ingest(sim, tmp_path)

    before = {source_id: len(sim.requests(source_id)) for source_id in sim.base_urls}
    thread = threading.Thread(target=parent, daemon=True)
    thread.start()
    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        killed_run, source_id = kill_a_worker_mid_crawl(sim, before, started)
    thread.join(timeout=540)
    assert not thread.is_alive(), "the fanned-out run did not finish"
    summary = outcome["summary"]
    assert summary["status"] == "completed", summary
    assert summary["portals"][source_id]["flow_run"] != killed_run.name  # crawled again, elsewhere
    assert warehouse_content(tmp_path / "warehouse.duckdb") == expected

    async def state_of_the_killed_run():
        async with get_client() as client:
            return (await client.read_flow_run(killed_run.id)).state

    with temporary_settings(updates={PREFECT_API_URL: server.api_url}):
        assert asyncio.run(state_of_the_killed_run()).is_crashed()


def kill_a_worker_mid_crawl(sim, before: dict[str, int], workers: list[TemporaryWorker]):
    """Wait for a crawl-portal run that has started fetching, then SIGKILL its worker and the run's process."""
    by_pid = {worker.pid: worker for worker in workers}
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for run in asyncio.run(_running_crawls()):
            pid = int(run.infrastructure_pid.rsplit(":", 1)[-1])
            source_id = run.parameters["source_id"]
            try:
                worker = next(by_pid[p.pid] for p in psutil.Process(pid).parents() if p.pid in by_pid)
            except (psutil.NoSuchProcess, StopIteration):
                continue
            if len(sim.requests(source_id)) > before[source_id]:
                worker.kill()
                return run, source_id
        time.sleep(0.2)
    pytest.fail("no crawl-portal run started fetching")


async def _running_crawls():
    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=["on-demand"]))
        )
    return [run for run in runs if run.state and run.state.is_running() and run.infrastructure_pid]
