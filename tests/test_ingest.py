"""The whole path: the simulator over HTTP, the ingest flow on an ephemeral Prefect
server, a real DuckDB file; what is recorded must be exactly what the simulator did."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import prefect.task_engine
import prefect.utilities.engine
import pytest
from crawling import query
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from portalwatch.config import SourcesConfig
from portalwatch.flows.ingest import ingest
from portalwatch.integrity import check_warehouse
from portalwatch.model import PortalCrawl
from portalwatch.storage.rawstore import RawStore

pytestmark = pytest.mark.prefect


def run_ingest(config: Path, warehouse: Path, **parameters) -> dict:
    return asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse), **parameters))


def count(warehouse: Path, table: str) -> int:
    return query(warehouse, f"SELECT count(*) FROM {table}")[0][0]


def test_ingest_records_the_simulated_world_and_its_changes(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"

    first = run_ingest(sim.config_path, warehouse)
    assert first["status"] == "completed"
    truth = {row["url"]: row for row in sim.truth()}
    stored = {
        row[0]: row for row in query(warehouse, "SELECT url, title, published_at, version FROM articles")
    }
    assert set(stored) == {url for url, row in truth.items() if not row["removed"]}
    for url, (_, title, published_at, version) in stored.items():
        assert title == truth[url]["title"]
        assert published_at.isoformat().replace("+00:00", "") == _utc_iso(truth[url]["published_at"])
        assert version == 1
    assert count(warehouse, "changes") == len(stored)
    assert {row[0] for row in query(warehouse, "SELECT DISTINCT change_type FROM changes")} == {"created"}

    # Nothing changed on the portals: counters ticked, sidebars and related lists
    # moved, some pages arrived decomposed (NFD). None of it is a change.
    versions, changes = count(warehouse, "article_versions"), count(warehouse, "changes")
    second = run_ingest(sim.config_path, warehouse, revisit="all")
    assert count(warehouse, "article_versions") == versions
    assert count(warehouse, "changes") == changes
    assert sum(p["unchanged"] for p in second["portals"].values()) == len(stored)
    assert count(warehouse, "view_counts") > 0

    # An hour passes on the portals.
    happened = sim.advance(1)["happened"]
    third = run_ingest(sim.config_path, warehouse, revisit="all")
    after = {row["url"]: row for row in sim.truth()}
    expected = (
        {("created", url) for url in after.keys() - truth.keys()}
        | {
            ("updated", url)
            for url, row in after.items()
            if url in truth and row["version"] > truth[url]["version"]
        }
        | {
            ("removed", url)
            for url, row in after.items()
            if row["removed"] and not truth.get(url, row)["removed"]
        }
    )
    run_id = third["run_id"]
    recorded = set(
        query(
            warehouse,
            "SELECT change_type, url FROM changes WHERE run_id = ? AND item_kind = 'article'",
            [run_id],
        )
    )
    assert recorded == expected
    kinds = ("created", "updated", "removed")
    assert sum(counts[kind] for counts in happened.values() for kind in kinds) == len(expected) > 0
    # Documents the portals took down are recorded removed, by the same run.
    taken_down = {row["url"] for row in sim.documents() if row["removed"]}
    assert len(taken_down) == sum(counts["documents_removed"] for counts in happened.values())
    assert set(
        query(
            warehouse,
            "SELECT change_type, url FROM changes WHERE run_id = ? AND item_kind = 'document'",
            [run_id],
        )
    ) == {("removed", url) for url in taken_down}
    # Every article carries as many versions as the simulator made of it.
    versions_by_url = dict(query(warehouse, "SELECT url, max(version) FROM article_versions GROUP BY url"))
    assert versions_by_url == {url: row["version"] for url, row in after.items()}
    removed = {row[0] for row in query(warehouse, "SELECT url FROM articles WHERE removed_at IS NOT NULL")}
    assert removed == {url for url, row in after.items() if row["removed"]}
    # Updated articles name what changed (Joomla portals also show when they were edited).
    for (fields,) in query(warehouse, "SELECT changed_fields FROM changes WHERE change_type = 'updated'"):
        assert fields and set(fields) <= {"title", "body_text", "updated_at"}

    # Raw pages are stored once per hash: one record for each distinct hash fetched.
    raw = RawStore(tmp_path / "raw")
    distinct = query(warehouse, "SELECT count(DISTINCT raw_hash) FROM fetches WHERE raw_hash IS NOT NULL")[0][
        0
    ]
    assert raw.count() == distinct > 0
    assert raw.hashes() == {
        row[0] for row in query(warehouse, "SELECT DISTINCT raw_hash FROM fetches WHERE raw_hash IS NOT NULL")
    }
    assert list(raw.verify()) == []
    runs = query(warehouse, "SELECT status FROM runs ORDER BY started_at")
    assert runs == [("completed",)] * 3
    # The keys the loader keeps (a file enforces none on its history tables) hold.
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert check_warehouse(con) == []


def test_a_run_without_revisits_fetches_only_what_is_new(sim, tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    run_ingest(sim.config_path, warehouse)
    again = run_ingest(sim.config_path, warehouse)
    for source_id, portal in again["portals"].items():
        # The first page of the news and of the documents section; and on the Joomla portals,
        # whose pager gives only a page count, the news' last page, to count its entries.
        assert portal["listing_pages"] == (3 if source_id.startswith("xa-") else 2)
        assert portal["coverage"] == "100.0%" and not portal["warnings"]
        assert portal["fetched"] == 0
    before = {row["url"] for row in sim.truth()}
    sim.advance(1)
    new_urls = {row["url"] for row in sim.truth()} - before
    third = run_ingest(sim.config_path, warehouse)
    assert sum(p["fetched"] for p in third["portals"].values()) == len(new_urls)
    recorded = set(
        query(warehouse, "SELECT change_type, url FROM changes WHERE run_id = ?", [third["run_id"]])
    )
    assert recorded == {("created", url) for url in new_urls}


def test_a_broken_portal_is_reported_and_the_others_complete(sim, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    config = tmp_path / "with-dead-portal.toml"
    config.write_text(
        sim.config_path.read_text(encoding="utf-8")
        + f"""
