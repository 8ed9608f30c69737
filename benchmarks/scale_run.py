"""Hundreds of simulated portals at a real portal's latency through one machine's `ingest`:
the check of docs/scale.md's per-machine figures.

The simulator serves `--portals` portals (the five seed families, repeated), each with
`--articles` articles, every page answering in `--latency-ms` plus or minus `--jitter-ms`.
The sources file takes its politeness from the bundled sources file (the settings real
portals are crawled with). One `ingest` run crawls every portal into a fresh warehouse (a
DuckDB file, or with `--ducklake` a DuckLake on a throwaway PostgreSQL and a local data
folder); with `--days N` the simulator then moves N simulated days on and a second run
fetches what changed and what the revisit schedule says is due.

Printed per run: pages/s, the peak RSS of the crawling processes (this one and its page
workers; the simulator and the Prefect server apart), the time the loads held the
warehouse, whether every host's politeness held (most requests at once, from the simulator's
request log; shortest gap between two request starts, stamped as the crawler writes them),
and the bytes per article version of the warehouse and of the raw store. The last line is the
whole as JSON; the exit status is 1 when a run did not complete or a host's politeness did not hold.

Usage: python benchmarks/scale_run.py [--portals 300] [--articles 12] [--latency-ms 400]
       [--jitter-ms 300] [--days 1] [--ducklake]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlsplit

if __name__ == "__main__":
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="portalwatch-scale-prefect-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

# After the settings above: Prefect reads them as it is imported.
import scaling
from memsample import MemorySampler

from portalwatch.config import default_sources_path, load_sources
from portalwatch.flows.api import start_temporary_api
from portalwatch.flows.ingest import ingest
from portalwatch.lake import TemporaryPostgres
from portalwatch.sim.process import SimulatorProcess
from portalwatch.sim.sent import SentRequests
from portalwatch.sim.world import network
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse, open_reader

TABLE_BYTES_SQL = """
SELECT t.table_name, sum(f.record_count), sum(f.file_size_bytes), count(*)
FROM __ducklake_metadata_lake.ducklake_data_file AS f
JOIN __ducklake_metadata_lake.ducklake_table AS t USING (table_id)
WHERE f.end_snapshot IS NULL AND t.end_snapshot IS NULL
GROUP BY 1 ORDER BY 3 DESC
"""
HOURS_PER_DAY = 24  # the simulator's steps are hours


class LoadTimer:
    """The seconds each load held the warehouse, taken around Warehouse.load_portal and
    Warehouse.load_portals (crawls that finish together go in as one load) while open."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.originals = {name: getattr(Warehouse, name) for name in ("load_portal", "load_portals")}

    def __enter__(self) -> LoadTimer:
        for name, original in self.originals.items():
            setattr(Warehouse, name, self._timed(original))
        return self

    def _timed(self, original):
        seconds = self.seconds

        def timed(store, *args, **kwargs):
            started = time.perf_counter()
            try:
                return original(store, *args, **kwargs)
            finally:
                seconds.append(time.perf_counter() - started)

        return timed

    def __exit__(self, *exc) -> None:
        for name, original in self.originals.items():
            setattr(Warehouse, name, original)


