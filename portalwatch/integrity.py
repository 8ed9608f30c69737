"""Integrity checks of a warehouse's history: the keys and version chains the loader keeps.

A DuckLake warehouse (catalog in PostgreSQL, data as Parquet) has no keys at all, and a
DuckDB file none on its history tables (article versions, their fingerprints, documents:
schema version 16) while it enforces its state tables' keys; what the loaders wrote is
checked afterwards, with SQL that answers on either. :func:`check_warehouse` runs on the
connection's current catalog and schema (`USE lake` first for an attached DuckLake) and
skips the checks whose tables are not there.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# At most this many problems of one kind are listed (their total is reported beside them).
MAX_LISTED = 100


@dataclass(frozen=True, slots=True)
class Problem:
    """One broken rule: which check, the table, the offending key, and what is wrong."""

    check: str
    table: str
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.table} {self.key}: {self.detail}"


@dataclass(frozen=True, slots=True)
class _Check:
    name: str
    table: str
    needs: tuple[str, ...]  # the tables it reads
    sql: str  # rows of (key, detail), key columns joined into one string


def _duplicates(name: str, table: str, columns: tuple[str, ...]) -> _Check:
    key = " || ' ' || ".join(f"coalesce(CAST({column} AS VARCHAR), 'NULL')" for column in columns)
    listed = ", ".join(columns)
    return _Check(
        name,
        table,
        (table,),
        f"SELECT {key} AS key, printf('%d rows share ({listed})', count(*)) AS detail "
        f"FROM {table} GROUP BY ALL HAVING count(*) > 1 ORDER BY key",
    )


def _version_chain(name: str, table: str, id_column: str) -> _Check:
    return _Check(
        name,
        table,
        (table,),
        f"SELECT {id_column} AS key, "
        "printf('versions %s are not 1..%d', string_agg(DISTINCT CAST(version AS VARCHAR), ',' "
        "ORDER BY CAST(version AS VARCHAR)), max(version)) AS detail "
        f"FROM {table} GROUP BY {id_column} "
        "HAVING min(version) <> 1 OR max(version) <> count(DISTINCT version) ORDER BY key",
    )


CHECKS: tuple[_Check, ...] = (
    _duplicates("duplicate version", "article_versions", ("article_id", "version")),
    _duplicates("duplicate version", "documents", ("document_id", "version")),
    _duplicates("duplicate fingerprint", "text_fingerprints", ("article_id", "version")),
    _duplicates("duplicate state", "article_state", ("article_id",)),
    _duplicates("duplicate change", "changes", ("article_id", "change_type", "version", "detected_at")),
    _Check(
        "duplicate change",
        "changes",
        ("changes",),
        "SELECT article_id || ' ' || CAST(version AS VARCHAR) AS key, "
        "printf('%d changes made version %d (%s)', count(*), version, string_agg(change_type, ',')) AS detail "
        "FROM changes WHERE change_type IN ('created', 'updated', 'reparsed') "
        "GROUP BY article_id, version HAVING count(*) > 1 ORDER BY key",
    ),
    _version_chain("version gap", "article_versions", "article_id"),
    _version_chain("version gap", "documents", "document_id"),
    _Check(
        "state off its versions",
        "article_state",
        ("article_state", "article_versions"),
        "SELECT s.article_id AS key, "
        "printf('current_version %d, latest stored version %s', s.current_version, "
        "coalesce(CAST(v.latest AS VARCHAR), 'none')) AS detail "
        "FROM article_state AS s LEFT JOIN "
        "(SELECT article_id, max(version) AS latest FROM article_versions GROUP BY article_id) AS v "
        "ON v.article_id = s.article_id "
        "WHERE v.latest IS DISTINCT FROM s.current_version ORDER BY key",
    ),
)


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database() AND table_schema = current_schema() "
        "AND table_type = 'BASE TABLE'"
    ).fetchall()
    return {row[0] for row in rows}


def check_warehouse(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """Every broken key or version chain in the warehouse on `con`; empty when it is sound."""
    tables = _tables(con)
    problems: list[Problem] = []
    for check in CHECKS:
        if not set(check.needs) <= tables:
            continue
        rows = con.execute(
            f"SELECT key, detail, count(*) OVER () FROM ({check.sql}) LIMIT {MAX_LISTED}"
        ).fetchall()
        problems.extend(Problem(check.name, check.table, key, detail) for key, detail, _ in rows)
        if rows and rows[0][2] > len(rows):
            problems.append(
                Problem(check.name, check.table, "…", f"{rows[0][2] - len(rows)} more not listed")
            )
    return problems