[[sources]]
id = "dead-portal"
name = "A portal that does not answer"
level = "commune"
profile = "joomla_commune"
base_url = "http://127.0.0.1:{dead_port}"
politeness = {{ concurrency = 1, delay_seconds = 0.0, timeout_seconds = 2.0, retries = 2 }}
sections = [{{ name = "tin-tuc", listing_url = "http://127.0.0.1:{dead_port}/index.php/tin-tuc?start={{offset}}" }}]
""",
        encoding="utf-8",
    )
    warehouse = tmp_path / "warehouse.duckdb"
    summary = run_ingest(config, warehouse)
    dead = summary["portals"]["dead-portal"]
    assert dead["failed"] == 1 and dead["created"] == 0
    assert "ConnectError" in dead["failures"][0][1]
    assert all(p["created"] > 0 for source, p in summary["portals"].items() if source != "dead-portal")
    # robots.txt comes first; unreachable, it keeps the crawler off the host (RFC 9309).
    outcome = query(
        warehouse,
        "SELECT kind, outcome, attempts, status FROM fetches WHERE source_id = 'dead-portal' ORDER BY kind",
    )
    assert outcome == [("listing", "robots_unavailable", 0, None), ("robots", "network_error", 2, None)]
    # The run's Prefect artifacts: the per-portal table and the failed pages with reasons.
    summary_table, failures_table = asyncio.run(_latest_artifacts("ingest-summary", "ingest-failures"))
    assert "dead-portal" in summary_table and "xa-muong-dun" in summary_table
    assert f"127.0.0.1:{dead_port}" in failures_table and "ConnectError" in failures_table


async def _latest_artifacts(*keys: str) -> list[str]:
    async with get_client() as client:
        found = []
        for key in keys:
            artifacts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            found.append(str(artifacts[0].data))
        return found


def _utc_iso(local_iso: str) -> str:
    return datetime.fromisoformat(local_iso).astimezone(UTC).replace(tzinfo=None).isoformat()


def test_a_crawl_goes_to_its_load_task_without_prefect_walking_it(sim, tmp_path, monkeypatch):
    """Prefect looks for futures in a task's parameters by walking every object in them: a
    crawl of thousands of pages (or a sources config of hundreds of portals) costs it seconds.
    The flows hand them over quoted, so Prefect never walks into one."""
    walked: list[type] = []
    for module in (prefect.task_engine, prefect.utilities.engine):
        original = module.visit_collection

        def recording(expr, *args, _original=original, **kwargs):
            if kwargs.get("max_depth", -1) < 0:  # into every object, however deep
                walked.append(type(expr))
            return _original(expr, *args, **kwargs)

        monkeypatch.setattr(module, "visit_collection", recording)
    summary = run_ingest(sim.config_path, tmp_path / "warehouse.duckdb", sources=["tuachua"])
    assert summary["portals"]["tuachua"]["created"] > 0
    assert walked  # the parameters were looked at, only not these
    assert PortalCrawl not in walked and SourcesConfig not in walked
