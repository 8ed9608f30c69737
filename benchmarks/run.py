"""`make bench`: every figure a ratio against a baseline measured in the same run.

    a  end-to-end pages/s (fetch, store, parse, load) against a Scrapy spider fetching the same pages
    b  latency-bound pages/s over 100 portals answering in ~300 ms, against the ideal
    c  parser pages/s per core against trafilatura's extraction on the same pages
    d  warehouse: versions loaded per second; warehouse time of a no-change re-run; d0, the
       fingerprints and references the parse stage derives for the load, per core
    e  Prefect overhead: the ingest flow against the stages called directly
    f  memory: peak RSS of backfills of two sizes

Usage: python benchmarks/run.py [--quick] [--only a,c,...]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

# After the settings above: Prefect reads them as it is imported.
import trafilatura  # noqa: E402

from portalwatch import pipeline  # noqa: E402
from portalwatch.config import load_sources  # noqa: E402
from portalwatch.crawl import Revisit  # noqa: E402
from portalwatch.flows.api import start_temporary_api  # noqa: E402
from portalwatch.flows.ingest import ingest  # noqa: E402
from portalwatch.model import FetchRow, Observation, PortalCrawl, SourceRow  # noqa: E402
from portalwatch.parse import parse_article  # noqa: E402
from portalwatch.parse.profile import get_profile  # noqa: E402
from portalwatch.record import ArticleRecord, article_id  # noqa: E402
from portalwatch.sim import pages  # noqa: E402
from portalwatch.sim.process import SimulatorProcess  # noqa: E402
from portalwatch.sim.server import PROFILE_FOR_FAMILY  # noqa: E402
from portalwatch.sim.world import World, network  # noqa: E402
from portalwatch.storage.derive import derive  # noqa: E402
from portalwatch.storage.rawstore import RawStore  # noqa: E402
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
        pages, seconds = crawl_all(config, work / "a" / "warehouse.duckdb")
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
        scrapy_seconds = json.loads(result.stdout.strip().splitlines()[-1])["seconds"]
        scraped = len((work / "scrapy.jsonl").read_text(encoding="utf-8").splitlines())
        theirs = scraped / scrapy_seconds
    ratio = ours / theirs
    return Figure(
        "a",
        "end-to-end pages/s, politeness off",
        f"{ours:,.0f} pages/s ({pages} pages)",
        f"Scrapy {theirs:,.0f} pages/s ({scraped} pages)",
        ratio,
        ">= 2x",
        ratio >= 2,
        "CPU: crawler, page worker and simulator share 2 cores; per page more work than Scrapy's",
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
        "CPU: one crawling process and one page worker for every portal; the loads after the last pages",
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


def bench_warehouse(work: Path, quick: bool) -> list[Figure]:
    count = 20_000 if quick else 100_000
    store = Warehouse(work / "d" / "warehouse.duckdb")
    store.migrate()
    source = SourceRow("bench", "Bench portal", "province", "dcs_aspnet", "http://bench.example")
    now = datetime.now(UTC)
    rng = random.Random(1)
    observations, fetches = [], []
    for index in range(count):
        url = f"http://bench.example/tin-tuc/{index}.html"
        record = ArticleRecord(
            title=f"Bài {index} " + " ".join(rng.choices(BENCH_WORDS, k=8)),
            published_at=now - timedelta(minutes=index),
            body_text="\n\n".join(" ".join(rng.choices(BENCH_WORDS, k=60)) for _ in range(5)),
            lead=" ".join(rng.choices(BENCH_WORDS, k=20)),
            byline="Tin, ảnh: Lò Văn A",
            author="Lò Văn A",
            view_count=index,
            parser_version="bench/1+1",
        )
        raw_hash = f"{index:064x}"
        observations.append(
            Observation(article_id("bench", url), url, record, record.content_hash, raw_hash, now)
        )
        fetches.append(FetchRow("bench", url, "article", now, 200, "ok", None, 1, 10.0, 30_000, raw_hash))
    # The parse stage derives fingerprints and references, in batches of a crawl's size, on its own cores.
    started = time.process_time()
    observations = [o for i in range(0, count, 1000) for o in derive(observations[i : i + 1000])]
    derive_rate = count / (time.process_time() - started)
    run_id = store.start_run("bench", {})
    started = time.perf_counter()
    crawl = PortalCrawl(source, fetches, observations)
    store.load_portal(run_id, crawl)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    summary = store.load_portal(store.start_run("bench", {}), crawl)
    rerun_seconds = time.perf_counter() - started
    assert summary.unchanged == count
    rate = count / load_seconds
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
            "target 50,000 versions/s",
            rate / 50_000,
            ">= 1.0",
            rate >= 50_000,
            "DuckDB writing the texts (insert, commit's checkpoint)",
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


def bench_prefect_overhead(work: Path, quick: bool) -> Figure:
    start_temporary_api()  # guarded: it stops even if the benchmark is killed
    with SimulatorProcess(work / "sim-e.toml", scale=0.6 if quick else 3.0) as sim:
        config = with_politeness(sim.config_path, work / "e.toml", 4)
        pages_direct, direct = crawl_all(config, work / "e1" / "warehouse.duckdb")
        asyncio.run(
            ingest(
                config_path=str(config),
                warehouse=str(work / "warm" / "warehouse.duckdb"),
                sources=["xa-tua-thang"],
            )
        )
        started = time.perf_counter()
        asyncio.run(ingest(config_path=str(config), warehouse=str(work / "e2" / "warehouse.duckdb")))
        through_flow = time.perf_counter() - started
    overhead = through_flow / direct - 1
    return Figure(
        "e",
        f"Prefect overhead, {pages_direct:,}-page run",
        f"flow {through_flow:.1f} s",
        f"stages {direct:.1f} s",
        overhead,
        "< 10%",
        overhead < 0.10,
        "task and flow run bookkeeping on the Prefect server",
    )


def bench_memory(work: Path, quick: bool) -> Figure:
    small, large = (0.6, 3.0) if quick else (3.0, 29.0)
    peaks = []
    for scale in (small, large):
        with SimulatorProcess(work / f"sim-f-{scale}.toml", scale=scale) as sim:
            config = with_politeness(sim.config_path, work / f"f-{scale}.toml", 4)
            probe = subprocess.run(
                [
                    sys.executable,
                    str(HERE / "memory_probe.py"),
                    str(config),
                    str(work / f"f-{scale}" / "warehouse.duckdb"),
                ],
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
        f"{large_run['peak_rss_mb']:,.0f} MiB",
        f"{small_run['peak_rss_mb']:,.0f} MiB",
        growth,
        "< 1 GiB, flat",
        large_run["peak_rss_mb"] < 1024 and growth < 1.5,
        "one chunk of listing pages at a time; crawler plus page-worker processes",
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a first look")
    parser.add_argument("--only", default="a,b,c,d,e,f", help="comma-separated figures to run")
    args = parser.parse_args()
    wanted = set(args.only.split(","))
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="portalwatch-bench-prefect-"))
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="portalwatch-bench-") as folder:
        work = Path(folder)
        steps = {
            "c": lambda: [bench_parser(args.quick)],
            "d": lambda: bench_warehouse(work, args.quick),
            "a": lambda: [bench_end_to_end(work, args.quick)],
            "b": lambda: [bench_latency_bound(work, args.quick)],
            "e": lambda: [bench_prefect_overhead(work, args.quick)],
            "f": lambda: [bench_memory(work, args.quick)],
        }
        for key, step in steps.items():
            if key in wanted:
                print(f"running {key} ...", file=sys.stderr, flush=True)
                figures.extend(step())
    print_table(figures)


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
            "-" if f.met is None else "yes" if f.met else "no",
            f.bound,
        )
        for f in figures
    ]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print(" | ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)))


if __name__ == "__main__":
    main()
