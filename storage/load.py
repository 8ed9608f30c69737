"""The change-tracking load: one portal's crawl into the warehouse, in one transaction.

Loading appends a version only when an article's content hash changed, and logs every
change (created, updated, reparsed, removed, restored). All rows of one portal's batch
go in through Arrow in one transaction: a crash leaves either the whole batch or none
of it. The work is set-wise in SQL over Arrow tables; Python touches only the rows that
become versions or changes.

The crawls of several distinct portals load together: their rows side by side, each with
its portal's position in the load (and its source id), through the same statements as one
portal's, each portal's summary counted from its own rows. What they leave is what loading
them one after the other, in that order, leaves.
"""

from __future__ import annotations

import json
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import numpy as np
import pyarrow as pa

# DuckDB imports pyarrow.dataset as an Arrow table is first registered (about 0.1 s): here,
# as the loader is imported, rather than inside the first load, beside the crawling loop.
import pyarrow.dataset

from portalwatch import heap
from portalwatch.model import DocumentObservation, Gone, LoadSummary, Observation, PortalCrawl, SourceRow
from portalwatch.record import CONTENT_FIELDS
from portalwatch.storage.backend import insert, known_backend, on_lake, replace_for, take_write_turn
from portalwatch.storage.coverage import write_coverages
from portalwatch.storage.crawlstate import read_for_portals, write_portal_states
from portalwatch.storage.derive import fingerprints_of, references_of
from portalwatch.storage.fingerprints import (
    fingerprint_missing_versions,
    fingerprint_table,
    insert_fingerprints,
)
from portalwatch.storage.load_documents import document_lifecycle, load_documents, resolve_references
from portalwatch.storage.sqlarrow import TS, flags, query_arrow, register_for
from portalwatch.storage.tables import (
    Change,
    Edit,
    NewVersion,
    ReferenceRow,
    StateUpdate,
    changes_table,
    fetch_table,
    observed_table,
    references_table,
    state_update_table,
    versions_table,
)

# Article versions go in by chunks: the Arrow buffers of one chunk are reused by the next.
VERSION_CHUNK = 8192

UPSERT_SOURCES_SQL = """
INSERT OR REPLACE INTO sources (source_id, name, level, profile, base_url, updated_at, status, active_from,
    active_until, successors)
SELECT source_id, name, level, profile, base_url, updated_at, status, active_from, active_until, successors
FROM source_rows
"""

CURRENT_STATE_SQL = """
SELECT s.article_id, s.current_version, s.content_hash, s.removed_at IS NOT NULL
FROM article_state AS s JOIN (SELECT DISTINCT article_id FROM wanted) USING (article_id)
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
       SELECT article_id, source_id, url, CASE WHEN created THEN 'created' ELSE 'restored' END, NULL,
              CASE WHEN created THEN NULL ELSE current_hash END, coalesce(current_hash, content_hash),
              CASE WHEN created THEN 1 ELSE current_version END, fetched_at, $run, $cause
       FROM batch WHERE created OR restored ORDER BY idx""",
    """UPDATE article_versions SET valid_to = b.fetched_at FROM batch AS b
       WHERE b.changed AND article_versions.article_id = b.article_id AND article_versions.version = b.current_version""",
    """INSERT INTO article_state (article_id, source_id, url, current_version, content_hash, first_seen, last_seen, removed_at)
       SELECT article_id, source_id, url, 1, content_hash, fetched_at, fetched_at, NULL FROM batch WHERE created ORDER BY idx""",
    """UPDATE article_state SET url = b.url, current_version = b.new_version, content_hash = b.content_hash,
                                last_seen = b.fetched_at, removed_at = NULL
       FROM batch AS b WHERE NOT b.created AND article_state.article_id = b.article_id""",
    """INSERT INTO view_counts (article_id, observed_at, view_count, run_id)
       SELECT article_id, fetched_at, view_count, $run FROM batch WHERE view_count IS NOT NULL ORDER BY idx""",
)

# The portals' own versions named first, so the scan reads the texts of those alone: a join on
# the key only reads and decompresses every version's texts, which grows with the warehouse
# (a million versions: 0.7 s a load with 200 edits, against 13 ms so).
PREVIOUS_CONTENT_SQL = """
SELECT v.article_id, v.title, v.published_at, v.author, v.byline, v.lead, v.body_text, v.images,
       v.updated_at, v.photographer, v.attribution, v.attachments, v.links, v.breadcrumb
FROM article_versions AS v JOIN prev USING (article_id, version)
WHERE v.source_id IN ({sources})
"""

