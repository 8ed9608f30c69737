"""Coverage (schema 007): per run and section, what the portal says a section holds
against what the warehouse holds of it.

Written in the portal's load transaction, after its articles, documents and
section members, so that `held` counts what this very load leaves stored: the
section's listed entries that are live articles or stored documents not removed.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from portalwatch.model import Coverage, SectionCoverage
from portalwatch.storage.sqlarrow import TS

INSERT_COVERAGE_SQL = """
INSERT INTO section_coverage
SELECT c.run_id, c.source_id, c.section, c.kind, c.walked_at, c.entries, c.entries_basis, c.total_pages, c.listed,
       h.held, CASE WHEN c.entries > 0 THEN round(100.0 * h.held / c.entries, 2) WHEN c.entries = 0 THEN 100.0 END,
       c.pages_fetched, c.missing_pages, c.resume_pages, c.walk_complete
FROM coverage_rows AS c,
LATERAL (
    SELECT count(*) AS held FROM section_members AS m
    WHERE m.source_id = c.source_id AND m.section = c.section
      AND (EXISTS (SELECT 1 FROM article_state AS s WHERE s.article_id = m.item_id AND s.removed_at IS NULL)
           OR (EXISTS (SELECT 1 FROM documents AS d WHERE d.document_id = m.item_id)
               AND NOT EXISTS (SELECT 1 FROM document_state AS r WHERE r.document_id = m.item_id AND r.removed_at IS NOT NULL)))
) AS h
"""
# This run's rows beside the same section's latest row of an earlier run that had a figure.
COMPARED_SQL = """
SELECT c.source_id, c.section, c.kind, c.entries, c.entries_basis, c.listed, c.held, c.coverage_pct, c.missing_pages,
       c.resume_pages, c.walk_complete,
       (SELECT p.coverage_pct FROM section_coverage AS p
        WHERE p.source_id = c.source_id AND p.section = c.section AND p.run_id <> c.run_id
          AND p.walked_at <= c.walked_at AND p.coverage_pct IS NOT NULL
        ORDER BY p.walked_at DESC LIMIT 1) AS previous_pct
FROM section_coverage AS c WHERE c.run_id = ? AND c.source_id IN (SELECT source_id FROM coverage_sources)
ORDER BY c.source_id, c.section
"""
# Each section's latest figure: what `portalwatch status` and the report show.
LATEST_COVERAGE_SQL = """
SELECT source_id, section, kind, held, entries, entries_basis, coverage_pct, len(missing_pages) AS missing_pages,
       walk_complete, strftime(walked_at, '%Y-%m-%d %H:%M') AS walked_at
FROM section_coverage
QUALIFY row_number() OVER (PARTITION BY source_id, section ORDER BY walked_at DESC) = 1
ORDER BY source_id, section
"""
LATEST_COVERAGE_COLUMNS = (
    "source",
    "section",
    "kind",
    "held",
    "stated",
    "basis",
    "coverage_pct",
    "missing_pages",
    "complete",
    "walked_at",
)


def write_coverage(
    con: duckdb.DuckDBPyConnection, run_id: str, source_id: str, rows: list[SectionCoverage]
) -> list[Coverage]:
    """Record this run's coverage rows inside the caller's transaction; returns them with the previous figures."""
    return write_coverages(con, run_id, [(source_id, rows)])[0]


def write_coverages(
    con: duckdb.DuckDBPyConnection, run_id: str, portals: list[tuple[str, list[SectionCoverage]]]
) -> list[list[Coverage]]:
    """:func:`write_coverage` for several portals, each another (source id, rows), in one statement
    for them all; returns each portal's rows with their previous figures."""
    flat = [(source_id, r) for source_id, rows in portals for r in rows]
    if not flat:
        return [[] for _ in portals]
    rows = [r for _, r in flat]
    table = pa.table(
        {
            "run_id": [run_id] * len(rows),
            "source_id": [source_id for source_id, _ in flat],
            "section": [r.section for r in rows],
            "kind": [r.kind for r in rows],
            "walked_at": pa.array([r.walked_at for r in rows], TS),
            "entries": pa.array([r.entries for r in rows], pa.int32()),
            "entries_basis": pa.array([r.entries_basis for r in rows], pa.string()),
            "total_pages": pa.array([r.total_pages for r in rows], pa.int32()),
            "listed": pa.array([r.listed for r in rows], pa.int32()),
            "pages_fetched": pa.array([r.pages_fetched for r in rows], pa.int32()),
            "missing_pages": pa.array(
                [list(r.missing_pages) if r.missing_pages is not None else None for r in rows],
                pa.list_(pa.int32()),
            ),
            "resume_pages": pa.array([list(r.resume_pages) for r in rows], pa.list_(pa.int32())),
            "walk_complete": pa.array([r.complete for r in rows], pa.bool_()),
        }
    )
    con.register("coverage_rows", table)
    try:
        con.execute(INSERT_COVERAGE_SQL)
    finally:
        con.unregister("coverage_rows")
    walked = [source_id for source_id, rows in portals if rows]
    ids = pa.table({"source_id": pa.array(walked, pa.string())})
    con.register("coverage_sources", ids)
    try:
        compared = con.execute(COMPARED_SQL, [run_id]).fetchall()
    finally:
        con.unregister("coverage_sources")
    by_source: dict[str, list[Coverage]] = {}
    for source_id, *row in compared:
        by_source.setdefault(source_id, []).append(Coverage(*row))
    return [by_source.get(source_id, []) if walked_rows else [] for source_id, walked_rows in portals]


def latest_coverage(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Each section's latest coverage row (LATEST_COVERAGE_COLUMNS)."""
    return con.execute(LATEST_COVERAGE_SQL).fetchall()


def describe(coverage: Coverage) -> str:
    """`tin-tuc: 28 of 30 held (93.3%, stated), 2 page(s) missing`, for logs and the run summary."""
    if coverage.entries is None:
        text = f"{coverage.section}: {coverage.held} held; the portal states no total"
    else:
        text = f"{coverage.section}: {coverage.held} of {coverage.entries} held ({coverage.pct:.1f}%, {coverage.basis})"
    if coverage.missing_pages:
        text += f", listing pages to go back for: {_pages(coverage.missing_pages)}"
    if coverage.resume_pages:
        text += f", walks to resume at page {_pages(coverage.resume_pages)}"
    return text


def section_warnings(coverages: list[Coverage]) -> list[str]:
    """What a run's summary warns of, per section walked: coverage that dropped, and a listing in
    which the profile's rules found no entry at all (an empty section, or rules that do not match
    the portal's list: the walk then says nothing else)."""
    warnings = []
    for coverage in coverages:
        if coverage.dropped:
            warnings.append(drop_warning(coverage))
        if coverage.listed == 0 and coverage.entries is not None:  # its pager read, not its pages failed
            warnings.append(
                f"{coverage.section}: its listing lists no entries (an empty section, or the profile's "
                "listing rules match none of its links)"
            )
    return warnings


def drop_warning(coverage: Coverage) -> str:
    return (
        f"{coverage.section}: coverage dropped from {coverage.previous_pct:.1f}% to {coverage.pct:.1f}% "
        f"({coverage.held} of {coverage.entries} held)"
    )


def _pages(pages: list[int], shown: int = 10) -> str:
    text = ", ".join(map(str, pages[:shown]))
    return text + (f" and {len(pages) - shown} more" if len(pages) > shown else "")
