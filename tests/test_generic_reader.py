"""The generic reader on templates no profile knows, and the date forms Vietnamese portals write.

The pages under tests/pages/articles are shaped like real platforms (a portal
server's portlets, SharePoint web parts, WordPress, DNN, a provincial
newspaper, an old table layout, Joomla 4, an eGov portal, a JavaScript
front end with JSON-LD, a table layout with a dated sidebar on the left, a
bare date under the heading, a Word paste with a bold 18px heading and the
date in the cell after its label, a body split in two sections around a photo);
tests/pages/other holds pages that are not articles.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.errors import ExtractionError
from portalwatch.parse import parse_article
from portalwatch.parse.dates import find_dates, first_date, parse_date
from portalwatch.parse.fallback import extract_fallback
from portalwatch.parse.fields import find_datetime
from portalwatch.parse.profile import get_profile

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PAGES = Path(__file__).parent / "pages"
URL = "http://portal.example/tin-tuc/chi-tiet/1"


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=TZ)


# page -> (title, published_at, view_count, author, first words of the body, last words of the body)
ARTICLES = {
    "portlet_portal": (
        "Huyện Tủa Thàng ra quân trồng 120 ha rừng phòng hộ đầu nguồn năm 2025",
        at(2025, 9, 20, 8, 15),
        1284,
        "Quàng Văn Pó",
        "Sáng 19/9, Ban Chỉ đạo",
        "tỷ lệ sống trên 85%.",
    ),
    "sharepoint": (
        "Lai Châu: Triển khai chiến dịch tiêm vắc xin sởi cho trẻ từ 1 đến 10 tuổi",
        at(2024, 3, 14, 16, 5),
        2345,
        "Đỗ Thị Lan",
        "Thực hiện chỉ đạo của Bộ Y tế",
        "hướng dẫn của cán bộ y tế.",
    ),
    "wordpress": (
        "Hội Nông dân xã Na Sang tập huấn nuôi ong lấy mật",
        at(2024, 6, 3, 8, 30),
        None,
        "Lường Thị Xuân",
        "Ngày 1/6, Hội Nông dân xã Na Sang",
        "từ nghề nuôi ong.",
    ),
    "dnn_aspnet": (
        "Thị xã Mường Lay tổ chức Ngày hội Đại đoàn kết toàn dân tộc tại tổ dân phố số 2",
        at(2023, 12, 22, 14, 35, 10),
        1234,
        "Hoàng Thu Trang",
        "Ngày 21/12, Ban công tác Mặt trận",
        "khu dân cư văn hóa.",
    ),
    "newspaper": (
        "Mở rộng vùng trồng chè Shan tuyết ở Phìn Hồ",
        at(2024, 11, 12, 7, 58),
        None,
        "Minh Tuấn",
        "Những ngày này, trên các triền đồi",
        "người dân vùng cao.",
    ),
    "table_layout": (
        'Mường Ảng tổng kết 10 năm thực hiện phong trào "Toàn dân đoàn kết xây dựng đời sống văn hóa"',
        at(2023, 12, 28, 10, 15),
        567,
        "Lò Văn Hùng",
        "Sáng ngày 27/12, Ban Chỉ đạo",
        "trong thực hiện phong trào.",
    ),
    "joomla4": (
        "Xã Thanh Nưa ra mắt mô hình “Dân vận khéo” trong xây dựng nông thôn mới",
        at(2024, 10, 8, 15, 20),
        1532,
        "Lò Thị Hương",
        "Chiều 7/10, Đảng ủy xã Thanh Nưa",
        "nông thôn mới nâng cao.",
    ),
    "egov_col_left": (
        "Sơn La giải ngân vốn đầu tư công đạt 78% kế hoạch",
        at(2024, 3, 14, 16, 5),
        3456,
        "",
        "Theo báo cáo của Sở Kế hoạch và Đầu tư",
        "trước ngày 31/3.",
    ),
    "nuxt_jsonld": (
        "Ngày hội văn hóa các dân tộc huyện Điện Biên Đông năm 2024",
        at(2024, 6, 9, 14, 20),
        2019,
        "Giàng A Dế",
        "Ngày 8 và 9/6, huyện Điện Biên Đông",
        "các đoàn có thành tích cao.",
    ),
    "left_sidebar_table": (
        "Hội nghị sơ kết công tác 6 tháng đầu năm 2024",
        at(2024, 7, 5, 14, 30),
        1234,
        "Quàng Thị Mai",
        "Sáng 4/7, UBND xã Nà Tấu",
        "giữ vững an ninh trật tự.",
    ),
    "bare_date": (
        "Xã Pú Nhi ra quân tổng vệ sinh môi trường hưởng ứng Ngày Môi trường thế giới",
        at(2024, 6, 6, 9, 12),
        None,
        "Lý A Dơ",
        "Sáng 5/6, Đoàn Thanh niên xã Pú Nhi",
        "trên địa bàn xã.",
    ),
    "word_pasted": (
        "Mường Nhé: Khai giảng lớp xóa mù chữ cho đồng bào dân tộc Mông",
        at(2024, 10, 14),
        1024,
        "Vàng A Sử",
        "Ngày 12/10, Trung tâm Giáo dục",
        "phục vụ sản xuất và đời sống.",
    ),
    "split_sections": (
        "Xã Mường Mươn tổng kết công tác chuyển đổi số năm 2024",
        at(2024, 12, 20, 9, 0),
        310,
        "Lò Thị Hoa",
        "Sáng 19/12, UBND xã Mường Mươn",
        "thanh toán không dùng tiền mặt.",
    ),
}


def page(folder: str, name: str) -> str:
    return (PAGES / folder / f"{name}.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_an_unseen_template_is_read_field_by_field(name):
    title, published_at, view_count, author, starts, ends = ARTICLES[name]
    record = extract_fallback(page("articles", name), URL)
    assert record.title == title
    assert record.published_at == published_at
    assert record.view_count == view_count
    assert record.author == author
    assert record.body_text.startswith(starts) and record.body_text.endswith(ends)
    assert record.extraction == "fallback" and 0 < record.confidence <= 1
    for chrome in ("Trang chủ", "truy cập", "Tin mới", "Bài viết mới", "Các tin khác", "Bản quyền", title):
        assert chrome not in record.body_text, chrome


def test_the_generic_profile_reads_them_through_parse_article():
    generic = get_profile("generic")
    for name, (title, published_at, *_rest) in ARTICLES.items():
        record = parse_article(page("articles", name), URL, generic)
        assert (record.title, record.published_at) == (title, published_at), name


def test_a_marked_lead_is_kept_apart_from_the_body():
    newspaper = extract_fallback(page("articles", "newspaper"), URL)
    assert newspaper.lead.startswith("LCĐT - Năm 2024, xã Phìn Hồ trồng mới 35 ha chè")
    assert "LCĐT" not in newspaper.body_text
    egov = extract_fallback(page("articles", "egov_col_left"), URL)
    assert egov.lead.startswith("Tính đến ngày 10/3") and "Tính đến ngày 10/3" not in egov.body_text
    assert egov.attribution == "Sở Kế hoạch và Đầu tư"


def test_photos_keep_their_captions_out_of_the_body():
    captions = {
        "wordpress": ("tap-huan-ong-1024x683.jpg", "Hội viên thực hành chia đàn ong"),  # <figcaption>
        "newspaper": ("che-phin-ho.jpg", "Người dân thôn Phìn Hồ Thầu thu hái chè."),  # a caption class
        "portlet_portal": (
            "trong-rung-tua-thang.jpg",
            "Cán bộ và nhân dân xã Mường Báng trồng rừng phòng hộ",
        ),  # <em>
        "split_sections": ("cds.jpg", "Quang cảnh hội nghị"),  # beside the image, between the sections
    }
    for name, (src, caption) in captions.items():
        record = extract_fallback(page("articles", name), URL)
        assert [(image.src, image.caption) for image in record.images] == [(src, caption)], name
        assert caption not in record.body_text, name


def test_the_breadcrumb_trail_is_read_without_its_separators():
    trails = {
        "joomla4": ("Trang chủ", "Tin tức"),
        "egov_col_left": ("Trang chủ", "Tin tức sự kiện"),
        "sharepoint": ("Trang chủ", "Tin tức sự kiện"),
        "table_layout": (),
    }
    for name, trail in trails.items():
        assert extract_fallback(page("articles", name), URL).breadcrumb == trail, name


def test_a_main_column_named_like_chrome_keeps_the_title_date_and_body():
    """`col-left` names a sidebar on some portals and the article's column on others."""
    record = extract_fallback(page("articles", "egov_col_left"), URL)
    assert record.title == "Sơn La giải ngân vốn đầu tư công đạt 78% kế hoạch"
    assert record.body_text.count("\n\n") == 2  # three paragraphs; the source line is the byline
    assert "Thông báo tuyển dụng" not in record.body_text and "12.345.678" not in record.body_text


