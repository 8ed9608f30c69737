"""What the crawler remembers between runs (schema 004, 007): validators and revisit
schedules per article, the frontier of discovered but unrecorded URLs, what each
section's listing walk left undone, which entries each section lists, and the
outages met.

Read once per portal before a crawl (:func:`read_portal_state`), written in the
portal's load transaction (:func:`write_portal_state`), through Arrow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from portalwatch.schedule import ArticleSchedule

ARTICLE_SCHEDULES_SQL = """
SELECT s.article_id, s.url, s.content_hash, s.removed_at IS NOT NULL AS removed, v.published_at, s.last_seen,
       f.etag, f.last_modified, f.validated_hash, f.revisit_interval_s, f.next_revisit_at, f.checks, f.changes_seen, f.last_changed_at,
       f.last_checked_at, f.failed_checks, f.unconfirmed_removal_at
FROM article_state AS s
LEFT JOIN article_versions AS v ON v.article_id = s.article_id AND v.version = s.current_version
LEFT JOIN article_fetch_state AS f ON f.article_id = s.article_id
WHERE s.source_id = ?
"""
# A document's schedule is an article's; its age is its issue date's.
DOCUMENT_SCHEDULES_SQL = """
SELECT d.document_id, d.url, d.content_hash, s.removed_at IS NOT NULL AS removed, d.issued_date::TIMESTAMPTZ,
       coalesce(f.last_checked_at, d.valid_from),
       f.etag, f.last_modified, f.validated_hash, f.revisit_interval_s, f.next_revisit_at, f.checks, f.changes_seen,
       f.last_changed_at, f.last_checked_at, f.failed_checks, f.unconfirmed_removal_at
FROM documents AS d
LEFT JOIN document_state AS s ON s.document_id = d.document_id
LEFT JOIN document_fetch_state AS f ON f.document_id = d.document_id
WHERE d.source_id = ?
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""
FRONTIER_SQL = """
SELECT article_id, url, coalesce(kind, 'article') FROM crawl_frontier WHERE source_id = ? ORDER BY first_seen_at, article_id
"""
WALKS_SQL = """
SELECT section, walk_complete, total_pages, pages_fetched, walked_at, entries, missing_pages, resume_pages
FROM listing_walks WHERE source_id = ?
"""

UPSERT_SCHEDULES_SQL = """
INSERT OR REPLACE INTO article_fetch_state (article_id, source_id, url, etag, last_modified, validated_hash,
    last_checked_at, last_changed_at, revisit_interval_s, next_revisit_at, checks, changes_seen, failed_checks, last_failure,
    unconfirmed_removal_at)
SELECT article_id, source_id, url, etag, last_modified, validated_hash, last_checked_at, last_changed_at,
       revisit_interval_s, next_revisit_at, checks, changes_seen, failed_checks, last_failure, unconfirmed_removal_at
FROM schedule_rows
"""
UPSERT_DOCUMENT_SCHEDULES_SQL = UPSERT_SCHEDULES_SQL.replace(
    "article_fetch_state (article_id", "document_fetch_state (document_id"
)
# A 304 says the page is what we stored: it was seen, nothing else changes.
MARK_NOT_MODIFIED_SEEN_SQL = """
UPDATE article_state SET last_seen = n.fetched_at
FROM not_modified_rows AS n
WHERE article_state.article_id = n.article_id AND article_state.content_hash = n.content_hash
  AND article_state.removed_at IS NULL
"""
COUNT_NOT_MODIFIED_MATCHING_SQL = """
SELECT count(*) FROM not_modified_rows AS n JOIN article_state AS s USING (article_id)
WHERE s.content_hash = n.content_hash AND s.removed_at IS NULL
"""
UPSERT_FRONTIER_SQL = """
INSERT OR REPLACE INTO crawl_frontier (article_id, source_id, url, first_seen_at, last_attempt_at, attempts,
    last_outcome, last_error, kind)
SELECT p.article_id, p.source_id, p.url, coalesce(f.first_seen_at, p.attempted_at), p.attempted_at,
       coalesce(f.attempts, 0) + 1, p.outcome, p.error, p.kind
FROM frontier_rows AS p LEFT JOIN crawl_frontier AS f USING (article_id)
"""
DELETE_FRONTIER_SQL = "DELETE FROM crawl_frontier WHERE article_id IN (SELECT article_id FROM frontier_done)"
UPSERT_WALKS_SQL = """
INSERT OR REPLACE INTO listing_walks
    (source_id, section, walk_complete, total_pages, pages_fetched, walked_at, entries, missing_pages, resume_pages)
SELECT source_id, section, walk_complete, total_pages, pages_fetched, walked_at, entries, missing_pages, resume_pages
FROM walk_rows
"""
UPSERT_MEMBERS_SQL = """
INSERT OR REPLACE INTO section_members
SELECT m.source_id, m.section, m.item_id, m.kind, m.url, coalesce(s.first_listed_at, m.listed_at), m.listed_at
FROM member_rows AS m
LEFT JOIN section_members AS s USING (source_id, section, item_id)
"""
INSERT_OUTAGES_SQL = "INSERT INTO portal_outages SELECT * FROM outage_rows"

