"""Parsing real simulator markup: records, hash stability, extraction errors, listings."""

from __future__ import annotations

import copy
import math
import random
import re
import unicodedata
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from selectolax.lexbor import LexborHTMLParser

from portalwatch.errors import ExtractionError
from portalwatch.parse import canonical_url, parse_article, parse_listing
from portalwatch.parse.profile import get_profile
from portalwatch.parse.text import clean_html, clean_line, markup_spaces, paragraphs_text
from portalwatch.record import article_id, rebase
from portalwatch.sim import pages
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import World

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "http://127.0.0.1:8701"
SEED, SCALE = 3, 0.05

# One portal per family, plus the other two so that NFD-serving portals are covered too.
PORTALS = ("dcs-dienbien", "tuachua", "muongang", "xa-muong-dun", "xa-tua-thang")
FAMILY_PORTAL = {"province": "dcs-dienbien", "district": "tuachua", "commune": "xa-muong-dun"}

CHROME = (
    "Tổng truy cập",
    "Đang truy cập",
    "Thống kê truy cập",
    "Các tin khác",
    "Văn bản mới",
    "Template Settings",
    "Thời gian đăng",
    "Ngày đăng",
    "BẢN ĐỒ",
    "Lượt xem",
    "Lượt đọc",
    "Lượt truy cập",
    "Liên kết",
    "Trang chủ",
    "Chi tiết",
    "Background Color",
    "Cơ quan chủ quản",
    "Bản quyền",
    "TRANG THÔNG TIN",
)


@pytest.fixture
def world() -> World:
    return World(seed=SEED, scale=SCALE)


def profile_for(portal):
    return get_profile(PROFILE_FOR_FAMILY[portal.spec.family])


def url_of(article) -> str:
    return BASE + pages.article_path(article)


def parse(portal, article, seed: int = 1, html: str | None = None):
    if html is None:
        html = pages.render_article(portal, article, random.Random(seed))
    return parse_article(html, url_of(article), profile_for(portal))


def expected_author(byline: str) -> str:
    for prefix in ("Tin, ảnh: ", "Theo "):
        if byline.startswith(prefix):
            return byline[len(prefix) :]
    return byline.split(" - ")[0].split(", ")[0]


# ------------------------------------------------------------------ what an article page says


@pytest.mark.parametrize("portal_id", PORTALS)
def test_article_fields_equal_the_simulated_article(world, portal_id):
    portal = world.portals[portal_id]
    family = portal.spec.family
    live = portal.live()
    assert len(live) >= 15
    for index, article in enumerate(live):
        record = parse(portal, article, seed=index)
        assert record.title == article.title
        assert record.lead == article.lead
        assert (record.body_text.split("\n\n") if record.body_text else []) == article.paragraphs
        assert [(image.src, image.caption) for image in record.images] == [
            (name, caption) for name, caption, _ in article.images
        ]
        assert record.byline == article.byline  # how it splits is checked in test_parse_families.py
        if family == "district":
            assert record.view_count is None
        else:
            assert record.view_count == article.views
        assert record.parser_version.startswith(PROFILE_FOR_FAMILY[family] + "/")


@pytest.mark.parametrize("portal_id", PORTALS)
def test_published_at_is_local_aware_datetime(world, portal_id):
    portal = world.portals[portal_id]
    for article in portal.live():
        record = parse(portal, article)
        assert record.published_at == article.published_at.replace(tzinfo=TZ)
        assert record.published_at.replace(tzinfo=None) == article.published_at  # same wall-clock time
        assert record.published_at.utcoffset() == timedelta(hours=7)


@pytest.mark.parametrize("portal_id", PORTALS)
def test_no_page_chrome_in_body_or_lead(world, portal_id):
    portal = world.portals[portal_id]
    for index, article in enumerate(portal.live()):
        record = parse(portal, article, seed=index)
        for text in (record.body_text, record.lead):
            for chrome in CHROME:
                assert chrome not in text, (article.id, chrome)
            assert not article.byline or article.byline not in text
            for name, caption, _ in article.images:
                assert caption not in text
                assert name not in text
        # Neither the related-article list nor the sidebar leaks into the body.
        others = [other.title for other in portal.live() if other is not article]
        assert not any(title in record.body_text for title in others)


