"""The documents of a load: new document versions, their removals and restorations, and the
references that point at them.

A load may hold several portals' crawls (distinct portals, in a given order): each function
takes them all at once, their rows side by side with the portal's position in the load, and
counts what each portal's crawl did in its own summary. The result is what loading them one
after the other, in that order, leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import duckdb
import pyarrow as pa

from portalwatch.model import DocumentObservation, Gone, LoadSummary
from portalwatch.storage.backend import insert, replace_for
from portalwatch.storage.sqlarrow import TS, register_for
from portalwatch.storage.tables import (
    Change,
    NewDocument,
    ReferenceRow,
    documents_table,
)

CURRENT_DOCUMENTS_SQL = """
SELECT d.document_id, d.version, d.content_hash
FROM documents AS d JOIN (SELECT DISTINCT document_id FROM wanted) USING (document_id)
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""

CLOSE_DOCUMENTS_SQL = """
UPDATE documents SET valid_to = closes.valid_to FROM closes
WHERE documents.document_id = closes.document_id AND documents.version = closes.version
"""

UNRESOLVED_SQL = """
SELECT DISTINCT r.number_key, r.source_id, r.referenced_date, d.document_id, d.source_id, d.issued_date
FROM document_references AS r
JOIN documents AS d ON d.number_key = r.number_key AND (d.document_id <> r.citing_id)
WHERE r.document_id IS NULL
"""

# Unresolved references one by one beside each document version they could mean, for
# resolving them as loads one after the other would have (`_resolve_in_turn`).
UNRESOLVED_ROWS_SQL = """
SELECT DISTINCT r.number_key, r.source_id, r.referenced_date, r.citing_type, r.citing_id, r.citing_version,
       d.document_id, d.version, d.source_id, d.issued_date
FROM document_references AS r
JOIN documents AS d ON d.number_key = r.number_key AND (d.document_id <> r.citing_id)
WHERE r.document_id IS NULL
"""

RESOLVE_ROWS_SQL = """
UPDATE document_references AS r SET document_id = m.document_id
FROM row_matches AS m
WHERE r.document_id IS NULL AND r.number_key = m.number_key AND r.source_id = m.source_id
  AND r.referenced_date IS NOT DISTINCT FROM m.referenced_date AND r.citing_type = m.citing_type
  AND r.citing_id = m.citing_id AND r.citing_version = m.citing_version
"""

UPSERT_DOCUMENT_STATE_SQL = """
INSERT OR REPLACE INTO document_state (document_id, source_id, url, removed_at)
SELECT document_id, source_id, url, removed_at FROM document_rows
"""

RESOLVE_SQL = """
UPDATE document_references AS r SET document_id = m.document_id
FROM matches AS m
WHERE r.document_id IS NULL AND r.number_key = m.number_key AND r.source_id = m.source_id
  AND r.referenced_date IS NOT DISTINCT FROM m.referenced_date AND r.citing_id <> m.document_id
"""

