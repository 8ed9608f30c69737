"""What `portalwatch status` shows: recent runs, how fresh each source is, and each section's coverage."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from cronsim import CronSim

from portalwatch.config import Source, SourcesConfig
from portalwatch.storage.coverage import LATEST_COVERAGE_COLUMNS, latest_coverage

RECENT_RUNS_SQL = """
SELECT run_id, flow, status,
       strftime(started_at, '%Y-%m-%d %H:%M:%S') AS started,
       round(epoch(finished_at) - epoch(started_at), 1) AS seconds,
       (SELECT count(*) FROM fetches f WHERE f.run_id = r.run_id) AS fetches,
       (SELECT count(*) FROM changes c WHERE c.run_id = r.run_id) AS changes,
       (SELECT count(*) FROM fetches f WHERE f.run_id = r.run_id AND f.outcome NOT IN ('ok', 'gone')) AS failed
FROM runs r ORDER BY started_at DESC LIMIT ?
"""

FRESHNESS_SQL = """
WITH last_run AS (
    SELECT source_id, max(run_id) AS run_id, max(fetched_at) AS last_fetch FROM fetches GROUP BY source_id
)
SELECT l.source_id,
       strftime(l.last_fetch, '%Y-%m-%d %H:%M') AS last_fetch,
       (SELECT strftime(max(published_at), '%Y-%m-%d %H:%M') FROM articles a WHERE a.source_id = l.source_id) AS newest_article,
       (SELECT count(*) FROM articles a WHERE a.source_id = l.source_id AND a.removed_at IS NULL) AS articles,
       (SELECT count(*) FROM articles a WHERE a.source_id = l.source_id AND a.removed_at IS NOT NULL) AS removed,
       (SELECT round(100.0 * count(*) FILTER (WHERE outcome NOT IN ('ok', 'gone')) / greatest(count(*), 1), 1)
          FROM fetches f WHERE f.source_id = l.source_id AND f.run_id = l.run_id) AS error_pct_last_run
FROM last_run l
"""
# Documents held and removed per source (document_state came with schema 11).
DOCUMENTS_SQL = """
SELECT d.source_id,
       count(DISTINCT d.document_id) FILTER (WHERE s.removed_at IS NULL) AS documents,
       count(DISTINCT d.document_id) FILTER (WHERE s.removed_at IS NOT NULL) AS documents_removed
FROM documents AS d LEFT JOIN document_state AS s ON s.document_id = d.document_id
GROUP BY d.source_id
"""


LATEST_SOURCES_FILE_SQL = """
SELECT parameters->>'config_path', parameters->>'config_sha256' FROM runs
WHERE parameters->>'config_path' IS NOT NULL ORDER BY started_at DESC LIMIT 1
"""


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> tuple[list[str], list[tuple]]:
    cursor = con.execute(RECENT_RUNS_SQL, [limit])
    return [d[0] for d in cursor.description], cursor.fetchall()


def freshness(
    con: duckdb.DuckDBPyConnection, config: SourcesConfig, now: datetime | None = None
) -> tuple[list[str], list[tuple]]:
    """One row per configured source, with its lifecycle and next scheduled run."""
    seen = {row[0]: row[1:] for row in con.execute(FRESHNESS_SQL).fetchall()}
    documents = (
        {row[0]: row[1:] for row in con.execute(DOCUMENTS_SQL).fetchall()}
        if _has_table(con, "document_state")
        else {}
    )
    columns = [
        "source",
        "schedule",
        "last_fetch",
        "newest_article",
        "articles",
        "removed",
        "error_pct_last_run",
        "documents",
        "documents_removed",
        "next_run",
        "lifecycle",
        "successors",
    ]
    rows = []
    for source in config.sources:
        name = config.schedule_of(source)
        upcoming = (
            next_run(config, name, now)
            if source.scheduled
            else ("never: closed" if source.closed else "never: disabled")
        )
        rows.append(
            (
                source.id,
                name,
                *seen.get(source.id, (None, None, 0, 0, None)),
                *documents.get(source.id, (0, 0)),
                upcoming,
                lifecycle(source),
                ", ".join(source.successors),
            )
        )
    return columns, rows


def coverage(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[tuple]]:
    """Per listing section, its latest walk: held of stated entries, missing pages."""
    if not _has_table(con, "section_coverage"):
        return list(
            LATEST_COVERAGE_COLUMNS
        ), []  # written before coverage was recorded: the next run migrates it
    return list(LATEST_COVERAGE_COLUMNS), latest_coverage(con)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the warehouse has the table (an older one lacks the later migrations' until the next run)."""
    return bool(
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0]
    )


def lifecycle(source: Source) -> str:
    """`active`, `frozen 2025-07-01`, `closed 2025-07-01`, with the first day when known."""
    since = f"from {source.active_from} " if source.active_from else ""
    until = f" {source.active_until}" if source.active_until else ""
    return f"{since}{source.status}{until}".strip()


def sources_file_of_runs(con: duckdb.DuckDBPyConnection) -> tuple[Path, str | None] | None:
    """The sources file the warehouse's latest run read, with the SHA-256 it had then (older runs lack it)."""
    row = con.execute(LATEST_SOURCES_FILE_SQL).fetchone()
    if row is None or not row[0] or row[0] == "None":
        return None
    return Path(row[0]), row[1]


def next_run(config: SourcesConfig, schedule_name: str, now: datetime | None = None) -> str:
    schedule = config.all_schedules[schedule_name]
    zone = ZoneInfo(schedule.timezone)
    now = (now or datetime.now(zone)).astimezone(zone)
    if schedule.cron:
        upcoming = next(CronSim(schedule.cron, now.replace(tzinfo=None)))
    else:
        upcoming = now.replace(tzinfo=None) + timedelta(seconds=schedule.interval_seconds or 0)
    return f"{upcoming:%Y-%m-%d %H:%M} {schedule.timezone}"
