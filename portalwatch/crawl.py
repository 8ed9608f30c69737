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
from portalwatch.parse.documents import parse_document
from portalwatch.parse.profile import Profile, get_profile
from portalwatch.parse.text import decode_html
from portalwatch.record import article_id, rebase
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import DocumentObservation, FetchRow, Gone, KnownArticle, Observation, SourceRow


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
    documents: list[DocumentObservation] = field(default_factory=list)
    gone: list[Gone] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    listing_pages: int = 0
    listed: int = 0  # entries on the listing pages walked (articles and documents)
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
    profile = get_profile(source.profile, config.settings.profile_dirs)
    since, until = published
    crawl = PortalCrawl(source_row(source))
    known_documents = {key: item for key, item in known.items() if item.kind == "document"}
    known = {key: item for key, item in known.items() if item.kind != "document"}

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
        targets: dict[str, str] = {}  # article id -> URL, newest first
        document_targets: dict[str, str] = {}
        for section in source.sections:
            is_documents = section.kind == "documents"
            seen = known_documents if is_documents else known
            found: SectionDiscovery
            if pages is not None:
                if section.name not in pages:
                    continue
                found = await discover_pages(fetcher, source, section, profile, pages[section.name], record)
            else:
                found = await discover_section(
                    fetcher, source, section, profile, set(seen), not seen, record, max_listing_pages
                )
            crawl.listing_pages += found.listing_pages
            crawl.listed += len(found.article_urls)
            for url in found.article_urls:
                (document_targets if is_documents else targets).setdefault(article_id(source.id, url), url)
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
                article = parse_article(decode_html(result.body, result.charset), url, profile)
            except ExtractionError as exc:
                record(result, "extraction_failed", exc.reason)
                return result
            raw_hash = record(result)
            if (since and article.published_at < since) or (until and article.published_at >= until):
                return result
            reparsed = _parser_change_only(known.get(key), article.content_hash, article.parser_version, raw_store, url, profile)
            crawl.observations.append(
                Observation(key, url, article, article.content_hash, raw_hash or "", result.fetched_at, reparsed)
            )
            return result

        if revisit is Revisit.NONE:
            document_targets = {key: url for key, url in document_targets.items() if key not in known_documents}
        else:
            for key, document in known_documents.items():
                document_targets.setdefault(key, rebase(document.url, source.base_url))
        await asyncio.gather(
            *(fetch_document(fetcher, crawl, record, profile, key, url) for key, url in document_targets.items())
        )
        results = await asyncio.gather(*(fetch_article(key, url) for key, url in targets.items()))
        # A 404 or 410 removes an article only when a second request, made after
        # the others, says the same: one bad answer from a flaky server is not enough.
        first_gone = [(key, r.url) for key, r in zip(targets, results) if r.gone]
        confirmations = await asyncio.gather(*(fetch_article(key, url) for key, url in first_gone))
        for (key, url), result in zip(first_gone, confirmations):
            if result.gone:
                crawl.gone.append(Gone(key, url, result.fetched_at))
    return crawl


async def fetch_document(fetcher: PortalFetcher, crawl: PortalCrawl, record, profile: Profile, key: str, url: str) -> None:
    """Fetch and parse an official document page, then its files (text extracted from PDFs)."""
    from dataclasses import replace
    from urllib.parse import urljoin

    from portalwatch.parse.documents import document_file

    result = await fetcher.fetch(url, "document")
    if not result.ok:
        record(result)
        return
    try:
        document = parse_document(decode_html(result.body, result.charset), url, profile)
    except ExtractionError as exc:
        record(result, "extraction_failed", exc.reason)
        return
    raw_hash = record(result)
    files, warnings = [], list(document.warnings)
    for attachment in document.attachments:
        file_url = urljoin(url, attachment.url)
        fetched = await fetcher.fetch(file_url, "attachment")
        if not fetched.ok:
            record(fetched)
            warnings.append(f"attachment {attachment.url}: {fetched.error or fetched.outcome}")
            continue
        try:
            files.append(document_file(fetched.body, attachment, _sha256(fetched.body), file_url))
        except ExtractionError as exc:
            record(fetched, "extraction_failed", exc.reason)
            warnings.append(f"attachment {attachment.url}: {exc.reason}")
            continue
        record(fetched)
    document = replace(document, files=tuple(files), warnings=tuple(warnings))
    crawl.documents.append(DocumentObservation(key, url, document, raw_hash or "", result.fetched_at))


def _sha256(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def _parser_change_only(
    known: KnownArticle | None, new_hash: str, parser_version: str, raw_store: RawStore, url: str, profile: Profile
) -> bool:
    """Whether a new hash comes from a new parser reading an unchanged page.

    The raw page of the current version is parsed again with today's parser:
    if it gives the new hash, the portal did not change; only the parser did.
    """
    if known is None or known.content_hash in (None, new_hash) or known.parser_version == parser_version:
        return False
    if not known.raw_hash or known.raw_hash not in raw_store:
        return False
    try:
        again = parse_article(decode_html(raw_store.get(known.raw_hash)), url, profile)
    except ExtractionError:
        return False
    return again.content_hash == new_hash
