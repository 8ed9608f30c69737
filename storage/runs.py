"""Run bookkeeping: the ``runs`` table (which run, when, how it ended) and the chunks a
backfill has loaded (``backfill_progress``)."""

from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta

import duckdb

from portalwatch.lifeline import process_alive
from portalwatch.storage.backend import replace_into


def start_run(con: duckdb.DuckDBPyConnection, flow: str, parameters: dict) -> str:
    """Record a new run; runs of this machine whose process is gone are marked 'crashed'.

    Run ids sort in the order runs started (``max(run_id)`` is the latest run), even for
    runs started within the same second or after the clock went back: the id is the start
    time to the microsecond, never earlier than the latest run's."""
    host = socket.gethostname()
    (latest,) = con.execute("SELECT max(started_at) FROM runs").fetchone()
    started = datetime.now(UTC)
    if latest is not None and started <= latest:
        started = (latest + timedelta(microseconds=1)).astimezone(UTC)
    run_id = f"{started:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"
    running = con.execute(
        "SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", [host]
    ).fetchall()
    dead = [stale_id for stale_id, pid in running if pid is None or not process_alive(pid)]
    if dead:
        con.execute(
            "UPDATE runs SET status = 'crashed', finished_at = ? WHERE list_contains(?, run_id)",
            [datetime.now(UTC), dead],
        )
    con.execute(
        "INSERT INTO runs (run_id, flow, started_at, status, parameters, host, pid) "
        "VALUES (?, ?, ?, 'running', ?, ?, ?)",
        [
            run_id,
            flow,
            started,
            json.dumps(parameters, ensure_ascii=False, default=str),
            host,
            os.getpid(),
        ],
    )
    return run_id


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, summary: dict) -> None:
    con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
        [datetime.now(UTC), status, json.dumps(summary, ensure_ascii=False, default=str), run_id],
    )


def loaded_chunks(con: duckdb.DuckDBPyConnection, backfill_key: str, source_id: str) -> set[tuple[str, int]]:
    """(section, first page) of every chunk this backfill already loaded."""
    rows = con.execute(
        "SELECT section, first_page FROM backfill_progress WHERE backfill_key = ? AND source_id = ?",
        [backfill_key, source_id],
    ).fetchall()
    return {(section, first_page) for section, first_page in rows}


def mark_chunk_loaded(
    con: duckdb.DuckDBPyConnection, backfill_key: str, source_id: str, section: str, pages: range, run_id: str
) -> None:
    replace_into(
        con,
        "INSERT OR REPLACE INTO backfill_progress VALUES (?, ?, ?, ?, ?, ?, ?)",
        [backfill_key, source_id, section, pages.start, pages.stop - 1, run_id, datetime.now(UTC)],
    )
