"""What differs between the two warehouse backends, for the code that writes to either.

A DuckDB file keeps the keys its migrations declare; a DuckLake (catalog in PostgreSQL,
data as Parquet) has no PRIMARY KEY, no UNIQUE and no ``INSERT OR REPLACE``. On a
DuckLake the writers keep the keys themselves, from the same declarations
(:func:`portalwatch.storage.schema.table_keys`): an upsert deletes the rows it replaces
and inserts the new ones in the caller's transaction (:func:`replace_into`), and an
append into a keyed table skips the rows whose key is already stored (:func:`insert_new`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from weakref import WeakKeyDictionary

import duckdb
import pyarrow as pa

from portalwatch.storage.schema import table_keys
from portalwatch.storage.sqlarrow import query_arrow

_REPLACE = re.compile(
    r"^\s*INSERT\s+OR\s+REPLACE\s+INTO\s+(\w+)\s*(?:\(([^)]*)\))?\s*(.*?)\s*;?\s*$",
    re.IGNORECASE | re.DOTALL,
)


# The backend of the connections inside `known_backend`: asked once, not at every statement.
_known: WeakKeyDictionary[duckdb.DuckDBPyConnection, bool] = WeakKeyDictionary()


def on_lake(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the connection's current catalog is a DuckLake."""
    known = _known.get(con)
    if known is not None:
        return known
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and row[0] == "ducklake"


@contextmanager
def known_backend(con: duckdb.DuckDBPyConnection) -> Iterator[bool]:
    """Within: :func:`on_lake` of `con` answered without a query (a load's writers ask at most of
    their statements; its catalog does not change under it). Yields whether it is a DuckLake."""
    if con in _known:
        yield _known[con]
        return
    lake = on_lake(con)
    _known[con] = lake
    try:
        yield lake
    finally:
        _known.pop(con, None)


def columns_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's columns, in order, in the current catalog and schema."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
        "AND table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [row[0] for row in rows]


def replace_into(
    con: duckdb.DuckDBPyConnection, sql: str, params: list | dict | None = None, lake: bool | None = None
) -> None:
    """Run ``INSERT OR REPLACE INTO table [(columns)] <VALUES or SELECT>``; on a DuckLake, as the
    rows it names (read once, before anything changes) deleted by key and inserted again."""
    if not (on_lake(con) if lake is None else lake):
        con.execute(sql, params)
        return
    found = _REPLACE.match(sql)
    if found is None:
        raise ValueError(f"not an INSERT OR REPLACE statement: {sql[:80]!r}")
    table, listed, source = found.groups()
    columns = [c.strip() for c in listed.split(",")] if listed else columns_of(con, table)
    names = ", ".join(columns)
    rows = query_arrow(con, f"SELECT * FROM ({source}) AS upsert_rows({names})", params)
    replace_rows(con, table, rows)


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Delete the stored rows that share a key with `rows`, then insert `rows` (by column name)."""
    if rows.num_rows == 0:
        return
    names = ", ".join(rows.column_names)
    con.register("upsert_rows", rows)
    try:
        con.execute(
            f"DELETE FROM {table} WHERE {_stored_key(table)} IN (SELECT {_key(table)} FROM upsert_rows)"
        )
        con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM upsert_rows")
    finally:
        con.unregister("upsert_rows")


def insert_new(con: duckdb.DuckDBPyConnection, table: str, view: str, columns: str) -> None:
    """Append the rows of `view` to `table`; on a DuckLake, those whose key `table` lacks
    (the key the DuckDB file would enforce). `columns`: the comma-separated names."""
    if table in table_keys() and on_lake(con):
        con.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {view} "
            f"WHERE {_key(table)} NOT IN (SELECT {_stored_key(table)} FROM {table})"
        )
    else:
        con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {view}")


def _key(table: str) -> str:
    """The table's key as one value (a row of its key columns), comparable with IN."""
    keys = table_keys()[table]
    return keys[0] if len(keys) == 1 else f"row({', '.join(keys)})"


def _stored_key(table: str) -> str:
    keys = table_keys()[table]
    qualified = [f"{table}.{key}" for key in keys]
    return qualified[0] if len(keys) == 1 else f"row({', '.join(qualified)})"


def replace_for(con: duckdb.DuckDBPyConnection, name: str, rows: pa.Table, sql: str) -> None:
    """:func:`replace_into` with `rows` visible to the statement as `name`."""
    con.register(name, rows)
    try:
        replace_into(con, sql)
    finally:
        con.unregister(name)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to a table by column name; on a DuckLake, only those whose key the
    table does not hold yet (:func:`insert_new`)."""
    if rows.num_rows == 0:
        return
    con.register("new_rows", rows)
    try:
        insert_new(con, table, "new_rows", ", ".join(rows.column_names))
    finally:
        con.unregister("new_rows")


def take_write_turn(con: duckdb.DuckDBPyConnection) -> None:
    """On a DuckLake, count this transaction in ``portalwatch_meta``: two that overlap both
    update that row, so the later one to commit fails with a conflict and runs again on the
    other's snapshot (loads into a DuckLake are serializable). Nothing on a DuckDB file."""
    if not on_lake(con):
        return
    (updated,) = con.execute(
        "UPDATE portalwatch_meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'writes'"
    ).fetchone() or (0,)
    if not updated:
        con.execute("INSERT INTO portalwatch_meta VALUES ('writes', '1')")
