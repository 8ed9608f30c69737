"""Where portalwatch keeps its files, unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"
# A DuckLake warehouse is named by a spec, `ducklake:postgres:<libpq DSN> [data_path=…]`.
LAKE_PREFIX = "ducklake:"
# A raw store on an object store is named by its URL.
OBJECT_STORE_SCHEMES = ("s3://",)


def is_lake(value: str | os.PathLike | None) -> bool:
    """Whether a warehouse location is a DuckLake spec rather than a DuckDB file."""
    return value is not None and str(value).startswith(LAKE_PREFIX)


def warehouse_location(value: str | Path | None = None, configured: str | None = None) -> str | Path:
    """The warehouse: the argument, else $PORTALWATCH_WAREHOUSE, else the sources file's
    ``[settings.warehouse]`` (`configured`), else data/warehouse.duckdb. A DuckLake spec is
    returned as the string it is (a path would fold its ``s3://``); a file as a Path."""
    chosen = value or os.environ.get("PORTALWATCH_WAREHOUSE") or configured or DEFAULT_WAREHOUSE
    return str(chosen) if is_lake(chosen) else Path(chosen)


def warehouse_path(value: str | Path | None = None) -> Path:
    """The warehouse file: the argument, else $PORTALWATCH_WAREHOUSE, else data/warehouse.duckdb."""
    return Path(value or os.environ.get("PORTALWATCH_WAREHOUSE") or DEFAULT_WAREHOUSE)


def raw_store_path(
    warehouse: str | Path, value: str | Path | None = None, configured: str | None = None
) -> Path | str:
    """The raw store: the argument, else $PORTALWATCH_RAW_DIR, else the sources file's
    ``[settings.raw] location`` (`configured`), else raw/ beside the warehouse file (data/raw for a
    DuckLake warehouse). An object store URL (``s3://bucket/prefix``) is returned as the string
    it is (a path would fold its ``//``); a folder as a Path."""
    beside = DEFAULT_WAREHOUSE.parent if is_lake(warehouse) else Path(warehouse).parent
    chosen = value or os.environ.get("PORTALWATCH_RAW_DIR") or configured or beside / "raw"
    return str(chosen) if str(chosen).startswith(OBJECT_STORE_SCHEMES) else Path(chosen)
