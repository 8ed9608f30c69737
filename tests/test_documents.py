"""Official documents end to end: the simulator's documents sections over HTTP,
the crawl and parse stages, PDFs fetched and read, and the warehouse's
documents and document_references tables; and parser changes told apart
from edits on the portal."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import unicodedata
from dataclasses import replace
from datetime import date
from pathlib import Path

import httpx
import pytest
from crawling import query

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.errors import ExtractionError
from portalwatch.model import PortalCrawl
from portalwatch.parse.documents import DocumentFile, document_from_lines, number_key, pdf_text
from portalwatch.parse.profile import profiles_dir
from portalwatch.record import Attachment, article_id
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.tables import _document_files
from portalwatch.storage.warehouse import Warehouse


def crawl_into(
    config_path: Path, warehouse: Warehouse, raw: RawStore, sources=None, revisit=Revisit.NONE
) -> dict:
    """The crawl and load stages for the selected portals (no orchestration)."""
    config = load_sources(config_path)
    run_id = warehouse.start_run("test", {})
    summaries = {}
    for source in config.select(sources):
        crawl = asyncio.run(crawl_portal(source, config, warehouse.known_articles(source.id), raw, revisit))
        loaded = PortalCrawl(crawl.source, crawl.fetches, crawl.observations, crawl.documents, crawl.gone)
        summaries[source.id] = warehouse.load_portal(run_id, loaded)
        summaries[source.id].failures = crawl.failures
    return summaries


def test_documents_and_references_reach_the_warehouse(sim, warehouse, tmp_path):
    summaries = crawl_into(sim.config_path, warehouse, RawStore(tmp_path / "raw"))
    assert all(not s.failures for s in summaries.values()), {k: s.failures for k, s in summaries.items()}
    truth = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()
    stored = {
        row[0]: row
        for row in query(
            warehouse,
            """
            SELECT url, number, kind, issuer, issued_date, issued_place, subject, addressees, distribution, signer,
                   attachments, attachment_text, document_id, version
            FROM documents""",
        )
    }
    assert set(stored) == {doc["url"] for doc in truth}
    for doc in truth:
        (
            url,
            number,
            kind,
            issuer,
            issued,
            place,
            subject,
            addressees,
            distribution,
            signer,
            files,
            text,
            _,
            version,
        ) = stored[doc["url"]]
        assert (number, kind, issuer, issued.isoformat(), place, subject, signer) == (
            doc["number"],
            doc["kind"],
            doc["issuer"],
            doc["issued"],
            doc["place"],
            doc["subject"],
            doc["signer"],
        )
        assert addressees == [line.lstrip("- ") for line in doc["addressees"]]
        assert distribution == [line.lstrip("- ") for line in doc["distribution"]]
        assert version == 1
        # The attached PDF: by content hash, and its text, Vietnamese intact, carries the document.
        (attachment,) = json.loads(files)
        served = httpx.get(doc["file_url"], timeout=30).content
        assert attachment["sha256"] == hashlib.sha256(served).hexdigest() and attachment["pages"] >= 1
        assert unicodedata.is_normalized("NFC", text)
        assert doc["number"] in text and doc["signer"] in text and "ngày" in text
        assert attachment["sha256"] in RawStore(tmp_path / "raw")

    # An attached file is read as bytes: no charset is recorded for it, where every page has one.
    ((files, files_with_charset, pages_without),) = query(
        warehouse,
        """SELECT count(*) FILTER (kind = 'attachment'),
                  count(charset) FILTER (kind = 'attachment'),
                  count(*) FILTER (kind IN ('listing', 'article', 'document') AND charset IS NULL)
           FROM fetches WHERE outcome = 'ok'""",
    )
    assert files == len(truth) and files_with_charset == 0 and pages_without == 0

    # Every citation the simulator wrote is a resolved reference to the cited document.
    # Articles write numbers as portals do (spaced, with en dashes, without diacritics): compared by key.
    by_number = {number_key(doc["number"]): article_id(doc["source"], doc["url"]) for doc in truth}
    articles = {row["url"]: row for row in sim.truth()}
    references = query(
        warehouse,
        """
        SELECT r.citing_type, r.citing_id, r.number_key, r.document_id, r.referenced_date
        FROM document_references AS r""",
    )
    article_refs = {
        (citing, number): target for kind, citing, number, target, _ in references if kind == "article"
    }
    cited = [
        (article_id(row["source"], url), number_key(number))
        for url, row in articles.items()
        if not row["removed"]
        for number in row["cites"]
    ]
    assert cited, "the simulated world cites no document"
    for key in cited:
        assert article_refs[key] == by_number[key[1]]
    document_refs = {
        (citing, number): target for kind, citing, number, target, _ in references if kind == "document"
    }
    for doc in truth:
        for number in doc["cites"]:
            assert (
                document_refs[(article_id(doc["source"], doc["url"]), number_key(number))]
                == by_number[number_key(number)]
            )
    # National documents the portals cite but do not publish stay unresolved.
    external = [target for kind, _, number, target, _ in references if number not in by_number]
    assert external and all(target is None for target in external)
    assert all(d is None or isinstance(d, date) for *_, d in references)

    # A second run with nothing new fetches no document again and records nothing.
    before = (
        query(warehouse, "SELECT count(*) FROM documents")[0][0],
        query(warehouse, "SELECT count(*) FROM document_references")[0][0],
    )
    crawl_into(sim.config_path, warehouse, RawStore(tmp_path / "raw"))
    after = (
        query(warehouse, "SELECT count(*) FROM documents")[0][0],
        query(warehouse, "SELECT count(*) FROM document_references")[0][0],
    )
    assert before == after


def test_the_pdf_carries_the_same_document_as_its_page(sim):
    truth = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()
    for doc in truth[:6]:
        read = pdf_text(httpx.get(doc["file_url"], timeout=30).content, doc["file_url"])
        assert read.text_pages == read.pages >= 1 and read.scanned_pages == 0
        record = document_from_lines(read.text.split("\n"), doc["file_url"])
        assert (record.number, record.kind, record.issued_date.isoformat(), record.signer) == (
            doc["number"],
            doc["kind"],
            doc["issued"],
            doc["signer"],
        )


def test_a_parser_change_is_recorded_as_reparsed_and_an_edit_as_updated(sim, warehouse, tmp_path):
    raw = RawStore(tmp_path / "raw")
    config = tmp_path / "sources.toml"
    profiles = tmp_path / "profiles"
    profiles.mkdir()
    shutil.copy(sim.config_path, config)
    crawl_into(config, warehouse, raw, ["tuachua"])
    first = dict(query(warehouse, "SELECT url, parser_version FROM articles WHERE source_id = 'tuachua'"))
    assert set(first.values()) == {"district_portal/2+2"}

    # The profile changes (a new version that no longer reads the breadcrumb) while an hour passes on the portals.
    text = (profiles_dir() / "district_portal.toml").read_text(encoding="utf-8")
    text = text.replace("version = 2", "version = 3").replace('breadcrumb = "ol.breadcrumb li"\n', "")
    (profiles / "district_portal.toml").write_text(text, encoding="utf-8")
    config.write_text(
        config.read_text(encoding="utf-8").replace("[settings]", '[settings]\nprofile_dirs = ["profiles"]'),
        encoding="utf-8",
    )
    before = {row["url"]: row for row in sim.truth() if row["source"] == "tuachua"}
    sim.advance(1)
    after = {row["url"]: row for row in sim.truth() if row["source"] == "tuachua"}
    summary = crawl_into(config, warehouse, raw, ["tuachua"], Revisit.ALL)["tuachua"]

    edited = {
        url
        for url, row in after.items()
        if url in before and row["version"] > before[url]["version"] and not row["removed"]
    }
    unchanged = {
        url
        for url, row in after.items()
        if url in before and row["version"] == before[url]["version"] and not row["removed"]
    }
    recorded = query(
        warehouse,
        "SELECT change_type, url, changed_fields FROM changes WHERE change_type IN ('updated', 'reparsed')",
    )
    assert {url for kind, url, _ in recorded if kind == "updated"} == edited
    assert {url for kind, url, _ in recorded if kind == "reparsed"} == unchanged
    assert all(fields == ["breadcrumb"] for kind, _, fields in recorded if kind == "reparsed")
    assert summary.reparsed == len(unchanged) > 0 and summary.updated == len(edited)
    assert set(
        dict(
            query(warehouse, "SELECT url, parser_version FROM articles WHERE source_id = 'tuachua'")
        ).values()
    ) == {"district_portal/3+2"}


def _two_page_pdf() -> bytes:
    from fpdf import FPDF  # noqa: PLC0415 - the simulator's PDF library

    pdf = FPDF(format="A4")
    pdf.set_font("helvetica", size=11)
    pdf.add_page()
    pdf.multi_cell(0, 6, "Page one, line one\nPage one, line two", new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()  # a page with no text at all, as a scanned page has none
    pdf.add_page()
    pdf.multi_cell(0, 6, "Page three", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_pdfs_text_comes_by_page_and_line_and_a_broken_one_is_refused_by_url():
    data = _two_page_pdf()
    read = pdf_text(data, "https://portal.example/a.pdf")
    assert read.pages == 3 and read.text_pages == 2 and read.scanned_pages == 0  # an empty page is no scan
    assert "\r" not in read.text
    assert read.text.split("\n\n") == ["Page one, line one\nPage one, line two", "", "Page three"]

    for broken, what in [
        (b"%PDF-1.4\n" + bytes(range(256)) * 4, "garbage after a PDF header"),
        (data[: len(data) // 3], "a third of a PDF"),
        (b"<html><body>Bao tri</body></html>", "a web page"),
    ]:
        with pytest.raises(ExtractionError) as refused:
            pdf_text(broken, "https://portal.example/broken.pdf")
        assert refused.value.url == "https://portal.example/broken.pdf", what
        assert "PDF" in refused.value.reason, what


def struck_files(start_simulator, faults: str):
    """A simulator whose documents' files meet `faults` (damaged-files, scanned-files): it, the
    files' URLs it struck (some, not all), and every document's truth."""
    sim = start_simulator(faults, faults=faults)
    struck = set(httpx.get(f"{sim.control_url}/_sim/faults", timeout=30).json()[faults.replace("-", "_")])
    truth = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()
    assert struck and len(struck) < len(truth)
    return sim, struck, truth


def test_an_attached_pdf_no_reader_can_open_is_reported_and_its_document_kept_without_it(
    start_simulator, warehouse, tmp_path
):
    # Files that answer 200 in full but are damaged past reading: the run finishes, keeps each
    # document (its page is whole), records the file's fetch as a failed extraction, and reports
    # the file among the run's failures, by URL, so whoever reads the report can tell the portal.
    sim, damaged, truth = struck_files(start_simulator, "damaged-files")
    raw = RawStore(tmp_path / "raw")
    summaries = crawl_into(sim.config_path, warehouse, raw)

    failures = [failure for summary in summaries.values() for failure in summary.failures]
    assert {url for url, _ in failures} == damaged
    assert len(failures) == len(damaged)
    assert all(reason.startswith("not a readable PDF") for _, reason in failures), failures
    stored = {
        url: (json.loads(files), text)
        for url, files, text in query(warehouse, "SELECT url, attachments, attachment_text FROM documents")
    }
    assert set(stored) == {doc["url"] for doc in truth}
    for doc in truth:
        files, text = stored[doc["url"]]
        (attachment,) = files  # the link is kept; what was read of the file is not
        if doc["file_url"] in damaged:
            assert "sha256" not in attachment and not text, (doc["url"], attachment, text)
        else:
            assert attachment["sha256"] and doc["number"] in text
    recorded = {
        url: (outcome, error)
        for url, outcome, error in query(
            warehouse, "SELECT url, outcome, error FROM fetches WHERE kind = 'attachment'"
        )
    }
    for url in damaged:
        outcome, error = recorded[url]
        assert outcome == "extraction_failed" and error.startswith("not a readable PDF"), (
            url,
            outcome,
            error,
        )


# The query docs/warehouse.md gives for the documents with scanned pages in their files.
SCANNED_SQL = """
SELECT url FROM documents
WHERE valid_to IS NULL
  AND list_sum(CAST(json_extract(attachments, '$[*].scanned_pages') AS INTEGER[])) > 0
