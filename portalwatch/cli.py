"""The `portalwatch` command line. Each command's --help is its documentation."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

# There is no telemetry to send from a crawler's machine, and often no network for it.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# Prefect's 20 s default is too short for its temporary server on a busy small machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

app = typer.Typer(
    help="Keep a faithful, queryable history of what Vietnamese government portals publish.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Tables keep their columns when printed to a pipe or a log (rich assumes 80 there).
console = Console(width=None if sys.stdout.isatty() else 200)
err = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", "-w", help="DuckDB file [default: $PORTALWATCH_WAREHOUSE or data/warehouse.duckdb]"
    ),
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
    scale: Annotated[
        float, typer.Option(help="Portal sizes relative to the default (about 3,400 articles).")
    ] = 1.0,
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    write_config: Annotated[
        Path | None, typer.Option(help="Write a sources config for the simulated portals here.")
    ] = None,
    portals: Annotated[
        int | None,
        typer.Option(help="Number of portals (those of --families, repeated; by default one of each)."),
    ] = None,
    families: Annotated[
        str,
        typer.Option(help="Page families: 'default' (the five seed portals) or 'all' (with six more CMSs)."),
    ] = "default",
    latency_ms: Annotated[float, typer.Option(help="Every page answers after this many milliseconds.")] = 0.0,
    faults: Annotated[str, typer.Option(help="Named fault profile to inject (see --list-faults).")] = "none",
    list_faults: Annotated[
        bool, typer.Option("--list-faults", help="List the fault profiles and exit.")
    ] = False,
    portal_size: Annotated[
        list[str] | None,
        typer.Option(help="Articles of one portal at the start, as ID=N (repeatable); overrides --scale."),
    ] = None,
    validators: Annotated[
        bool, typer.Option(help="Send ETag / Last-Modified on articles and answer 304s.")
    ] = False,
    exit_with: Annotated[
        int | None, typer.Option(hidden=True, help="Stop when the process with this id ends.")
    ] = None,
    archive: Annotated[
        bool, typer.Option(help="Also serve a Wayback-compatible archive of the portals on its own port.")
    ] = False,
    archive_steps: Annotated[
        int, typer.Option(help="Simulated hours the archive captures before serving starts.")
    ] = 0,
    archive_throttle: Annotated[
        bool,
        typer.Option(
            help="The archive answers some first requests (every index query, one replay in eight) with 429 and Retry-After."
        ),
    ] = False,
    closed: Annotated[
        list[str] | None,
        typer.Option(help="A portal whose live host no longer answers (repeatable); its archive remains."),
    ] = None,
) -> None:
    """Serve the simulated portal network over HTTP until interrupted (Ctrl-C, SIGTERM).

    POST /_sim/advance?steps=N moves simulated time; GET /_sim/truth lists every article:
    its URL, title, posting time, version, whether it was removed, `cites` (the numbers of
    the documents it cites), `cited_documents` (their URLs), `republished_from` (the URL
    of the article it copies, or null) and `republication_kind` (verbatim, retitled,
    trimmed or edited, or null), and with --archive its `captures`;
    GET /_sim/documents lists the official documents; GET /_sim/requests is the request
    log (host, path, start and end times, fault).
    With --archive, a Wayback-compatible archive answers on the next port (CDX and id_ replay).
    """
    from portalwatch import lifeline
    from portalwatch.sim.archive import SimArchive
    from portalwatch.sim.faults import PROFILES, get_profile
    from portalwatch.sim.server import serve
    from portalwatch.sim.world import FAMILY_SETS, World, network

    if list_faults:
        for name, profile in PROFILES.items():
            console.print(f"[bold]{name:<16}[/] {profile.description}", highlight=False)
        return
    if scale <= 0 or (portals is not None and portals < 1) or latency_ms < 0:
        _fail("--scale and --portals must be positive, --latency-ms not negative")
    sizes: dict[str, int] = {}
    for item in portal_size or []:
        portal_id, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            _fail(f"--portal-size {item!r}: expected ID=N with N a positive number of articles")
        sizes[portal_id] = int(count)
    try:
        profile = get_profile(faults)
        specs = network(portals or len(FAMILY_SETS.get(families, ())), families)
        world = World(seed=seed, scale=scale, portals=specs, sizes=sizes)
        profile.check(world)
    except ValueError as exc:
        _fail(str(exc))
    if exit_with is not None:
        lifeline.exit_with(exit_with)
    unknown = set(closed or ()) - set(world.portals)
    if unknown or archive_steps < 0 or ((archive_steps or archive_throttle) and not archive):
        _fail(
            f"--closed names unknown portal(s) {sorted(unknown)}"
            if unknown
            else "--archive-steps (not negative) and --archive-throttle need --archive"
        )
    web_archive = SimArchive(world, archive_throttle) if archive else None
    if web_archive is not None:
        web_archive.advance(archive_steps)
    try:
        asyncio.run(
            serve(
                world,
                port,
                write_config,
                host,
                faults=profile,
                validators=validators,
                latency=latency_ms / 1000,
                archive=web_archive,
                closed=frozenset(closed or ()),
            )
        )
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc}")


@app.command()
def run(
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Sources file [default: config/sources.toml].")
    ] = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Crawl only this source id (repeatable).")
    ] = None,
    revisit: Annotated[
        RevisitChoice,
        typer.Option(
            help="Known articles to re-check for edits and removals: those the adaptive schedule says are due, none, or all."
        ),
    ] = RevisitChoice.due,
    warehouse: WarehouseOption = None,
    max_listing_pages: Annotated[
        int | None, typer.Option(help="Walk at most this many listing pages per section.")
    ] = None,
) -> None:
    """Run the `ingest` flow once: discover, fetch, store, parse and load every portal.

    Shows each portal's progress while it runs (listing pages, articles fetched of those
    found, failures, coverage). Runs on the Prefect API in $PREFECT_API_URL, or on a
    temporary local one.
    """
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.ingest import ingest

    _refuse_only_closed(config, source)
    try:
        summary = _run_with_progress(
            None,
            ingest(
                config_path=str(config) if config else None,
                sources=source or None,
                revisit=revisit.value,
                warehouse=str(warehouse) if warehouse else None,
                max_listing_pages=max_listing_pages,
            ),
        )
    except PortalwatchError as exc:
        _fail(str(exc))
    print_summary(summary)
    if summary["status"] != "completed":
        raise typer.Exit(1)


def _refuse_only_closed(config: Path | None, source_ids: list[str] | None) -> None:
    """Fail before any fetch when every source asked for is closed (their live URLs are never fetched)."""
    from portalwatch.config import default_sources_path, load_sources
    from portalwatch.errors import PortalwatchError

    if not source_ids:
        return
    try:
        selected = load_sources(config or default_sources_path()).select(source_ids)
    except PortalwatchError as exc:
        _fail(str(exc))
    if all(source.closed for source in selected):
        _fail("; ".join(source.closed_note for source in selected))


def print_summary(summary: dict) -> None:
    from portalwatch.flows.ingest import SUMMARY_COLUMNS

    table = Table(title=f"run {summary['run_id']} — {summary['status']}")
    for column in SUMMARY_COLUMNS:
        table.add_column(column.replace("_", " "), justify="left" if column == "source" else "right")
    for portal in summary["portals"].values():
        if "skipped" in portal:
            err.print(f"[yellow]{portal['source']}[/]: {portal['skipped']}", highlight=False)
        elif "error" in portal:
            table.add_row(portal["source"], f"[red]{portal['error']}[/]")
        else:
            table.add_row(*(str(portal.get(column, "")) for column in SUMMARY_COLUMNS))
    console.print(table)
    for portal in summary["portals"].values():
        if portal.get("outcomes"):
            counts = ", ".join(f"{outcome} {count}" for outcome, count in portal["outcomes"].items())
            console.print(f"{portal['source']}: fetches {counts}", highlight=False)
        for outage in portal.get("outages", []):
            state = (
                "back at " + outage["closed_at"]
                if outage["closed_at"]
                else "still down: the next run resumes"
            )
            err.print(
                f"[yellow]{portal['source']}[/]: {outage['host']} down since {outage['opened_at']} ({state}), "
                f"{outage['skipped']} request(s) skipped",
                highlight=False,
            )
        for section in portal.get("sections", []):
            console.print(f"{portal['source']}: coverage of {section['text']}", highlight=False)
        for warning in portal.get("warnings", []):
            err.print(f"[yellow]{portal['source']}: warning:[/] {warning}", highlight=False)
        for url, reason in portal.get("failures", [])[:5]:
            err.print(f"[yellow]{portal['source']}[/]: {url}: {reason}", highlight=False)


ConfigOption = Annotated[
    Path | None, typer.Option("--config", "-c", help="Sources file [default: config/sources.toml].")
]
SourceOption = Annotated[
    list[str] | None, typer.Option("--source", "-s", help="Only this source id (repeatable).")
]


class _RichProgress:
    """Progress of a flow as rich progress bars: one for its units of work (when it counts
    them), one per portal crawled (articles fetched of those found, and the portal's counts)."""

    def __init__(self, progress, task_id):
        self.progress, self.task_id = progress, task_id

    def add_total(self, units: int) -> None:
        task = self.progress.tasks[self.task_id]
        self.progress.update(self.task_id, total=(task.total or 0) + units)

    def advance(self, units: int, description: str) -> None:
        self.progress.update(self.task_id, advance=units, description=description[:60])

    def follow(self, portal) -> None:
        task_id = self.progress.add_task(portal.source, total=None, detail="")

        def show(portal) -> None:
            self.progress.update(
                task_id, completed=portal.settled, total=portal.found or None, detail=portal.line()
            )

        portal.on_change.append(show)


def _run_with_progress(label: str | None, flow_call) -> dict:
    """Run a flow under progress bars on stderr (with a bar for `label` when the flow counts units)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from portalwatch import progress as flow_progress
    from portalwatch.flows.api import start_temporary_api

    start_temporary_api()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}"),
        console=err,
        transient=False,
    ) as bar:
        task_id = bar.add_task(label, total=0, detail="") if label else None
        with flow_progress.watching(_RichProgress(bar, task_id)):
            return asyncio.run(flow_call)


@app.command()
def backfill(
    config: ConfigOption = None,
    source: SourceOption = None,
    pages: Annotated[
        str | None, typer.Option(help="Listing pages to walk, e.g. 100-135 [default: all].")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Keep articles published on or after this day."),
    ] = None,
    until: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], help="Keep articles published on or before this day."),
    ] = None,
    refresh: Annotated[bool, typer.Option(help="Fetch again articles already stored.")] = False,
    chunk_pages: Annotated[int, typer.Option(help="Listing pages per loaded chunk.")] = 10,
    from_archive: Annotated[
        bool,
        typer.Option(
            help="Recover the portal's history from a web archive instead (--since/--until: capture days)."
        ),
    ] = False,
    archive: Annotated[
        str | None,
        typer.Option(
            help="The archive to use: a name under `archives` in the sources file (default: the first that serves the portal)."
        ),
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Walk listing pages or a publication period of the portals (idempotent, resumable).

    Examples: `backfill -s tuachua --since 2021-01-01 --until 2021-12-31`;
    `backfill -s dcs-dienbien --pages 100-135`. Running the same backfill again
    resumes after its last loaded chunk and adds nothing already stored.
    `backfill -s tuachua --from-archive` recovers a (closed) portal's captures from a
    web archive's CDX index, each version observed at its capture time.
    """
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.backfill import backfill as backfill_flow

    if from_archive:
        _backfill_from_archive(config, source, since, until, archive, warehouse, pages, refresh)
        return
    if archive:
        _fail("--archive goes with --from-archive")

    first_page, last_page = 1, None
    if pages:
        try:
            first, _, last = pages.partition("-")
            first_page, last_page = int(first), int(last or first)
        except ValueError:
            _fail(f"--pages {pages!r}: expected FIRST-LAST, e.g. 100-135")
    try:
        summary = _run_with_progress(
            "backfill",
            backfill_flow(
                sources=source or None,
                first_page=first_page,
                last_page=last_page,
                since=since.date() if since else None,
                until=until.date() if until else None,
                refresh=refresh,
                chunk_pages=chunk_pages,
                config_path=str(config) if config else None,
                warehouse=str(warehouse) if warehouse else None,
            ),
        )
    except (PortalwatchError, ValueError) as exc:
        _fail(str(exc))
    print_summary(summary)
    if summary["status"] != "completed":
        raise typer.Exit(1)


def _backfill_from_archive(config, source, since, until, archive, warehouse, pages, refresh) -> None:
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.archive import archive_backfill

    if pages or refresh:
        _fail("--pages and --refresh walk the live portal; they do not go with --from-archive")
    try:
        summary = _run_with_progress(
            "archive",
            archive_backfill(
                sources=source or None,
                archive=archive,
                since=since.date() if since else None,
                until=until.date() if until else None,
                config_path=str(config) if config else None,
                warehouse=str(warehouse) if warehouse else None,
            ),
        )
    except (PortalwatchError, ValueError) as exc:
        _fail(str(exc))
    print_summary(summary)
    for portal in summary["portals"].values():
        if "listed" in portal:
            console.print(
                f"{portal['source']}: archive {portal['archive']}: {portal['listed']} captures listed, "
                f"{portal['skipped_stored']} already stored, {portal['duplicates']} duplicates, "
                f"{portal['not_pages']} not article pages, {portal['older_than_stored']} older than what is stored",
                highlight=False,
            )
    if summary["status"] != "completed":
        raise typer.Exit(1)


@app.command()
def reparse(
    config: ConfigOption = None,
    source: SourceOption = None,
    profile: Annotated[
        list[str] | None, typer.Option("--profile", "-p", help="Only portals on this CMS profile.")
    ] = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Parse stored raw pages again with the current parsers; fetches nothing.

    Differences become versions whose changes have cause = 'parser'.
    """
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.reparse import reparse as reparse_flow

    try:
        summary = _run_with_progress(
            "reparse",
            reparse_flow(
                sources=source or None,
                profiles=profile or None,
                config_path=str(config) if config else None,
                warehouse=str(warehouse) if warehouse else None,
            ),
        )
    except PortalwatchError as exc:
        _fail(str(exc))
    table = Table(
        "source",
        "pages",
        "already parsed by today's parser",
        "changed by the parser",
        "failed",
        title=f"reparse {summary['run_id']}",
    )
    for portal in summary["portals"].values():
        table.add_row(
            portal["source"],
            str(portal["pages"]),
            str(portal["skipped"]),
            str(portal["created"] + portal["reparsed"]),
            str(portal["failed"]),
        )
    console.print(table)


@app.command()
def serve(
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    port: Annotated[
        int, typer.Option(help="Port of the local Prefect server started when PREFECT_API_URL is unset.")
    ] = 4200,
    limit: Annotated[int | None, typer.Option(help="At most this many flow runs at once.")] = None,
) -> None:
    """Serve the deployments: `ingest` on each configured schedule, `backfill` and `reparse` on demand.

    Uses the Prefect API in PREFECT_API_URL; without one, starts a local Prefect
    server (SQLite under the warehouse's folder) so schedules work out of the box.
    Trigger on-demand runs with e.g.
    `prefect deployment run 'backfill/on-demand' --param sources='["tuachua"]' --param since=2021-01-01`.
    """
    from portalwatch.config import default_sources_path, load_sources
    from portalwatch.errors import PortalwatchError
    from portalwatch.flows.serve import build_deployments, prefect_api, serve_deployments
    from portalwatch.paths import warehouse_path

    config_path = config or default_sources_path()
    try:
        sources = load_sources(config_path)
    except PortalwatchError as exc:
        _fail(str(exc))
    warehouse_file = warehouse_path(warehouse)
    with prefect_api(warehouse_file.parent, port) as api_url:
        err.print(f"Prefect API: {api_url}")
        deployments = build_deployments(Path(config_path), sources, warehouse_file)
        try:
            asyncio.run(serve_deployments(deployments, limit))
        except KeyboardInterrupt:
            pass


@app.command()
def status(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Sources file [default: the one the warehouse's latest run read, else config/sources.toml].",
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    runs: Annotated[int, typer.Option(help="How many recent runs to list.")] = 10,
) -> None:
    """The last runs; per source: last run, newest article, error rate, next scheduled run, lifecycle; per
    listing section: the entries the warehouse holds of those the portal states (coverage)."""
    from portalwatch.config import load_sources
    from portalwatch.errors import PortalwatchError
    from portalwatch.paths import warehouse_path
    from portalwatch.status import coverage, freshness, recent_runs

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    try:
        sources = load_sources(config or _sources_file_for_status(path))
        columns, rows = recent_runs(path, runs)
        print_rows(columns, rows, OutputFormat.table)
        columns, rows = freshness(path, sources)
        print_rows(columns, rows, OutputFormat.table)
        columns, rows = coverage(path)
        print_rows(columns, rows, OutputFormat.table)
    except PortalwatchError as exc:
        _fail(str(exc))


def _sources_file_for_status(warehouse: Path) -> Path:
    """The sources file the warehouse's runs used, when it is still there; else the bundled one."""
    from portalwatch.config import default_sources_path, sources_digest
    from portalwatch.status import sources_file_of_runs

    used = sources_file_of_runs(warehouse)
    if used is None:
        return default_sources_path()
    path, digest = used
    if not path.is_file():
        err.print(
            f"[yellow]note:[/] {path}, the sources file of the latest run, is gone; showing {default_sources_path()}",
            highlight=False,
        )
        return default_sources_path()
    if digest and sources_digest(path) != digest:
        err.print(f"[yellow]note:[/] {path} changed since the latest run read it", highlight=False)
    err.print(f"sources: {path}", highlight=False)
    return path


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run on the warehouse (read-only).")],
    warehouse: WarehouseOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    max_rows: Annotated[int, typer.Option(help="Rows shown in table format.")] = 100,
) -> None:
    """Run a SQL query on the warehouse and print the result."""
    import duckdb

    from portalwatch.errors import PortalwatchError
    from portalwatch.paths import warehouse_path
    from portalwatch.storage.warehouse import Warehouse

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    try:
        # Through the writer lock: a query waits for a load in progress instead of failing.
        with Warehouse(path).connect(read_only=True) as con:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        _fail(f"{path}: {exc}")
    except PortalwatchError as exc:
        _fail(str(exc))
    print_rows(columns, rows, output, max_rows)


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
        table = Table(*columns)
        for row in rows[:max_rows]:
            table.add_row(*("" if value is None else str(value) for value in row))
        console.print(table)
        if len(rows) > max_rows:
            console.print(f"({len(rows)} rows, {max_rows} shown)")


class ProbeKind(StrEnum):
    auto = "auto"
    article = "article"
    document = "document"


@app.command()
def probe(
    target: Annotated[str, typer.Argument(help="URL of a page, or an HTML file.", metavar="URL_OR_FILE")],
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            help="CMS profile to parse with [default: the first that matches, else generic].",
        ),
    ] = None,
    kind: Annotated[ProbeKind, typer.Option(help="What the page is.")] = ProbeKind.auto,
    profile_dir: Annotated[
        list[Path] | None, typer.Option(help="A folder of extra profiles (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the record as JSON.")] = False,
) -> None:
    """Parse one page and show each field, the rule that produced it, and warnings.

    Exits with 1 when the page is not an article or document the profile can record.
    """
    from rich.markup import escape

    from portalwatch.errors import PortalwatchError
    from portalwatch.probe import probe as run_probe
    from portalwatch.probe import rows

    try:
        result = run_probe(target, profile, kind.value, [str(folder) for folder in profile_dir or []])
    except PortalwatchError as exc:
        _fail(str(exc))
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), ensure_ascii=False, indent=1, default=str) + "\n")
    else:
        for note in result.notes:
            console.print(f"[dim]{note}[/]", highlight=False)
        if result.record is not None:
            table = Table(
                "field", "value", "rule", title=f"{target} — {result.kind}, profile {result.profile}"
            )
            for name, value, rule in rows(result):
                table.add_row(escape(name), escape(value), escape(rule))
            console.print(table)
            for warning in result.record.warnings:
                err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    if result.failure:
        err.print(f"[bold red]not recorded:[/] {result.failure}", highlight=False)
        raise typer.Exit(1)