@pytest.mark.parametrize(
    ("family", "byline", "author"),
    [
        ("province", "Tin, ảnh: Lò Văn Mừng", "Lò Văn Mừng"),
        ("province", "Cầm Thị Thoa, VPTU", "Cầm Thị Thoa"),
        ("province", "Nguyễn Đức Hùng - Ban Tuyên giáo Tỉnh ủy", "Nguyễn Đức Hùng"),
        ("district", "Vũ Thị Hà - Trung tâm VH - TT - TH", "Vũ Thị Hà"),
        ("district", "Giàng A Páo - Văn phòng HĐND-UBND huyện", "Giàng A Páo"),
        ("commune", "Theo Quàng Văn Inh", "Quàng Văn Inh"),
        ("commune", "Sùng Thị Mai - UBND xã", "Sùng Thị Mai"),
    ],
)
def test_author_from_byline(world, family, byline, author):
    portal = world.portals[FAMILY_PORTAL[family]]
    article = copy.copy(portal.live()[0])
    article.byline = byline
    record = parse(portal, article)
    assert record.byline == byline
    assert record.author == author


# ------------------------------------------------------------------ hash stability


@pytest.mark.parametrize("portal_id", PORTALS)
def test_volatile_chrome_does_not_change_the_hash(world, portal_id):
    portal = world.portals[portal_id]
    family = portal.spec.family
    for article in portal.live()[:8]:
        first_html = pages.render_article(portal, article, random.Random(1))
        first = parse(portal, article, html=first_html)
        article.views += 5
        portal.visits += 100
        for seed in (2, 3, 4):
            html = pages.render_article(portal, article, random.Random(seed))
            assert html != first_html
            again = parse(portal, article, html=html)
            assert again.content_hash == first.content_hash
            assert again.content() == first.content()
            if family != "district":
                assert again.view_count == first.view_count + 5
        assert str(portal.visits) in pages.ARTICLE_RENDERERS[family](portal, article, random.Random(9))


@pytest.mark.parametrize("portal_id", PORTALS)
def test_decomposed_unicode_gives_the_same_record(world, portal_id):
    portal = world.portals[portal_id]
    for article in portal.live()[:8]:
        html = unicodedata.normalize("NFC", pages.render_article(portal, article, random.Random(5)))
        nfd = unicodedata.normalize("NFD", html)
        assert nfd != html
        composed = parse(portal, article, html=html)
        decomposed = parse(portal, article, html=nfd)
        assert decomposed == composed
        assert decomposed.content_hash == composed.content_hash
        assert decomposed.title == article.title
        assert unicodedata.is_normalized("NFC", decomposed.body_text)


@pytest.mark.parametrize("portal_id", PORTALS)
def test_edits_change_the_hash_and_nothing_else_does(world, portal_id):
    portal = world.portals[portal_id]
    before = {article.id: (article.version, parse(portal, article).content_hash) for article in portal.live()}
    edited = []
    for _ in range(40):
        world.advance(1)
        edited = [a for a in portal.live() if a.id in before and a.version != before[a.id][0]]
        if edited:
            break
    assert edited, "the simulator made no edit in 40 steps"
    for article in portal.live():
        if article.id not in before:
            continue
        record = parse(portal, article, seed=11)
        if article.version != before[article.id][0]:
            assert record.content_hash != before[article.id][1]
            assert record.title == article.title
            assert (record.body_text.split("\n\n") if record.body_text else []) == article.paragraphs
        else:
            assert record.content_hash == before[article.id][1]


