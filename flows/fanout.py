"""An ingest run spread over workers: one `crawl-portal` flow run per portal.

`ingest(fan_out=True)` starts a run of the `crawl-portal` deployment for each portal
(:data:`CRAWL_DEPLOYMENT`, served by `portalwatch serve` or deployed to a work pool from
prefect.yaml), so every worker polling the pool takes a share of one ingest run. A
crawl-portal run crawls its portal holding its host's politeness slots, writes the crawl
to a load package in the package folder (a path or ``s3://…`` every worker reaches),
loads it through the warehouse's load lane, and leaves its portal summary beside the
packages; the parent waits for its children and reads their summaries.

A child whose process dies is rerun: Prefect marks it Crashed when its worker sees it
die; when the worker died with it, nothing would, so each child beats (a label on its
flow run, every :data:`BEAT_SECONDS`) and the parent marks a child that stops beating
for :data:`LOST_SECONDS` Crashed itself. A crashed portal is crawled again on whichever
worker takes it, up to :data:`ATTEMPTS` times. A crawl killed before its load commits
left nothing in the warehouse; a portal an earlier attempt of the run loaded already is
not crawled again.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.context import FlowRunContext
from prefect.deployments.flow_runs import arun_deployment
from prefect.states import Crashed

from portalwatch.config import Source
from portalwatch.crawl import Revisit
from portalwatch.flows.setup import FlowSetup
from portalwatch.lane import host_turn
from portalwatch.loadpackage import summary_url, take_summary, write_package, write_summary
from portalwatch.model import LoadSummary, PortalCrawl
from portalwatch.pipeline import crawl_stage, load_package_stage
from portalwatch.storage.coverage import describe, section_warnings
from portalwatch.storage.warehouse import Warehouse

CRAWL_DEPLOYMENT = "crawl-portal/on-demand"
BEAT_LABEL = "portalwatch.beat"
BEAT_SECONDS = 5.0
LOST_SECONDS = 60.0  # a running child silent this long is taken for dead
STARTING_SECONDS = 180.0  # a child a worker took (pending) has this long to start running
POLL_SECONDS = 2.0
ATTEMPTS = 3  # runs of one portal's crawl-portal flow, first one included

logger = logging.getLogger(__name__)


def package_folder(packages: str | None, warehouse_file: Path) -> str:
    """Where load packages go: the given folder or URL, else `packages/` beside the warehouse."""
    return packages or str(warehouse_file.parent / "packages")


def portal_summary(crawl: PortalCrawl, loaded: LoadSummary) -> dict:
    """A portal's line in a run's summary: what its crawl did and what its load changed."""
    return {
        "source": crawl.source.source_id,
        "listing_pages": crawl.listing_pages,
        "fetched": crawl.article_fetches,
        "created": loaded.created,
        "updated": loaded.updated,
        "reparsed": loaded.reparsed,
        "removed": loaded.removed,
        "restored": loaded.restored,
        "documents_removed": loaded.documents_removed,
        "documents_restored": loaded.documents_restored,
        "unchanged": loaded.unchanged,
        "failed": len(crawl.failures),
        "failures": crawl.failures[:50],
        "revisited": crawl.revisited,
        "outcomes": crawl.outcome_counts,
        "pending": sum(entry.kind == "article" for entry in crawl.state.frontier_pending),
        "pending_documents": sum(entry.kind == "document" for entry in crawl.state.frontier_pending),
        "outages": [
            {
                "host": o.host,
                "opened_at": o.opened_at.isoformat(),
                "closed_at": o.closed_at and o.closed_at.isoformat(),
                "failures": o.failures,
                "skipped": o.skipped,
                "last_error": o.last_error,
            }
            for o in crawl.state.outages
        ],
        "tls_verified": crawl.tls_verified,
        "coverage": portal_coverage(loaded.coverage),
        "sections": [c.as_dict() | {"text": describe(c)} for c in loaded.coverage],
        "warnings": section_warnings(loaded.coverage),
    }


def portal_coverage(sections) -> str:
    """`97.3%` of the entries the portal states over its sections walked; empty when none states a total."""
    counted = [c for c in sections if c.entries is not None]
    if not counted:
        return ""
    entries = sum(c.entries for c in counted)
    held = sum(c.held for c in counted)
    return f"{100.0 * held / entries:.1f}%" if entries else "100.0%"


# -------------------------------------------------------------- the child: one portal


@flow(name="crawl-portal", log_prints=True)
async def crawl_portal(
    source_id: str,
    run_id: str,
    config_path: str | None = None,
    warehouse: str | None = None,
    raw_dir: str | None = None,
    revisit: Revisit = Revisit.DUE,
    max_listing_pages: int | None = None,
    packages: str | None = None,
) -> dict:
    """Crawl one portal for ingest run `run_id`, hand the crawl over as a load package, load it.

    The crawl holds the politeness slots of the portal's host across workers; the load
    waits for the warehouse's load lane. Returns the portal's summary, also left in the
    package folder for the parent run."""
    run_logger = get_run_logger()
    setup = FlowSetup.load(config_path, warehouse, raw_dir)
    source = setup.config.select([source_id])[0]
    folder = package_folder(packages, setup.warehouse_file)
    with Beat():
        if await asyncio.to_thread(loaded_in_run, setup.store, run_id, source_id):
            # An earlier attempt loaded it, then died before it could leave its summary.
            summary = {"source": source_id, "note": "loaded by an earlier attempt of this run"}
        else:
            connections = setup.config.politeness_for(source).concurrency
            async with host_turn(source.base_url, connections):
                crawl = await crawl_stage(
                    source,
                    setup.config,
                    setup.store,
                    setup.raw_store(),
                    Revisit(revisit),
                    max_listing_pages,
                )
            package = await asyncio.to_thread(write_package, folder, crawl)
            run_logger.info("%s: crawled; load package %s", source_id, package)
            crawl, loaded = await load_package_stage(setup.store, run_id, package)
            summary = portal_summary(crawl, loaded)
        await asyncio.to_thread(write_summary, summary_url(folder, run_id, source_id), summary)
    return summary


def loaded_in_run(store: Warehouse, run_id: str, source_id: str) -> bool:
    """Whether run `run_id` recorded a load of the portal already (every crawl records fetches)."""
    with store.connect(read_only=True) as con:
        found = con.execute(
            "SELECT count(*) FROM fetches WHERE run_id = ? AND source_id = ?", [run_id, source_id]
        ).fetchone()
    return bool(found and found[0])


class Beat:
    """While open, this flow run's beat label is set every few seconds, for the parent run to see.

    From a thread of its own, so that a crawl keeping the event loop busy never silences it;
    a beat the API does not take is skipped."""

    def __init__(self) -> None:
        context = FlowRunContext.get()
        self.flow_run_id = context.flow_run.id if context and context.flow_run else None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="portalwatch-beat", daemon=True)

    def __enter__(self) -> Beat:
        if self.flow_run_id is not None:
            self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=BEAT_SECONDS * 2)

    def _run(self) -> None:
        with get_client(sync_client=True) as client:
            while not self.stop.is_set():
                try:
                    client.update_flow_run_labels(self.flow_run_id, {BEAT_LABEL: str(time.time())})
                except Exception as exc:  # the API is busy: the next beat counts as well
                    logger.debug("beat failed: %s", exc)
                self.stop.wait(BEAT_SECONDS)


# -------------------------------------------------------------- the parent: every portal


async def fan_out(selected: list[Source], run_id: str, parameters: dict, folder: str) -> list:
    """Run the crawl-portal deployment for each portal and wait: each one's summary, or the
    error that stopped it (in the order of `selected`)."""
    return await asyncio.gather(
        *(portal_through_workers(source.id, run_id, parameters, folder) for source in selected),
        return_exceptions=True,
    )


async def portal_through_workers(source_id: str, run_id: str, parameters: dict, folder: str) -> dict:
    """One portal's crawl-portal run, started again when it crashes; its summary."""
    for attempt in range(1, ATTEMPTS + 1):
        child = await arun_deployment(
            CRAWL_DEPLOYMENT,
            parameters=parameters | {"source_id": source_id, "run_id": run_id},
            timeout=0,
            idempotency_key=f"{run_id}:{source_id}:{attempt}",
        )
        state = await wait_for_child(child.id)
        # A summary left behind counts even from a run that crashed after it was written.
        summary = await asyncio.to_thread(take_summary, summary_url(folder, run_id, source_id))
        if summary is not None:
            summary["flow_run"] = child.name
            return summary
        if state.is_completed():
            raise RuntimeError(f"crawl-portal run {child.name} completed but left no summary")
        get_run_logger().warning(
            "%s: crawl-portal run %s ended %s (attempt %d)", source_id, child.name, state.type.value, attempt
        )
        if not state.is_crashed():
            raise RuntimeError(f"crawl-portal run {child.name} ended {state.type.value}: {state.message}")
    raise RuntimeError(f"{source_id}: crawl-portal crashed {ATTEMPTS} times")


async def wait_for_child(flow_run_id):
    """A child run's final state; a running child that stopped beating (or a pending one that never
    started) is marked Crashed first. A child no worker takes waits in the pool for one."""
    async with get_client() as client:
        while True:
            run = await client.read_flow_run(flow_run_id)
            if run.state is not None and run.state.is_final():
                return run.state
            if _lost(run):
                await client.set_flow_run_state(
                    flow_run_id,
                    Crashed(message="no sign of life from its process: its worker is gone"),
                    force=True,
                )
                continue
            await asyncio.sleep(POLL_SECONDS)


def _lost(run) -> bool:
    if run.state is None:
        return False
    if run.state.is_pending():
        return _silent_for(run) > STARTING_SECONDS
    return run.state.is_running() and _silent_for(run) > LOST_SECONDS


def _silent_for(run) -> float:
    """Seconds since the run's last beat, or since it entered its state before its first beat."""
    beat = run.labels.get(BEAT_LABEL) if run.labels else None
    if beat is not None:
        return time.time() - float(beat)
    return (datetime.now(UTC) - run.state.timestamp).total_seconds()
