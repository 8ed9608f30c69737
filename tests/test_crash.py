"""Crash safety: `portalwatch run` killed with SIGKILL at several points of a run
(discovering, fetching and parsing, loading) leaves a warehouse that opens, holds
no half-loaded portal and no duplicate, and the next run completes the work; on
both backends (a DuckDB file, a DuckLake)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from portalwatch.lake import is_lake_spec
from portalwatch.storage.warehouse import open_reader

# Every run is a process of its own: slow on a busy machine.
pytestmark = [pytest.mark.prefect, pytest.mark.timeout(900)]

WORLD = {"scale": 0.03, "portals": 3}  # about 60 articles


def simulator_requests(client: httpx.Client, sim) -> int:
    return sum(p["requests"] for p in client.get(f"{sim.control_url}/_sim/portals").json())


def check_consistent(warehouse: str) -> int:
    """Invariants that hold after any crash; returns the number of articles stored."""
    with open_reader(warehouse) as con:
        versions, distinct = con.execute(
            "SELECT count(*), count(DISTINCT (article_id, version)) FROM article_versions"
        ).fetchone()
        assert versions == distinct
        created, articles = con.execute(
            "SELECT (SELECT count(*) FROM changes WHERE change_type = 'created'), (SELECT count(*) FROM article_state)"
        ).fetchone()
        assert created == articles
        # A portal is loaded whole or not at all: its fetches and its versions arrive together.
        orphans = con.execute(
            "SELECT count(*) FROM article_versions v WHERE NOT EXISTS "
            "(SELECT 1 FROM fetches f WHERE f.raw_hash = v.raw_hash AND f.run_id = v.run_id)"
        ).fetchone()[0]
        assert orphans == 0
        return articles


def test_runs_killed_at_several_points_are_completed_by_the_next_run(
    start_simulator, warehouse_backend, prefect_server, tmp_path
):
    sim = start_simulator(**WORLD)
    warehouse = warehouse_backend  # a file not created yet, or a migrated DuckLake
    created = (lambda: True) if is_lake_spec(warehouse) else Path(warehouse).exists
    env = os.environ | {"PORTALWATCH_WAREHOUSE": warehouse, "PORTALWATCH_RAW_DIR": str(tmp_path / "raw")}
    # The runs use one Prefect server, as scheduled runs do (rather than a temporary one each):
    # a run killed while loading holds the load lane until its lease expires, then the next one loads.
    env |= prefect_server.env
    command = [sys.executable, "-m", "portalwatch", "run", "-c", str(sim.config_path), "--revisit", "all"]
    # The articles: fewer requests than a run makes (it reads listing pages as well).
    articles = sum(1 for row in sim.truth() if not row["removed"])
    stored_after_kills = []
    with httpx.Client(timeout=30) as client:
        for fraction in (0.02, 0.3, 0.7, 0.97):
            start = simulator_requests(client, sim)
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
            )
            deadline = time.monotonic() + 120
            while simulator_requests(client, sim) - start < fraction * articles and process.poll() is None:
                assert time.monotonic() < deadline, "the run made no progress"
                time.sleep(0.02)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            if created():
                stored_after_kills.append(check_consistent(warehouse))

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    live = {row["url"] for row in sim.truth() if not row["removed"]}
    assert check_consistent(warehouse) == len(live)
    with open_reader(warehouse) as con:
        assert {row[0] for row in con.execute("SELECT url FROM articles").fetchall()} == live
        assert con.execute("SELECT max(version) FROM article_versions").fetchone()[0] == 1
        statuses = [row[0] for row in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    # Killed runs are marked 'crashed' by the next run; the last one completed.
    assert statuses[-1] == "completed" and set(statuses[:-1]) == {"crashed"}
    assert stored_after_kills, "no kill happened after the warehouse was created"