_TS = pa.timestamp("us", tz="UTC")


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


def read_portal_state(con: duckdb.DuckDBPyConnection, source_id: str) -> PortalState:
    articles = _schedules(con, ARTICLE_SCHEDULES_SQL, source_id)
    schedules = _schedules(con, DOCUMENT_SCHEDULES_SQL, source_id)
    frontier_rows = con.execute(FRONTIER_SQL, [source_id]).fetchall()
    frontier = {key: url for key, url, kind in frontier_rows if kind == "article"}
    documents = {key: url for key, url, kind in frontier_rows if kind == "document"}
    walks = {}
    for row in con.execute(WALKS_SQL, [source_id]).fetchall():
        section, complete, total_pages, fetched, walked_at, entries, missing, resume = row
        missing = tuple(missing) if missing is not None else None
        walks[section] = ListingWalk(
            section, complete, total_pages, fetched, walked_at, entries, missing, tuple(resume or ())
        )
    return PortalState(articles, frontier, walks, documents, schedules)


def _schedules(con: duckdb.DuckDBPyConnection, sql: str, source_id: str) -> dict[str, ArticleSchedule]:
    schedules = {}
    for row in con.execute(sql, [source_id]).fetchall():
        (
            item_id,
            url,
            content_hash,
            removed,
            published_at,
            last_seen,
            etag,
            last_modified,
            validated_hash,
            interval_s,
            next_revisit_at,
            checks,
            changes_seen,
            last_changed_at,
            last_checked_at,
            failed_checks,
            unconfirmed_removal_at,
        ) = row
        schedules[item_id] = ArticleSchedule(
            item_id,
            url,
            content_hash,
            removed,
            published_at,
            last_seen,
            etag,
            last_modified,
            validated_hash,
            timedelta(seconds=interval_s) if interval_s is not None else None,
            next_revisit_at,
            checks or 0,
            changes_seen or 0,
            last_changed_at,
            last_checked_at,
            failed_checks or 0,
            unconfirmed_removal_at,
        )
    return schedules


