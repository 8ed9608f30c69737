"""Visible while it runs: a crawl tells its observer what it walked, found, fetched and
failed as it goes, and the ingest flow keeps a Prefect progress artifact current."""

from __future__ import annotations

import asyncio

import pytest
from crawling import politeness
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
from prefect.client.schemas.sorting import ArtifactSort

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.flows import ingest as ingest_module
from portalwatch.flows.api import start_temporary_api
from portalwatch.model import PortalCrawl
from portalwatch.progress import PortalProgress
from portalwatch.storage.rawstore import RawStore

PORTAL = "tuachua"


def crawl_watched(config_path, warehouse, progress: PortalProgress, revisit: Revisit = Revisit.NONE):
    config = load_sources(config_path)
    source = config.select([PORTAL])[0]
    crawl = asyncio.run(
        crawl_portal(
            source,
            config,
            warehouse.known_articles(PORTAL),
            RawStore(warehouse.path.parent / "raw"),
            revisit,
            state=warehouse.portal_state(PORTAL),
            observer=progress,
        )
    )
    run_id = warehouse.start_run("test", {})
    loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations, gone=crawl.gone, state=crawl.state)
    warehouse.load_portal(run_id, loaded)
    return crawl


def test_a_crawl_tells_its_observer_what_it_walked_found_fetched_and_failed_as_it_goes(
    start_simulator, warehouse, tmp_path
):
    sim = start_simulator(faults="redirect-loops")  # some articles fail for good
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    progress = PortalProgress(PORTAL)
    snapshots: list[tuple[int, int, int, int]] = []
    progress.on_change.append(lambda p: snapshots.append((p.listing_pages, p.found, p.fetched, p.failures)))

    crawl = crawl_watched(config, warehouse, progress)
    articles = {f.url for f in crawl.fetches if f.kind == "article"}
    assert progress.found == len(articles) > 0
    assert progress.fetched == len(crawl.observations)  # every article recorded, counted once
    assert progress.failures == len(crawl.failures) > 0  # the redirect loops, reported as failures
    assert progress.fetched + progress.failures == progress.found
    assert progress.listing_pages == crawl.listing_pages and progress.listing_failures == 0
    assert progress.coverage == 1.0  # a first crawl walks every page its pagers state
    assert progress.line() == (
        f"listing pages {crawl.listing_pages}, articles {progress.fetched}/{progress.found}, "
        f"failures {progress.failures}, coverage 100%"
    )
    # Told as it went, not at the end: article by article, with fetches under way while others were found.
    assert len(snapshots) >= progress.found + crawl.listing_pages
    assert any(0 < fetched + failed < found for _, found, fetched, failed in snapshots)

    # The next crawl counts from zero: the failed articles (the frontier) and every known one, re-checked.
    again = crawl_watched(config, warehouse, progress, Revisit.ALL)
    assert progress.found == len({f.url for f in again.fetches if f.kind == "article"}) == len(articles)
    assert progress.fetched == len(again.observations) and progress.failures == len(again.failures)
    assert progress.coverage is None  # an incremental walk: the newest listing pages only


@pytest.mark.prefect
def test_the_ingest_flow_keeps_a_progress_artifact_current(start_simulator, tmp_path, monkeypatch):
    sim = start_simulator(latency_ms=20.0)  # a run of a few seconds, so that it is watched while it goes
    config = sim.write_sources(tmp_path / "sources.toml", politeness(concurrency=1, delay_seconds=0.01))
    monkeypatch.setattr(ingest_module, "PROGRESS_SECONDS", 0.2)
    start_temporary_api()  # one server for the flow and for this test's reads of the artifact
    # What a watcher of the Prefect API sees right after each update the flow sends: read
    # back at once, not polled, so that a slow machine cannot make the reads miss the run.
    polled: list[tuple[str, float, str]] = []
    update = ingest_module.aupdate_progress_artifact

    async def update_and_read_back(artifact_id, progress, description=None, **kwargs):
        updated = await update(artifact_id, progress, description, **kwargs)
        async with get_client() as client:
            (artifact,) = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-progress"])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
        polled.append((str(artifact.id), float(artifact.data), artifact.description))
        assert polled[-1][0] == str(artifact_id) and polled[-1][1:] == (progress, description)
        return updated

    monkeypatch.setattr(ingest_module, "aupdate_progress_artifact", update_and_read_back)
    summary = asyncio.run(ingest_module.ingest(config_path=str(config), warehouse=str(tmp_path / "w.duckdb")))

    assert summary["status"] == "completed"
    assert len({artifact_id for artifact_id, _, _ in polled}) == 1  # one artifact, updated in place
    values = [value for _, value, _ in polled]
    assert any(0 < value < 100 for value in values), values  # shown while the run went on

    async def final() -> tuple[float, str]:
        async with get_client() as client:
            (artifact,) = await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["ingest-progress"])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )
            assert str(artifact.id) == polled[-1][0]
            return float(artifact.data), artifact.description

    value, description = asyncio.run(final())
    assert value == 100.0 == values[-1]
    for source, portal in summary["portals"].items():
        assert (
            f"| {source} | {portal['listing_pages']} | {portal['fetched']} / {portal['fetched']} | 0 | 100% | done |"
            in description
        )
