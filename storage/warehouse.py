"""The warehouse: one DuckDB file any DuckDB client opens, or a DuckLake shared by many machines.

`Warehouse` is the face the rest of portalwatch sees; the work is done beside it:
the connection and its writer lock (`storage.session`), the schema and its migrations
(`storage.schema`), the runs' bookkeeping (`storage.runs`), the change-tracking load
(`storage.load`, `storage.load_documents`) and the crawler's memory
(`storage.crawlstate`).

Both backends hold the same tables and views. A DuckLake (named by a spec,
``ducklake:postgres:dbname=… host=… [data_path=folder|s3://bucket/prefix]``) has no keys:
its writers keep them (`storage.backend`), and a write that meets another process's
change to the same table runs again whole (`portalwatch.lake.retry_conflicts`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, TypeVar

import duckdb

from portalwatch import lake
from portalwatch.errors import StorageError
from portalwatch.model import KnownArticle, KnownKeys, LoadSummary, PortalCrawl, PortalState
from portalwatch.storage import runs, schema
from portalwatch.storage.compat import explain_open_error
from portalwatch.storage.crawlstate import fetched_rows, read_portal_state, read_portal_states
from portalwatch.storage.load import load_portal, load_portals
from portalwatch.storage.session import Session, lake_session_for, open_file, session_for

if TYPE_CHECKING:
    from portalwatch.config import WarehouseSettings

T = TypeVar("T")

KNOWN_SQL = """
SELECT s.article_id, s.url, s.removed_at IS NOT NULL, s.content_hash, v.parser_version, v.raw_hash, 'article'
FROM article_state AS s
LEFT JOIN article_versions AS v ON v.article_id = s.article_id AND v.version = s.current_version
WHERE s.source_id = ?
UNION ALL
SELECT d.document_id, d.url, s.removed_at IS NOT NULL, d.content_hash, d.parser_version, d.raw_hash, 'document'
FROM documents AS d LEFT JOIN document_state AS s ON s.document_id = d.document_id
WHERE d.source_id = ? QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""

KNOWN_KEYS_SQL = """
SELECT article_id, 'article' FROM article_state WHERE source_id = ?
UNION ALL
SELECT DISTINCT document_id, 'document' FROM documents WHERE source_id = ?
"""

LATEST_ARTICLE_PAGES_SQL = """
SELECT url, raw_hash, fetched_at, charset FROM (
    SELECT url, raw_hash, fetched_at, charset, outcome,
           row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) AS newest
    FROM fetches
    WHERE source_id = ? AND kind = 'article' AND outcome IN ('ok', 'extraction_failed', 'gone')
)
WHERE newest = 1 AND outcome <> 'gone' AND raw_hash IS NOT NULL
ORDER BY url
"""

LAST_SEEN_SQL = """
SELECT article_id, greatest(last_seen, coalesce(removed_at, last_seen)) FROM article_state WHERE source_id = ?
"""
STORED_CAPTURES_SQL = """
SELECT DISTINCT url, payload_digest FROM fetches WHERE source_id = ? AND payload_digest IS NOT NULL
"""


