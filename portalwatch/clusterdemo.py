"""`portalwatch cluster-demo`: one ingest run spread over a pool of workers into a shared DuckLake.

What runs past one machine, started on one: a throwaway PostgreSQL holds both the Prefect
server's database and the DuckLake catalog; moto serves S3 for the DuckLake's Parquet files
the load packages and the raw store; a Prefect server runs on that PostgreSQL; a process work pool has
three workers. The bundled simulator's network is ingested through the pool (each portal a
`crawl-portal` flow run, :mod:`portalwatch.flows.fanout`, loaded one at a time through the
warehouse's load lane), then crawled again by one process into a DuckDB file; the two
warehouses must hold the same articles, versions, changes and documents.

Every server and worker is a throwaway service (:mod:`portalwatch.lake`),
stopped however the demo ends (an error, Ctrl-C, SIGTERM) and by its guard should the demo
be killed outright; the workers' flow runs end with their worker (:mod:`portalwatch.flowrun`).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shlex
import shutil
import signal
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName
from prefect.client.schemas.objects import FlowRun
from prefect.deployments.runner import EntrypointType
from prefect.exceptions import TerminationSignal
from prefect.settings import PREFECT_API_URL, temporary_settings
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from portalwatch.flows.fanout import CRAWL_DEPLOYMENT, crawl_portal
from portalwatch.flows.ingest import ingest
from portalwatch.integrity import check_warehouse
from portalwatch.lake import (
    LakeError,
    LakeSpec,
    TemporaryPostgres,
    TemporaryPrefectServer,
    TemporaryS3,
    TemporaryWorker,
    environment,
)
from portalwatch.sim.process import SimulatorProcess
from portalwatch.storage.warehouse import open_reader
from portalwatch.summary import print_summary
from portalwatch.terminal import print_as_is

POOL = "portalwatch-cluster-demo"
BUCKET = "portalwatch"
WORKER_LABEL = "prefect.worker.name"  # the label a worker gives each flow run it takes
RUN_SECONDS = 1800.0  # the cluster's ingest run is given up after this long
SERVER_STARTS = 2  # attempts at starting the Prefect server

# What the two warehouses must agree on: everything but when it was seen and by which run.
CONTENT = {
    "articles": """SELECT article_id, source_id, url, current_version, content_hash, removed_at IS NULL
                   FROM article_state""",
    "versions": """SELECT article_id, source_id, url, version, content_hash, title, published_at, updated_at,
                          author, byline, lead, body_text, images::VARCHAR, attachments::VARCHAR,
                          links::VARCHAR, breadcrumb, category, parser_version, extraction
                   FROM article_versions""",
    "changes": """SELECT article_id, source_id, url, item_kind, change_type, changed_fields,
                         old_content_hash, new_content_hash, version, cause
                  FROM changes""",
    "documents": "SELECT document_id, source_id, url, version, content_hash FROM documents",
}


@dataclass
class Cluster:
    """The services of a cluster demo, all started; where its warehouse and load packages are."""

    sim: SimulatorProcess
    postgres: TemporaryPostgres
    s3: TemporaryS3
    server: TemporaryPrefectServer
    spec: str
    packages: str
    workers: list[TemporaryWorker] = field(default_factory=list)


def start_cluster(
    stack: contextlib.ExitStack, directory: Path, scale: float, seed: int, workers: int, console: Console
) -> Cluster:
    """Start the simulator, PostgreSQL, S3, the Prefect server, the pool and its workers;
    each stops when `stack` closes."""
    console.print(f"Starting the portal simulator (seed {seed}, scale {scale}) ...")
    sim = stack.enter_context(SimulatorProcess(directory / "sources.toml", seed=seed, scale=scale))
    console.print("Starting PostgreSQL (Prefect's database and the DuckLake catalog) ...")
    postgres = stack.enter_context(TemporaryPostgres())
    postgres.create_database("prefect")
    catalog = postgres.create_database("lake")
    console.print("Starting S3 (moto) ...")
    s3 = stack.enter_context(TemporaryS3(BUCKET))
    stack.enter_context(environment(s3.env))
    console.print("Starting the Prefect server on PostgreSQL ...")
    server = start_prefect_server(stack, postgres.url("prefect"), console)
    stack.enter_context(temporary_settings(updates={PREFECT_API_URL: server.api_url}))
    asyncio.run(deploy(POOL))
    console.print(f"Starting {workers} process workers of the pool {POOL} ...")
    cluster = Cluster(sim, postgres, s3, server, str(LakeSpec(catalog, s3.url("lake/"))), s3.url("packages"))
    # Each worker takes a fair share of the portals at once, so that every one gets some.
    limit = math.ceil(len(sim.base_urls) / workers)
    for number in range(1, workers + 1):
        worker = TemporaryWorker(POOL, f"worker-{number}", server.env, limit=limit)
        cluster.workers.append(stack.enter_context(worker))
    for worker in cluster.workers:
        worker.wait_until_online()
    return cluster


def start_prefect_server(
    stack: contextlib.ExitStack, database_url: str, console: Console
) -> TemporaryPrefectServer:
    """A Prefect server on `database_url` that stops when `stack` closes, started a second time
    should the first fail: it binds its port only after migrating its database, half a minute
    on a busy machine, time enough for the free port it was given to be taken."""
    for attempt in range(1, SERVER_STARTS + 1):
        try:
            return stack.enter_context(TemporaryPrefectServer(database_url))
        except LakeError as exc:
            if attempt == SERVER_STARTS:
                raise
            console.print(
                f"[yellow]{escape(str(exc))}[/]\nStarting the Prefect server again ...", highlight=False
            )
    raise AssertionError("unreachable")


async def deploy(pool: str) -> None:
    """A process work pool, and the crawl-portal deployment on it; its flow runs end with their worker."""
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
    command = f"{shlex.quote(sys.executable)} -m portalwatch.flowrun"
    deployment = await crawl_portal.ato_deployment(
        name=CRAWL_DEPLOYMENT.split("/")[1],
        entrypoint_type=EntrypointType.MODULE_PATH,
        job_variables={"command": command},
    )
    await deployment.aapply(work_pool_name=pool)


def print_services(cluster: Cluster, console: Console) -> None:
    """What runs where."""
    table = Table(title="what runs where (all on this machine)")
    for column in ("service", "where", "pid"):
        table.add_column(column)
    sim_pid = cluster.sim.process.pid if cluster.sim.process else None
    rows = [
        ("simulator", f"{len(cluster.sim.base_urls)} portals, {cluster.sim.control_url} …", sim_pid),
        (
            "PostgreSQL",
            f"127.0.0.1:{cluster.postgres.port}, databases prefect and lake",
            cluster.postgres.pid,
        ),
        ("S3 (moto)", f"{cluster.s3.endpoint_url}, bucket {cluster.s3.bucket}", cluster.s3.pid),
        ("Prefect server", cluster.server.api_url, cluster.server.pid),
        *(
            (worker.name, f"pool {worker.pool}, {worker.limit} runs at once", worker.pid)
            for worker in cluster.workers
        ),
    ]
    for name, where, pid in rows:
        table.add_row(name, where, str(pid))
    console.print(table)
    print_as_is(f"Warehouse: {cluster.spec}", console)
    print_as_is(f"Load packages: {cluster.packages}", console)


async def crawl_runs() -> dict[str, FlowRun]:
    """The crawl-portal flow runs, by name."""
    async with get_client() as client:
        runs = await client.read_flow_runs(
            deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=[CRAWL_DEPLOYMENT.split("/")[1]])
            )
        )
    return {run.name: run for run in runs}


def print_assignments(summary: dict, runs: dict[str, FlowRun], console: Console) -> Counter:
    """Which worker crawled which portal, how long its flow run waited to start (for a worker to
    take it and its process to start) and how long it ran; the number of portals per worker."""
    table = Table(title="which worker crawled which portal")
    columns = ("portal", "flow run", "worker", "fetched", "created", "waited s", "ran s")
    for column in columns:
        table.add_column(column, justify="left" if column in columns[:3] else "right")
    per_worker: Counter = Counter()
    for source_id, portal in summary["portals"].items():
        run = runs.get(portal.get("flow_run", ""))
        worker = str((run.labels or {}).get(WORKER_LABEL, "?")) if run else "?"
        per_worker[worker] += 1
        waited = ran = ""
        if run and run.start_time and run.end_time:
            waited = f"{(run.start_time - run.created).total_seconds():.1f}" if run.created else ""
            ran = f"{(run.end_time - run.start_time).total_seconds():.1f}"
        table.add_row(
            source_id,
            run.name if run else "?",
            worker,
            str(portal.get("fetched", "")),
            str(portal.get("created", "")),
            waited,
            ran,
        )
    console.print(table)
    console.print(", ".join(f"{worker}: {n} portal(s)" for worker, n in sorted(per_worker.items())))
    return per_worker


# -------------------------------------------------------------- comparing the warehouses


def warehouse_content(location: str | Path) -> tuple[dict[str, Counter], list[str]]:
    """Each table's rows (what `CONTENT` selects) in a warehouse file or DuckLake, counted;
    and what `portalwatch check` finds wrong there (duplicate keys, gaps in version chains)."""
    with contextlib.closing(open_reader(location)) as con:
        content = {
            name: Counter(_hashable(row) for row in con.execute(sql).fetchall())
            for name, sql in CONTENT.items()
        }
        return content, [str(problem) for problem in check_warehouse(con)]


def _hashable(row: tuple) -> tuple:
    return tuple(tuple(value) if isinstance(value, list) else value for value in row)


def compare(cluster: dict[str, Counter], single: dict[str, Counter], console: Console) -> list[str]:
    """Print each table's rows on both sides; the tables that differ, with how."""
    table = Table(title="the cluster's DuckLake against the single-machine DuckDB file")
    for column in ("table", "cluster", "one machine", "only on the cluster", "only on one machine"):
        table.add_column(column, justify="left" if column == "table" else "right")
    differences = []
    for name in CONTENT:
        extra, missing = cluster[name] - single[name], single[name] - cluster[name]
        table.add_row(
            name,
            str(cluster[name].total()),
            str(single[name].total()),
            str(extra.total()),
            str(missing.total()),
        )
        if extra or missing:
            differences.append(
                f"{name} ({extra.total()} rows only on the cluster, {missing.total()} only on one machine)"
            )
            for row in [*list(extra)[:2], *list(missing)[:2]]:
                console.print(
                    f"  {name}: {'cluster' if row in extra else 'one machine'} only: {row[:6]}",
                    highlight=False,
                )
    console.print(table)
    return differences


