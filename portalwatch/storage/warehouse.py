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
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa
from filelock import FileLock, Timeout

from portalwatch.errors import StorageError
from portalwatch.parse.documents import DocumentRecord, Reference, find_references
from portalwatch.record import CONTENT_FIELDS, ArticleRecord
from portalwatch.storage.similarity import fingerprint_new_versions
from portalwatch.storage.crawlstate import PortalState, PortalStateUpdate, read_portal_state, write_portal_state

LOCK_TIMEOUT_SECONDS = 600.0

LATEST_ARTICLE_PAGES_SQL = """
SELECT url, raw_hash, fetched_at FROM (
    SELECT url, raw_hash, fetched_at, outcome,
           row_number() OVER (PARTITION BY url ORDER BY fetched_at DESC) AS newest
    FROM fetches
    WHERE source_id = ? AND kind = 'article' AND outcome IN ('ok', 'extraction_failed', 'gone')
)
WHERE newest = 1 AND outcome <> 'gone' AND raw_hash IS NOT NULL
ORDER BY url
"""


@dataclass(frozen=True, slots=True)
class SourceRow:
    source_id: str
    name: str
    level: str
    profile: str
    base_url: str


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
    """A definite answer that an article is no longer published (404/410, twice)."""

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
    references: int = 0  # references recorded
    changes: list[tuple[str, str]] = field(default_factory=list)  # (change_type, url)


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
        """A short-lived connection, holding the writer lock for its lifetime."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)
        try:
            lock.acquire()
        except Timeout:
            raise StorageError(self.path, f"another writer held the lock for {LOCK_TIMEOUT_SECONDS:.0f} s") from None
        try:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
            except duckdb.Error as exc:
                raise StorageError(self.path, f"cannot open the warehouse: {exc}") from None
            try:
                yield con
            finally:
                con.close()
        finally:
            lock.release()

    # -------------------------------------------------------------- schema

    def migrate(self) -> int:
        """Apply every migration the file lacks, in order; returns the schema version.

        Applied migrations are listed one by one in ``portalwatch_migrations``,
        so a migration added between two others is still applied.
        """
        with self.connect() as con:
            con.execute("CREATE TABLE IF NOT EXISTS portalwatch_meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)")
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
        """Record a new run; runs of this machine whose process is gone are marked 'crashed'."""
        run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        host = socket.gethostname()
        with self.connect() as con:
            running = con.execute("SELECT run_id, pid FROM runs WHERE status = 'running' AND host = ?", [host]).fetchall()
            dead = [stale_id for stale_id, pid in running if pid is None or not _process_alive(pid)]
            if dead:
                con.execute(
                    "UPDATE runs SET status = 'crashed', finished_at = ? WHERE list_contains(?, run_id)",
                    [datetime.now(UTC), dead],
                )
            con.execute(
                "INSERT INTO runs (run_id, flow, started_at, status, parameters, host, pid) "
                "VALUES (?, ?, ?, 'running', ?, ?, ?)",
                [run_id, flow, datetime.now(UTC), json.dumps(parameters, ensure_ascii=False, default=str), host, os.getpid()],
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

    def latest_article_pages(self, source_id: str) -> list[tuple[str, str, datetime]]:
        """(url, raw hash, fetched at) of the latest answer of every article page of a source
        that answered with a page (parsed or not), skipping articles whose latest answer was 404/410."""
        with self.connect() as con:
            return con.execute(LATEST_ARTICLE_PAGES_SQL, [source_id]).fetchall()

    # -------------------------------------------------------------- backfills

    def loaded_chunks(self, backfill_key: str, source_id: str) -> set[tuple[str, int]]:
        """(section, first page) of every chunk this backfill already loaded."""
        with self.connect() as con:
            rows = con.execute(
                "SELECT section, first_page FROM backfill_progress WHERE backfill_key = ? AND source_id = ?",
                [backfill_key, source_id],
            ).fetchall()
        return {(section, first_page) for section, first_page in rows}

    def mark_chunk_loaded(self, backfill_key: str, source_id: str, section: str, pages: range, run_id: str) -> None:
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
    ) -> LoadSummary:
        """Record one portal's crawl in one transaction; returns what changed.

        `cause` is stored on every change: 'portal' for what a crawl saw,
        'parser' for what a re-parse of stored pages produced. `state_update`
        carries the crawler's memory (schedules, validators, frontier, listing
        walks, outages); its 304s count as unchanged.
        """
        latest: dict[str, Observation] = {}
        for observation in observations:
            latest[observation.article_id] = replace(observation, reparsed=True) if cause == "parser" else observation
        gone_by_id = {g.article_id: g for g in gone if g.article_id not in latest}
        latest_documents = {d.document_id: d for d in documents}
        with self.connect() as con:
            con.execute("BEGIN")
            try:
                summary = self._load(
                    con, run_id, source, fetches, list(latest.values()), list(gone_by_id.values()), cause
                )
                self._load_documents(con, run_id, source, list(latest_documents.values()), summary)
                summary.references += _resolve_references(con)
                if state_update is not None:
                    summary.unchanged += write_portal_state(con, run_id, source.source_id, state_update)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        return summary

    def _load_documents(self, con, run_id: str, source: SourceRow, documents: list[DocumentObservation],
                        summary: LoadSummary) -> None:  # fmt: skip
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
        now = datetime.now(UTC)
        con.execute(
            "INSERT OR REPLACE INTO sources VALUES (?, ?, ?, ?, ?, ?)",
            [source.source_id, source.name, source.level, source.profile, source.base_url, now],
        )
        _insert(con, "fetches", _fetch_table(run_id, fetches))
        ids = [o.article_id for o in observations] + [g.article_id for g in gone]
        state = _current_state(con, ids)

        summary = LoadSummary()
        versions, changes, state_new, state_upd, closes, updated_prev = [], [], [], [], [], {}
        for o in observations:
            current = state.get(o.article_id)
            if o.record is None and (current is None or current.content_hash != o.content_hash):
                continue  # seen unchanged, but the version it was checked against is no longer the current one
            if current is None:
                versions.append((o, 1))
                changes.append(_change(o.article_id, source, o.url, "created", None, None, o.content_hash, 1, o.fetched_at, run_id))
                state_new.append((o.article_id, source.source_id, o.url, 1, o.content_hash, o.fetched_at, o.fetched_at, None))
                summary.created += 1
                summary.changes.append(("created", o.url))
                continue
            version = current.version
            if current.removed:
                changes.append(_change(o.article_id, source, o.url, "restored", None, current.content_hash, current.content_hash, version, o.fetched_at, run_id))
                summary.restored += 1
                summary.changes.append(("restored", o.url))
            if current.content_hash != o.content_hash:
                version += 1
                versions.append((o, version))
                closes.append((o.article_id, current.version, o.fetched_at))
                updated_prev[o.article_id] = (current, o, version)
                kind = "reparsed" if o.reparsed else "updated"
                if o.reparsed:
                    summary.reparsed += 1
                else:
                    summary.updated += 1
                summary.changes.append((kind, o.url))
            elif not current.removed:
                summary.unchanged += 1
            state_upd.append((o.article_id, o.url, version, o.content_hash, o.fetched_at, None))
        changes.extend(_updated_changes(con, source, updated_prev, run_id))
        for g in gone:
            current = state.get(g.article_id)
            if current is None or current.removed:
                continue
            changes.append(_change(g.article_id, source, g.url, "removed", None, current.content_hash, None, current.version, g.fetched_at, run_id))
            state_upd.append((g.article_id, g.url, current.version, current.content_hash, None, g.fetched_at))
            summary.removed += 1
            summary.changes.append(("removed", g.url))

        _insert(con, "article_versions", _versions_table(versions, source.source_id, run_id))
        references = [
            (source.source_id, "article", o.article_id, version, ref, o.fetched_at)
            for o, version in versions
            for ref in find_references("\n\n".join((o.record.title, o.record.lead, o.record.body_text)))
        ]
        _insert(con, "document_references", _references_table(references, run_id))
        summary.references += len(references)
        if closes:
            con.register("closes", pa.table({
                "article_id": [c[0] for c in closes], "version": [c[1] for c in closes],
                "valid_to": pa.array([c[2] for c in closes], pa.timestamp("us", tz="UTC")),
            }))  # fmt: skip
            con.execute(
                "UPDATE article_versions SET valid_to = closes.valid_to FROM closes "
                "WHERE article_versions.article_id = closes.article_id AND article_versions.version = closes.version"
            )
            con.unregister("closes")
        _insert(con, "changes", _changes_table(changes, cause))
        _insert(con, "article_state", _state_table(state_new))
        if state_upd:
            con.register("state_upd", _state_update_table(state_upd))
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
        views = [o for o in observations if o.record is not None and o.record.view_count is not None]
        _insert(con, "view_counts", pa.table({
            "article_id": [o.article_id for o in views],
            "observed_at": pa.array([o.fetched_at for o in views], pa.timestamp("us", tz="UTC")),
            "view_count": pa.array([o.record.view_count for o in views], pa.int64()),
            "run_id": [run_id] * len(views),
        }))  # fmt: skip
        fingerprint_new_versions(con)
        return summary


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


KNOWN_SQL = """
SELECT s.article_id, s.url, s.removed_at IS NOT NULL, s.content_hash, v.parser_version, v.raw_hash, 'article'
FROM article_state AS s
LEFT JOIN article_versions AS v ON v.article_id = s.article_id AND v.version = s.current_version
WHERE s.source_id = ?
UNION ALL
SELECT document_id, url, false, content_hash, parser_version, raw_hash, 'document'
FROM documents WHERE source_id = ? QUALIFY version = max(version) OVER (PARTITION BY document_id)
"""

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


def _document_versions(con, source: SourceRow, documents: list[DocumentObservation]) -> list[tuple[DocumentObservation, int]]:
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
    con.register("closes", pa.table({
        "document_id": [c[0] for c in closes], "version": pa.array([c[1] for c in closes], pa.int32()),
        "valid_to": pa.array([c[2] for c in closes], _TS),
    }))  # fmt: skip
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


def _change(article_id, source, url, change_type, fields, old_hash, new_hash, version, detected_at, run_id) -> dict:
    return {
        "article_id": article_id, "source_id": source.source_id, "url": url, "change_type": change_type,
        "changed_fields": fields, "old_content_hash": old_hash, "new_content_hash": new_hash,
        "version": version, "detected_at": detected_at, "run_id": run_id,
    }  # fmt: skip


def _updated_changes(con, source: SourceRow, updated_prev: dict, run_id: str) -> list[dict]:
    """'updated' changes, naming the fields that differ from the previous version."""
    if not updated_prev:
        return []
    con.register("prev", pa.table({
        "article_id": list(updated_prev),
        "version": [current.version for current, _, _ in updated_prev.values()],
    }))  # fmt: skip
    rows = con.execute(
        "SELECT v.article_id, v.title, v.published_at, v.author, v.byline, v.lead, v.body_text, v.images, "
        "v.updated_at, v.photographer, v.attribution, v.attachments, v.links, v.breadcrumb "
        "FROM article_versions AS v JOIN prev USING (article_id, version)"
    ).fetchall()
    con.unregister("prev")
    old_content = {
        row[0]: {
            "title": row[1], "published_at": row[2], "author": row[3] or "", "byline": row[4] or "",
            "lead": row[5] or "", "body_text": row[6], "images": json.loads(row[7]) if row[7] else [],
            "updated_at": row[8], "photographer": row[9] or "", "attribution": row[10] or "",
            "attachments": json.loads(row[11]) if row[11] else [], "links": json.loads(row[12]) if row[12] else [],
            "breadcrumb": list(row[13] or []),
        }
        for row in rows
    }  # fmt: skip
    changes = []
    for article_id, (current, o, version) in updated_prev.items():
        new = o.record.content()
        new["published_at"] = o.record.published_at
        new["updated_at"] = o.record.updated_at
        old = old_content.get(article_id, {})
        fields = [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]
        kind = "reparsed" if o.reparsed else "updated"
        changes.append(_change(article_id, source, o.url, kind, fields, current.content_hash, o.content_hash, version, o.fetched_at, run_id))
    return changes


_TS = pa.timestamp("us", tz="UTC")


def _fetch_table(run_id: str, fetches: Sequence[FetchRow]) -> pa.Table:
    return pa.table({
        "run_id": [run_id] * len(fetches),
        "source_id": [f.source_id for f in fetches],
        "url": [f.url for f in fetches],
        "kind": [f.kind for f in fetches],
        "fetched_at": pa.array([f.fetched_at for f in fetches], _TS),
        "status": pa.array([f.status for f in fetches], pa.int32()),
        "outcome": [f.outcome for f in fetches],
        "error": pa.array([f.error for f in fetches], pa.string()),
        "attempts": pa.array([f.attempts for f in fetches], pa.int32()),
        "elapsed_ms": pa.array([f.elapsed_ms for f in fetches], pa.float64()),
        "bytes": pa.array([f.size for f in fetches], pa.int64()),
        "raw_hash": pa.array([f.raw_hash for f in fetches], pa.string()),
        "error_class": pa.array([f.error_class for f in fetches], pa.string()),
        "final_url": pa.array([f.final_url for f in fetches], pa.string()),
        "charset": pa.array([f.charset for f in fetches], pa.string()),
        "conditional": pa.array([f.conditional for f in fetches], pa.bool_()),
        "tls_verified": pa.array([f.tls_verified for f in fetches], pa.bool_()),
    })  # fmt: skip


def _versions_table(versions: list[tuple[Observation, int]], source_id: str, run_id: str) -> pa.Table:
    records = [o.record for o, _ in versions]
    return pa.table({
        "article_id": [o.article_id for o, _ in versions],
        "source_id": [source_id] * len(versions),
        "url": [o.url for o, _ in versions],
        "version": pa.array([version for _, version in versions], pa.int32()),
        "content_hash": [o.content_hash for o, _ in versions],
        "title": [r.title for r in records],
        "published_at": pa.array([r.published_at for r in records], _TS),
        "author": [r.author for r in records],
        "byline": [r.byline for r in records],
        "lead": [r.lead for r in records],
        "body_text": [r.body_text for r in records],
        "images": [json.dumps(r.content()["images"], ensure_ascii=False) for r in records],
        "valid_from": pa.array([o.fetched_at for o, _ in versions], _TS),
        "run_id": [run_id] * len(versions),
        "raw_hash": [o.raw_hash for o, _ in versions],
        "parser_version": [r.parser_version for r in records],
        "updated_at": pa.array([r.updated_at for r in records], _TS),
        "photographer": [r.photographer for r in records],
        "attribution": [r.attribution for r in records],
        "attachments": [json.dumps(r.content()["attachments"], ensure_ascii=False) for r in records],
        "links": [json.dumps(r.content()["links"], ensure_ascii=False) for r in records],
        "breadcrumb": pa.array([list(r.breadcrumb) for r in records], pa.list_(pa.string())),
        "category": [r.category for r in records],
        "body_html": [r.body_html for r in records],
        "extraction": [r.extraction for r in records],
        "confidence": pa.array([r.confidence for r in records], pa.float64()),
    })  # fmt: skip


def _changes_table(changes: list[dict], cause: str) -> pa.Table:
    return pa.table({
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
    })  # fmt: skip


def _state_table(rows: list[tuple]) -> pa.Table:
    return pa.table({
        "article_id": [r[0] for r in rows],
        "source_id": [r[1] for r in rows],
        "url": [r[2] for r in rows],
        "current_version": pa.array([r[3] for r in rows], pa.int32()),
        "content_hash": [r[4] for r in rows],
        "first_seen": pa.array([r[5] for r in rows], _TS),
        "last_seen": pa.array([r[6] for r in rows], _TS),
        "removed_at": pa.array([r[7] for r in rows], _TS),
    })  # fmt: skip


def _state_update_table(rows: list[tuple]) -> pa.Table:
    return pa.table({
        "article_id": [r[0] for r in rows],
        "url": [r[1] for r in rows],
        "current_version": pa.array([r[2] for r in rows], pa.int32()),
        "content_hash": [r[3] for r in rows],
        "last_seen": pa.array([r[4] for r in rows], _TS),
        "removed_at": pa.array([r[5] for r in rows], _TS),
    })  # fmt: skip


def _references_table(rows: list[tuple[str, str, str, int, Reference, datetime]], run_id: str) -> pa.Table:
    return pa.table({
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
    })  # fmt: skip


def _documents_table(rows: list[tuple[DocumentObservation, int]], source_id: str, run_id: str) -> pa.Table:
    records = [o.record for o, _ in rows]
    return pa.table({
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
        "attachments": [json.dumps([
            {"url": f.url, "name": f.name, "kind": f.kind, "sha256": f.sha256, "bytes": f.size, "pages": f.pages}
            for f in r.files] or [{"url": a.url, "name": a.name, "kind": a.kind} for a in r.attachments],
            ensure_ascii=False) for r in records],
        "attachment_text": ["\n\n".join(f.text for f in r.files if f.text) for r in records],
        "valid_from": pa.array([o.fetched_at for o, _ in rows], _TS),
        "run_id": [run_id] * len(rows),
        "raw_hash": [o.raw_hash for o, _ in rows],
        "parser_version": [r.parser_version for r in records],
    })  # fmt: skip


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
        candidates.setdefault((number_key, source_id, referenced_date), []).append((document_id, document_source))
    matches = []
    for (number_key, source_id, referenced_date), found in candidates.items():
        own = [document_id for document_id, document_source in found if document_source == source_id]
        chosen = own if own else [document_id for document_id, _ in found]
        if len(set(chosen)) == 1:
            matches.append((number_key, source_id, referenced_date, chosen[0]))
    if matches:
        con.register("matches", pa.table({
            "number_key": [m[0] for m in matches], "source_id": [m[1] for m in matches],
            "referenced_date": pa.array([m[2] for m in matches], pa.date32()), "document_id": [m[3] for m in matches],
        }))  # fmt: skip
        con.execute(RESOLVE_SQL)
        con.unregister("matches")
    return 0
