"""Text fingerprints: what lets the warehouse find the same text on several portals.

Portals republish each other's articles (province → district → commune), often
with a new heading, a different byline, an attribution line or a trimmed
paragraph, so the record's content hash never matches across portals. Each
article version therefore also gets:

- ``text_hash``: SHA-256 of the words of its lead and body, lowercased, without
  punctuation — equal for copies whose text is the same whatever the heading;
- ``minhash``: a MinHash signature of the set of its five-word shingles, whose
  share of equal positions between two versions estimates the Jaccard
  similarity of their texts — close for near-duplicates.

The signatures are computed here, in Python, when versions are loaded (DuckDB
has no MinHash); the comparison is plain SQL in the ``text_matches`` view, so
any DuckDB client can run it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import duckdb
import pyarrow as pa

SHINGLE_WORDS = 5
NUM_PERM = 128  # the text_matches view bands them as 32 bands of 4 rows
SEED = 1
SCHEME = "affine32"  # pinned: datasketch's default scheme changed in 2.0, signatures must stay comparable
METHOD = f"minhash:{SCHEME}:{NUM_PERM}:seed{SEED}:words{SHINGLE_WORDS}"
BATCH_ROWS = 2000

_WORDS = re.compile(r"\w+")

PENDING_VERSIONS_SQL = """
SELECT v.article_id, v.version, v.source_id, coalesce(v.lead, '') AS lead, v.body_text
FROM article_versions AS v
ANTI JOIN text_fingerprints AS f USING (article_id, version)
ORDER BY v.article_id, v.version
LIMIT ?
"""


def words(text: str) -> list[str]:
    """The words of a text, NFC and lowercased, punctuation and spacing left out."""
    return _WORDS.findall(unicodedata.normalize("NFC", text).lower())


def shingles(tokens: list[str]) -> set[bytes]:
    """The set of SHINGLE_WORDS-word sequences (the whole text when it is shorter)."""
    if len(tokens) <= SHINGLE_WORDS:
        return {" ".join(tokens).encode("utf-8")}
    return {" ".join(tokens[i : i + SHINGLE_WORDS]).encode("utf-8") for i in range(len(tokens) - SHINGLE_WORDS + 1)}


def text_hash(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()


def fingerprint_table(rows: list[tuple[str, int, str, str, str]]) -> pa.Table:
    """Fingerprints of (article_id, version, source_id, lead, body_text) rows."""
    from datasketch import MinHash  # its numpy/scipy import is paid only when there is something to sign

    tokens = [words(f"{lead}\n{body}") for _, _, _, lead, body in rows]
    sets = [shingles(t) for t in tokens]
    signatures = MinHash.bulk(sets, num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    return pa.table({
        "article_id": [row[0] for row in rows],
        "version": pa.array([row[1] for row in rows], pa.int32()),
        "source_id": [row[2] for row in rows],
        "method": [METHOD] * len(rows),
        "text_hash": [text_hash(t) for t in tokens],
        "shingles": pa.array([len(s) for s in sets], pa.int32()),
        "minhash": pa.array([m.hashvalues.tolist() for m in signatures], pa.list_(pa.uint32())),
    })  # fmt: skip


def fingerprint_new_versions(con: duckdb.DuckDBPyConnection) -> int:
    """Add the fingerprints of every article version that has none; returns how many.

    Runs in the loader's transaction, so a batch's versions and their
    fingerprints commit together; versions loaded before the fingerprints
    existed are caught up by the next load.
    """
    added = 0
    while rows := con.execute(PENDING_VERSIONS_SQL, [BATCH_ROWS]).fetchall():
        batch = fingerprint_table(rows)
        con.register("fingerprint_rows", batch)
        con.execute(
            "INSERT INTO text_fingerprints (article_id, version, source_id, method, text_hash, shingles, minhash) "
            "SELECT article_id, version, source_id, method, text_hash, shingles, minhash FROM fingerprint_rows"
        )
        con.unregister("fingerprint_rows")
        added += batch.num_rows
    return added
