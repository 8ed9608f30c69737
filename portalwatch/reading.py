"""How the commands that read the warehouse (`status`, `sql`, `check`, `report`, `history`, the
exports) open it: a DuckDB file between two loads, saying so when they wait for one; a DuckLake
at its latest snapshot, without waiting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import duckdb

from portalwatch.errors import StorageError
from portalwatch.storage.session import LOCK_TIMEOUT_SECONDS
from portalwatch.storage.warehouse import reading
from portalwatch.terminal import err, fail


@contextmanager
def read_warehouse(path: Path | str, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the warehouse; for a file that another process is loading into,
    once that load ends (up to `wait` seconds, default LOCK_TIMEOUT_SECONDS), else exit 2."""
    seconds = LOCK_TIMEOUT_SECONDS if wait is None else wait

    def waiting() -> None:
        err.print(
            f"{path}: another process is writing to the warehouse (a load); waiting for it to finish "
            f"(up to {seconds:g} s, --wait SECONDS to change)",
            highlight=False,
        )

    with ExitStack() as stack:
        try:
            con = stack.enter_context(reading(path, seconds, waiting))
        except StorageError as exc:
            fail(f"{exc}. Try again once it is done, or wait longer with --wait SECONDS")
        yield con
