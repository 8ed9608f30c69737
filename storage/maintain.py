"""Warehouse upkeep: give back the space small loads leave behind, on either backend.

*A DuckDB file* never shrinks in place: deleted and rewritten rows leave free blocks that
later writes reuse but the file keeps. :func:`maintain_file` takes the writer lock (no load
runs meanwhile), checkpoints, and when free blocks are at least `min_free` of the file,
copies the database into a new file beside it (``COPY FROM DATABASE``), checks that every
table holds the same rows (count and content digest) and that the integrity checks answer as
before, and only then renames the new file over the old one. The old file is kept under
``<file>.before-maintain`` until the renamed file has been opened and counted again.

*A DuckLake* runs the extension's own maintenance (:func:`maintain_lake`): inlined rows
written out as Parquet, adjacent small files merged, files most of whose rows were deleted
rewritten (with their delete files), snapshots older than `keep_days`
expired (time travel reaches back that far, no further), and the files those steps
retired deleted once they have been retired for `grace_hours` (a query that started before
still reads them meanwhile).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from portalwatch import lake
from portalwatch.config import DEFAULT_ROW_GROUP_SIZE
from portalwatch.errors import StorageError
from portalwatch.integrity import Problem, check_warehouse
from portalwatch.storage.compat import STORAGE_VERSION
from portalwatch.storage.session import open_file, session_for

DEFAULT_MIN_FREE = 0.2  # rewrite a file once this share of its blocks is free
DEFAULT_KEEP_DAYS = 7.0  # snapshots younger than this stay (time travel reaches back so far)
DEFAULT_GRACE_HOURS = 1.0  # a retired Parquet file is deleted once retired this long
NEW_SUFFIX = ".maintain-new"
OLD_SUFFIX = ".before-maintain"


@dataclass(frozen=True, slots=True)
class FileSize:
    """A DuckDB file's size on disk and how many of its blocks are free."""

    bytes: int
    total_blocks: int
    free_blocks: int

    @property
    def free_share(self) -> float:
        return self.free_blocks / self.total_blocks if self.total_blocks else 0.0

    def __str__(self) -> str:
        return f"{self.bytes / 2**20:.1f} MiB, {self.free_blocks} of {self.total_blocks} blocks free"


@dataclass(frozen=True, slots=True)
class FileResult:
    before: FileSize
    after: FileSize
    rewritten: bool
    tables: dict[str, int]  # rows per table, the same before and after
    problems: list[Problem]


@dataclass(frozen=True, slots=True)
class LakeSize:
    """What a DuckLake keeps: snapshots, the Parquet files its latest snapshot reads, every
    file its catalog still lists, those waiting to be deleted, and rows still inlined."""

    snapshots: int
    live_files: int
    tracked_files: int
    delete_files: int
    scheduled_files: int

    def __str__(self) -> str:
        return (
            f"{self.snapshots} snapshots, {self.live_files} data files in use, {self.tracked_files} "
            f"listed with older snapshots', {self.delete_files} delete files, "
            f"{self.scheduled_files} files waiting to be deleted"
        )


@dataclass(frozen=True, slots=True)
class LakeResult:
    before: LakeSize
    after: LakeSize
    tables: dict[str, int]
    problems: list[Problem]


# ---------------------------------------------------------------------------- DuckDB file


def file_size(con: duckdb.DuckDBPyConnection, path: Path) -> FileSize:
    row = con.execute(
        "SELECT total_blocks, free_blocks FROM pragma_database_size() WHERE database_name = current_database()"
    ).fetchone()
    total, free = row if row else (0, 0)
    return FileSize(path.stat().st_size, int(total), int(free))


def table_digests(con: duckdb.DuckDBPyConnection, catalog: str | None = None) -> dict[str, tuple[int, int]]:
    """Each base table's row count and an order-free digest of its rows, in `catalog` (default:
    the current one), main schema."""
    where = catalog or con.execute("SELECT current_database()").fetchone()[0]  # type: ignore[index]
    names = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
            "AND table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name",
            [where],
        ).fetchall()
    ]
    digests = {}
    for name in names:
        row = con.execute(
            f'SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM "{where}".main."{name}" AS t'
        ).fetchone()
        digests[name] = (int(row[0]), int(row[1])) if row else (0, 0)
    return digests