def test_a_title_in_a_table_cell_wins_over_the_site_name_in_title():
    html = page("articles", "table_layout")
    assert "<title>UBND HUYỆN MƯỜNG ẢNG</title>" in html
    record = extract_fallback(html, URL)
    assert record.title.startswith("Mường Ảng tổng kết 10 năm") and "UBND HUYỆN" not in record.title


def test_metadata_is_trusted_over_the_visible_line_and_the_update_is_kept():
    record = extract_fallback(page("articles", "wordpress"), URL)
    assert record.published_at == at(2024, 6, 3, 8, 30)  # article:published_time 01:30 UTC
    assert record.updated_at == at(2024, 6, 4, 9, 0)
    assert "metadata" in record.rules["published_at"]


def test_a_time_after_a_bar_or_a_dash_is_not_dropped():
    sharepoint = extract_fallback(page("articles", "sharepoint"), URL)
    table = extract_fallback(page("articles", "table_layout"), URL)
    assert (sharepoint.published_at.hour, sharepoint.published_at.minute) == (16, 5)
    assert (table.published_at.hour, table.published_at.minute) == (10, 15)


def test_a_bare_date_is_trusted_less_than_a_labelled_one():
    bare = extract_fallback(page("articles", "bare_date"), URL)
    labelled = extract_fallback(page("articles", "left_sidebar_table"), URL)
    assert bare.confidence < labelled.confidence and any(
        "unlabelled date" in warning for warning in bare.warnings
    )


