"""Official documents are revisited by the articles' adaptive policy, and a document the portal
takes down is recorded as removed once its removal is confirmed, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawling import crawl_into, politeness, query

from portalwatch.model import Gone, PortalCrawl

REMOVALS_SQL = "SELECT url, run_id FROM changes WHERE item_kind = 'document' AND change_type = 'removed'"


def crawl_every_portal(sim, config, warehouse, revisit: str, now: datetime | None = None) -> None:
    for source_id in sim.base_urls:
        crawl_into(config, source_id, warehouse, revisit=revisit, now=now)


def test_documents_taken_down_are_recorded_removed_once_and_nothing_else(sim, warehouse, tmp_path):
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    crawl_every_portal(sim, config, warehouse, "none")
    assert {d["url"] for d in sim.documents()} == {
        url for (url,) in query(warehouse, "SELECT DISTINCT url FROM documents")
    }

    # Nothing changed: revisiting every document records nothing, and schedules them all.
    crawl_every_portal(sim, config, warehouse, "all")
    assert query(warehouse, "SELECT count(*) FROM changes WHERE item_kind = 'document'") == [(0,)]
    scheduled = query(
        warehouse, "SELECT count(*), count(*) FILTER (WHERE failed_checks = 0) FROM document_fetch_state"
    )
    documents = len(sim.documents())
    assert scheduled == [(documents, documents)]

    sim.advance(6)
    removed = {d["url"] for d in sim.documents() if d["removed"]}
    assert removed, "the simulated portals took no document down"
    crawl_every_portal(sim, config, warehouse, "all")
    crawl_every_portal(sim, config, warehouse, "due")
    recorded = query(warehouse, REMOVALS_SQL)
    assert sorted(url for url, _ in recorded) == sorted(removed)  # each once, none falsely
    held = {url for (url,) in query(warehouse, "SELECT url FROM document_state WHERE removed_at IS NOT NULL")}
    assert held == removed
    assert query(warehouse, "SELECT DISTINCT change_type FROM changes WHERE item_kind = 'document'") == [
        ("removed",)
    ]

    # A run with nothing new records nothing, for documents or articles.
    runs = query(warehouse, "SELECT count(*) FROM changes")
    crawl_every_portal(sim, config, warehouse, "due")
    assert query(warehouse, "SELECT count(*) FROM changes") == runs


def test_due_documents_are_revisited_within_the_budget(sim, warehouse, tmp_path):
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    source_id = next(iter(sim.base_urls))
    crawl_into(config, source_id, warehouse, revisit="all")
    crawl_into(config, source_id, warehouse, revisit="all")
    later = datetime.now(UTC) + timedelta(days=3650)  # past every schedule's bound
    crawl, _ = crawl_into(config, source_id, warehouse, revisit="due", now=later)
    fetched = {f.url for f in crawl.fetches if f.kind == "document"}
    held = {url for (url,) in query(warehouse, "SELECT url FROM documents WHERE source_id = ?", [source_id])}
    assert held and held <= fetched, "a due document was not revisited"
    articles = query(warehouse, "SELECT count(*) FROM article_state WHERE source_id = ?", [source_id])[0][0]
    assert crawl.revisited == min(200, articles + len(held))  # one budget for articles and documents


def test_a_removed_document_that_answers_again_is_restored(sim, warehouse, tmp_path):
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    source_id = next(iter(sim.base_urls))
    crawl, _ = crawl_into(config, source_id, warehouse, revisit="all")
    document = crawl.documents[0]
    # The warehouse recorded the document's removal (the portal took it down, then put it back).
    run_id = warehouse.start_run("test", {})
    gone = Gone(document.document_id, document.url, datetime.now(UTC))
    summary = warehouse.load_portal(run_id, PortalCrawl(crawl.source, gone_documents=[gone]))
    assert summary.documents_removed == 1
    assert query(warehouse, "SELECT count(*) FROM document_state WHERE removed_at IS NOT NULL") == [(1,)]

    _, summary = crawl_into(
        config, source_id, warehouse, revisit="due", now=datetime.now(UTC) + timedelta(days=3650)
    )
    assert summary.documents_restored == 1
    assert query(
        warehouse, "SELECT change_type FROM changes WHERE item_kind = 'document' ORDER BY detected_at"
    ) == [("removed",), ("restored",)]
    assert query(warehouse, "SELECT count(*) FROM document_state WHERE removed_at IS NOT NULL") == [(0,)]