SCHEMA_SQL = """
SELECT 'table ' || table_name, sql FROM duckdb_tables() WHERE database_name = current_database()
UNION ALL SELECT 'view ' || view_name, sql FROM duckdb_views()
    WHERE database_name = current_database() AND NOT internal
UNION ALL SELECT 'index ' || index_name, sql FROM duckdb_indexes() WHERE database_name = current_database()
UNION ALL SELECT 'macro ' || function_name, macro_definition FROM duckdb_functions()
    WHERE database_name = current_database() AND function_type IN ('macro', 'table_macro') AND NOT internal
ORDER BY ALL
"""


def schema_objects(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The tables, views, indexes and macros of the connection's database, with their SQL."""
    return [(row[0], row[1]) for row in con.execute(SCHEMA_SQL).fetchall()]


@contextlib.contextmanager
def _writer_turn(path: Path, wait: float, on_wait: Callable[[], None] | None) -> Iterator[None]:
    """The warehouse file to ourselves: this process's other callers done, and the writer
    lock beside the file held (a load in another process waits, up to its own timeout)."""
    with session_for(path).exclusive(wait, on_wait):
        yield


def maintain_file(
    path: Path,
    min_free: float = DEFAULT_MIN_FREE,
    wait: float = 600.0,
    on_wait: Callable[[], None] | None = None,
) -> FileResult:
    """Checkpoint the warehouse file and, when `min_free` of its blocks are free, rewrite it
    compactly (see the module's docstring), with the DuckDB settings and row groups this
    process's connections to the file take (:meth:`Warehouse.configured`). Raises StorageError,
    leaving the file as it was, when the copy does not hold what the file held."""
    path = Path(path)
    if not path.exists():
        raise StorageError(path, "no warehouse file here")
    session = session_for(path)
    with _writer_turn(path, wait, on_wait):
        with open_file(
            path, read_only=False, config=session.config, row_group_size=session.row_group_size
        ) as con:
            con.execute("CHECKPOINT")
            before = file_size(con, path)
            digests = table_digests(con)
            problems = check_warehouse(con)
            objects = schema_objects(con)
            rewrite = before.free_share >= min_free and before.free_blocks > 0
            if rewrite:
                fresh = path.with_name(path.name + NEW_SUFFIX)
                _copy_database(con, fresh, session.row_group_size)
        if rewrite:
            _verify(fresh, digests, problems, objects)
            _swap(path, fresh)
            _verify(path, digests, problems, objects)
            path.with_name(path.name + OLD_SUFFIX).unlink()
        with duckdb.connect(str(path), read_only=True) as con:
            after = file_size(con, path)
    return FileResult(before, after, rewrite, {name: rows for name, (rows, _) in digests.items()}, problems)


def _copy_database(
    con: duckdb.DuckDBPyConnection, fresh: Path, row_group_size: int = DEFAULT_ROW_GROUP_SIZE
) -> None:
    """Every table, view, sequence and macro of the connection's database into a new file, in
    row groups of `row_group_size` rows, as a writer appends them, with every compression
    method DuckDB has (a writer's checkpoints leave FSST out)."""
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a copy an earlier run left when it was stopped
    (source,) = con.execute("SELECT current_database()").fetchone()  # type: ignore[misc]
    con.execute("RESET disabled_compression_methods")  # the copy in the smallest form DuckDB finds
    con.execute(
        f"ATTACH '{_quote(fresh)}' AS maintain_fresh "
        f"(ROW_GROUP_SIZE {int(row_group_size)}, STORAGE_VERSION '{STORAGE_VERSION}')"
    )
    try:
        con.execute(f'COPY FROM DATABASE "{source}" TO maintain_fresh')
        con.execute("CHECKPOINT maintain_fresh")
    except BaseException:
        con.execute("DETACH maintain_fresh")
        fresh.unlink(missing_ok=True)
        raise
    con.execute("DETACH maintain_fresh")


def _verify(
    path: Path, digests: dict[str, tuple[int, int]], problems: list[Problem], objects: list[tuple[str, str]]
) -> None:
    """Raise (removing a copy not yet in place) unless `path` holds the same rows and schema
    and answers the integrity checks as the warehouse did."""
    with duckdb.connect(str(path), read_only=True) as con:
        found, found_problems, found_objects = table_digests(con), check_warehouse(con), schema_objects(con)
    differing = sorted(name for name in digests.keys() | found.keys() if digests.get(name) != found.get(name))
    if differing or found_problems != problems or found_objects != objects:
        if differing:
            what = f"tables {', '.join(differing)} differ"
        elif found_problems != problems:
            what = "the integrity checks answer otherwise"
        else:
            what = "its tables, views, indexes or macros differ"
        if path.name.endswith(NEW_SUFFIX):
            path.unlink(missing_ok=True)
        raise StorageError(
            path, f"the rewritten warehouse does not hold what the old one held ({what}); nothing changed"
        )


def _swap(path: Path, fresh: Path) -> None:
    """`fresh` in place of `path`, in one rename; the old file stays under OLD_SUFFIX."""
    for file in (path, fresh):
        wal = file.with_name(file.name + ".wal")
        if wal.exists():  # it would be replayed onto the file that takes the name
            fresh.unlink(missing_ok=True)
            raise StorageError(wal, "a write-ahead log is left beside the warehouse; nothing changed")
    old = path.with_name(path.name + OLD_SUFFIX)
    old.unlink(missing_ok=True)
    os.link(path, old)  # the old file keeps a name until the new one is checked in place
    shutil.copymode(path, fresh)
    os.replace(fresh, path)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")


# ---------------------------------------------------------------------------- DuckLake


def lake_size(con: duckdb.DuckDBPyConnection, alias: str = "lake") -> LakeSize:
    meta = f'"__ducklake_metadata_{alias}"'
    (snapshots,) = con.execute(f"SELECT count(*) FROM {meta}.ducklake_snapshot").fetchone()  # type: ignore[misc]
    live, tracked = con.execute(
        f"SELECT count(*) FILTER (WHERE end_snapshot IS NULL), count(*) FROM {meta}.ducklake_data_file"
    ).fetchone()  # type: ignore[misc]
    (deletes,) = con.execute(
        f"SELECT count(*) FROM {meta}.ducklake_delete_file WHERE end_snapshot IS NULL"
    ).fetchone()  # type: ignore[misc]
    (scheduled,) = con.execute(
        f"SELECT count(*) FROM {meta}.ducklake_files_scheduled_for_deletion"
    ).fetchone()  # type: ignore[misc]
    return LakeSize(int(snapshots), int(live), int(tracked), int(deletes), int(scheduled))


def maintain_lake(
    spec: str | lake.LakeSpec,
    keep_days: float = DEFAULT_KEEP_DAYS,
    grace_hours: float = DEFAULT_GRACE_HOURS,
) -> LakeResult:
    """Run DuckLake's maintenance on the warehouse (see the module's docstring); each step is
    its own transaction, run again when it meets a load's commit."""
    con = duckdb.connect()
    try:
        lake.attach_spec(con, spec, alias="lake")
        con.execute("USE lake")
        before = lake_size(con)
        digests = table_digests(con, "lake")
        steps = (
            "CALL ducklake_flush_inlined_data('lake')",
            "CALL ducklake_merge_adjacent_files('lake')",
            "CALL ducklake_rewrite_data_files('lake')",
            "CALL ducklake_expire_snapshots('lake', older_than => now() - "
            f"INTERVAL '{float(keep_days) * 86400:.0f} seconds')",
            "CALL ducklake_cleanup_old_files('lake', older_than => now() - "
            f"INTERVAL '{float(grace_hours) * 3600:.0f} seconds')",
        )
        for step in steps:
            lake.retry_conflicts(lambda step=step: con.execute(step).fetchall())
        after = lake_size(con)
        found = table_digests(con, "lake")
        problems = check_warehouse(con)
    finally:
        con.close()
    tables = {name: rows for name, (rows, _) in found.items()}
    if {name: rows for name, (rows, _) in digests.items()} != tables:
        # A load committed meanwhile (a DuckLake has no writer lock): rows were added, none may be lost.
        lost = sorted(name for name, (rows, _) in digests.items() if tables.get(name, 0) < rows)
        if lost:
            raise StorageError(str(spec), f"tables {', '.join(lost)} hold fewer rows after maintenance")
    return LakeResult(before, after, tables, problems)
