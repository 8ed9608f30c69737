"""Official documents read by their layout on templates no profile knows: tables, paragraphs, lists."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import date
from pathlib import Path

import duckdb
import pytest
from aiohttp import web
from loopback import one_source, serving
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.config import load_sources
from portalwatch.crawl import crawl_portal
from portalwatch.errors import ExtractionError
from portalwatch.model import PortalCrawl
from portalwatch.parse.documents import looks_like_document, parse_document, read_document
from portalwatch.parse.fallback import extract_fallback
from portalwatch.parse.profile import get_profile
from portalwatch.sim import pages
from portalwatch.sim.world import World
from portalwatch.storage.rawstore import RawStore

PAGES = Path(__file__).parent / "pages"
URL = "http://portal.example/van-ban/chi-tiet/1"

# page -> expected fields
DOCUMENTS = {
    "table_cong_van": {
        "number": "214/UBND-VP",
        "kind": "Công văn",
        "issuer": "UBND HUYỆN ĐIỆN BIÊN ỦY BAN NHÂN DÂN XÃ MƯỜNG PHĂNG",
        "issued_date": date(2024, 3, 15),
        "issued_place": "Mường Phăng",
        "subject": "V/v tăng cường công tác phòng cháy, chữa cháy rừng mùa khô năm 2024",
        "addressees": ("Trưởng các bản trên địa bàn xã;", "Ban Quản lý rừng đặc dụng Mường Phăng."),
        "distribution": ("Như trên;", "UBND huyện (b/c);", "Lưu: VT, VP."),
        "signer": "Lò Văn Thắng",
        "signer_title": "KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
    },
    "paragraph_quyet_dinh": {
        "number": "52/QĐ-UBND",
        "kind": "Quyết định",
        "issuer": "ỦY BAN NHÂN DÂN XÃ QUÀI TỞ",
        "issued_date": date(2024, 4, 2),
        "issued_place": "Quài Tở",
        "subject": "Về việc ban hành Quy chế làm việc của Ủy ban nhân dân xã Quài Tở nhiệm kỳ 2021 - 2026",
        "addressees": (),
        "distribution": ("UBND huyện Tuần Giáo;", "Như Điều 2;", "Lưu: VT."),
        "signer": "Quàng Văn Inh",
        "signer_title": "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
    },
    "list_ke_hoach": {
        "number": "18-KH/ĐU",
        "kind": "Kế hoạch",
        "issuer": "ĐẢNG BỘ HUYỆN ĐIỆN BIÊN ĐẢNG ỦY XÃ THANH XƯƠNG",
        "issued_date": date(2024, 1, 5),
        "issued_place": "Thanh Xương",
        "subject": "tổ chức các hoạt động kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (07/5/1954 - 07/5/2024)",
        "addressees": (),
        "distribution": ("Ban Thường vụ Huyện ủy (b/c),", "Các chi bộ trực thuộc,", "Lưu Văn phòng Đảng ủy."),
        "signer": "Lường Văn Chung",
        "signer_title": "T/M ĐẢNG ỦY BÍ THƯ",
    },
}
CITED = {
    "table_cong_van": [("45/KH-UBND", "Kế hoạch", date(2024, 1, 20)), ("1234/QĐ-UBND", "Quyết định", None)],
    "paragraph_quyet_dinh": [("3056/QĐ-UBND", "Quyết định", date(2023, 12, 15))],
    "list_ke_hoach": [("156-KH/TU", "Kế hoạch", date(2023, 10, 12)), ("45-HD/BTGTU", "Hướng dẫn", None)],
}


def page(folder: str, name: str) -> str:
    return (PAGES / folder / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_a_document_is_read_by_its_layout_on_an_unknown_template(name):
    html = page("documents", name)
    assert looks_like_document(html)
    document = read_document(html, URL)
    for field, expected in DOCUMENTS[name].items():
        assert getattr(document, field) == expected, field
    assert [(r.number, r.kind, r.referenced_date) for r in document.references()] == CITED[name]
    assert document.parser_version.startswith("documents/") and not document.warnings
    for chrome in ("Trang chủ", "Văn bản mới", "Bản quyền", "Nơi nhận", document.signer):
        assert chrome not in document.body_text, chrome


def test_attachments_and_the_page_title_come_with_the_document():
    table = read_document(page("documents", "table_cong_van"), URL)
    assert [(a.url, a.kind) for a in table.attachments] == [("/Uploads/vanban/2024/214-UBND-VP.pdf", "pdf")]
    assert table.title.startswith("Công văn số 214/UBND-VP")
    decision = read_document(page("documents", "paragraph_quyet_dinh"), URL)
    assert [a.kind for a in decision.attachments] == ["docx", "pdf"]
    assert (
        decision.title == "Quyết định ban hành Quy chế làm việc của Ủy ban nhân dân xã Quài Tở"
    )  # its heading, not <title>
    assert decision.body_text.startswith("CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ QUÀI TỞ\n\nCăn cứ Luật")
    assert decision.body_text.endswith("chịu trách nhiệm thi hành Quyết định này./.")


def test_a_page_of_the_documents_details_only_gives_them_and_its_file():
    html = page("documents", "details_table")
    assert looks_like_document(html)
    document = read_document(html, URL)
    assert (document.number, document.kind, document.issuer, document.issued_date, document.signer) == (
        "87/TB-UBND",
        "Thông báo",
        "UBND huyện Nậm Pồ",
        date(2024, 5, 9),
        "Lò Văn Tiến",
    )
    assert document.subject.startswith("Kết luận của Chủ tịch UBND huyện tại buổi làm việc")
    assert document.body_text == "" and "attached files" in document.warnings[0]
    assert [(a.url, a.kind) for a in document.attachments] == [("/Upload/VanBan/87-TB-UBND.pdf", "pdf")]


def test_the_layout_reader_reads_every_simulated_document_as_written():
    """No profile: the simulator's document pages of every family, against the documents it wrote."""
    world = World(seed=5, scale=0.06)
    checked = 0
    for portal in world.portals.values():
        for document in portal.documents:
            record = read_document(pages.document_page(portal, document, random.Random(document.id)), URL)
            assert (
                record.number,
                record.kind,
                record.issuer,
                record.issued_date,
                record.subject,
                record.signer,
                record.title,
            ) == (
                document.number,
                document.kind,
                " ".join(document.issuer),
                document.issued,
                document.subject,
                document.signer,
                document.title,
            )
            assert record.addressees == tuple(line.lstrip("- ") for line in document.addressees)
            assert record.distribution == tuple(line.lstrip("- ") for line in document.distribution)
            checked += 1
    assert checked >= 6


