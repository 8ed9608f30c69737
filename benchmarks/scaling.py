"""What the scale-out figures of `make bench` (w, k) and `benchmarks/scale_run.py` share:
process workers of a work pool on a throwaway Prefect server, loads of made-up versions
into a warehouse one after the other (the load lane's work), and the sizes a run leaves.

Everything started here stops however the caller ends: the workers' process trees are
killed on leaving their block, and each worker runs under a guard
(:func:`portalwatch.lifeline.guard`) that stops it when the benchmark's process dies
(:class:`portalwatch.lake.TemporaryWorker`).
"""

from __future__ import annotations

import contextlib
import random
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.deployments.runner import EntrypointType

from portalwatch.flows.fanout import crawl_portal
from portalwatch.lake import TemporaryPostgres, TemporaryWorker, postgres_bindir
from portalwatch.model import FetchRow, Observation, PortalCrawl, SourceRow
from portalwatch.record import ArticleRecord, article_id
from portalwatch.storage.derive import derive
from portalwatch.storage.warehouse import Warehouse

POOL = "portalwatch-bench"
WORKER_START_SECONDS = 180.0


async def deploy_crawl_portal(pool: str = POOL) -> None:
    """A process work pool, and the crawl-portal deployment that ingest's fan-out runs, in it."""
    async with get_client() as client:
        await client.create_work_pool(WorkPoolCreate(name=pool, type="process"), overwrite=True)
    deployment = await crawl_portal.ato_deployment(
        name="on-demand", entrypoint_type=EntrypointType.MODULE_PATH
    )
    await deployment.aapply(work_pool_name=pool)


class PoolWorkers(contextlib.ExitStack):
    """`count` process workers of the pool (:class:`portalwatch.lake.TemporaryWorker`), named
    `prefix`-0, `prefix`-1 …, each running one flow run at a time; a context manager that returns
    once every one polls the pool and kills every worker, and every flow run it started, when
    the block ends."""

    def __init__(self, api_env: dict[str, str], count: int, prefix: str, pool: str = POOL):
        super().__init__()
        self.api_env, self.count, self.pool = api_env, count, pool
        self.names = [f"{prefix}-{n}" for n in range(count)]
        self.workers: list[TemporaryWorker] = []

    def __enter__(self) -> PoolWorkers:
        super().__enter__()
        try:
            for name in self.names:
                worker = TemporaryWorker(
                    self.pool,
                    name,
                    self.api_env,
                    limit=1,
                    settings={"PREFECT_LOGGING_TO_API_ENABLED": "false"},
                    kill_tree=True,
                )
                self.workers.append(self.enter_context(worker))
            for worker in self.workers:
                worker.wait_until_online(WORKER_START_SECONDS)
        except BaseException:
            self.close()
            raise
        return self


# ------------------------------------------------------------------ the load lane's work

WORDS = ["huyện", "xã", "hội nghị", "triển khai", "nhiệm vụ", "phát triển", "kinh tế", "đồng bào", "năm 2024"]


def made_up_crawl(source_id: str, count: int, seed: int = 1) -> PortalCrawl:
    """A crawl of `count` new articles of about 3.5 kB of text each, their fingerprints derived
    (as the parse stage derives them before a load)."""
    source = SourceRow(
        source_id, f"Portal {source_id}", "commune", "dcs_aspnet", f"http://{source_id}.example"
    )
    now = datetime.now(UTC)
    rng = random.Random(f"{seed}:{source_id}")
    observations, fetches = [], []
    for index in range(count):
        url = f"http://{source_id}.example/tin-tuc/{index}.html"
        record = ArticleRecord(
            title=f"Bài {index} " + " ".join(rng.choices(WORDS, k=8)),
            published_at=now - timedelta(minutes=index),
            body_text="\n\n".join(" ".join(rng.choices(WORDS, k=60)) for _ in range(5)),
            lead=" ".join(rng.choices(WORDS, k=20)),
            byline="Tin, ảnh: Lò Văn A",
            author="Lò Văn A",
            view_count=index,
            parser_version="bench/1+1",
        )
        raw_hash = f"{seed:08x}{index:056x}"
        observations.append(
            Observation(article_id(source_id, url), url, record, record.content_hash, raw_hash, now)
        )
        fetches.append(FetchRow(source_id, url, "article", now, 200, "ok", None, 1, 10.0, 30_000, raw_hash))
    derived = [o for i in range(0, count, 1000) for o in derive(observations[i : i + 1000])]
    return PortalCrawl(source, fetches, derived)


def lane_seconds(store: Warehouse, crawls: list[PortalCrawl]) -> float:
    """Seconds the loads of `crawls`, one after the other into one warehouse, took (migration apart)."""
    store.migrate()
    run_id = store.start_run("bench", {})
    started = time.perf_counter()
    for crawl in crawls:
        store.load_portal(run_id, crawl)
    return time.perf_counter() - started


def database_bytes(postgres: TemporaryPostgres, database: str) -> int:
    """The size of a PostgreSQL database of a throwaway server (pg_database_size)."""
    result = subprocess.run(
        [str(postgres_bindir() / "psql")]
        + ["-h", "127.0.0.1", "-p", str(postgres.port), "-U", postgres.user, "-d", database, "-Atc"]
        + [f"SELECT pg_database_size('{database}')"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


def folder_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


LAKE_FILES_SQL = """
SELECT (SELECT count(*) FROM {m}.ducklake_data_file) + (SELECT count(*) FROM {m}.ducklake_delete_file),
       (SELECT coalesce(sum(file_size_bytes), 0) FROM {m}.ducklake_data_file)
       + (SELECT coalesce(sum(file_size_bytes), 0) FROM {m}.ducklake_delete_file),
       (SELECT count(*) FROM {m}.ducklake_snapshot)
"""


def lake_data_files(store: Warehouse) -> tuple[int, int, int]:
    """(files, bytes, snapshots): the Parquet data and delete files a DuckLake warehouse's catalog
    lists, and the snapshots (commits) it holds."""
    with store.connect(read_only=True) as con:
        row = con.execute(LAKE_FILES_SQL.format(m="__ducklake_metadata_lake")).fetchone()
    return (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
