"""One portal's crawl, stage after stage: discover, fetch, store raw, parse, hash.

Plain asyncio, no orchestration: the flows call :func:`crawl_portal` once per
portal and hand its :class:`PortalCrawl` to the warehouse loader.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from portalwatch.config import Source, SourcesConfig
from portalwatch.discover import SectionDiscovery, discover_pages, discover_section
from portalwatch.errors import ExtractionError
from portalwatch.fetch import FetchResult, PortalFetcher
from portalwatch.parse import parse_article
from portalwatch.parse.profile import get_profile
from portalwatch.record import article_id, rebase
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import FetchRow, Gone, KnownArticle, Observation, SourceRow


class Revisit(StrEnum):
    """Which known articles a run fetches again, to catch edits and removals."""

    NONE = "none"  # only articles discovered for the first time
    LISTED = "listed"  # known articles found on the listing pages walked (a refreshing backfill)
    ALL = "all"  # every known article, removed ones included (they may come back)


@dataclass
class PortalCrawl:
    """Everything one portal's crawl saw, ready for the loader."""

    source: SourceRow
    fetches: list[FetchRow] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    listing_pages: int = 0
    discovered: int = 0
    new_urls: int = 0
    raw_new: int = 0

    @property
    def article_fetches(self) -> int:
        return sum(1 for f in self.fetches if f.kind == "article")


def source_row(source: Source) -> SourceRow:
    return SourceRow(source.id, source.name, source.level, source.profile, source.base_url)


async def crawl_portal(
    source: Source,
    config: SourcesConfig,
    known: dict[str, KnownArticle],
    raw_store: RawStore,
    revisit: Revisit = Revisit.NONE,
    max_listing_pages: int | None = None,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
) -> PortalCrawl:
    """Crawl one portal: new articles from its listings, plus the revisits asked for.

    `pages` (section name -> listing pages) walks exactly those pages instead
    of discovering from the newest; `published` keeps only articles posted in
    [since, until) (both ends optional).
    """
    profile = get_profile(source.profile)
    since, until = published
    crawl = PortalCrawl(source_row(source))

    def record(result: FetchResult, outcome: str | None = None, error: str | None = None) -> str | None:
        raw_hash = None
        if result.body:
            raw_hash, stored = raw_store.put(result.body)
            crawl.raw_new += stored
        crawl.fetches.append(
            FetchRow(
                source.id, result.url, result.kind, result.fetched_at, result.status, outcome or result.outcome,
                error or result.error, result.attempts, result.elapsed_ms, len(result.body), raw_hash,
            )
        )  # fmt: skip
        if (outcome or result.outcome) not in ("ok", "gone"):
            crawl.failures.append((result.url, error or result.error or result.outcome))
        return raw_hash

    async with PortalFetcher(source, config.politeness_for(source), config.settings.user_agent) as fetcher:
        full_listing = not known
        targets: dict[str, str] = {}  # article id -> URL, newest first
        for section in source.sections:
            found: SectionDiscovery
            if pages is not None:
                if section.name not in pages:
                    continue
                found = await discover_pages(fetcher, source, section, profile, pages[section.name], record)
            else:
                found = await discover_section(
                    fetcher, source, section, profile, set(known), full_listing, record, max_listing_pages
                )
            crawl.listing_pages += found.listing_pages
            for url in found.article_urls:
                targets.setdefault(article_id(source.id, url), url)
        crawl.discovered = len(targets)
        crawl.new_urls = sum(1 for key in targets if key not in known)
        if revisit is Revisit.NONE:
            targets = {key: url for key, url in targets.items() if key not in known}
        elif revisit is Revisit.ALL:
            for key, article in known.items():
                targets.setdefault(key, rebase(article.url, source.base_url))

        async def fetch_article(key: str, url: str) -> FetchResult:
            result = await fetcher.fetch(url, "article")
            if not result.ok:
                record(result)
                return result
            try:
                article = parse_article(result.text(), url, profile)
            except ExtractionError as exc:
                record(result, "extraction_failed", exc.reason)
                return result
            raw_hash = record(result)
            if (since and article.published_at < since) or (until and article.published_at >= until):
                return result
            crawl.observations.append(
                Observation(key, url, article, article.content_hash, raw_hash or "", result.fetched_at)
            )
            return result

        results = await asyncio.gather(*(fetch_article(key, url) for key, url in targets.items()))
        # A 404 or 410 removes an article only when a second request, made after
        # the others, says the same: one bad answer from a flaky server is not enough.
        first_gone = [(key, r.url) for key, r in zip(targets, results) if r.gone]
        confirmations = await asyncio.gather(*(fetch_article(key, url) for key, url in first_gone))
        for (key, url), result in zip(first_gone, confirmations):
            if result.gone:
                crawl.gone.append(Gone(key, url, result.fetched_at))
    return crawl