# Documents answering again after their removal, and documents found removed:
# (id, url, hash, version, at, portal).
DOCUMENT_RESTORED_SQL = """
SELECT s.document_id, o.url, d.content_hash, d.version, o.fetched_at, o.portal
FROM document_state AS s JOIN observed_documents AS o USING (document_id)
JOIN documents AS d ON d.document_id = s.document_id
WHERE s.removed_at IS NOT NULL
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""
DOCUMENT_REMOVED_SQL = """
SELECT d.document_id, o.url, d.content_hash, d.version, o.fetched_at, o.portal
FROM documents AS d JOIN observed_documents AS o USING (document_id)
LEFT JOIN document_state AS s ON s.document_id = d.document_id
WHERE s.removed_at IS NULL
QUALIFY d.version = max(d.version) OVER (PARTITION BY d.document_id)
"""


def load_documents(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    portals: Sequence[tuple[str, list[DocumentObservation]]],
    summaries: Sequence[LoadSummary],
) -> tuple[list[ReferenceRow], dict[tuple[str, int], int]]:
    """New versions of each portal's documents ((source id, documents) a portal); returns the
    references their text makes, for the caller to insert, and each new version's portal by
    (document id, version)."""
    rows = _document_versions(con, [(p, d) for p, (_, documents) in enumerate(portals) for d in documents])
    _close_documents(con, [row for _, row in rows])
    sources = [portals[p][0] for p, _ in rows]
    insert(con, "documents", documents_table([row for _, row in rows], sources, run_id))
    references = []
    for (p, (o, version, _)), source_id in zip(rows, sources, strict=True):
        made = [
            ReferenceRow(source_id, "document", o.document_id, version, ref, o.fetched_at)
            for ref in o.record.references()
        ]
        references += made
        summaries[p].documents += 1
        summaries[p].references += len(made)
    return references, {(o.document_id, version): p for p, (o, version, _) in rows}


def document_lifecycle(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    portals: Sequence[tuple[str, list[DocumentObservation], list[Gone]]],
    summaries: Sequence[LoadSummary],
) -> list[Change]:
    """'restored' for removed documents that answered again, 'removed' for those whose removal
    was confirmed ((source id, documents seen, documents gone) a portal); document_state says
    which are removed, since when. Returns the changes, for the caller to insert."""
    changes = []
    states = []
    for rows, sql, kind in (
        (
            [(p, o.document_id, o.url, o.fetched_at) for p, (_, seen, _) in enumerate(portals) for o in seen],
            DOCUMENT_RESTORED_SQL,
            "restored",
        ),
        (
            [(p, g.article_id, g.url, g.fetched_at) for p, (_, _, gone) in enumerate(portals) for g in gone],
            DOCUMENT_REMOVED_SQL,
            "removed",
        ),
    ):
        if not rows:
            continue
        con.register(
            "observed_documents",
            pa.table(
                {
                    "portal": pa.array([r[0] for r in rows], pa.int32()),
                    "document_id": pa.array([r[1] for r in rows], pa.string()),
                    "url": pa.array([r[2] for r in rows], pa.string()),
                    "fetched_at": pa.array([r[3] for r in rows], TS),
                }
            ),
        )
        found = con.execute(sql).fetchall()
        con.unregister("observed_documents")
        for document_id, url, content_hash, version, at, p in found:
            source_id = portals[p][0]
            new = None if kind == "removed" else content_hash
            changes.append(
                Change(document_id, source_id, url, kind, None, content_hash, new, version, at, run_id)
            )
            states.append((document_id, source_id, url, at if kind == "removed" else None))
            summary = summaries[p]
            setattr(summary, f"documents_{kind}", getattr(summary, f"documents_{kind}") + 1)
    if states:  # the documents restored and those removed are distinct: one upsert for both
        table = pa.table(
            {
                "document_id": pa.array([s[0] for s in states], pa.string()),
                "source_id": pa.array([s[1] for s in states], pa.string()),
                "url": pa.array([s[2] for s in states], pa.string()),
                "removed_at": pa.array([s[3] for s in states], TS),
            }
        )
        replace_for(con, "document_rows", table, UPSERT_DOCUMENT_STATE_SQL)
    return changes


def _document_versions(
    con: duckdb.DuckDBPyConnection, documents: list[tuple[int, DocumentObservation]]
) -> list[tuple[int, NewDocument]]:
    """The documents whose content is new: each with the version it becomes (and its portal)."""
    if not documents:
        return []
    con.register(
        "wanted", pa.table({"document_id": pa.array([d.document_id for _, d in documents], pa.string())})
    )
    current = {row[0]: (row[1], row[2]) for row in con.execute(CURRENT_DOCUMENTS_SQL).fetchall()}
    con.unregister("wanted")
    out = []
    for p, document in documents:
        version, known_hash = current.get(document.document_id, (0, None))
        content_hash = document.record.content_hash
        if known_hash != content_hash:
            out.append((p, NewDocument(document, version + 1, content_hash)))
    return out


def _close_documents(con: duckdb.DuckDBPyConnection, rows: list[NewDocument]) -> None:
    closes = [(o.document_id, version - 1, o.fetched_at) for o, version, _ in rows if version > 1]
    if not closes:
        return
    table = pa.table(
        {
            "document_id": [c[0] for c in closes],
            "version": pa.array([c[1] for c in closes], pa.int32()),
            "valid_to": pa.array([c[2] for c in closes], TS),
        }
    )
    register_for(con, "closes", table, CLOSE_DOCUMENTS_SQL)


def resolve_references(
    con: duckdb.DuckDBPyConnection,
    portals: int = 1,
    citing: dict[tuple[str, str, int], int] | None = None,
    documents: dict[tuple[str, int], int] | None = None,
) -> int:
    """Point unresolved references at the document they cite, where exactly one fits.

    A number fits a document with the same number key and, when the text gives
    a date, the same issue date; among several, the citing portal's own
    document wins; still several (the same state number at many communes) is
    left unresolved. Returns 0: references are counted where they are written.

    A load of several portals' crawls (`portals` of them) resolves as loading them one after
    the other would have, each load resolving at its end: `citing` gives the portal of each
    new reference ((citing type, id, version)), `documents` that of each new document version
    ((id, version)); what is older counts from the first.
    """
    if portals > 1:
        _resolve_in_turn(con, portals, citing or {}, documents or {})
        return 0
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
        chosen = _chosen(source_id, found)
        if chosen is not None:
            matches.append((number_key, source_id, referenced_date, chosen))
    if matches:
        table = pa.table(
            {
                "number_key": [m[0] for m in matches],
                "source_id": [m[1] for m in matches],
                "referenced_date": pa.array([m[2] for m in matches], pa.date32()),
                "document_id": [m[3] for m in matches],
            }
        )
        register_for(con, "matches", table, RESOLVE_SQL)
    return 0


def _chosen(source_id: str, found: Iterable[tuple[str, str]]) -> str | None:
    """The one document the candidates (document id, its source) leave for a reference of
    `source_id`, if one: its own portal's, else any."""
    found = list(found)
    own = {document_id for document_id, document_source in found if document_source == source_id}
    chosen = own if own else {document_id for document_id, _ in found}
    return next(iter(chosen)) if len(chosen) == 1 else None