def open_reader(location: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection of the caller's own (no writer lock): a DuckDB file opened
    read-only, or a DuckLake attached read-only as `lake` and used (queried unqualified)."""
    if lake.is_lake_spec(location):
        con = duckdb.connect()
        try:
            lake.attach_spec(con, str(location), alias="lake", read_only=True)
            con.execute("USE lake")
        except BaseException:
            con.close()
            raise
        return con
    try:
        return open_file(Path(location), read_only=True)
    except duckdb.Error as exc:
        raise StorageError(location, explain_open_error(location, exc)) from None


@contextmanager
def reading(
    location: str | Path, wait: float | None = None, on_wait: Callable[[], None] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection for a command that reads: a DuckLake attached read-only (its
    latest snapshot, whatever its writers do), or a DuckDB file opened between two loads.

    DuckDB lets no other process open a file while one writes to it, so a read of a file
    waits, up to `wait` seconds (default: as long as a writer waits), for a load in another
    process to end; `on_wait` is called once if it has to."""
    if lake.is_lake_spec(location):
        con = open_reader(location)
        try:
            yield con
        finally:
            con.close()
        return
    with session_for(Path(location)).turn(read_only=True, wait=wait, on_wait=on_wait) as con:
        yield con


class Warehouse:
    """A warehouse file or DuckLake spec: ``Warehouse(path).migrate()`` creates or upgrades it."""

    def __init__(
        self,
        path: str | Path,
        duckdb_config: dict[str, str | int] | None = None,
        row_group_size: int | None = None,
    ):
        """`path`: a DuckDB file, or a DuckLake spec ('ducklake:postgres:…'). `duckdb_config`
        (memory_limit, threads: `WarehouseSettings.duckdb_config()`) and `row_group_size` (rows
        per row group a writer appends: `WarehouseSettings.row_group_size`) apply to a file's
        connections in this process from the next one opened."""
        self.lake = lake.parse_spec(str(path)) if lake.is_lake_spec(path) else None
        self.path = Path(path)  # the file (for a DuckLake: its spec, as a name only)
        if self.lake is None:
            if duckdb_config is not None:
                session_for(self.path).config = dict(duckdb_config)
            if row_group_size is not None:
                session_for(self.path).row_group_size = row_group_size

    @classmethod
    def configured(cls, path: str | Path, settings: WarehouseSettings) -> Warehouse:
        """`path` with a sources file's ``[settings.warehouse]`` (its DuckDB settings and row group
        size) applied to the file's connections in this process, as every flow and command does."""
        return cls(path, settings.duckdb_config(), settings.row_group_size)

    def __str__(self) -> str:
        return str(self.lake) if self.lake else str(self.path)

    @property
    def session(self) -> Session:
        """This process's connection to the warehouse, shared by every `Warehouse` naming it."""
        return lake_session_for(self.lake) if self.lake else session_for(self.path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection, holding the writer lock for its lifetime.

        Callers in one process take turns. When others in this process are
        already waiting for their turn (the loads of portals that finished
        together), the connection stays open and passes to them, so the file
        is opened and checkpointed once for the lot; it closes, and the lock
        is released for other processes, as soon as nobody here waits.
        """
        with self.session.turn(read_only) as con:
            yield con

    def write(self, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        """`work` (a whole transaction) on a writer's connection; on a DuckLake, run again
        while it meets another writer's change to a table it changes."""
        if self.lake is None:
            with self.connect() as con:
                return work(con)

        def attempt() -> T:
            with self.connect() as con:
                return work(con)

        return lake.retry_conflicts(attempt)

    # -------------------------------------------------------------- schema

    def migrate(self) -> int:
        """Apply every migration the file lacks, in order; returns the schema version.

        Applied migrations are listed one by one in ``portalwatch_migrations``,
        so a migration added between two others is still applied.
        """
        return self.write(lambda con: schema.migrate(con, str(self), keyless=self.lake is not None))

    # -------------------------------------------------------------- runs

    def start_run(self, flow: str, parameters: dict) -> str:
        """Record a new run; runs of this machine whose process is gone are marked 'crashed'.

        Run ids sort in the order runs started (``max(run_id)`` is the latest run), even for
        runs started within the same second or after the clock went back."""
        return self.write(lambda con: runs.start_run(con, flow, parameters))

    def finish_run(self, run_id: str, status: str, summary: dict) -> None:
        self.write(lambda con: runs.finish_run(con, run_id, status, summary))

    # -------------------------------------------------------------- backfills

    def loaded_chunks(self, backfill_key: str, source_id: str) -> set[tuple[str, int]]:
        """(section, first page) of every chunk this backfill already loaded."""
        with self.connect() as con:
            return runs.loaded_chunks(con, backfill_key, source_id)

    def mark_chunk_loaded(
        self, backfill_key: str, source_id: str, section: str, pages: range, run_id: str
    ) -> None:
        self.write(lambda con: runs.mark_chunk_loaded(con, backfill_key, source_id, section, pages, run_id))

    # -------------------------------------------------------------- what a crawl starts from

    def known_articles(self, source_id: str) -> dict[str, KnownArticle]:
        """Every article and document of a source the warehouse has seen, by id."""
        known = {}
        label = {}.setdefault  # parser versions and kinds: a few values
        with self.connect() as con:
            rows = fetched_rows(con.execute(KNOWN_SQL, [source_id, source_id]))
            for article_id, url, removed, content_hash, parser_version, raw_hash, kind in rows:
                article_id = intern(article_id)  # the same objects as the crawl memory's (read_portal_state)
                known[article_id] = KnownArticle(
                    article_id,
                    intern(url),
                    removed,
                    content_hash and intern(content_hash),
                    label(parser_version, parser_version),
                    raw_hash,
                    label(kind, kind),
                )
        return known

    def known_keys(self, source_id: str) -> KnownKeys:
        """The ids of every article and document of a source the warehouse has seen, and nothing
        else of them (:meth:`known_articles` without the details)."""
        ids: dict[str, list[str]] = {"article": [], "document": []}
        with self.connect() as con:
            for article_id, kind in fetched_rows(con.execute(KNOWN_KEYS_SQL, [source_id, source_id])):
                ids[kind].append(intern(article_id))  # the same objects as the crawl memory's
        return KnownKeys(frozenset(ids["article"]), frozenset(ids["document"]))

    def latest_article_pages(self, source_id: str) -> list[tuple[str, str, datetime, str | None]]:
        """(url, raw hash, fetched at, charset it was decoded with) of the latest answer of every
        article page of a source that answered with a page (parsed or not), skipping articles
        whose latest answer was 404/410."""
        with self.connect() as con:
            return con.execute(LATEST_ARTICLE_PAGES_SQL, [source_id]).fetchall()

    def last_seen(self, source_id: str) -> dict[str, datetime]:
        """When each article of a source was last observed (seen, or found removed)."""
        with self.connect() as con:
            rows = con.execute(LAST_SEEN_SQL, [source_id]).fetchall()
        return dict(rows)

    def stored_captures(self, source_id: str) -> set[tuple[str, str]]:
        """(URL, payload digest) of every capture of a source already recorded from an archive or a WARC file."""
        with self.connect() as con:
            rows = con.execute(STORED_CAPTURES_SQL, [source_id]).fetchall()
        return set(rows)

    def portal_state(self, source_id: str, article_schedules: bool = True) -> PortalState:
        """What the crawler remembers of a source: schedules, validators, frontier, completed walks
        (without the articles' schedules unless `article_schedules`)."""
        with self.connect() as con:
            return read_portal_state(con, source_id, article_schedules)

    def portal_states(self, source_ids: list[str], article_schedules: bool = True) -> dict[str, PortalState]:
        """:meth:`portal_state` of several sources, by id, read together."""
        with self.connect() as con:
            return read_portal_states(con, source_ids, article_schedules)

    # -------------------------------------------------------------- load

    def load_portal(self, run_id: str, crawl: PortalCrawl, cause: str = "portal") -> LoadSummary:
        """Record one portal's crawl in one transaction; returns what changed.

        `cause` is stored on every change: 'portal' for what a crawl saw,
        'parser' for what a re-parse of stored pages produced. The crawl's
        `state` (schedules, validators, frontier, listing walks, section members,
        outages) and the coverage of the sections walked go in with it; its
        304s count as unchanged.
        """
        last = self.session.closes_after(1)
        return self.write(lambda con: load_portal(con, run_id, crawl, cause, last))

    def load_portals(
        self, run_id: str, crawls: list[PortalCrawl], cause: str = "portal"
    ) -> list[LoadSummary]:
        """Record several portals' crawls in one transaction (all of them or none), as
        :meth:`load_portal` records one: what each changed, in order. The crawls that are
        ready together go in at the cost of one load."""
        last = self.session.closes_after(len(crawls))
        return self.write(lambda con: load_portals(con, run_id, crawls, cause, last))
