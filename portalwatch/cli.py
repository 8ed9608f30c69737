"""The `portalwatch` command line. Each command's --help is its documentation."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from portalwatch.errors import PortalwatchError
from portalwatch.storage.rawcommands import EndpointOption, RawDirOption
from portalwatch.storage.rawcommands import register as register_raw
from portalwatch.terminal import (
    ConfigOption,
    OutputFormat,
    SourceOption,
    WaitOption,
    WarehouseOption,
    console,
    err,
    existing_warehouse,
    print_as_is,
    print_rows,
)
from portalwatch.terminal import fail as _fail

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


class RevisitChoice(StrEnum):
    due = "due"
    none = "none"
    all = "all"


# Modules only the simulator needs: they come with the `sim` extra.
SIMULATOR_MODULES = ("fpdf", "fontpkg", "fontpkg_be_vietnam_pro")


def _require_simulator() -> None:
    """Fail, naming the extra to install, when the simulator's dependencies are missing."""
    from importlib.util import find_spec

    missing = [name for name in SIMULATOR_MODULES if find_spec(name) is None]
    if missing:
        _fail(
            f"the simulator needs the 'sim' extra ({', '.join(missing)} not installed): "
            "pip install 'portalwatch[sim]'"
        )


SeedOption = Annotated[int, typer.Option(help="Seed of the simulated world.")]
FamiliesOption = Annotated[
    str, typer.Option(help="Page families: 'default' (the five seed portals) or 'all' (with six more CMSs).")
]
SimScaleOption = Annotated[
    float, typer.Option(help="Portal sizes relative to the default (about 3,400 articles).")
]
SimPortalsOption = Annotated[
    int | None,
    typer.Option(help="Number of portals (those of --families, repeated; by default one of each)."),
]
SimFaultsOption = Annotated[str, typer.Option(help="Named fault profile to inject (see --list-faults).")]
SimPortalSizeOption = Annotated[
    list[str] | None,
    typer.Option(help="Articles of one portal at the start, as ID=N (repeatable); overrides --scale."),
]
SimArchiveOption = Annotated[
    bool, typer.Option(help="Also serve a Wayback-compatible archive of the portals on its own port.")
]
SimArchiveStepsOption = Annotated[
    int, typer.Option(help="Simulated hours the archive captures before serving starts.")
]
SimArchiveThrottleOption = Annotated[
    bool,
    typer.Option(
        help="The archive answers some first requests (every index query, one replay in eight) with 429 and Retry-After."
    ),
]
SimLatencyJitterOption = Annotated[
    float,
    typer.Option(help="Each page's latency drawn up to this many milliseconds either side of --latency-ms."),
]
SimClosedOption = Annotated[
    list[str] | None,
    typer.Option(help="A portal whose live host no longer answers (repeatable); its archive remains."),
]

SimLatencyOption = Annotated[float, typer.Option(help="Every page answers after this many milliseconds.")]
SimValidatorsOption = Annotated[
    bool, typer.Option(help="Send ETag / Last-Modified on articles and answer 304s.")
]
SimExitWithOption = Annotated[
    int | None, typer.Option(hidden=True, help="Stop when the process with this id ends.")
]


@app.command()
def sim(
    port: Annotated[int, typer.Option(help="First port; portal i listens on PORT+i (0: free ports).")] = 0,
    seed: SeedOption = 1,
    scale: SimScaleOption = 1.0,
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    write_config: Annotated[
        Path | None, typer.Option(help="Write a sources config for the simulated portals here.")
    ] = None,
    portals: SimPortalsOption = None,
    families: FamiliesOption = "default",
    latency_ms: SimLatencyOption = 0.0,
    latency_jitter_ms: SimLatencyJitterOption = 0.0,
    faults: SimFaultsOption = "none",
    list_faults: Annotated[
        bool, typer.Option("--list-faults", help="List the fault profiles and exit.")
    ] = False,
    portal_size: SimPortalSizeOption = None,
    validators: SimValidatorsOption = False,
    exit_with: SimExitWithOption = None,
    archive: SimArchiveOption = False,
    archive_steps: SimArchiveStepsOption = 0,
    archive_throttle: SimArchiveThrottleOption = False,
    closed: SimClosedOption = None,
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
    _require_simulator()
    from portalwatch.sim.faults import PROFILES

    if list_faults:
        for name, profile in PROFILES.items():
            console.print(f"[bold]{name:<16}[/] {profile.description}", highlight=False)
        return
    from portalwatch.sim.pdfworker import start_pdf_worker

    pdf_worker = start_pdf_worker()  # it loads the PDF library while this process loads the rest
    from portalwatch import lifeline
    from portalwatch.sim.launch import build_archive, build_world
    from portalwatch.sim.server import serve

    try:
        world, profile = build_world(
            seed, scale, portals, families, latency_ms, faults, portal_size or [], latency_jitter_ms
        )
        if exit_with is not None:
            lifeline.exit_with(exit_with)
        web_archive = build_archive(world, closed or (), archive, archive_steps, archive_throttle)
    except ValueError as exc:
        _fail(str(exc))
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
                latency_jitter=latency_jitter_ms / 1000,
                archive=web_archive,
                closed=frozenset(closed or ()),
                pdf_worker=pdf_worker,
            )
        )
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        _fail(f"cannot listen on {host}:{port}: {exc}")


