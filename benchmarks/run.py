"""`make bench`: every figure a ratio against a baseline measured in the same run.

    a  end-to-end pages/s (fetch, store, parse, load) against a Scrapy spider fetching the same pages
    b  latency-bound pages/s over 100 portals answering in ~300 ms, against the ideal
    c  parser pages/s per core against trafilatura's extraction on the same pages
    d  warehouse: versions loaded per second; warehouse time of a no-change re-run; d0, the
       fingerprints and references the parse stage derives for the load, per core
    r  a portal's crawl memory read and re-crawl load in a warehouse grown to 1,000,000 versions
       (200,000 quick), against the same in a warehouse of that portal alone
    e  Prefect overhead: the ingest flow against the stages called directly
    f  memory: peak RSS of backfills of two sizes
    g  raw store: write cost per page of the packed store (WARC segments, index, fsync per load)
       against the one-file-per-page layout it replaced
    h  fetch client CPU per request: aiohttp's pool under httpx against httpx's own, at 4 and 16 connections
    s  article pages handed to the page worker: CPU a page (crawling process and worker) in batches,
       as a crawl hands them over, against one call to the process pool a page
    p  host politeness across processes: CPU per request of a host's turn with the machine-wide file
       (flock, read, write) against one kept in the process only (p1), and of the fetch stage (p2)
    w  crawl pages/s through the fan-out path (crawl-portal flow runs on a process work pool) with 1,
       2 and 3 process workers, against 1 worker (w1: against the same crawl in one process, no Prefect)
    k  the load lane into DuckLake (PostgreSQL catalog; Parquet in a folder, then on S3): versions/s
       against the DuckDB file's, the same loads in the same process

A figure that fails says so in its row, with the reason; the others still run, the table is
still printed, and the exit status is 1.

Usage: python benchmarks/run.py [--quick] [--only a,c,...]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import functools
import gzip
import hashlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from portalwatch.config import Politeness, Source, load_sources
from portalwatch.fetch import PortalFetcher
from portalwatch.hostshare import HOSTS_DIR_ENV, HostFile, SharedHost, host_file_name
from portalwatch.sim.process import SimulatorProcess

HERE = Path(__file__).resolve().parent
# A Prefect home of the run's own (removed at its end), no analytics; the Prefect server the
# run starts (start_temporary_api) has its own home besides, and the memory probes use it.
# Page workers import this module as __mp_main__ and inherit the run's home.
if __name__ == "__main__":
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="portalwatch-bench-prefect-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Prefect's 20 s default is too short for its temporary server on a busy small machine.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# After the settings above: Prefect reads them as it is imported.
import psutil  # noqa: E402
import scaling  # noqa: E402  (benchmarks/scaling.py)
import trafilatura  # noqa: E402
from prefect.settings import PREFECT_API_URL, temporary_settings  # noqa: E402

from portalwatch import pipeline  # noqa: E402
from portalwatch.crawl import Revisit  # noqa: E402
from portalwatch.flows.api import start_temporary_api  # noqa: E402
from portalwatch.flows.ingest import ingest  # noqa: E402
from portalwatch.lake import TemporaryPostgres, TemporaryPrefectServer, TemporaryS3, environment  # noqa: E402
from portalwatch.model import FetchRow, Observation, PortalCrawl, SourceRow  # noqa: E402
from portalwatch.pagework import PageWorkers, article_page  # noqa: E402
from portalwatch.pagework import _pool as worker_pool  # noqa: E402  (the pool PageWorkers(1) calls)
from portalwatch.parse import parse_article  # noqa: E402
from portalwatch.parse.profile import get_profile  # noqa: E402
from portalwatch.record import ArticleRecord, article_id  # noqa: E402
from portalwatch.sim import pages  # noqa: E402
from portalwatch.sim.server import PROFILE_FOR_FAMILY  # noqa: E402
from portalwatch.sim.world import World, network  # noqa: E402
from portalwatch.storage.backend import insert  # noqa: E402
from portalwatch.storage.derive import derive  # noqa: E402
from portalwatch.storage.load import one_thread  # noqa: E402
from portalwatch.storage.rawstore import RawStore, pack  # noqa: E402
from portalwatch.storage.session import close_sessions  # noqa: E402
from portalwatch.storage.sqlarrow import query_arrow  # noqa: E402
from portalwatch.storage.warehouse import Warehouse  # noqa: E402


@dataclass
class Figure:
    key: str
    what: str
    measured: str
    baseline: str
    ratio: float | None  # None: a figure without a target of its own
    target: str
    met: bool | None
    bound: str
    failed: bool = False


def crawl_all(config_path: Path, warehouse: Path, revisit: str = "none") -> tuple[int, float]:
    """The stages called directly (no Prefect): every portal crawled and loaded; (pages, seconds)."""

    config = load_sources(config_path)
    store = Warehouse(warehouse)
    store.migrate()
    raw = RawStore(warehouse.parent / "raw")
    run_id = store.start_run("bench", {})

    async def one(source) -> int:
        crawled, _ = await pipeline.run_portal(source, config, store, raw, run_id, Revisit(revisit))
        return len(crawled.fetches)

    async def everything() -> int:
        return sum(await asyncio.gather(*(one(source) for source in config.sources)))

    started = time.perf_counter()
    pages = asyncio.run(everything())
    return pages, time.perf_counter() - started


def tree_cpu_seconds(leave_out: int | None = None) -> float:
    """CPU time, user and system, of this process and its descendants (the page workers), with
    what each has reaped; without process `leave_out` (the simulator) and its descendants.
    The difference of two readings is the CPU time the tree spent in between."""
    me = psutil.Process()
    processes = me.children(recursive=True)
    if leave_out is not None:
        try:
            left_out = psutil.Process(leave_out)
            skip = {leave_out, *(p.pid for p in left_out.children(recursive=True))}
        except psutil.NoSuchProcess:
            skip = {leave_out}
        processes = [p for p in processes if p.pid not in skip]
    total = 0.0
    for process in [me, *processes]:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def with_politeness(config_path: Path, out: Path, concurrency: int) -> Path:
    text = config_path.read_text(encoding="utf-8").replace("concurrency = 4", f"concurrency = {concurrency}")
    out.write_text(text, encoding="utf-8")
    return out


def bench_end_to_end(work: Path, quick: bool) -> Figure:
    per_host = 4
    with SimulatorProcess(work / "sim-a.toml", scale=0.3 if quick else 1.0) as sim:
        config = with_politeness(sim.config_path, work / "a.toml", per_host)
        # A first crawl warms the simulator (it renders each PDF once, then serves it from memory),
        # so that portalwatch and Scrapy both meet the same warm portals.
        crawl_all(config, work / "a-warm" / "warehouse.duckdb")
        simulator = sim.process.pid if sim.process else None
        cpu_before = tree_cpu_seconds(leave_out=simulator)
        pages, seconds = crawl_all(config, work / "a" / "warehouse.duckdb")
        cpu_ours = (tree_cpu_seconds(leave_out=simulator) - cpu_before) / pages
        ours = pages / seconds
        # Scrapy fetches the very same URLs (listing pages and articles) and writes JSON lines.
        with Warehouse(work / "a" / "warehouse.duckdb").connect(read_only=True) as con:
            urls = [row[0] for row in con.execute("SELECT url FROM fetches").fetchall()]
        urls_file = work / "a-urls.txt"
        urls_file.write_text("\n".join(urls), encoding="utf-8")
        result = subprocess.run(
            [
                sys.executable,
                str(HERE / "scrapy_spider.py"),
                str(urls_file),
                str(work / "scrapy.jsonl"),
                str(per_host),
                str(len(sim.base_urls)),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        timing = json.loads(result.stdout.strip().splitlines()[-1])
        scraped = len((work / "scrapy.jsonl").read_text(encoding="utf-8").splitlines())
        theirs = scraped / timing["seconds"]
        cpu_theirs = timing["cpu_seconds"] / scraped
    ratio = ours / theirs
    return Figure(
        "a",
        "end-to-end pages/s, politeness off; CPU per page, all processes",
        f"{ours:,.0f} pages/s ({pages} pages), {cpu_ours * 1000:.1f} ms CPU/page",
        f"Scrapy {theirs:,.0f} pages/s ({scraped} pages), {cpu_theirs * 1000:.1f} ms CPU/page",
        ratio,
        ">= 1.5x",
        ratio >= 1.5,
        "CPU per page on 2 cores shared with the simulator: parsing (the page worker), the crawling "
        "process (HTTP client, raw store, bookkeeping, the loads); Scrapy fetches and writes JSON",
    )


def bench_latency_bound(work: Path, quick: bool) -> Figure:
    hosts, per_host, latency, articles = (20 if quick else 100), 2, 0.3, 40
    # Every portal the same size: the ideal assumes every host has work for the whole run.
    sizes = {spec.id: articles for spec in network(hosts)}
    with SimulatorProcess(
        work / "sim-b.toml", scale=0.02, portals=hosts, latency_ms=latency * 1000, portal_sizes=sizes
    ) as sim:
        config = with_politeness(sim.config_path, work / "b.toml", per_host)
        crawl_all(config, work / "b-warm" / "warehouse.duckdb")  # the simulator renders its PDFs once
        pages, seconds = crawl_all(config, work / "b" / "warehouse.duckdb")
    with Warehouse(work / "b" / "warehouse.duckdb").connect(read_only=True) as con:
        (robots,) = con.execute("SELECT count(*) FROM fetches WHERE kind = 'robots'").fetchone()
    pages -= robots  # robots.txt answers without the portals' latency: it does not count toward the ideal
    achieved = pages / seconds
    ideal = hosts * per_host / latency
    ratio = achieved / ideal
    return Figure(
        "b",
        f"latency-bound: {hosts} portals x {per_host} connections, {latency * 1000:.0f} ms",
        f"{achieved:,.0f} pages/s",
        f"ideal {ideal:,.0f} pages/s",
        ratio,
        ">= 0.9",
        ratio >= 0.9,
        "at 100 portals, the CPU where a's crawl with no latency at all comes near the ideal "
        "(667 pages/s); else the crawling process's event loop, a few ms on each exchange and "
        "between two; each host's start (robots.txt, then listing page 1); after the last "
        "answers, one load of every portal (0.6-0.8 s at 100), its commit writing the file",
    )


def bench_parser(quick: bool) -> Figure:
    world = World(seed=5, scale=0.2)
    documents = []
    for portal in world.portals.values():
        profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
        for article in portal.articles[: 40 if quick else 150]:
            documents.append((pages.render_article(portal, article, random.Random(article.id)), profile))

    def rate(function) -> float:
        started = time.process_time()
        for html, profile in documents:
            function(html, profile)
        return len(documents) / (time.process_time() - started)

    ours = rate(lambda html, profile: parse_article(html, "http://portal.example/a", profile))
    theirs = rate(lambda html, profile: trafilatura.extract(html, with_metadata=True))
    ratio = ours / theirs
    return Figure(
        "c",
        "parser pages/s per core (CPU time)",
        f"{ours:,.0f} pages/s",
        f"trafilatura {theirs:,.0f} pages/s",
        ratio,
        ">= 20x",
        ratio >= 20,
        "selectolax's parse of the page; trafilatura's lxml tree building",
    )


def bench_page_handover(quick: bool) -> Figure:
    """s: simulator article pages through one page worker, 32 in flight (a crawl's share of its
    hosts' connections): handed over by `PageWorkers` as a crawl does (in batches while the worker
    is busy) against one call to the same process pool a page; three rounds each way in turns."""
    world = World(seed=11, scale=0.2)
    calls = []
    for portal in world.portals.values():
        profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
        for article in portal.articles[: 60 if quick else 240]:
            html = pages.render_article(portal, article, random.Random(article.id))
            calls.append(
                (html.encode(), "utf-8", "http://portal.example" + pages.article_path(article), profile)
            )
    workers = PageWorkers(1)

    async def handed_over(batched: bool) -> tuple[float, float]:
        """Milliseconds of CPU a page: (this process, the worker)."""
        in_flight = asyncio.Semaphore(32)
        loop = asyncio.get_running_loop()

        async def one(args: tuple):
            async with in_flight:
                if batched:
                    return await workers.run(article_page, *args, share=True)
                return await loop.run_in_executor(worker_pool(1), article_page, *args)

        process, tree = time.process_time(), tree_cpu_seconds()
        done = await asyncio.gather(*(one(args) for args in calls))
        assert all(page.record is not None for page in done)
        process, tree = time.process_time() - process, tree_cpu_seconds() - tree
        return process / len(calls) * 1000, (tree - process) / len(calls) * 1000

    asyncio.run(handed_over(True))  # the worker started, its imports done
    rounds: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(3):
        for batched in (False, True):
            rounds[batched].append(asyncio.run(handed_over(batched)))
    ours, theirs = (
        tuple(statistics.median(r[i] for r in rounds[batched]) for i in (0, 1)) for batched in (True, False)
    )
    ratio = sum(theirs) / sum(ours)
    return Figure(
        "s",
        f"article pages to the page worker, {len(calls):,} pages, 32 in flight: CPU a page",
        f"in batches: crawling process {ours[0]:.2f} ms, worker {ours[1]:.2f} ms",
        f"a call a page: {theirs[0]:.2f} ms, {theirs[1]:.2f} ms",
        ratio,
        "-",
        None,
        "per call: the pool's threads and pipes, the wake-ups on both sides, a fingerprint's fixed "
        "numpy cost; per page: the parse, the raw record's gzip, the fingerprint",
    )


# The words of the warehouse benchmark's made-up articles.
BENCH_WORDS = [
    "huyện",
    "xã",
    "hội nghị",
    "triển khai",
    "nhiệm vụ",
    "phát triển",
    "kinh tế",
    "đồng bào",
    "năm 2024",
]


def duckdb_alone(loaded: Warehouse, empty: Warehouse) -> float:
    """Seconds DuckDB alone takes to write what a load wrote: every row the loaded warehouse
    holds, read into Arrow beforehand, appended to a new warehouse's tables in one transaction
    (the file opened and closed as a load's is). No change tracking, no Python objects: the
    bound of the engine under the load."""
    empty.migrate()
    with empty.connect(read_only=True) as con:
        seeded = {
            name
            for (name,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE estimated_size > 0"
            ).fetchall()
        }
    with loaded.connect(read_only=True) as con:
        names = [name for (name,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        tables = {name: query_arrow(con, f'SELECT * FROM "{name}"') for name in names}
    tables = {name: rows for name, rows in tables.items() if rows.num_rows and name not in seeded}
    started = time.perf_counter()
    with empty.connect() as con, one_thread(con):  # on one DuckDB thread, as a load
        con.execute("BEGIN")
        for name, rows in tables.items():
            insert(con, name, rows)
        con.execute("COMMIT")
    return time.perf_counter() - started


def bench_warehouse(work: Path, quick: bool) -> list[Figure]:
    count = 20_000 if quick else 100_000
    store = Warehouse(work / "d" / "warehouse.duckdb")
    store.migrate()
    source = SourceRow("bench", "Bench portal", "province", "dcs_aspnet", "http://bench.example")
    observations, fetches = made_up_articles("bench", count)
    # The parse stage derives fingerprints and references, in batches of a crawl's size, on its own cores.
    started = time.process_time()
    observations = [o for i in range(0, count, 1000) for o in derive(observations[i : i + 1000])]
    derive_rate = count / (time.process_time() - started)
    run_id = store.start_run("bench", {})
    started = time.perf_counter()
    crawl = PortalCrawl(source, fetches, observations)
    store.load_portal(run_id, crawl)
    load_seconds = time.perf_counter() - started
    floor_seconds = duckdb_alone(store, Warehouse(work / "d" / "floor.duckdb"))
    started = time.perf_counter()
    summary = store.load_portal(store.start_run("bench", {}), crawl)
    rerun_seconds = time.perf_counter() - started
    assert summary.unchanged == count
    rate = count / load_seconds
    floor_rate = count / floor_seconds
    return [
        Figure(
            "d0",
            "fingerprints and references, per core (CPU time)",
            f"{derive_rate:,.0f} versions/s",
            "part of the parse stage",
            None,
            "-",
            None,
            "numpy over the texts' code points, rensa's signing, the reference regexes",
        ),
        Figure(
            "d1",
            f"warehouse load, {count:,} new versions",
            f"{rate:,.0f} versions/s",
            f"target 50,000 versions/s; DuckDB alone {floor_rate:,.0f} versions/s",
            rate / 50_000,
            ">= 1.0",
            rate >= 50_000,
            "the writer thread: DuckDB's statements and appends (with their compression) on one core, "
            "while Python builds the next chunk's Arrow columns on the other; the commit. 'DuckDB "
            "alone': the same rows, Arrow already, appended in one transaction",
        ),
        Figure(
            "d2",
            f"no-change re-run over {count:,} known articles",
            f"{rerun_seconds:.2f} s of warehouse time",
            "target 5 s",
            5 / rerun_seconds,
            ">= 1.0",
            rerun_seconds < 5,
            "the state lookup join and the updates",
        ),
    ]


def made_up_articles(
    source_id: str, count: int, edited: range = range(0)
) -> tuple[list[Observation], list[FetchRow]]:
    """A portal's observations and fetches of `count` made-up articles in the words of
    BENCH_WORDS, the same at every call; those in `edited` with one more sentence at the end of
    their body. Not yet derived (fingerprints, references): the parse stage's part."""
    rng = random.Random(1)
    published = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    observations, fetches = [], []
    for index in range(count):
        url = f"http://{source_id}.example/tin-tuc/{index}.html"
        title = f"Bài {index} " + " ".join(rng.choices(BENCH_WORDS, k=8))
        body = "\n\n".join(" ".join(rng.choices(BENCH_WORDS, k=60)) for _ in range(5))
        lead = " ".join(rng.choices(BENCH_WORDS, k=20))
        if index in edited:
            body += "\n\nBài viết đã được cập nhật."
        record = ArticleRecord(
            title=title,
            published_at=published - timedelta(minutes=index),
            body_text=body,
            lead=lead,
            byline="Tin, ảnh: Lò Văn A",
            author="Lò Văn A",
            view_count=index,
            parser_version="bench/1+1",
        )
        raw_hash = hashlib.sha256(f"{source_id} {index} {record.content_hash}".encode()).hexdigest()
        observations.append(
            Observation(article_id(source_id, url), url, record, record.content_hash, raw_hash, now)
        )
        fetches.append(FetchRow(source_id, url, "article", now, 200, "ok", None, 1, 10.0, 30_000, raw_hash))
    return observations, fetches


def made_up_crawl(source_id: str, count: int, edited: range = range(0)) -> PortalCrawl:
    """:func:`made_up_articles` as a crawl ready for the load, derived in batches of 1,000."""
    source = SourceRow(source_id, source_id, "district", "dcs_aspnet", f"http://{source_id}.example")
    observations, fetches = made_up_articles(source_id, count, edited)
    observations = [o for i in range(0, count, 1000) for o in derive(observations[i : i + 1000])]
    return PortalCrawl(source, fetches, observations)


# The rows of a grown warehouse's other portals: copies of the measured portal's own, under
# new portal ids (and so new article ids and URLs).
GROW_SQL = """
INSERT INTO {table} SELECT {columns} FROM {table}, range(1, {copies}) AS copy(n) WHERE source_id = 'g0'
"""


def bench_growth(work: Path, quick: bool) -> Figure:
    """A portal's crawl memory read and its re-crawl's load (2,000 articles, 200 of them edited)
    in a warehouse that holds that portal alone and in one grown to `total` article versions,
    the other portals' rows copies of its own: the loads and reads of a portal should cost what
    they cost whatever the rest of the warehouse holds."""
    per, edits, rounds = 2_000, 200, 3
    total = 200_000 if quick else 1_000_000
    first = made_up_crawl("g0", per)
    stores = {}
    for name in ("alone", "grown"):
        store = Warehouse(work / "r" / name / "warehouse.duckdb")
        store.migrate()
        store.load_portal(store.start_run("bench", {}), first)
        stores[name] = store
    close_sessions()
    started = time.perf_counter()
    with stores["grown"].connect() as con:
        for (table,) in con.execute(
            "SELECT DISTINCT table_name FROM duckdb_columns() WHERE column_name = 'source_id' "
            "AND database_name = current_database() AND table_name IN (SELECT table_name FROM duckdb_tables())"
        ).fetchall():
            names = [
                name
                for (name,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                    "AND database_name = current_database() ORDER BY column_index",
                    [table],
                ).fetchall()
            ]
            renamed = {
                "source_id": "'g' || n",
                "article_id": "article_id || '-' || n",
                "document_id": "document_id || '-' || n",
                "url": "replace(url, 'g0.example', 'g' || n || '.example')",
            }
            columns = ", ".join(renamed.get(name, name) for name in names)
            con.execute(GROW_SQL.format(table=table, columns=columns, copies=total // per))
        (versions,) = con.execute("SELECT count(*) FROM article_versions").fetchone()
    grow_seconds = time.perf_counter() - started
    close_sessions()
    timings: dict[str, dict[str, list[float]]] = {name: {"read": [], "load": []} for name in stores}
    for turn in range(rounds):
        crawl = made_up_crawl("g0", per, edited=range((turn + 1) * edits))  # 200 more each turn
        for name in ("alone", "grown") if turn % 2 == 0 else ("grown", "alone"):
            store = stores[name]
            started = time.perf_counter()
            store.portal_state("g0")
            timings[name]["read"].append(time.perf_counter() - started)
            started = time.perf_counter()
            summary = store.load_portal(store.start_run("bench", {}), crawl)
            timings[name]["load"].append(time.perf_counter() - started)
            assert summary.updated == edits, summary
    close_sessions()
    read = {name: statistics.median(t["read"]) for name, t in timings.items()}
    load = {name: statistics.median(t["load"]) for name, t in timings.items()}
    ratio = (read["grown"] + load["grown"]) / (read["alone"] + load["alone"])
    return Figure(
        "r",
        f"a portal's memory read and re-crawl load ({per:,} articles, {edits} edited), warehouse of {versions:,} versions",
        f"read {read['grown'] * 1000:.0f} ms, load {load['grown'] * 1000:.0f} ms",
        f"that portal alone: read {read['alone'] * 1000:.0f} ms, load {load['alone'] * 1000:.0f} ms",
        ratio,
        "-",
        None,
        "the commit and the checkpoint (DuckDB's, growing with the tables they write into); the "
        "statements that join on article ids scan the shared tables' keys; the texts and states "
        f"read are the portal's own (filtered by portal). Growing took {grow_seconds:.0f} s",
    )


def bench_prefect_overhead(work: Path, quick: bool) -> Figure:
    """The same portals crawled into a new warehouse through the ingest flow and through the
    stages called directly, in turns: each way's median of E_PAIRS runs, so that one run slowed
    by the rest of the machine does not decide the figure."""
    start_temporary_api()  # guarded: it stops even if the benchmark is killed
    direct_runs: list[float] = []
    flow_runs: list[float] = []
    with SimulatorProcess(work / "sim-e.toml", scale=0.6 if quick else 3.0) as sim:
        config = with_politeness(sim.config_path, work / "e.toml", 4)
        asyncio.run(
            ingest(
                config_path=str(config),
                warehouse=str(work / "warm" / "warehouse.duckdb"),
                sources=["xa-tua-thang"],
            )
        )
        for turn in range(E_PAIRS):
            # Each way timed from its start: the sources read, the new warehouse created and
            # migrated, the run recorded, as the flow does before its tasks.
            started = time.perf_counter()
            pages_direct, _ = crawl_all(config, work / f"e1-{turn}" / "warehouse.duckdb")
            direct_runs.append(time.perf_counter() - started)
            started = time.perf_counter()
            asyncio.run(
                ingest(config_path=str(config), warehouse=str(work / f"e2-{turn}" / "warehouse.duckdb"))
            )
            flow_runs.append(time.perf_counter() - started)
    direct, through_flow = statistics.median(direct_runs), statistics.median(flow_runs)
    overhead = through_flow / direct - 1
    return Figure(
        "e",
        f"Prefect overhead, {pages_direct:,}-page run",
        f"flow {through_flow:.1f} s ({_runs(flow_runs)})",
        f"stages {direct:.1f} s ({_runs(direct_runs)})",
        overhead,
        "< 10%",
        overhead < 0.10,
        "task and flow run bookkeeping on the Prefect server; the medians of runs taken in turns",
    )


E_PAIRS = 3  # runs of each way in figure e


def _runs(seconds: list[float]) -> str:
    return "median of " + ", ".join(f"{value:.1f}" for value in seconds)


def bench_memory(work: Path, quick: bool) -> Figure:
    small, large = (0.6, 3.0) if quick else (3.0, 29.0)
    # The probes' flows run one after the other on the run's Prefect server, not each on one of
    # its own: a server is not what is measured, and it starts slowly on a busy machine.
    api = start_temporary_api()
    env = os.environ | ({"PREFECT_API_URL": api} if api else {})
    peaks = []
    for scale in (small, large):
        # The simulator builds its whole world before it answers: minutes at the full size.
        with SimulatorProcess(
            work / f"sim-f-{scale}.toml", scale=scale, startup_timeout=max(120.0, 40.0 * scale)
        ) as sim:
            config = with_politeness(sim.config_path, work / f"f-{scale}.toml", 4)
            probe = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "memory_probe.py"),
                    str(config),
                    str(work / f"f-{scale}" / "warehouse.duckdb"),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            peaks.append(json.loads(probe.stdout.strip().splitlines()[-1]))
    (small_run, large_run) = peaks
    growth = large_run["peak_rss_mb"] / small_run["peak_rss_mb"]
    print(f"f: {small_run} / {large_run}", file=sys.stderr, flush=True)
    return Figure(
        "f",
        f"peak RSS, backfill of {large_run['pages']:,} pages vs {small_run['pages']:,}",
        f"{large_run['peak_rss_mb']:,.0f} MiB (PSS {large_run['peak_pss_mb']:,.0f})",
        f"{small_run['peak_rss_mb']:,.0f} MiB (PSS {small_run['peak_pss_mb']:,.0f})",
        growth,
        "< 768 MiB, flat",
        large_run["peak_rss_mb"] < 768 and growth < 1.5,
        "the crawler's peak is a chunk's load under the 128 MiB DuckDB limit (a checkpoint rewrites "
        "at most a few 8,192-row groups a table); imports ~190 MiB; page workers ~160 MiB RSS "
        "(forkserver, worker, tracker)",
    )


def _one_file_per_page(root: Path, body: bytes, record: bytes) -> None:
    """The earlier raw store's write: a temporary file renamed to <2 hex>/<sha256>.gz."""
    raw_hash = hashlib.sha256(body).hexdigest()
    path = root / raw_hash[:2] / f"{raw_hash}.gz"
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(record)
    os.replace(tmp, path)


def bench_raw_store(work: Path, quick: bool) -> Figure:
    world = World(seed=7, scale=0.2)
    rendered = [
        pages.render_article(portal, article, random.Random(article.id)).encode()
        for portal in world.portals.values()
        for article in portal.articles
    ]
    count = 3_000 if quick else 20_000
    # Distinct bodies: the simulated pages again and again, each copy with a comment of its own.
    bodies = [rendered[n % len(rendered)] + f"<!-- {n} -->".encode() for n in range(count)]
    per_load = 500  # pages between two flushes (a portal's load)
    # Compression is the same work in both layouts (and runs in the page workers): timed apart.
    started = time.perf_counter()
    packed = [pack(body) for body in bodies]
    pack_ms = (time.perf_counter() - started) * 1000 / len(bodies)
    compressed = [gzip.compress(body, compresslevel=5, mtime=0) for body in bodies]
    store = RawStore(work / "g-packed")
    flushing = 0.0
    started = time.perf_counter()
    for number, page in enumerate(packed, 1):
        store.put_packed(page)
        if number % per_load == 0 or number == len(packed):
            flush_started = time.perf_counter()
            store.flush()
            flushing += time.perf_counter() - flush_started
    packed_ms = (time.perf_counter() - started) * 1000 / len(bodies)
    flush_ms = flushing * 1000 / len(bodies)
    stored_mb = sum(len(page.record) for page in packed) / 1e6
    started = time.perf_counter()
    for body, record in zip(bodies, compressed, strict=True):
        _one_file_per_page(work / "g-files", body, record)
    files_ms = (time.perf_counter() - started) * 1000 / len(bodies)
    print(
        f"g: {len(bodies)} pages, {stored_mb:.0f} MB; pack {pack_ms:.3f} ms/page; "
        f"segments {packed_ms:.4f} ms/page of which fsync and index commit {flush_ms:.4f}",
        file=sys.stderr,
        flush=True,
    )
    return Figure(
        "g",
        f"raw store write, ms per page ({len(bodies):,} pages, fsync every {per_load})",
        f"segments {packed_ms:.3f} ms ({flush_ms:.3f} of it fsync)",
        f"one file per page {files_ms:.3f} ms (no fsync)",
        files_ms / packed_ms,
        "< 0.1 ms/page",
        packed_ms < 0.1,
        f"the fsync of {stored_mb / len(bodies) * 1000:.1f} kB/page per load; gzip ({pack_ms:.2f} ms) is in neither",
    )


def fetch_cpu_per_request(
    source, transport: str, connections: int, urls: list[str], machine_wide: bool = True
) -> tuple[float, float]:
    """Milliseconds of this process's CPU per page, `connections` loops fetching `urls` from one host:
    (through the fetch stage's PortalFetcher, with the bare httpx client over the same transport).
    Without `machine_wide`, the host's spacing is kept in the process only (no hosts file)."""
    politeness = Politeness(concurrency=connections, delay_seconds=0.0, transport=transport)

    async def in_loops(fetch, pages: list[str]) -> float:
        queue = iter(pages)

        async def loop() -> None:
            for url in queue:
                await fetch(url)

        started = time.process_time()
        await asyncio.gather(*(loop() for _ in range(connections)))
        return (time.process_time() - started) / len(pages) * 1000

    async def measured() -> tuple[float, float]:
        async with PortalFetcher(source, politeness, "portalwatch-bench/0.1") as fetcher:
            if not machine_wide:
                fetcher._hosts_dir = None

            async def stage(url: str) -> None:
                result = await fetcher.fetch(url, "article")
                assert result.ok, result.error

            async def bare(url: str) -> None:
                (await fetcher._client.get(url)).raise_for_status()

            await in_loops(stage, urls[: connections * 10])  # robots.txt, connections opened
            return await in_loops(stage, urls), await in_loops(bare, urls)

    return asyncio.run(measured())


def busiest_portal_pages(sim: SimulatorProcess, requests: int) -> tuple[Source, list[str]]:
    """The simulator's largest portal and `requests` URLs of its live articles, repeated as needed."""
    truth = sim.truth()
    portal = max(sim.base_urls, key=lambda id: sum(row["source"] == id for row in truth))
    pages = [row["url"] for row in truth if row["source"] == portal and not row["removed"]]
    return load_sources(sim.config_path).select([portal])[0], (pages * (requests // len(pages) + 1))[
        :requests
    ]


def bench_transport(work: Path, quick: bool) -> list[Figure]:
    requests, rounds = (500, 4) if quick else (2000, 4)
    with SimulatorProcess(work / "sim-h.toml", scale=0.3) as sim:
        source, urls = busiest_portal_pages(sim, requests)
        fetch_all = functools.partial(fetch_cpu_per_request, source, urls=urls)
        fetch_all(transport="httpx", connections=4)  # the simulator renders each page once
        # Alternated rounds, the least CPU of each: other processes on the cores only ever add to it.
        # The transports take turns at going first.
        runs: dict[tuple[str, int], list[tuple[float, float]]] = {}
        for turn in range(rounds):
            for connections in (4, 16):
                for transport in ("httpx", "aiohttp") if turn % 2 == 0 else ("aiohttp", "httpx"):
                    runs.setdefault((transport, connections), []).append(
                        fetch_all(transport=transport, connections=connections)
                    )
    least = {cell: (min(r[0] for r in got), min(r[1] for r in got)) for cell, got in runs.items()}
    print(f"h (stage ms, bare client ms): {least}", file=sys.stderr, flush=True)
    figures = []
    for connections in (4, 16):
        (ours, ours_bare), (theirs, theirs_bare) = least["aiohttp", connections], least["httpx", connections]
        ratio = theirs / ours
        figures.append(
            Figure(
                f"h{connections}",
                f"fetch stage CPU per page, {connections} connections to a host",
                f"aiohttp pool {ours:.2f} ms (client {ours_bare:.2f})",
                f"httpx's own {theirs:.2f} ms (client {theirs_bare:.2f})",
                ratio,
                ">= 1.5x",
                ratio >= 1.5,
                "httpx's pure-Python pool and HTTP parsing; the stage's own work per page",
            )
        )
    return figures


def turn_cpu_microseconds(shared: HostFile | None, turns: int) -> float:
    """Microseconds of CPU per request of a host's slot and turn (no delay: nothing waits)."""

    async def measured() -> float:
        host = SharedHost("bench.invalid", shared)
        host.join(host, 0.0, 4)
        started = time.process_time()
        for _ in range(turns):
            async with host.slot(), host.turn() as on_the_wire:
                on_the_wire()
        return (time.process_time() - started) / turns * 1e6

    return asyncio.run(measured())


def bench_host_politeness(work: Path, quick: bool) -> list[Figure]:
    """p: what spacing a host across the machine's processes costs per request."""
    turns, requests, rounds = (20_000, 800, 4) if quick else (100_000, 1500, 6)
    folder = work / "hosts"
    folder.mkdir(exist_ok=True)
    shared = HostFile(folder / host_file_name("bench.invalid"))
    micro = {"file": [], "process": []}
    for _ in range(rounds):
        micro["file"].append(turn_cpu_microseconds(shared, turns))
        micro["process"].append(turn_cpu_microseconds(None, turns))
    shared.close()
    with_file, in_process = min(micro["file"]), min(micro["process"])
    previous = os.environ.get(HOSTS_DIR_ENV)
    os.environ[HOSTS_DIR_ENV] = str(folder)
    try:
        with SimulatorProcess(work / "sim-p.toml", scale=0.2) as sim:
            source, urls = busiest_portal_pages(sim, requests)
            fetch_all = functools.partial(fetch_cpu_per_request, source, "aiohttp", 4, urls)
            fetch_all()  # the simulator renders each page once
            # Rounds in alternating order, the least CPU of each: a round's first measurement
            # would otherwise always be the same one, and take any slowdown of the round's start.
            stage: dict[bool, list[float]] = {True: [], False: []}
            for turn in range(rounds):
                for machine_wide in (True, False) if turn % 2 == 0 else (False, True):
                    stage[machine_wide].append(fetch_all(machine_wide=machine_wide)[0])
    finally:
        if previous is None:
            os.environ.pop(HOSTS_DIR_ENV, None)
        else:
            os.environ[HOSTS_DIR_ENV] = previous
    ours, theirs = min(stage[True]), min(stage[False])
    print(
        f"p (turn us: file {micro['file']}, process {micro['process']}; stage ms: {stage})", file=sys.stderr
    )
    extra = with_file - in_process
    return [
        Figure(
            "p1",
            "a host's turn per request, spaced across processes",
            f"{with_file:.1f} µs with the hosts file",
            f"{in_process:.1f} µs in the process only",
            with_file / in_process,
            "< 25 µs more",
            extra < 25,
            "two system calls (flock, flock) and their Python calls; the record is read and written through a shared memory map",
        ),
        Figure(
            "p2",
            "fetch stage CPU per page, 4 connections, hosts file on",
            f"{ours:.3f} ms",
            f"{theirs:.3f} ms in the process only",
            ours / theirs,
            "<= 1.05x",
            ours / theirs <= 1.05,
            "the HTTP client; the turn is a few µs of it",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument(
        "--only",
        metavar="FIGURES",
        help="comma-separated figures to run (d1 selects d: its step measures d0, d1 and d2); default: all",
    )
    args = parser.parse_args()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="portalwatch-bench-") as folder:
        work = Path(folder)
        steps = {
            "c": lambda: [bench_parser(args.quick)],
            "d": lambda: bench_warehouse(work, args.quick),
            "r": lambda: [bench_growth(work, args.quick)],
            "a": lambda: [bench_end_to_end(work, args.quick)],
            "b": lambda: [bench_latency_bound(work, args.quick)],
            "e": lambda: [bench_prefect_overhead(work, args.quick)],
            "f": lambda: [bench_memory(work, args.quick)],
            "g": lambda: [bench_raw_store(work, args.quick)],
            "h": lambda: bench_transport(work, args.quick),
            "s": lambda: [bench_page_handover(args.quick)],
            "p": lambda: bench_host_politeness(work, args.quick),
            "w": lambda: bench_workers(work, args.quick),
            "k": lambda: bench_lake_load(work, args.quick),
        }
        wanted = selected(args.only, steps)
        if wanted is None:
            parser.error(f"--only takes a comma list of {', '.join(sorted(steps))}")
        for key, step in steps.items():
            if key in wanted:
                print(f"running {key} ...", file=sys.stderr, flush=True)
                figures.extend(run_step(key, step))
    print_table(figures)
    if any(figure.failed for figure in figures):
        sys.exit(1)


def run_step(key: str, step) -> list[Figure]:
    """A step's figures, or one row that says why it failed: a failed figure stops no other."""
    try:
        return step()
    except Exception as exc:
        traceback.print_exc()
        return [Figure(key, f"FAILED: {failure(exc)}", "-", "-", None, "-", False, "-", failed=True)]


def failure(exc: Exception, limit: int = 160) -> str:
    """One line on why a figure failed: for a process the benchmark ran, the last line it wrote
    to stderr (its exception, as a rule)."""
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, subprocess.CalledProcessError):
        lines = [line.strip() for line in (exc.stderr or "").splitlines() if line.strip()]
        program = Path(str(exc.cmd[1])).name if isinstance(exc.cmd, list) and len(exc.cmd) > 1 else exc.cmd
        reason = f"{program} exited with {exc.returncode}" + (f": {lines[-1]}" if lines else "")
    reason = " ".join(reason.split())
    return reason if len(reason) <= limit else reason[: limit - 3] + "..."


def selected(only: str | None, steps: dict) -> set[str] | None:
    """The steps `--only` names (all without it): a figure's key, or a sub-figure's such as d1,
    whose step is its letter; None when a name is neither, or none is given."""
    if only is None:
        return set(steps)
    wanted = set()
    for name in filter(None, (part.strip() for part in only.split(","))):
        key = name if name in steps else name.rstrip("0123456789")
        if key not in steps:
            return None
        wanted.add(key)
    return wanted or None


def print_table(figures: list[Figure]) -> None:
    header = ("", "figure", "portalwatch", "baseline", "ratio", "target", "met", "bounded by")
    rows = [
        (
            f.key,
            f.what,
            f.measured,
            f.baseline,
            "-" if f.ratio is None else f"{f.ratio:.2f}",
            f.target,
            "FAILED" if f.failed else "-" if f.met is None else "yes" if f.met else "no",
            f.bound,
        )
        for f in figures
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)))


# -------------------------------------------------------------- past one machine: w, k


def bench_workers(work: Path, quick: bool) -> list[Figure]:
    """w: the same first crawl through ingest's fan-out with 1, 2 and 3 process workers."""
    portals, articles = (6, 150) if quick else (12, 400)
    sizes = {spec.id: articles for spec in network(portals)}
    runs: dict[int, tuple[int, float, float]] = {}
    with (
        SimulatorProcess(work / "sim-w.toml", scale=0.02, portals=portals, portal_sizes=sizes) as sim,
        TemporaryPostgres() as postgres,
        TemporaryPrefectServer(postgres.url(postgres_database(postgres, "prefect"))) as server,
        temporary_settings(updates={PREFECT_API_URL: server.api_url}),
    ):
        config = with_politeness(sim.config_path, work / "w.toml", 4)
        crawl_all(config, work / "w-warm" / "warehouse.duckdb")  # the simulator renders its PDFs once
        direct_pages, direct_seconds = crawl_all(config, work / "w-direct" / "warehouse.duckdb")
        asyncio.run(scaling.deploy_crawl_portal())
        for count in (1, 2, 3):
            runs[count] = fanned_out_crawl(server.env, config, work / f"w{count}", count)
    print(f"w (pages, seconds, machine CPU busy %): {runs}", file=sys.stderr, flush=True)
    one, direct = runs[1][0] / runs[1][1], direct_pages / direct_seconds
    figures = []
    for count, (fetched, seconds, busy) in runs.items():
        rate = fetched / seconds
        baseline = (
            f"one process, no Prefect: {direct:,.0f} pages/s"
            if count == 1
            else f"1 worker {one:,.0f} pages/s"
        )
        figures.append(
            Figure(
                f"w{count}",
                f"fan-out crawl, {count} process worker{'s' if count > 1 else ''}, {portals} portals",
                f"{rate:,.0f} pages/s ({fetched:,} pages, {seconds:.0f} s; CPU {busy:.0f}% busy)",
                baseline,
                rate / (direct if count == 1 else one),
                "-",
                None,
                "CPU: each worker's flow run (crawler + page worker) and the simulator on 2 cores",
            )
        )
    return figures


def postgres_database(postgres: TemporaryPostgres, name: str) -> str:
    postgres.create_database(name)
    return name


def fanned_out_crawl(api_env: dict, config: Path, folder: Path, workers: int) -> tuple[int, float, float]:
    """(pages, seconds, machine CPU busy %) of an ingest fanned out over `workers` fresh process workers."""
    warehouse = folder / "warehouse.duckdb"
    with scaling.PoolWorkers(api_env, workers, f"w{workers}-worker"):
        psutil.cpu_percent()
        started = time.perf_counter()
        summary = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse), fan_out=True))
        seconds = time.perf_counter() - started
        busy = psutil.cpu_percent()
    if summary["status"] != "completed":
        errors = [p.get("error") for p in summary["portals"].values() if p.get("error")]
        raise RuntimeError(
            f"the fanned-out run with {workers} worker(s) ended {summary['status']}: {errors[:2]}"
        )
    with Warehouse(warehouse).connect(read_only=True) as con:
        (pages,) = con.execute("SELECT count(*) FROM fetches").fetchone()
    return pages, seconds, busy


