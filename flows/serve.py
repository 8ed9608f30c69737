"""Deployments: `ingest` on each configured schedule, `backfill`, `reparse` and `crawl-portal` on demand.

`portalwatch serve` serves them from one process against the Prefect API in
PREFECT_API_URL; without one it starts a local Prefect server (SQLite under
the data folder) first, because the ephemeral in-process server runs flows
but never schedules them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from prefect import Flow, aserve
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.deployments.runner import EntrypointType, RunnerDeployment
from prefect.schedules import Cron, Interval
from prefect.settings import PREFECT_API_URL, temporary_settings

from portalwatch import lifeline
from portalwatch.config import SourcesConfig
from portalwatch.flows.archive import archive_backfill
from portalwatch.flows.backfill import backfill
from portalwatch.flows.fanout import crawl_portal
from portalwatch.flows.ingest import ingest
from portalwatch.flows.reparse import reparse
from portalwatch.paths import is_lake

ON_DEMAND = "on-demand"
# The flows deployed to run when asked (prefect.yaml declares the same), with what each does.
ON_DEMAND_FLOWS: tuple[tuple[Flow, str], ...] = (
    (backfill, "Walk listing pages or a publication period; idempotent, resumable"),
    (archive_backfill, "Recover portals' history from a web archive; idempotent"),
    (reparse, "Parse stored raw pages again with the current parsers"),
    (crawl_portal, "One portal of an ingest run with fan_out: crawl, load package, load lane"),
)


def build_deployments(
    config_path: Path, config: SourcesConfig, warehouse: Path | str
) -> list[RunnerDeployment]:
    """One `ingest` deployment per schedule (with its sources), plus an `on-demand` one of each
    flow in :data:`ON_DEMAND_FLOWS` (backfill, archive-backfill, reparse, crawl-portal).

    Closed and disabled sources are on no schedule.
    """
    config_file = str(config_path.resolve())
    warehouse_file = str(warehouse) if is_lake(warehouse) else str(Path(warehouse).resolve())
    groups: dict[str, list[str]] = defaultdict(list)
    for source in config.sources:
        if source.scheduled:
            groups[config.schedule_of(source)].append(source.id)
    deployments = []
    for name, source_ids in sorted(groups.items()):
        schedule = config.all_schedules[name]
        trigger = (
            Cron(schedule.cron, timezone=schedule.timezone)
            if schedule.cron
            else Interval(schedule.interval_seconds, timezone=schedule.timezone)
        )
        deployments.append(
            ingest.to_deployment(
                name=name,
                schedules=[trigger],
                parameters={
                    "config_path": config_file,
                    "sources": source_ids,
                    "revisit": schedule.revisit,
                    "warehouse": warehouse_file,
                },
                description=f"Scheduled crawl of {', '.join(source_ids)}",
                tags=["portalwatch", "scheduled"],
                # A crawl still running when its next slot comes: that slot is skipped, not queued.
                concurrency_limit=ConcurrencyLimitConfig(
                    limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW
                ),
                entrypoint_type=EntrypointType.MODULE_PATH,
            )
        )
    defaults = {"config_path": config_file, "warehouse": warehouse_file}
    deployments.extend(on_demand(flow, description, defaults) for flow, description in ON_DEMAND_FLOWS)
    return deployments


def on_demand(flow: Flow, description: str, parameters: dict) -> RunnerDeployment:
    """The `<flow>/on-demand` deployment: run when asked, with the sources file and warehouse as defaults."""
    return flow.to_deployment(
        name=ON_DEMAND,
        parameters=parameters,
        tags=["portalwatch"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        description=description,
    )


async def serve_deployments(deployments: list[RunnerDeployment], limit: int | None = None) -> None:
    await aserve(*deployments, limit=limit, print_starting_message=True)


@contextmanager
def prefect_api(data_dir: Path, port: int = 4200, startup_timeout: float = 120.0) -> Iterator[str]:
    """The configured Prefect API, or a local Prefect server started for the duration."""
    configured = os.environ.get("PREFECT_API_URL") or PREFECT_API_URL.value()
    if configured:
        yield configured
        return
    home = data_dir / "prefect"
    home.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"PREFECT_HOME": str(home.resolve()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    log = open(home / "server.log", "ab")  # noqa: SIM115 (the server writes it while it runs)
    # In a session of its own, with a guard that stops it (and whatever it started) if this process is killed.
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    guard = lifeline.guard(server.pid)
    url = f"http://127.0.0.1:{port}/api"
    try:
        _wait_healthy(url, server, startup_timeout, home / "server.log")
        with temporary_settings(updates={PREFECT_API_URL: url}):
            yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        guard.wait()
        log.close()


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the local Prefect server exited with {server.returncode}; see {log_path}")
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the local Prefect server did not answer within {timeout:.0f} s; see {log_path}")