@app.command()
def run(
    config: ConfigOption = None,
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
    fan_out: Annotated[
        bool,
        typer.Option(
            "--fan-out",
            help="Run each portal as a `crawl-portal` flow run, for the workers of a pool "
            "(its deployment must be served or deployed: `portalwatch serve`, prefect.yaml).",
        ),
    ] = False,
    packages: Annotated[
        str | None,
        typer.Option(help="With --fan-out: the folder or s3:// URL the crawls reach the load lane through."),
    ] = None,
) -> None:
    """Run the `ingest` flow once: discover, fetch, store, parse and load every portal.

    Shows each portal's progress while it runs (listing pages, articles fetched of those
    found, failures, coverage). Runs on the Prefect API in $PREFECT_API_URL, or on a
    temporary local one.
    """
    from portalwatch.flows.ingest import ingest

    _refuse_only_closed(config, source)
    summary = _run_and_summarize(
        None,
        ingest(
            config_path=str(config) if config else None,
            sources=source or None,
            revisit=revisit.value,
            warehouse=str(warehouse) if warehouse else None,
            max_listing_pages=max_listing_pages,
            fan_out=fan_out,
            packages=packages,
        ),
    )
    _exit_unless_completed(summary)


def _refuse_only_closed(config: Path | None, source_ids: list[str] | None) -> None:
    """Fail before any fetch when every source asked for is closed (their live URLs are never fetched)."""
    from portalwatch.config import default_sources_path, load_sources

    if not source_ids:
        return
    try:
        selected = load_sources(config or default_sources_path()).select(source_ids)
    except PortalwatchError as exc:
        _fail(str(exc))
    if all(source.closed for source in selected):
        _fail("; ".join(source.closed_note for source in selected))


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
    with Progress(  # descriptions and details name portals, sections and captures: text, not markup
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[detail]}", markup=False),
        console=err,
        transient=False,
    ) as bar:
        task_id = bar.add_task(label, total=0, detail="") if label else None
        with flow_progress.watching(_RichProgress(bar, task_id)):
            return asyncio.run(flow_call)


def _run_and_summarize(label: str | None, flow_call, errors=(PortalwatchError,)) -> dict:
    """Run a flow under progress bars and print its summary; `errors` end the command with a message."""
    from portalwatch.summary import print_summary

    try:
        summary = _run_with_progress(label, flow_call)
    except errors as exc:
        _fail(str(exc))
    print_summary(summary)
    return summary


def _exit_unless_completed(summary: dict) -> None:
    if summary["status"] != "completed":
        raise typer.Exit(1)


