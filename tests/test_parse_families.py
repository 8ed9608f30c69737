"""The gold set: every page family of the simulator, with its variants, parsed field by field.

Pages are rendered by the simulator's own page code from a seeded world whose
articles are the truth: every field the parser extracts is compared with what
the simulator published. Variants in the world: no view counter (district),
no byline, photo stories (images only), very long reports, citations of
official documents with links and attached PDFs, Joomla's "Được đăng" long
date line and "Cập nhật" after an edit, and pages served decomposed (NFD).
"""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse import CHROME_LINE_PATTERNS, parse_article
from portalwatch.parse.dates import first_date
from portalwatch.parse.fallback import extract_fallback
from portalwatch.parse.profile import get_profile
from portalwatch.parse.text import decode_html
from portalwatch.record import EXTRACTION_PROFILE
from portalwatch.sim import pages
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import Article, World

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "http://portal.example"
CHROME = re.compile("|".join(CHROME_LINE_PATTERNS), re.IGNORECASE)


@pytest.fixture(scope="module")
def world() -> World:
    world = World(seed=11, scale=0.06)
    world.advance(4)  # edits, so that Joomla pages show "Cập nhật"
    return world


def expected_credits(byline: str) -> tuple[str, str, str]:
    """(author, photographer, attribution) of the simulator's byline forms."""
    if not byline:
        return "", "", ""
    if byline.startswith("Tin, ảnh: "):
        name = byline.removeprefix("Tin, ảnh: ")
        return name, name, ""
    if byline.startswith("Theo "):
        return byline.removeprefix("Theo "), "", ""
    name, _, organization = byline.partition(", ") if ", " in byline else byline.partition(" - ")
    return name, "", organization


def rendered(world: World, portal_id: str, article: Article, seed: int) -> str:
    portal = world.portals[portal_id]
    return pages.render_article(portal, article, random.Random(seed), world)


def test_every_article_of_every_family_matches_the_simulated_truth(world):
    seen_variants = set()
    for portal_id, portal in world.portals.items():
        profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
        for article in portal.live():
            html = rendered(world, portal_id, article, article.id)
            seen_variants.add("nfd" if not unicodedata.is_normalized("NFC", html) else "nfc")
            record = parse_article(html, BASE + pages.article_path(article), profile)
            where = f"{portal_id} article {article.id}"
            assert record.title == article.title, where
            assert record.published_at == article.published_at.replace(tzinfo=TZ), where
            assert record.published_at.utcoffset().total_seconds() == 7 * 3600
            assert record.updated_at == (
                article.updated_at.replace(tzinfo=TZ) if article.updated_at else None
            ), where
            assert record.view_count == (None if portal.spec.family == "district" else article.views), where
            assert record.lead == article.lead, where
            assert record.body_text == "\n\n".join(article.paragraphs), where
            assert record.byline == article.byline, where
            assert (record.author, record.photographer, record.attribution) == expected_credits(
                article.byline
            ), where
            assert [(i.src, i.caption) for i in record.images] == [(n, c) for n, c, _ in article.images], (
                where
            )
            trail = (
                "Trang chủ",
                "Tin tức" if portal.spec.family == "commune" else "Tin tức - Sự kiện",
                article.category,
            )
            assert record.breadcrumb == trail and record.category == article.category, where
            cited = [world_path(world, number) for _, _, number in article.citations]
            assert [link.url for link in record.links] == cited, where
            assert [a.name for a in record.attachments] == [
                world_file(world, n) for n in article.attachments
            ], where
            assert all(a.kind == "pdf" and a.url.startswith("/") for a in record.attachments)
            assert not [line for line in record.body_text.split("\n") if CHROME.search(line)], where
            assert "style=" not in record.body_html and "<p>" in record.body_html or not article.paragraphs
            assert record.extraction == EXTRACTION_PROFILE and record.confidence == 1.0
            assert record.parser_version == f"{profile.name}/{profile.version}+2"
            seen_variants |= variants(article, portal.spec.variant)
    assert seen_variants >= {
        "nfd",
        "nfc",
        "no byline",
        "photo story",
        "long body",
        "cites",
        "attaches",
        "updated",
        "duoc-dang",
        "tin-anh",
        "theo",
    }


def variants(article: Article, portal_variant: str) -> set[str]:
    found = {portal_variant} if portal_variant else set()
    found |= {"no byline"} if not article.byline else set()
    found |= {"photo story"} if not article.paragraphs else set()
    found |= {"long body"} if len(article.paragraphs) > 20 else set()
    found |= {"cites"} if article.citations else set()
    found |= {"attaches"} if article.attachments else set()
    found |= {"updated"} if article.updated_at else set()
    found |= {"tin-anh"} if article.byline.startswith("Tin, ảnh") else set()
    found |= {"theo"} if article.byline.startswith("Theo ") else set()
    return found


def world_path(world: World, number: str) -> str:
    document, family = pages.world_document(world, number)
    return pages.document_path(family, document)


def world_file(world: World, number: str) -> str:
    document, _ = pages.world_document(world, number)
    return document.file_name