profile_app = typer.Typer(help="CMS profiles: learn one from example pages.", no_args_is_help=True)
app.add_typer(profile_app, name="profile")


@profile_app.command("learn")
def profile_learn(
    examples: Annotated[
        list[str],
        typer.Argument(
            help="3 to 10 article pages of one portal (URLs or HTML files).", metavar="URL_OR_FILE..."
        ),
    ],
    name: Annotated[
        str, typer.Option(help="Profile name (lowercase letters, digits, '_'); the file is NAME.toml.")
    ],
    listing: Annotated[
        str | None,
        typer.Option(help="A listing page of the portal (URL or file): learns the links and the pager."),
    ] = None,
    out: Annotated[
        Path, typer.Option(help="Folder to write the profile to (list it in settings.profile_dirs).")
    ] = Path("profiles"),
    force: Annotated[bool, typer.Option(help="Replace a profile file of that name.")] = False,
) -> None:
    """Write a CMS profile learned from example pages of one portal.

    What the examples share is template, what varies is content: the command
    picks the title, posting line, view counter, lead, body, byline, images and
    chrome rules (and, from a listing page, the article links and the pager),
    prints each rule with the number of examples it reads, and writes
    OUT/NAME.toml. Check it on other pages with
    `portalwatch probe URL --profile NAME --profile-dir OUT`.
    """
    from portalwatch.errors import PortalwatchError
    from portalwatch.parse.learn import learn_profile

    path = out / f"{name}.toml"
    if path.exists() and not force:
        _fail(f"{path} exists: pass --force to replace it")
    try:
        pages = [_read_example(target) for target in examples]
        learned = learn_profile(pages, name, _read_example(listing) if listing else None)
        written = learned.write(out)
    except PortalwatchError as exc:
        _fail(str(exc))
    table = Table("field", "rule", "examples that agree", title=f"profile {name}")
    for choice in learned.choices:
        style = "green" if choice.agree == choice.total else "yellow"
        table.add_row(choice.field, escape(choice.rule), f"[{style}]{choice.agree}/{choice.total}[/]")
    console.print(table)
    console.print(f"wrote {written}", highlight=False)


