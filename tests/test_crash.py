"""Crash safety: `portalwatch run` killed with SIGKILL at several points of a run
(discovering, fetching and parsing, loading) leaves a warehouse that opens, holds
no half-loaded portal and no duplicate, and the next run completes the work."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.prefect


def simulator_requests(sim) -> int:
    return sum(p["requests"] for p in httpx.get(f"{sim.control_url}/_sim/portals", timeout=30).json())


def check_consistent(warehouse) -> int:
    """Invariants that hold after any crash; returns the number of articles stored."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
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


def test_runs_killed_at_several_points_are_completed_by_the_next_run(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    env = os.environ | {"PORTALWATCH_WAREHOUSE": str(warehouse)}
    command = [sys.executable, "-m", "portalwatch", "run", "-c", str(sim.config_path), "--revisit", "all"]
    total_requests = sum(1 for row in sim.truth() if not row["removed"]) + 20  # articles plus listing pages
    stored_after_kills = []
    for fraction in (0.02, 0.3, 0.7, 0.97):
        start = simulator_requests(sim)
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 120
        while simulator_requests(sim) - start < fraction * total_requests and process.poll() is None:
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.01)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        if warehouse.exists():
            stored_after_kills.append(check_consistent(warehouse))

    finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    live = {row["url"] for row in sim.truth() if not row["removed"]}
    assert check_consistent(warehouse) == len(live)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert {row[0] for row in con.execute("SELECT url FROM articles").fetchall()} == live
        assert con.execute("SELECT max(version) FROM article_versions").fetchone()[0] == 1
        statuses = [row[0] for row in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    # Killed runs are marked 'crashed' by the next run; the last one completed.
    assert statuses[-1] == "completed" and set(statuses[:-1]) == {"crashed"}
    assert stored_after_kills, "no kill happened after the warehouse was created"