def bench_lake_load(work: Path, quick: bool) -> list[Figure]:
    """k: the same loads, one after the other, into a DuckDB file and into DuckLake (folder, S3):
    large loads (versions/s) and a portal's daily load of ten versions (seconds per load)."""
    versions, loads, small = (6_000, 6, 10) if quick else (30_000, 15, 30)
    crawls = [scaling.made_up_crawl(f"lake-{n}", versions // loads) for n in range(loads)]
    tiny = [scaling.made_up_crawl(f"small-{n}", 10, seed=2) for n in range(small)]
    store = Warehouse(work / "k" / "warehouse.duckdb")
    file_lane = (versions / scaling.lane_seconds(store, crawls), scaling.lane_seconds(store, tiny) / small)
    figures = []
    with TemporaryPostgres() as postgres:
        try:
            folder = str(work / "k-lake")
            figures += lake_load_figures(("k1", "k2"), "a folder", postgres, folder, crawls, tiny, file_lane)
            with TemporaryS3() as s3, environment(s3.env):
                figures += lake_load_figures(
                    ("k3", "k4"), "moto S3", postgres, s3.url("lake/"), crawls, tiny, file_lane
                )
        finally:
            close_sessions()  # the lake connections, before their PostgreSQL goes
    return figures


def lake_load_figures(
    keys: tuple[str, str],
    where: str,
    postgres: TemporaryPostgres,
    data_path: str,
    crawls: list,
    tiny: list,
    file_lane: tuple[float, float],
) -> list[Figure]:
    """A DuckLake on `postgres` with its data in `data_path`: the large loads' versions/s, then the
    small loads' seconds each, against the file's (`file_lane`)."""
    database = f"lake_{keys[0]}"
    dsn = postgres.create_database(database)
    empty = scaling.database_bytes(postgres, database)
    store = Warehouse(f"ducklake:postgres:{dsn} data_path={data_path}")
    versions = sum(len(crawl.observations) for crawl in crawls)
    rate = versions / scaling.lane_seconds(store, crawls)
    files, data_bytes, snapshots = scaling.lake_data_files(store)
    catalog = scaling.database_bytes(postgres, database) - empty
    per_load = scaling.lane_seconds(store, tiny) / len(tiny)
    _, _, after = scaling.lake_data_files(store)
    per_snapshot = (scaling.database_bytes(postgres, database) - empty - catalog) / (after - snapshots)
    print(
        f"{keys[0]}: {versions} versions in {len(crawls)} loads; {snapshots} snapshots, {files} data files, "
        f"{data_bytes} B of Parquet ({data_bytes / versions:.0f} B/version), catalog +{catalog} B; "
        f"{len(tiny)} small loads: {per_load:.2f} s each, catalog +{per_snapshot:.0f} B per snapshot",
        file=sys.stderr,
        flush=True,
    )
    bound = "one PostgreSQL round trip per catalog read and write; keys kept by the loader"
    return [
        Figure(
            keys[0],
            f"DuckLake load lane, {versions:,} versions in {len(crawls)} loads, Parquet in {where}",
            f"{rate:,.0f} versions/s ({data_bytes / versions:,.0f} B/version, {files} files)",
            f"DuckDB file {file_lane[0]:,.0f} versions/s",
            rate / file_lane[0],
            "-",
            None,
            f"{bound}; catalog +{catalog / 1e6:.1f} MB",
        ),
        Figure(
            keys[1],
            f"DuckLake load lane, {len(tiny)} loads of 10 versions, Parquet in {where}",
            f"{per_load:.2f} s/load (catalog +{per_snapshot / 1e3:.0f} kB each)",
            f"DuckDB file {file_lane[1]:.2f} s/load",
            file_lane[1] / per_load,
            "-",
            None,
            f"{bound}; under 10 rows a table, inlined in the catalog",
        ),
    ]


if __name__ == "__main__":
    main()
