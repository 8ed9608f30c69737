"""What the crawler remembers between runs (schema 004, 007): validators and revisit
schedules per article, the frontier of discovered but unrecorded URLs, what each
section's listing walk left undone, which entries each section lists, and the
outages met.

Read once per portal before a crawl (:func:`read_portal_state`), written in the
portal's load transaction (:func:`write_portal_state`), through Arrow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from sys import intern

import duckdb
import pyarrow as pa

from portalwatch.model import (
    FrontierEntry,
    ListingWalk,
    NotModified,
    OutageRow,
    PortalState,
    PortalStateUpdate,
    ScheduleRow,
    SectionMember,
)
from portalwatch.schedule import ArticleSchedule
from portalwatch.storage.backend import replace_for
from portalwatch.storage.sqlarrow import TS, register_for

# Each reads the portals named by {sources} (placeholders filled in by `read_for_portals`), source first.
# Every table joined is filtered by portal too (an item's rows all carry its portal): a join on
# the item's id alone scans the whole table, which grows with the warehouse (a million
# versions: 26-64 ms a portal's read, against 8-10 ms so, as in a warehouse of that portal alone).
ARTICLE_SCHEDULES_SQL = """
SELECT s.source_id, s.article_id, s.url, s.content_hash, s.removed_at IS NOT NULL AS removed, epoch_us(v.published_at),
       epoch_us(s.last_seen), f.etag, f.last_modified, f.validated_hash, f.revisit_interval_s, epoch_us(f.next_revisit_at),
       f.checks, f.changes_seen, epoch_us(f.last_changed_at), epoch_us(f.last_checked_at), f.failed_checks,
       epoch_us(f.unconfirmed_removal_at), v.raw_hash, v.parser_version
FROM article_state AS s
LEFT JOIN (SELECT * FROM article_versions WHERE source_id IN ({sources})) AS v
       ON v.article_id = s.article_id AND v.version = s.current_version
LEFT JOIN (SELECT * FROM article_fetch_state WHERE source_id IN ({sources})) AS f ON f.article_id = s.article_id
WHERE s.source_id IN ({sources})
"""
# A document's schedule is an article's; its age is its issue date's.
DOCUMENT_SCHEDULES_SQL = """
SELECT d.source_id, d.document_id, d.url, d.content_hash, s.removed_at IS NOT NULL AS removed,
       epoch_us(d.issued_date::TIMESTAMPTZ), epoch_us(coalesce(f.last_checked_at, d.valid_from)),
       f.etag, f.last_modified, f.validated_hash, f.revisit_interval_s, epoch_us(f.next_revisit_at), f.checks,
       f.changes_seen, epoch_us(f.last_changed_at), epoch_us(f.last_checked_at), f.failed_checks,
       epoch_us(f.unconfirmed_removal_at), d.raw_hash, d.parser_version
