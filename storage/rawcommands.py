"""The raw store commands: `raw cat`, `raw verify`, `raw migrate` and `raw copy`."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from portalwatch.errors import PortalwatchError
from portalwatch.paths import raw_store_path, warehouse_path
from portalwatch.storage.rawstore import RawStore
from portalwatch.terminal import err, fail, print_as_is

raw_app = typer.Typer(help="The raw store: every fetched page, by its SHA-256.", no_args_is_help=True)

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse",
        "-w",
        help=escape("DuckDB file [default: $PORTALWATCH_WAREHOUSE or data/warehouse.duckdb]"),
    ),
]
RawDirOption = Annotated[
    str | None,
    typer.Option(
        "--raw-dir",
        help=escape(
            "Raw store folder or s3://bucket/prefix [default: $PORTALWATCH_RAW_DIR or raw/ beside the warehouse]"
        ),
    ),
]
EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help=escape("The S3-compatible server of an s3:// raw store [default: $AWS_ENDPOINT_URL, else AWS]"),
    ),
]
HASH = re.compile(r"[0-9a-f]{64}")
COPY_BATCH = 1000  # pages copied per durable step


def _store(warehouse: Path | None, raw_dir: str | None, endpoint_url: str | None = None) -> RawStore:
    root = raw_store_path(warehouse_path(warehouse), raw_dir)
    try:
        store = RawStore(root, endpoint_url)
        found = store.exists()
    except PortalwatchError as exc:
        fail(str(exc))
    if not found:
        fail(f"{root}: no raw store here (pass --raw-dir or --warehouse)")
    return store


@raw_app.command("cat")
def cat_command(
    raw_hash: Annotated[str, typer.Argument(help="The page's SHA-256 (64 hex digits).", metavar="HASH")],
    warehouse: WarehouseOption = None,
    raw_dir: RawDirOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Write the stored page's bytes to stdout, as fetched (decoded of transfer encodings)."""
    raw_hash = raw_hash.strip().lower()
    if not HASH.fullmatch(raw_hash):
        fail(f"{raw_hash!r} is not a SHA-256 (64 hex digits)")
    store = _store(warehouse, raw_dir, endpoint_url)
    try:
        if raw_hash not in store:
            fail(f"{raw_hash}: not in the raw store at {store.location}", 1)
        body = store.get(raw_hash)
    except PortalwatchError as exc:
        fail(str(exc), 1)
    sys.stdout.buffer.write(body)
    sys.stdout.buffer.flush()


@raw_app.command("verify")
def verify_command(
    warehouse: WarehouseOption = None, raw_dir: RawDirOption = None, endpoint_url: EndpointOption = None
) -> None:
    """Re-hash every stored page; report each corrupt one (segment and offset, or object) and exit 1 if any."""
    store = _store(warehouse, raw_dir, endpoint_url)
    problems = 0
    try:
        for problem in store.verify():
            problems += 1
            print(f"{problem.raw_hash}\t{problem.where}\t{problem.error}", flush=True)
        checked = store.count()
    except PortalwatchError as exc:
        fail(str(exc), 1)
    if problems:
        err.print(
            f"[bold red]{problems} corrupt[/] of {checked:,} pages indexed in {escape(str(store.location))}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1)
    print_as_is(f"{checked:,} pages indexed in {store.location}: all read back to their hash", err)


@raw_app.command("migrate")
def migrate_command(warehouse: WarehouseOption = None, raw_dir: RawDirOption = None) -> None:
    """Move the pages of the one-file-per-page layout into segments (also done by the first write).

    Safe to interrupt: a file is deleted only once its page is on disk and indexed.
    """
    store = _store(warehouse, raw_dir)
    if store.remote is not None:
        fail(f"{store.location}: an object store holds one object per page already; nothing to move")
    try:
        moved = store.migrate()
    except PortalwatchError as exc:
        fail(str(exc), 1)
    print_as_is(f"{moved:,} pages moved into segments; {store.count():,} pages in {store.location}", err)


@raw_app.command("copy")
def copy_command(
    destination: Annotated[
        str, typer.Argument(help="Another raw store: a folder or s3://bucket/prefix.", metavar="DEST")
    ],
    warehouse: WarehouseOption = None,
    raw_dir: RawDirOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Copy the pages the raw store holds and DEST does not into DEST (to move a store onto S3).

    Safe to interrupt and run again: DEST is listed first, and a page is stored whole or not at all."""
    store = _store(warehouse, raw_dir, endpoint_url)
    try:
        target = RawStore(destination, endpoint_url)
        missing = sorted(store.hashes() - target.hashes())
        for done, raw_hash in enumerate(missing, 1):
            target.put(store.get(raw_hash))
            if done % COPY_BATCH == 0:
                target.flush()
        target.close()
    except PortalwatchError as exc:
        fail(str(exc), 1)
    print_as_is(f"{len(missing):,} pages copied from {store.location} to {target.location}", err)


def register(app: typer.Typer) -> None:
    app.add_typer(raw_app, name="raw")