def test_a_title_not_shown_near_the_date_comes_from_metadata_with_less_confidence():
    html = (
        """<html><head><meta property="og:title" content="Xã Pa Tần tổ chức Ngày hội Đại đoàn kết">
    <title>Xã Pa Tần tổ chức Ngày hội Đại đoàn kết - Cổng thông tin điện tử xã Pa Tần</title></head><body>
    <div class="info">Ngày đăng: 18/11/2024 08:00</div><div class="noidung">"""
        + "<p>Ngày 17/11, tại bản Pa Tần, Ban công tác Mặt trận tổ chức Ngày hội Đại đoàn kết toàn dân tộc.</p>"
        * 4
        + "</div></body></html>"
    )
    record = extract_fallback(html, URL)
    assert record.title == "Xã Pa Tần tổ chức Ngày hội Đại đoàn kết"
    assert record.confidence < 1 and any("no heading" in warning for warning in record.warnings)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("listing", "listing page"),
        ("table_listing", "listing page"),
        ("soft404", "not-found or error notice"),
        ("maintenance", "maintenance page"),
        ("aspnet_error", "error page"),
        ("no_date", "no posting time"),
    ],
)
def test_a_page_that_is_not_an_article_is_refused_with_a_reason(name, reason):
    with pytest.raises(ExtractionError) as refused:
        extract_fallback(page("other", name), URL)
    assert reason in refused.value.reason and refused.value.url == URL


