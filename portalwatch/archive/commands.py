"""The archive commands: `export warc` and `import warc`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from portalwatch.analytics.commands import export_app
from portalwatch.errors import PortalwatchError

console = Console()
err = Console(stderr=True)

import_app = typer.Typer(help="Load pages captured by other tools into the warehouse.", no_args_is_help=True)

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", "-w", help="DuckDB file [default: $PORTALWATCH_WAREHOUSE or data/warehouse.duckdb]"
    ),
]


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@export_app.command("warc")
def export_warc_command(
    directory: Annotated[Path, typer.Argument(help="Folder to write the .warc.gz files in.")],
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source's fetches.")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="Only fetches from this day (UTC) on."),
    ] = None,
    max_file_mb: Annotated[float, typer.Option(help="Start a new file past this size (MB).")] = 1000.0,
    warehouse: WarehouseOption = None,
) -> None:
    """Every stored page as WARC 1.1 (request and response records, revisits for repeated bodies).

    The files open in pywb and ReplayWeb.page; `portalwatch import warc` reads them back.
    """
    from portalwatch.archive.warc import export_warc
    from portalwatch.paths import raw_store_path, warehouse_path
    from portalwatch.storage.rawstore import RawStore

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    if max_file_mb < 0.01:
        _fail("--max-file-mb must be at least 0.01")
    try:
        result = export_warc(
            path,
            RawStore(raw_store_path(path)),
            directory,
            source,
            since.replace(tzinfo=UTC) if since else None,
            int(max_file_mb * 1_000_000),
        )
    except PortalwatchError as exc:
        _fail(str(exc))
    for file in result.files:
        console.print(str(file), highlight=False)
    console.print(
        f"{result.responses} response and {result.revisits} revisit record(s) in {len(result.files)} file(s)",
        highlight=False,
    )
    for url, raw_hash in result.missing_raw[:10]:
        err.print(f"[yellow]missing from the raw store:[/] {url} ({raw_hash})", highlight=False)
    if result.missing_raw:
        raise typer.Exit(1)


@import_app.command("warc")
def import_warc_command(
    files: Annotated[list[Path], typer.Argument(help="WARC files (.warc or .warc.gz), from any crawler.")],
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Sources file [default: config/sources.toml].")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source's pages (repeatable).")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Record the pages of WARC files under the sources whose hosts they belong to.

    Each response is parsed as a crawl parses it, observed at the record's WARC-Date; a
    revisit stands for the payload it refers to; a 404 is evidence of removal. Records
    already imported (same URL and payload digest) are skipped, so importing twice adds nothing.
    """
    from portalwatch.archive.warc import import_warc
    from portalwatch.config import default_sources_path, load_sources
    from portalwatch.flows.ingest import sources_file_parameters
    from portalwatch.paths import raw_store_path, warehouse_path
    from portalwatch.storage.rawstore import RawStore
    from portalwatch.storage.warehouse import Warehouse

    config_file = (config or default_sources_path()).resolve()
    path = warehouse_path(warehouse)
    try:
        sources = load_sources(config_file)
        selected = sources.select(source) if source else None
        store = Warehouse(path)
        store.migrate()
        run_id = store.start_run(
            "import", {"files": [str(f) for f in files]} | sources_file_parameters(config_file)
        )
        try:
            result = import_warc(files, sources, store, RawStore(raw_store_path(path)), run_id, selected)
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, "completed", result.portals)
    except PortalwatchError as exc:
        _fail(str(exc))
    console.print(f"{result.records} record(s) read, {result.skipped_stored} already stored", highlight=False)
    for source_id, summary in result.portals.items():
        console.print(
            f"{source_id}: {summary['captures']} captures, {summary['created']} created, "
            f"{summary['updated']} updated, {summary['removed']} removed, {summary['failed']} failed",
            highlight=False,
        )
    for host, count in result.unknown_hosts.items():
        err.print(
            f"[yellow]skipped:[/] {count} record(s) of {host}, a host of no configured source",
            highlight=False,
        )
    if result.unresolved_revisits:
        err.print(
            f"[yellow]skipped:[/] {result.unresolved_revisits} revisit(s) of a payload in none of the files",
            highlight=False,
        )


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