REMOVE_SQL = """
UPDATE article_state SET
    url = u.url,
    current_version = u.current_version,
    content_hash = u.content_hash,
    last_seen = coalesce(u.last_seen, article_state.last_seen),
    removed_at = u.removed_at
FROM state_upd AS u WHERE article_state.article_id = u.article_id
"""


@dataclass(frozen=True, slots=True)
class CurrentState:
    """An article's current version as ``article_state`` has it."""

    version: int
    content_hash: str
    removed: bool


@dataclass(frozen=True, slots=True)
class Joined:
    """A batch of observations beside their articles' current state, one position per observation."""

    batch: pa.Table  # the observed table with the state and the new version, for BATCH_SQL
    created: np.ndarray
    changed: np.ndarray
    restored: np.ndarray
    reparsed: np.ndarray
    current_version: np.ndarray
    current_hash: pa.ChunkedArray
    new_version: np.ndarray


def load_portal(
    con: duckdb.DuckDBPyConnection, run_id: str, crawl: PortalCrawl, cause: str, checkpoint: bool = False
) -> LoadSummary:
    """Record one portal's crawl in one transaction; returns what changed.

    `cause` is stored on every change: 'portal' for what a crawl saw, 'parser' for
    what a re-parse of stored pages produced. The crawl's state update (schedules,
    validators, frontier, listing walks, section members, outages) and the coverage
    of the sections walked go in the same transaction; its 304s count as unchanged.
    `checkpoint`: as in :func:`load_portals`.
    """
    return load_portals(con, run_id, [crawl], cause, checkpoint)[0]


def load_portals(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    crawls: Sequence[PortalCrawl],
    cause: str,
    checkpoint: bool = False,
) -> list[LoadSummary]:
    """Record several portals' crawls, one after the other, in one transaction (all or none);
    what each load changed, in order. With `checkpoint`, the commit writes the transaction
    into the file itself (:func:`commit_checkpointed`): for a load the connection closes after.

    Most statements of a small portal's load cost what they cost whatever their rows: the
    crawls of distinct portals share them all, their rows side by side, so a batch costs
    the statements of one portal's load whatever the number of portals."""
    with known_backend(con), one_thread(con), heap.collections_paused():
        con.execute("BEGIN")
        try:
            take_write_turn(con)
            if len({crawl.source.source_id for crawl in crawls}) == len(crawls):
                summaries = _load_together(con, run_id, crawls, cause)
            else:  # a portal's crawls in turn: each one's memory and coverage before the next
                summaries = [_load_together(con, run_id, [crawl], cause)[0] for crawl in crawls]
            if checkpoint:
                commit_checkpointed(con)
            else:
                con.execute("COMMIT")
        except BaseException:
            rollback(con)
            raise
    return summaries


def commit_checkpointed(con: duckdb.DuckDBPyConnection) -> None:
    """COMMIT the open transaction into the file itself (a checkpoint), not into its write-ahead
    log first, then restore the threshold.

    A commit writes the log unless the log would then pass ``checkpoint_threshold`` (or the
    transaction is large); the file's close checkpoints what the log holds. For the last load
    before a close, the log is written for nothing: measured on a run's last load (20 portals,
    800 versions; 100 portals, 4,000), the load and the close took 0.37 s against 0.44 s and
    0.78 s against 1.08 s (medians of 8 and 5). DuckDB checkpoints at a commit only when no
    other transaction is open; otherwise this commit writes the log as any other. Nothing
    changes on a DuckLake."""
    if on_lake(con):
        con.execute("COMMIT")
        return
    (threshold,) = con.execute("SELECT current_setting('checkpoint_threshold')").fetchone() or (None,)
    con.execute("SET checkpoint_threshold = '0 bytes'")
    try:
        con.execute("COMMIT")
    finally:
        con.execute(f"SET checkpoint_threshold = '{threshold}'")  # DuckDB's own words for it