@pytest.mark.parametrize("family", sorted(FAMILY_PORTAL))
def test_title_change_changes_the_hash(world, family):
    portal = world.portals[FAMILY_PORTAL[family]]
    article = portal.live()[2]
    original = parse(portal, article)
    article.title = "Đoàn công tác của tỉnh Điện Biên kiểm tra tiến độ xây dựng nông thôn mới năm 2025"
    changed = parse(portal, article)
    assert changed.title == article.title
    assert changed.content_hash != original.content_hash
    assert changed.body_text == original.body_text


# ------------------------------------------------------------------ pages that are not articles


@pytest.mark.parametrize("family", sorted(FAMILY_PORTAL))
def test_not_found_page_is_an_extraction_error(world, family):
    portal = world.portals[FAMILY_PORTAL[family]]
    url = BASE + "/khong-co/bai-viet-404.html"
    with pytest.raises(ExtractionError) as info:
        parse_article(pages.not_found(portal), url, profile_for(portal))
    assert url in str(info.value)
    assert info.value.url == url


@pytest.mark.parametrize("family", sorted(FAMILY_PORTAL))
def test_empty_page_is_an_extraction_error(world, family):
    portal = world.portals[FAMILY_PORTAL[family]]
    url = BASE + "/trong.html"
    with pytest.raises(ExtractionError) as info:
        parse_article("", url, profile_for(portal))
    assert url in str(info.value)


@pytest.mark.parametrize("family", sorted(FAMILY_PORTAL))
def test_page_truncated_in_the_body_is_an_extraction_error(world, family):
    portal = world.portals[FAMILY_PORTAL[family]]
    article = portal.live()[0]
    html = pages.ARTICLE_RENDERERS[family](portal, article, random.Random(1))
    cut = int(len(html) * 0.45)
    # The cut falls inside the body: after the first paragraph, before the byline.
    assert html.index(pages._e(article.paragraphs[0])) < cut < html.index(pages._e(article.byline))
    with pytest.raises(ExtractionError) as info:
        parse_article(html[:cut], url_of(article), profile_for(portal))
    assert url_of(article) in str(info.value)


@pytest.mark.parametrize("family", sorted(FAMILY_PORTAL))
def test_posting_line_without_date_is_an_extraction_error(world, family):
    portal = world.portals[FAMILY_PORTAL[family]]
    article = portal.live()[0]
    html = pages.ARTICLE_RENDERERS[family](portal, article, random.Random(1))
    undated, count = re.subn(
        r"(Thời gian đăng|Ngày đăng): \d{2}/\d{2}/\d{4} \d{2}:\d{2}(:\d{2} [AP]M)?", r"\1: ", html
    )
    assert count == 1
    parse_article(html, url_of(article), profile_for(portal))  # the original parses
    with pytest.raises(ExtractionError) as info:
        parse_article(undated, url_of(article), profile_for(portal))
    assert url_of(article) in str(info.value)


# ------------------------------------------------------------------ listings


@pytest.mark.parametrize("portal_id", PORTALS)
def test_listing_pages_link_the_articles_in_order(world, portal_id):
    portal = world.portals[portal_id]
    family = portal.spec.family
    live = portal.live()
    total_pages = math.ceil(len(live) / pages.PAGE_SIZE)
    assert total_pages >= 2
    for page in range(1, total_pages + 1):
        url = BASE + pages.listing_path(family, page)
        html = pages.render_listing(portal, page, random.Random(page))
        listing = parse_listing(html, url, profile_for(portal), page_size=pages.PAGE_SIZE)
        expected = [BASE + pages.article_path(a) for a in live[(page - 1) * 10 : page * 10]]
        assert list(listing.article_urls) == expected
        if page < total_pages:
            assert len(listing.article_urls) == 10
        for link in listing.article_urls:
            parts = urlsplit(link)
            assert parts.scheme == "http" and parts.netloc == "127.0.0.1:8701"
        assert listing.total_pages == total_pages
        # `1141-1150 of 1350` states the entries; Joomla's `Trang 1 của 5` only the pages.
        assert listing.stated_entries == (None if family == "commune" else len(live))