@app.command()
def backfill(
    config: ConfigOption = None,
    source: SourceOption = None,
    pages: Annotated[
        str | None, typer.Option(help=escape("Listing pages to walk, e.g. 100-135 [default: all]."))
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
    summary = _run_and_summarize(
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
        (PortalwatchError, ValueError),
    )
    _exit_unless_completed(summary)


def _backfill_from_archive(config, source, since, until, archive, warehouse, pages, refresh) -> None:
    from portalwatch.flows.archive import archive_backfill

    if pages or refresh:
        _fail("--pages and --refresh walk the live portal; they do not go with --from-archive")
    summary = _run_and_summarize(
        "archive",
        archive_backfill(
            sources=source or None,
            archive=archive,
            since=since.date() if since else None,
            until=until.date() if until else None,
            config_path=str(config) if config else None,
            warehouse=str(warehouse) if warehouse else None,
        ),
        (PortalwatchError, ValueError),
    )
    for portal in summary["portals"].values():
        if "listed" in portal:
            console.print(
                f"{portal['source']}: archive {portal['archive']}: {portal['listed']} captures listed, "
                f"{portal['skipped_stored']} already stored, {portal['duplicates']} duplicates, "
                f"{portal['not_pages']} not article pages, {portal['older_than_stored']} older than what is stored",
                highlight=False,
            )
    _exit_unless_completed(summary)


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
    from portalwatch.flows.serve import build_deployments, prefect_api, serve_deployments
    from portalwatch.paths import DEFAULT_WAREHOUSE, is_lake, warehouse_location

    config_path = config or default_sources_path()
    try:
        sources = load_sources(config_path)
    except PortalwatchError as exc:
        _fail(str(exc))
    warehouse_file = warehouse_location(warehouse, sources.settings.warehouse_location)
    home = DEFAULT_WAREHOUSE.parent if is_lake(warehouse_file) else Path(warehouse_file).parent
    with prefect_api(home, port) as api_url:
        print_as_is(f"Prefect API: {api_url}", err)
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
            help=escape(
                "Sources file [default: the one the warehouse's latest run read, else config/sources.toml]."
            ),
        ),
    ] = None,
    warehouse: WarehouseOption = None,
    runs: Annotated[int, typer.Option(help="How many recent runs to list.")] = 10,
    wait: WaitOption = None,
) -> None:
    """The last runs, each source's freshness, and each listing section's coverage.

    Per source: last run, newest article, articles and documents held and removed, error rate,
    next scheduled run, lifecycle. Per listing section: the entries the warehouse holds of those
    the portal states (coverage)."""
    import duckdb

    from portalwatch.config import load_sources
    from portalwatch.reading import read_warehouse
    from portalwatch.status import coverage, freshness, recent_runs

    path = existing_warehouse(warehouse)
    try:
        with read_warehouse(path, wait) as con:
            sources = load_sources(config or _sources_file_for_status(con))
            tables = [recent_runs(con, runs), freshness(con, sources), coverage(con)]
    except duckdb.Error as exc:
        _fail(f"{path}: {exc}")
    except PortalwatchError as exc:
        _fail(str(exc))
    for columns, rows in tables:
        print_rows(columns, rows, OutputFormat.table)


def _sources_file_for_status(con) -> Path:
    """The sources file the warehouse's runs used, when it is still there; else the bundled one."""
    from portalwatch.config import default_sources_path, sources_digest
    from portalwatch.status import sources_file_of_runs

    used = sources_file_of_runs(con)
    if used is None:
        return default_sources_path()
    path, digest = used
    if not path.is_file():
        err.print(
            f"[yellow]note:[/] {escape(str(path))}, the sources file of the latest run, is gone; showing "
            f"{escape(str(default_sources_path()))}",
            highlight=False,
            soft_wrap=True,
        )
        return default_sources_path()
    if digest and sources_digest(path) != digest:
        err.print(
            f"[yellow]note:[/] {escape(str(path))} changed since the latest run read it",
            highlight=False,
            soft_wrap=True,
        )
    print_as_is(f"sources: {path}", err)
    return path


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run on the warehouse (read-only).")],
    warehouse: WarehouseOption = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="Output format.")
    ] = OutputFormat.table,
    max_rows: Annotated[int, typer.Option(help="Rows shown in table format.")] = 100,
    wait: WaitOption = None,
) -> None:
    """Run a SQL query on the warehouse and print the result."""
    import duckdb

    from portalwatch.reading import read_warehouse

    path = existing_warehouse(warehouse)
    try:
        # A file between two loads: a query waits for a load in progress instead of failing.
        # A DuckLake, attached read-only, is read at once at its latest snapshot.
        with read_warehouse(path, wait) as con:
            cursor = con.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error as exc:
        _fail(f"{path}: {exc}")
    except PortalwatchError as exc:
        _fail(str(exc))
    print_rows(columns, rows, output, max_rows)


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
            help=escape("CMS profile to parse with [default: the first that matches, else generic]."),
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
            console.print(f"[dim]{escape(note)}[/]", highlight=False)
        if result.record is not None:
            table = Table(
                "field", "value", "rule", title=f"{target} — {result.kind}, profile {result.profile}"
            )
            for name, value, rule in rows(result):
                table.add_row(escape(name), escape(value), escape(rule))
            console.print(table)
            for warning in result.record.warnings:
                err.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)
    if result.failure:
        err.print(f"[bold red]not recorded:[/] {escape(result.failure)}", highlight=False, soft_wrap=True)
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
    print_as_is(f"wrote {written}")


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
    seed: SeedOption = 1,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes (emptied first).")] = Path(
        "data/demo"
    ),
    families: FamiliesOption = "default",
) -> None:
    """Start the simulator, crawl it, let time pass, crawl again, and show what changed."""
    _require_simulator()
    from portalwatch.demo import run_demo
    from portalwatch.sim.world import FAMILY_SETS

    if families not in FAMILY_SETS:
        _fail(f"--families {families!r}: expected one of {', '.join(FAMILY_SETS)}")
    run_demo(directory, scale=scale, seed=seed, console=console, families=families)


