"""The records the stages hand one another: what a crawl saw, what the crawler remembers,
what a load changed.

The crawl builds them, the loader stores them, the flows report them; none of those
imports another for its records, only this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from portalwatch.config import Source
from portalwatch.parse.documents import DocumentRecord, Reference
from portalwatch.record import ArticleRecord
from portalwatch.schedule import ArticleSchedule

if TYPE_CHECKING:
    from portalwatch.storage.similarity import Fingerprint


# -------------------------------------------------------------- what a crawl saw


@dataclass(frozen=True, slots=True)
class SourceRow:
    source_id: str
    name: str
    level: str
    profile: str
    base_url: str
    status: str = "active"  # active | frozen | closed
    active_from: date | None = None
    active_until: date | None = None
    successors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FetchRow:
    source_id: str
    url: str
    kind: str
    fetched_at: datetime
    status: int | None
    outcome: str
    error: str | None
    attempts: int
    elapsed_ms: float
    size: int
    raw_hash: str | None
    error_class: str | None = None
    final_url: str | None = None
    charset: str | None = None
    conditional: bool = False
    tls_verified: bool = True
    via: str = "live"  # live | archive | warc
    archive: str | None = None  # the archive (or WARC file) a capture came from
    capture_timestamp: str | None = None  # the archive's 14-digit timestamp of the capture
    payload_digest: str | None = None  # sha1:BASE32 of the body (archives' and WARC's digest), for captures


@dataclass(frozen=True, slots=True)
class Observation:
    """An article page that parsed: its record as seen at `fetched_at`.

    `record` is None when the page was not parsed again because it is the very
    raw page the current version was parsed from, read by today's parser: the
    article was seen unchanged.
    """

    article_id: str
    url: str
    record: ArticleRecord | None
    content_hash: str
    raw_hash: str
    fetched_at: datetime
    # The page is what it was; only the parser reads it differently (the
    # stored raw page of the current version, parsed again, gives this hash).
    reparsed: bool = False
    # Derived from the record by the parse stage (`portalwatch.storage.derive.derive`);
    # None: the loader computes them for the versions it adds.
    fingerprint: Fingerprint | None = None
    references: tuple[Reference, ...] | None = None


@dataclass(frozen=True, slots=True)
class DocumentObservation:
    """An official document page that parsed, with its files."""

    document_id: str
    url: str
    record: DocumentRecord
    raw_hash: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class Gone:
    """A definite answer that an article (or a document) is no longer published (404/410, twice)."""

    article_id: str
    url: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class KnownArticle:
    article_id: str
    url: str
    removed: bool
    content_hash: str | None = None
    parser_version: str | None = None  # of the current version
    raw_hash: str | None = None  # the raw page the current version was parsed from
    kind: str = "article"  # article | document


@dataclass(frozen=True, slots=True)
class KnownKeys:
    """The ids of a portal's known articles and documents, without what is known of each: all a
    crawl that fetches no known page again (`Revisit.NONE`) asks of them, at a sixth of the
    memory of their :class:`KnownArticle` (a backfill reads them again at every chunk). A crawl
    that revisits the due ones finds the rest in their schedules (:meth:`of`)."""

    articles: AbstractSet[str]
    documents: AbstractSet[str]

    @classmethod
    def of(cls, state: PortalState) -> KnownKeys:
        """The pages a crawl memory read with its articles' schedules holds: every known one
        (the keys of its schedules, not a copy of them)."""
        return cls(state.articles.keys(), state.documents.keys())


class CurrentVersion(Protocol):
    """What a crawl asks of a known page's current version when it fetches the page again:
    a :class:`KnownArticle`, or the page's schedule."""

    @property
    def content_hash(self) -> str | None: ...
    @property
    def removed(self) -> bool: ...
    @property
    def raw_hash(self) -> str | None: ...
    @property
    def parser_version(self) -> str | None: ...


# -------------------------------------------------------------- the crawler's memory