def write_portal_state(
    con: duckdb.DuckDBPyConnection, run_id: str, source_id: str, update: PortalStateUpdate
) -> int:
    """Write a crawl's update inside the caller's transaction; returns the 304s that matched the stored state."""
    unchanged = 0
    for rows, sql in (
        (update.schedules, UPSERT_SCHEDULES_SQL),
        (update.document_schedules, UPSERT_DOCUMENT_SCHEDULES_SQL),
    ):
        if not rows:
            continue
        _with(
            con,
            "schedule_rows",
            pa.table(
                {
                    "article_id": [r.article_id for r in rows],
                    "source_id": [source_id] * len(rows),
                    "url": [r.url for r in rows],
                    "etag": pa.array([r.etag for r in rows], pa.string()),
                    "last_modified": pa.array([r.last_modified for r in rows], pa.string()),
                    "validated_hash": pa.array([r.validated_hash for r in rows], pa.string()),
                    "last_checked_at": pa.array([r.last_checked_at for r in rows], _TS),
                    "last_changed_at": pa.array([r.last_changed_at for r in rows], _TS),
                    "revisit_interval_s": pa.array([r.interval.total_seconds() for r in rows], pa.float64()),
                    "next_revisit_at": pa.array([r.next_revisit_at for r in rows], _TS),
                    "checks": pa.array([r.checks for r in rows], pa.int32()),
                    "changes_seen": pa.array([r.changes_seen for r in rows], pa.int32()),
                    "failed_checks": pa.array([r.failed_checks for r in rows], pa.int32()),
                    "last_failure": pa.array([r.last_failure for r in rows], pa.string()),
                    "unconfirmed_removal_at": pa.array([r.unconfirmed_removal_at for r in rows], _TS),
                }
            ),
            sql,
        )
    if update.not_modified:
        rows = update.not_modified
        table = pa.table(
            {
                "article_id": [r.article_id for r in rows],
                "content_hash": [r.content_hash for r in rows],
                "fetched_at": pa.array([r.fetched_at for r in rows], _TS),
            }
        )
        con.register("not_modified_rows", table)
        try:
            unchanged = con.execute(COUNT_NOT_MODIFIED_MATCHING_SQL).fetchone()[0]
            con.execute(MARK_NOT_MODIFIED_SEEN_SQL)
        finally:
            con.unregister("not_modified_rows")
    if update.frontier_done:
        _with(
            con,
            "frontier_done",
            pa.table({"article_id": pa.array(update.frontier_done, pa.string())}),
            DELETE_FRONTIER_SQL,
        )
    if update.frontier_pending:
        rows = update.frontier_pending
        _with(
            con,
            "frontier_rows",
            pa.table(
                {
                    "article_id": [r.article_id for r in rows],
                    "source_id": [source_id] * len(rows),
                    "url": [r.url for r in rows],
                    "attempted_at": pa.array([r.attempted_at for r in rows], _TS),
                    "outcome": [r.outcome for r in rows],
                    "error": pa.array([r.error for r in rows], pa.string()),
                    "kind": [r.kind for r in rows],
                }
            ),
            UPSERT_FRONTIER_SQL,
        )
    if update.walks:
        rows = update.walks
        _with(
            con,
            "walk_rows",
            pa.table(
                {
                    "source_id": [source_id] * len(rows),
                    "section": [r.section for r in rows],
                    "walk_complete": pa.array([r.complete for r in rows], pa.bool_()),
                    "total_pages": pa.array([r.total_pages for r in rows], pa.int32()),
                    "pages_fetched": pa.array([r.pages_fetched for r in rows], pa.int32()),
                    "walked_at": pa.array([r.walked_at for r in rows], _TS),
                    "entries": pa.array([r.entries for r in rows], pa.int32()),
                    "missing_pages": pa.array(
                        [list(r.missing_pages) if r.missing_pages is not None else None for r in rows],
                        pa.list_(pa.int32()),
                    ),
                    "resume_pages": pa.array([list(r.resume_pages) for r in rows], pa.list_(pa.int32())),
                }
            ),
            UPSERT_WALKS_SQL,
        )
    if update.members:
        rows = update.members
        _with(
            con,
            "member_rows",
            pa.table(
                {
                    "source_id": [source_id] * len(rows),
                    "section": [r.section for r in rows],
                    "item_id": [r.item_id for r in rows],
                    "kind": [r.kind for r in rows],
                    "url": [r.url for r in rows],
                    "listed_at": pa.array([r.listed_at for r in rows], _TS),
                }
            ),
            UPSERT_MEMBERS_SQL,
        )
    if update.outages:
        rows = update.outages
        _with(
            con,
            "outage_rows",
            pa.table(
                {
                    "run_id": [run_id] * len(rows),
                    "source_id": [source_id] * len(rows),
                    "host": [r.host for r in rows],
                    "opened_at": pa.array([r.opened_at for r in rows], _TS),
                    "closed_at": pa.array([r.closed_at for r in rows], _TS),
                    "failures": pa.array([r.failures for r in rows], pa.int32()),
                    "skipped": pa.array([r.skipped for r in rows], pa.int32()),
                    "last_error": pa.array([r.last_error for r in rows], pa.string()),
                }
            ),
            INSERT_OUTAGES_SQL,
        )
    return unchanged


def _with(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table, sql: str) -> None:
    con.register(name, table)
    try:
        con.execute(sql)
    finally:
        con.unregister(name)
