"""What the command line and the demo print with: the consoles, errors, rows as a table, CSV or
JSON, and the options several commands share. Light to import: `portalwatch --help` loads it."""

from __future__ import annotations

import csv
import io
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from portalwatch.paths import is_lake, warehouse_location

# Help texts go through escape(): Rich, which draws the help, reads [words] as markup and drops them.
# Tables keep their columns when printed to a pipe or a log (rich assumes 80 there).
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


def print_as_is(text: str, to: Console = console) -> None:
    """A line naming a warehouse, a file, a folder or a URL, printed as it is: never broken at
    the width (a DuckLake's spec or a deep path is longer than any), nor read as markup."""
    to.print(text, soft_wrap=True, markup=False, highlight=False)


WarehouseOption = Annotated[
    str | None,
    typer.Option(
        "--warehouse",
        "-w",
        help=escape(
            "DuckDB file, or a DuckLake: 'ducklake:postgres:dbname=… host=… port=… data_path=…' "
            "[default: $PORTALWATCH_WAREHOUSE, else the sources file's [settings.warehouse], else data/warehouse.duckdb]"
        ),
    ),
]
WaitOption = Annotated[
    float | None,
    typer.Option(
        "--wait",
        min=0,
        help="How long to wait for a load in another process to finish before reading a DuckDB "
        "file, in seconds (default 600); a DuckLake is read at once, at its latest snapshot.",
    ),
]
ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help=escape("Sources file [default: config/sources.toml]."))
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def fail(message: str, code: int = 2) -> NoReturn:
    """Print the error and exit with status `code`. The message as it is, on one line: a URL, a path
    or a spec in it is neither broken at the width nor read as markup."""
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def existing_warehouse(warehouse: str | Path | None) -> Path | str:
    """The warehouse file the option names (or the default one), or a DuckLake spec (a string);
    fails when there is no such file yet."""
    path = warehouse_location(warehouse)
    if is_lake(path):
        return path
    if not Path(path).exists():
        fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    return path


def print_rows(columns: list[str], rows: list[tuple], output: OutputFormat, max_rows: int = 100) -> None:
    if output is OutputFormat.json:
        sys.stdout.write(
            json.dumps(
                [dict(zip(columns, row, strict=False)) for row in rows],
                ensure_ascii=False,
                default=str,
                indent=1,
            )
        )
        sys.stdout.write("\n")
    elif output is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
    else:
        # As stored: a title's "[video]" or "[/]" is text, not markup for Rich to drop or refuse.
        table = Table(*(escape(column) for column in columns))
        for row in rows[:max_rows]:
            table.add_row(*("" if value is None else escape(str(value)) for value in row))
        console.print(table)
        if len(rows) > max_rows:
            console.print(f"({len(rows)} rows, {max_rows} shown)")