@dataclass(frozen=True, slots=True)
class PortalState:
    """A portal's crawl memory, as the crawl starts."""

    articles: dict[str, ArticleSchedule] = field(default_factory=dict)
    frontier: dict[str, str] = field(default_factory=dict)  # article id -> URL
    walks: dict[str, ListingWalk] = field(default_factory=dict)  # section -> its last walk
    document_frontier: dict[str, str] = field(default_factory=dict)  # document id -> URL
    documents: dict[str, ArticleSchedule] = field(default_factory=dict)  # the schedules of known documents


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    article_id: str
    url: str
    etag: str | None
    last_modified: str | None
    validated_hash: str | None
    last_checked_at: datetime
    last_changed_at: datetime | None
    interval: timedelta
    next_revisit_at: datetime
    checks: int
    changes_seen: int
    failed_checks: int = 0  # in a row; 0 once a check settles the article
    last_failure: str | None = None
    unconfirmed_removal_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304 to a conditional request: the page is still the stored version `content_hash`."""

    article_id: str
    url: str
    content_hash: str
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    article_id: str
    url: str
    attempted_at: datetime
    outcome: str
    error: str | None
    kind: str = "article"  # or "document"


@dataclass(frozen=True, slots=True)
class ListingWalk:
    """A section's walk, and what it left for the next run to go back for."""

    section: str
    complete: bool
    total_pages: int | None
    pages_fetched: int
    walked_at: datetime
    entries: int | None = None  # the list's length the pages below refer to
    missing_pages: tuple[int, ...] | None = None  # None: unknown, walk the whole listing
    resume_pages: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SectionMember:
    """An entry (article or document) a section's listing named."""

    section: str
    item_id: str
    kind: str  # article | document
    url: str
    listed_at: datetime


@dataclass(frozen=True, slots=True)
class SectionCoverage:
    """One section's walk in one run, against the portal's own count (see storage.coverage)."""

    section: str
    kind: str  # articles | documents
    entries: int | None  # what the portal says the section holds
    entries_basis: str | None  # stated | counted | estimated
    total_pages: int | None
    listed: int  # distinct entries the walk's pages named
    pages_fetched: int
    missing_pages: tuple[int, ...] | None
    resume_pages: tuple[int, ...]
    complete: bool
    walked_at: datetime


@dataclass(frozen=True, slots=True)
class OutageRow:
    host: str
    opened_at: datetime
    closed_at: datetime | None
    failures: int
    skipped: int
    last_error: str | None


@dataclass
class PortalStateUpdate:
    """What one crawl changes in the portal's crawl memory."""

    schedules: list[ScheduleRow] = field(default_factory=list)
    document_schedules: list[ScheduleRow] = field(default_factory=list)
    not_modified: list[NotModified] = field(default_factory=list)
    frontier_pending: list[FrontierEntry] = field(default_factory=list)
    frontier_done: list[str] = field(default_factory=list)
    walks: list[ListingWalk] = field(default_factory=list)
    outages: list[OutageRow] = field(default_factory=list)
    members: list[SectionMember] = field(default_factory=list)
    coverage: list[SectionCoverage] = field(default_factory=list)


# -------------------------------------------------------------- one portal's crawl, and its load


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


@dataclass(frozen=True, slots=True)
class Coverage:
    """One section's coverage in a run, beside the previous run's."""

    section: str
    kind: str
    entries: int | None  # what the portal says it holds
    basis: str | None  # stated | counted | estimated
    listed: int
    held: int
    pct: float | None
    missing_pages: list[int] | None
    resume_pages: list[int]
    complete: bool
    previous_pct: float | None

    @property
    def dropped(self) -> bool:
        """Less of the section is held than at the previous run that had a figure (to a tenth of a percent).

        Against an estimated total (pages × page size, the last page unread) a lower figure
        says nothing of what is held: no drop is claimed."""
        if self.pct is None or self.previous_pct is None or self.basis == "estimated":
            return False
        return round(self.pct, 1) < round(self.previous_pct, 1)

    def as_dict(self) -> dict:
        return asdict(self) | {"dropped": self.dropped}


@dataclass
class LoadSummary:
    created: int = 0
    updated: int = 0
    removed: int = 0
    restored: int = 0
    unchanged: int = 0
    reparsed: int = 0  # new versions caused by a parser change, not by the portal
    documents: int = 0  # new document versions
    documents_removed: int = 0
    documents_restored: int = 0
    references: int = 0  # references recorded
    changes: list[tuple[str, str]] = field(default_factory=list)  # (change_type, url)
    coverage: list[Coverage] = field(default_factory=list)  # per section walked, against the previous run
