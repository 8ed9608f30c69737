"""Killed means gone: no process outlives the one that started it, however that one ends.

A run killed with SIGKILL mid-crawl leaves neither its page workers nor its temporary
Prefect server behind, and the next run completes the warehouse; a simulator stopped
with SIGTERM or SIGINT shuts down cleanly with its PDF worker, and one whose owner is
killed stops on its own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import httpx
import psutil
import pytest
from budget import budget
from crawling import query

from portalwatch.sim.process import SimulatorProcess

GONE_WITHIN_SECONDS = 20.0


def marked(tag: str) -> list[psutil.Process]:
    """Processes whose environment carries `tag` (what a process starts inherits it)."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get("PORTALWATCH_TEST_TAG") == tag:
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def alive(processes: list[psutil.Process]) -> list[str]:
    left = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{process.pid} {' '.join(process.cmdline())[:200]}")
        except psutil.NoSuchProcess:
            continue
    return left


def left_behind(tree: list[psutil.Process], tag: str | None = None) -> list[str]:
    """What is still running of `tree` (and of the processes tagged `tag`) after a grace period."""
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while True:
        left = alive(tree + (marked(tag) if tag else []))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def fetch_a_pdf(sim: SimulatorProcess) -> None:
    """Have the simulator render a PDF, which starts its PDF worker."""
    document = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()[0]
    assert httpx.get(document["file_url"], timeout=60).status_code == 200


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_simulator_stopped_with_sigterm_or_sigint_shuts_down_with_its_workers(tmp_path, signum):
    with SimulatorProcess(tmp_path / "sources.toml", seed=3, scale=0.02) as sim:
        fetch_a_pdf(sim)
        tree = psutil.Process(sim.process.pid).children(recursive=True)
        assert tree, "the PDF worker runs in a child process"
        sim.process.send_signal(signum)
        assert sim.process.wait(timeout=30) == 0
    assert left_behind(tree) == []


def test_a_simulator_whose_owner_is_killed_stops_with_its_workers(tmp_path):
    tag = uuid.uuid4().hex
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time, httpx; from pathlib import Path; from portalwatch.sim.process import SimulatorProcess\n"
            "sim = SimulatorProcess(Path(sys.argv[1]), seed=3, scale=0.02).__enter__()\n"
            "doc = httpx.get(sim.control_url + '/_sim/documents', timeout=30).json()[0]\n"
            "httpx.get(doc['file_url'], timeout=60).raise_for_status()\n"
            "print('ready', flush=True); time.sleep(600)",
            str(tmp_path / "sources.toml"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PORTALWATCH_TEST_TAG": tag},
    )
    try:
        assert owner.stdout.readline().strip() == "ready"
        tree = psutil.Process(owner.pid).children(recursive=True)
        assert len(tree) >= 2  # the simulator and its PDF worker
        owner.kill()
        owner.wait()
        assert left_behind(tree, tag) == []
    finally:
        owner.kill()


# The stages of the test below: the run reaching mid-crawl (its Prefect server started), and the
# whole second run. On a busy machine each can take minutes; the test may take them all.
MID_CRAWL_LIMIT, RUN_LIMIT = 180, 600  # seconds on an idle machine; the waits grow with the load


@pytest.mark.prefect
@pytest.mark.timeout(MID_CRAWL_LIMIT + 2 * GONE_WITHIN_SECONDS + RUN_LIMIT + 60)
def test_a_run_killed_with_sigkill_mid_crawl_leaves_nothing_and_the_next_run_completes(
    start_simulator, tmp_path
):
    sim = start_simulator(scale=0.05, latency_ms=5.0)
    warehouse = tmp_path / "warehouse.duckdb"
    tag = uuid.uuid4().hex
    env = os.environ | {"PORTALWATCH_WAREHOUSE": str(warehouse), "PORTALWATCH_TEST_TAG": tag}
    command = [sys.executable, "-m", "portalwatch", "run", "-c", str(sim.config_path)]
    run = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + budget(MID_CRAWL_LIMIT)
        articles = [row["url"] for row in sim.truth() if not row["removed"]]
        # Mid-crawl: listing pages walked and a good share of the articles asked for, not all.
        while (
            sum(1 for entry in sim.requests() if entry["path"] not in ("/robots.txt",)) < len(articles) // 3
        ):
            assert run.poll() is None, f"the run ended before it could be killed: {run.stderr.read()[-2000:]}"
            assert time.monotonic() < deadline, "the run made no progress"
            time.sleep(0.05)
        tree = psutil.Process(run.pid).children(recursive=True)
        assert len(tree) >= 2  # page workers and the temporary Prefect server at least
        run.send_signal(signal.SIGKILL)
        run.wait()
    finally:
        run.kill()
    assert left_behind(tree, tag) == []

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=budget(RUN_LIMIT))
    assert again.returncode == 0, again.stderr[-3000:]
    truth = {row["url"]: row["title"] for row in sim.truth() if not row["removed"]}
    stored = query(warehouse, "SELECT url, title FROM articles WHERE removed_at IS NULL")
    assert len(stored) == len({url for url, _ in stored})  # each article once
    assert dict(stored) == truth
    assert query(warehouse, "SELECT status FROM runs ORDER BY started_at") == [("crashed",), ("completed",)]
    assert left_behind([], tag) == []