@app.command("cluster-demo")
def cluster_demo(
    scale: Annotated[
        float, typer.Option(help="Size of the simulated network (1.0: about 3,400 articles).")
    ] = 0.05,
    seed: SeedOption = 1,
    workers: Annotated[int, typer.Option(min=1, help="Process workers in the pool.")] = 3,
    directory: Annotated[Path, typer.Option("--dir", help="Where the demo writes (emptied first).")] = Path(
        "data/cluster-demo"
    ),
) -> None:
    """Past one machine, on one: a run over a pool of workers into a DuckLake, checked against one process.

    PostgreSQL, S3 (moto), a Prefect server and a pool of process workers; one ingest run
    spread over the workers into a DuckLake on S3, the same crawl in one process into a DuckDB
    file, and whether the two warehouses match (exit 1 when they do not). Everything it starts
    is stopped when it ends, however it ends."""
    _require_simulator()
    from importlib.util import find_spec

    if find_spec("moto") is None:
        _fail("the cluster demo serves S3 with moto: pip install 'moto[server]'")
    from portalwatch.clusterdemo import run_cluster_demo

    try:
        matched = run_cluster_demo(directory, scale=scale, seed=seed, workers=workers, console=console)
    except PortalwatchError as exc:
        _fail(str(exc))
    except TimeoutError:
        _fail("the cluster demo's ingest run did not finish in time; everything it started is stopped")
    except KeyboardInterrupt:
        err.print("cluster demo interrupted; everything it started is stopped")
        raise typer.Exit(130) from None
    if not matched:
        raise typer.Exit(1)


# The analytics commands: history, diff, export parquet|text, report (portalwatch.analytics.commands).
ArticleUrlArgument = Annotated[
    str, typer.Argument(help="The article's URL (its path and query are enough when the host moved).")
]
ArticleSourceOption = Annotated[
    str | None,
    typer.Option("--source", "-s", help="The article's source id, when several portals use the same path."),
]