def test_a_section_name_in_title_does_not_win_over_the_article_heading():
    paragraph = "<p>Ủy ban nhân dân huyện ban hành quyết định phê duyệt kế hoạch sử dụng đất năm 2024, làm căn cứ giao đất.</p>"
    html = f"""<html><head><title>Tin tức - Sự kiện - Cổng TTĐT huyện Mường Chà</title></head><body>
    <h2 class="cat-name">Tin tức - Sự kiện</h2><h1>Huyện phê duyệt kế hoạch sử dụng đất năm 2024</h1>
    <div class="meta">Ngày đăng: 14/03/2024 | 16:05</div><div class="noidung">{paragraph * 4}</div></body></html>"""
    assert extract_fallback(html, URL).title == "Huyện phê duyệt kế hoạch sử dụng đất năm 2024"


def test_a_trusted_date_without_a_time_yields_to_the_posting_line_of_the_same_day():
    paragraph = "<p>Ủy ban nhân dân huyện ban hành quyết định phê duyệt kế hoạch sử dụng đất năm 2024, làm căn cứ giao đất.</p>"
    html = f"""<html><head><title>Tin</title><meta property="article:published_time" content="2024-03-14"></head><body>
    <h1>Huyện phê duyệt kế hoạch sử dụng đất năm 2024</h1><time datetime="2024-03-14">14/03/2024</time>
    <div class="meta">Ngày đăng: 14/03/2024 | 16:05</div><div class="noidung">{paragraph * 4}</div></body></html>"""
    assert extract_fallback(html, URL).published_at == at(2024, 3, 14, 16, 5)


def test_an_article_whose_title_cites_a_404_decision_is_still_an_article():
    paragraph = "<p>Ủy ban nhân dân huyện ban hành quyết định phê duyệt kế hoạch sử dụng đất năm 2024, làm căn cứ giao đất.</p>"
    html = f"""<html><head><title>Quyết định 404/QĐ-UBND phê duyệt kế hoạch sử dụng đất</title></head><body>
    <h1>Quyết định 404/QĐ-UBND phê duyệt kế hoạch sử dụng đất năm 2024</h1><div class="date">Ngày đăng: 14/03/2024 08:00</div>
    <div class="noidung">{paragraph * 8}</div></body></html>"""
    assert (
        extract_fallback(html, URL).title == "Quyết định 404/QĐ-UBND phê duyệt kế hoạch sử dụng đất năm 2024"
    )


