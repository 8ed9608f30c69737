"""A closed portal's history recovered from the simulator's web archive: every captured
version once, observed at its capture time, removals from 404 and redirect-home captures,
and a second run that fetches and adds nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections import defaultdict
from datetime import UTC, datetime

import httpx
import pytest
from crawling import query

from portalwatch.archive.cdx import ArchiveError
from portalwatch.archive.recover import recover_from_archive
from portalwatch.config import load_sources
from portalwatch.flows.api import start_temporary_api
from portalwatch.record import article_id
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse


def captured_at(timestamp: str) -> datetime:
    return datetime.strptime(timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def expected_history(sim, source_id: str) -> tuple[dict, dict]:
    """From the simulator's truth: per article, the capture time of each distinct version in order,
    and, for articles captured alive and later gone, the first capture that shows them gone."""
    versions, removals = {}, {}
    for row in sim.truth():
        if row["source"] != source_id:
            continue
        key = article_id(source_id, row["url"])
        first_of = {}
        for capture in sorted(row["captures"], key=lambda c: c["timestamp"]):
            if capture["status"] == 200:
                first_of.setdefault(capture["version"], captured_at(capture["timestamp"]))
            elif first_of and key not in removals:
                removals[key] = captured_at(capture["timestamp"])
        if first_of:
            versions[key] = [first_of[version] for version in sorted(first_of)]
    return versions, removals


def recorded_history(warehouse: Warehouse, source_id: str) -> tuple[dict, dict]:
    versions = defaultdict(list)
    for key, valid_from in query(
        warehouse,
        "SELECT article_id, valid_from FROM article_versions WHERE source_id = ? "
        "ORDER BY article_id, version",
        [source_id],
    ):
        versions[key].append(valid_from)
    removals = dict(
        query(
            warehouse,
            "SELECT article_id, removed_at FROM article_state WHERE source_id = ? AND removed_at IS NOT NULL",
            [source_id],
        )
    )
    return dict(versions), removals


def recover(sim, warehouse: Warehouse, source_id: str):
    config = load_sources(sim.config_path)
    source = config.select([source_id])[0]
    run_id = warehouse.start_run("archive-backfill", {"sources": [source_id]})
    recovery = asyncio.run(
        recover_from_archive(source, config, warehouse, RawStore(warehouse.path.parent / "raw"), run_id)
    )
    warehouse.finish_run(run_id, "completed", {})
    return recovery


@pytest.fixture
def closed_portal(start_simulator):
    return start_simulator("archived", archive=True, archive_steps=72, closed=("tuachua",))


def test_every_captured_version_once_at_its_capture_time_and_a_second_run_adds_nothing(
    closed_portal, warehouse
):
    sim = closed_portal
    assert load_sources(sim.config_path).select(["tuachua"])[0].closed
    kinds = {
        (c["status"], c["revisit"])
        for row in sim.truth()
        if row["source"] == "tuachua"
        for c in row["captures"]
    }
    assert kinds >= {
        (200, False),
        (200, True),
        (404, False),
        (302, False),
    }  # pages, revisits, 404s, redirects home
    first = recover(sim, warehouse, "tuachua")
    assert first.listing_pages > 1, "the index is read page after page (resume keys)"
    assert first.redirects_followed > 0, "shared links that redirect lead to the article's capture"
    assert first.loaded.failed == 0, first.loaded.failures
    expected_versions, expected_removals = expected_history(sim, "tuachua")
    versions, removals = recorded_history(warehouse, "tuachua")
    assert any(len(times) > 1 for times in expected_versions.values())
    assert versions == expected_versions
    assert expected_removals and removals == expected_removals
    assert first.duplicates + first.skipped_stored + first.fetched + first.not_pages == first.listed
    vias = query(warehouse, "SELECT DISTINCT via, archive FROM fetches WHERE source_id = 'tuachua'")
    assert vias == [("archive", "sim")]
    assert query(
        warehouse, "SELECT count(*) FROM fetches WHERE capture_timestamp IS NULL OR payload_digest IS NULL"
    ) == [(0,)]
    assert sim.requests("tuachua") == []  # the closed portal's live host was never asked

    changes = query(warehouse, "SELECT count(*) FROM changes")
    fetches = query(warehouse, "SELECT count(*) FROM fetches")
    second = recover(sim, warehouse, "tuachua")
    assert (
        second.fetched == 0 and second.loaded.created == second.loaded.updated == second.loaded.removed == 0
    )
    assert second.skipped_stored + second.duplicates + second.not_pages == second.listed
    assert query(warehouse, "SELECT count(*) FROM changes") == changes
    assert query(warehouse, "SELECT count(*) FROM fetches") == fetches


def test_an_archive_that_rate_limits_is_waited_for(start_simulator, warehouse):
    sim = start_simulator("throttled", archive=True, archive_steps=24, archive_throttle=True)
    recovery = recover(sim, warehouse, "xa-tua-thang")
    assert recovery.loaded.failed == 0, recovery.loaded.failures
    assert recorded_history(warehouse, "xa-tua-thang")[0] == expected_history(sim, "xa-tua-thang")[0]
    log = httpx.get(f"{sim.archive_url}/_sim/requests", timeout=30).json()
    refused = [entry for entry in log if entry["status"] == 429]
    assert refused and any(entry["path"].startswith("/cdx/") for entry in refused)
    for entry in refused:
        again = next(
            later for later in log if later["path"] == entry["path"] and later["start"] > entry["start"]
        )
        assert again["status"] in (200, 302, 404)  # the archived answer
        assert again["start"] - entry["start"] >= 0.95, f"{entry['path']} asked again before Retry-After"


@pytest.mark.prefect
def test_backfill_from_archive_command(closed_portal, tmp_path):
    sim = closed_portal
    store = Warehouse(tmp_path / "cli" / "warehouse.duckdb")
    # The commands' flows run on this session's Prefect server: each would start one of its own.
    env = os.environ | {"PREFECT_API_URL": start_temporary_api()}

    def portalwatch(*args: str) -> subprocess.CompletedProcess:
        command = [
            sys.executable,
            "-m",
            "portalwatch",
            *args,
            "-c",
            str(sim.config_path),
            "-w",
            str(store.path),
        ]
        return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)

    first = portalwatch("backfill", "-s", "tuachua", "--from-archive")
    assert first.returncode == 0, first.stdout + first.stderr
    assert recorded_history(store, "tuachua")[0] == expected_history(sim, "tuachua")[0]
    versions = query(store, "SELECT count(*) FROM article_versions")
    second = portalwatch("backfill", "-s", "tuachua", "--from-archive")
    assert second.returncode == 0, second.stdout + second.stderr
    assert query(store, "SELECT count(*) FROM article_versions") == versions
    assert (
        query(store, "SELECT flow, status FROM runs ORDER BY started_at")
        == [("archive-backfill", "completed")] * 2
    )
    said = " ".join(second.stdout.split())
    assert "already stored" in said

    live = portalwatch("run", "-s", "tuachua")
    assert live.returncode == 2 and "--from-archive" in " ".join(live.stderr.split())
    mixed = portalwatch("run", "-s", "tuachua", "-s", "xa-tua-thang", "--max-listing-pages", "1")
    assert mixed.returncode == 0, mixed.stdout + mixed.stderr
    assert "tuachua' is closed" in " ".join(mixed.stderr.split())
    crawled = query(
        store, "SELECT DISTINCT source_id, via FROM fetches WHERE run_id = (SELECT max(run_id) FROM runs)"
    )
    assert crawled == [("xa-tua-thang", "live")]


def test_an_archive_that_does_not_answer_is_an_error_naming_it_and_stores_nothing(
    closed_portal, tmp_path, warehouse
):
    sim = closed_portal
    dead = sim.base_urls["tuachua"]  # closed: nothing listens there
    text = sim.config_path.read_text(encoding="utf-8").replace(sim.archive_url, dead)
    text = text.replace(
        "[archives.sim.politeness]",
        "[archives.sim.politeness]\nbackoff_seconds = 0.05\nbreaker_threshold = 2\nbreaker_cooldown_seconds = 0.1",
    )
    config_path = tmp_path / "dead-archive.toml"
    config_path.write_text(text, encoding="utf-8")
    config = load_sources(config_path)
    with pytest.raises(ArchiveError) as error:
        asyncio.run(
            recover_from_archive(
                config.select(["tuachua"])[0], config, warehouse, RawStore(tmp_path / "raw"), "run-1"
            )
        )
    assert f"{dead}/cdx/search/cdx?" in str(error.value) and "did not answer" in str(error.value)
    assert query(warehouse, "SELECT count(*) FROM fetches") == [(0,)]
