"""The `reparse` flow: run today's parsers over stored raw pages, fetching nothing.

For every article the latest page its portal answered with is read back from
the raw store, decoded with the charset it was decoded with when fetched, and
parsed again with the current profile. Records that differ become new versions
whose changes carry ``cause = 'parser'``, so a fixed parser is never mistaken
for an edit on the portal. Pages that failed to parse before are retried too:
a fixed profile recovers them. A page that is the very raw page its article's
current version was parsed from, by a parser that is still today's, is not
parsed again (counted as `skipped`).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.utilities.annotations import quote

from portalwatch import progress
from portalwatch.config import Source
from portalwatch.errors import ExtractionError, StorageError
from portalwatch.flows.ingest import load_portal_task
from portalwatch.flows.setup import FlowSetup
from portalwatch.model import KnownArticle, Observation, PortalCrawl, source_row
from portalwatch.parse import parse_article, parser_versions
from portalwatch.parse.profile import get_profile
from portalwatch.parse.text import decode_html
from portalwatch.record import article_id
from portalwatch.storage.derive import derive
from portalwatch.storage.rawstore import RawStore

BATCH_PAGES = 1000


@task(name="reparse-pages", task_run_name="reparse-{source.id}-{batch_number}", cache_policy=NO_CACHE)
async def reparse_pages_task(
    source: Source,
    profile_dirs: list[str],
    raw_dir: Path | str,
    pages: list[tuple[str, str, datetime, str | None]],
    batch_number: int,
    raw_endpoint: str | None = None,
) -> PortalCrawl:
    return await asyncio.to_thread(
        reparse_pages, source, profile_dirs, RawStore(raw_dir, raw_endpoint), pages
    )


def reparse_pages(
    source: Source,
    profile_dirs: list[str],
    store: RawStore,
    pages: list[tuple[str, str, datetime, str | None]],
) -> PortalCrawl:
    """Parse a batch of stored pages of one portal into observations (no fetching), derived
    (fingerprints and references) so that the load only writes them."""
    profile = get_profile(source.profile, profile_dirs)
    crawl = PortalCrawl(source_row(source))
    now = datetime.now(UTC)
    for url, raw_hash, _, charset in pages:
        try:
            html = decode_html(store.get(raw_hash), charset)
            record = parse_article(html, url, profile)
        except (ExtractionError, StorageError) as exc:
            crawl.failures.append((url, str(exc)))
            continue
        crawl.observations.append(
            Observation(article_id(source.id, url), url, record, record.content_hash, raw_hash, now)
        )
    # Fingerprints and references in one batch here, on the parse worker, not in the load.
    crawl.observations = derive(crawl.observations)
    return crawl


def _parsed_by_today(known: KnownArticle | None, raw_hash: str, today: frozenset[str]) -> bool:
    return known is not None and known.raw_hash == raw_hash and known.parser_version in today


@flow(name="reparse", log_prints=True)
async def reparse(
    sources: list[str] | None = None,
    profiles: list[str] | None = None,
    config_path: str | None = None,
    warehouse: str | None = None,
    raw_dir: str | None = None,
) -> dict:
    """Parse stored raw pages again: all portals, the named `sources`, or those on the named `profiles`."""
    logger = get_run_logger()
    setup = FlowSetup.load(config_path, warehouse, raw_dir)
    config, store = setup.config, setup.store
    selected = [s for s in config.select(sources) if not profiles or s.profile in profiles]
    run_id = await setup.start_run(
        "reparse", {"sources": [s.id for s in selected], "profiles": profiles or []}
    )
    portals = {}
    for source in selected:
        latest = await asyncio.to_thread(store.latest_article_pages, source.id)
        known = await asyncio.to_thread(store.known_articles, source.id)
        today = parser_versions(get_profile(source.profile, config.settings.profile_dirs))
        pages = [
            page
            for page in latest
            if not _parsed_by_today(known.get(article_id(source.id, page[0])), page[1], today)
        ]
        batches = [pages[i : i + BATCH_PAGES] for i in range(0, len(pages), BATCH_PAGES)]
        progress.add_total(len(batches))
        totals = {
            "source": source.id,
            "pages": len(latest),
            "skipped": len(latest) - len(pages),
            "created": 0,
            "reparsed": 0,
            "unchanged": 0,
            "failed": 0,
            "failures": [],
        }
        for number, batch in enumerate(batches, 1):
            crawl = await reparse_pages_task(
                source,
                config.settings.profile_dirs,
                setup.raw_folder,
                quote(batch),
                number,
                setup.raw_endpoint,
            )
            summary = await load_portal_task(setup.warehouse_file, run_id, quote(crawl), cause="parser")
            for column in ("created", "reparsed", "unchanged", "failed"):
                totals[column] += summary[column]
            totals["failures"].extend(summary["failures"])
            progress.report(
                1, f"{source.id}: {number * BATCH_PAGES if number < len(batches) else len(pages)} pages"
            )
        logger.info(
            "%s: %d pages re-parsed (%d already parsed by today's parser), %d changed by the parser, %d failed",
            source.id,
            len(pages),
            totals["skipped"],
            totals["reparsed"] + totals["created"],
            totals["failed"],
        )
        portals[source.id] = totals
    await asyncio.to_thread(store.finish_run, run_id, "completed", portals)
    return {"run_id": run_id, "status": "completed", "portals": portals}
