"""Discover stage: walk a section's listing pages, newest first, into article URLs.

A first crawl walks every page: page 1 tells how many there are (from the
pager), and the rest are fetched concurrently within the portal's limits. An
incremental run walks from the newest page and stops once `known_stop`
entries in a row are already known, so a run with nothing new costs about one
listing page per section. A full walk that lost a page (or was cut short by a
run's page cap) is not `complete`: the next run walks the whole listing again,
since the incremental walk would stop at the known entries above the gap.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from portalwatch.config import Section, Source
from portalwatch.fetch import FetchResult, PortalFetcher
from portalwatch.parse import ListingCheck, ListingPage
from portalwatch.parse.profile import Profile
from portalwatch.record import article_id


@dataclass(slots=True)
class SectionDiscovery:
    section: str
    article_urls: list[str]  # newest first, no repeats
    listing_pages: int  # pages fetched
    total_pages: int | None
    complete: bool = False  # a full walk that fetched every page up to the end or the source's hard cap


def listing_url(section: Section, page: int, page_size: int) -> str:
    return section.listing_url.format(page=page, offset=(page - 1) * page_size)


async def discover_section(
    fetcher: PortalFetcher,
    source: Source,
    section: Section,
    profile: Profile,
    known_ids: set[str],
    full: bool,
    record: Callable[[FetchResult], None],
    max_pages: int | None = None,
    on_page: Callable[[tuple[str, ...]], None] | None = None,
) -> SectionDiscovery:
    """Article URLs of one section; `record` is called with every listing fetch,
    `on_page` with the article URLs of every listing page as soon as it is parsed
    (so their fetches can start while the walk goes on)."""
    cap = min(source.max_listing_pages, max_pages or source.max_listing_pages)

    async def listing(page: int) -> ListingPage | None:
        check = ListingCheck(profile, source.page_size, _listing_rules(section, profile), page)
        result = await fetcher.fetch(listing_url(section, page, source.page_size), "listing", judge=check)
        record(result)
        if not result.ok:
            return None
        page = check.page
        if on_page is not None:
            on_page(page.article_urls)
        return page

    found: dict[str, None] = {}
    first = await listing(1)
    fetched = 1
    if first is None:
        return SectionDiscovery(section.name, [], fetched, None)
    total = first.total_pages
    found.update(dict.fromkeys(first.article_urls))
    if full and total:
        rest = await asyncio.gather(*(listing(page) for page in range(2, min(total, cap) + 1)))
        fetched += len(rest)
        for page in rest:
            if page is not None:
                found.update(dict.fromkeys(page.article_urls))
        complete = all(page is not None for page in rest) and min(total, cap) == min(total, source.max_listing_pages)
        return SectionDiscovery(section.name, list(found), fetched, total, complete)

    streak = _known_streak(first.article_urls, source.id, known_ids, 0)
    page_number, current = 1, first
    complete = full
    while current.article_urls and (full or streak < source.known_stop):
        page_number += 1
        if total is not None and page_number > total or page_number > source.max_listing_pages:
            break
        if page_number > cap:
            complete = False
            break
        current = await listing(page_number)
        fetched += 1
        if current is None:
            complete = False
            break
        found.update(dict.fromkeys(current.article_urls))
        streak = _known_streak(current.article_urls, source.id, known_ids, streak)
    return SectionDiscovery(section.name, list(found), fetched, total, complete)


def _listing_rules(section: Section, profile: Profile):
    return profile.documents.listing if section.kind == "documents" and profile.documents else profile.listing


def _known_streak(urls: tuple[str, ...], source_id: str, known_ids: set[str], streak: int) -> int:
    for url in urls:
        streak = streak + 1 if article_id(source_id, url) in known_ids else 0
    return streak


async def discover_pages(
    fetcher: PortalFetcher,
    source: Source,
    section: Section,
    profile: Profile,
    pages: range,
    record: Callable[[FetchResult], None],
    on_page: Callable[[tuple[str, ...]], None] | None = None,
) -> SectionDiscovery:
    """Article URLs on an explicit range of listing pages (a backfill's chunk)."""

    async def listing(page: int) -> ListingPage | None:
        check = ListingCheck(profile, source.page_size, _listing_rules(section, profile), page)
        result = await fetcher.fetch(listing_url(section, page, source.page_size), "listing", judge=check)
        record(result)
        if not result.ok:
            return None
        parsed = check.page
        if on_page is not None:
            on_page(parsed.article_urls)
        return parsed

    found: dict[str, None] = {}
    total = None
    for listing_page in await asyncio.gather(*(listing(page) for page in pages)):
        if listing_page is not None:
            found.update(dict.fromkeys(listing_page.article_urls))
            total = listing_page.total_pages or total
    return SectionDiscovery(section.name, list(found), len(pages), total)


async def listing_page_count(
    fetcher: PortalFetcher, source: Source, section: Section, profile: Profile, record: Callable[[FetchResult], None]
) -> int | None:
    """How many listing pages a section has now, from the pager of its first page."""
    check = ListingCheck(profile, source.page_size, _listing_rules(section, profile))
    result = await fetcher.fetch(listing_url(section, 1, source.page_size), "listing", judge=check)
    record(result)
    if not result.ok:
        return None
    return check.page.total_pages