@dataclass(frozen=True, slots=True)
class Content:
    """What a portal's crawl loads of its articles and documents: the last observation of
    each, and the removals of those it did not also see."""

    source_id: str
    observations: list[Observation]
    gone: list[Gone]
    documents: list[DocumentObservation]
    gone_documents: list[Gone]

    @classmethod
    def of(cls, crawl: PortalCrawl) -> Content:
        latest = {observation.article_id: observation for observation in crawl.observations}
        gone = {g.article_id: g for g in crawl.gone if g.article_id not in latest}
        documents = {d.document_id: d for d in crawl.documents}
        gone_documents = {g.article_id: g for g in crawl.gone_documents}
        return cls(
            crawl.source.source_id,
            list(latest.values()),
            list(gone.values()),
            list(documents.values()),
            [g for document_id, g in gone_documents.items() if document_id not in documents],
        )

    def articles(self) -> set[str]:
        return {o.article_id for o in self.observations} | {g.article_id for g in self.gone}

    def document_ids(self) -> set[str]:
        return {d.document_id for d in self.documents} | {g.article_id for g in self.gone_documents}


def _load_together(
    con: duckdb.DuckDBPyConnection, run_id: str, crawls: Sequence[PortalCrawl], cause: str
) -> list[LoadSummary]:
    """Crawls of distinct portals, within the caller's transaction."""
    _upsert_sources(con, [crawl.source for crawl in crawls])
    insert(con, "fetches", fetch_table(run_id, [fetch for crawl in crawls for fetch in crawl.fetches]))
    contents = [Content.of(crawl) for crawl in crawls]
    if len(contents) == 1 or _disjoint(contents):
        summaries = _load_content(con, run_id, contents, cause)
    else:  # an article or document in two portals' crawls: theirs one after the other
        summaries = [_load_content(con, run_id, [content], cause)[0] for content in contents]
    fingerprint_missing_versions(con)  # those of versions stored before, once the crawls' own are in
    states = [(crawl.source.source_id, crawl.state) for crawl in crawls]
    for summary, unchanged in zip(summaries, write_portal_states(con, run_id, states), strict=True):
        summary.unchanged += unchanged
    coverages = write_coverages(con, run_id, [(source_id, state.coverage) for source_id, state in states])
    for summary, coverage in zip(summaries, coverages, strict=True):
        summary.coverage = coverage
    return summaries


def _disjoint(contents: Sequence[Content]) -> bool:
    """Whether no article and no document is in more than one of the crawls."""
    articles: set[str] = set()
    documents: set[str] = set()
    for content in contents:
        own_articles, own_documents = content.articles(), content.document_ids()
        if not (articles.isdisjoint(own_articles) and documents.isdisjoint(own_documents)):
            return False
        articles |= own_articles
        documents |= own_documents
    return True


def _load_content(
    con: duckdb.DuckDBPyConnection, run_id: str, contents: Sequence[Content], cause: str
) -> list[LoadSummary]:
    """The articles and documents of distinct portals' crawls, no article or document in two
    of them, within the caller's transaction (their sources and fetches are in already): what
    each portal's changed, in order."""
    summaries = [LoadSummary() for _ in contents]
    changes, references = load_articles(con, run_id, contents, cause, summaries)
    document_references, document_portals = load_documents(
        con, run_id, [(c.source_id, c.documents) for c in contents], summaries
    )
    references += document_references
    insert(con, "document_references", references_table(references, run_id))
    article_changes = len(changes)
    changes += document_lifecycle(
        con, run_id, [(c.source_id, c.documents, c.gone_documents) for c in contents], summaries
    )
    table = changes_table(changes, cause)
    kinds = ["article"] * article_changes + ["document"] * (len(changes) - article_changes)
    insert(con, "changes", table.append_column("item_kind", pa.array(kinds, pa.string())))
    if len(contents) > 1:
        portal_of = {source_id: p for p, source_id in enumerate(c.source_id for c in contents)}
        citing = {(r.citing_type, r.citing_id, r.citing_version): portal_of[r.source_id] for r in references}
        resolve_references(con, len(contents), citing, document_portals)
    else:
        resolve_references(con)
    return summaries


