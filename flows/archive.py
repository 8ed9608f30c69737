"""The `archive-backfill` flow: a portal's history recovered from a web archive.

One task per portal. Closed portals are the usual reason (their live URLs are never
fetched), but any portal's archived past can be recovered. Idempotent: captures already
stored are not fetched again.
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from portalwatch.archive.recover import recover_from_archive
from portalwatch.config import Source, SourcesConfig
from portalwatch.flows.ingest import portal_outcomes, publish_summary, sources_file_parameters
from portalwatch.flows.setup import FlowSetup
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


@task(
    name="recover-from-archive",
    task_run_name="archive-{source.id}",
    cache_policy=NO_CACHE,
    retries=1,
    retry_delay_seconds=5,
)
async def recover_portal_task(
    source: Source,
    config: SourcesConfig,
    warehouse: Path | str,
    raw_dir: Path | str,
    run_id: str,
    archive: str | None,
    since: date | None,
    until: date | None,
    raw_endpoint: str | None = None,
) -> dict:
    recovery = await recover_from_archive(
        source, config, Warehouse(warehouse), RawStore(raw_dir, raw_endpoint), run_id, archive, since, until
    )
    return recovery.as_summary()


@flow(name="archive-backfill", log_prints=True)
async def archive_backfill(
    sources: list[str] | None = None,
    archive: str | None = None,
    since: date | None = None,
    until: date | None = None,
    config_path: str | None = None,
    warehouse: str | None = None,
    raw_dir: str | None = None,
) -> dict:
    """Recover the chosen portals' captures (taken between `since` and `until`) from a web archive.

    `archive` names an `[archives.NAME]` of the sources file [default: the first that serves
    the portal]. Without `sources`, every portal of the file, closed ones included.
    """
    logger = get_run_logger()
    setup = FlowSetup.load(config_path, warehouse, raw_dir)
    config = setup.config
    selected = config.select(sources) if sources else list(config.sources)
    parameters = {
        "sources": [s.id for s in selected],
        "archive": archive,
        "since": str(since or ""),
        "until": str(until or ""),
    } | sources_file_parameters(setup.config_file)
    run_id = await setup.start_run("archive-backfill", parameters)

    async def one_portal(source: Source) -> dict:
        summary = await recover_portal_task(
            source,
            config,
            setup.warehouse_file,
            setup.raw_folder,
            run_id,
            archive,
            since,
            until,
            setup.raw_endpoint,
        )
        logger.info(
            "%s from %s: %d captures listed, %d already stored, %d fetched; %d created, %d updated, %d removed, %d failed",
            source.id,
            summary["archive"],
            summary["listed"],
            summary["skipped_stored"],
            summary["fetched"],
            summary["created"],
            summary["updated"],
            summary["removed"],
            summary["failed"],
        )
        return summary

    outcomes = await asyncio.gather(*(one_portal(source) for source in selected), return_exceptions=True)
    portals, status = portal_outcomes(selected, outcomes, logger)
    await asyncio.to_thread(setup.store.finish_run, run_id, status, portals)
    await publish_summary("archive-backfill", run_id, portals)
    return {"run_id": run_id, "status": status, "portals": portals}