"""


def test_a_scanned_pdf_is_stored_as_read_with_its_pages_counted_as_scans_and_no_text(
    start_simulator, warehouse, tmp_path
):
    # Portals often attach the signed paper put through a scanner: pictures of its pages, no text
    # in the file. The file is read, stored and counted (nothing failed, nothing to retry), its
    # pages are told as scans, and the document keeps what its page says.
    sim, scanned, truth = struck_files(start_simulator, "scanned-files")
    summaries = crawl_into(sim.config_path, warehouse, RawStore(tmp_path / "raw"))

    assert not [failure for summary in summaries.values() for failure in summary.failures]
    stored = {
        url: (number, json.loads(files), text)
        for url, number, files, text in query(
            warehouse, "SELECT url, number, attachments, attachment_text FROM documents"
        )
    }
    assert set(stored) == {doc["url"] for doc in truth}
    for doc in truth:
        number, files, text = stored[doc["url"]]
        (attachment,) = files
        assert number == doc["number"] and attachment["sha256"] and attachment["pages"] >= 1
        if doc["file_url"] in scanned:
            assert attachment["scanned_pages"] == attachment["pages"] and attachment["text_pages"] == 0
            assert not text.strip(), (doc["url"], text[:80])
        else:
            assert attachment["text_pages"] == attachment["pages"] and attachment["scanned_pages"] == 0
            assert doc["number"] in text
    assert query(warehouse, "SELECT DISTINCT outcome FROM fetches WHERE kind = 'attachment'") == [("ok",)]
    # What a user asks of the warehouse: the documents whose files hold pages with no text to search.
    assert set(query(warehouse, SCANNED_SQL)) == {
        (doc["url"],) for doc in truth if doc["file_url"] in scanned
    }


PARAGRAPH = (
    "Thực hiện chương trình công tác năm, Ban Thường vụ Huyện ủy xây dựng kế hoạch tổ chức hội nghị "
    "sơ kết công tác xây dựng Đảng sáu tháng đầu năm như sau."
)


def test_every_attachment_a_page_names_is_stored_read_or_not():
    # Two files, the second damaged: the first is stored with its hash, the second keeps its link.
    attachments = (
        Attachment("/Uploads/12-KH.pdf", "12-KH.pdf", "pdf"),
        Attachment("/Uploads/12-KH-phu-luc.pdf", "Phụ lục", "pdf"),
    )
    read = DocumentFile("/Uploads/12-KH.pdf", "12-KH.pdf", "pdf", "ab" * 32, 2048, 1, "KẾ HOẠCH")
    record = document_from_lines(
        ["HUYỆN ỦY TỦA CHÙA", "Số: 12-KH/HU", "KẾ HOẠCH", "về việc tổ chức hội nghị", PARAGRAPH],
        "https://x.example/vb/12",
    )
    stored = json.loads(_document_files(replace(record, attachments=attachments, files=(read,))))
    assert [entry["url"] for entry in stored] == ["/Uploads/12-KH.pdf", "/Uploads/12-KH-phu-luc.pdf"]
    assert stored[0]["sha256"] == "ab" * 32 and stored[0]["pages"] == 1
    assert stored[1] == {"url": "/Uploads/12-KH-phu-luc.pdf", "name": "Phụ lục", "kind": "pdf"}
    # Before any file is read, the links alone.
    assert [
        entry.get("sha256") for entry in json.loads(_document_files(replace(record, attachments=attachments)))
    ] == [None, None]