def _read_example(target: str):
    from portalwatch.parse.learn import Page
    from portalwatch.probe import read_page

    html, url = read_page(target)
    return Page(target, url, html)


@app.command()
def demo(
    scale: Annotated[
        float, typer.Option(help="Size of the simulated network (1.0: about 3,400 articles).")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the simulated world.")] = 1,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes (emptied first).")] = Path(
        "data/demo"
    ),
    families: Annotated[
        str,
        typer.Option(help="Page families: 'default' (the five seed portals) or 'all' (with six more CMSs)."),
    ] = "default",
) -> None:
    """Start the simulator, crawl it, let time pass, crawl again, and show what changed."""
    from portalwatch.demo import run_demo
    from portalwatch.sim.world import FAMILY_SETS

    if families not in FAMILY_SETS:
        _fail(f"--families {families!r}: expected one of {', '.join(FAMILY_SETS)}")
    run_demo(directory, scale=scale, seed=seed, console=console, families=families)


# history, diff, export parquet|text, report
from portalwatch.analytics.commands import register as register_analytics  # noqa: E402

register_analytics(app)

# export warc, import warc
from portalwatch.archive.commands import register as register_archive  # noqa: E402

register_archive(app)

# raw cat, raw verify, raw migrate
from portalwatch.storage.rawcommands import register as register_raw  # noqa: E402

register_raw(app)


def main() -> None:  # pragma: no cover - console entry point
    app()
