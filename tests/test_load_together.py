"""Distinct portals' crawls loaded together (`Warehouse.load_portals`) leave the warehouse exactly
as loading them one after the other, in the same order, does: every table's rows, every
portal's summary; over creations, edits, reparses, removals and restorations of articles and
documents, and references resolved in the order the portals' loads would have met them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from crawling import query
from test_warehouse import record
from warehouse_rows import warehouse_rows

from portalwatch.model import (
    DocumentObservation,
    FetchRow,
    Gone,
    LoadSummary,
    Observation,
    PortalCrawl,
    SourceRow,
)
from portalwatch.parse.documents import DocumentRecord, number_key
from portalwatch.record import article_id
from portalwatch.storage.warehouse import Warehouse

T0 = datetime(2025, 6, 2, 1, 0, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
SOURCES = {
    name: SourceRow(
        name, f"Cổng thông tin {name}", "commune", "commune_portal", f"https://{name}.dienbien.gov.vn"
    )
    for name in ("muongang", "tuachua", "dienbiendong", "muongnhe")
}
# Columns whose values say when a row was written, not what was loaded.
WRITTEN_AT = {("sources", "updated_at"), ("portalwatch_migrations", "applied_at")}


def url(source: str, kind: str, n: int) -> str:
    return f"{SOURCES[source].base_url}/{kind}/{n}.html"


def article(source: str, n: int, at: datetime, **edits) -> Observation:
    rec = dataclasses.replace(record(n), **edits) if edits else record(n)
    address = url(source, "tin-tuc", n)
    return Observation(article_id(source, address), address, rec, rec.content_hash, f"{n:064x}", at)


def unchanged(source: str, n: int, at: datetime, **edits) -> Observation:
    """The article seen again as the very page its current version was parsed from (not parsed)."""
    seen = article(source, n, at, **edits)
    return dataclasses.replace(seen, record=None)


def article_gone(source: str, n: int, at: datetime) -> Gone:
    address = url(source, "tin-tuc", n)
    return Gone(article_id(source, address), address, at)


def document(source: str, n: int, number: str, at: datetime, body: str = "", issued=date(2025, 5, 20)):
    rec = DocumentRecord(
        number=number,
        kind="Kết luận",
        issuer=f"UBND xã {source}",
        issued_date=issued,
        issued_place=source,
        subject=f"Về việc số {n}",
        addressees=("Các cơ quan",),
        body_text=body or f"Nội dung văn bản {n} của {source}.",
        distribution=("Lưu VT",),
        signer="Lò Văn Mừng",
        signer_title="CHỦ TỊCH",
        parser_version="commune_portal/1",
    )
    address = url(source, "van-ban", n)
    return DocumentObservation(article_id(source, address), address, rec, f"{n + 500:064x}", at)


def document_gone(source: str, n: int, at: datetime) -> Gone:
    address = url(source, "van-ban", n)
    return Gone(article_id(source, address), address, at)


def crawl(source: str, observations=(), gone=(), documents=(), gone_documents=()) -> PortalCrawl:
    fetches = [
        FetchRow(source, item.url, kind, item.fetched_at, status, outcome, None, 1, 10.0, 1024, None)
        for items, kind, status, outcome in (
            (observations, "article", 200, "ok"),
            (documents, "document", 200, "ok"),
            (gone, "article", 404, "gone"),
            (gone_documents, "document", 404, "gone"),
        )
        for item in items
    ]
    return PortalCrawl(
        SOURCES[source], fetches, list(observations), list(documents), list(gone), list(gone_documents)
    )


def cites(number: str, on: str = "") -> str:
    when = f" ngày {on}" if on else ""
    return f"Thực hiện Kết luận số {number}{when} của Ban Thường vụ. Nội dung triển khai."


def rounds() -> list[tuple[str, list[PortalCrawl]]]:
    """Runs of the same four portals: what each run's crawls saw."""
    t1, t2, t3 = T0, T0 + 24 * HOUR, T0 + 48 * HOUR
    first = [
        crawl(
            "muongang",
            [article("muongang", n, t1) for n in range(1, 6)],
            documents=[
                document("muongang", 1, "12-KL/UBND", t1, cites("30-KL/UBND")),
                document("muongang", 2, "13-KL/UBND", t1),
            ],
        ),
        crawl(
            "tuachua",
            [article("tuachua", n, t1, body_text=cites("12-KL/UBND", "20/5/2025")) for n in range(1, 4)],
            documents=[document("tuachua", 1, "30-KL/UBND", t1), document("tuachua", 2, "31-KL/UBND", t1)],
        ),
        crawl(
            "dienbiendong",
            [article("dienbiendong", n, t1, body_text=cites("13-KL/UBND")) for n in (1, 2)]
            + [article("dienbiendong", 3, t1, body_text=cites("77-KL/UBND"))],
        ),
        crawl("muongnhe"),  # a crawl that found nothing: its fetches and memory only
    ]
    second = [
        crawl(
            "muongang",
            [
                article("muongang", 1, t2, title="Tiêu đề đã sửa của bài số 1"),
                unchanged("muongang", 3, t2),
                unchanged("muongang", 4, t2, title="Không còn là phiên bản hiện tại"),
                article("muongang", 5, t2, view_count=900),
                article("muongang", 6, t2),
            ],
            gone=[article_gone("muongang", 2, t2), article_gone("muongang", 99, t2)],
            documents=[document("muongang", 1, "12-KL/UBND", t2, cites("30-KL/UBND") + " Sửa đổi.")],
            gone_documents=[document_gone("muongang", 2, t2)],
        ),
        # The number the third portal's articles cite appears at two portals in one run: loaded
        # one after the other, the first of them is the only one when the references resolve.
        crawl("tuachua", documents=[document("tuachua", 3, "77-KL/UBND", t2, issued=None)]),
        crawl(
            "dienbiendong",
            [article("dienbiendong", 1, t2, body_text=cites("13-KL/UBND") + " Bổ sung.")],
            gone=[article_gone("dienbiendong", 2, t2)],
        ),
        crawl("muongnhe", documents=[document("muongnhe", 1, "77-KL/UBND", t2, issued=None)]),
    ]
    third = [
        crawl(
            "muongang",
            [article("muongang", 2, t3), article("muongang", 7, t3)],
            documents=[document("muongang", 2, "13-KL/UBND", t3)],
            gone_documents=[document_gone("muongang", 1, t3)],
        ),
        crawl(
            "tuachua", gone=[article_gone("tuachua", 3, t3)], gone_documents=[document_gone("tuachua", 2, t3)]
        ),
        crawl(  # read anew by today's parser
            "dienbiendong",
            [
                dataclasses.replace(
                    article("dienbiendong", 2, t3, body_text=cites("31-KL/UBND")), reparsed=True
                )
            ],
        ),
        crawl("muongnhe", [article("muongnhe", 1, t3, body_text=cites("12-KL/UBND"))]),
    ]
    return [("portal", first), ("portal", second), ("portal", third)]


