"""Query results as Arrow tables, whichever DuckDB release is installed."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def query_arrow(con: duckdb.DuckDBPyConnection, sql: str, params: dict | list | None = None) -> pa.Table:
    """A query's result as one Arrow table (through a relation: no extra copy of the rows)."""
    relation = con.sql(sql, params=params)
    fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
    result = fetch()
    return result.read_all() if isinstance(result, pa.RecordBatchReader) else result
