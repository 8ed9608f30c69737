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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from enum import StrEnum

from portalwatch.config import Source, SourcesConfig
from portalwatch.discover import Repair, SectionDiscovery, discover_pages, discover_section
from portalwatch.errors import ConfigError, ExtractionError
from portalwatch.fetch import TRANSIENT_OUTCOMES, FetchResult, Outcome, PortalFetcher, Validators
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
from portalwatch.storage.crawlstate import (
    FrontierEntry,
    ListingWalk,
    NotModified,
    OutageRow,
    PortalState,
    PortalStateUpdate,
    ScheduleRow,
    SectionCoverage,
    SectionMember,
)
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import (
    DocumentObservation,
    FetchRow,
    Gone,
    KnownArticle,
    Observation,
    SourceRow,
)

# Outcomes that settle an article for this run; anything else is a failure to report and retry.
_SETTLED = frozenset({Outcome.OK, Outcome.NOT_MODIFIED})
# Worth one more request at the end of the run: to confirm a removal, or because it may go better.
_SECOND_TRY = TRANSIENT_OUTCOMES | {Outcome.GONE, Outcome.EXTRACTION_FAILED}
# Not failures: the portal asked us not to fetch these.
_NOT_FAILURES = frozenset({Outcome.ROBOTS_DISALLOWED})
# An article done for the run, as its progress counts it (a removal counts once confirmed).
_DONE = _SETTLED | _NOT_FAILURES


class Revisit(StrEnum):
    """Which known articles a run fetches again, to catch edits and removals."""

    NONE = "none"  # only articles discovered for the first time
    DUE = "due"  # the known articles the adaptive schedule says are due, within the run's budget
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
    gone_documents: list[Gone] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    short_pages: list[tuple[str, str]] = field(
        default_factory=list
    )  # listing pages with fewer entries than stated
    listing_pages: int = 0
    listed: int = 0  # entries on the listing pages walked (articles and documents)
    discovered: int = 0
    new_urls: int = 0
    raw_new: int = 0
    revisited: int = 0  # known articles and documents fetched again
    state: PortalStateUpdate = field(default_factory=PortalStateUpdate)
    tls_verified: bool = True

    @property
    def article_fetches(self) -> int:
        return sum(1 for f in self.fetches if f.kind == "article")

    @property
    def outcome_counts(self) -> dict[str, int]:
        """Fetches by outcome (ok, not_modified, gone, timeout, circuit_open, ...)."""
        return dict(sorted(Counter(f.outcome for f in self.fetches).items()))


def source_row(source: Source) -> SourceRow:
    return SourceRow(
        source.id,
        source.name,
        source.level,
        source.profile,
        source.base_url,
        source.status,
        source.active_from,
        source.active_until,
        tuple(source.successors),
    )


