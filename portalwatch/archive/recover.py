"""A portal's history from a web archive: list its captures, fetch the new ones, load them.

The archive's index lists every capture of the portal's hosts (prefix match, collapsed by
digest, paged by resume keys). Captures whose payload digest is already stored for their URL
are skipped before any fetch, so a second run fetches and adds nothing. The rest are replayed
(original bytes, ``id_``) in time order, chunk by chunk, and loaded through
:class:`CaptureLoader`: each version observed at its capture time, 404 captures and
redirects home as removals, ``fetches.via = 'archive'``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from portalwatch import progress
from portalwatch.archive.captures import (
    Capture,
    CaptureLoader,
    CaptureSummary,
    page_kind,
    parse_timestamp,
    payload_digest,
)
from portalwatch.archive.cdx import CdxClient, CdxRow, archive_source, replayed
from portalwatch.config import Source, SourcesConfig
from portalwatch.fetch import Outcome, PortalFetcher
from portalwatch.record import article_id
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

# What an index lists that may be an article page; images, scripts and the like are not.
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "warc/revisit", "unk", "-")
CHUNK_CAPTURES = 200


@dataclass
class ArchiveRecovery:
    """What a portal's recovery from an archive did (its keys extend a run summary's)."""

    source: str
    archive: str
    listing_pages: int = 0  # CDX pages read
    listed: int = 0  # captures the index listed
    skipped_stored: int = 0  # already stored: not fetched
    duplicates: int = 0  # the same payload of a URL listed twice
    not_pages: int = 0  # listings, robots.txt, images and the like
    fetched: int = 0
    redirects_followed: int = 0  # redirect captures that led to a capture of another page of the portal
    digest_mismatches: int = 0  # replayed bytes whose digest differs from the index's
    loaded: CaptureSummary = field(default_factory=CaptureSummary)

    def as_summary(self) -> dict:
        loaded = self.loaded.as_dict()
        return {key: value for key, value in vars(self).items() if key != "loaded"} | {
            key: loaded[key]
            for key in (
                "created",
                "updated",
                "reparsed",
                "removed",
                "restored",
                "unchanged",
                "failed",
                "older_than_stored",
                "failures",
            )
        }


async def recover_from_archive(
    source: Source,
    config: SourcesConfig,
    warehouse: Warehouse,
    raw_store: RawStore,
    run_id: str,
    archive_name: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> ArchiveRecovery:
    """Recover the captures of `source` the warehouse lacks from an archive (captured between since and until)."""
    name, archive = config.archive_for(source, archive_name)
    settings = config.settings
    recovery = ArchiveRecovery(source.id, name)
    async with PortalFetcher(
        archive_source(name, archive),
        archive.politeness or settings.politeness,
        settings.user_agent_header,
        settings.robots_agent,
    ) as fetcher:
        client = CdxClient(archive, fetcher)
        rows = [row for host in sorted(source.hosts) for row in await client.captures(host, since, until)]
        recovery.listing_pages, recovery.listed = client.pages, len(rows)
        stored = {
            (article_id(source.id, url), digest)
            for url, digest in await asyncio.to_thread(warehouse.stored_captures, source.id)
        }
        todo = _new_captures(source, rows, stored, recovery)
        loader = CaptureLoader(warehouse, run_id, source, config, raw_store)
        chunks = [todo[start : start + CHUNK_CAPTURES] for start in range(0, len(todo), CHUNK_CAPTURES)]
        progress.add_total(len(chunks))
        for chunk in chunks:
            captures = await asyncio.gather(*(_replay(client, source, name, row, recovery) for row in chunk))
            recovery.fetched += len(chunk)
            loaded = await asyncio.to_thread(loader.load, [c for pair in captures for c in pair])
            _add(recovery.loaded, loaded)
            progress.report(1, f"{source.id} from {name}: {recovery.fetched} of {len(todo)} captures")
    return recovery


def _new_captures(source: Source, rows: list[CdxRow], stored: set, recovery: ArchiveRecovery) -> list[CdxRow]:
    """The article captures to fetch, in time order: not stored yet, each payload of a URL once."""
    todo, seen = [], set()
    for row in sorted(rows, key=lambda r: (r.timestamp, r.original)):
        is_page = row.mimetype.split(";")[0].strip() in _PAGE_TYPES or row.statuscode[:1] in ("3", "4")
        if not is_page or page_kind(source, row.original) != "article":
            recovery.not_pages += 1
            continue
        key = (article_id(source.id, row.original), row.payload_digest)
        if key in stored:
            recovery.skipped_stored += 1
        elif key in seen:
            recovery.duplicates += 1
        else:
            seen.add(key)
            todo.append(row)
    return todo


async def _replay(
    client: CdxClient, source: Source, archive: str, row: CdxRow, recovery: ArchiveRecovery
) -> list[Capture]:
    """The capture of a row; a redirect capture also gives the capture it led to, when that is a page of the portal."""
    result = await client.replay(row)
    captured_at = parse_timestamp(row.timestamp)
    common = {
        "via": "archive",
        "archive": archive,
        "attempts": result.attempts,
        "elapsed_ms": result.elapsed_ms,
    }
    if result.status is None or result.outcome not in (Outcome.OK, Outcome.GONE):
        return [
            Capture(
                row.original,
                captured_at,
                result.status,
                b"",
                outcome=result.outcome,
                error=f"{result.error or result.outcome} (replay of the {row.timestamp} capture)",
                **common,
            )
        ]
    target = replayed(result.final_url) if result.final_url else None
    if target is not None and target[1] != row.original:
        home = urlsplit(target[1]).path in source.home_paths or not urlsplit(target[1]).path.strip("/")
        redirect = Capture(
            row.original,
            captured_at,
            302,
            b"",
            digest=row.payload_digest,
            redirected_home=home,
            final_url=target[1],
            **common,
        )
        if home or urlsplit(target[1]).netloc not in source.hosts or result.status != 200:
            return [redirect]
        led_to = Capture(
            target[1],
            parse_timestamp(target[0]),
            200,
            result.body,
            digest=payload_digest(result.body),
            charset=result.charset,
            kind=page_kind(source, target[1]),
            **common,
        )
        recovery.redirects_followed += 1
        return [redirect, led_to]
    if result.status == 200 and payload_digest(result.body) != row.payload_digest:
        recovery.digest_mismatches += 1
    return [
        Capture(
            row.original,
            captured_at,
            result.status,
            result.body,
            digest=row.payload_digest,
            charset=result.charset,
            **common,
        )
    ]


def _add(total: CaptureSummary, more: CaptureSummary) -> None:
    for name in (
        "captures",
        "created",
        "updated",
        "reparsed",
        "removed",
        "restored",
        "unchanged",
        "failed",
        "older_than_stored",
    ):
        setattr(total, name, getattr(total, name) + getattr(more, name))
    total.failures.extend(more.failures)