DATE_FORMS = {
    "Ngày đăng: 14/03/2024 | 16:05": at(2024, 3, 14, 16, 5),
    "(Ngày đăng: 28/12/2023 - 10:15)": at(2023, 12, 28, 10, 15),
    "Cập nhật: 05/05/2025, 08:07": at(2025, 5, 5, 8, 7),
    "Thời gian: 09/09/2022 [08:46]": at(2022, 9, 9, 8, 46),
    "20/09/2025 08:15:00": at(2025, 9, 20, 8, 15),
    "10:15 12/03/2024": at(2024, 3, 12, 10, 15),
    "Đăng lúc 10:15 ngày 12/03/2024": at(2024, 3, 12, 10, 15),
    "22/12/2023 2:35:10 CH": at(2023, 12, 22, 14, 35, 10),
    "22/12/2023 9:05:10 SA": at(2023, 12, 22, 9, 5, 10),
    "24/06/2021 03:43:03 PM": at(2021, 6, 24, 15, 43, 3),
    "Thứ Ba, 12/11/2024, 07:58 [GMT+7]": at(2024, 11, 12, 7, 58),
    "Chủ nhật, 10/03/2024 08:00 (GMT+7)": at(2024, 3, 10, 8, 0),
    "T3, 12/11/2024 07:58": at(2024, 11, 12, 7, 58),
    "03 Tháng Sáu, 2024": at(2024, 6, 3),
    "Cập nhật 12 Tháng Mười Hai 2023 10:00": at(2023, 12, 12, 10, 0),
    "Được đăng: 08 tháng 6 2025 14:10": at(2025, 6, 8, 14, 10),
    "Tháng Sáu 3, 2024 lúc 8:30 sáng": at(2024, 6, 3, 8, 30),
    "Cập nhật lúc 20:15 ngày 14.03.2024": at(2024, 3, 14, 20, 15),
    "ngày 15 tháng 3 năm 2024": at(2024, 3, 15),
    "2024-03-14T09:05:00Z": at(2024, 3, 14, 16, 5),
    "2024-03-14T16:05:00+07:00": at(2024, 3, 14, 16, 5),
    "2024-03-14 16:05:00+0700": at(2024, 3, 14, 16, 5),
    "14h30 ngày 5/6/2024": at(2024, 6, 5, 14, 30),
    "08 giờ 30 phút, ngày 01/12/2026": at(2026, 12, 1, 8, 30),
    "Ngày 01.12.2026, 8g30": at(2026, 12, 1, 8, 30),
    "14h25' ngày 17/03/2025": at(2025, 3, 17, 14, 25),
    "2026/12/01 08:30": at(2026, 12, 1, 8, 30),
}


@pytest.mark.parametrize("text", sorted(DATE_FORMS))
def test_every_common_date_form_reads_as_local_time(text):
    found = first_date(text)
    assert found is not None and found.value == DATE_FORMS[text]
    assert found.value.utcoffset().total_seconds() == 7 * 3600


def test_a_profile_shares_the_date_reader():
    """Profiles name strptime formats; 'auto' reads any form above, and SA/CH read as AM/PM either way."""
    line = r"Ngày đăng:\s*(?P<value>.+)"
    assert find_datetime("Ngày đăng: 14/03/2024 | 16:05", [line], ["auto"])[0] == at(2024, 3, 14, 16, 5)
    assert find_datetime("Ngày đăng: 22/12/2023 2:35:10 CH", [line], ["%d/%m/%Y %I:%M:%S %p"])[0] == at(
        2023, 12, 22, 14, 35, 10
    )
    assert find_datetime("Ngày đăng: hôm qua", [line], ["auto"]) is None


def test_text_that_only_looks_like_a_date_is_not_read_as_one():
    assert find_dates("31/02/2024") == []  # no such day
    assert find_dates("Lượt xem: 1.234 - Số: 214/UBND-VP") == []
    assert find_dates("Số hồ sơ 2026/12/01234") == []  # not the year 123
    assert first_date("03 Tháng Sáu, 2024").has_time is False
    assert parse_date("Ngày 18/6, đồng chí Bí thư đã đến thăm và làm việc tại huyện Nậm Pồ năm 2024") is None


def test_probe_with_no_profile_reads_an_unseen_template(tmp_path):
    target = tmp_path / "page.html"
    target.write_text(page("articles", "dnn_aspnet"), encoding="utf-8")
    shown = CliRunner().invoke(app, ["probe", str(target), "--json"])
    record = json.loads(shown.stdout)
    assert record["profile"] == "generic" and record["failure"] is None
    assert record["published_at"] == "2023-12-22T14:35:10+07:00" and record["view_count"] == 1234


BODY = "".join(
    f"<p>Đoạn {n}: UBND xã tổ chức hội nghị triển khai nhiệm vụ phát triển kinh tế - xã hội, bảo đảm quốc phòng, an ninh năm 2025.</p>"
    for n in range(1, 5)
)


