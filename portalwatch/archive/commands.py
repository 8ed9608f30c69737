"""The archive commands at work: `export warc` and `import warc`.

:mod:`portalwatch.cli` declares these commands and their options, and calls the functions here.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from portalwatch.archive.warc import export_warc, import_warc
from portalwatch.config import default_sources_path, load_sources
from portalwatch.errors import PortalwatchError
from portalwatch.flows.ingest import sources_file_parameters
from portalwatch.paths import raw_store_path, warehouse_location
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse
from portalwatch.terminal import console, err, existing_warehouse, fail


def export_warc_command(
    directory: Path,
    source: str | None,
    since: datetime | None,
    max_file_mb: float,
    warehouse: str | Path | None,
) -> None:
    """`portalwatch export warc`: every stored page as WARC files under `directory`."""
    path = existing_warehouse(warehouse)
    if max_file_mb < 0.01:
        fail("--max-file-mb must be at least 0.01")
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
        fail(str(exc))
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


def import_warc_command(
    files: list[Path], config: Path | None, source: list[str] | None, warehouse: str | Path | None
) -> None:
    """`portalwatch import warc`: the pages of WARC files, recorded in an import run."""
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
                    raw_store_path(path, None, sources.settings.raw.location),
                    sources.settings.raw.endpoint_url,
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