@app.command()
def history(
    url: ArticleUrlArgument,
    source: ArticleSourceOption = None,
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """Every recorded change of an article: created, each edit with the fields it changed, removals.

    In a table, also where its text was republished: the first publication and every copy on
    other portals, with the lag and whether the copy has a new heading.
    """
    from portalwatch.analytics.commands import history_command

    history_command(url, source, warehouse, output, wait)


@app.command()
def diff(
    url: ArticleUrlArgument,
    from_version: Annotated[
        int | None, typer.Option("--from", help=escape("Older version [default: the one before --to]."))
    ] = None,
    to_version: Annotated[
        int | None, typer.Option("--to", help=escape("Newer version [default: the current one]."))
    ] = None,
    source: ArticleSourceOption = None,
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
) -> None:
    """Word-level difference of an article's title, lead and body between two versions.

    Deleted words show as [-words-], inserted ones as {+words+}.
    """
    from portalwatch.analytics.commands import diff_command

    diff_command(url, from_version, to_version, source, warehouse, wait)


export_app = typer.Typer(help="Export the warehouse to files.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("parquet")
def export_parquet(
    directory: Annotated[Path, typer.Argument(help="Folder to write (an earlier export there is replaced).")],
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
) -> None:
    """Every table as Parquet: DIR/<table>/source_id=<id>/*.parquet, and DIR/<table>.parquet for tables with no source."""
    from portalwatch.analytics.commands import export_parquet_command

    export_parquet_command(directory, warehouse, wait)


@export_app.command("text")
def export_text(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write: DIR/<source_id>/NNN_<hash16>.txt and DIR/index.csv.")
    ],
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
) -> None:
    """One seed-style text file per article version, named NNN_<first 16 hex digits of its content hash>.txt.

    NNN numbers a source's versions from 000 in the order they were recorded, so names stay
    the same when the export is run again, and after further crawls.
    """
    from portalwatch.analytics.commands import export_text_command

    export_text_command(directory, warehouse, wait)


@app.command()
def report(
    out: Annotated[Path, typer.Argument(help="HTML file to write.")],
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
) -> None:
    """A static HTML page with charts (publication volume, edits and removals, republication lag, freshness)."""
    from portalwatch.analytics.commands import report_command

    report_command(out, warehouse, wait)


# The archive commands: export warc, import warc (portalwatch.archive.commands).
ImportRawDirOption = Annotated[
    str | None,
    typer.Option(
        "--raw-dir",
        help=escape(
            "Raw store folder or s3://bucket/prefix [default: $PORTALWATCH_RAW_DIR, else the sources "
            "file's [settings.raw] location, else raw/ beside the warehouse]"
        ),
    ),
]
ImportEndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint-url",
        help=escape(
            "The S3-compatible server of an s3:// raw store [default: the sources file's [settings.raw] "
            "endpoint_url, else $AWS_ENDPOINT_URL, else AWS]"
        ),
    ),
]
import_app = typer.Typer(help="Load pages captured by other tools into the warehouse.", no_args_is_help=True)
app.add_typer(import_app, name="import")