@pytest.mark.parametrize(
    ("info_line", "byline", "author", "attribution", "views"),
    [
        ("14/03/2024 16:05 bởi Nguyễn Văn An | Lượt xem: 1.203", "Nguyễn Văn An", "Nguyễn Văn An", "", 1203),
        (
            "Ngày đăng: 14/03/2024 16:05 - Tác giả: Đỗ Thị Lan - Lượt đọc: 77",
            "Đỗ Thị Lan",
            "Đỗ Thị Lan",
            "",
            77,
        ),
        (
            "Nguồn: Báo Lai Châu | 14/03/2024 16:05 | Hits: 2,450",
            "Nguồn: Báo Lai Châu",
            "",
            "Báo Lai Châu",
            2450,
        ),
        (
            "Cập nhật: 14/03/2024 16:05 (Tin, ảnh: Minh Châu) 356 lượt xem",
            "Tin, ảnh: Minh Châu",
            "Minh Châu",
            "",
            356,
        ),
        ("Đăng lúc 16:05 ngày 14/03/2024 · Views 9", "", "", "", 9),
    ],
)
def test_credits_and_counters_on_the_posting_line(info_line, byline, author, attribution, views):
    html = f"""<html><head><title>Tin tức</title></head><body><div class="detail">
    <h1>UBND xã tổ chức hội nghị triển khai nhiệm vụ năm 2025</h1><div class="info">{info_line}</div>
    <div class="content">{BODY}</div></div><div class="footer">Tổng lượt truy cập: 1.234.567</div></body></html>"""
    record = extract_fallback(html, URL)
    assert record.published_at == at(2024, 3, 14, 16, 5)
    assert (record.byline, record.author, record.attribution, record.view_count) == (
        byline,
        author,
        attribution,
        views,
    )


def test_the_day_a_header_shows_is_not_taken_for_the_posting_date():
    """Portals show today's date in their header ('Thứ Sáu, ngày 04/12/2026'): a new one every day.
    Taken for the posting date of an article that shows none, every crawl would store a new date
    and record an edit."""
    paragraph = "<p>Ngày 20/12/2024, Ban Thường vụ Huyện ủy tổ chức hội nghị tổng kết công tác xây dựng Đảng năm 2024.</p>"

    def shaped(posting: str, today: str = "Thứ Sáu, ngày 04/12/2026") -> str:
        return f"""<html><head><title>Hội nghị tổng kết công tác xây dựng Đảng năm 2024</title></head><body>
        <table><tr><td class="menu"><a href="/">Trang chủ</a> | <a href="/tin">Tin tức</a></td></tr>
        <tr><td class="ngayhientai">{today}</td></tr>
        <tr><td><h3 class="tieude">Hội nghị tổng kết công tác xây dựng Đảng năm 2024</h3>{posting}</td></tr>
        <tr><td class="noidung">{paragraph * 4}</td></tr></table></body></html>"""

    for today in ("Thứ Sáu, ngày 04/12/2026", "Hôm nay: 04/12/2026"):
        with pytest.raises(ExtractionError) as refused:
            extract_fallback(shaped("", today), URL)
        assert "no posting time" in refused.value.reason
    assert extract_fallback(shaped("<p>Ngày đăng: 22/12/2024 07:45</p>"), URL).published_at == at(
        2024, 12, 22, 7, 45
    )
    # Under the heading, the same kind of line is the article's own date.
    below = extract_fallback(shaped('<div class="ngay">Thứ Hai, ngày 23/12/2024</div>'), URL)
    assert below.published_at == at(2024, 12, 23)


