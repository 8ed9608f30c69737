"""Arrow and DuckDB together: query results as Arrow tables (whichever DuckDB release is
installed), Arrow rows into tables, and the column builders the loaders share."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pa.Table:
    """A query's result as one Arrow table (through a relation: no extra copy of the rows)."""
    relation = con.sql(sql, params=params)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    result = fetch()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result


# Timestamps as the warehouse stores them.
TS = pa.timestamp("us", tz="UTC")


def register_for(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> None:
    """Run `sql` with `table` visible to it as `name`."""
    con.register(name, table)
    try:
        con.execute(sql)
    finally:
        con.unregister(name)


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to a table, by column name (nothing for no rows)."""
    if rows.num_rows == 0:
        return
    con.register("batch_rows", rows)
    columns = ", ".join(rows.column_names)
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM batch_rows")
    con.unregister("batch_rows")


def flags(column: pa.ChunkedArray) -> np.ndarray:
    """A boolean column as a numpy array."""
    return column.to_numpy(zero_copy_only=False).astype(bool)


def string_lists(lists: list[tuple[str, ...]]) -> pa.Array:
    """A list<string> column from tuples of strings (built from one flat array)."""
    offsets = np.zeros(len(lists) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, lists), np.int32, len(lists)), out=offsets[1:])
    values = pa.array([item for items in lists for item in items], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def texts(values: list[str]) -> pa.Array:
    """A string column of long texts, encoded here: `pa.array` would leave a UTF-8 copy cached
    in every str object (as large again as the texts, for as long as the records live)."""
    if None in values:
        return pa.array(values, pa.string())
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets.astype(np.int32)), data)
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), data)
