"""One portal's crawl, stage after stage: discover, fetch, store raw, parse, hash.

Plain asyncio, no orchestration: the flows call :func:`crawl_portal` once per
portal and hand its :class:`PortalCrawl` to the warehouse loader.

What a run fetches: the article URLs its listing walk finds for the first
time, the ones an earlier run found but could not record (the frontier), and
the known articles its revisit policy picks. Pages that failed are tried once
more at the end of the run, and a 404/410 or a redirect home removes an
article only when that second request says the same.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from datetime import UTC, datetime, time
from enum import StrEnum
from functools import partial
from typing import cast
from urllib.parse import urljoin

from portalwatch.config import Source, SourcesConfig
from portalwatch.discover import Repair, SectionDiscovery, WarmStart, discover_pages, discover_section
from portalwatch.errors import ConfigError, ExtractionError
from portalwatch.fetch import TRANSIENT_OUTCOMES, FetchResult, Outcome, PortalFetcher, Validators
from portalwatch.model import (
    CurrentVersion,
    DocumentObservation,
    FetchRow,
    FrontierEntry,
    Gone,
    KnownArticle,
    KnownKeys,
    ListingWalk,
    NotModified,
    Observation,
    OutageRow,
    PortalCrawl,
    PortalState,
    PortalStateUpdate,
    ScheduleRow,
    SectionCoverage,
    SectionMember,
    source_row,
)
from portalwatch.pagework import PageWorkers, article_page, attachment_file, default_workers
from portalwatch.parse import parse_article, parser_versions
from portalwatch.parse.documents import DocumentCheck, FileCheck
from portalwatch.parse.profile import Profile, get_profile
from portalwatch.parse.text import decode_html
from portalwatch.progress import CrawlObserver
from portalwatch.record import article_id, rebase
from portalwatch.schedule import (
    ArticleSchedule,
    due_for_revisit,
    initial_interval,
    next_interval,
    retry_delay,
)
from portalwatch.storage.rawstore import RawStore

# Outcomes that settle an article for this run; anything else is a failure to report and retry.
_SETTLED = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
# Worth one more request at the end of the run: to confirm a removal, or because it may go better.
_SECOND_TRY = TRANSIENT_OUTCOMES | {Outcome.GONE, Outcome.EXTRACTION_FAILED}
# Not failures: the portal asked us not to fetch these.
_NOT_FAILURES = frozenset({Outcome.ROBOTS_DISALLOWED})
# An article done for the run, as its progress counts it (a removal counts once confirmed).
_DONE = _SETTLED | _NOT_FAILURES


# How one fetch of a page went: (outcome, error, the fetch).
_Attempt = tuple[str, str | None, FetchResult]


class Revisit(StrEnum):
    """Which known articles a run fetches again, to catch edits and removals."""

    NONE = "none"  # only articles discovered for the first time
    DUE = "due"  # the known articles the adaptive schedule says are due, within the run's budget
    LISTED = "listed"  # known articles found on the listing pages walked (a refreshing backfill)
    ALL = "all"  # every known article, removed ones included (they may come back)


async def crawl_portal(
    source: Source,
    config: SourcesConfig,
    known: dict[str, KnownArticle] | KnownKeys,
    raw_store: RawStore,
    revisit: Revisit = Revisit.NONE,
    max_listing_pages: int | None = None,
    state: PortalState | None = None,
    now: datetime | None = None,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
    observer: CrawlObserver | None = None,
    fetcher: PortalFetcher | WarmStart | None = None,
) -> PortalCrawl:
    """Crawl one portal: new articles from its listings and frontier, plus the revisits asked for.

    `state` is the crawler's memory from the warehouse (schedules, validators,
    frontier, completed walks); without it a run walks whole listings only
    when nothing is known, and `due` revisits nothing. `pages` (section name
    -> listing pages) walks exactly those pages instead of discovering from
    the newest; `published` keeps only articles posted in [since, until).
    `observer` is told of every listing page, article found and article done as they happen.
    `fetcher`: the portal's fetcher, open already (:func:`open_fetcher`); the crawl opens its own without it.
    """
    crawler = PortalCrawler(
        source,
        config,
        known,
        raw_store,
        revisit,
        max_listing_pages,
        state,
        now,
        pages,
        published,
        observer,
    )
    return await crawler.run(fetcher)


def open_fetcher(source: Source, config: SourcesConfig) -> PortalFetcher:
    """The fetcher of one portal's run, within the portal's politeness (an async context manager)."""
    settings = config.settings
    return PortalFetcher(
        source, config.politeness_for(source), settings.user_agent_header, settings.robots_agent
    )


class PortalCrawler:
    """One portal's crawl, as :func:`crawl_portal` runs it.

    :meth:`run` goes through the steps: :meth:`revisit` starts the fetches known
    before any listing answers (the frontier and the revisits asked for),
    :meth:`walk` walks the listings and starts the fetch of every article and
    document they name (:meth:`fetch_article`, :func:`fetch_document`),
    :meth:`retry` tries once more what failed and confirms removals, and
    :meth:`settle` does the run's bookkeeping: failures, frontier, schedules.
    """

    def __init__(
        self,
        source: Source,
        config: SourcesConfig,
        known: dict[str, KnownArticle] | KnownKeys,
        raw_store: RawStore,
        revisit: Revisit = Revisit.NONE,
        max_listing_pages: int | None = None,
        state: PortalState | None = None,
        now: datetime | None = None,
        pages: dict[str, range] | None = None,
        published: tuple[datetime | None, datetime | None] = (None, None),
        observer: CrawlObserver | None = None,
    ):
        if source.closed:
            raise ConfigError("sources", source.closed_note)
        self.observer = observer or CrawlObserver()
        self.observer.started()
        self.source, self.config, self.raw_store = source, config, raw_store
        self.revisiting, self.max_listing_pages, self.pages = revisit, max_listing_pages, pages
        self.profile = get_profile(source.profile, config.settings.profile_dirs)
        self.since, self.until = published
        self.remembered = state is not None
        self.state = state or PortalState()
        # Which pages are known, and what is known of each (for revisits and for skipping the
        # parse of a page unchanged since): a crawl that revisits nothing needs only the first,
        # one that revisits the due pages finds the rest in their schedules.
        self.details: Mapping[str, CurrentVersion]
        if isinstance(known, KnownKeys):
            if revisit not in (Revisit.NONE, Revisit.DUE):
                raise ValueError(
                    f"{source.id}: a crawl that revisits pages ({revisit.value}) needs what is known "
                    "of each, not only their ids"
                )
            self.details, self.known_documents, self.known = (
                self.state.articles,
                known.documents,
                known.articles,
            )
        else:
            self.details = known
            self.known_documents = frozenset(k for k, item in known.items() if item.kind == "document")
            self.known = frozenset(k for k, item in known.items() if item.kind != "document")
        self.policy = config.revisit_for(source)
        self.now = now or datetime.now(UTC)
        self.crawl = PortalCrawl(source_row(source), tls_verified=source.verify_tls)
        workers = config.settings.parse_workers
        self.workers = PageWorkers(default_workers() if workers is None else workers)
        self.today = parser_versions(self.profile)
        self.fetcher: PortalFetcher | WarmStart | None = None  # open while the run fetches
        # What the run fetches. Article and document fetches start as soon as a listing page
        # names them, while the walk of the listings goes on: no connection waits for discovery.
        self.found_urls: dict[str, str] = {}  # article id -> URL, in the order the listings gave them
        self.found_documents: dict[str, str] = {}
        self.members: dict[tuple[str, str], SectionMember] = {}
        self.work: dict[str, str] = {}  # every article fetched this run: id -> URL
        self.article_tasks: dict[str, asyncio.Task] = {}  # their first fetches
        self.document_urls: dict[str, str] = {}  # every document fetched this run: id -> URL
        self.document_tasks: dict[str, asyncio.Task] = {}
        self.frontier: dict[str, str] = {}  # new URLs an earlier run could not record
        self.revisits: dict[str, str] = {}  # known articles fetched again
        self.document_revisits: dict[str, str] = {}
        self.new: dict[str, str] = {}  # articles fetched this run that were not known
        self.observed: dict[str, tuple[Observation, FetchResult]] = {}  # articles that answered with content
        # How the fetches went: page id -> (outcome, error, result), first tries, second ones, and last ones.
        self.firsts: dict[str, _Attempt] = {}
        self.document_firsts: dict[str, _Attempt] = {}
        self.seconds: dict[str, _Attempt] = {}
        self.document_seconds: dict[str, _Attempt] = {}
        self.finals: dict[str, _Attempt] = {}
        self.document_finals: dict[str, _Attempt] = {}
        self.confirmed_gone: set[str] = set()  # removals two requests agree on
        self.still_listed: set[str] = set()  # answered gone twice, but the run's listing links to them
        self.gone_seen: set[str] = set()  # a 404/410 not confirmed yet
        self.documents_gone: set[str] = set()
        self.documents_gone_seen: set[str] = set()

    async def run(self, fetcher: PortalFetcher | WarmStart | None = None) -> PortalCrawl:
        """The run's fetches (with `fetcher`, open already, or a fetcher of its own), then its bookkeeping."""
        if fetcher is not None:
            await self.fetch_all(fetcher)
        else:
            async with open_fetcher(self.source, self.config) as own:
                await self.fetch_all(own)
        self.settle()
        return self.crawl

    async def fetch_all(self, fetcher: PortalFetcher | WarmStart) -> None:
        self.fetcher = fetcher
        self.revisit()
        await self.walk()
        await self.retry()
        self.log_fetcher()

    # What every fetch leaves: a fetch row, and its body in the raw store.

    def record(
        self,
        result: FetchResult,
        outcome: str | None = None,
        error: str | None = None,
        stored: tuple[str, bool] | None = None,
        charset: str | None = None,
    ) -> str | None:
        raw_hash = None
        if stored is None and result.body:
            stored = self.raw_store.put(result.body)
        if stored is not None:
            raw_hash = stored[0]
            self.crawl.raw_new += stored[1]
        self.crawl.fetches.append(
            FetchRow(
                self.source.id,
                result.url,
                result.kind,
                result.fetched_at,
                result.status,
                outcome or result.outcome,
                error or result.error,
                result.attempts,
                result.elapsed_ms,
                len(result.body),
                raw_hash,
                result.error_class,
                result.final_url,
                charset or result.decoded_charset,
                result.conditional,
                result.tls_verified,
            )
        )
        return raw_hash

    def record_listing(self, section_name: str, result: FetchResult, *args, **kwargs) -> str | None:
        raw_hash = self.record(result, *args, **kwargs)
        self.observer.listing_page(section_name, self.crawl.fetches[-1].outcome == Outcome.OK)
        return raw_hash

    def log_fetcher(self) -> None:
        """The fetcher's own requests (robots.txt) and the outages it met."""
        for result in self.fetcher.robots_fetches:
            self.record(result)
        for outage in self.fetcher.outages:
            self.crawl.state.outages.append(
                OutageRow(
                    outage.host,
                    outage.opened_at,
                    outage.closed_at,
                    outage.failures,
                    outage.skipped,
                    outage.last_error,
                )
            )

    # Fetches: started once per page and run, as tasks, while the walk goes on.

    def start_article(self, key: str, url: str) -> None:
        if key not in self.work:
            self.work[key] = url
            task = asyncio.ensure_future(self.fetch_article(key, url))
            self.article_tasks[key] = task
            task.add_done_callback(self._first_done)
            self.observer.articles_found(1)

    def start_document(self, key: str, url: str) -> None:
        if key not in self.document_urls:
            self.document_urls[key] = url
            self.document_tasks[key] = asyncio.ensure_future(self._fetch_document(key, url))

    def _first_done(self, task: asyncio.Task) -> None:
        """Tell the observer how an article's first fetch went."""
        if not task.cancelled() and task.exception() is None:
            self.observer.article_done(task.result()[0] in _DONE)

    async def _fetch_document(self, key: str, url: str) -> _Attempt:
        return await fetch_document(
            self.fetcher, self.crawl, self.record, self.workers, self.profile, key, url
        )

    async def fetch_article(self, key: str, url: str) -> _Attempt:
        """(final outcome, error, result) of one article fetch."""
        result = await self.fetcher.fetch(url, "article", _validators(self.state.articles.get(key)))
        if not result.ok:
            self.record(result)
            return result.outcome, result.error, result
        prior = self.details.get(key) if key in self.known else None
        if _parsed_before(prior, result.body, self.today):
            # The very page the current version was parsed from, and today's parser: nothing to parse.
            self._observe_unparsed(key, url, result, prior)
            return Outcome.OK, None, result
        page = await self.workers.run(
            article_page,
            result.body,
            result.charset,
            url,
            self.profile,
            prior.content_hash if prior else None,
            result.final_url,
            share=True,
        )
        stored = self.raw_store.put_packed(page.packed)
        if page.record is None:
            outcome = Outcome.NOT_AN_ARTICLE if page.wrong_page else Outcome.EXTRACTION_FAILED
            result.error_class = "WrongPage" if page.wrong_page else None
            self.record(result, outcome, page.error, stored=stored, charset=page.charset)
            _release_body(result)
            return outcome, page.error, result
        article = page.record
        self.record(result, stored=stored, charset=page.charset)
        _release_body(result)
        if self._outside(article.published_at):
            return Outcome.OK, None, result
        content_hash = page.content_hash or article.content_hash
        reparsed = _parser_change_only(
            prior, content_hash, article.parser_version, self.raw_store, url, self.profile
        )
        observation = Observation(
            key,
            url,
            article,
            content_hash,
            page.raw_hash,
            result.fetched_at,
            reparsed,
            page.fingerprint,
            page.references,
        )
        self._observe(key, observation, result)
        return Outcome.OK, None, result

    def _observe_unparsed(self, key: str, url: str, result: FetchResult, prior: CurrentVersion) -> None:
        """An article page that is the one its current version was parsed from: observed as it stands."""
        # Stored already, most likely: the put finds it (on an object store, without making the
        # crawl wait for a request), and stores it again if it was lost.
        raw_hash = self.record(result)
        _release_body(result)
        schedule = self.state.articles.get(key)
        published_at = schedule.published_at if schedule else None
        if published_at and self._outside(published_at):
            return
        observation = Observation(key, url, None, prior.content_hash, raw_hash or "", result.fetched_at)
        self._observe(key, observation, result)

    def _outside(self, published_at: datetime) -> bool:
        """Whether an article posted then is outside the run's [since, until)."""
        return bool((self.since and published_at < self.since) or (self.until and published_at >= self.until))

    def _observe(self, key: str, observation: Observation, result: FetchResult) -> None:
        self.crawl.observations.append(observation)
        self.observed[key] = (observation, result)

    # The steps of a run.

    def revisit(self) -> None:
        """Start what is known before any listing answers: the frontier and the revisits asked for."""
        base_url = self.source.base_url
        self.frontier = {
            key: rebase(url, base_url) for key, url in self.state.frontier.items() if key not in self.known
        }
        self.revisits, self.document_revisits = self._revisits()
        for key, url in self.document_revisits.items():
            self.start_document(key, url)
        for key, url in self.state.document_frontier.items():
            if key not in self.known_documents:
                self.start_document(key, rebase(url, base_url))
        for key, url in (self.frontier | self.revisits).items():
            self.start_article(key, url)

    def _revisits(self) -> tuple[dict[str, str], dict[str, str]]:
        """The known articles, and documents, to fetch again: documents are revisited as articles are,
        within the same budget."""
        base_url = self.source.base_url
        if self.revisiting is Revisit.ALL:
            details = cast(dict[str, KnownArticle], self.details)  # KnownKeys cannot revisit all
            revisits = {
                key: rebase(a.url, base_url)
                for key, a in details.items()
                if a.kind != "document" and key not in self.frontier
            }
            documents = {key: rebase(d.url, base_url) for key, d in details.items() if d.kind == "document"}
            return revisits, documents
        if self.revisiting is Revisit.DUE:
            candidates = [*self.state.articles.values(), *self.state.documents.values()]
            due = {
                a.article_id: rebase(a.url, base_url)
                for a in due_for_revisit(candidates, self.now, self.policy, set(self.frontier))
            }
            documents = self.state.documents
            return (
                {key: url for key, url in due.items() if key not in documents},
                {key: url for key, url in due.items() if key in documents},
            )
        return {}, {}

    async def walk(self) -> None:
        """Walk every section's listing, then wait for the first fetch of every page started."""
        walks = [asyncio.ensure_future(self.walk_section(section)) for section in self.source.sections]
        try:
            self._count_walks(await asyncio.gather(*walks))
            self.document_firsts = dict(
                zip(self.document_tasks, await asyncio.gather(*self.document_tasks.values()), strict=False)
            )
            self.firsts = dict(
                zip(self.article_tasks, await asyncio.gather(*self.article_tasks.values()), strict=False)
            )
        except BaseException:
            # A failure that ends the crawl (the raw store cannot write, the run is cancelled)
            # must not leave fetches running against a closed client.
            pending = [*walks, *self.article_tasks.values(), *self.document_tasks.values()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise

    async def walk_section(self, section) -> SectionDiscovery | None:
        seen = self.known_documents if section.kind == "documents" else self.known
        record_listing = partial(self.record_listing, section.name)
        on_page = partial(self.on_listing_page, section)
        if self.pages is not None:
            if section.name not in self.pages:
                return None
            found = await discover_pages(
                self.fetcher,
                self.source,
                section,
                self.profile,
                self.pages[section.name],
                record_listing,
                on_page,
            )
            self.observer.section_walked(section.name, found.total_pages, False)
            return found
        last = self.state.walks.get(section.name)
        full = _walk_whole(last) if self.remembered else not seen
        # Entries in the frontier were discovered already: the walk need not look past them.
        discovered = set(seen) if section.kind == "documents" else set(seen) | set(self.state.frontier)
        found = await discover_section(
            self.fetcher,
            self.source,
            section,
            self.profile,
            discovered,
            full,
            record_listing,
            self.max_listing_pages,
            on_page,
            repair=None if full else _repair(last),
        )
        self.observer.section_walked(section.name, found.total_pages, full)
        _remember_walk(self.crawl, section, found, self.now)
        return found

    def on_listing_page(self, section, urls: tuple[str, ...]) -> None:
        """Start the fetch of what a listing page names (the new pages, or all of them when refreshing)."""
        is_documents = section.kind == "documents"
        for url in urls:
            key = article_id(self.source.id, url)
            self.members.setdefault(
                (section.name, key),
                SectionMember(section.name, key, "document" if is_documents else "article", url, self.now),
            )
            if is_documents:
                self.found_documents.setdefault(key, url)
                if key not in self.known_documents:
                    self.start_document(key, url)
                continue
            self.found_urls.setdefault(key, url)
            if key not in self.known or self.revisiting is Revisit.LISTED:
                self.start_article(key, url)

    def _count_walks(self, discoveries: list[SectionDiscovery | None]) -> None:
        crawl = self.crawl
        for found in discoveries:
            if found is not None:
                crawl.listing_pages += found.listing_pages
                crawl.listed += len(found.article_urls)
                crawl.short_pages += found.short_pages
        crawl.state.members = list(self.members.values())
        crawl.discovered = len(self.found_urls)
        self.new = {key: url for key, url in self.work.items() if key not in self.known}
        if self.revisiting is Revisit.LISTED:
            self.revisits = {key: url for key, url in self.work.items() if key in self.known}
        crawl.new_urls = len(self.new)
        crawl.revisited = len(self.revisits) + len(self.document_revisits)

    async def retry(self) -> None:
        """Fetch once more the pages whose first try failed or said 404/410: a removal counts only when
        confirmed."""
        retry = [
            key
            for key, (outcome, _, result) in self.firsts.items()
            if outcome in _SECOND_TRY and not self.fetcher.host_gave_up(result.url)
        ]
        document_retry = [
            key
            for key, (outcome, _, result) in self.document_firsts.items()
            if outcome in _SECOND_TRY and not self.fetcher.host_gave_up(result.url)
        ]
        second_tries = await asyncio.gather(
            *(self.fetch_article(key, self.work[key]) for key in retry),
            *(self._fetch_document(key, self.document_urls[key]) for key in document_retry),
        )
        self.seconds = dict(zip(retry, second_tries[: len(retry)], strict=False))
        self.finals = self.firsts | self.seconds
        self.document_seconds = dict(zip(document_retry, second_tries[len(retry) :], strict=False))
        self.document_finals = self.document_firsts | self.document_seconds
        self.confirmed_gone, self.gone_seen = _removals(retry, self.firsts, self.seconds, self.state.articles)
        # A page its portal's listing links to in this very run is not gone, whatever its own
        # address answers (a maintenance redirect to the home page, a broken route): not yet.
        self.still_listed = self.confirmed_gone & self.found_urls.keys()
        self.confirmed_gone -= self.still_listed
        self.gone_seen |= self.still_listed
        self.documents_gone, self.documents_gone_seen = _removals(
            [key for key in document_retry if key in self.known_documents],
            self.document_firsts,
            self.document_seconds,
            self.state.documents,
        )
        for key in retry:
            self.observer.article_done(
                self.seconds[key][0] in _DONE or key in self.confirmed_gone, again=True
            )
        for key in sorted(self.confirmed_gone, key=list(self.work).index):
            self.crawl.gone.append(Gone(key, self.work[key], self.seconds[key][2].fetched_at))
        for key in sorted(self.documents_gone, key=list(self.document_urls).index):
            self.crawl.gone_documents.append(
                Gone(key, self.document_urls[key], self.document_seconds[key][2].fetched_at)
            )

    def settle(self) -> None:
        """The run's failures, its frontier for the next run, and the next revisit of every page checked."""
        crawl = self.crawl
        for fetch in crawl.fetches:
            if fetch.kind == "listing" and fetch.outcome != Outcome.OK:
                crawl.failures.append((fetch.url, fetch.error or fetch.outcome))
        crawl.failures += crawl.short_pages
        for key, (outcome, error, _result) in self.finals.items():
            if outcome in _SETTLED or key in self.confirmed_gone or outcome in _NOT_FAILURES:
                continue
            reason = error or outcome
            if key in self.still_listed:
                reason = f"{reason} (not a removal: the portal's listing still links to it)"
            elif outcome == Outcome.GONE:
                reason = f"{reason} (not confirmed by a second request)"
            crawl.failures.append((self.work[key], reason))
        self._settle_frontier()
        _settle_documents(
            crawl,
            self.state,
            self.known_documents,
            self.document_urls,
            self.document_finals,
            self.documents_gone,
        )
        if self.remembered:
            self._schedule_next()

    def _settle_frontier(self) -> None:
        """New URLs that this run could not settle wait for the next one."""
        state, update = self.state, self.crawl.state
        for key, (outcome, error, result) in self.finals.items():
            if key not in self.new:
                continue
            if key in self.observed or key in self.confirmed_gone:
                if key in state.frontier:
                    update.frontier_done.append(key)
            else:
                update.frontier_pending.append(
                    FrontierEntry(key, self.new[key], result.fetched_at, outcome, error)
                )
        update.frontier_done.extend(key for key in state.frontier if key in self.known)

    def _schedule_next(self) -> None:
        state, update = self.state, self.crawl.state
        checked = {
            key: (o.url, o.content_hash, _published(o, state.articles.get(key)), r)
            for key, (o, r) in self.observed.items()
        }
        _schedule(
            update.schedules,
            update,
            state.articles,
            self.policy,
            self.finals,
            checked,
            self.confirmed_gone,
            self.gone_seen,
        )
        _schedule(
            update.document_schedules,
            update,
            state.documents,
            self.policy,
            self.document_finals,
            _documents_checked(self.crawl, self.document_finals),
            self.documents_gone,
            self.documents_gone_seen,
        )


def _documents_checked(crawl: PortalCrawl, finals: dict) -> dict:
    """The documents this run recorded, as `_schedule` takes them; a document's age is its issue date's."""
    checked = {}
    for document in crawl.documents:
        issued = document.record.issued_date
        published_at = datetime.combine(issued, time(), UTC) if issued else None
        checked[document.document_id] = (
            document.url,
            document.record.content_hash,
            published_at,
            finals[document.document_id][2],
        )
    return checked


def _removals(
    retried: list[str], firsts: dict, seconds: dict, priors: dict[str, ArticleSchedule]
) -> tuple[set, set]:
    """The pages of `retried` whose removal is confirmed, and those that met a 404/410 not confirmed yet."""
    confirmed = {
        key for key in retried if _removal_confirmed(firsts[key][0], seconds[key][0], priors.get(key))
    }
    seen = {key for key in retried if Outcome.GONE in (firsts[key][0], seconds[key][0])} - confirmed
    return confirmed, seen


def _walk_whole(last: ListingWalk | None) -> bool:
    """Whether a section's listing is walked whole: never walked, or nothing is known of what its last walk missed."""
    return last is None or (not last.complete and last.missing_pages is None)


def _repair(last: ListingWalk | None) -> Repair | None:
    if last is None or last.missing_pages is None or not (last.missing_pages or last.resume_pages):
        return None
    return Repair(last.missing_pages, last.resume_pages, last.entries)


def _remember_walk(crawl: PortalCrawl, section, found: SectionDiscovery, now: datetime) -> None:
    """The walk's state for the next run, and its coverage row."""
    repair = found.repair
    crawl.state.walks.append(
        ListingWalk(
            section.name,
            found.complete,
            found.total_pages,
            found.listing_pages,
            now,
            repair.entries if repair else found.entries,
            repair.pages if repair else None,
            repair.resume_pages if repair else (),
        )
    )
    crawl.state.coverage.append(
        SectionCoverage(
            section.name,
            section.kind,
            found.entries,
            found.entries_basis,
            found.total_pages,
            len(found.article_urls),
            found.listing_pages,
            found.missing_pages,
            found.resume_pages,
            found.complete,
            now,
        )
    )


def _settle_documents(
    crawl: PortalCrawl,
    state: PortalState,
    known: AbstractSet[str],
    urls: dict[str, str],
    finals: dict,
    gone: set[str],
) -> None:
    """Report the documents this run could not record; new ones wait in the frontier for the next run
    (unless the last request said 404/410: a dead link, nothing to record)."""
    recorded = {observation.document_id for observation in crawl.documents}
    for key, (outcome, error, result) in finals.items():
        if key in gone:
            continue
        if key in recorded:
            if key in state.document_frontier:
                crawl.state.frontier_done.append(key)
            continue
        if outcome not in _NOT_FAILURES:
            crawl.failures.append((urls[key], error or outcome))
        if key in known:
            continue
        if outcome == Outcome.GONE:
            crawl.state.frontier_done.append(key)
        else:
            crawl.state.frontier_pending.append(
                FrontierEntry(key, urls[key], result.fetched_at, outcome, error, "document")
            )
    crawl.state.frontier_done.extend(key for key in state.document_frontier if key in known)


def _parsed_before(prior: CurrentVersion | None, body: bytes, today: frozenset[str]) -> bool:
    """Whether `body` is the raw page the current version was parsed from, by a parser that is still today's."""
    if prior is None or prior.removed or not prior.raw_hash or prior.content_hash is None:
        return False
    return prior.parser_version in today and _sha256(body) == prior.raw_hash


def _validators(prior: ArticleSchedule | None) -> Validators | None:
    """Send validators only when they belong to the version stored now (a 304 then means exactly that)."""
    if prior is None or prior.removed or not (prior.etag or prior.last_modified):
        return None
    if prior.validated_hash != prior.content_hash:
        return None
    return Validators(prior.etag, prior.last_modified)


def _removal_confirmed(first: str, second: str, prior: ArticleSchedule | None) -> bool:
    """Whether two requests said the article is gone and none said otherwise: this run's two, or
    one of them and an earlier run's that could not be confirmed then."""
    said = (first, second)
    if Outcome.GONE not in said or any(outcome in _SETTLED for outcome in said):
        return False
    return said == (Outcome.GONE, Outcome.GONE) or (
        prior is not None and prior.unconfirmed_removal_at is not None
    )


def _schedule(
    schedules: list[ScheduleRow],
    update: PortalStateUpdate,
    priors: dict[str, ArticleSchedule],
    policy,
    finals: dict,
    checked: dict,
    confirmed_gone: set,
    gone_seen: set,
) -> None:
    """The next revisit (into `schedules`) of every page, article or document, this run checked, and what 304s
    confirmed. `checked`: page id -> (url, content hash, published, fetch) of those that answered with their content."""
    for key, (url, content_hash, published_at, result) in checked.items():
        prior = priors.get(key)
        changed = prior is None or prior.removed or prior.content_hash != content_hash
        schedules.append(
            _next(
                key,
                url,
                prior,
                changed,
                published_at,
                result.fetched_at,
                policy,
                result.etag,
                result.last_modified,
                content_hash,
            )
        )
    for key, (outcome, error, result) in finals.items():
        prior = priors.get(key)
        if prior is None:
            continue
        if outcome == Outcome.NOT_MODIFIED:
            update.not_modified.append(NotModified(key, result.url, prior.content_hash, result.fetched_at))
            etag, last_modified = result.etag or prior.etag, result.last_modified or prior.last_modified
            schedules.append(_unchanged(key, prior, result, policy, etag, last_modified, prior.content_hash))
        elif key in confirmed_gone:
            schedules.append(_unchanged(key, prior, result, policy, None, None, None))
        elif key not in checked and outcome not in _SETTLED | _NOT_FAILURES:
            schedules.append(_failed(key, prior, outcome, error, result.fetched_at, policy, key in gone_seen))


def _unchanged(
    key: str,
    prior: ArticleSchedule,
    result: FetchResult,
    policy,
    etag: str | None,
    last_modified: str | None,
    validated_hash: str | None,
) -> ScheduleRow:
    """The next revisit of a page whose stored version this run's check did not change (a 304, a removal)."""
    return _next(
        key,
        prior.url,
        prior,
        False,
        prior.published_at,
        result.fetched_at,
        policy,
        etag,
        last_modified,
        validated_hash,
    )


def _failed(
    key: str,
    prior: ArticleSchedule,
    outcome: str,
    error: str | None,
    attempted_at: datetime,
    policy,
    gone_seen: bool,
) -> ScheduleRow:
    """A check that failed (no answer, not the article's page, a removal not confirmed) settles
    nothing: the schedule stays as it was, and the article is due again soon. A 404/410 it met
    is remembered, for the next run's request to confirm."""
    failed = prior.failed_checks + 1
    interval = prior.interval or initial_interval(prior.published_at, attempted_at, policy)
    if gone_seen:
        error = f"{error or outcome} (a removal not confirmed by a second request)"
    return ScheduleRow(
        key,
        prior.url,
        prior.etag,
        prior.last_modified,
        prior.validated_hash,
        prior.last_checked_at or prior.last_seen,
        prior.last_changed_at,
        interval,
        attempted_at + retry_delay(failed, policy),
        prior.checks,
        prior.changes_seen,
        failed,
        f"{outcome}: {error}" if error else outcome,
        attempted_at if gone_seen else prior.unconfirmed_removal_at,
    )


def _published(observation: Observation, prior) -> datetime | None:
    if observation.record is not None:
        return observation.record.published_at
    return prior.published_at if prior else None


def _next(
    key, url, prior, changed, published_at, checked_at, policy, etag, last_modified, validated_hash
) -> ScheduleRow:
    interval = next_interval(prior.interval if prior else None, changed, published_at, checked_at, policy)
    last_changed = checked_at if changed else (prior.last_changed_at if prior else None)
    return ScheduleRow(
        key,
        url,
        etag,
        last_modified,
        validated_hash,
        checked_at,
        last_changed,
        interval,
        checked_at + interval,
        (prior.checks if prior else 0) + 1,
        (prior.changes_seen if prior else 0) + int(changed and prior is not None),
    )


async def fetch_document(
    fetcher: PortalFetcher,
    crawl: PortalCrawl,
    record,
    workers: PageWorkers,
    profile: Profile,
    key: str,
    url: str,
) -> _Attempt:
    """Fetch and parse an official document page, then its files (text extracted from PDFs);
    returns (outcome, error, result) of the page's fetch."""
    # Pages and files that are not what was asked for are fetched again at once, as a 5xx is.
    check = DocumentCheck(profile)
    result = await fetcher.fetch(url, "document", judge=check)
    if not result.ok:
        record(result)
        return result.outcome, result.error, result
    if check.failure is not None:
        record(result, Outcome.EXTRACTION_FAILED, check.failure)
        return Outcome.EXTRACTION_FAILED, check.failure, result
    document = check.record
    raw_hash = record(result)
    _release_body(result)
    files, warnings = [], list(document.warnings)
    for attachment in document.attachments:
        file_url = urljoin(url, attachment.url)
        fetched = await fetcher.fetch(file_url, "attachment", judge=FileCheck(attachment))
        if fetched.outcome in TRANSIENT_OUTCOMES | {Outcome.CIRCUIT_OPEN}:
            # Recorded without this file, the document would change when the file comes back.
            record(fetched)
            return fetched.outcome, f"attachment {attachment.url}: {fetched.error or fetched.outcome}", result
        if not fetched.ok:
            record(fetched)
            warnings.append(f"attachment {attachment.url}: {fetched.error or fetched.outcome}")
            continue
        try:
            files.append(
                await workers.run(
                    attachment_file,
                    fetched.body,
                    attachment,
                    _sha256(fetched.body),
                    file_url,
                    contained=file_url,
                )
            )
        except ExtractionError as exc:
            # The document is kept without the file's text, and the run reports the file: a
            # file no reader can open is news to whoever publishes it, and retried next run.
            record(fetched, "extraction_failed", exc.reason)
            warnings.append(f"attachment {attachment.url}: {exc.reason}")
            if (file_url, exc.reason) not in crawl.failures:
                crawl.failures.append((file_url, exc.reason))
            continue
        record(fetched)
    document = replace(document, files=tuple(files), warnings=tuple(warnings))
    crawl.documents.append(DocumentObservation(key, url, document, raw_hash or "", result.fetched_at))
    return Outcome.OK, None, result


def _release_body(result: FetchResult) -> None:
    """Let go of a page's body and decoded text once it is stored and parsed: what the crawl
    keeps of each fetch until its end (schedules, frontier, validators) is the rest."""
    result.body = b""
    result._decoded = None


def _sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _parser_change_only(
    known: CurrentVersion | None,
    new_hash: str,
    parser_version: str,
    raw_store: RawStore,
    url: str,
    profile: Profile,
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
