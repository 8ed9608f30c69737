"""Backfills and re-parses, as a user runs them: flows on an ephemeral Prefect
server against the simulator, and the CLI in a child process."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
from crawling import query

from portalwatch.config import config_dir
from portalwatch.flows.api import start_temporary_api
from portalwatch.flows.backfill import backfill
from portalwatch.flows.ingest import ingest
from portalwatch.flows.reparse import reparse
from portalwatch.integrity import check_warehouse
from portalwatch.parse.profile import get_profile
from portalwatch.sim.pages import PAGE_SIZE

pytestmark = pytest.mark.prefect


def row_counts(warehouse: Path) -> dict[str, int]:
    return {
        t: query(warehouse, f"SELECT count(*) FROM {t}")[0][0]
        for t in ("article_versions", "changes", "article_state")
    }


def live_by_source(sim, source_id: str) -> list[dict]:
    """The simulator's live articles of a portal, newest first (the listing order)."""
    rows = [r for r in sim.truth() if r["source"] == source_id and not r["removed"]]
    return sorted(rows, key=lambda r: (r["published_at"], r["url"]), reverse=True)


def test_backfill_of_a_page_range_is_idempotent_and_resumes(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"

    def run():
        return asyncio.run(
            backfill(
                sources=["tuachua"],
                first_page=2,
                last_page=4,
                chunk_pages=1,
                config_path=str(sim.config_path),
                warehouse=str(warehouse),
            )
        )

    first = run()
    portal = first["portals"]["tuachua"]
    assert portal["resumed_after"] == 0
    news_chunks = query(
        warehouse, "SELECT first_page, last_page FROM backfill_progress WHERE section = 'tin-tuc' ORDER BY 1"
    )
    assert news_chunks == [(2, 2), (3, 3), (4, 4)]
    expected = {r["url"] for r in live_by_source(sim, "tuachua")[PAGE_SIZE : 4 * PAGE_SIZE]}
    stored = {row[0] for row in query(warehouse, "SELECT url FROM articles")}
    assert stored == expected and portal["created"] == len(expected) == 3 * PAGE_SIZE

    before = row_counts(warehouse)
    second = run()
    assert second["portals"]["tuachua"]["resumed_after"] == portal["chunks"] >= 3
    assert second["portals"]["tuachua"]["chunks"] == 0
    assert row_counts(warehouse) == before

    # A resumed backfill: forget the last chunk, as if the process had died before recording it.
    with duckdb.connect(str(warehouse)) as con:
        con.execute("DELETE FROM backfill_progress WHERE first_page = 4 AND section = 'tin-tuc'")
    third = run()
    assert third["portals"]["tuachua"]["chunks"] == 1
    assert third["portals"]["tuachua"]["fetched"] == 0  # its articles are stored: nothing fetched again
    assert row_counts(warehouse) == before


def test_backfill_of_a_publication_period_keeps_only_that_period(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    articles = live_by_source(sim, "muongang")
    days = sorted({date.fromisoformat(r["published_at"][:10]) for r in articles})
    since, until = days[len(days) // 3], days[2 * len(days) // 3]
    summary = asyncio.run(
        backfill(
            sources=["muongang"],
            since=since,
            until=until,
            config_path=str(sim.config_path),
            warehouse=str(warehouse),
        )
    )
    expected = {r["url"] for r in articles if since <= date.fromisoformat(r["published_at"][:10]) <= until}
    assert {row[0] for row in query(warehouse, "SELECT url FROM articles")} == expected
    assert summary["portals"]["muongang"]["created"] == len(expected) > 0


def test_refreshing_backfill_records_edits_on_the_portal(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    parameters = {
        "sources": ["dcs-dienbien"],
        "config_path": str(sim.config_path),
        "warehouse": str(warehouse),
    }
    asyncio.run(backfill(**parameters))
    before = {r["url"]: r["version"] for r in sim.truth()}
    sim.advance(1)
    edited = {
        r["url"]
        for r in sim.truth()
        if r["source"] == "dcs-dienbien" and r["url"] in before and r["version"] > before[r["url"]]
    }
    summary = asyncio.run(backfill(refresh=True, **parameters))
    updated = {row[0] for row in query(warehouse, "SELECT url FROM changes WHERE change_type = 'updated'")}
    assert updated == edited and summary["portals"]["dcs-dienbien"]["updated"] == len(edited)


def test_reparse_records_parser_changes_apart_from_portal_edits(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    asyncio.run(ingest(config_path=str(sim.config_path), warehouse=str(warehouse)))
    before = row_counts(warehouse)

    same = asyncio.run(reparse(config_path=str(sim.config_path), warehouse=str(warehouse)))
    assert row_counts(warehouse) == before
    assert sum(p["pages"] for p in same["portals"].values()) == before["article_state"]
    # Every page is the one its article's version was parsed from, by today's parser: none is parsed again.
    assert sum(p["skipped"] for p in same["portals"].values()) == before["article_state"]

    # A profile change: the district portals' lead is no longer split from the body.
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    bundled = (config_dir() / "profiles" / "district_portal.toml").read_text(encoding="utf-8")
    changed_rules = re.sub(
        r"(?m)^version = (\d+)$", lambda m: f"version = {int(m.group(1)) + 1}", bundled, count=1
    )
    changed_rules = re.sub(r"(?m)^lead = .*\n", "", changed_rules, count=1)
    assert changed_rules != bundled
    (profiles / "district_portal.toml").write_text(changed_rules, encoding="utf-8")
    config = tmp_path / "with-profiles.toml"
    config.write_text(
        sim.config_path.read_text(encoding="utf-8").replace(
            "[settings]\n", '[settings]\nprofile_dirs = ["profiles"]\n', 1
        ),
        encoding="utf-8",
    )

    changed = asyncio.run(
        reparse(profiles=["district_portal"], config_path=str(config), warehouse=str(warehouse))
    )
    district_articles = query(
        warehouse, "SELECT count(*) FROM articles WHERE source_id IN ('tuachua', 'muongang')"
    )[0][0]
    assert sum(p["reparsed"] for p in changed["portals"].values()) == district_articles > 0
    assert set(changed["portals"]) == {"tuachua", "muongang"}
    causes = query(
        warehouse,
        "SELECT cause, change_type, count(*) FROM changes WHERE run_id = ? GROUP BY ALL",
        [changed["run_id"]],
    )
    assert causes == [("parser", "reparsed", district_articles)]
    assert query(warehouse, "SELECT DISTINCT changed_fields FROM changes WHERE cause = 'parser'") == [
        (["lead", "body_text"],)
    ]
    versions = query(warehouse, "SELECT DISTINCT parser_version FROM articles WHERE source_id = 'tuachua'")
    assert versions == [(get_profile("district_portal", [str(profiles)]).parser_version,)]
    assert query(warehouse, "SELECT count(*) FROM fetches WHERE run_id = ?", [changed["run_id"]]) == [(0,)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert check_warehouse(con) == []


def test_backfill_and_ingest_at_the_same_time_keep_the_warehouse_consistent(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    # Both commands' flows run on this session's Prefect server: each would start one of its own.
    api = start_temporary_api()
    env = os.environ | {"PORTALWATCH_WAREHOUSE": str(warehouse), "PREFECT_API_URL": api}
    commands = [
        [sys.executable, "-m", "portalwatch", "run", "-c", str(sim.config_path), "--revisit", "all"],
        [sys.executable, "-m", "portalwatch", "backfill", "-c", str(sim.config_path), "--chunk-pages", "1"],
    ]
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) for c in commands
    ]
    outputs = [p.communicate(timeout=300)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    live = {r["url"] for r in sim.truth() if not r["removed"]}
    assert {row[0] for row in query(warehouse, "SELECT url FROM articles")} == live
    assert query(warehouse, "SELECT count(*) FROM changes WHERE change_type = 'created'") == [(len(live),)]
    assert query(
        warehouse, "SELECT count(*), count(DISTINCT (article_id, version)) FROM article_versions"
    ) == [(len(live), len(live))]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert check_warehouse(con) == []
    assert query(warehouse, "SELECT flow, status FROM runs ORDER BY flow") == [
        ("backfill", "completed"),
        ("ingest", "completed"),
    ]