@contextmanager
def one_thread(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """A DuckDB file's load on one DuckDB thread, the connection's setting restored after it.

    The load's statements append Arrow rows and its commit compresses and writes them, work
    DuckDB does on one thread whatever the setting; with more, the calling thread waits for
    the others in a loop that takes the GIL each time round, against the Python thread that
    builds the next chunk of versions. At 20,000 versions one thread took a third off the
    load's CPU time and more off its wall time. Nothing changes on a DuckLake.
    """
    if on_lake(con):
        yield
        return
    (threads,) = con.execute("SELECT current_setting('threads')").fetchone() or (None,)
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {int(threads)}")


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction, if a failed COMMIT did not already."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException:
        pass


def load_articles(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contents: Sequence[Content],
    cause: str,
    summaries: Sequence[LoadSummary],
) -> tuple[list[Change], list[ReferenceRow]]:
    """Article versions, changes and state of distinct portals' crawls (their sources in the
    warehouse already), each portal's counted in its summary. Returns the 'updated' (or
    'reparsed') and 'removed' changes and the references the new versions make, for the
    caller to insert; the rest is written."""
    observations = [o for content in contents for o in content.observations]
    portals = [p for p, content in enumerate(contents) for _ in content.observations]
    kept = _kept(con, observations)
    if kept is not None:
        observations = [observations[i] for i in kept]
        portals = [portals[i] for i in kept]
    source_ids = [contents[p].source_id for p in portals]
    joined = _join_state(con, observations, source_ids, reparsed=cause == "parser")
    bounds = np.searchsorted(np.array(portals, dtype=np.int64), np.arange(len(contents) + 1)).tolist()
    for p, summary in enumerate(summaries):
        _count(joined, observations, summary, bounds[p], bounds[p + 1])
    # Python ints and bools, not numpy's nor Arrow's: reading those one row at a time is slow.
    new_version = joined.new_version.tolist()
    new_rows = np.flatnonzero(joined.created | joined.changed).tolist()
    versions = [NewVersion(observations[i], new_version[i]) for i in new_rows]
    version_sources = [source_ids[i] for i in new_rows]
    changed_rows = np.flatnonzero(joined.changed)
    edited = {
        observations[i].article_id: Edit(
            current_version, current_hash, observations[i], new_version[i], reparsed, source_ids[i]
        )
        for i, current_version, current_hash, reparsed in zip(
            changed_rows.tolist(),
            joined.current_version[changed_rows].tolist(),
            joined.current_hash.take(pa.array(changed_rows, pa.int64())).to_pylist(),
            joined.reparsed[changed_rows].tolist(),
            strict=True,
        )
    }
    # Read before anything is written: the versions the edits replace.
    changes = updated_changes(con, edited, run_id)
    # From here until the versions are in, the statements run on a thread of their own, in
    # order, while this one builds the versions' Arrow columns (see `_insert_versions`).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="load") as pool:
        writer = InOrder(pool)
        writer.submit(_write_batch, con, joined.batch, {"run": run_id, "cause": cause})
        references = _insert_versions(con, writer, run_id, versions, version_sources)
    made = Counter(reference.source_id for reference in references)
    for content, summary in zip(contents, summaries, strict=True):
        summary.references += made[content.source_id]
    gone = [(p, g) for p, content in enumerate(contents) for g in content.gone]
    removals = _removals(con, run_id, contents, gone, summaries)
    if removals:
        register_for(con, "state_upd", state_update_table([update for _, update in removals]), REMOVE_SQL)
    return changes + [change for change, _ in removals], references


def _upsert_sources(con: duckdb.DuckDBPyConnection, sources: list[SourceRow]) -> None:
    if not sources:
        return
    now = datetime.now(UTC)
    rows = pa.table(
        {
            "source_id": pa.array([s.source_id for s in sources], pa.string()),
            "name": pa.array([s.name for s in sources], pa.string()),
            "level": pa.array([s.level for s in sources], pa.string()),
            "profile": pa.array([s.profile for s in sources], pa.string()),
            "base_url": pa.array([s.base_url for s in sources], pa.string()),
            "updated_at": pa.array([now] * len(sources), TS),
            "status": pa.array([s.status for s in sources], pa.string()),
            "active_from": pa.array([s.active_from for s in sources], pa.date32()),
            "active_until": pa.array([s.active_until for s in sources], pa.date32()),
            "successors": pa.array([list(s.successors) for s in sources], pa.list_(pa.string())),
        }
    )
    replace_for(con, "source_rows", rows, UPSERT_SOURCES_SQL)


def _kept(con: duckdb.DuckDBPyConnection, observations: list[Observation]) -> list[int] | None:
    """The positions of the observations to record (None: all of them): without the articles
    seen unchanged against a version that is no longer the current one, nothing to record
    of them."""
    unparsed = [o.article_id for o in observations if o.record is None]
    if not unparsed:
        return None
    state = current_state(con, unparsed)
    return [
        i
        for i, o in enumerate(observations)
        if o.record is not None
        or (o.article_id in state and state[o.article_id].content_hash == o.content_hash)
    ]


def _join_state(
    con: duckdb.DuckDBPyConnection, observations: list[Observation], source_ids: list[str], reparsed: bool
) -> Joined:
    """Every observation (of the portal `source_ids` gives) beside its article's current state,
    in one join."""
    observed = observed_table(observations, reparsed=reparsed)
    con.register("observed", observed)
    seen = query_arrow(con, OBSERVED_STATE_SQL)
    con.unregister("observed")
    created = flags(seen["created"])
    changed = flags(seen["changed"])
    current_version = seen["current_version"].to_numpy()
    new_version = np.where(created, 1, current_version + changed).astype(np.int32)
    batch = (
        observed.append_column("source_id", pa.array(source_ids, pa.string()))
        .append_column("current_version", seen["current_version"])
        .append_column("current_hash", seen["current_hash"])
        .append_column("created", seen["created"])
        .append_column("changed", seen["changed"])
        .append_column("restored", seen["removed"])
        .append_column("new_version", pa.array(new_version))
    )
    return Joined(
        batch,
        created,
        changed,
        flags(seen["removed"]),
        flags(observed["reparsed"]),
        current_version,
        seen["current_hash"],
        new_version,
    )


def _count(
    joined: Joined, observations: list[Observation], summary: LoadSummary, start: int, stop: int
) -> None:
    """What the batch's observations from `start` to `stop` (a portal's) create, edit, restore
    and leave unchanged, into the summary."""
    created, changed, restored, reparsed = (
        flags[start:stop] for flags in (joined.created, joined.changed, joined.restored, joined.reparsed)
    )
    observations = observations[start:stop]
    summary.created = int(created.sum())
    summary.restored = int(restored.sum())
    summary.reparsed = int((changed & reparsed).sum())
    summary.updated = int((changed & ~reparsed).sum())
    summary.unchanged = int((~created & ~changed & ~restored).sum())
    rows = np.flatnonzero(created | changed | restored)
    # Python bools, not numpy's: indexing numpy arrays one row at a time is slow.
    flagged = zip(
        rows.tolist(),
        created[rows].tolist(),
        changed[rows].tolist(),
        restored[rows].tolist(),
        reparsed[rows].tolist(),
        strict=True,
    )
    for i, is_created, is_changed, is_restored, is_reparsed in flagged:
        url = observations[i].url
        if is_created:
            summary.changes.append(("created", url))
            continue
        if is_restored:
            summary.changes.append(("restored", url))
        if is_changed:
            summary.changes.append(("reparsed" if is_reparsed else "updated", url))


class InOrder:
    """Work on a pool of one thread, run in the order it is submitted (statements on the
    caller's connection and transaction, one at a time); `wait` re-raises the first failure."""

    def __init__(self, pool: ThreadPoolExecutor):
        self.pool = pool
        self.pending: deque[Future] = deque()

    def submit(self, work: Callable[..., object], *args: object) -> None:
        self.pending.append(self.pool.submit(work, *args))

    def wait(self) -> None:
        """Until all that was submitted has run; its first failure, if any, raised here."""
        while self.pending:
            self.pending.popleft().result()


def _write_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table, params: dict) -> None:
    """What BATCH_SQL writes of the batch's observations (`batch`)."""
    con.register("batch", batch)
    try:
        for sql in BATCH_SQL:
            con.execute(sql, {name: value for name, value in params.items() if f"${name}" in sql})
    finally:
        con.unregister("batch")


