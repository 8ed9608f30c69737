"""The warehouse's schema: the SQL migrations under ``migrations/``, applied in order."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb

from portalwatch.errors import StorageError


def migrate(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """Apply every migration the file lacks, in order; returns the schema version.

    Applied migrations are listed one by one in ``portalwatch_migrations``,
    so a migration added between two others is still applied.
    """
    con.execute(
        "CREATE TABLE IF NOT EXISTS portalwatch_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
    )
    con.execute(
        "CREATE TABLE IF NOT EXISTS portalwatch_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
    )
    applied = {row[0] for row in con.execute("SELECT version FROM portalwatch_migrations").fetchall()}
    found = migrations()
    known = {version for version, _ in found}
    if applied - known:
        raise StorageError(
            path,
            f"written by a newer portalwatch (migrations {sorted(applied - known)} unknown here); upgrade it",
        )
    for version, sql in found:
        if version in applied:
            continue
        con.execute("BEGIN")
        con.execute(sql)
        con.execute("INSERT INTO portalwatch_migrations VALUES (?, ?)", [version, datetime.now(UTC)])
        con.execute(
            "INSERT OR REPLACE INTO portalwatch_meta VALUES ('schema_version', ?)",
            [str(max(applied | {version}))],
        )
        con.execute("COMMIT")
        applied.add(version)
    return max(applied)


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every file in migrations/, named NNN_what.sql, in order."""
    folder = resources.files("portalwatch.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)