FROM documents AS d
LEFT JOIN (SELECT * FROM document_state WHERE source_id IN ({sources})) AS s ON s.document_id = d.document_id
LEFT JOIN (SELECT * FROM document_fetch_state WHERE source_id IN ({sources})) AS f ON f.document_id = d.document_id
WHERE d.source_id IN ({sources})
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""
FRONTIER_SQL = """
SELECT source_id, article_id, url, coalesce(kind, 'article') FROM crawl_frontier
WHERE source_id IN ({sources}) ORDER BY first_seen_at, article_id
"""
WALKS_SQL = """
SELECT source_id, section, walk_complete, total_pages, pages_fetched, walked_at, entries, missing_pages, resume_pages
FROM listing_walks WHERE source_id IN ({sources})
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


def read_portal_state(
    con: duckdb.DuckDBPyConnection, source_id: str, article_schedules: bool = True
) -> PortalState:
    """A portal's crawl memory; without its articles' schedules unless `article_schedules`
    (a crawl that fetches no known article again looks none up)."""
    return read_portal_states(con, [source_id], article_schedules)[source_id]


def read_portal_states(
    con: duckdb.DuckDBPyConnection, source_ids: Sequence[str], article_schedules: bool = True
) -> dict[str, PortalState]:
    """The crawl memories of several portals, by source id, in the statements of one: a run's
    crawls start together, and each statement reads its tables whole whatever the portals."""
    ids = list(dict.fromkeys(source_ids))
    articles = _schedules(con, ARTICLE_SCHEDULES_SQL, ids) if article_schedules else {}
    documents = _schedules(con, DOCUMENT_SCHEDULES_SQL, ids)
    frontiers: dict[str, dict[str, dict[str, str]]] = {}
    for source_id, key, url, kind in read_for_portals(con, FRONTIER_SQL, ids).fetchall():
        frontiers.setdefault(source_id, {}).setdefault(kind, {})[key] = url
    walks: dict[str, dict[str, ListingWalk]] = {}
    for row in read_for_portals(con, WALKS_SQL, ids).fetchall():
        source_id, section, complete, total_pages, fetched, walked_at, entries, missing, resume = row
        missing = tuple(missing) if missing is not None else None
        walks.setdefault(source_id, {})[section] = ListingWalk(
            section, complete, total_pages, fetched, walked_at, entries, missing, tuple(resume or ())
        )
    return {
        source_id: PortalState(
            articles.get(source_id, {}),
            frontiers.get(source_id, {}).get("article", {}),
            walks.get(source_id, {}),
            frontiers.get(source_id, {}).get("document", {}),
            documents.get(source_id, {}),
        )
        for source_id in ids
    }


def read_for_portals(
    con: duckdb.DuckDBPyConnection, sql: str, source_ids: Sequence[str]
) -> duckdb.DuckDBPyConnection:
    """`sql` executed for the portals `source_ids` (its {sources}, one numbered parameter each,
    wherever it appears)."""
    numbered = ", ".join(f"${n}" for n in range(1, len(source_ids) + 1))
    return con.execute(sql.format(sources=numbered), list(source_ids))


# A portal's memory is read whole for each crawl of it (and each chunk of a backfill), while
# other portals crawl: at 40,000 articles it is tens of MiB. DuckDB hands every value of every
# row as a new object; the reads share equal ones: ids, URLs and content hashes through
# `sys.intern` (so that the known articles, read beside the schedules, hold the same objects),
# instants within the read (a run stamps all it saw with one). Instants are read as
# microseconds since the epoch and made datetimes here, once each: DuckDB makes each
# TIMESTAMPTZ value a datetime through pytz, about 2.6 us a value, 15 times the rest of its read.
READ_ROWS = 5_000  # rows fetched at a time
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def at(microseconds: int | None) -> datetime | None:
    """The UTC datetime of microseconds since the epoch."""
    return None if microseconds is None else _since_epoch(microseconds)


def _since_epoch(microseconds: int) -> datetime:
    return EPOCH + timedelta(microseconds=microseconds)


def instants() -> Callable[[int | None], datetime | None]:
    """A reader's :func:`at` for the instants its rows share (when a run saw them): each
    distinct value made once."""
    made: dict[int, datetime] = {}

    def instant(microseconds: int | None) -> datetime | None:
        if microseconds is None:
            return None
        value = made.get(microseconds)
        if value is None:
            value = made[microseconds] = _since_epoch(microseconds)
        return value

    return instant


def fetched_rows(cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple]:
    """The rows of an executed query, READ_ROWS at a time."""
    while rows := cursor.fetchmany(READ_ROWS):
        yield from rows


def _schedules(
    con: duckdb.DuckDBPyConnection, sql: str, source_ids: list[str]
) -> dict[str, dict[str, ArticleSchedule]]:
    """The schedules `sql` reads, by portal, then by article (or document) id."""
    by_source: dict[str, dict[str, ArticleSchedule]] = {}
    instant = instants()
    label = {}.setdefault  # parser versions: a few values
    for row in fetched_rows(read_for_portals(con, sql, source_ids)):
        (
            source_id,
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
            raw_hash,
            parser_version,
        ) = row
        item_id = intern(item_id)
        schedules = by_source.get(source_id)
        if schedules is None:
            schedules = by_source[source_id] = {}
        schedules[item_id] = ArticleSchedule(
            item_id,
            intern(url),
            content_hash and intern(content_hash),
            removed,
            at(published_at),
            instant(last_seen),
            etag,
            last_modified,
            validated_hash and intern(validated_hash),
            timedelta(seconds=interval_s) if interval_s is not None else None,
            at(next_revisit_at),
            checks or 0,
            changes_seen or 0,
            instant(last_changed_at),
            instant(last_checked_at),
            failed_checks or 0,
            instant(unconfirmed_removal_at),
            raw_hash,
            label(parser_version, parser_version),
        )
    return by_source


def write_portal_state(
    con: duckdb.DuckDBPyConnection, run_id: str, source_id: str, update: PortalStateUpdate
) -> int:
    """Write a crawl's update inside the caller's transaction; returns the 304s that matched the stored state."""
    return write_portal_states(con, run_id, [(source_id, update)])[0]


def write_portal_states(
    con: duckdb.DuckDBPyConnection, run_id: str, updates: list[tuple[str, PortalStateUpdate]]
) -> list[int]:
    """Write the updates of several crawls, each of another portal (source id, update), inside the
    caller's transaction: each kind of row of them all in one statement, whose cost barely
    grows with its rows. Returns, per update, the 304s that matched the stored state."""

    def together(rows_of, table_of, name: str, sql: str) -> None:
        tables = [table_of(rows_of(update), source_id) for source_id, update in updates if rows_of(update)]
        if tables:
            replace_for(con, name, _concat(tables), sql)

    together(attrgetter("schedules"), _schedules_table, "schedule_rows", UPSERT_SCHEDULES_SQL)
    together(
        attrgetter("document_schedules"), _schedules_table, "schedule_rows", UPSERT_DOCUMENT_SCHEDULES_SQL
    )
    unchanged = [
        _mark_not_modified(con, update.not_modified) if update.not_modified else 0 for _, update in updates
    ]
    done = [key for _, update in updates for key in update.frontier_done]
    if done:
        table = pa.table({"article_id": pa.array(done, pa.string())})
        register_for(con, "frontier_done", table, DELETE_FRONTIER_SQL)
    together(attrgetter("frontier_pending"), _frontier_table, "frontier_rows", UPSERT_FRONTIER_SQL)
    together(attrgetter("walks"), _walks_table, "walk_rows", UPSERT_WALKS_SQL)
    together(attrgetter("members"), _members_table, "member_rows", UPSERT_MEMBERS_SQL)
    outages = [
        _outages_table(update.outages, run_id, source_id) for source_id, update in updates if update.outages
    ]
    if outages:
        register_for(con, "outage_rows", _concat(outages), INSERT_OUTAGES_SQL)
    return unchanged


def _concat(tables: list[pa.Table]) -> pa.Table:
    """The rows of several portals' tables of one kind (a column all None in one is typed by the others)."""
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")