def test_the_same_article_composed_or_decomposed_hashes_the_same(world):
    portal = world.portals["xa-muong-dun"]
    profile = get_profile("joomla_commune")
    article = portal.live()[0]
    html = rendered(world, "xa-muong-dun", article, 1)
    composed = parse_article(unicodedata.normalize("NFC", html), BASE + pages.article_path(article), profile)
    decomposed = parse_article(
        unicodedata.normalize("NFD", html), BASE + pages.article_path(article), profile
    )
    assert composed.content_hash == decomposed.content_hash
    assert composed.title == decomposed.title == article.title


def test_a_page_whose_header_misdeclares_its_charset_decodes_as_utf8(world):
    portal = world.portals["muongang"]
    article = portal.live()[0]
    body = rendered(world, "muongang", article, 3).encode("utf-8")
    assert article.title not in body.decode("iso-8859-1")  # what trusting the header gives
    record = parse_article(
        decode_html(body, "iso-8859-1"), BASE + pages.article_path(article), get_profile("district_portal")
    )
    assert record.title == article.title
    legacy = unicodedata.normalize("NFD", "Tủa Chùa").encode(
        "cp1258"
    )  # windows-1258 writes tones as combining marks
    decoded = decode_html(b"<html><head><meta charset='windows-1258'></head>" + legacy)
    assert unicodedata.normalize("NFC", decoded).endswith("Tủa Chùa")


@pytest.mark.parametrize("family_portal", ["dcs-dienbien", "tuachua", "xa-muong-dun"])
def test_pages_that_are_not_articles_fail_with_a_reason(world, family_portal):
    portal = world.portals[family_portal]
    profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
    article = next(a for a in portal.live() if a.paragraphs and a.images)
    url = BASE + pages.article_path(article)
    html = unicodedata.normalize("NFC", rendered(world, family_portal, article, 5))

    with pytest.raises(WrongPage, match="cut short"):
        parse_article(html[: len(html) * 2 // 3], url, profile)
    with pytest.raises(WrongPage, match="not an article: soft-404 page"):
        parse_article(pages.not_found(portal), url, profile)
    maintenance = "<html><head><title>Hệ thống đang bảo trì</title></head><body><h1>Website đang bảo trì, vui lòng quay lại sau</h1></body></html>"
    with pytest.raises(WrongPage, match="not an article: maintenance page"):
        parse_article(maintenance, url, profile)
    # Pages that look like the article but cannot be read are extraction failures, not wrong pages.
    empty = Article(
        **{**article.__dict__, "paragraphs": [], "images": [], "citations": [], "attachments": []}
    )
    with pytest.raises(ExtractionError, match="body too short") as failure:
        parse_article(pages.render_article(portal, empty, random.Random(1), world), url, profile)
    assert not isinstance(failure.value, WrongPage)
    undated = re.sub(r"(Thời gian đăng|Ngày đăng|Được đăng): [^<]*", "", html)
    with pytest.raises(ExtractionError, match="no posting time") as failure:
        parse_article(undated, url, profile)
    assert not isinstance(failure.value, WrongPage)


def test_a_photo_story_is_an_article_with_images_and_no_text(world):
    for portal_id, portal in world.portals.items():
        for article in portal.live():
            if not article.paragraphs:
                record = parse_article(
                    rendered(world, portal_id, article, 2),
                    BASE + pages.article_path(article),
                    get_profile(PROFILE_FOR_FAMILY[portal.spec.family]),
                )
                assert record.body_text == "" and len(record.images) == len(article.images) >= 1
                return
    pytest.fail("the world has no photo story")


def test_the_generic_extractor_reads_every_family_without_a_profile(world):
    """The fallback, on the known families: title, date and body by convention alone."""

    checked = 0
    for portal_id, portal in world.portals.items():
        for article in portal.live()[:12]:
            if not article.paragraphs:
                continue
            record = extract_fallback(
                rendered(world, portal_id, article, 4), BASE + pages.article_path(article)
            )
            assert record.extraction == "fallback" and 0 < record.confidence <= 1
            assert record.title == article.title
            assert record.published_at == article.published_at.replace(tzinfo=TZ)
            assert record.body_text == "\n\n".join(article.paragraphs)
            assert record.byline == article.byline
            assert record.parser_version.startswith("fallback/")
            checked += 1
    assert checked >= 40


def test_published_at_forms_of_the_portals():
    cases = {
        "Thời gian đăng: 24/06/2021 03:43:03 PM - Lượt đọc: 8228": datetime(2021, 6, 24, 15, 43, 3),
        "Thời gian đăng: 09/09/2022 08:46:19 AM": datetime(2022, 9, 9, 8, 46, 19),
        "Ngày đăng: 05/05/2025 08:07": datetime(2025, 5, 5, 8, 7),
        "Được đăng: 08 Tháng 3 2025 14:10": datetime(2025, 3, 8, 14, 10),
        "Ngày đăng: ngày 09 tháng 12 năm 2020": datetime(2020, 12, 9),
        "Đăng lúc 10:15 12/03/2024": datetime(2024, 3, 12, 10, 15),
        "Cập nhật lần cuối: 11/03/2025 09:30": datetime(2025, 3, 11, 9, 30),
    }
    for text, expected in cases.items():
        found = first_date(text)
        assert found and found.value == expected.replace(tzinfo=TZ), text