# ------------------------------------------------------------------ text normalization


def test_clean_line_nfc_and_spaces():
    decomposed = unicodedata.normalize("NFD", "Điện Biên Phủ")
    assert decomposed != "Điện Biên Phủ"
    assert clean_line(decomposed) == "Điện Biên Phủ"
    assert clean_line("\u00a0 Tủa\u00a0\u00a0Chùa \t\n Mường\u202fẢng \u3000") == "Tủa Chùa Mường Ảng"
    assert clean_line("a\u200bb\ufeff") == "a b"
    assert clean_line("  \n\u00a0 ") == ""
    assert clean_line("") == ""


def test_paragraphs_text_splits_on_blank_lines():
    text = "  Một   hai \n\n\n  Ba\u00a0\u00a0bốn \n năm\n\n\n\n"
    assert paragraphs_text(text) == "Một hai\n\nBa bốn\nnăm"
    assert paragraphs_text(unicodedata.normalize("NFD", "Mường Ảng\n\nTủa Chùa")) == "Mường Ảng\n\nTủa Chùa"
    assert paragraphs_text("\n\n \n\n") == ""
    assert paragraphs_text("a\n\n\u00a0\n\nb") == "a\n\nb"


def test_paragraphs_text_line_of_spaces_is_a_blank_line():
    # `<br>&nbsp;<br>` or `<br> <br>` render as an empty line, exactly like `<br><br>`.
    assert paragraphs_text("Một\n\nHai") == "Một\n\nHai"
    assert paragraphs_text("Một\n \nHai") == "Một\n\nHai"
    assert paragraphs_text("Một\n\u00a0\nHai") == "Một\n\nHai"


def test_paragraphs_text_is_idempotent():
    text = "Một  hai\n\nBa\nbốn\n\n\nnăm"
    once = paragraphs_text(text)
    assert paragraphs_text(once) == once


def test_every_run_of_whitespace_becomes_one_space_whatever_it_is_made_of():
    """Stored texts and their hashes depend on this normalization: whatever the runs are made
    of (one space, other spaces, zero-width space, BOM, mixed), each becomes one space, and
    nothing else does (zero-width non-joiner, NEL, line separator stay)."""
    spaces = [" ", "\t", "\r", "\f", "\v", "\u00a0", "\u2000", "\u2009", "\u200a", "\u200b", "\u202f"]
    spaces += ["\u205f", "\u3000", "\ufeff"]
    others = ["a", "ệ", "Đ", "\u200c", "\x85", "\u2028", "\u1680", "-"]
    run = "[" + "".join(spaces) + "]+"
    rng = random.Random(3)
    for _ in range(20_000):
        text = "".join(rng.choices(spaces + others + ["\n"], k=rng.randint(0, 14)))
        flat = text.replace("\n", " ")
        assert clean_line(text) == re.sub(run, " ", flat).strip(), repr(text)
        # Lines cleaned the same way; a line left empty separates paragraphs.
        lines = "\n".join(re.sub(run, " ", line).strip() for line in text.split("\n"))
        paragraphs = [p.strip("\n") for p in re.split(r"\n{2,}", lines) if p.strip("\n")]
        assert paragraphs_text(text) == "\n\n".join(paragraphs), repr(text)


def test_the_markup_keeps_one_space_of_a_run_and_one_line_break_of_the_spaces_around_one():
    """The body markup's whitespace as two regexes put it (runs of spaces and tabs, then a line
    break with the spaces around it), whatever the markup's whitespace is made of."""
    space_run = re.compile(r"[ \t]{2,}")
    line_break = re.compile(r"[ \t\r\f\v]*\n\s*")
    pieces = [" ", "  ", "\t", "\r", "\f", "\v", "\n", "\u3000", "\u2028", "\x85", "\x1c", "<p>", "a", "ệ"]
    rng = random.Random(5)
    for _ in range(20_000):
        html = "".join(rng.choices(pieces, k=rng.randint(0, 16)))
        assert markup_spaces(html) == line_break.sub("\n", space_run.sub(" ", html)).strip(), repr(html)