def _mark_not_modified(con: duckdb.DuckDBPyConnection, rows: list[NotModified]) -> int:
    """Mark the 304s' articles seen; returns how many matched the stored state."""
    table = pa.table(
        {
            "article_id": [r.article_id for r in rows],
            "content_hash": [r.content_hash for r in rows],
            "fetched_at": pa.array([r.fetched_at for r in rows], TS),
        }
    )
    con.register("not_modified_rows", table)
    try:
        unchanged = con.execute(COUNT_NOT_MODIFIED_MATCHING_SQL).fetchone()[0]
        con.execute(MARK_NOT_MODIFIED_SEEN_SQL)
    finally:
        con.unregister("not_modified_rows")
    return unchanged


def _schedules_table(rows: list[ScheduleRow], source_id: str) -> pa.Table:
    return pa.table(
        {
            "article_id": [r.article_id for r in rows],
            "source_id": [source_id] * len(rows),
            "url": [r.url for r in rows],
            "etag": pa.array([r.etag for r in rows], pa.string()),
            "last_modified": pa.array([r.last_modified for r in rows], pa.string()),
            "validated_hash": pa.array([r.validated_hash for r in rows], pa.string()),
            "last_checked_at": pa.array([r.last_checked_at for r in rows], TS),
            "last_changed_at": pa.array([r.last_changed_at for r in rows], TS),
            "revisit_interval_s": pa.array([r.interval.total_seconds() for r in rows], pa.float64()),
            "next_revisit_at": pa.array([r.next_revisit_at for r in rows], TS),
            "checks": pa.array([r.checks for r in rows], pa.int32()),
            "changes_seen": pa.array([r.changes_seen for r in rows], pa.int32()),
            "failed_checks": pa.array([r.failed_checks for r in rows], pa.int32()),
            "last_failure": pa.array([r.last_failure for r in rows], pa.string()),
            "unconfirmed_removal_at": pa.array([r.unconfirmed_removal_at for r in rows], TS),
        }
    )


def _frontier_table(rows: list[FrontierEntry], source_id: str) -> pa.Table:
    return pa.table(
        {
            "article_id": [r.article_id for r in rows],
            "source_id": [source_id] * len(rows),
            "url": [r.url for r in rows],
            "attempted_at": pa.array([r.attempted_at for r in rows], TS),
            "outcome": [r.outcome for r in rows],
            "error": pa.array([r.error for r in rows], pa.string()),
            "kind": [r.kind for r in rows],
        }
    )


def _walks_table(rows: list[ListingWalk], source_id: str) -> pa.Table:
    return pa.table(
        {
            "source_id": [source_id] * len(rows),
            "section": [r.section for r in rows],
            "walk_complete": pa.array([r.complete for r in rows], pa.bool_()),
            "total_pages": pa.array([r.total_pages for r in rows], pa.int32()),
            "pages_fetched": pa.array([r.pages_fetched for r in rows], pa.int32()),
            "walked_at": pa.array([r.walked_at for r in rows], TS),
            "entries": pa.array([r.entries for r in rows], pa.int32()),
            "missing_pages": pa.array(
                [list(r.missing_pages) if r.missing_pages is not None else None for r in rows],
                pa.list_(pa.int32()),
            ),
            "resume_pages": pa.array([list(r.resume_pages) for r in rows], pa.list_(pa.int32())),
        }
    )


def _members_table(rows: list[SectionMember], source_id: str) -> pa.Table:
    return pa.table(
        {
            "source_id": [source_id] * len(rows),
            "section": [r.section for r in rows],
            "item_id": [r.item_id for r in rows],
            "kind": [r.kind for r in rows],
            "url": [r.url for r in rows],
            "listed_at": pa.array([r.listed_at for r in rows], TS),
        }
    )


def _outages_table(rows: list[OutageRow], run_id: str, source_id: str) -> pa.Table:
    return pa.table(
        {
            "run_id": [run_id] * len(rows),
            "source_id": [source_id] * len(rows),
            "host": [r.host for r in rows],
            "opened_at": pa.array([r.opened_at for r in rows], TS),
            "closed_at": pa.array([r.closed_at for r in rows], TS),
            "failures": pa.array([r.failures for r in rows], pa.int32()),
            "skipped": pa.array([r.skipped for r in rows], pa.int32()),
            "last_error": pa.array([r.last_error for r in rows], pa.string()),
        }
    )