# -------------------------------------------------------------- the demo


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def run_cluster_demo(
    directory: Path, scale: float, seed: int, workers: int, console: Console, timeout: float = RUN_SECONDS
) -> bool:
    """Run the cluster demo in `directory` (emptied first); whether the two warehouses match.

    SIGTERM ends it as Ctrl-C does (KeyboardInterrupt): whatever it started is stopped first.
    An ingest run through the pool that takes over `timeout` seconds raises TimeoutError."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with contextlib.ExitStack() as stack:
            console.rule("[bold]portalwatch cluster demo")
            cluster = start_cluster(stack, directory, scale, seed, workers, console)
            print_services(cluster, console)
            verdict = _crawl_twice_and_compare(cluster, directory, console, timeout)
            console.print("Stopping the workers and servers ...")
    except TerminationSignal as exc:  # SIGTERM during a flow run, through Prefect's own handler
        raise KeyboardInterrupt(f"signal {exc.signal}") from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    console.print(verdict[1], style="bold green" if verdict[0] else "bold red", highlight=False)
    return verdict[0]


def _crawl_twice_and_compare(
    cluster: Cluster, directory: Path, console: Console, timeout: float
) -> tuple[bool, str]:
    config = str(cluster.sim.config_path)
    console.rule(
        f"1. One ingest run, its portals spread over {len(cluster.workers)} workers, into DuckLake on S3"
    )
    started = time.perf_counter()
    run = ingest(
        config_path=config,
        warehouse=cluster.spec,
        raw_dir=cluster.s3.url("raw"),
        fan_out=True,
        packages=cluster.packages,
    )
    fanned = asyncio.run(asyncio.wait_for(run, timeout))
    took = time.perf_counter() - started
    print_summary(fanned)
    print_assignments(fanned, asyncio.run(crawl_runs()), console)
    console.print(f"took {took:.1f} s")

    console.rule("2. The same crawl in one process, into a DuckDB file")
    single_file = directory / "single" / "warehouse.duckdb"
    started = time.perf_counter()
    single = asyncio.run(ingest(config_path=config, warehouse=str(single_file)))
    console.print(f"{single['status']}; took {time.perf_counter() - started:.1f} s")

    console.rule("3. The two warehouses")
    (cluster_content, cluster_problems), (single_content, single_problems) = (
        warehouse_content(cluster.spec),
        warehouse_content(single_file),
    )
    differences = compare(cluster_content, single_content, console)
    for where, problems in (("the DuckLake", cluster_problems), ("the DuckDB file", single_problems)):
        console.print(f"portalwatch check on {where}: {len(problems)} problem(s)", highlight=False)
        differences += [f"{where}: {problem}" for problem in problems[:5]]
    differences += [
        f"the {name} run ended {s['status']}"
        for name, s in (("cluster", fanned), ("single-machine", single))
        if s["status"] != "completed"
    ]
    if differences:
        return False, "The two warehouses do not match: " + "; ".join(differences) + "."
    counts = ", ".join(f"{content.total()} {name}" for name, content in cluster_content.items())
    return (
        True,
        f"The two warehouses match: {counts}, the same from {len(cluster.workers)} workers as from one process.",
    )