def politeness_held(
    requests: list[dict], sent: dict[str, list[float]], concurrency: int, delay: float
) -> dict:
    """Per host: the most requests at once, from the simulator's request log (from reading a
    request to writing its answer), and the shortest gap between two request starts, from
    `sent`, the crawler's own stamps (:class:`portalwatch.sim.sent.SentRequests`); whether both
    kept within the politeness settings.

    The gaps are checked where the portal sees a request begin: the simulator stamps a request
    when its one event loop, serving every portal, reads it off the connection, which on a
    loaded machine trails its arrival; its shortest gap is reported, not held to the delay."""
    by_host: dict[str, list[dict]] = defaultdict(list)
    for entry in requests:
        if entry["end"] is not None:
            by_host[entry["host"]].append(entry)
    most, logged_shortest = 0, float("inf")
    for entries in by_host.values():
        edges = sorted([(e["start"], 1) for e in entries] + [(e["end"], -1) for e in entries])
        running = 0
        for _, step in edges:
            running += step
            most = max(most, running)
        logged_shortest = min([logged_shortest, *shortest_gaps(sorted(e["start"] for e in entries))])
    gaps = [gap for starts in sent.values() for gap in shortest_gaps(starts)]
    stamped = sum(map(len, sent.values()))
    # Strictly: the stamp is taken before a request's bytes are written, the spacing counts from after.
    return {
        "hosts": len(by_host),
        "requests": len(requests),
        "requests_stamped_by_the_crawler": stamped,
        "most_at_once": most,
        "shortest_gap_s": round(min(gaps, default=float("inf")), 3),
        "gaps_below_delay": sum(gap < delay for gap in gaps),
        "shortest_gap_in_the_simulator_log_s": round(logged_shortest, 3),
        "held": most <= concurrency and all(gap >= delay for gap in gaps) and stamped >= len(requests),
    }


def shortest_gaps(starts: list[float]) -> list[float]:
    """The gaps between consecutive starts (sorted)."""
    return [b - a for a, b in zip(starts, starts[1:], strict=False)]


def one_run(sim: SimulatorProcess, config: Path, warehouse: str, days: int) -> dict:
    """An ingest of every portal (after `days` simulated days, revisits due); what it measured."""
    sources = load_sources(config)
    politeness = sources.settings.politeness
    since = max((entry["seq"] for entry in sim.requests()), default=0)
    portals = {urlsplit(url).netloc for url in sim.base_urls.values()}
    with MemorySampler(every=0.5) as memory, LoadTimer() as loads, SentRequests() as sent:
        started = time.perf_counter()
        summary = asyncio.run(ingest(config_path=str(config), warehouse=warehouse))
        seconds = time.perf_counter() - started
    with open_reader(warehouse) as con:
        (pages,) = con.execute(
            "SELECT count(*) FROM fetches WHERE run_id = ?", [summary["run_id"]]
        ).fetchone()
    failed = [p["source"] for p in summary["portals"].values() if "error" in p]
    with open_reader(warehouse) as con:
        (versions,) = con.execute("SELECT count(*) FROM article_versions").fetchone()
    stored = {"versions_after": versions}
    if not warehouse.startswith("ducklake:"):
        stored["file_bytes_after"] = Path(warehouse).stat().st_size
    return stored | {
        "day": days,
        "status": summary["status"],
        "portals": len(summary["portals"]),
        "portals_failed": len(failed),
        "pages": pages,
        "seconds": round(seconds, 1),
        "pages_per_s": round(pages / seconds, 1),
        "peak_rss_mb": round(memory.peak_rss_mb),
        "peak_pss_mb": round(memory.peak_pss_mb),
        "loads": len(loads.seconds),
        "load_seconds": round(sum(loads.seconds), 1),
        "longest_load_s": round(max(loads.seconds, default=0.0), 2),
        "politeness": politeness_held(
            [entry for entry in sim.requests(since=since) if entry["host"] in portals],
            {host: starts for host, starts in sent.by_host().items() if host in portals},
            politeness.concurrency,
            politeness.delay_seconds,
        ),
    }


