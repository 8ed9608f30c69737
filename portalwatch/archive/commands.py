"""The archive commands at work: `export warc` and `import warc`.

:mod:`portalwatch.cli` declares these commands and their options, and calls the functions here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from portalwatch.archive.warc import export_warc, import_warc, stored_fetches
from portalwatch.config import default_sources_path, load_sources
from portalwatch.errors import PortalwatchError
from portalwatch.flows.ingest import sources_file_parameters
from portalwatch.paths import raw_store_path, warehouse_location
from portalwatch.reading import read_warehouse
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse
from portalwatch.terminal import console, err, existing_warehouse, fail, print_as_is


def export_warc_command(
    directory: Path,
    source: str | None,
    since: datetime | None,
    max_file_mb: float,
    warehouse: str | Path | None,
    wait: float | None = None,
    raw_dir: str | None = None,
    endpoint_url: str | None = None,
) -> None:
    """`portalwatch export warc`: every stored page as WARC files under `directory`; the pages
    from the raw store `raw_dir` (default: $PORTALWATCH_RAW_DIR, else raw/ beside the warehouse)."""
    path = existing_warehouse(warehouse)
    if max_file_mb < 0.01:
        fail("--max-file-mb must be at least 0.01")
    with read_warehouse(path, wait) as con:  # the fetches read between two loads; the files written after
        fetches = stored_fetches(con, source, since.replace(tzinfo=UTC) if since else None)
    try:
        result = export_warc(
            fetches,
            RawStore(raw_store_path(path, raw_dir), endpoint_url),
            directory,
            source,
            int(max_file_mb * 1_000_000),
        )
    except PortalwatchError as exc:
        fail(str(exc))
    for file in result.files:
        print_as_is(str(file))
    console.print(
        f"{result.responses} response and {result.revisits} revisit record(s) in {len(result.files)} file(s)",
        highlight=False,
    )
    for url, raw_hash in result.missing_raw[:10]:
        err.print(f"[yellow]missing from the raw store:[/] {url} ({raw_hash})", highlight=False)
    if result.missing_raw:
        raise typer.Exit(1)


def import_warc_command(
    files: list[Path],
    config: Path | None,
    source: list[str] | None,
    warehouse: str | Path | None,
    raw_dir: str | None = None,
    endpoint_url: str | None = None,
) -> None:
    """`portalwatch import warc`: the pages of WARC files, recorded in an import run; their bodies
    kept in the raw store `raw_dir` (default: $PORTALWATCH_RAW_DIR, else the sources file's
    [settings.raw], else raw/ beside the warehouse)."""
    config_file = (config or default_sources_path()).resolve()
    path = warehouse_location(warehouse)
    try:
        sources = load_sources(config_file)
        path = warehouse_location(warehouse, sources.settings.warehouse_location)
        selected = sources.select(source) if source else None
        store = Warehouse(path)
        store.migrate()
        run_id = store.start_run(
            "import", {"files": [str(f) for f in files]} | sources_file_parameters(config_file)
        )
        try:
            result = import_warc(
                files,
                sources,
                store,
                RawStore(
                    raw_store_path(path, raw_dir, sources.settings.raw.location),
                    endpoint_url or sources.settings.raw.endpoint_url,
                ),
                run_id,
                selected,
            )
        except BaseException:
            store.finish_run(run_id, "failed", {})
            raise
        store.finish_run(run_id, "completed", result.portals)
    except PortalwatchError as exc:
        fail(str(exc))
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
