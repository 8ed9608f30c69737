"""Text fingerprints in the warehouse (``text_fingerprints``): the rows of the fingerprints
the similarity module makes, and the catching up of versions that have none.

Apart from `portalwatch.storage.similarity`, which signs texts, so that the parse
workers that sign never load DuckDB or Arrow.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pyarrow as pa

from portalwatch.storage.similarity import (
    METHOD,
    NUM_PERM,
    Fingerprint,
    article_text,
    fingerprint_texts,
)
from portalwatch.storage.sqlarrow import query_arrow

BATCH_ROWS = 5000  # versions fingerprinted per query when catching up


def fingerprint_table(keys: pa.Table, fingerprints: Sequence[Fingerprint]) -> pa.Table:
    """Rows of ``text_fingerprints``: `keys` (article_id, version, source_id) with their fingerprints."""
    count = len(fingerprints)
    values = np.frombuffer(b"".join(f.minhash for f in fingerprints), dtype="<u4")
    offsets = pa.array(np.arange(count + 1, dtype=np.int32) * NUM_PERM, pa.int32())
    sample_values = np.frombuffer(b"".join(f.sample for f in fingerprints), dtype="<u8")
    sample_offsets = np.zeros(count + 1, np.int32)
    np.cumsum([len(f.sample) // 8 for f in fingerprints], out=sample_offsets[1:])
    return pa.table(
        {
            "article_id": keys.column("article_id"),
            "version": keys.column("version"),  # INTEGER: int32
            "source_id": keys.column("source_id"),
            "method": pa.array([f.method for f in fingerprints], pa.string()),
            "text_hash": pa.array([f.text_hash for f in fingerprints], pa.string()),
            "shingles": pa.array([f.shingles for f in fingerprints], pa.int32()),
            "minhash": pa.ListArray.from_arrays(offsets, pa.array(values, pa.uint32())),
            "sample": pa.ListArray.from_arrays(
                pa.array(sample_offsets, pa.int32()), pa.array(sample_values, pa.uint64())
            ),
        }
    )


def insert_fingerprints(con: duckdb.DuckDBPyConnection, rows: pa.Table) -> None:
    if rows.num_rows == 0:
        return
    con.register("fingerprint_rows", rows)
    con.execute(
        "INSERT INTO text_fingerprints (article_id, version, source_id, method, text_hash, shingles, minhash, sample) "
        "SELECT article_id, version, source_id, method, text_hash, shingles, minhash, sample FROM fingerprint_rows"
    )
    con.unregister("fingerprint_rows")


COUNTS_SQL = """
SELECT (SELECT count(*) FROM article_versions),
       (SELECT count(*) FROM text_fingerprints),
       (SELECT count(*) FROM text_fingerprints WHERE method = $method)
"""

PENDING_KEYS_SQL = """
SELECT v.article_id, v.version
FROM article_versions AS v
ANTI JOIN (SELECT article_id, version FROM text_fingerprints WHERE method = $method) AS f USING (article_id, version)
ORDER BY v.article_id, v.version
"""

PENDING_TEXTS_SQL = """
SELECT v.article_id, v.version, v.source_id, coalesce(v.lead, '') AS lead, v.body_text
FROM article_versions AS v JOIN pending_keys USING (article_id, version)
ORDER BY v.article_id, v.version
"""


def fingerprint_missing_versions(con: duckdb.DuckDBPyConnection) -> int:
    """Fingerprint every article version that has no fingerprint of this METHOD; returns how many.

    Runs in the loader's transaction after the batch's own fingerprints are in.
    When every version has one, that is two counts (no join): versions are never
    deleted and have one fingerprint each, so the counts are equal exactly when
    none is missing. Versions loaded before the fingerprints existed, and those
    whose fingerprint was made by another method (its rows are replaced), are
    caught up here.
    """
    ((versions, fingerprints, current),) = con.execute(COUNTS_SQL, {"method": METHOD}).fetchall()
    if versions == current == fingerprints:
        return 0
    if fingerprints != current:
        con.execute("DELETE FROM text_fingerprints WHERE method <> $method", {"method": METHOD})
    pending = query_arrow(con, PENDING_KEYS_SQL, {"method": METHOD})
    for start in range(0, pending.num_rows, BATCH_ROWS):
        con.register("pending_keys", pending.slice(start, BATCH_ROWS))
        rows = query_arrow(con, PENDING_TEXTS_SQL)
        con.unregister("pending_keys")
        texts = [
            article_text(lead, body)
            for lead, body in zip(rows["lead"].to_pylist(), rows["body_text"].to_pylist(), strict=False)
        ]
        insert_fingerprints(con, fingerprint_table(rows, fingerprint_texts(texts)))
    return pending.num_rows