def test_a_profile_whose_rules_miss_the_page_falls_back_to_the_layout():
    html = page("documents", "table_cong_van")
    for profile in ("generic", "dcs_aspnet"):
        document = parse_document(html, URL, get_profile(profile))
        assert (document.number, document.signer) == ("214/UBND-VP", "Lò Văn Thắng"), profile


def test_the_article_reader_refuses_a_document_dated_only_by_its_place_and_date_line():
    with pytest.raises(ExtractionError) as refused:
        extract_fallback(page("documents", "paragraph_quyet_dinh"), URL)
    assert "an official document, not an article" in refused.value.reason


@pytest.mark.parametrize(
    ("folder", "name"), [("articles", "dnn_aspnet"), ("other", "listing"), ("articles", "newspaper")]
)
def test_a_page_without_a_document_is_not_read_as_one(folder, name):
    html = page(folder, name)
    assert not looks_like_document(html)
    with pytest.raises(ExtractionError) as refused:
        parse_document(html, URL, get_profile("generic"))
    assert "no official document" in refused.value.reason


def test_probe_reads_a_document_with_no_profile_and_with_kind_document(tmp_path):
    target = tmp_path / "cong-van.html"
    target.write_text(page("documents", "table_cong_van"), encoding="utf-8")
    runner = CliRunner()
    for arguments in (
        ["probe", str(target), "--json"],
        ["probe", str(target), "--kind", "document", "--json"],
        ["probe", str(target), "--profile", "generic", "--json"],
    ):
        shown = runner.invoke(app, arguments)
        record = json.loads(shown.stdout)
        assert record["page_kind"] == "document" and record["failure"] is None, arguments
        assert (record["number"], record["signer_title"], record["issued_date"]) == (
            "214/UBND-VP",
            "KT. CHỦ TỊCH PHÓ CHỦ TỊCH",
            "2024-03-15",
        )
        assert [ref["number"] for ref in record["references"]] == ["45/KH-UBND", "1234/QĐ-UBND"]


@pytest.fixture
def document_portal():
    """A portal no profile knows, with a documents section, on a loopback port of its own."""
    names = sorted(DOCUMENTS)
    listing = "".join(f'<h3 class="title"><a href="/van-ban/{n}.html">Văn bản {n}</a></h3>' for n in names)

    async def listing_page(request: web.Request) -> web.Response:
        items = listing if request.query.get("p", "1") == "1" else ""
        return web.Response(
            text=f"<html><body><div class='vb'>{items}</div></body></html>", content_type="text/html"
        )

    async def document_page(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name not in DOCUMENTS:
            return web.Response(status=404)
        return web.Response(text=page("documents", name), content_type="text/html")

    app = web.Application()
    app.router.add_get("/van-ban", listing_page)
    app.router.add_get("/van-ban/{name}.html", document_page)
    with serving(app) as base:
        yield base


def test_a_crawl_with_the_generic_profile_stores_documents_of_an_unknown_template(
    document_portal, warehouse, tmp_path
):
    source = {
        "id": "xa-moi",
        "name": "Trang thông tin điện tử xã mới",
        "level": "commune",
        "profile": "generic",
        "base_url": document_portal,
        "sections": [
            {"name": "van-ban", "kind": "documents", "listing_url": f"{document_portal}/van-ban?p={{page}}"}
        ],
    }
    config_path = one_source(tmp_path / "sources.toml", source)
    config = load_sources(config_path)
    (source,) = config.sources
    crawl = asyncio.run(
        crawl_portal(source, config, warehouse.known_articles(source.id), RawStore(tmp_path / "raw"))
    )
    assert sorted(d.record.number for d in crawl.documents) == sorted(d["number"] for d in DOCUMENTS.values())
    loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations, crawl.documents)
    warehouse.load_portal(warehouse.start_run("test", {}), loaded)
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        stored = dict(con.execute("SELECT number, signer_title FROM documents").fetchall())
        cited = {row[0] for row in con.execute("SELECT number FROM document_references").fetchall()}
    assert stored == {d["number"]: d["signer_title"] for d in DOCUMENTS.values()}
    assert {number for numbers in CITED.values() for number, _, _ in numbers} <= cited