def test_a_box_s_heading_yields_to_the_article_s_title_beside_the_posting_time():
    """A web part's heading ('Chi tiết tin', three words) above a title set in a named span."""
    paragraph = "<p>Chiều 15/11, Ban Công tác Mặt trận xã tổ chức Ngày hội Đại đoàn kết toàn dân tộc tại bản Thẩm Táng.</p>"
    html = f"""<html><head><title>Tin tức</title></head><body>
    <div class="ms-webpart-chrome"><div class="ms-webpart-chrome-title"><h2 class="ms-webpart-titleText"><span>Chi tiết tin</span></h2></div>
    <div class="ms-WPBody"><table class="tbl-chitiet">
    <tr><td><span class="lblTieuDe">Xã Tuần Giáo tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026</span></td></tr>
    <tr><td><span class="lblNgay">Ngày đăng: 16/11/2026 15:15</span></td></tr>
    <tr><td class="noidung">{paragraph * 4}</td></tr></table></div></div></body></html>"""
    record = extract_fallback(html, URL)
    assert record.title == "Xã Tuần Giáo tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm 2026"
    assert record.published_at == at(2026, 11, 16, 15, 15)


@pytest.mark.parametrize("lead_class", ["NewsSummary", "lblTrichDan", "news-sapo"])
def test_a_lead_named_in_camel_case_is_the_lead_and_a_photo_s_description_is_its_caption(lead_class):
    lead = (
        "Sở Y tế vừa ban hành kế hoạch tiêm bổ sung vắc xin sởi - rubella cho trẻ từ 1 đến 10 tuổi tại 18 xã."
    )
    paragraph = (
        "<p>Chiến dịch được thực hiện từ ngày 01/12 đến 20/12/2026 tại các trạm y tế xã và điểm trường.</p>"
    )
    photo = (
        '<table class="image"><tr><td><img src="/uploads/tiem-soi.jpg"></td></tr>'
        '<tr><td class="image_desc"><em>Cán bộ y tế tiêm vắc xin cho trẻ tại xã Mường Phăng.</em></td></tr></table>'
    )
    html = f"""<html><head><title>Triển khai chiến dịch tiêm vắc xin sởi năm 2026</title></head><body>
    <div class="news-detail"><h1>Triển khai chiến dịch tiêm vắc xin sởi năm 2026</h1>
    <div class="date">Cập nhật lúc: 10:42 - 26/11/2026</div>
    <div class="{lead_class}"><strong>{lead}</strong></div>
    <div class="news-content">{photo}{paragraph * 4}</div></div></body></html>"""
    record = extract_fallback(html, URL)
    assert record.lead == lead
    assert lead not in record.body_text and "Cán bộ y tế tiêm" not in record.body_text
    assert [image.caption for image in record.images] == [
        "Cán bộ y tế tiêm vắc xin cho trẻ tại xã Mường Phăng."
    ]


def test_a_photo_s_description_is_not_taken_for_the_lead():
    paragraph = (
        "<p>Chiến dịch được thực hiện từ ngày 01/12 đến 20/12/2026 tại các trạm y tế xã và điểm trường.</p>"
    )
    html = f"""<html><head><title>Triển khai chiến dịch tiêm vắc xin sởi năm 2026</title></head><body>
    <div class="news-detail"><h1>Triển khai chiến dịch tiêm vắc xin sởi năm 2026</h1>
    <div class="date">Cập nhật lúc: 10:42 - 26/11/2026</div><div class="news-content">
    <table class="image"><tr><td><img src="/uploads/tiem-soi.jpg"></td></tr>
    <tr><td class="image_desc">Cán bộ y tế tiêm vắc xin cho trẻ tại xã Mường Phăng.</td></tr></table>{paragraph * 4}</div></div></body></html>"""
    assert extract_fallback(html, URL).lead == ""