# ------------------------------------------------------------------ article ids and URLs


def test_article_id_ignores_the_host():
    path = "/tin-tuc/hoi-nghi-tong-ket-1005.html"
    local = article_id("tuachua", "http://127.0.0.1:8701" + path)
    real = article_id("tuachua", "https://tuachua.dienbien.gov.vn" + path)
    assert local == real
    assert re.fullmatch(r"[0-9a-f]{16}", local)


def test_article_id_depends_on_path_query_and_source():
    one = article_id(
        "dcs-dienbien", "https://dienbien.dcs.vn/tin-tuc-su-kien/chi-tiet.aspx?NewsID=1001&CateID=12"
    )
    two = article_id(
        "dcs-dienbien", "https://dienbien.dcs.vn/tin-tuc-su-kien/chi-tiet.aspx?NewsID=1002&CateID=12"
    )
    assert one != two
    assert article_id("tuachua", "https://x.vn/tin-tuc/a-1.html") != article_id(
        "tuachua", "https://x.vn/tin-tuc/a-2.html"
    )
    assert article_id("tuachua", "https://x.vn/tin-tuc/a-1.html") != article_id(
        "muongang", "https://x.vn/tin-tuc/a-1.html"
    )


def test_rebase_moves_path_and_query_to_the_new_base():
    old = "http://127.0.0.1:8701/tin-tuc-su-kien/chi-tiet.aspx?NewsID=1001&CateID=12#binh-luan"
    moved = rebase(old, "https://dienbien.dcs.vn")
    assert moved == "https://dienbien.dcs.vn/tin-tuc-su-kien/chi-tiet.aspx?NewsID=1001&CateID=12"
    assert rebase("http://old.vn/a/b.html", "https://new.vn/") == "https://new.vn/a/b.html"
    assert article_id("dcs-dienbien", moved) == article_id("dcs-dienbien", old)


def test_canonical_url_lowercases_host_and_drops_fragment():
    assert canonical_url(" HTTP://TuaChua.DienBien.gov.vn/Tin-Tuc/A-1.html?x=1#top ") == (
        "http://tuachua.dienbien.gov.vn/Tin-Tuc/A-1.html?x=1"
    )


def test_the_body_markup_keeps_structure_links_and_images_and_leaves_the_page_as_it_was():
    page = (
        '<div id="main"><article class="post"><div id="body" class="content" style="x">'
        '<center><section><p class="c" style="color:red">Một&nbsp;&nbsp;<span style="a"><span>'
        '<font color="red">hai</font></span></span>   ba</p></section></center>\n   '
        '<p>Xem <a href="/van-ban/1.pdf" onclick="track()" title="Tệp" class="dl">tệp</a>'
        '<img src="/a.jpg" alt="Ảnh" width="300" data-src="/b.jpg"></p>\n'
        '<table class="t"><tr><td colspan="2" style="w">ô</td></tr></table></div></article></div>'
    )
    tree = LexborHTMLParser(page)
    before = tree.html
    assert clean_html(tree.css_first("#body")) == (
        "<p>Một hai ba</p>\n"
        '<p>Xem <a href="/van-ban/1.pdf" title="Tệp">tệp</a><img src="/a.jpg" alt="Ảnh"></p>\n'
        '<table><tbody><tr><td colspan="2">ô</td></tr></tbody></table>'
    )
    assert tree.html == before  # the text and the rest of the record are read from the same tree
    # A body that is a table row keeps its cells.
    row = LexborHTMLParser(
        '<table><tr id="r" class="x"><td rowspan="2" style="s"><span>a</span></td><td>b</td></tr></table>'
    )
    assert clean_html(row.css_first("#r")) == '<td rowspan="2">a</td><td>b</td>'