def _insert_versions(
    con: duckdb.DuckDBPyConnection,
    writer: InOrder,
    run_id: str,
    versions: list[NewVersion],
    source_ids: list[str],
) -> list[ReferenceRow]:
    """The new versions (of the portals `source_ids` gives) and their fingerprints; returns the
    references their text makes.

    Python builds each chunk's Arrow columns (its versions and their fingerprints) while
    DuckDB, which lets go of the GIL as it works, runs the statements before it on `writer`
    (one thread: one statement at a time, in the order given, on the caller's connection
    and transaction) and appends the chunk before it: on two cores the two halves of the
    work overlap. This thread uses the connection again only once the last append is done.
    """
    for start in range(0, len(versions), VERSION_CHUNK):
        part = versions[start : start + VERSION_CHUNK]
        chunk = versions_table(part, source_ids[start : start + VERSION_CHUNK], run_id)
        fingerprints = fingerprint_table(
            chunk.select(["article_id", "version", "source_id"]), fingerprints_of([o for o, _ in part])
        )
        writer.wait()  # one chunk in the writer's hands at a time: the one before is in
        writer.submit(_append_versions, con, chunk, fingerprints)
    references = [
        ReferenceRow(source_id, "article", o.article_id, version, ref, o.fetched_at)
        for (o, version), source_id in zip(versions, source_ids, strict=True)
        for ref in (o.references if o.references is not None else references_of(o.record))
    ]
    writer.wait()
    return references


