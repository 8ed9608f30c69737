"""Where portalwatch keeps its files, unless told otherwise."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_WAREHOUSE = Path("data") / "warehouse.duckdb"


def warehouse_path(value: str | Path | None = None) -> Path:
    """The warehouse file: the argument, else $PORTALWATCH_WAREHOUSE, else data/warehouse.duckdb."""
    return Path(value or os.environ.get("PORTALWATCH_WAREHOUSE") or DEFAULT_WAREHOUSE)


def raw_store_path(warehouse: Path, value: str | Path | None = None) -> Path:
    """The raw store: the argument, else $PORTALWATCH_RAW_DIR, else raw/ beside the warehouse."""
    return Path(value or os.environ.get("PORTALWATCH_RAW_DIR") or warehouse.parent / "raw")
