"""Official documents are revisited by the articles' adaptive policy, and a document the portal
takes down is recorded as removed once its removal is confirmed, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crawling import crawl_into, politeness, query

from portalwatch.analytics.report import collect
from portalwatch.config import RevisitPolicy, load_sources
from portalwatch.flows.fanout import portal_summary
from portalwatch.flows.ingest import SUMMARY_COLUMNS
from portalwatch.model import Gone, PortalCrawl
from portalwatch.status import freshness
from portalwatch.storage.warehouse import open_reader
from portalwatch.summary import print_summary

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


def test_document_removals_show_in_status_the_run_summary_and_the_report(sim, warehouse, tmp_path, capsys):
    config = sim.write_sources(tmp_path / "sources.toml", politeness())
    source_id = next(iter(sim.base_urls))
    crawl, _ = crawl_into(config, source_id, warehouse, revisit="none")
    document = crawl.documents[0]
    held = len({d.document_id for d in crawl.documents})
    # The portal took one document down: a run recorded its removal, and nothing else.
    run_id = warehouse.start_run("test", {})
    taken_down = PortalCrawl(
        crawl.source, gone_documents=[Gone(document.document_id, document.url, datetime.now(UTC))]
    )
    summary = portal_summary(taken_down, warehouse.load_portal(run_id, taken_down))
    warehouse.finish_run(run_id, "completed", {})

    # The run summary: a column of its own, printed and stored like the others.
    assert summary["documents_removed"] == 1 and summary["removed"] == 0
    assert "documents_removed" in SUMMARY_COLUMNS
    capsys.readouterr()
    print_summary({"run_id": run_id, "status": "completed", "portals": {source_id: summary}})
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if "source" in line)
    row = next(line for line in printed.splitlines() if source_id in line)
    cells = [cell.strip() for cell in row.split("│")[1:-1]]
    columns = [cell.strip() for cell in header.split("┃")[1:-1]]
    assert dict(zip(columns, cells, strict=True))["documents removed"] == "1"

    # `portalwatch status`: per source, documents held and removed beside the articles.
    with open_reader(warehouse.path) as con:
        columns, rows = freshness(con, load_sources(config))
    row = dict(zip(columns, next(r for r in rows if r[0] == source_id), strict=True))
    assert (row["documents"], row["documents_removed"], row["removed"]) == (held - 1, 1, 0)

    # The report: the portals table, the removed pages, the totals and the removals chart.
    with open_reader(warehouse.path) as con:
        report = collect(con, str(warehouse.path))
    portals_columns, portals = report.tables["Portals"]
    portal = dict(zip(portals_columns, next(p for p in portals if p[0] == source_id), strict=True))
    assert (portal["documents"], portal["documents removed"], portal["removed"]) == (held - 1, 1, 0)
    removed_columns, removed = report.tables["Removed pages"]
    assert [dict(zip(removed_columns, r, strict=True))["url"] for r in removed] == [document.url]
    assert dict(zip(removed_columns, removed[0], strict=True))["kind"] == "document"
    assert report.totals["documents removed"] == 1 and report.totals["articles removed"] == 0
    assert next(chart for chart in report.charts if chart.key == "edits").svg is not None


def test_a_document_whose_revisit_failed_is_due_at_the_next_run_then_after_a_doubling_wait(
    sim, warehouse, tmp_path
):
    policy = RevisitPolicy()
    # Quick to give up on a host that does not answer.
    config = sim.write_sources(
        tmp_path / "sources.toml", politeness(breaker_threshold=3, outage_wait_seconds=0.2)
    )
    source_id = next(iter(sim.base_urls))
    crawl_into(config, source_id, warehouse, revisit="all")
    held = {url for (url,) in query(warehouse, "SELECT url FROM document_fetch_state")}
    assert held

    def failed_checks() -> dict[str, int]:
        return dict(query(warehouse, "SELECT url, failed_checks FROM document_fetch_state"))

    def documents_tried() -> set[str]:
        """The documents the latest run asked for."""
        sql = (
            "SELECT DISTINCT url FROM fetches WHERE kind = 'document' AND run_id = "
            "(SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1)"
        )
        return {url for (url,) in query(warehouse, sql)}

    sim.__exit__(None, None, None)  # the portal stops answering
    later = datetime.now(UTC) + timedelta(days=3650)  # every document due
    crawl_into(config, source_id, warehouse, revisit="due", now=later)
    assert failed_checks() == dict.fromkeys(held, 1)
    # Due again at the very next run, minutes later, not when its interval would have ended.
    crawl_into(config, source_id, warehouse, revisit="due")
    assert documents_tried() >= held and failed_checks() == dict.fromkeys(held, 2)
    # Failed twice: it waits min_interval_hours, so the next run leaves it ...
    crawl_into(config, source_id, warehouse, revisit="due")
    assert not documents_tried() & held and failed_checks() == dict.fromkeys(held, 2)
    # ... and a run past that wait tries it again; the wait then doubles.
    past = datetime.now(UTC) + timedelta(hours=policy.min_interval_hours, minutes=5)
    crawl_into(config, source_id, warehouse, revisit="due", now=past)
    assert documents_tried() >= held and failed_checks() == dict.fromkeys(held, 3)
    waits = query(
        warehouse,
        "SELECT min(epoch(next_revisit_at - checked) / 3600), max(epoch(next_revisit_at - checked) / 3600) "
        "FROM document_fetch_state AS s JOIN (SELECT url, max(fetched_at) AS checked FROM fetches "
        "WHERE kind = 'document' GROUP BY url) AS f USING (url)",
    )
    assert waits[0][0] > 1.9 * policy.min_interval_hours and waits[0][1] < 2.1 * policy.min_interval_hours
    # A host that did not answer removed nothing and changed nothing.
    assert query(warehouse, "SELECT count(*) FROM changes WHERE change_type <> 'created'") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM document_state") == [(0,)]