def sizes(warehouse: str, raw: Path, postgres: TemporaryPostgres | None) -> dict:
    """What the runs left: versions, and the bytes per version of the warehouse and the raw store."""
    with open_reader(warehouse) as con:
        (versions,) = con.execute("SELECT count(*) FROM article_versions").fetchone()
        (documents,) = con.execute("SELECT count(*) FROM documents").fetchone()
        (fetches,) = con.execute("SELECT count(*) FROM fetches").fetchone()
    raw_bytes = scaling.folder_bytes(raw)
    found = {
        "article_versions": versions,
        "document_versions": documents,
        "fetches": fetches,
        "raw_bytes": raw_bytes,
        "raw_bytes_per_fetch": round(raw_bytes / max(fetches, 1)),
    }
    if postgres is None:
        file_bytes = Path(warehouse).stat().st_size
        return found | {
            "warehouse_bytes": file_bytes,
            "warehouse_bytes_per_version": round(file_bytes / versions),
        }
    files, data_bytes, snapshots = scaling.lake_data_files(Warehouse(warehouse))
    catalog = scaling.database_bytes(postgres, "lake")
    with open_reader(warehouse) as con:
        tables = con.execute(TABLE_BYTES_SQL).fetchall()
    return found | {
        "parquet_by_table": {
            name: {"rows": rows, "bytes": size, "files": n} for name, rows, size, n in tables
        },
        "parquet_files": files,
        "parquet_bytes": data_bytes,
        "parquet_bytes_per_version": round(data_bytes / versions),
        "snapshots": snapshots,
        "catalog_bytes": catalog,
    }


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--portals", type=int, default=300, help="simulated portals (default 300)")
    parser.add_argument(
        "--articles", type=int, default=12, help="articles per portal at the start (default 12)"
    )
    parser.add_argument("--latency-ms", type=float, default=400.0, help="a page's answer time (default 400)")
    parser.add_argument("--jitter-ms", type=float, default=300.0, help="spread either side (default 300)")
    parser.add_argument("--days", type=int, default=1, help="a second run after this many days (0: none)")
    parser.add_argument("--ducklake", action="store_true", help="a DuckLake on a throwaway PostgreSQL")
    args = parser.parse_args()
    if args.portals < 1 or args.articles < 1 or args.days < 0 or not 0 <= args.jitter_ms <= args.latency_ms:
        parser.error(
            "--portals and --articles must be positive, --days not negative, --jitter-ms within --latency-ms"
        )
    return args


def main() -> None:
    args = arguments()
    politeness = load_sources(default_sources_path()).settings.politeness.model_dump()
    work = Path(tempfile.mkdtemp(prefix="portalwatch-scale-"))
    report: dict = {"portals": args.portals, "articles_per_portal": args.articles, "politeness": politeness}
    report |= {"latency_ms": args.latency_ms, "jitter_ms": args.jitter_ms, "cpus": os.cpu_count()}
    report["load_average_before"] = [round(x, 1) for x in os.getloadavg()]
    sizes_of_portals = {spec.id: args.articles for spec in network(args.portals)}
    try:
        with ExitStack() as stack:
            sim = stack.enter_context(
                SimulatorProcess(
                    work / "sim.toml",
                    scale=0.02,
                    portals=args.portals,
                    portal_sizes=sizes_of_portals,
                    latency_ms=args.latency_ms,
                    latency_jitter_ms=args.jitter_ms,
                    startup_timeout=600,
                )
            )
            config = sim.write_sources(work / "sources.toml", politeness=politeness)
            postgres = stack.enter_context(TemporaryPostgres()) if args.ducklake else None
            stack.callback(close_sessions)  # before PostgreSQL stops
            if postgres is not None:
                warehouse = f"ducklake:postgres:{postgres.create_database('lake')} data_path={work / 'lake'}"
                os.environ["PORTALWATCH_RAW_DIR"] = str(work / "raw")
            else:
                warehouse = str(work / "warehouse.duckdb")
            start_temporary_api()
            runs = [one_run(sim, config, warehouse, 0)]
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            if args.days:
                sim.advance(args.days * HOURS_PER_DAY)
                runs.append(one_run(sim, config, warehouse, args.days))
                print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
            report |= {"warehouse": "ducklake" if postgres else "duckdb", "runs": runs}
            report |= sizes(warehouse, work / "raw", postgres)
    finally:
        report["load_average_after"] = [round(x, 1) for x in os.getloadavg()]
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(os.environ["PREFECT_HOME"], ignore_errors=True)
    print(json.dumps(report))
    if any(run["status"] != "completed" or not run["politeness"]["held"] for run in report["runs"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
