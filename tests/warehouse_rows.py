"""Every table of a warehouse file as sorted rows, for comparing two warehouses' contents."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb


def warehouse_rows(
    path: Path | str,
    leave_out: Callable[[str, str], bool] = lambda table, column: False,
    tables_left_out: frozenset[str] = frozenset(),
) -> dict[str, list[tuple]]:
    """Each base table's rows, sorted, but the tables in `tables_left_out` and the columns for
    which `leave_out(table, column)` is true (those that say when or in which run a row was
    written, which differ between two warehouses that hold the same)."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY 1"
            ).fetchall()
            if row[0] not in tables_left_out
        ]
        rows = {}
        for table in tables:
            columns = [
                row[0]
                for row in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [table],
                ).fetchall()
                if not leave_out(table, row[0])
            ]
            listed = ", ".join(f'"{c}"' for c in columns)
            rows[table] = sorted(con.execute(f"SELECT {listed} FROM {table}").fetchall(), key=repr)
        return rows