def tables(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that say when a row was written."""
    return warehouse_rows(warehouse.path, lambda table, column: (table, column) in WRITTEN_AT)


@pytest.fixture
def pair(tmp_path) -> tuple[Warehouse, Warehouse]:
    together, in_turn = Warehouse(tmp_path / "together.duckdb"), Warehouse(tmp_path / "in-turn.duckdb")
    for store in (together, in_turn):
        store.migrate()
    return together, in_turn


def load_both(pair, run_id: str, crawls: list[PortalCrawl], cause: str) -> list[LoadSummary]:
    together, in_turn = pair
    batched = together.load_portals(run_id, crawls, cause)
    alone = [in_turn.load_portal(run_id, c, cause) for c in crawls]
    assert batched == alone
    return batched


def test_portals_loaded_together_leave_every_table_as_loaded_one_after_the_other(pair):
    together, in_turn = pair
    runs = rounds()
    summaries = [load_both(pair, f"run-{n}", crawls, cause) for n, (cause, crawls) in enumerate(runs)]
    found = tables(together)
    assert found == tables(in_turn)
    assert all(
        found[table] for table in ("article_versions", "documents", "document_references", "document_state")
    )

    # What the runs did, so that the comparison covers every kind of change.
    first, second, third = summaries
    assert [(s.created, s.documents, s.references) for s in first] == [
        (5, 2, 1),
        (3, 2, 3),
        (3, 0, 3),
        (0, 0, 0),
    ]
    muongang = second[0]
    assert (muongang.created, muongang.updated, muongang.removed, muongang.unchanged) == (1, 1, 1, 2)
    assert (muongang.documents, muongang.documents_removed) == (1, 1)
    assert (second[2].updated, second[2].removed) == (1, 1)
    assert (third[0].restored, third[0].documents_restored, third[0].documents_removed) == (1, 1, 1)
    assert (third[1].removed, third[1].documents_removed) == (1, 1)
    assert (third[2].restored, third[2].reparsed) == (1, 1)
    kinds = {
        row[0] for row in query(together, "SELECT DISTINCT change_type || '/' || item_kind FROM changes")
    }
    assert kinds == {
        "created/article",
        "updated/article",
        "reparsed/article",
        "removed/article",
        "restored/article",
        "removed/document",
        "restored/document",
    }

    # The number at two portals of one run: the first portal's document, as in turn.
    first_document = document("tuachua", 3, "77-KL/UBND", T0).document_id
    cited = query(
        together,
        "SELECT DISTINCT document_id FROM document_references WHERE number_key = ? AND source_id = 'dienbiendong'",
        [number_key("77-KL/UBND")],
    )
    assert cited == [(first_document,)]
    # A number cited at a portal with no document of its own, matching one document: resolved.
    assert query(
        together,
        "SELECT count(*) FROM document_references WHERE source_id = 'tuachua' AND document_id IS NOT NULL",
    ) == [(3,)]


def test_the_same_crawls_in_another_order_resolve_as_that_order_does(pair):
    together, in_turn = pair
    runs = rounds()
    for n, (cause, crawls) in enumerate(runs):
        load_both(pair, f"run-{n}", list(reversed(crawls)), cause)
    assert tables(together) == tables(in_turn)
    # Loaded the other way round, the last portal's document is the first one met.
    later_document = document("muongnhe", 1, "77-KL/UBND", T0).document_id
    assert query(
        together,
        "SELECT DISTINCT document_id FROM document_references WHERE number_key = ? AND source_id = 'dienbiendong'",
        [number_key("77-KL/UBND")],
    ) == [(later_document,)]


def test_an_article_in_two_portals_crawls_loads_them_one_after_the_other(pair):
    """Crawls that share an article (or a document) cannot be told apart row by row: theirs go in
    one after the other, as the order says."""
    together, in_turn = pair
    shared = article("muongang", 1, T0)
    other = dataclasses.replace(article("muongang", 1, T0 + HOUR, title="Tiêu đề khác"), url=shared.url)
    crawls = [crawl("muongang", [shared]), crawl("tuachua", [other])]
    summaries = load_both(pair, "run-1", crawls, "portal")
    assert [(s.created, s.updated) for s in summaries] == [(1, 0), (0, 1)]
    assert tables(together) == tables(in_turn)


LOADED_TABLES = (
    "article_versions",
    "article_state",
    "changes",
    "view_counts",
    "text_fingerprints",
    "documents",
    "document_references",
    "document_state",
)


def test_loaded_together_on_either_backend_as_one_after_the_other_on_a_file(any_warehouse, tmp_path):
    together, in_turn = any_warehouse, Warehouse(tmp_path / "in-turn.duckdb")
    in_turn.migrate()
    for n, (cause, crawls) in enumerate(rounds()):
        load_both((together, in_turn), f"run-{n}", crawls, cause)
    for table in LOADED_TABLES:
        columns = ", ".join(
            f'"{row[0]}"'
            for row in query(
                in_turn,
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table],
            )
        )
        rows = [
            sorted(query(store, f"SELECT {columns} FROM {table}"), key=repr) for store in (together, in_turn)
        ]
        assert rows[0] == rows[1], table
        assert rows[0], table