async def crawl_portal(
    source: Source,
    config: SourcesConfig,
    known: dict[str, KnownArticle],
    raw_store: RawStore,
    revisit: Revisit = Revisit.NONE,
    max_listing_pages: int | None = None,
    state: PortalState | None = None,
    now: datetime | None = None,
    pages: dict[str, range] | None = None,
    published: tuple[datetime | None, datetime | None] = (None, None),
    observer: CrawlObserver | None = None,
) -> PortalCrawl:
    """Crawl one portal: new articles from its listings and frontier, plus the revisits asked for.

    `state` is the crawler's memory from the warehouse (schedules, validators,
    frontier, completed walks); without it a run walks whole listings only
    when nothing is known, and `due` revisits nothing. `pages` (section name
    -> listing pages) walks exactly those pages instead of discovering from
    the newest; `published` keeps only articles posted in [since, until).
    `observer` is told of every listing page, article found and article done as they happen.
    """
    if source.closed:
        raise ConfigError("sources", source.closed_note)
    observer = observer or CrawlObserver()
    observer.started()
    profile = get_profile(source.profile, config.settings.profile_dirs)
    since, until = published
    known_documents = {key: item for key, item in known.items() if item.kind == "document"}
    known = {key: item for key, item in known.items() if item.kind != "document"}
    policy = config.revisit_for(source)
    now = now or datetime.now(UTC)
    remembered = state is not None
    state = state or PortalState()
    crawl = PortalCrawl(source_row(source), tls_verified=source.verify_tls)

    def record(
        result: FetchResult,
        outcome: str | None = None,
        error: str | None = None,
        stored: tuple[str, bool] | None = None,
        charset: str | None = None,
    ) -> str | None:
        raw_hash = None
        if stored is None and result.body:
            stored = raw_store.put(result.body)
        if stored is not None:
            raw_hash = stored[0]
            crawl.raw_new += stored[1]
        crawl.fetches.append(
            FetchRow(
                source.id,
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

    settings = config.settings
    workers = PageWorkers(default_workers() if settings.parse_workers is None else settings.parse_workers)
    today = parser_versions(profile)
    observed: dict[str, tuple[Observation, FetchResult]] = {}

    async def fetch_article(key: str, url: str) -> tuple[str, str | None, FetchResult]:
        """(final outcome, error, result) of one article fetch."""
        result = await fetcher.fetch(url, "article", _validators(state.articles.get(key)))
        if not result.ok:
            record(result)
            return result.outcome, result.error, result
        prior = known.get(key)
        if _parsed_before(prior, result.body, today):
            # The very page the current version was parsed from, and today's parser: nothing to parse.
            raw_hash = record(result, stored=(prior.raw_hash, False) if prior.raw_hash in raw_store else None)
            schedule = state.articles.get(key)
            published_at = schedule.published_at if schedule else None
            if published_at and ((since and published_at < since) or (until and published_at >= until)):
                return Outcome.OK, None, result
            observation = Observation(key, url, None, prior.content_hash, raw_hash or "", result.fetched_at)
            crawl.observations.append(observation)
            observed[key] = (observation, result)
            return Outcome.OK, None, result
        page = await workers.run(
            article_page,
            result.body,
            result.charset,
            url,
            profile,
            prior.content_hash if prior else None,
            result.final_url,
        )
        stored = raw_store.put_packed(page.packed)
        if page.record is None:
            outcome = Outcome.NOT_AN_ARTICLE if page.wrong_page else Outcome.EXTRACTION_FAILED
            result.error_class = "WrongPage" if page.wrong_page else None
            record(result, outcome, page.error, stored=stored, charset=page.charset)
            return outcome, page.error, result
        article = page.record
        record(result, stored=stored, charset=page.charset)
        if (since and article.published_at < since) or (until and article.published_at >= until):
            return Outcome.OK, None, result
        reparsed = _parser_change_only(
            known.get(key), article.content_hash, article.parser_version, raw_store, url, profile
        )
        observation = Observation(
            key,
            url,
            article,
            article.content_hash,
            page.raw_hash,
            result.fetched_at,
            reparsed,
            page.fingerprint,
            page.references,
        )
        crawl.observations.append(observation)
        observed[key] = (observation, result)
        return Outcome.OK, None, result

    async with PortalFetcher(
        source, config.politeness_for(source), settings.user_agent_header, settings.robots_agent
    ) as fetcher:
        # Article and document fetches start as soon as a listing page names them,
        # while the walk of the listings goes on: no connection waits for discovery.
        found_urls: dict[str, str] = {}  # article id -> URL, in the order the listings gave them
        found_documents: dict[str, str] = {}
        work: dict[str, str] = {}  # every article fetched this run: id -> URL
        firsts_pending: dict[str, asyncio.Task] = {}
        document_urls: dict[str, str] = {}  # every document fetched this run: id -> URL
        document_tasks: dict[str, asyncio.Task] = {}

        def start_article(key: str, url: str) -> None:
            if key not in work:
                work[key] = url
                firsts_pending[key] = asyncio.ensure_future(fetch_article(key, url))
                firsts_pending[key].add_done_callback(_tell_done(observer))
                observer.articles_found(1)

        def start_document(key: str, url: str) -> None:
            if key not in document_urls:
                document_urls[key] = url
                document_tasks[key] = asyncio.ensure_future(
                    fetch_document(fetcher, crawl, record, workers, profile, key, url)
                )

        # What is known before any listing answers: the frontier and the revisits asked for.
        frontier = {
            key: rebase(url, source.base_url) for key, url in state.frontier.items() if key not in known
        }
        # Documents are revisited as articles are, within the same budget.
        if revisit is Revisit.ALL:
            revisits = {
                key: rebase(a.url, source.base_url) for key, a in known.items() if key not in frontier
            }
            document_revisits = {key: rebase(d.url, source.base_url) for key, d in known_documents.items()}
        elif revisit is Revisit.DUE:
            candidates = [*state.articles.values(), *state.documents.values()]
            due = {
                a.article_id: rebase(a.url, source.base_url)
                for a in due_for_revisit(candidates, now, policy, set(frontier))
            }
            revisits = {key: url for key, url in due.items() if key not in state.documents}
            document_revisits = {key: url for key, url in due.items() if key in state.documents}
        else:
            revisits, document_revisits = {}, {}
        for key, url in document_revisits.items():
            start_document(key, url)
        for key, url in state.document_frontier.items():
            if key not in known_documents:
                start_document(key, rebase(url, source.base_url))
        for key, url in (frontier | revisits).items():
            start_article(key, url)

        members: dict[tuple[str, str], SectionMember] = {}

        def listed(section):
            is_documents = section.kind == "documents"

            def on_page(urls: tuple[str, ...]) -> None:
                for url in urls:
                    key = article_id(source.id, url)
                    members.setdefault(
                        (section.name, key),
                        SectionMember(section.name, key, "document" if is_documents else "article", url, now),
                    )
                    if is_documents:
                        found_documents.setdefault(key, url)
                        if key not in known_documents:
                            start_document(key, url)
                        continue
                    found_urls.setdefault(key, url)
                    if key not in known or revisit is Revisit.LISTED:
                        start_article(key, url)

            return on_page

        def listing_record(section_name: str):
            def record_listing(result: FetchResult, *args, **kwargs) -> str | None:
                raw_hash = record(result, *args, **kwargs)
                observer.listing_page(section_name, crawl.fetches[-1].outcome == Outcome.OK)
                return raw_hash

            return record_listing

        async def walk(section) -> SectionDiscovery | None:
            seen = known_documents if section.kind == "documents" else known
            record_listing = listing_record(section.name)
            if pages is not None:
                if section.name not in pages:
                    return None
                found = await discover_pages(
                    fetcher, source, section, profile, pages[section.name], record_listing, listed(section)
                )
                observer.section_walked(section.name, found.total_pages, False)
                return found
            last = state.walks.get(section.name)
            full = _walk_whole(last) if remembered else not seen
            # Entries in the frontier were discovered already: the walk need not look past them.
            discovered = set(seen) if section.kind == "documents" else set(seen) | set(state.frontier)
            found = await discover_section(
                fetcher,
                source,
                section,
                profile,
                discovered,
                full,
                record_listing,
                max_listing_pages,
                listed(section),
                repair=None if full else _repair(last),
            )
            observer.section_walked(section.name, found.total_pages, full)
            _remember_walk(crawl, section, found, now)
            return found

        walks = [asyncio.ensure_future(walk(section)) for section in source.sections]
        try:
            for found in await asyncio.gather(*walks):
                if found is not None:
                    crawl.listing_pages += found.listing_pages
                    crawl.listed += len(found.article_urls)
                    crawl.short_pages += found.short_pages
            crawl.state.members = list(members.values())
            crawl.discovered = len(found_urls)
            new = {key: url for key, url in work.items() if key not in known}
            if revisit is Revisit.LISTED:
                revisits = {key: url for key, url in work.items() if key in known}
            crawl.new_urls = len(new)
            crawl.revisited = len(revisits) + len(document_revisits)

            document_firsts = dict(
                zip(document_tasks, await asyncio.gather(*document_tasks.values()), strict=False)
            )
            firsts = dict(zip(firsts_pending, await asyncio.gather(*firsts_pending.values()), strict=False))
        except BaseException:
            # A failure that ends the crawl (the raw store cannot write, the run is cancelled)
            # must not leave fetches running against a closed client.
            pending = [*walks, *firsts_pending.values(), *document_tasks.values()]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            raise
        retry = [
            key
            for key, (outcome, _, result) in firsts.items()
            if outcome in _SECOND_TRY and not fetcher.host_gave_up(result.url)
        ]
        document_retry = [
            key
            for key, (outcome, _, result) in document_firsts.items()
            if outcome in _SECOND_TRY and not fetcher.host_gave_up(result.url)
        ]
        second_tries = await asyncio.gather(
            *(fetch_article(key, work[key]) for key in retry),
            *(
                fetch_document(fetcher, crawl, record, workers, profile, key, document_urls[key])
                for key in document_retry
            ),
        )
        seconds = dict(zip(retry, second_tries[: len(retry)], strict=False))
        finals = firsts | seconds
        document_seconds = dict(zip(document_retry, second_tries[len(retry) :], strict=False))
        document_finals = document_firsts | document_seconds
        confirmed_gone, gone_seen = _removals(retry, firsts, seconds, state.articles)
        documents_gone, documents_gone_seen = _removals(
            [key for key in document_retry if key in known_documents],
            document_firsts,
            document_seconds,
            state.documents,
        )
        for key in retry:
            observer.article_done(seconds[key][0] in _DONE or key in confirmed_gone, again=True)
        for key in sorted(confirmed_gone, key=list(work).index):
            crawl.gone.append(Gone(key, work[key], seconds[key][2].fetched_at))
        for key in sorted(documents_gone, key=list(document_urls).index):
            crawl.gone_documents.append(Gone(key, document_urls[key], document_seconds[key][2].fetched_at))

        for result in fetcher.robots_fetches:
            record(result)
        for outage in fetcher.outages:
            crawl.state.outages.append(
                OutageRow(
                    outage.host,
                    outage.opened_at,
                    outage.closed_at,
                    outage.failures,
                    outage.skipped,
                    outage.last_error,
                )
            )

    for fetch in crawl.fetches:
        if fetch.kind == "listing" and fetch.outcome != Outcome.OK:
            crawl.failures.append((fetch.url, fetch.error or fetch.outcome))
    crawl.failures += crawl.short_pages
    for key, (outcome, error, _result) in finals.items():
        if outcome in _SETTLED or key in confirmed_gone or outcome in _NOT_FAILURES:
            continue
        reason = error or outcome
        if outcome == Outcome.GONE:
            reason = f"{reason} (not confirmed by a second request)"
        crawl.failures.append((work[key], reason))

    # The frontier: new URLs that this run could not settle wait for the next one.
    for key, (outcome, error, _result) in finals.items():
        if key not in new:
            continue
        if key in observed or key in confirmed_gone:
            if key in state.frontier:
                crawl.state.frontier_done.append(key)
        else:
            crawl.state.frontier_pending.append(
                FrontierEntry(key, new[key], result.fetched_at, outcome, error)
            )
    crawl.state.frontier_done.extend(key for key in state.frontier if key in known)
    _settle_documents(crawl, state, known_documents, document_urls, document_finals, documents_gone)

    if remembered:
        checked = {
            key: (o.url, o.content_hash, _published(o, state.articles.get(key)), r)
            for key, (o, r) in observed.items()
        }
        _schedule(
            crawl.state.schedules,
            crawl.state,
            state.articles,
            policy,
            finals,
            checked,
            confirmed_gone,
            gone_seen,
        )
        _schedule(
            crawl.state.document_schedules,
            crawl.state,
            state.documents,
            policy,
            document_finals,
            _documents_checked(crawl, document_finals),
            documents_gone,
            documents_gone_seen,
        )
    return crawl


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


def _tell_done(observer: CrawlObserver):
    """A done-callback that tells `observer` how an article's first fetch went."""

    def done(task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is None:
            observer.article_done(task.result()[0] in _DONE)

    return done


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
    crawl: PortalCrawl, state: PortalState, known: dict, urls: dict[str, str], finals: dict, gone: set[str]
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


def _parsed_before(prior: KnownArticle | None, body: bytes, today: frozenset[str]) -> bool:
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
    for key, (outcome, error, _result) in finals.items():
        prior = priors.get(key)
        if prior is None:
            continue
        if outcome == Outcome.NOT_MODIFIED:
            update.not_modified.append(NotModified(key, result.url, prior.content_hash, result.fetched_at))
            schedules.append(
                _next(
                    key,
                    prior.url,
                    prior,
                    False,
                    prior.published_at,
                    result.fetched_at,
                    policy,
                    result.etag or prior.etag,
                    result.last_modified or prior.last_modified,
                    prior.content_hash,
                )
            )
        elif key in confirmed_gone:
            schedules.append(
                _next(
                    key,
                    prior.url,
                    prior,
                    False,
                    prior.published_at,
                    result.fetched_at,
                    policy,
                    None,
                    None,
                    None,
                )
            )
        elif key not in checked and outcome not in _SETTLED | _NOT_FAILURES:
            schedules.append(_failed(key, prior, outcome, error, result.fetched_at, policy, key in gone_seen))


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
) -> tuple[str, str | None, FetchResult]:
    """Fetch and parse an official document page, then its files (text extracted from PDFs);
    returns (outcome, error, result) of the page's fetch."""
    from dataclasses import replace
    from urllib.parse import urljoin

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
                await workers.run(attachment_file, fetched.body, attachment, _sha256(fetched.body), file_url)
            )
        except ExtractionError as exc:
            record(fetched, "extraction_failed", exc.reason)
            warnings.append(f"attachment {attachment.url}: {exc.reason}")
            continue
        record(fetched)
    document = replace(document, files=tuple(files), warnings=tuple(warnings))
    crawl.documents.append(DocumentObservation(key, url, document, raw_hash or "", result.fetched_at))
    return Outcome.OK, None, result


def _sha256(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def _parser_change_only(
    known: KnownArticle | None,
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
