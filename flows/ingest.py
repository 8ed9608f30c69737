"""The `ingest` flow: every selected portal crawled concurrently, then loaded.

One task per portal for the crawl and one for the load (a Prefect task run
costs tens of milliseconds, so never one per page). Portals progress side by
side; loads go one at a time through the warehouse's load lane. A portal that
breaks is reported in the run summary and does not stop the others. With
`fan_out`, each portal is a `crawl-portal` flow run instead, taken by whichever
worker of the pool is free (:mod:`portalwatch.flows.fanout`).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_progress_artifact, acreate_table_artifact, aupdate_progress_artifact
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from portalwatch import progress
from portalwatch.config import Source, SourcesConfig, sources_digest
from portalwatch.crawl import Revisit
from portalwatch.flows.fanout import fan_out as fan_out_portals
from portalwatch.flows.fanout import package_folder, portal_summary
from portalwatch.flows.setup import FlowSetup
from portalwatch.model import PortalCrawl
from portalwatch.pipeline import crawl_stage, load_stage, load_to_come
from portalwatch.progress import CrawlObserver, PortalProgress
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

COUNTS = (
    "listing_pages",
    "fetched",
    "created",
    "updated",
    "reparsed",
    "removed",
    "restored",
    "unchanged",
    "documents_removed",
    "documents_restored",
    "failed",
)
SUMMARY_COLUMNS = ("source", *COUNTS, "coverage")
COVERAGE_COLUMNS = (
    "source",
    "section",
    "kind",
    "held",
    "entries",
    "basis",
    "pct",
    "previous_pct",
    "missing_pages",
    "complete",
)
PROGRESS_SECONDS = 2.0  # how often the run's progress artifact is brought up to date


# A crawl that raised (not a page that failed: those are recorded, not raised)
# is tried once more; a load is retried after a pause, e.g. when the lock timed out.
# Callers pass a crawl (and a sources config) `quote`d: Prefect would otherwise walk every
# object in it looking for futures (about 0.7 ms a page of a crawl).
@task(
    name="crawl-portal",
    task_run_name="crawl-{source.id}",
    cache_policy=NO_CACHE,
    retries=1,
    retry_delay_seconds=5,
)
async def crawl_portal_task(
    source: Source,
    config: SourcesConfig,
    warehouse: Path | str,
    raw_dir: Path | str,
    revisit: Revisit,
    max_listing_pages: int | None = None,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
    observer: CrawlObserver | None = None,
    raw_endpoint: str | None = None,
) -> PortalCrawl:
    return await crawl_stage(
        source,
        config,
        Warehouse(warehouse),
        RawStore(raw_dir, raw_endpoint),
        revisit,
        max_listing_pages,
        pages=pages,
        published=published,
        observer=observer,
    )


@task(
    name="load-portal",
    task_run_name="load-{crawl.source.source_id}",
    cache_policy=NO_CACHE,
    retries=2,
    retry_delay_seconds=10,
)
async def load_portal_task(
    warehouse: Path | str, run_id: str, crawl: PortalCrawl, cause: str = "portal"
) -> dict:
    loaded = await load_stage(Warehouse(warehouse), run_id, crawl, cause)
    return portal_summary(crawl, loaded)


@flow(name="ingest", log_prints=True)
async def ingest(
    config_path: str | None = None,
    sources: list[str] | None = None,
    revisit: Revisit = Revisit.DUE,
    warehouse: str | None = None,
    raw_dir: str | None = None,
    max_listing_pages: int | None = None,
    fan_out: bool = False,
    packages: str | None = None,
) -> dict:
    """Crawl the configured portals and record what is new, changed and gone.

    Parameters: a sources file (default: the bundled real portals), the source
    ids to crawl (default: all enabled), which known articles to re-check
    (`due` by the adaptive schedule, `none` or `all`), the warehouse file and raw store folder, and an optional
    cap on listing pages per section. `fan_out` runs each portal as a run of the
    `crawl-portal` deployment (several workers share the run); their crawls reach the
    load lane as load packages in `packages` (a folder or ``s3://…`` URL every worker
    reaches; default: `packages/` beside the warehouse).
    """
    logger = get_run_logger()
    setup = FlowSetup.load(config_path, warehouse, raw_dir)
    config, warehouse_file, store = setup.config, setup.warehouse_file, setup.store
    selected, closed = live_and_closed(config.select(sources), logger)
    parameters = {"sources": [s.id for s in selected], "revisit": str(revisit)} | sources_file_parameters(
        setup.config_file
    )
    run_id = await setup.start_run("ingest", parameters)
    logger.info("run %s: %d portal(s) into %s", run_id, len(selected), warehouse_file)

    watched = {source.id: PortalProgress(source.id) for source in selected}
    for portal in watched.values():
        progress.follow(portal)

    async def one_portal(source: Source) -> dict:
        try:
            # The run's loads in this process share one writer's connection.
            async with load_to_come(Warehouse(warehouse_file)):
                crawl = await crawl_portal_task(
                    source,
                    quote(config),
                    warehouse_file,
                    setup.raw_folder,
                    Revisit(revisit),
                    max_listing_pages,
                    observer=quote(watched[source.id]),  # the task gets this very object, to count into
                    raw_endpoint=setup.raw_endpoint,
                )
                summary = await load_portal_task(warehouse_file, run_id, quote(crawl))
        finally:
            watched[source.id].finish()
        log_portal(logger, source.id, crawl, summary)
        return summary

    crawled = asyncio.Event()
    publishing = asyncio.ensure_future(publish_progress(run_id, list(watched.values()), crawled))
    if fan_out:
        child_parameters = {
            "config_path": str(setup.config_file),
            "warehouse": str(warehouse_file),
            "raw_dir": str(setup.raw_folder),
            "revisit": str(Revisit(revisit)),
            "max_listing_pages": max_listing_pages,
            "packages": package_folder(packages, warehouse_file),
        }
        outcomes = await fan_out_portals(selected, run_id, child_parameters, child_parameters["packages"])
        for portal in watched.values():
            portal.finish()
    else:
        outcomes = await asyncio.gather(*(one_portal(source) for source in selected), return_exceptions=True)
    crawled.set()
    await publishing
    portals, status = portal_outcomes(selected, outcomes, logger)
    portals |= closed
    summary = {"run_id": run_id, "status": status, "portals": portals}
    await asyncio.to_thread(store.finish_run, run_id, status, portals)
    await publish_summary("ingest", run_id, portals)
    return summary


def log_portal(logger, source_id: str, crawl: PortalCrawl, summary: dict) -> None:
    """A portal's counts, failures, coverage, warnings and outages, in the run's log."""
    logger.info(
        "%s: %d listing pages, %d fetched, %d created, %d updated, %d removed, %d document(s) removed, %d failed",
        source_id,
        summary["listing_pages"],
        summary["fetched"],
        summary["created"],
        summary["updated"],
        summary["removed"],
        summary["documents_removed"],
        summary["failed"],
    )
    for url, reason in crawl.failures[:20]:
        logger.warning("%s: %s: %s", source_id, url, reason)
    for section in summary["sections"]:
        logger.info("%s: coverage of %s", source_id, section["text"])
    for warning in summary["warnings"]:
        logger.warning("%s: %s", source_id, warning)
    for outage in summary["outages"]:
        logger.warning(
            "%s: %s down since %s (%s); %d request(s) skipped%s",
            source_id,
            outage["host"],
            outage["opened_at"],
            outage["last_error"],
            outage["skipped"],
            "" if outage["closed_at"] else ", still down: the next run resumes",
        )
    if not crawl.tls_verified:
        logger.warning("%s: fetched WITHOUT TLS certificate verification (verify_tls = false)", source_id)


def sources_file_parameters(config_file: Path) -> dict:
    """Which sources file a run read, so that `status` later reads the same one."""
    return {"config_path": str(config_file), "config_sha256": sources_digest(config_file)}


def live_and_closed(selected: list[Source], logger) -> tuple[list[Source], dict]:
    """The sources to crawl live, and a summary entry for each closed one (never fetched)."""
    closed = {}
    for source in selected:
        if source.closed:
            logger.warning("%s", source.closed_note)
            closed[source.id] = {"source": source.id, "skipped": source.closed_note}
    return [source for source in selected if not source.closed], closed


def portal_outcomes(selected: list[Source], outcomes: list, logger) -> tuple[dict, str]:
    """Each portal's summary, or the error that stopped it (one broken portal never fails the run)."""
    portals = {}
    for source, outcome in zip(selected, outcomes, strict=False):
        if isinstance(outcome, BaseException):
            logger.error("%s: portal failed: %s", source.id, outcome)
            portals[source.id] = {"source": source.id, "error": f"{type(outcome).__name__}: {outcome}"}
        else:
            portals[source.id] = outcome
    status = "completed" if all("error" not in p for p in portals.values()) else "completed_with_errors"
    return portals, status


