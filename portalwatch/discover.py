"""Discover stage: walk a section's listing pages, newest first, into article URLs.

A first crawl walks every page: page 1 tells how many there are (from the
pager), and the rest are fetched concurrently within the portal's limits. An
incremental run walks from the newest page and stops once `known_stop`
entries in a row are already known, so a run with nothing new costs about one
listing page per section.

Nothing a walk missed is forgotten. A page that failed, or came back with
fewer entries than the pager says it holds (a page before the last one holds
`page_size`; the last one the rest of the stated total), is *missing*; an
incremental walk that stopped before reaching known entries (a failed page, a
run's page cap) leaves a *resume* page. The next run goes back for exactly
those pages (:class:`Repair`), moved by as many entries as the list grew or
shrank since, and walks on from each resume page as an incremental walk does.

Each walk also says how many entries the portal states the section holds:
from the pager's total (``41-50 of 3421``), or, when the pager gives only a
page count, counted from its last page (fetched for that when the walk did
not reach it), or estimated as pages × page size when that page failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from portalwatch.config import Section, Source
from portalwatch.errors import WrongPage
from portalwatch.fetch import WRONG_PAGE_OUTCOMES, FetchResult, PageJudge, PortalFetcher, Validators
from portalwatch.parse import ListingCheck, ListingPage
from portalwatch.parse.profile import Profile
from portalwatch.record import article_id

STATED, COUNTED, ESTIMATED = "stated", "counted", "estimated"


@dataclass(frozen=True, slots=True)
class Repair:
    """What an earlier walk of a section left undone, for the next run to go back for."""

    pages: tuple[int, ...]  # listing pages that failed or came back short
    resume_pages: tuple[int, ...] = ()  # incremental walks stopped here before reaching known entries
    entries: int | None = None  # the list's length then: pages shift as entries are added or removed


@dataclass(slots=True)
class SectionDiscovery:
    section: str
    article_urls: list[str]  # newest first, no repeats
    listing_pages: int  # pages fetched
    total_pages: int | None
    complete: bool = False  # nothing outstanding: no missing page, no walk to resume
    entries: int | None = None  # how many entries the portal says the section holds
    entries_basis: str | None = (
        None  # stated (by the pager), counted (last page read) or estimated (pages × size)
    )
    missing_pages: tuple[int, ...] | None = None  # None: unknown (the first page failed on a full walk)
    resume_pages: tuple[int, ...] = ()
    short_pages: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)
    repair: Repair | None = None  # what the next run goes back for; None: it walks the whole listing


def listing_url(section: Section, page: int, page_size: int) -> str:
    return section.listing_url.format(page=page, offset=(page - 1) * page_size)


class WarmStart:
    """A portal's fetcher whose first requests are already under way: page 1 of every section
    (and with it each host's robots.txt), started as soon as the fetcher opens, while the run
    still reads what the warehouse knows of the portal.

    Every walk of a whole-listing crawl begins with page 1, so nothing is fetched that the
    walk would not have fetched itself; the walk's own request for it takes the answer
    already there. Everything else goes to the fetcher as it is.
    """

    def __init__(self, fetcher: PortalFetcher, source: Source, profile: Profile):
        self.fetcher = fetcher
        self._first: dict[str, tuple[asyncio.Task[FetchResult], ListingCheck]] = {}
        for section in source.sections:
            url = listing_url(section, 1, source.page_size)
            if url in self._first:
                continue
            check = ListingCheck(profile, source.page_size, _listing_rules(section, profile), 1)
            task = asyncio.ensure_future(fetcher.fetch(url, "listing", judge=check))
            self._first[url] = (task, check)

    def __getattr__(self, name: str):
        return getattr(self.fetcher, name)

    async def __aenter__(self) -> WarmStart:
        return self

    async def __aexit__(self, *exc_info) -> None:
        """Requests nobody asked for in the end (the run failed first) are not left running."""
        tasks = [task for task, _ in self._first.values()]
        self._first.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def fetch(
        self, url: str, kind: str, validators: Validators | None = None, judge: PageJudge | None = None
    ) -> FetchResult:
        started = self._first.pop(url, None) if kind == "listing" and validators is None else None
        if started is None:
            return await self.fetcher.fetch(url, kind, validators, judge)
        task, check = started
        result = await task
        if result.ok and judge is not None:
            _judge_again(judge, check, result)
        return result


def _judge_again(judge: PageJudge, check: ListingCheck, result: FetchResult) -> None:
    """The caller's judge of a page the warm start judged already: the same check reads the same page."""
    if isinstance(judge, ListingCheck) and (
        judge.profile,
        judge.page_size,
        judge.rules,
        judge.page_number,
    ) == (check.profile, check.page_size, check.rules, check.page_number):
        judge.page = check.page
        return
    try:
        judge(result)
    except WrongPage as refused:
        result.outcome, result.error, result.error_class = (
            WRONG_PAGE_OUTCOMES[result.kind],
            refused.reason,
            "WrongPage",
        )


class _Walk:
    """One walk of one section: the pages read, what they listed, and what they lacked."""

    def __init__(
        self,
        fetcher: PortalFetcher,
        source: Source,
        section: Section,
        profile: Profile,
        record: Callable[[FetchResult], None],
        on_page: Callable[[tuple[str, ...]], None] | None,
    ):
        self.fetcher, self.source, self.section, self.profile = fetcher, source, section, profile
        self.record, self.on_page = record, on_page
        self.size = source.page_size
        self.found: dict[str, None] = {}
        self.listed: dict[int, tuple[str, int]] = {}  # page -> (URL, entries it listed)
        self.failed: set[int] = set()
        self.fetched = 0
        self.total_pages: int | None = None
        self.stated: int | None = None
        self.resumes: set[int] = set()
        self.left: list[int] = []  # pages still missing that this run did not get to

    async def listing(self, page: int) -> ListingPage | None:
        listing_page = await read_listing(
            self.fetcher, self.source, self.section, self.profile, page, self.record, self.on_page
        )
        if listing_page is None:
            return None
        self.listed[page] = (listing_url(self.section, page, self.size), len(listing_page.article_urls))
        return listing_page

    async def read(self, page: int) -> ListingPage | None:
        self.fetched += 1
        listing_page = await self.listing(page)
        if listing_page is None:
            self.failed.add(page)
            return None
        self.found.update(dict.fromkeys(listing_page.article_urls))
        return listing_page

    async def read_all(self, pages) -> None:
        await asyncio.gather(*(self.read(page) for page in pages))

    async def first(self) -> ListingPage | None:
        first = await self.read(1)
        if first is not None:
            self.total_pages, self.stated = first.total_pages, first.stated_entries
        return first

    async def walk_on(self, page: int, streak: int | None, known_ids: set[str], cap: int) -> None:
        """Read pages from `page` on, one by one, until `known_stop` known entries in a row
        (`streak` None: to the end of the list); where it stops short, a later run resumes."""
        while streak is None or streak < self.source.known_stop:
            if (
                self.total_pages is not None
                and page > self.total_pages
                or page > self.source.max_listing_pages
            ):
                break
            if page > cap:
                self.resumes.add(page)
                break
            known = len(self.found)
            current = await self.read(page)
            if current is None:
                self.resumes.add(page)
                break
            if not current.article_urls:
                break  # past the end of the list
            if self.total_pages is None and page > 1 and len(current.article_urls) < self._most_listed(page):
                break  # with no pager to say so, a page shorter than the ones before it is the last one
            if page > 1 and len(self.found) == known:
                # Nothing this walk had not read already: past its end, many portals answer any page
                # number with their last page (or their first) again, so the walk ends here.
                break
            if streak is not None:
                streak = _known_streak(current.article_urls, self.source.id, known_ids, streak)
            page += 1

    def _most_listed(self, before: int) -> int:
        return max((entries for number, (_, entries) in self.listed.items() if number < before), default=0)

    def shifted(self, page: int, delta: int) -> range:
        """The pages where the entries once on `page` are now, the list having grown by `delta`."""
        first = max(0, (page - 1) * self.size + delta)
        last = max(first, page * self.size - 1 + delta)
        end = min(self.total_pages or last // self.size + 1, self.source.max_listing_pages)
        return range(first // self.size + 1, min(last // self.size + 1, end) + 1)

    def entries(self) -> tuple[int | None, str | None]:
        """How many entries the portal says the section holds, and on what basis."""
        if self.stated is not None:
            return self.stated, STATED
        if self.total_pages is None:
            return None, None
        if self.total_pages in self.listed:
            return (self.total_pages - 1) * self.size + self.listed[self.total_pages][1], COUNTED
        return self.total_pages * self.size, ESTIMATED

    def short(self) -> dict[int, tuple[str, str]]:
        """Pages that listed fewer entries than the pager says they hold: page -> (URL, reason)."""
        out = {}
        for page, (url, entries) in self.listed.items():
            if self.total_pages is None or page > self.total_pages:
                continue
            if page < self.total_pages:
                expected = self.size
            elif self.stated is not None:
                expected = min(self.size, self.stated - (page - 1) * self.size)
            else:
                continue
            if entries < expected:
                out[page] = (
                    url,
                    f"listing page came back short: {entries} of {expected} entries "
                    "(check the source's page_size if every page says this)",
                )
        return out

    def discovery(self, repair_entries: int | None = None) -> SectionDiscovery:
        """What the walk found; `repair_entries`: the list's length the pages left over refer to, when not today's."""
        entries, basis = self.entries()
        short = self.short()
        missing = tuple(sorted((self.failed | set(short) | set(self.left)) - self.resumes))
        resumes = tuple(sorted(self.resumes))
        repair = Repair(missing, resumes, repair_entries if repair_entries is not None else entries)
        return SectionDiscovery(
            self.section.name,
            list(self.found),
            self.fetched,
            self.total_pages,
            not missing and not resumes,
            entries,
            basis,
            missing,
            resumes,
            list(short.values()),
            repair,
        )


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
    repair: Repair | None = None,
) -> SectionDiscovery:
    """Article URLs of one section; `record` is called with every listing fetch,
    `on_page` with the article URLs of every listing page as soon as it is parsed
    (so their fetches can start while the walk goes on). An incremental walk
    (`full` false) also goes back for what `repair` lists."""
    cap = min(source.max_listing_pages, max_pages or source.max_listing_pages)
    walk = _Walk(fetcher, source, section, profile, record, on_page)
    if full:
        await _full_walk(walk, cap)
        discovery = walk.discovery()
        if not walk.found:
            # Nothing known of the list (its first page failed, or listed nothing): walk it whole again.
            discovery.missing_pages, discovery.repair, discovery.complete = None, None, False
        return discovery
    first = await walk.first()
    if first is None:
        # Nothing learnt: what was outstanding still is, and this run's new entries wait for the next head walk.
        walk.resumes = {1, *(repair.resume_pages if repair else ())}
        walk.left = list(repair.pages if repair else ())
        return walk.discovery(repair.entries if repair else None)
    if first.article_urls:
        await walk.walk_on(2, _known_streak(first.article_urls, source.id, known_ids, 0), known_ids, cap)
    if (
        walk.stated is None
        and walk.total_pages
        and walk.total_pages not in walk.listed
        and walk.fetched < cap
    ):
        await walk.read(walk.total_pages)  # the pager gives only a page count: count the last page's entries
    if repair is not None:
        await _go_back(walk, repair, known_ids, cap)
    return walk.discovery()


async def _full_walk(walk: _Walk, cap: int) -> None:
    first = await walk.first()
    if first is None:
        return
    if walk.total_pages:
        end = min(walk.total_pages, walk.source.max_listing_pages)
        await walk.read_all(range(2, min(end, cap) + 1))
        walk.left = list(range(cap + 1, end + 1))
    elif first.article_urls:
        await walk.walk_on(2, None, set(), cap)


async def _go_back(walk: _Walk, repair: Repair, known_ids: set[str], cap: int) -> None:
    """Resume the walks an earlier run stopped short, then read again the pages it missed, where they are now."""
    now, _ = walk.entries()
    delta = now - repair.entries if now is not None and repair.entries is not None else 0
    for resume_page in repair.resume_pages:
        start = walk.shifted(resume_page, delta).start
        if start not in walk.listed and start not in walk.failed:  # else this run's walk went past it already
            await walk.walk_on(start, 0, known_ids, cap)
    pages = sorted(
        {page for missing in repair.pages for page in walk.shifted(missing, delta)} - set(walk.listed)
    )
    budget = max(0, cap - walk.fetched)
    walk.left = pages[budget:]
    await walk.read_all(pages[:budget])


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
    found: dict[str, None] = {}
    total = None
    listings = (read_listing(fetcher, source, section, profile, page, record, on_page) for page in pages)
    for listing_page in await asyncio.gather(*listings):
        if listing_page is not None:
            found.update(dict.fromkeys(listing_page.article_urls))
            total = listing_page.total_pages or total
    return SectionDiscovery(section.name, list(found), len(pages), total)


async def listing_page_count(
    fetcher: PortalFetcher,
    source: Source,
    section: Section,
    profile: Profile,
    record: Callable[[FetchResult], None],
) -> int | None:
    """How many listing pages a section has now, from the pager of its first page."""
    first = await fetch_listing(fetcher, source, section, profile, 1, record)
    return first.total_pages if first is not None else None


async def read_listing(
    fetcher: PortalFetcher,
    source: Source,
    section: Section,
    profile: Profile,
    page: int,
    record: Callable[[FetchResult], None],
    on_page: Callable[[tuple[str, ...]], None] | None,
) -> ListingPage | None:
    """One listing page, as :func:`fetch_listing` gives it; `on_page` is told the URLs it lists as soon as it is parsed."""
    listing_page = await fetch_listing(fetcher, source, section, profile, page, record)
    if listing_page is not None and on_page is not None:
        on_page(listing_page.article_urls)
    return listing_page


async def fetch_listing(
    fetcher: PortalFetcher,
    source: Source,
    section: Section,
    profile: Profile,
    page: int,
    record: Callable[[FetchResult], None],
) -> ListingPage | None:
    """One listing page, when the answer is one (the fetcher retries an answer that is not); `record` sees the fetch."""
    check = ListingCheck(profile, source.page_size, _listing_rules(section, profile), page)
    result = await fetcher.fetch(listing_url(section, page, source.page_size), "listing", judge=check)
    record(result)
    if not result.ok or check.page is None:
        return None
    return check.page
