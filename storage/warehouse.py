"""The DuckDB warehouse: schema, migrations and the change-tracking load.

One file any DuckDB client opens. Writers are serialized by a lock file beside
it (``<warehouse>.lock``), which works across processes and threads with or
without a Prefect server; connections are opened per unit of work and closed
at once, so readers wait seconds at most.

Loading appends a version only when an article's content hash changed, and
logs every change (created, updated, removed, restored). All rows of one
portal's batch go in through Arrow in one transaction: a crash leaves either
the whole batch or none of it.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from operator import attrgetter
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
from filelock import FileLock, Timeout

from portalwatch.errors import StorageError
from portalwatch.lifeline import process_alive
from portalwatch.parse.documents import DocumentRecord, Reference
from portalwatch.record import CONTENT_FIELDS, ArticleRecord
from portalwatch.storage.coverage import Coverage, write_coverage
from portalwatch.storage.crawlstate import (
    PortalState,
    PortalStateUpdate,
    read_portal_state,
    write_portal_state,
)
from portalwatch.storage.derive import fingerprints_of, references_of
from portalwatch.storage.similarity import (
    Fingerprint,
    fingerprint_missing_versions,
    fingerprint_table,
    insert_fingerprints,
)
from portalwatch.storage.sqlarrow import query_arrow

LOCK_TIMEOUT_SECONDS = 600.0
# Article versions go in by chunks: the Arrow buffers of one chunk are reused by the next.
VERSION_CHUNK = 8192

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


@dataclass(frozen=True, slots=True)
class _State:
    version: int
    content_hash: str
    removed: bool


class Warehouse:
    """A warehouse file: ``Warehouse(path).migrate()`` creates or upgrades it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection, holding the writer lock for its lifetime.

        Callers in one process take turns. When others in this process are
        already waiting for their turn (the loads of portals that finished
        together), the connection stays open and passes to them, so the file
        is opened and checkpointed once for the lot; it closes, and the lock
        is released for other processes, as soon as nobody here waits.
        """
        session = _session_for(self.path)
        with session.turn(read_only) as con:
            yield con

    # -------------------------------------------------------------- schema
    # -------------------------------------------------------------- schema

    def migrate(self) -> int:
        """Apply every migration the file lacks, in order; returns the schema version.

        Applied migrations are listed one by one in ``portalwatch_migrations``,
        so a migration added between two others is still applied.
        """
        with self.connect() as con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS portalwatch_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS portalwatch_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ)"
            )
            applied = {row[0] for row in con.execute("SELECT version FROM portalwatch_migrations").fetchall()}
            migrations = _migrations()
            known = {version for version, _ in migrations}
            if applied - known:
                raise StorageError(
                    self.path,
                    f"written by a newer portalwatch (migrations {sorted(applied - known)} unknown here); upgrade it",
                )
            for version, sql in migrations:
                if version in applied:
                    continue
                con.execute("BEGIN")
                con.execute(sql)
                con.execute("INSERT INTO portalwatch_migrations VALUES (?, ?)", [version, datetime.now(UTC)])
                con.execute(
                    "INSERT OR REPLACE INTO portalwatch_meta VALUES ('schema_version', ?)",
                    [str(max(applied | {version}))],
                )
                con.execute("COMMIT")
                applied.add(version)
            return max(applied)

    # -------------------------------------------------------------- runs

    def start_run(self, flow: str, parameters: dict) -> str:
        """Record a new run; runs of this machine whose process is gone are marked 'crashed'.

        Run ids sort in the order runs started (``max(run_id)`` is the latest run), even for
        runs started within the same second or after the clock went back: the id is the start
        time to the microsecond, never earlier than the latest run's."""
        host = socket.gethostname()
        with self.connect() as con:
            (latest,) = con.execute("SELECT max(started_at) FROM runs").fetchone()
            started = datetime.now(UTC)
            if latest is not None and started <= latest:
                started = (latest + timedelta(microseconds=1)).astimezone(UTC)
            run_id = f"{started:%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"
            running = con.execute(
                "SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", [host]
            ).fetchall()
            dead = [stale_id for stale_id, pid in running if pid is None or not process_alive(pid)]
            if dead:
                con.execute(
                    "UPDATE runs SET status = 'crashed', finished_at = ? WHERE list_contains(?, run_id)",
                    [datetime.now(UTC), dead],
                )
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status, parameters, host, pid) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                [
                    run_id,
                    flow,
                    started,
                    json.dumps(parameters, ensure_ascii=False, default=str),
                    host,
                    os.getpid(),
                ],
            )
        return run_id

    def finish_run(self, run_id: str, status: str, summary: dict) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE run_id = ?",
                [datetime.now(UTC), status, json.dumps(summary, ensure_ascii=False, default=str), run_id],
            )

    def known_articles(self, source_id: str) -> dict[str, KnownArticle]:
        """Every article and document of a source the warehouse has seen, by id."""
        with self.connect() as con:
            rows = con.execute(KNOWN_SQL, [source_id, source_id]).fetchall()
        return {row[0]: KnownArticle(*row) for row in rows}

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

    # -------------------------------------------------------------- backfills

    def loaded_chunks(self, backfill_key: str, source_id: str) -> set[tuple[str, int]]:
        """(section, first page) of every chunk this backfill already loaded."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT section, first_page FROM backfill_progress WHERE backfill_key = ? AND source_id = ?",
                [backfill_key, source_id],
            ).fetchall()
        return {(section, first_page) for section, first_page in rows}

    def mark_chunk_loaded(
        self, backfill_key: str, source_id: str, section: str, pages: range, run_id: str
    ) -> None:
        with self.connect() as con:
            con.execute(
                "INSERT OR REPLACE INTO backfill_progress VALUES (?, ?, ?, ?, ?, ?, ?)",
                [backfill_key, source_id, section, pages.start, pages.stop - 1, run_id, datetime.now(UTC)],
            )

    def portal_state(self, source_id: str) -> PortalState:
        """What the crawler remembers of a source: schedules, validators, frontier, completed walks."""
        with self.connect() as con:
            return read_portal_state(con, source_id)

    # -------------------------------------------------------------- load

    def load_portal(
        self,
        run_id: str,
        source: SourceRow,
        fetches: Sequence[FetchRow],
        observations: Sequence[Observation],
        gone: Sequence[Gone] = (),
        documents: Sequence[DocumentObservation] = (),
        cause: str = "portal",
        state_update: PortalStateUpdate | None = None,
        gone_documents: Sequence[Gone] = (),
    ) -> LoadSummary:
        """Record one portal's crawl in one transaction; returns what changed.

        `cause` is stored on every change: 'portal' for what a crawl saw,
        'parser' for what a re-parse of stored pages produced. `state_update`
        carries the crawler's memory (schedules, validators, frontier, listing
        walks, section members, outages) and the coverage of the sections
        walked; its 304s count as unchanged.
        """
        latest: dict[str, Observation] = {observation.article_id: observation for observation in observations}
        gone_by_id = {g.article_id: g for g in gone if g.article_id not in latest}
        latest_documents = {d.document_id: d for d in documents}
        gone_documents = [
            g
            for g in {g.article_id: g for g in gone_documents}.values()
            if g.article_id not in latest_documents
        ]
        with self.connect() as con:
            con.execute("BEGIN")
            try:
                summary = self._load(
                    con, run_id, source, fetches, list(latest.values()), list(gone_by_id.values()), cause
                )
                self._load_documents(con, run_id, source, list(latest_documents.values()), summary)
                _document_lifecycle(
                    con, run_id, source, list(latest_documents.values()), gone_documents, cause, summary
                )
                summary.references += _resolve_references(con)
                if state_update is not None:
                    summary.unchanged += write_portal_state(con, run_id, source.source_id, state_update)
                    summary.coverage = write_coverage(con, run_id, source.source_id, state_update.coverage)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return summary

    def _load_documents(
        self, con, run_id: str, source: SourceRow, documents: list[DocumentObservation], summary: LoadSummary
    ) -> None:
        """New document versions, and the references their text makes."""
        rows = _document_versions(con, source, documents)
        _close_documents(con, rows)
        _insert(con, "documents", _documents_table(rows, source.source_id, run_id))
        references = [
            (source.source_id, "document", o.document_id, version, ref, o.fetched_at)
            for o, version in rows
            for ref in o.record.references()
        ]
        _insert(con, "document_references", _references_table(references, run_id))
        summary.documents += len(rows)
        summary.references += len(references)

    def _load(self, con, run_id, source, fetches, observations, gone, cause) -> LoadSummary:
        """Article versions, changes and state of one batch: set-wise in SQL over Arrow tables;
        Python touches only the rows that become versions or changes."""
        now = datetime.now(UTC)
        con.execute(
            "INSERT OR REPLACE INTO sources (source_id, name, level, profile, base_url, updated_at, status, active_from,"
            " active_until, successors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source.source_id,
                source.name,
                source.level,
                source.profile,
                source.base_url,
                now,
                source.status,
                source.active_from,
                source.active_until,
                list(source.successors),
            ],
        )
        _insert(con, "fetches", _fetch_table(run_id, fetches))
        params = {"source": source.source_id, "run": run_id, "cause": cause}
        summary = LoadSummary()

        unparsed = [o.article_id for o in observations if o.record is None]
        if unparsed:
            # Seen unchanged against a version that is no longer the current one: nothing to record.
            state = _current_state(con, unparsed)
            observations = [
                o
                for o in observations
                if o.record is not None
                or (o.article_id in state and state[o.article_id].content_hash == o.content_hash)
            ]

        # Every observation beside its article's current state, in one join.
        observed = _observed_table(observations, reparsed=cause == "parser")
        con.register("observed", observed)
        seen = query_arrow(con, OBSERVED_STATE_SQL)
        con.unregister("observed")
        created = _flags(seen["created"])
        changed = _flags(seen["changed"])
        restored = _flags(seen["removed"])
        reparsed = _flags(observed["reparsed"])
        current_version = seen["current_version"].to_numpy()
        current_hash = seen["current_hash"]
        new_version = np.where(created, 1, current_version + changed).astype(np.int32)
        batch = (
            observed.append_column("current_version", seen["current_version"])
            .append_column("current_hash", seen["current_hash"])
            .append_column("created", seen["created"])
            .append_column("changed", seen["changed"])
            .append_column("restored", seen["removed"])
            .append_column("new_version", pa.array(new_version))
        )

        summary.created = int(created.sum())
        summary.restored = int(restored.sum())
        summary.reparsed = int((changed & reparsed).sum())
        summary.updated = int((changed & ~reparsed).sum())
        summary.unchanged = int((~created & ~changed & ~restored).sum())
        noted = np.flatnonzero(created | changed | restored).tolist()
        for i in noted:
            url = observations[i].url
            if created[i]:
                summary.changes.append(("created", url))
                continue
            if restored[i]:
                summary.changes.append(("restored", url))
            if changed[i]:
                summary.changes.append(("reparsed" if reparsed[i] else "updated", url))

        new_rows = np.flatnonzero(created | changed).tolist()
        versions = [(observations[i], int(new_version[i])) for i in new_rows]
        edited = {
            observations[i].article_id: (
                int(current_version[i]),
                current_hash[i].as_py(),
                observations[i],
                int(new_version[i]),
                bool(reparsed[i]),
            )
            for i in np.flatnonzero(changed).tolist()
        }
        # Read before anything is written: the versions the edits replace.
        changes = _updated_changes(con, source, edited, run_id)

        for start in range(0, len(versions), VERSION_CHUNK):
            _insert(
                con,
                "article_versions",
                _versions_table(versions[start : start + VERSION_CHUNK], source.source_id, run_id),
            )
        insert_fingerprints(
            con,
            fingerprint_table(
                pa.table(
                    {
                        "article_id": pa.array([o.article_id for o, _ in versions], pa.string()),
                        "version": pa.array([version for _, version in versions], pa.int32()),
                        "source_id": pa.array([source.source_id] * len(versions), pa.string()),
                    }
                ),
                fingerprints_of([o for o, _ in versions]),
            ),
        )
        references = [
            (source.source_id, "article", o.article_id, version, ref, o.fetched_at)
            for o, version in versions
            for ref in (o.references if o.references is not None else references_of(o.record))
        ]
        _insert(con, "document_references", _references_table(references, run_id))
        summary.references += len(references)

        con.register("batch", batch)
        for sql in BATCH_SQL:
            con.execute(sql, {name: value for name, value in params.items() if f"${name}" in sql})
        con.unregister("batch")

        state = _current_state(con, [g.article_id for g in gone])
        gone_updates = []
        for g in gone:
            current = state.get(g.article_id)
            if current is None or current.removed:
                continue
            changes.append(
                _change(
                    g.article_id,
                    source,
                    g.url,
                    "removed",
                    None,
                    current.content_hash,
                    None,
                    current.version,
                    g.fetched_at,
                    run_id,
                )
            )
            gone_updates.append(
                (g.article_id, g.url, current.version, current.content_hash, None, g.fetched_at)
            )
            summary.removed += 1
            summary.changes.append(("removed", g.url))
        _insert(con, "changes", _changes_table(changes, cause))
        if gone_updates:
            con.register("state_upd", _state_update_table(gone_updates))
            con.execute(
                """UPDATE article_state SET
                       url = u.url,
                       current_version = u.current_version,
                       content_hash = u.content_hash,
                       last_seen = coalesce(u.last_seen, article_state.last_seen),
                       removed_at = u.removed_at
                   FROM state_upd AS u WHERE article_state.article_id = u.article_id"""
            )
            con.unregister("state_upd")
        fingerprint_missing_versions(con)
        return summary


class _Session:
    """One warehouse file's connection in this process, passed from caller to caller."""

    def __init__(self, path: Path):
        self.path = path
        self.turns = threading.Lock()
        self.count = threading.Lock()
        self.waiting = 0  # callers waiting for their turn
        self.con: duckdb.DuckDBPyConnection | None = None
        self.read_only = False
        self.lock: FileLock | None = None

    @contextmanager
    def turn(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.count:
            self.waiting += 1
        self.turns.acquire()
        try:
            with self.count:
                self.waiting -= 1
            if self.con is not None and self.read_only and not read_only:
                self._close()  # a writer needs the file open for writing
            if self.con is None:
                self._open(read_only)
            broken = False
            try:
                yield self.con
            except BaseException:
                broken = True
                raise
            finally:
                with self.count:
                    keep = self.waiting > 0 and not broken
                if not keep:
                    self._close()
        finally:
            self.turns.release()

    def _open(self, read_only: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)
        try:
            lock.acquire()
        except Timeout:
            raise StorageError(
                self.path, f"another writer held the lock for {LOCK_TIMEOUT_SECONDS:.0f} s"
            ) from None
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            lock.release()
            raise StorageError(self.path, f"cannot open the warehouse: {exc}") from None
        self.lock, self.read_only = lock, read_only

    def _close(self) -> None:
        con, lock, self.con, self.lock = self.con, self.lock, None, None
        try:
            if con is not None:
                con.close()
        finally:
            if lock is not None:
                lock.release()


_sessions: dict[Path, _Session] = {}
_sessions_lock = threading.Lock()


def _session_for(path: Path) -> _Session:
    key = path.resolve()
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = _Session(path)
        return _sessions[key]


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

OBSERVED_STATE_SQL = """
SELECT coalesce(s.current_version, 0) AS current_version,
       s.content_hash AS current_hash,
       s.article_id IS NULL AS created,
       coalesce(s.content_hash <> o.content_hash, false) AS changed,
       s.removed_at IS NOT NULL AS removed
FROM observed AS o LEFT JOIN article_state AS s USING (article_id)
ORDER BY o.idx
"""

# What a batch of observations (`batch`: `observed` beside OBSERVED_STATE_SQL and the
# version each becomes) writes, set-wise. The 'updated' changes, which name the fields
# that differ, and the 'removed' ones are written from Python.
BATCH_SQL = (
    """INSERT INTO changes (article_id, source_id, url, change_type, changed_fields, old_content_hash,
                            new_content_hash, version, detected_at, run_id, cause)
       SELECT article_id, $source, url, CASE WHEN created THEN 'created' ELSE 'restored' END, NULL,
              CASE WHEN created THEN NULL ELSE current_hash END, coalesce(current_hash, content_hash),
              CASE WHEN created THEN 1 ELSE current_version END, fetched_at, $run, $cause
       FROM batch WHERE created OR restored ORDER BY idx""",
    """UPDATE article_versions SET valid_to = b.fetched_at FROM batch AS b
       WHERE b.changed AND article_versions.article_id = b.article_id AND article_versions.version = b.current_version""",
    """INSERT INTO article_state (article_id, source_id, url, current_version, content_hash, first_seen, last_seen, removed_at)
       SELECT article_id, $source, url, 1, content_hash, fetched_at, fetched_at, NULL FROM batch WHERE created ORDER BY idx""",
    """UPDATE article_state SET url = b.url, current_version = b.new_version, content_hash = b.content_hash,
                                last_seen = b.fetched_at, removed_at = NULL
       FROM batch AS b WHERE NOT b.created AND article_state.article_id = b.article_id""",
    """INSERT INTO view_counts (article_id, observed_at, view_count, run_id)
       SELECT article_id, fetched_at, view_count, $run FROM batch WHERE view_count IS NOT NULL ORDER BY idx""",
)

CURRENT_DOCUMENTS_SQL = """
SELECT d.document_id, d.version, d.content_hash
FROM documents AS d JOIN (SELECT DISTINCT document_id FROM wanted) USING (document_id)
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""

UNRESOLVED_SQL = """
SELECT DISTINCT r.number_key, r.source_id, r.referenced_date, d.document_id, d.source_id, d.issued_date
FROM document_references AS r
JOIN documents AS d ON d.number_key = r.number_key AND (d.document_id <> r.citing_id)
WHERE r.document_id IS NULL
"""

RESOLVE_SQL = """
UPDATE document_references AS r SET document_id = m.document_id
FROM matches AS m
WHERE r.document_id IS NULL AND r.number_key = m.number_key AND r.source_id = m.source_id
  AND r.referenced_date IS NOT DISTINCT FROM m.referenced_date AND r.citing_id <> m.document_id
"""


# Documents answering again after their removal, and documents found removed: (id, url, hash, version, at).
DOCUMENT_RESTORED_SQL = """
SELECT s.document_id, o.url, d.content_hash, d.version, o.fetched_at
FROM document_state AS s JOIN observed_documents AS o USING (document_id)
JOIN documents AS d ON d.document_id = s.document_id
WHERE s.removed_at IS NOT NULL
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""
DOCUMENT_REMOVED_SQL = """
SELECT d.document_id, o.url, d.content_hash, d.version, o.fetched_at
FROM documents AS d JOIN observed_documents AS o USING (document_id)
LEFT JOIN document_state AS s ON s.document_id = d.document_id
WHERE s.removed_at IS NULL
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""


def _document_lifecycle(
    con,
    run_id: str,
    source: SourceRow,
    seen: list[DocumentObservation],
    gone: list[Gone],
    cause: str,
    summary: LoadSummary,
) -> None:
    """'restored' for removed documents that answered again, 'removed' for those whose removal
    was confirmed; document_state says which are removed, since when."""
    changes = []
    for rows, sql, kind in (
        ([(o.document_id, o.url, o.fetched_at) for o in seen], DOCUMENT_RESTORED_SQL, "restored"),
        ([(g.article_id, g.url, g.fetched_at) for g in gone], DOCUMENT_REMOVED_SQL, "removed"),
    ):
        if not rows:
            continue
        con.register(
            "observed_documents",
            pa.table(
                {
                    "document_id": [r[0] for r in rows],
                    "url": [r[1] for r in rows],
                    "fetched_at": pa.array([r[2] for r in rows], _TS),
                }
            ),
        )
        found = con.execute(sql).fetchall()
        con.unregister("observed_documents")
        for document_id, url, content_hash, version, at in found:
            old, new = (content_hash, None) if kind == "removed" else (content_hash, content_hash)
            changes.append(_change(document_id, source, url, kind, None, old, new, version, at, run_id))
            con.execute(
                "INSERT OR REPLACE INTO document_state (document_id, source_id, url, removed_at) VALUES (?, ?, ?, ?)",
                [document_id, source.source_id, url, at if kind == "removed" else None],
            )
        setattr(summary, f"documents_{kind}", getattr(summary, f"documents_{kind}") + len(found))
    table = _changes_table(changes, cause)
    _insert(
        con, "changes", table.append_column("item_kind", pa.array(["document"] * table.num_rows, pa.string()))
    )


def _document_versions(
    con, source: SourceRow, documents: list[DocumentObservation]
) -> list[tuple[DocumentObservation, int]]:
    """The documents whose content is new: each with the version it becomes."""
    if not documents:
        return []
    con.register("wanted", pa.table({"document_id": [d.document_id for d in documents]}))
    current = {row[0]: (row[1], row[2]) for row in con.execute(CURRENT_DOCUMENTS_SQL).fetchall()}
    con.unregister("wanted")
    out = []
    for document in documents:
        version, known_hash = current.get(document.document_id, (0, None))
        if known_hash != document.record.content_hash:
            out.append((document, version + 1))
    return out


def _close_documents(con, rows: list[tuple[DocumentObservation, int]]) -> None:
    closes = [(o.document_id, version - 1, o.fetched_at) for o, version in rows if version > 1]
    if not closes:
        return
    con.register(
        "closes",
        pa.table(
            {
                "document_id": [c[0] for c in closes],
                "version": pa.array([c[1] for c in closes], pa.int32()),
                "valid_to": pa.array([c[2] for c in closes], _TS),
            }
        ),
    )
    con.execute(
        "UPDATE documents SET valid_to = closes.valid_to FROM closes "
        "WHERE documents.document_id = closes.document_id AND documents.version = closes.version"
    )
    con.unregister("closes")


def _migrations() -> list[tuple[int, str]]:
    """(version, SQL) of every file in migrations/, named NNN_what.sql, in order."""
    folder = resources.files("portalwatch.storage") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            found.append((int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    if rows.num_rows == 0:
        return
    con.register("batch_rows", rows)
    columns = ", ".join(rows.column_names)
    con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM batch_rows")
    con.unregister("batch_rows")


def _current_state(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, _State]:
    if not ids:
        return {}
    con.register("wanted", pa.table({"article_id": ids}))
    rows = con.execute(
        "SELECT s.article_id, s.current_version, s.content_hash, s.removed_at IS NOT NULL "
        "FROM article_state AS s JOIN (SELECT DISTINCT article_id FROM wanted) USING (article_id)"
    ).fetchall()
    con.unregister("wanted")
    return {row[0]: _State(row[1], row[2], row[3]) for row in rows}


def _change(
    article_id, source, url, change_type, fields, old_hash, new_hash, version, detected_at, run_id
) -> dict:
    return {
        "article_id": article_id,
        "source_id": source.source_id,
        "url": url,
        "change_type": change_type,
        "changed_fields": fields,
        "old_content_hash": old_hash,
        "new_content_hash": new_hash,
        "version": version,
        "detected_at": detected_at,
        "run_id": run_id,
    }


def _updated_changes(con, source: SourceRow, edited: dict, run_id: str) -> list[dict]:
    """'updated' (or 'reparsed') changes, naming the fields that differ from the previous version.

    `edited`: article_id -> (current version, its content hash, observation, new version, reparsed).
    """
    if not edited:
        return []
    con.register(
        "prev",
        pa.table(
            {
                "article_id": pa.array(list(edited), pa.string()),
                "version": pa.array([current for current, _, _, _, _ in edited.values()], pa.int32()),
            }
        ),
    )
    rows = con.execute(
        "SELECT v.article_id, v.title, v.published_at, v.author, v.byline, v.lead, v.body_text, v.images, "
        "v.updated_at, v.photographer, v.attribution, v.attachments, v.links, v.breadcrumb "
        "FROM article_versions AS v JOIN prev USING (article_id, version)"
    ).fetchall()
    con.unregister("prev")
    old_content = {
        row[0]: {
            "title": row[1],
            "published_at": row[2],
            "author": row[3] or "",
            "byline": row[4] or "",
            "lead": row[5] or "",
            "body_text": row[6],
            "images": json.loads(row[7]) if row[7] else [],
            "updated_at": row[8],
            "photographer": row[9] or "",
            "attribution": row[10] or "",
            "attachments": json.loads(row[11]) if row[11] else [],
            "links": json.loads(row[12]) if row[12] else [],
            "breadcrumb": list(row[13] or []),
        }
        for row in rows
    }
    changes = []
    for article_id, (_, old_hash, o, version, reparsed) in edited.items():
        new = o.record.content()
        new["published_at"] = o.record.published_at
        new["updated_at"] = o.record.updated_at
        old = old_content.get(article_id, {})
        fields = [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]
        kind = "reparsed" if reparsed else "updated"
        changes.append(
            _change(
                article_id,
                source,
                o.url,
                kind,
                fields,
                old_hash,
                o.content_hash,
                version,
                o.fetched_at,
                run_id,
            )
        )
    return changes


_TS = pa.timestamp("us", tz="UTC")


def _flags(column: pa.ChunkedArray) -> np.ndarray:
    return column.to_numpy(zero_copy_only=False).astype(bool)


def _observed_table(observations: Sequence[Observation], reparsed: bool) -> pa.Table:
    """What the state join needs of each observation, `idx` its position in `observations`."""
    return pa.table(
        {
            "idx": pa.array(np.arange(len(observations), dtype=np.int32)),
            "article_id": pa.array(list(map(attrgetter("article_id"), observations)), pa.string()),
            "url": pa.array(list(map(attrgetter("url"), observations)), pa.string()),
            "content_hash": pa.array(list(map(attrgetter("content_hash"), observations)), pa.string()),
            "fetched_at": pa.array(list(map(attrgetter("fetched_at"), observations)), _TS),
            "reparsed": pa.array(
                [True] * len(observations) if reparsed else list(map(attrgetter("reparsed"), observations)),
                pa.bool_(),
            ),
            "view_count": pa.array(
                [o.record.view_count if o.record is not None else None for o in observations], pa.int64()
            ),
        }
    )


def _fetch_table(run_id: str, fetches: Sequence[FetchRow]) -> pa.Table:
    def column(name: str) -> list:
        return list(map(attrgetter(name), fetches))

    return pa.table(
        {
            "run_id": pa.array([run_id] * len(fetches), pa.string()),
            "source_id": pa.array(column("source_id"), pa.string()),
            "url": pa.array(column("url"), pa.string()),
            "kind": pa.array(column("kind"), pa.string()),
            "fetched_at": pa.array(column("fetched_at"), _TS),
            "status": pa.array(column("status"), pa.int32()),
            "outcome": pa.array(column("outcome"), pa.string()),
            "error": pa.array(column("error"), pa.string()),
            "attempts": pa.array(column("attempts"), pa.int32()),
            "elapsed_ms": pa.array(column("elapsed_ms"), pa.float64()),
            "bytes": pa.array(column("size"), pa.int64()),
            "raw_hash": pa.array(column("raw_hash"), pa.string()),
            "error_class": pa.array(column("error_class"), pa.string()),
            "final_url": pa.array(column("final_url"), pa.string()),
            "charset": pa.array(column("charset"), pa.string()),
            "conditional": pa.array(column("conditional"), pa.bool_()),
            "tls_verified": pa.array(column("tls_verified"), pa.bool_()),
            "via": pa.array(column("via"), pa.string()),
            "archive": pa.array(column("archive"), pa.string()),
            "capture_timestamp": pa.array(column("capture_timestamp"), pa.string()),
            "payload_digest": pa.array(column("payload_digest"), pa.string()),
        }
    )


def _string_lists(lists: list[tuple[str, ...]]) -> pa.Array:
    """A list<string> column from tuples of strings (built from one flat array)."""
    offsets = np.zeros(len(lists) + 1, np.int32)
    np.cumsum(np.fromiter(map(len, lists), np.int32, len(lists)), out=offsets[1:])
    values = pa.array([item for items in lists for item in items], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _texts(values: list[str]) -> pa.Array:
    """A string column of long texts, encoded here: `pa.array` would leave a UTF-8 copy cached
    in every str object (as large again as the texts, for as long as the records live)."""
    if None in values:
        return pa.array(values, pa.string())
    encoded = [value.encode("utf-8") for value in values]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum(np.fromiter(map(len, encoded), np.int64, len(encoded)), out=offsets[1:])
    data = pa.py_buffer(b"".join(encoded))
    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets.astype(np.int32)), data)
    return pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), data)


def _json_list(items: tuple) -> str:
    """A record's images, attachments or links as stored: a JSON list of their fields."""
    if not items:
        return "[]"
    return json.dumps([asdict(item) for item in items], ensure_ascii=False)


def _versions_table(versions: list[tuple[Observation, int]], source_id: str, run_id: str) -> pa.Table:
    observations = [o for o, _ in versions]
    records = [o.record for o in observations]
    count = len(versions)

    def column(name: str, type_: pa.DataType = pa.string(), rows: list = records) -> pa.Array:
        return pa.array(list(map(attrgetter(name), rows)), type_)

    def texts(name: str) -> pa.Array:
        return _texts(list(map(attrgetter(name), records)))

    return pa.table(
        {
            "article_id": column("article_id", rows=observations),
            "source_id": pa.array([source_id] * count, pa.string()),
            "url": column("url", rows=observations),
            "version": pa.array([version for _, version in versions], pa.int32()),
            "content_hash": column("content_hash", rows=observations),
            "title": texts("title"),
            "published_at": column("published_at", _TS),
            "author": column("author"),
            "byline": column("byline"),
            "lead": texts("lead"),
            "body_text": texts("body_text"),
            "images": pa.array([_json_list(r.images) for r in records], pa.string()),
            "valid_from": column("fetched_at", _TS, rows=observations),
            "run_id": pa.array([run_id] * count, pa.string()),
            "raw_hash": column("raw_hash", rows=observations),
            "parser_version": column("parser_version"),
            "updated_at": column("updated_at", _TS),
            "photographer": column("photographer"),
            "attribution": column("attribution"),
            "attachments": pa.array([_json_list(r.attachments) for r in records], pa.string()),
            "links": pa.array([_json_list(r.links) for r in records], pa.string()),
            "breadcrumb": _string_lists([r.breadcrumb for r in records]),
            "category": pa.array([r.breadcrumb[-1] if r.breadcrumb else "" for r in records], pa.string()),
            "body_html": texts("body_html"),
            "extraction": column("extraction"),
            "confidence": column("confidence", pa.float64()),
        }
    )


def _changes_table(changes: list[dict], cause: str) -> pa.Table:
    return pa.table(
        {
            "article_id": [c["article_id"] for c in changes],
            "source_id": [c["source_id"] for c in changes],
            "url": [c["url"] for c in changes],
            "change_type": [c["change_type"] for c in changes],
            "changed_fields": pa.array([c["changed_fields"] for c in changes], pa.list_(pa.string())),
            "old_content_hash": pa.array([c["old_content_hash"] for c in changes], pa.string()),
            "new_content_hash": pa.array([c["new_content_hash"] for c in changes], pa.string()),
            "version": pa.array([c["version"] for c in changes], pa.int32()),
            "detected_at": pa.array([c["detected_at"] for c in changes], _TS),
            "run_id": [c["run_id"] for c in changes],
            "cause": ["parser" if c["change_type"] == "reparsed" else cause for c in changes],
        }
    )


def _state_update_table(rows: list[tuple]) -> pa.Table:
    return pa.table(
        {
            "article_id": [r[0] for r in rows],
            "url": [r[1] for r in rows],
            "current_version": pa.array([r[2] for r in rows], pa.int32()),
            "content_hash": [r[3] for r in rows],
            "last_seen": pa.array([r[4] for r in rows], _TS),
            "removed_at": pa.array([r[5] for r in rows], _TS),
        }
    )


def _references_table(rows: list[tuple[str, str, str, int, Reference, datetime]], run_id: str) -> pa.Table:
    return pa.table(
        {
            "source_id": [r[0] for r in rows],
            "citing_type": [r[1] for r in rows],
            "citing_id": [r[2] for r in rows],
            "citing_version": pa.array([r[3] for r in rows], pa.int32()),
            "number": [r[4].number for r in rows],
            "number_key": [r[4].number_key for r in rows],
            "kind": [r[4].kind for r in rows],
            "referenced_date": pa.array([r[4].referenced_date for r in rows], pa.date32()),
            "context": [r[4].context for r in rows],
            "detected_at": pa.array([r[5] for r in rows], _TS),
            "run_id": [run_id] * len(rows),
        }
    )


def _documents_table(rows: list[tuple[DocumentObservation, int]], source_id: str, run_id: str) -> pa.Table:
    records = [o.record for o, _ in rows]
    return pa.table(
        {
            "document_id": [o.document_id for o, _ in rows],
            "source_id": [source_id] * len(rows),
            "url": [o.url for o, _ in rows],
            "version": pa.array([version for _, version in rows], pa.int32()),
            "content_hash": [r.content_hash for r in records],
            "number": [r.number for r in records],
            "number_key": [r.number_key for r in records],
            "kind": [r.kind for r in records],
            "issuer": [r.issuer for r in records],
            "issued_date": pa.array([r.issued_date for r in records], pa.date32()),
            "issued_place": [r.issued_place for r in records],
            "subject": [r.subject for r in records],
            "title": [r.title for r in records],
            "addressees": pa.array([list(r.addressees) for r in records], pa.list_(pa.string())),
            "body_text": [r.body_text for r in records],
            "distribution": pa.array([list(r.distribution) for r in records], pa.list_(pa.string())),
            "signer": [r.signer for r in records],
            "signer_title": [r.signer_title for r in records],
            "attachments": [
                json.dumps(
                    [
                        {
                            "url": f.url,
                            "name": f.name,
                            "kind": f.kind,
                            "sha256": f.sha256,
                            "bytes": f.size,
                            "pages": f.pages,
                        }
                        for f in r.files
                    ]
                    or [{"url": a.url, "name": a.name, "kind": a.kind} for a in r.attachments],
                    ensure_ascii=False,
                )
                for r in records
            ],
            "attachment_text": ["\n\n".join(f.text for f in r.files if f.text) for r in records],
            "valid_from": pa.array([o.fetched_at for o, _ in rows], _TS),
            "run_id": [run_id] * len(rows),
            "raw_hash": [o.raw_hash for o, _ in rows],
            "parser_version": [r.parser_version for r in records],
        }
    )


def _resolve_references(con: duckdb.DuckDBPyConnection) -> int:
    """Point unresolved references at the document they cite, where exactly one fits.

    A number fits a document with the same number key and, when the text gives
    a date, the same issue date; among several, the citing portal's own
    document wins; still several (the same state number at many communes) is
    left unresolved. Returns 0: references are counted where they are written.
    """
    rows = con.execute(UNRESOLVED_SQL).fetchall()
    candidates: dict[tuple, list[tuple[str, str]]] = {}
    for number_key, source_id, referenced_date, document_id, document_source, issued in rows:
        if referenced_date is not None and issued is not None and referenced_date != issued:
            continue
        candidates.setdefault((number_key, source_id, referenced_date), []).append(
            (document_id, document_source)
        )
    matches = []
    for (number_key, source_id, referenced_date), found in candidates.items():
        own = [document_id for document_id, document_source in found if document_source == source_id]
        chosen = own if own else [document_id for document_id, _ in found]
        if len(set(chosen)) == 1:
            matches.append((number_key, source_id, referenced_date, chosen[0]))
    if matches:
        con.register(
            "matches",
            pa.table(
                {
                    "number_key": [m[0] for m in matches],
                    "source_id": [m[1] for m in matches],
                    "referenced_date": pa.array([m[2] for m in matches], pa.date32()),
                    "document_id": [m[3] for m in matches],
                }
            ),
        )
        con.execute(RESOLVE_SQL)
        con.unregister("matches")
    return 0
