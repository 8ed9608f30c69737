"""Warehouse files and DuckDB releases: the storage format portalwatch writes
(STORAGE_VERSION); for a file another DuckDB release wrote, what went wrong when it does not
open, how to carry it over, and the import that does.

A file written by a newer DuckDB (2.0 writes storage versions 1.5.5 cannot read) fails
to open with "Trying to read a database file with version number …". Nothing is done to
the file: the message says how to move its data (``EXPORT DATABASE`` with the DuckDB that
wrote it, then ``portalwatch warehouse import``).
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from portalwatch.errors import StorageError

# The DuckDB storage format a warehouse file is written in. From v1.2.0 DuckDB compresses long
# strings (over about 4 kB, as most article bodies are) with zstd; in the older formats they
# are stored uncompressed, FSST and dictionaries taking only short ones. A file in an older
# format is upgraded in place the first time a writer attaches it (its rows stay as they are
# until rewritten); DuckDB releases before 1.2 cannot read it afterwards.
STORAGE_VERSION = "v1.2.0"

_NEWER = re.compile(r"database file with version number (\d+)", re.IGNORECASE)


_HELD = re.compile(
    r"Could not set lock on file.*Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)", re.S
)


def held_elsewhere(exc: duckdb.Error) -> bool:
    """Whether the file did not open because another program has it open (DuckDB's file lock)."""
    return _HELD.search(str(exc)) is not None


def explain_open_error(path: Path | str, exc: duckdb.Error) -> str:
    """Why `path` does not open, and, when a newer DuckDB wrote it, how to carry it over."""
    held = _HELD.search(str(exc))
    if held is not None:
        return (
            f"cannot open the warehouse: another program ({held['program']}, process {held['pid']}) "
            "has it open for writing, and DuckDB lets no other process open the file meanwhile"
        )
    found = _NEWER.search(str(exc))
    if found is None:
        return f"cannot open the warehouse: {exc}"
    return (
        f"cannot open the warehouse: it was written by a newer DuckDB (storage version "
        f"{found.group(1)}) than the {duckdb.__version__} portalwatch runs on, which cannot read it. "
        "The file was left untouched. To carry it over: with the DuckDB that wrote it "
        f"(e.g. `pip install 'duckdb>=2,<3'` in another environment) run "
        f"`python -c \"import duckdb; duckdb.connect('{path}').execute(\\\"EXPORT DATABASE 'export-dir' "
        f'(FORMAT parquet)\\")"`, then `portalwatch warehouse import export-dir --warehouse NEW_FILE` '
        "and use NEW_FILE."
    )


def import_database(folder: Path, target: Path) -> None:
    """Create the warehouse file `target` from an ``EXPORT DATABASE`` folder (never over an existing file).

    What ``IMPORT DATABASE`` does, in an order that holds: the export lists views by name,
    and a view read by one listed before it fails there, so a statement that fails is
    tried again after the others; the data files are found in `folder`, wherever it was
    written.
    """
    if not (folder / "schema.sql").is_file() or not (folder / "load.sql").is_file():
        raise StorageError(folder, "not an EXPORT DATABASE folder (no schema.sql and load.sql in it)")
    if target.exists():
        raise StorageError(target, "already exists; import into a new file")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with duckdb.connect(str(target), config={"storage_compatibility_version": STORAGE_VERSION}) as con:
            _run_in_any_order(con, _statements(folder / "schema.sql"))
            for statement in _statements(folder / "load.sql"):
                con.execute(_COPY_FROM.sub(lambda m: _relocated(m, folder), statement, count=1))
    except (duckdb.Error, StorageError) as exc:
        target.unlink(missing_ok=True)
        Path(f"{target}.wal").unlink(missing_ok=True)
        raise StorageError(folder, f"the import failed: {exc}") from None


_COPY_FROM = re.compile(r"(FROM\s+)'((?:[^']|'')*)'", re.IGNORECASE)


def _relocated(found: re.Match, folder: Path) -> str:
    name = Path(found.group(2).replace("''", "'")).name
    return f"{found.group(1)}{_literal(str((folder / name).resolve()))}"


def _statements(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    return [part.strip() for part in text.split(";\n") if part.strip()]


def _run_in_any_order(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Every statement, those that fail for want of another tried again until none is left."""
    pending = statements
    while pending:
        failed: list[tuple[str, duckdb.Error]] = []
        for statement in pending:
            try:
                con.execute(statement)
            except duckdb.CatalogException as exc:
                failed.append((statement, exc))
        if len(failed) == len(pending):
            raise failed[0][1]
        pending = [statement for statement, _ in failed]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