def _append_versions(con: duckdb.DuckDBPyConnection, versions: pa.Table, fingerprints: pa.Table) -> None:
    insert(con, "article_versions", versions)
    insert_fingerprints(con, fingerprints)


def _removals(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    contents: Sequence[Content],
    gone: list[tuple[int, Gone]],
    summaries: Sequence[LoadSummary],
) -> list[tuple[Change, StateUpdate]]:
    """The 'removed' change and the state each confirmed removal of a live article makes
    (`gone`: the removals with their portal's position)."""
    state = current_state(con, [g.article_id for _, g in gone])
    out = []
    for p, g in gone:
        current = state.get(g.article_id)
        if current is None or current.removed:
            continue
        change = Change(
            g.article_id,
            contents[p].source_id,
            g.url,
            "removed",
            None,
            current.content_hash,
            None,
            current.version,
            g.fetched_at,
            run_id,
        )
        out.append(
            (
                change,
                StateUpdate(g.article_id, g.url, current.version, current.content_hash, None, g.fetched_at),
            )
        )
        summaries[p].removed += 1
        summaries[p].changes.append(("removed", g.url))
    return out


def current_state(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, CurrentState]:
    if not ids:
        return {}
    con.register("wanted", pa.table({"article_id": ids}))
    rows = con.execute(CURRENT_STATE_SQL).fetchall()
    con.unregister("wanted")
    return {row[0]: CurrentState(row[1], row[2], row[3]) for row in rows}


def updated_changes(con: duckdb.DuckDBPyConnection, edited: dict[str, Edit], run_id: str) -> list[Change]:
    """'updated' (or 'reparsed') changes, naming the fields that differ from the previous version."""
    if not edited:
        return []
    old_content = _previous_content(con, edited)
    changes = []
    for article_id, edit in edited.items():
        record = edit.observation.record
        new = record.content()
        new["published_at"] = record.published_at
        new["updated_at"] = record.updated_at
        old = old_content.get(article_id, {})
        fields = [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]
        changes.append(
            Change(
                article_id,
                edit.source_id,
                edit.observation.url,
                "reparsed" if edit.reparsed else "updated",
                fields,
                edit.current_hash,
                edit.observation.content_hash,
                edit.version,
                edit.observation.fetched_at,
                run_id,
            )
        )
    return changes


def _previous_content(con: duckdb.DuckDBPyConnection, edited: dict[str, Edit]) -> dict[str, dict]:
    """The content of the versions the edits replace, by article id, as `ArticleRecord.content()` has it."""
    con.register(
        "prev",
        pa.table(
            {
                "article_id": pa.array(list(edited), pa.string()),
                "version": pa.array([edit.current_version for edit in edited.values()], pa.int32()),
            }
        ),
    )
    sources = sorted({edit.source_id for edit in edited.values()})
    rows = read_for_portals(con, PREVIOUS_CONTENT_SQL, sources).fetchall()
    con.unregister("prev")
    return {
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