def _resolve_in_turn(
    con: duckdb.DuckDBPyConnection,
    portals: int,
    citing: dict[tuple[str, str, int], int],
    documents: dict[tuple[str, int], int],
) -> None:
    """:func:`resolve_references` run after each portal's load in turn, worked out from one
    read of every unresolved reference beside the document versions it could mean.

    At the end of portal `p`'s load, the unresolved references of the portals before it and
    its own see the document versions of the portals before it and its own; a reference
    resolved stays so, and each resolution may leave another for the next turn (a group's
    references that cite the chosen document itself). References of one number, source and
    date (a group) resolve apart from the others'.
    """
    groups: dict[tuple, list[tuple]] = {}
    for row in con.execute(UNRESOLVED_ROWS_SQL).fetchall():
        number_key, source_id, referenced_date, citing_type, citing_id, citing_version = row[:6]
        document_id, version, document_source, issued = row[6:]
        if referenced_date is not None and issued is not None and referenced_date != issued:
            continue
        key = (citing_type, citing_id, citing_version)
        groups.setdefault((number_key, source_id, referenced_date), []).append(
            (
                key,
                citing_id,
                citing.get(key, 0),
                document_id,
                document_source,
                documents.get((document_id, version), 0),
            )
        )
    matches = []
    for (number_key, source_id, referenced_date), rows in groups.items():
        arrivals = {row[2] for row in rows} | {row[5] for row in rows}
        resolved: dict[tuple, str] = {}
        turn = 0
        while turn < portals:
            seen = [row for row in rows if row[2] <= turn and row[5] <= turn and row[0] not in resolved]
            chosen = _chosen(source_id, {(row[3], row[4]) for row in seen})
            changed = False
            if chosen is not None:
                for row in seen:
                    if row[1] != chosen:
                        resolved[row[0]] = chosen
                        changed = True
            # Nothing new for the group until the next arrival unless this turn resolved some.
            later = [arrival for arrival in arrivals if arrival > turn]
            turn = turn + 1 if changed else min(later, default=portals)
        matches += [
            (number_key, source_id, referenced_date, *key, chosen) for key, chosen in resolved.items()
        ]
    if matches:
        table = pa.table(
            {
                "number_key": pa.array([m[0] for m in matches], pa.string()),
                "source_id": pa.array([m[1] for m in matches], pa.string()),
                "referenced_date": pa.array([m[2] for m in matches], pa.date32()),
                "citing_type": pa.array([m[3] for m in matches], pa.string()),
                "citing_id": pa.array([m[4] for m in matches], pa.string()),
                "citing_version": pa.array([m[5] for m in matches], pa.int32()),
                "document_id": pa.array([m[6] for m in matches], pa.string()),
            }
        )
        register_for(con, "row_matches", table, RESOLVE_ROWS_SQL)