async def publish_summary(flow_name: str, run_id: str, portals: dict) -> None:
    """A table artifact of the run, per portal, and one of the pages that failed."""
    await acreate_table_artifact(
        key=f"{flow_name}-summary",
        table=[
            {column: p.get(column, "") for column in SUMMARY_COLUMNS} | {"error": p.get("error", "")}
            for p in portals.values()
        ],
        description=f"portalwatch {flow_name} run {run_id}",
    )
    coverage = [
        {"source": p["source"]} | {column: _cell(section.get(column)) for column in COVERAGE_COLUMNS[1:]}
        for p in portals.values()
        for section in p.get("sections", [])
    ]
    if coverage:
        await acreate_table_artifact(
            key=f"{flow_name}-coverage",
            table=coverage,
            description=f"run {run_id}: per section, the entries the warehouse holds of those the portal states",
        )
    failures = [
        {"source": p["source"], "url": url, "reason": reason}
        for p in portals.values()
        for url, reason in p.get("failures", [])
    ]
    if failures:
        await acreate_table_artifact(
            key=f"{flow_name}-failures", table=failures, description=f"pages that failed in run {run_id}"
        )


async def publish_progress(run_id: str, portals: list[PortalProgress], done: asyncio.Event) -> None:
    """A progress artifact of the run, brought up to date every few seconds until `done`.

    Its figure is the share of the article pages found so far that were fetched or failed;
    its description has each portal's counts. A Prefect API that fails to answer costs the
    run its progress display, never its crawl or its record."""
    logger = get_run_logger()
    try:
        artifact_id = await acreate_progress_artifact(
            0.0, key="ingest-progress", description=progress_table(run_id, portals)
        )
        finished = False
        while not finished:
            try:
                await asyncio.wait_for(done.wait(), PROGRESS_SECONDS)
            except TimeoutError:
                pass
            # Read before the update is sent: the last update shows the run as `done` found it.
            finished = done.is_set()
            await aupdate_progress_artifact(
                artifact_id, progress_percent(portals), progress_table(run_id, portals)
            )
    except Exception as exc:  # whatever the API answered: the run goes on, and finishes
        logger.warning("run %s: the progress artifact could not be kept up to date: %s", run_id, exc)


def progress_percent(portals: list[PortalProgress]) -> float:
    if all(portal.finished for portal in portals):
        return 100.0
    found = sum(portal.found for portal in portals)
    return 100.0 * sum(portal.settled for portal in portals) / found if found else 0.0


def progress_table(run_id: str, portals: list[PortalProgress]) -> str:
    """Each portal's progress, as a Markdown table (an artifact's description)."""
    lines = [
        f"portalwatch ingest run {run_id}",
        "",
        "| portal | listing pages | articles fetched / found | failures | coverage | |",
        "|---|---|---|---|---|---|",
    ]
    for portal in portals:
        coverage = "" if portal.coverage is None else f"{portal.coverage:.0%}"
        failures = portal.listing_failures + portal.failures
        state = "done" if portal.finished else "crawling"
        lines.append(
            f"| {portal.source} | {portal.listing_pages} | {portal.fetched} / {portal.found} | {failures} | {coverage} | {state} |"
        )
    return "\n".join(lines)


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return value
