"""The generic reader's mechanisms one by one, each on a small page of its own, and its score on every family
of the simulator, none of whose profiles it reads.

The small pages are written here, not taken from the simulator: a related-news box set in the text and a
sidebar of dated links whose dates look like the article's own, a WordPress body class that names a logo,
counters and bylines in the rows after the body's cell, a source line that is part of the text, a posting
time whose minute is only in <time datetime>, a photo story above a footer of plain text, a last listing
page of two entries.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portalwatch.accuracy import field_accuracy, gold_world
from portalwatch.errors import ExtractionError
from portalwatch.parse.fallback import extract_fallback

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "http://portal.example/tin-tuc/chi-tiet-42.html"
TITLE = "Xã Mường Phăng ra quân làm đường giao thông nông thôn năm 2025"
SENTENCE = (
    "Sáng nay, Ủy ban nhân dân xã Mường Phăng tổ chức lễ ra quân làm đường giao thông nông thôn, "
    "thu hút đông đảo cán bộ, đoàn viên và nhân dân các bản tham gia. "
)
PARAGRAPHS = [f"Đoạn {index}. {SENTENCE * 2}".strip() for index in range(1, 5)]


def paragraphs(items: list[str] = PARAGRAPHS) -> str:
    return "".join(f"<p>{text}</p>" for text in items)


def html(body: str, head: str = f"<title>{TITLE}</title>", body_attributes: str = "") -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body {body_attributes}>{body}</body></html>"


def entries(
    count: int,
    shape: str = "<div class='item'><a href='/tin-tuc/bai-{n}.html'>{title}</a>"
    "<p class='time'>0{n}/05/2025 08:1{n}</p></div>",
) -> str:
    return "".join(
        shape.format(n=n, title=f"Tin số {n}: hội nghị triển khai nhiệm vụ năm 2025 của huyện")
        for n in range(1, count + 1)
    )


# --- listing detection -----------------------------------------------------------------------------------------------


def test_a_sidebar_of_dated_links_shaped_like_the_posting_time_is_no_listing():
    page = html(
        f"<div class='main'><h1>{TITLE}</h1><div class='item'><p class='time'>05/05/2025 10:50</p></div>"
        f"<div class='content'>{paragraphs()}</div></div><div class='box-other'>{entries(5)}</div>"
    )
    record = extract_fallback(page, URL)
    assert (record.title, record.published_at) == (TITLE, datetime(2025, 5, 5, 10, 50, tzinfo=TZ))
    assert record.body_text == "\n\n".join(PARAGRAPHS)


def test_a_related_news_box_inside_the_text_is_kept_out_of_the_body():
    related = (
        "<div class='box-tinlienquan'><b>Tin liên quan:</b><ul><li><a href='/tin-tuc/a-1.html'>Huyện Điện Biên đẩy "
        "nhanh giải ngân vốn đầu tư công</a></li><li><a href='/tin-tuc/a-2.html'>Tỷ lệ cử tri đi bầu đạt 94,2%</a>"
        "</li></ul></div>"
    )
    page = html(
        f"<h1>{TITLE}</h1><span class='date'>Thứ Hai, 05/05/2025, 10:50 [GMT+7]</span>"
        f"<div class='detail-content'>{paragraphs(PARAGRAPHS[:2])}{related}{paragraphs(PARAGRAPHS[2:])}</div>"
    )
    record = extract_fallback(page, URL)
    assert record.body_text == "\n\n".join(PARAGRAPHS)
    assert record.published_at == datetime(2025, 5, 5, 10, 50, tzinfo=TZ)


def test_a_list_of_the_articles_files_inside_the_text_is_not_taken_for_a_box_of_links():
    files = (
        "<div class='attachments'><a href='/Uploads/ke-hoach-45.pdf'>Kế hoạch số 45/KH-UBND</a> "
        "<a href='/Uploads/phu-luc.docx'>Phụ lục kèm theo</a></div>"
    )
    page = html(
        f"<h1>{TITLE}</h1><p class='date'>05/05/2025 10:50</p><div class='content'>{paragraphs()}{files}</div>"
    )
    record = extract_fallback(page, URL)
    assert [attachment.name for attachment in record.attachments] == [
        "Kế hoạch số 45/KH-UBND",
        "Phụ lục kèm theo",
    ]


def test_a_last_listing_page_of_two_entries_is_refused():
    shape = (
        "<div class='news-item'><a class='title' href='/tin-tuc/bai-{n}.html'>{title}</a><div class='date'>1{n}/01/2025"
        f"</div><div class='sapo'>{SENTENCE}</div></div>"
    )
    page = html(f"<div class='list-news'><h3 class='cate'>Tin tức - Sự kiện</h3>{entries(2, shape)}</div>")
    with pytest.raises(ExtractionError, match="listing"):
        extract_fallback(page, "http://portal.example/tin-tuc?page=7")


def test_a_last_listing_page_of_one_entry_is_refused():
    page = html(
        "<table><tr><td colspan='2' class='tieude_muc'><b>TIN TỨC - SỰ KIỆN</b></td></tr><tr><td><img src='upload/thumb-1.jpg'></td><td>"
        f"<a class='tieude_nho' href='chitiet.asp?id=1'><b>{TITLE}</b></a> <font size='1'>(29/01/2025)</font><br>"
        f"<font size='2'>{SENTENCE}</font></td></tr></table>",
        "<title>TRANG THÔNG TIN ĐIỆN TỬ HUYỆN MƯỜNG CHÀ</title>",
    )
    with pytest.raises(ExtractionError, match="listing"):
        extract_fallback(page, "http://portal.example/tintuc.asp?page=6")


def test_a_short_photo_story_above_a_linked_heading_is_still_an_article():
    page = html(
        f"<div class='news'><h2 class='title'>{TITLE}</h2><div>Thời gian đăng: 21/11/2023 01:18:39 AM - Lượt đọc: 5679</div>"
        "<div class='content'><p><img src='/Uploads/toan-canh.jpg'></p><p><em>Toàn cảnh hội nghị.</em></p></div>"
        "<div class='title'><a href='/tin-tuc/gap-mat-bieu-duong.html'>Gặp mặt, biểu dương 14 người có uy tín trong "
        "đồng bào dân tộc thiểu số</a></div></div>"
    )
    record = extract_fallback(page, URL)
    assert (record.title, record.view_count) == (TITLE, 5679)
    assert [image.src for image in record.images] == ["toan-canh.jpg"]


# --- title ---------------------------------------------------------------------------------------------------------


def test_a_body_class_naming_a_logo_does_not_make_the_heading_a_site_name():
    head = (
        f"<title>{TITLE} &#8211; Trang thông tin điện tử xã Keo Lôm</title>"
        f"<meta property='og:title' content='{TITLE}'>"
    )
    page = html(
        "<header class='site-header'><p class='site-title'><a href='/'>Trang thông tin điện tử xã Keo Lôm</a></p></header>"
        f"<article><h1 class='entry-title'>{TITLE}</h1><div class='entry-meta'>Đăng ngày "
        "<time class='entry-date published updated' datetime='2024-06-03T08:30:00+07:00'>03 Tháng Sáu, 2024</time></div>"
        f"<div class='entry-content'>{paragraphs()}</div></article>",
        head,
        "class='single wp-custom-logo'",
    )
    record = extract_fallback(page, URL)
    assert record.title == TITLE
    assert record.published_at == datetime(
        2024, 6, 3, 8, 30, tzinfo=TZ
    )  # the minute only <time datetime> gives


# --- counters, bylines ---------------------------------------------------------------------------------------------


def table_page(after_rows: str, last: list[str] = PARAGRAPHS) -> str:
    return html(
        f"<table><tr><td class='tieude'><b>{TITLE}</b></td></tr><tr><td><i>(Ngày đăng: 14/03/2024 - 16:05)</i></td></tr>"
        f"<tr><td class='noidung'><div align='justify'><font size='2'>{paragraphs(last)}</font></div></td></tr>{after_rows}"
        "<tr><td>Bản quyền © 2008 Trang thông tin điện tử huyện Mường Chà</td></tr></table>"
    )


def test_a_byline_and_a_counter_in_the_rows_after_the_bodys_cell():
    rows = (
        "<tr><td align='right'><b><i>Khoàng Thị Phóng - Văn phòng HĐND-UBND huyện</i></b></td></tr>"
        "<tr><td align='right'>Số lần xem: 7.863 <a href='javascript:window.print()'>[In trang]</a></td></tr>"
    )
    record = extract_fallback(table_page(rows), URL)
    assert (record.author, record.view_count) == ("Khoàng Thị Phóng", 7863)
    assert record.body_text == "\n\n".join(PARAGRAPHS)


def test_a_source_line_ending_the_text_stays_in_it_when_a_name_line_follows():
    text = [*PARAGRAPHS, "Nguồn: dienbien.dcs.vn"]
    rows = "<tr><td align='right'><b><i>Chu Quang Tú, VPTU</i></b></td></tr>"
    record = extract_fallback(table_page(rows, text), URL)
    assert record.author == "Chu Quang Tú"
    assert record.body_text == "\n\n".join(text)


@pytest.mark.parametrize(
    "counter, views", [("<span>Lượt xem: </span> <span>5.037</span>", 5037), ("2.345 lượt xem", 2345)]
)
def test_a_counter_inside_the_body_is_read_and_kept_out_of_the_text(counter, views):
    page = html(
        f"<h1>{TITLE}</h1><div class='meta'>Ngày đăng: 05/05/2025 10:22</div>"
        f"<div class='content'>{paragraphs()}<div class='post-stats'>{counter}</div></div>"
    )
    record = extract_fallback(page, URL)
    assert record.view_count == views
    assert record.body_text == "\n\n".join(PARAGRAPHS)


def test_a_name_the_page_marks_as_its_author_is_the_author_whatever_its_shape():
    page = html(
        f"<h1>{TITLE}</h1><div class='entry-meta'><span class='posted-on'>Đăng ngày 24/04/2025 22:36</span>"
        "<span class='byline'> bởi <span class='author vcard'><a href='/author/3/'>Cổng thông tin điện tử huyện Mường Ảng"
        f"</a></span></span></div><div class='entry-content'>{paragraphs()}<h3>Có liên quan</h3></div>"
    )
    record = extract_fallback(page, URL)
    assert record.author == "Cổng thông tin điện tử huyện Mường Ảng"
    assert record.body_text == "\n\n".join(PARAGRAPHS)  # the empty box's heading is no text of the article


# --- dates ---------------------------------------------------------------------------------------------------------


def test_a_date_class_on_the_inner_element_counts_beside_a_category_link():
    page = html(
        "<div class='col-left'><div class='detail-top'><span class='cate'><a href='/xa-hoi'>Văn hóa - Xã hội</a></span>"
        f"<span class='date'>Thứ Hai, 05/05/2025, 10:50 [GMT+7]</span></div><h1 class='title-detail'>{TITLE}</h1>"
        f"<div class='detail-content'>{paragraphs()}</div><ul class='more'>"
        + entries(
            4,
            "<li><a href='/tin-tuc/bai-{n}.html'>{title}</a> <span class='time'>(0{n}/05/2025 09:5{n})</span></li>",
        )
        + "</ul></div>"
    )
    record = extract_fallback(page, URL)
    assert record.published_at == datetime(2025, 5, 5, 10, 50, tzinfo=TZ)


# --- body ----------------------------------------------------------------------------------------------------------


def test_a_photo_story_is_read_above_a_footer_cell_of_plain_text():
    rows = "<tr><td align='right'><b><i>Mai Thị Huyền</i></b></td></tr>"
    page = table_page(rows, []).replace(
        "<font size='2'></font>",
        "<font size='2'><table><tr><td><img src='upload/lam-viec.png'></td></tr>"
        "<tr><td><i>Đoàn công tác kiểm tra thực tế tại xã Sá Tổng.</i></td></tr></table></font>",
    )
    record = extract_fallback(page, URL)
    assert [(image.src, image.caption) for image in record.images] == [
        ("lam-viec.png", "Đoàn công tác kiểm tra thực tế tại xã Sá Tổng.")
    ]
    assert (record.title, record.author, record.body_text) == (TITLE, "Mai Thị Huyền", "")


def test_a_page_wrapped_in_a_block_named_like_its_frame_is_still_read():
    page = html(
        f"<div class='layout has-nav'><h1>{TITLE}</h1><p class='date'>05/05/2025 10:50</p>"
        f"<div class='content'>{paragraphs()}</div><div class='footer'>Bản quyền © 2025 UBND xã</div></div>"
    )
    record = extract_fallback(page, URL)
    assert (record.title, record.body_text) == (TITLE, "\n\n".join(PARAGRAPHS))


# --- every family of the simulator ----------------------------------------------------------------------------------


def read_generic(page: str, url: str, family: str):
    return extract_fallback(page, url)


@pytest.fixture(scope="module")
def report():
    return field_accuracy(world=gold_world(seed=3, scale=0.05), readers={"generic": read_generic})


def test_the_generic_reader_reads_every_family_it_has_no_profile_for(report):
    families = {family for family, _ in report.scores}
    assert len(families) >= 9
    assert all(score.pages >= 3 for score in report.scores.values())
    assert report.overall_generic() >= 0.95, report.overall_generic()


def test_the_generic_reader_returns_no_article_for_a_page_that_is_none(report):
    assert sum(checked for checked, _ in report.non_articles.values()) >= 9 * 4
    assert {family: returned for family, (_, returned) in report.non_articles.items() if returned} == {}
