"""The documents of a portal's load: new document versions, their removals and
restorations, and the references that point at them."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from portalwatch.model import DocumentObservation, Gone, LoadSummary, SourceRow
from portalwatch.storage.backend import insert, replace_into
from portalwatch.storage.sqlarrow import TS, register_for
from portalwatch.storage.tables import (
    Change,
    NewDocument,
    ReferenceRow,
    changes_table,
    documents_table,
    references_table,
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


def load_documents(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source: SourceRow,
    documents: list[DocumentObservation],
    summary: LoadSummary,
) -> None:
    """New document versions, and the references their text makes."""
    rows = _document_versions(con, documents)
    _close_documents(con, rows)
    insert(con, "documents", documents_table(rows, source.source_id, run_id))
    references = [
        ReferenceRow(source.source_id, "document", o.document_id, version, ref, o.fetched_at)
        for o, version in rows
        for ref in o.record.references()
    ]
    insert(con, "document_references", references_table(references, run_id))
    summary.documents += len(rows)
    summary.references += len(references)


def document_lifecycle(
    con: duckdb.DuckDBPyConnection,
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
                    "fetched_at": pa.array([r[2] for r in rows], TS),
                }
            ),
        )
        found = con.execute(sql).fetchall()
        con.unregister("observed_documents")
        for document_id, url, content_hash, version, at in found:
            new = None if kind == "removed" else content_hash
            changes.append(
                Change(document_id, source.source_id, url, kind, None, content_hash, new, version, at, run_id)
            )
            replace_into(
                con,
                "INSERT OR REPLACE INTO document_state (document_id, source_id, url, removed_at) VALUES (?, ?, ?, ?)",
                [document_id, source.source_id, url, at if kind == "removed" else None],
            )
        setattr(summary, f"documents_{kind}", getattr(summary, f"documents_{kind}") + len(found))
    table = changes_table(changes, cause)
    insert(
        con, "changes", table.append_column("item_kind", pa.array(["document"] * table.num_rows, pa.string()))
    )


def _document_versions(
    con: duckdb.DuckDBPyConnection, documents: list[DocumentObservation]
) -> list[NewDocument]:
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
            out.append(NewDocument(document, version + 1))
    return out


def _close_documents(con: duckdb.DuckDBPyConnection, rows: list[NewDocument]) -> None:
    closes = [(o.document_id, version - 1, o.fetched_at) for o, version in rows if version > 1]
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


def resolve_references(con: duckdb.DuckDBPyConnection) -> int:
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
