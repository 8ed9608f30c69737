"""`portalwatch serve` on a real Prefect server: schedules from the config create
runs, and Prefect's own CLI starts a backfill with parameters.

This is the test that fails when a dependency upgrade breaks Prefect's server
or its scheduler (both have happened: FastAPI 0.142+, SQLAlchemy 2.1)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from budget import budget
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.settings import PREFECT_API_URL, temporary_settings

from portalwatch.storage.warehouse import Warehouse

pytestmark = pytest.mark.prefect

# Each stage of the test (the server up, a run started, a run done, a CLI call) waits up to
# this long for itself: on a busy machine the server's start alone can take minutes, and a
# single wait for everything would leave the runs whatever the start left over.
STAGE_LIMIT = 180  # seconds on an idle machine; the waits grow with the load (budget.py)
STAGES = 7  # 5 waits for serve and its runs, 2 Prefect CLI calls
GONE_WITHIN_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def completed_runs(warehouse: Path) -> list[tuple[str, str]]:
    if not warehouse.exists():
        return []
    with Warehouse(warehouse).connect(read_only=True) as con:
        if not con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'runs'"
        ).fetchone()[0]:
            return []
        return con.execute(
            "SELECT flow, status FROM runs WHERE finished_at IS NOT NULL ORDER BY started_at"
        ).fetchall()


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def api_answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=10).status_code == 200
    except httpx.TransportError:
        return False


def flow_run_started(port: int, flow_name: str) -> bool:
    """Whether a run of the flow has left the scheduled states (running, or already over)."""

    async def started() -> bool:
        with temporary_settings(updates={PREFECT_API_URL: f"http://127.0.0.1:{port}/api"}):
            async with get_client() as client:
                runs = await client.read_flow_runs(
                    flow_filter=FlowFilter(name=FlowFilterName(any_=[flow_name]))
                )
        return any(
            run.state is not None and not run.state.is_scheduled() and not run.state.is_pending()
            for run in runs
        )

    try:
        return asyncio.run(started())
    except httpx.HTTPError:
        return False  # the server too busy to answer: asked again


def wait_for(condition, timeout: float, what: str, process: subprocess.Popen, log: Path):
    started = time.monotonic()
    deadline = started + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            print(f"{what}: {time.monotonic() - started:.0f} s")  # shown should the test fail later
            return value
        if process.poll() is not None:
            pytest.fail(
                f"`portalwatch serve` exited with {process.returncode} while waiting for {what}:\n{log.read_text()[-3000:]}"
            )
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


@pytest.mark.timeout(STAGES * STAGE_LIMIT + 60)
def test_serve_schedules_ingest_and_runs_a_backfill_from_the_prefect_cli(sim, tmp_path):
    config = tmp_path / "scheduled.toml"
    text = sim.config_path.read_text(encoding="utf-8")
    text = text.replace("[[sources]]\n", '[[sources]]\nschedule = "every-10-seconds"\n')
    text = text.replace(
        "[settings.politeness]",
        "[schedules.every-10-seconds]\ninterval_seconds = 10\n\n[settings.politeness]",
    )
    config.write_text(text, encoding="utf-8")
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_HOME": str(tmp_path / "prefect-client"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        serve = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "portalwatch",
                "serve",
                "-c",
                str(config),
                "-w",
                str(warehouse),
                "--port",
                str(port),
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        # Stage by stage, each with a wait of its own: on a busy machine the server alone may
        # take most of a single wait to start, and the run must not pay for it.
        # No PREFECT_API_URL: serve started its own server, with its database under the data folder.
        wait_for(lambda: api_answers(port), budget(STAGE_LIMIT), "the Prefect server of serve", serve, log)
        wait_for(
            lambda: flow_run_started(port, "ingest"),
            budget(STAGE_LIMIT),
            "a scheduled ingest run to start",
            serve,
            log,
        )
        wait_for(
            lambda: ("ingest", "completed") in completed_runs(warehouse),
            budget(STAGE_LIMIT),
            "a scheduled ingest run",
            serve,
            log,
        )
        assert (tmp_path / "data" / "prefect" / "prefect.db").exists()

        api = env | {"PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}
        listing = subprocess.run(
            [sys.executable, "-m", "prefect", "deployment", "ls"],
            env=api,
            capture_output=True,
            text=True,
            timeout=budget(STAGE_LIMIT),
        )
        assert listing.returncode == 0, listing.stderr
        for name in ("ingest/every-10-seconds", "backfill/on-demand", "reparse/on-demand"):
            assert name in listing.stdout

        deployment = asyncio.run(_read_deployment(api["PREFECT_API_URL"], "ingest/every-10-seconds"))
        assert deployment.schedules[0].schedule.interval == timedelta(seconds=10)
        assert sorted(deployment.parameters["sources"]) == sorted(sim.base_urls)

        started = subprocess.run(
            [
                sys.executable,
                "-m",
                "prefect",
                "deployment",
                "run",
                "backfill/on-demand",
                "--param",
                f"sources={json.dumps(['tuachua'])}",
                "--param",
                "last_page=2",
            ],
            env=api,
            capture_output=True,
            text=True,
            timeout=budget(STAGE_LIMIT),
        )
        assert started.returncode == 0, started.stderr
        wait_for(
            lambda: flow_run_started(port, "backfill"),
            budget(STAGE_LIMIT),
            "the backfill run to start",
            serve,
            log,
        )
        wait_for(
            lambda: ("backfill", "completed") in completed_runs(warehouse),
            budget(STAGE_LIMIT),
            "the backfill run",
            serve,
            log,
        )
        with Warehouse(warehouse).connect(read_only=True) as con:
            parameters = con.execute("SELECT parameters FROM runs WHERE flow = 'backfill'").fetchone()[0]
        assert json.loads(parameters)["sources"] == ["tuachua"] and json.loads(parameters)["last_page"] == 2
    finally:
        os.killpg(serve.pid, signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
    # The local server goes away with serve: its guard stops it once serve has ended.
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while port_open(port):
        assert time.monotonic() < deadline, f"serve's Prefect server still answers on port {port}"
        time.sleep(0.5)


async def _read_deployment(api_url: str, name: str):
    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        async with get_client() as client:
            return await client.read_deployment_by_name(name)