def test_a_cms_login_is_no_author_and_the_closing_name_before_a_share_box_is():
    paragraph = (
        "<p>Đoàn Thanh niên xã trao 2.000 chiếc áo ấm cho học sinh bán trú các điểm trường vùng cao.</p>"
    )
    html = f"""<html><head><title>Nậm Pồ: Hơn 2.000 học sinh bán trú được hỗ trợ áo ấm</title></head><body>
    <article><h1 class="entry-title">Nậm Pồ: Hơn 2.000 học sinh bán trú được hỗ trợ áo ấm</h1>
    <div class="entry-meta">Đăng ngày 02/12/2026 08:45 bởi <span class="author vcard"><a class="url fn n" href="/author/admin/">admin</a></span></div>
    <div class="entry-content">{paragraph * 4}<p style="text-align: right;"><strong>Lò Thị Ngọc</strong></p>
    <div class="sharedaddy"><h3>Chia sẻ:</h3><ul><li><a href="?share=facebook">Facebook</a></li><li><a href="?share=x">X</a></li></ul></div>
    <div class="jp-relatedposts"><p><a href="/2026/11/20/tang-qua/">Tặng quà hộ nghèo nhân dịp Ngày hội Đại đoàn kết</a> <span>20/11/2026</span></p>
    <p><a href="/2026/11/12/khai-giang/">Khai giảng lớp xóa mù chữ cho phụ nữ tại bản Nậm Chua</a> <span>12/11/2026</span></p></div>
    </div></article></body></html>"""
    record = extract_fallback(html, URL)
    assert record.author == "Lò Thị Ngọc"
    assert "Lò Thị Ngọc" not in record.body_text and "Tặng quà" not in record.body_text


def test_files_listed_under_the_text_are_the_article_s_and_a_box_of_other_files_is_not():
    paragraph = "<p>Bản Huổi Lếch có 142 hộ với 687 nhân khẩu, chủ yếu là đồng bào dân tộc Mông, nằm sát tuyến biên giới.</p>"
    html = f"""<html><head><title>Mường Nhé ra mắt mô hình Bản an toàn về an ninh trật tự</title></head><body>
    <div class="chi-tiet-tin"><div class="ngay-dang">08:30 | 01-12-2026</div>
    <h1 class="tieu-de-tin">Mường Nhé ra mắt mô hình Bản an toàn về an ninh trật tự</h1>
    <div class="noi-dung">{paragraph * 4}</div>
    <div class="file-dinh-kem">Tệp đính kèm: <a href="/files/KH-ban-an-toan.pdf">KH-ban-an-toan.pdf</a></div>
    <div class="vb-moi"><b>Văn bản mới ban hành</b><a href="/files/QD-12.pdf">Quyết định 12/QĐ-UBND</a></div>
    </div></body></html>"""
    record = extract_fallback(html, URL)
    assert [(a.url, a.kind) for a in record.attachments] == [("/files/KH-ban-an-toan.pdf", "pdf")]


def test_a_table_layout_s_bold_row_above_the_text_is_its_lead():
    """An old table layout sets the lead in a bold row of its own, a photo's row between it and
    the text's row: the lead is kept, not left out with the rows around the text."""
    sentence = "Vụ đông xuân năm nay, thời tiết trên địa bàn huyện tương đối thuận lợi, nguồn nước bảo đảm."
    lead = "Đến ngày 15/3, toàn huyện đã gieo cấy được 1.826 ha lúa đông xuân, đạt 101,4% kế hoạch."
    html = f"""<html><head><title>UBND HUYỆN ĐIỆN BIÊN ĐÔNG - Tin tức</title></head><body><table>
    <tr><td><font size="4"><b>Điện Biên Đông: Hơn 1.800 ha lúa đông xuân được gieo cấy đúng khung thời vụ</b></font></td></tr>
    <tr><td><b><i>Ngày đăng: 17/03/2025 14:25</i></b></td></tr>
    <tr><td><font size="2"><b>{lead}</b></font></td></tr>
    <tr><td><table><tr><td><img src="/upload/lua.jpg"></td></tr><tr><td><i>Người dân chăm sóc lúa.</i></td></tr></table></td></tr>
    <tr><td><font size="2">{(sentence + "<br><br>") * 4}</font></td></tr></table></body></html>"""
    record = extract_fallback(html, URL)
    assert record.lead == lead and lead not in record.body_text
    assert record.published_at == at(2025, 3, 17, 14, 25)
