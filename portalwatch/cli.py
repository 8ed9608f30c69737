"""The `portalwatch` command line. Each command's --help is its documentation."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

# There is no telemetry to send from a crawler's machine, and often no network for it.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    help="Keep a faithful, queryable history of what Vietnamese government portals publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err = Console(stderr=True)

WarehouseOption = Annotated[
    Path | None,
    typer.Option("--warehouse", "-w", help="DuckDB file [default: $PORTALWATCH_WAREHOUSE or data/warehouse.duckdb]"),
]


class RevisitChoice(StrEnum):
    due = "due"
    none = "none"
    all = "all"


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@app.command()
def sim(
    port: Annotated[int, typer.Option(help="First port; portal i listens on PORT+i (0: free ports).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world.")] = 1,
    scale: Annotated[float, typer.Option(help="Portal sizes relative to the default (about 3,400 articles).")] = 1.0,
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    write_config: Annotated[Path | None, typer.Option(help="Write a sources config for the simulated portals here.")] = None,
    faults: Annotated[str, typer.Option(help="Named fault profile to inject (see --list-faults).")] = "none",
    list_faults: Annotated[bool, typer.Option("--list-faults", help="List the fault profiles and exit.")] = False,
    portal_size: Annotated[
        list[str] | None, typer.Option(help="Articles of one portal at the start, as ID=N (repeatable); overrides --scale.")
    ] = None,
    validators: Annotated[bool, typer.Option(help="Send ETag / Last-Modified on articles and answer 304s.")] = False,
) -> None:
    """Serve the simulated portal network over HTTP until interrupted.

    POST /_sim/advance?steps=N moves simulated time; GET /_sim/truth lists every article;
    GET /_sim/requests is the request log (host, path, start and end times, fault).
    """
    from portalwatch.sim.faults import PROFILES, get_profile
    from portalwatch.sim.server import serve
    from portalwatch.sim.world import World

    if list_faults:
        for name, profile in PROFILES.items():
            console.print(f"[bold]{name:<16}[/] {profile.description}", highlight=False)
        return
    if scale <= 0:
        _fail("--scale must be positive")
    sizes: dict[str, int] = {}
    for item in portal_size or []:
        portal_id, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            _fail(f"--portal-size {item!r}: expected ID=N with N a positive number of articles")
        sizes[portal_id] = int(count)
    try:
        profile = get_profile(faults)
        world = World(seed=seed, scale=scale, sizes=sizes)
        profile.check(world)
    except ValueError as exc:
        _fail(str(exc))
    try:
        asyncio.run(serve(world, port, write_config, host, faults=profile, validators=validators))
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc}")


@app.command()
def run(
    config: Annotated[Path | None, typer.Option("--config", "-c", help="Sources file [default: config/sources.toml].")] = None,
    source: Annotated[list[str] | None, typer.Option("--source", "-s", help="Crawl only this source id (repeatable).")] = None,
    revisit: Annotated[
        RevisitChoice,
        typer.Option(help="Known articles to re-check for edits and removals: those the adaptive schedule says are due, none, or all."),
    ] = RevisitChoice.due,
    warehouse: WarehouseOption = None,
    max_listing_pages: Annotated[int | None, typer.Option(help="Walk at most this many listing pages per section.")] = None,
) -> None:
    """Run the `ingest` flow once: discover, fetch, store, parse and load every portal.

    Runs on the Prefect API in $PREFECT_API_URL, or on a temporary local one.
    """
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.ingest import ingest

    try:
        summary = asyncio.run(
            ingest(
                config_path=str(config) if config else None,
                sources=source or None,
                revisit=revisit.value,
                warehouse=str(warehouse) if warehouse else None,
                max_listing_pages=max_listing_pages,
            )
        )
    except PortalwatchError as exc:
        _fail(str(exc))
    print_summary(summary)
    if summary["status"] != "completed":
        raise typer.Exit(1)


def print_summary(summary: dict) -> None:
    from portalwatch.flows.ingest import SUMMARY_COLUMNS

    table = Table(title=f"run {summary['run_id']} — {summary['status']}")
    for column in SUMMARY_COLUMNS:
        table.add_column(column.replace("_", " "), justify="left" if column == "source" else "right")
    for portal in summary["portals"].values():
        if "error" in portal:
            table.add_row(portal["source"], f"[red]{portal['error']}[/]")
        else:
            table.add_row(*(str(portal[column]) for column in SUMMARY_COLUMNS))
    console.print(table)
    for portal in summary["portals"].values():
        if portal.get("outcomes"):
            counts = ", ".join(f"{outcome} {count}" for outcome, count in portal["outcomes"].items())
            console.print(f"{portal['source']}: fetches {counts}", highlight=False)
        for outage in portal.get("outages", []):
            state = "back at " + outage["closed_at"] if outage["closed_at"] else "still down: the next run resumes"
            err.print(f"[yellow]{portal['source']}[/]: {outage['host']} down since {outage['opened_at']} ({state}), "
                      f"{outage['skipped']} request(s) skipped", highlight=False)  # fmt: skip
        for url, reason in portal.get("failures", [])[:5]:
            err.print(f"[yellow]{portal['source']}[/]: {url}: {reason}", highlight=False)


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run on the warehouse (read-only).")],
    warehouse: WarehouseOption = None,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.table,
    max_rows: Annotated[int, typer.Option(help="Rows shown in table format.")] = 100,
) -> None:
    """Run a SQL query on the warehouse and print the result."""
    import duckdb

    from portalwatch.paths import warehouse_path

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        _fail(f"{path}: {exc}")
    print_rows(columns, rows, output, max_rows)


def print_rows(columns: list[str], rows: list[tuple], output: OutputFormat, max_rows: int = 100) -> None:
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps([dict(zip(columns, row)) for row in rows], ensure_ascii=False, default=str, indent=1))
        sys.stdout.write("\n")
    elif output is OutputFormat.csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
    else:
        table = Table(*columns)
        for row in rows[:max_rows]:
            table.add_row(*("" if value is None else str(value) for value in row))
        console.print(table)
        if len(rows) > max_rows:
            console.print(f"({len(rows)} rows, {max_rows} shown)")


@app.command()
def demo(
    scale: Annotated[float, typer.Option(help="Size of the simulated network (1.0: about 3,400 articles).")] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world.")] = 1,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes (emptied first).")] = Path("data/demo"),
) -> None:
    """Start the simulator, crawl it, let time pass, crawl again, and show what changed."""
    from portalwatch.demo import run_demo

    run_demo(directory, scale=scale, seed=seed, console=console)


def main() -> None:  # pragma: no cover - console entry point
    app()
