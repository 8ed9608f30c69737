"""The warehouse's schema: the SQL migrations under ``migrations/``, applied in order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from portalwatch.errors import StorageError

BOOKKEEPING_SQL = """
CREATE TABLE IF NOT EXISTS portalwatch_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS portalwatch_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ);
"""

_CREATE_TABLE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(\w+)\s*\(", re.IGNORECASE)
_TABLE_KEY = re.compile(
    r",(?P<comment>[ \t]*--[^\n]*)?\s*(?:PRIMARY\s+KEY|UNIQUE)\s*\((?P<columns>[^)]*)\)", re.IGNORECASE
)
_COLUMN_KEY = re.compile(r"^\s*(\w+)\s[^,\n]*?\s(?:PRIMARY\s+KEY|UNIQUE)\b", re.IGNORECASE | re.MULTILINE)
_OR_IGNORE = re.compile(r"INSERT\s+OR\s+IGNORE\s+INTO", re.IGNORECASE)
_COLUMN_KEY_WORDS = re.compile(r"\s+(?:PRIMARY\s+KEY|UNIQUE)\b(?!\s*\()", re.IGNORECASE)
# A migration that changes how a DuckDB file stores its tables, meaningless for a DuckLake's Parquet:
# a DuckLake records it as applied and runs none of it.
FILE_ONLY = "-- portalwatch: DuckDB file only"


@dataclass(frozen=True, slots=True)
class Keyless:
    """A migration's DDL without its keys, and the keys it declared: table -> key columns."""

    sql: str
    keys: dict[str, tuple[str, ...]]


def without_keys(sql: str) -> Keyless:
    """The DDL with its PRIMARY KEY and UNIQUE constraints removed (a DuckLake has none; its
    seed rows' ``INSERT OR IGNORE`` becomes a plain INSERT), and the key each CREATE TABLE
    declared, which the loader then keeps itself."""
    keys: dict[str, tuple[str, ...]] = {}
    for found in _CREATE_TABLE.finditer(sql):
        body = _parenthesized(sql, found.end() - 1)
        table_key = _TABLE_KEY.search(body)
        column_key = _COLUMN_KEY.search(body)
        if table_key:
            keys[found.group(1)] = tuple(column.strip() for column in table_key.group("columns").split(","))
        elif column_key:
            keys[found.group(1)] = (column_key.group(1),)
    keyless = _COLUMN_KEY_WORDS.sub("", _TABLE_KEY.sub(r"\g<comment>", sql))
    # A migration runs once: its seed rows go into the table it has just created.
    return Keyless(_OR_IGNORE.sub("INSERT INTO", keyless), keys)


def _parenthesized(sql: str, start: int) -> str:
    """The text between the parenthesis at `start` and the one that closes it."""
    depth = 0
    for at in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[at], 0)
        if depth == 0:
            return sql[start + 1 : at]
    raise ValueError(f"unbalanced parentheses after {sql[max(0, start - 40) : start + 1]!r}")


@cache
def table_keys() -> dict[str, tuple[str, ...]]:
    """The key of every keyed table the migrations create: table -> its key columns."""
    keys = dict(without_keys(BOOKKEEPING_SQL).keys)
    for _, sql in migrations():
        keys |= without_keys(sql).keys
    return keys


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str, keyless: bool = False) -> int:
    """Apply every migration the file lacks, in order; returns the schema version.

    Applied migrations are listed one by one in ``portalwatch_migrations``,
    so a migration added between two others is still applied. `keyless` (a DuckLake)
    applies the same DDL without its keys (:func:`without_keys`), and skips the migrations
    marked FILE_ONLY.
    """

    def ddl(sql: str) -> str:
        return without_keys(sql).sql if keyless else sql

    con.execute(ddl(BOOKKEEPING_SQL))
    if keyless:  # the row every write transaction updates (storage.backend.take_write_turn)
        con.execute(
            "INSERT INTO portalwatch_meta SELECT 'writes', '0' "
            "WHERE NOT EXISTS (SELECT 1 FROM portalwatch_meta WHERE key = 'writes')"
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
        if not (keyless and FILE_ONLY in sql):
            con.execute(ddl(sql))
        con.execute("INSERT INTO portalwatch_migrations VALUES (?, ?)", [version, datetime.now(UTC)])
        _set_schema_version(con, str(max(applied | {version})), keyless)
        con.execute("COMMIT")
        applied.add(version)
    return max(applied)


def _set_schema_version(con: duckdb.DuckDBPyConnection, version: str, keyless: bool) -> None:
    if keyless:
        con.execute("DELETE FROM portalwatch_meta WHERE key = 'schema_version'")
        con.execute("INSERT INTO portalwatch_meta VALUES ('schema_version', ?)", [version])
    else:
        con.execute("INSERT OR REPLACE INTO portalwatch_meta VALUES ('schema_version', ?)", [version])


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every file in migrations/, named NNN_what.sql, in order."""
    folder = resources.files("portalwatch.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)
