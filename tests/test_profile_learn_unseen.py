"""Profiles learned for templates the project has never seen, from pages served from files.

``tests/pages/learn_newspaper``: a WordPress news theme (the title also in
og:title and in every other page's "Tin mới" sidebar, an unlabelled
``Thứ Hai, 03/06/2024, 09:12 [GMT+7]`` line, ``Lượt xem: 1.234`` in a span
of its own, the sapo outside the body, wp-caption figures, an ad block, a
sharing bar and related posts inside the body, unclosed paragraphs).
``tests/pages/learn_table``: an old layout-table ASP portal (the <title> is
the site name, the title in ``<td class="tieude">``, ``(Ngày đăng: 28/12/2023
- 10:15)`` and ``Số lần xem: 1,234`` in cells of a nested table, Word markup in
the body, an aligned byline, ``Trang 1/9`` pager). ``tests/pages/learn_portlet``:
a SharePoint-style portal (the <title> is the section name on every page, a
bare ``20/09/2025 08:15:00`` in a span, ``1.234 lượt xem`` with the number
first, paragraphs and divs mixed in a rich-text field, the byline an unmarked
last paragraph among styled ones). ``tests/pages/learn_flat``: a small custom
CMS with no body wrapper (title linked to itself, ``Đăng ngày: 14/03/2024 |
16:05 - Lượt xem: 1.234``, sapo, paragraphs, a bold byline and a tag list all
in one div; captions after a <br> in the image's paragraph). One article of
each has no byline.
``truth.json`` holds what each page says.
"""

from __future__ import annotations

import functools
import json
import threading
from datetime import datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.parse import parse_article, parse_listing
from portalwatch.parse.learn import Page, learn_profile
from portalwatch.parse.profile import get_profile
from portalwatch.probe import probe, read_page

PAGES = Path(__file__).parent / "pages"
FIELDS = ("title", "view_count", "byline", "lead", "body_text")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def served():
    """Serve a folder of pages over HTTP on a loopback port; yields a function folder -> base URL."""
    servers = []

    def serve(folder: Path) -> str:
        server = ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def check_record(record, expected: dict) -> None:
    for name in FIELDS:
        assert getattr(record, name) == expected[name], (expected["file"], name)
    assert record.published_at == datetime.fromisoformat(expected["published_at"])
    assert [[image.src, image.caption] for image in record.images] == expected["images"]


@pytest.mark.parametrize("template", ["learn_newspaper", "learn_table", "learn_portlet", "learn_flat"])
def test_a_profile_learned_from_five_files_reads_the_templates_other_pages(template, tmp_path):
    folder = PAGES / template
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    examples = [str(folder / page["file"]) for page in truth[:5]]
    result = CliRunner().invoke(
        app,
        [
            "profile",
            "learn",
            *examples,
            "--listing",
            str(folder / "listing.html"),
            "--name",
            "unseen",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    profile = get_profile("unseen", [tmp_path])
    assert profile.article.view_count_pattern and profile.article.byline and profile.article.lead
    for page in truth:  # the examples and the pages it has not seen
        probed = probe(str(folder / page["file"]), "unseen", "article", [str(tmp_path)])
        assert probed.failure is None, probed.failure
        check_record(probed.record, page)
    listing_html, listing_url = read_page(str(folder / "listing.html"))
    listing = parse_listing(listing_html, listing_url, profile, 10)
    assert len(listing.article_urls) == len(truth)
    # "Trang 1/9"; "Tổng số: 68 bản tin" at 10 a page; "Trang 1 / 4"; page links without a count.
    assert (
        listing.total_pages
        == {"learn_table": 9, "learn_portlet": 7, "learn_flat": 4, "learn_newspaper": None}[template]
    )


def test_learning_over_http_from_a_file_server(served, tmp_path):
    folder = PAGES / "learn_newspaper"
    base = served(folder)
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    urls = [f"{base}/{page['file']}" for page in truth]
    result = CliRunner().invoke(
        app,
        [
            "profile",
            "learn",
            *urls[2:7],
            "--listing",
            f"{base}/listing.html",
            "--name",
            "wp_news",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    profile = get_profile("wp_news", [tmp_path])
    listing_html, listing_url = read_page(f"{base}/listing.html")
    assert set(parse_listing(listing_html, listing_url, profile, 10).article_urls) == set(urls)
    for url, page in zip(urls[:2], truth[:2], strict=False):
        probed = probe(url, "wp_news", "article", [str(tmp_path)])
        assert probed.failure is None, probed.failure
        check_record(probed.record, page)
    assert "div.sharedaddy" in profile.article.drop  # the sharing bar, the same on every page, is chrome


def br_page(number: int, byline: bool = True) -> str:
    """An old portal that writes an article as one table cell of <br>-separated text, the author in bold at its end."""
    paragraphs = "<br><br>".join(
        f"Đoạn {k} của bài {number}: UBND xã tổ chức hội nghị triển khai nhiệm vụ năm {2020 + number}, "
        f"các đại biểu thảo luận về {k + 2} nội dung trọng tâm."
        for k in range(4)
    )
    closing = f"<br><br><b>Lò Văn {'ABCDEFG'[number]}</b>" if byline else ""
    return f"""<html><head><title>Xã Mường Mươn: hội nghị triển khai nhiệm vụ năm {2020 + number}</title></head><body>
<table width=900><tr><td class=left><a href=/>Trang chủ</a><br><a href=/tin>Tin tức</a></td><td>
<table><tr><td class=tieude>Xã Mường Mươn: hội nghị triển khai nhiệm vụ năm {2020 + number}</td></tr>
<tr><td class=ngay>Ngày đăng: 0{number + 1}/03/2024 08:1{number}</td></tr>
<tr><td class=noidung>{paragraphs}{closing}</td></tr>
<tr><td><a href=/a>Tin khác thứ nhất về hoạt động của xã</a><br><a href=/b>Tin khác thứ hai về hoạt động của xã</a></td></tr>
</table></td></tr></table></body></html>"""


def test_a_body_of_br_separated_text_with_the_author_in_bold_at_its_end():
    examples = [Page(f"{n}.html", f"http://127.0.0.1/tin/{n}", br_page(n, byline=n != 2)) for n in range(5)]
    profile = learn_profile(examples, "br_cms").profile()
    for number, byline in ((5, "Lò Văn F"), (6, "")):
        record = parse_article(
            br_page(number, byline=bool(byline)), f"http://127.0.0.1/tin/{number}", profile
        )
        assert record.byline == byline and record.body_text.count("\n\n") == 3
        assert record.body_text.startswith(f"Đoạn 0 của bài {number}:") and record.body_text.endswith(
            "trọng tâm."
        )
        assert record.published_at == datetime(
            2024, 3, number + 1, 8, 10 + number, tzinfo=record.published_at.tzinfo
        )