@export_app.command("warc")
def export_warc(
    directory: Annotated[Path, typer.Argument(help="Folder to write the .warc.gz files in.")],
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source's fetches.")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"], help="Only fetches from this day (UTC) on."),
    ] = None,
    max_file_mb: Annotated[float, typer.Option(help="Start a new file past this size (MB).")] = 1000.0,
    warehouse: WarehouseOption = None,
    wait: WaitOption = None,
    raw_dir: RawDirOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Every stored page as WARC 1.1 (request and response records, revisits for repeated bodies).

    The files open in pywb and ReplayWeb.page; `portalwatch import warc` reads them back.
    """
    from portalwatch.archive.commands import export_warc_command

    export_warc_command(directory, source, since, max_file_mb, warehouse, wait, raw_dir, endpoint_url)


@import_app.command("warc")
def import_warc(
    files: Annotated[list[Path], typer.Argument(help="WARC files (.warc or .warc.gz), from any crawler.")],
    config: ConfigOption = None,
    source: Annotated[
        list[str] | None, typer.Option("--source", "-s", help="Only this source's pages (repeatable).")
    ] = None,
    warehouse: WarehouseOption = None,
    raw_dir: ImportRawDirOption = None,
    endpoint_url: ImportEndpointOption = None,
) -> None:
    """Record the pages of WARC files under the sources whose hosts they belong to.

    Each response is parsed as a crawl parses it, observed at the record's WARC-Date; a
    revisit stands for the payload it refers to; a 404 is evidence of removal. Records
    already imported (same URL and payload digest) are skipped, so importing twice adds nothing.
    """
    from portalwatch.archive.commands import import_warc_command

    import_warc_command(files, config, source, warehouse, raw_dir, endpoint_url)


# raw cat, raw verify, raw migrate
register_raw(app)


warehouse_app = typer.Typer(
    help="Keep a warehouse: move it between DuckDB releases, give back the space loads left.",
    no_args_is_help=True,
)
app.add_typer(warehouse_app, name="warehouse")


@warehouse_app.command("import")
def warehouse_import(
    directory: Annotated[
        Path, typer.Argument(help="A folder written by EXPORT DATABASE (it holds schema.sql and load.sql).")
    ],
    warehouse: Annotated[
        Path, typer.Option("--warehouse", "-w", help="The new warehouse file (must not exist yet).")
    ],
) -> None:
    """Create a warehouse file from an EXPORT DATABASE folder, with the DuckDB portalwatch runs on.

    A warehouse written by a newer DuckDB does not open here: export it with that DuckDB
    (`EXPORT DATABASE 'folder' (FORMAT parquet)`), then import the folder with this command.
    """
    from portalwatch.storage.compat import import_database
    from portalwatch.storage.warehouse import Warehouse

    try:
        import_database(directory, warehouse)
        version = Warehouse(warehouse).migrate()
    except PortalwatchError as exc:
        _fail(str(exc))
    print_as_is(f"{warehouse}: imported from {directory} (schema version {version})")


@warehouse_app.command("maintain")
def warehouse_maintain(
    warehouse: WarehouseOption = None,
    config: ConfigOption = None,
    wait: WaitOption = None,
    min_free: Annotated[
        float,
        typer.Option(min=0, max=1, help="DuckDB file: rewrite it when this share of its blocks is free."),
    ] = 0.2,
    keep_days: Annotated[
        float,
        typer.Option(
            min=0, help="DuckLake: expire snapshots older than this; time travel reaches back so far."
        ),
    ] = 7.0,
    grace_hours: Annotated[
        float,
        typer.Option(min=0, help="DuckLake: delete Parquet files retired at least this long ago."),
    ] = 1.0,
) -> None:
    """Give back the space small loads leave: compact a DuckDB file, or maintain a DuckLake.

    A DuckLake's maintenance flushes inlined rows, merges small files, expires old snapshots and
    deletes retired files.

    A DuckDB file is rewritten under the writer lock (loads wait; this waits --wait seconds for
    a running load) and replaced only once the copy holds the same rows, by a connection with
    the sources file's warehouse settings (memory_limit, threads, row_group_size), as the
    flows' connections have them; then the history is checked as `portalwatch check` does
    (exit 1 on a problem). See docs/warehouse.md."""
    from portalwatch.config import default_sources_path, load_sources
    from portalwatch.paths import is_lake
    from portalwatch.storage.maintain import maintain_file, maintain_lake
    from portalwatch.storage.warehouse import Warehouse

    target = existing_warehouse(warehouse)
    seconds = 600.0 if wait is None else wait

    def waiting() -> None:
        print_as_is(
            f"{target}: a load is writing to the warehouse; waiting for it (up to {seconds:g} s)", err
        )

    try:
        if is_lake(target):
            result = maintain_lake(str(target), keep_days, grace_hours)
            before, after, problems = str(result.before), str(result.after), result.problems
        else:
            # The file's connections in this process take its settings, as the flows' do.
            Warehouse.configured(target, load_sources(config or default_sources_path()).settings.warehouse)
            done = maintain_file(Path(target), min_free, seconds, waiting)
            before, after, problems = str(done.before), str(done.after), done.problems
            if not done.rewritten:
                console.print(
                    f"free blocks under {min_free:.0%}: checkpointed, not rewritten", highlight=False
                )
    except PortalwatchError as exc:
        _fail(str(exc))
    print_as_is(f"before: {before}")
    print_as_is(f"after:  {after}")
    for problem in problems:
        console.print(f"problem: {problem}", markup=False, highlight=False)
    if problems:
        print_as_is(f"{target}: {len(problems)} problem(s), as before the maintenance", err)
        raise typer.Exit(1)
    print_as_is(f"{target}: no problem found")


def main() -> None:  # pragma: no cover - console entry point
    app()


@app.command()
def check(warehouse: WarehouseOption = None, wait: WaitOption = None) -> None:
    """Check the warehouse's history: no duplicate version, fingerprint, state or change, no gap in a version chain.

    A DuckDB file is checked between two loads: while another process loads into it, the check
    waits for that load to finish (--wait)."""
    import duckdb

    from portalwatch.integrity import check_warehouse
    from portalwatch.reading import read_warehouse

    target = existing_warehouse(warehouse)
    try:
        with read_warehouse(target, wait) as con:
            problems = check_warehouse(con)
    except duckdb.Error as exc:
        _fail(f"{target}: {exc}")
    except PortalwatchError as exc:
        _fail(str(exc))
    for problem in problems:
        console.print(f"problem: {problem}", markup=False, highlight=False)
    if problems:
        print_as_is(f"{target}: {len(problems)} problem(s)", err)
        raise typer.Exit(1)
    print_as_is(f"{target}: no problem found")
