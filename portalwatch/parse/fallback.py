"""The generic extractor: an article page of a CMS no profile knows.

It reads a page by structure, not by one template's markers. The posting time
comes, in order of trust, from the page's metadata (OpenGraph
``article:published_time``, schema.org ``datePublished``), a ``<time
datetime>`` element, a labelled line (``Ngày đăng``, ``Thời gian đăng``,
``Cập nhật`` ...), or a date standing alone in a date-like element beside a
heading. The title is the heading-like element (``h1``-``h4``, an element
whose class says title, a bold cell) nearest that date, preferring one the
page's ``<title>`` or ``og:title`` agrees with; never the site's name. The
body is the block with the most paragraph text that is not link text. Chrome
(menus, sidebars, footers, counters, by class and tag) is removed, except the
blocks holding the title, the date and the body. A field the extractor is not
sure of stays empty and lowers ``confidence`` (0..1); a page that is not an
article (listing, error or maintenance page, no date) raises ExtractionError.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError
from portalwatch.parse.checks import error_page_reason
from portalwatch.parse.content import attachment_links, body_links, drop_chrome_paragraphs, only_files
from portalwatch.parse.dates import FoundDate, first_date, has_weekday, parse_date
from portalwatch.parse.fields import Credits, split_byline
from portalwatch.parse.profile import DEFAULT_ATTACHMENT_EXTENSIONS, DEFAULT_BYLINE_PATTERNS, PageRules
from portalwatch.parse.records import CHROME_LINE_PATTERNS, BodyContent, article_record
from portalwatch.parse.text import block_text, clean_html, clean_line, node_text
from portalwatch.parse.version import PARSER_VERSION
from portalwatch.record import EXTRACTION_FALLBACK, ArticleRecord, Attachment, Image

# Bumped whenever these heuristics change their output.
FALLBACK_VERSION = 4
# What records the generic extractor reads are stored with.
FALLBACK_PARSER_VERSION = f"fallback/{FALLBACK_VERSION}+{PARSER_VERSION}"

POSTED_LABEL = re.compile(
    r"(?i)(?:Thời gian đăng|Ngày đăng(?: tin| bài)?|Đăng ngày|Đăng lúc|Đăng vào|Được đăng(?: ngày| vào| lúc)?|Ngày tạo"
    r"|Ngày xuất bản|Xuất bản(?: ngày| lúc)?|Ngày phát hành|Ngày viết|Thời gian(?= *:)|Ngày(?= *:)"
    r"|Posted(?: on)?|Published(?: on)?)"
)
UPDATED_LABEL = re.compile(
    r"(?i)(?:Cập nhật(?: lần cuối)?(?: ngày| lúc| vào)?|Ngày cập nhật|Sửa đổi lần cuối|Chỉnh sửa lúc|Updated(?: on)?)"
)
# A counter, labelled before or after its number, with '.' or ',' between thousands; never the site's
# visit counter ('Tổng lượt truy cập').
_VIEWS = re.compile(
    r"(?i)(?<!Tổng )(?<!Tổng số )(?:Lượt xem|Lượt đọc|Số lượt xem|Số lần xem|Số lượt đọc|Số lần đọc|Lần xem"
    r"|Lượt truy cập|Lượt view|Lượt xem bài|Hits|Views?|Đã xem)"
    r"\s*:?\s*(?P<value>\d{1,3}(?:[.,\u00a0 ]\d{3})+(?!\d)|\d+)"
    r"|(?<![:\d.,])(?P<after>\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+)\s*(?:lượt xem|lượt đọc|lần xem|views|hits)\b(?!\s*:)"
)
_COUNTER_NAMES = re.compile(r"(?i)view|luot-?xem|luotxem|hits|counter|luot-?doc")
_AUTHOR_LABEL = re.compile(
    r"(?i)^(?:Tác giả|Người viết|Viết bởi|Đăng bởi|Người đăng|Bài viết bởi|Posted by|Written by|By|bởi)\s*:?\s*"
)
_LINE_END = r"\s*(?:$|[|•\-–()\[\]]|Lượt|Ngày|Cập|Số|Đăng|Views|Hits)"
_BYLINE_IN_LINE = re.compile(
    r"(?i)(?:Tác giả|Người viết|Viết bởi|Đăng bởi|Người đăng|Posted by|Written by|(?<!\w)bởi)\s*:?\s*"
    rf"(?P<name>[^|•\-–:\d()\[\]]{{2,60}}?){_LINE_END}"
)
_CREDIT_IN_LINE = re.compile(
    rf"(?P<credit>(?:Tin,? ảnh|Tin và ảnh|Bài và ảnh|Tin|Bài|Ảnh|Nguồn|Theo)\s*:\s*[^|•\-–:\d()\[\]]{{2,60}}?){_LINE_END}"
)
_AUTHOR_ELEMENTS = "[rel='author'], .author, .byline, [itemprop='author'], .tacgia, .tac-gia"
# An official document's "<place>, ngày 15 tháng 3 năm 2024" line.
_PLACE_AND_DATE = re.compile(r"(?i)^[^,\d]{2,60},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}")
_TRAIL = "[class*='breadcrumb'], [id*='breadcrumb'], [class*='pathway'], .path, .duongdan, .duong-dan, [aria-label*='readcrumb']"
_HEADINGS = {"h1": 3.0, "h2": 2.0, "h3": 1.5, "h4": 1.0}
# A heading of this many words or fewer names a box ('Chi tiết tin', 'Tin tức - Sự kiện'), seldom an
# article: it yields to a longer title near the posting time.
_LABEL_WORDS = 3
_TITLE_NAMES = re.compile(
    r"(?i)title|tieude|tieu-de|tieu_de|headline|heading|tenbai|ten-bai|contentheading|news-?name|subject"
)
_DATE_NAMES = re.compile(
    r"(?i)date|time|ngay|thoigian|thoi-gian|publish|posted|created|meta|info|byline|detail-?time|tg-?dang"
)
_HARD_CHROME = "script, style, noscript, iframe, select, button, template, input, textarea, svg"
_CHROME_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:menu|nav|navbar|sidebar|side-bar|footer|banner|breadcrumbs?|module|widget|top-?bar|logo|"
    r"right-col|left-col|col-right|col-left|pager|paging|pagination|other-news|othernews|related|tin-khac|tinkhac|"
    r"comments?|share|social|counter|template-settings|advert|ads|search|login|hidden|lienket|lien-ket|weblink|"
    r"thongke|thong-ke)(?:$|[\s_-])"
)
_CHROME_TAGS = {"nav", "footer", "aside", "header"}
_SITE_NAME = re.compile(
    r"(?i)^(?:Cổng thông tin|Trang thông tin|Trang chủ|Cổng TTĐT|Trang TTĐT|Báo điện tử|Website|Portal|Home)\b"
    r"|^(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|SỞ|BAN|HUYỆN ỦY|TỈNH ỦY|ĐẢNG ỦY|BÁO)\s+[^a-zà-ỹ]*$"
)
# Class or id words of the blocks that carry the site's name ("t3-header", "logo"), not a page header ("page-header").
_SITE_PARTS = re.compile(
    r"(?i)^(?:(?:t\d|site|main|top)-?)?(?:header|masthead)$|logo|banner|brand|site-?name|site-?title"
)
_SITE_PART_CHARS = 2000  # more text than a header, logo or banner holds
_LEAD_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:sapo|lead|summary|description|desc|chapeau|tomtat|tom-tat|intro|excerpt|trich-?yeu|trich-?dan)(?:$|[\s_-])"
)
# A CMS login shown as the poster ('admin', 'bientap02'): no person's or office's name, which have
# capitals and spaces; the credit is then the one the text closes with.
_ACCOUNT = re.compile(r"[a-z0-9._-]{2,32}")
# A header's line of the day: 'Hôm nay: 04/12/2026'.
_TODAY = re.compile(r"(?i)\bhôm nay\b|\btoday\b")
_PICTURE_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:image|img|photo|picture|pic|caption|figure|figcaption|anh)(?:$|[\s_-])"
)
_BLOCKS = "div, td, article, section, li, ul, main"
_BLOCK_TAGS = {
    "div",
    "p",
    "table",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "blockquote",
    "tr",
    "td",
}
_INLINE = {"font", "span", "i", "em", "u", "small", "big"}  # not <b>: a bold block is a lead or a heading
_CAPTION_NAMES = re.compile(r"(?i)caption|desc|chu-?thich|legend|image-?note|photo-?note")
_BYLINE_NAMES = re.compile(r"(?i)author|byline|tac-?gia|nguon|signature")


@dataclass
class _Date:
    node: LexborNode | None  # None for metadata
    found: FoundDate
    tier: int  # 0 metadata, 1 <time datetime>, 2 labelled line, 3 date-like element, 4 bare date
    updated: bool
    order: int
    rule: str


@dataclass
class _Title:
    node: LexborNode
    text: str
    strength: float
    order: int
    link: bool
    chrome: bool


class _Page:
    """One page being read: its tree, the order of its elements and where its chrome is."""

    def __init__(self, html: str, url: str):
        self.url = url
        self.tree = LexborHTMLParser(html)
        if self.tree.body is None:
            raise ExtractionError(url, "generic extractor: the page has no <body>")
        self.metadata = _metadata(self.tree)
        self.site_names = _site_names(self.tree, self.metadata)
        for node in self.tree.body.css(_HARD_CHROME):
            node.decompose()
        for node in self.tree.body.css("[style], [hidden]"):
            if (
                "display:none" in (node.attributes.get("style") or "").replace(" ", "").lower()
                or "hidden" in node.attributes
            ):
                node.decompose()
        self.body = self.tree.body
        self.order = {node.mem_id: index for index, node in enumerate(self.body.traverse())}
        self.chrome = {node.mem_id for node in self.body.traverse() if _chrome_named(node)}

    def in_chrome(self, node: LexborNode, protected: set[int]) -> bool:
        while node is not None:
            if node.mem_id in self.chrome and node.mem_id not in protected:
                return True
            node = node.parent
        return False

    def drop_chrome(self, keep: list[LexborNode]) -> None:
        """Remove chrome blocks, never one that holds a node of `keep` (title, date, body)."""
        protected = {ancestor for node in keep for ancestor in _ancestors(node)}
        for node in list(self.body.traverse()):
            if node.mem_id in self.chrome and node.mem_id not in protected and node.parent is not None:
                node.decompose()


def extract_fallback(html: str, url: str) -> ArticleRecord:
    """The record of an article page read by structure alone; raises ExtractionError."""
    page = _Page(html, url)
    rules: dict[str, str] = {}
    factors: list[tuple[str, float]] = []
    main = _densest_block(page.body, exclude=[])
    _refuse_error_page(page, main)
    dates, posted, title, title_text = _headline(page, main, rules, factors)
    published_at, updated_at = _times(posted, dates, rules, factors)
    view_count, credits_line = _info_fields(page, [posted.node] if posted.node else [], rules)
    breadcrumb = _breadcrumb(page, title_text, rules)
    page.drop_chrome(
        [node for node in (title.node if title else None, posted.node, main) if node is not None]
    )
    headline = [node for node in (title.node if title else None, posted.node) if node is not None]
    body = _densest_block(page.body, exclude=headline)
    if body is None:
        raise ExtractionError(url, "generic extractor: no block of paragraphs")
    body = _whole_body(body, headline)
    rules["body_text"] = f"generic: densest block <{body.tag} class={body.attributes.get('class')!r}>"
    if view_count is None:
        view_count = _view_count_near(body, rules)
    for node in (posted.node, title.node if title else None):
        if node is not None and _inside(node, body):
            node.decompose()
    # What sits in the body without being the article (share lines, related boxes) goes first:
    # the byline is the text's last line, not the last line of a box after it.
    drop_chrome_paragraphs(body, CHROME_LINE_PATTERNS)
    _drop_inner_chrome(body)
    byline = _byline(body, rules) or credits_line
    lead = _lead(page, body, title, rules)
    credits = _credits(byline, rules)
    content = _body_content(body, url, factors)
    if files := _files_after(body, url, content.attachments):
        content = replace(content, attachments=(*content.attachments, *files))
    confidence = 1.0
    for _, factor in factors:
        confidence *= factor
    return article_record(
        title=title_text,
        published_at=published_at,
        updated_at=updated_at,
        lead=lead,
        byline=byline,
        credits=credits,
        body=content,
        breadcrumb=breadcrumb,
        view_count=view_count,
        parser_version=FALLBACK_PARSER_VERSION,
        rules=rules,
        rule_prefix="generic: ",
        extraction=EXTRACTION_FALLBACK,
        confidence=round(confidence, 2),
        notes=tuple(f"fallback: {reason} (confidence x{factor})" for reason, factor in factors),
    )


def _headline(page: _Page, main: LexborNode | None, rules: dict[str, str], factors: list[tuple[str, float]]):
    """The dates the page shows, the posting time, the title's heading (None: from metadata) and the title."""
    protected = set(_ancestors(main)) if main is not None else set()
    dates = _visible_dates(page, protected)
    titles = _title_candidates(page, protected)
    posted = _choose_date(page, dates, titles)
    if posted is None:
        raise ExtractionError(
            page.url,
            "generic extractor: no posting time (no date in the metadata, a <time>, "
            "a labelled line or beside the title)",
        )
    _refuse_listing(page, posted, dates, titles, main)
    if posted.tier >= 3 and _PLACE_AND_DATE.match(node_text(posted.node)):
        raise ExtractionError(
            page.url,
            "generic extractor: an official document, not an article (its only date is the "
            f"place-and-date line {node_text(posted.node)[:60]!r}): read it as a document",
        )
    title = _choose_title(page, titles, posted)
    title_text = title.text if title else _reference_title(page)
    if not title_text:
        raise ExtractionError(
            page.url,
            "generic extractor: no title (no heading near the posting time; "
            "<title> holds only the site name)",
        )
    if title is not None and title.link and sum(candidate.link for candidate in titles) >= 4:
        raise ExtractionError(
            page.url, f"generic extractor: a listing page (its headings are links, like {title.text[:60]!r})"
        )
    rules["title"] = (
        f"generic: <{title.node.tag}> nearest the posting time" if title else "generic: og:title or <title>"
    )
    if title is None:
        factors.append(("no heading near the posting time", 0.7))
    return dates, posted, title, title_text


def _body_content(body: LexborNode, url: str, factors: list[tuple[str, float]]) -> BodyContent:
    """Text, cleaned HTML, images, links and files of the body; refuses a body too short or made of links."""
    links, attachments = body_links(body, url, DEFAULT_ATTACHMENT_EXTENSIONS)
    body_html = clean_html(body)
    images = _images(body)
    link_chars = sum(len(node_text(a)) for a in body.css("a"))
    body_text = block_text(body)
    if len(body_text) < 200 and not images:
        raise ExtractionError(
            url, f"generic extractor: body too short ({len(body_text)} characters): not an article"
        )
    if link_chars > 0.5 * len(body_text):
        raise ExtractionError(
            url, "generic extractor: the densest block is mostly links: a listing page, not an article"
        )
    factors += _body_factors(body_text, link_chars)
    return BodyContent(body_text, body_html, images, tuple(links), tuple(attachments))


_FILE_LINK = re.compile(rf"(?i)\.(?:{'|'.join(DEFAULT_ATTACHMENT_EXTENSIONS)})(?:$|[?#])")
_PHOTO_CHARS = 50  # what a photo weighs in a block's text: a photo story is an article too
_FRAME_NAMES = re.compile(r"(?i)(?:^|[\s_-])(?:footer|copyright|menu|navbar|nav|comments?)(?:$|[\s_-])")
_COPYRIGHT = re.compile(r"(?i)©|\(c\)\s*\d{4}|\bBản quyền\b|\bCopyright\b")
_CLOSING_CHARS = 200  # a byline or counter line; longer is the next part of the page
_SOURCE_LINE = re.compile(r"(?i)^\(?\s*(?:Nguồn|Theo)\b")
_ENTRY_CHARS = 600  # a list entry's block: its link, date and summary
_ARTICLE_CHARS = 500  # paragraph text of one block that only an article has; a listing's entries are short
_PAGE_RULES = PageRules()
_NOTICE_PATTERNS = (*_PAGE_RULES.not_found_text, *_PAGE_RULES.maintenance_text, *_PAGE_RULES.error_text)


def _refuse_error_page(page: _Page, main: LexborNode | None) -> None:
    """An error, not-found or maintenance page: a short page whose title or first heading says so.

    A page with an article's worth of text is not one, whatever its title says ('Quyết định 404/QĐ-UBND').
    """
    text = node_text(main) if main is not None else ""
    if len(text) < 800 and (reason := error_page_reason(page.tree, _PAGE_RULES, deep=False)):
        raise ExtractionError(page.url, f"generic extractor: {reason}")
    if len(text) < 400 and any(re.search(pattern, text) for pattern in _NOTICE_PATTERNS):
        raise ExtractionError(page.url, f"generic extractor: a not-found or error notice ({text[:80]!r})")


def _refuse_listing(
    page: _Page, posted: _Date, dates: list[_Date], titles: list[_Title], main: LexborNode | None
) -> None:
    """A listing: the posting time is one of several alike, each beside a link to the page it dates.

    A posting time that is itself no entry (no link to another page beside it), above a block of article text,
    is an article's, whatever list of dated links (related news, a sidebar) shares its shape.
    """
    if posted.node is None:
        return
    if (
        main is not None
        and _own_text(main, set()) >= _ARTICLE_CHARS
        and not _entry_link(posted.node, page.url)
    ):
        return
    visible = [title for title in titles if not title.chrome]
    nearest = min(visible, key=lambda title: abs(title.order - posted.order), default=None)
    if nearest is not None and nearest.link and _one_entry(nearest.node, posted.node):
        raise ExtractionError(
            page.url,
            "generic extractor: a listing page (its posting time dates a link to another "
            f"page, {node_text(posted.node)[:40]!r})",
        )
    shape = _shape(posted.node)
    alike = [date.node for date in dates if date.node is not None and _shape(date.node) == shape]
    linked = sum(1 for node in alike if _entry_link(node, page.url))
    headings = sum(1 for title in titles if title.link and not title.chrome)
    short_page = (
        len(alike) >= 2 and linked == len(alike) and _entry_link(posted.node, page.url)
    )  # a last page of two
    if len(alike) >= 3 and (headings >= 3 or linked >= 0.8 * len(alike)) or short_page:
        raise ExtractionError(
            page.url,
            f"generic extractor: a listing page ({len(alike)} entries dated like {node_text(posted.node)[:40]!r}, "
            "each beside a link to its page)",
        )


def _one_entry(heading: LexborNode, date_node: LexborNode) -> bool:
    """Whether a heading and a date sit in one small block (a list entry, a table row, or a whole short page)."""
    common = _common_ancestor(heading, date_node)
    return common is not None and len(node_text(common)) <= _ENTRY_CHARS


def _entry_link(date_node: LexborNode, url: str) -> bool:
    """Whether a date sits in a small block (a list entry, a table row) with a link to another page."""
    element = date_node.parent
    for _ in range(3):
        if element is None or len(node_text(element)) > _ENTRY_CHARS:
            return False
        for anchor in element.css("a[href]"):
            if len(node_text(anchor)) >= 15 and _links_elsewhere(anchor, node_text(anchor), url):
                return True
        element = element.parent
    return False


def _shape(node: LexborNode) -> tuple:
    """What entries of one list share: the element and its parent, by tag and class."""
    parent = node.parent or node
    return node.tag, node.attributes.get("class"), parent.tag, parent.attributes.get("class")


def _drop_inner_chrome(body: LexborNode) -> None:
    """Remove what sits inside an article's body without being the article: boxes of links (related news set in
    the text; a list of the article's files stays), counter lines, and headings with no text after them (an empty
    'related posts' box)."""
    for block in body.css("div, ul, ol, table, aside, section"):
        anchors = block.css("a[href]")
        text = len(node_text(block))
        files = any(_FILE_LINK.search(anchor.attributes.get("href") or "") for anchor in anchors)
        if len(anchors) >= 2 and text and not files and sum(len(node_text(a)) for a in anchors) >= 0.6 * text:
            block.decompose()
    for block in body.css("p, div, li, span"):
        text = node_text(block)
        if (
            text
            and len(text) <= 60
            and (match := _VIEWS.search(text))
            and len(match.group(0)) >= 0.5 * len(text)
        ):
            block.decompose()
    for heading in reversed(body.css("h2, h3, h4, h5, h6")):
        if not _text_after(heading, body):
            heading.decompose()


def _text_after(node: LexborNode, container: LexborNode) -> bool:
    """Whether any text of `container` comes after `node` (and outside it)."""
    inside = _descendants(node)
    seen = False
    for item in container.traverse(include_text=True):
        if item.mem_id == node.mem_id:
            seen = True
        elif (
            seen
            and item.mem_id not in inside
            and item.tag == "-text"
            and (item.text(deep=False) or "").strip()
        ):
            return True
    return False


def _descendants(node: LexborNode) -> set[int]:
    return {inner.mem_id for inner in node.traverse(include_text=True)}


def _body_factors(body_text: str, link_chars: int) -> list[tuple[str, float]]:
    factors = []
    if link_chars > 0.3 * len(body_text):
        factors.append(("body is mostly links", 0.6))
    if len(body_text) < 500:
        factors.append(("short body", 0.8))
    if body_text.count("\n\n") < 1:
        factors.append(("a single paragraph", 0.8))
    return factors


# --- metadata -------------------------------------------------------------------------------------------------------

_META_PUBLISHED = (
    "meta[property='article:published_time']",
    "meta[name='article:published_time']",
    "meta[itemprop='datePublished']",
    "meta[name='pubdate']",
    "meta[name='publishdate']",
    "meta[name='dc.date.issued']",
    "meta[name='DC.date.issued']",
)
_META_MODIFIED = ("meta[property='article:modified_time']", "meta[itemprop='dateModified']")


def _metadata(tree: LexborHTMLParser) -> dict[str, str]:
    """OpenGraph, schema.org and JSON-LD fields of the page (before its scripts are removed)."""
    found: dict[str, str] = {}
    for name, selectors in (("published", _META_PUBLISHED), ("modified", _META_MODIFIED)):
        for selector in selectors:
            node = tree.css_first(selector)
            if node is not None and (value := node.attributes.get("content")):
                found.setdefault(name, value)
    for key, selector in (
        ("title", "meta[property='og:title']"),
        ("site_name", "meta[property='og:site_name']"),
        ("author", "meta[name='author']"),
        ("title", "meta[name='twitter:title']"),
    ):
        node = tree.css_first(selector)
        if node is not None and (value := clean_line(node.attributes.get("content") or "")):
            found.setdefault(key, value)
    for script in tree.css("script[type='application/ld+json']"):
        try:
            data = json.loads(script.text(deep=True) or "null")
        except ValueError:
            continue
        for item in _json_items(data):
            for key, name in (
                ("datePublished", "published"),
                ("dateModified", "modified"),
                ("headline", "title"),
            ):
                if isinstance(item.get(key), str):
                    found.setdefault(name, clean_line(item[key]))
    return found


def _json_items(data) -> list[dict]:
    if isinstance(data, list):
        return [item for entry in data for item in _json_items(entry)]
    if isinstance(data, dict):
        return [data, *_json_items(data.get("@graph", []))]
    return []


def _site_names(tree: LexborHTMLParser, metadata: dict[str, str]) -> set[str]:
    """Names the site goes by: og:site_name and the text of its header, logo and banner headings."""
    names = {metadata["site_name"].casefold()} if "site_name" in metadata else set()
    for node in tree.css("header, [class], [id]"):
        if node.tag in ("body", "html") or len(node_text(node)) > _SITE_PART_CHARS:
            continue  # a body class like 'wp-custom-logo' or a wrapper of the whole page names no site
        if node.tag == "header" and (_inside_tag(node, "article") or _inside_tag(node, "main")):
            continue  # an article's own header
        if node.tag != "header" and not any(_SITE_PARTS.search(token) for token in _names(node).split()):
            continue
        for heading in node.css("h1, h2, h3, a, span, div, p, td"):
            text = node_text(heading)
            if 4 <= len(text) <= 120:
                names.add(text.casefold())
    return names


# --- dates ----------------------------------------------------------------------------------------------------------


def _visible_dates(page: _Page, protected: set[int]) -> list[_Date]:
    """Every posting or update time the page shows outside its chrome, by the kind of evidence for it."""
    dates: dict[tuple[int, bool], _Date] = {}
    for node, found, tier, updated, rule in _date_evidence(page.body):
        if (node.mem_id, updated) not in dates and not page.in_chrome(node, protected):
            dates[node.mem_id, updated] = _Date(
                node, found, tier, updated, page.order.get(node.mem_id, 0), rule
            )
    return list(dates.values())


def _date_evidence(body: LexborNode):
    """(element, date, tier, is an update, rule) for each <time datetime>, labelled line and date-only element."""
    for node in body.traverse(include_text=True):
        if node.tag == "time" and (stamp := node.attributes.get("datetime")) and (found := first_date(stamp)):
            yield node, found, 1, _update_time(node), "<time datetime>"
        if node.tag != "-text":
            continue
        raw = unicodedata.normalize("NFC", node.text(deep=False) or "")
        if not raw.strip() or node.parent is None:
            continue
        for label, updated in ((POSTED_LABEL, False), (UPDATED_LABEL, True)):
            if label.search(raw) and (hit := _labelled(node.parent, label)):
                yield hit[0], hit[1], 2, updated, f"posting line {node_text(hit[0])[:60]!r}"
        if len(raw.strip()) > 200 or not (found := first_date(raw)):
            continue
        element = _date_element(node.parent)
        if element is not None and (found := parse_date(node_text(element))):
            tier = 3 if _date_named(node.parent, element) else 4
            yield (
                element,
                found,
                tier,
                False,
                f"date in <{element.tag} class={element.attributes.get('class')!r}>",
            )
        elif _DATE_NAMES.search(_names(node.parent)) and len(node_text(node.parent)) <= 200:
            yield (
                node.parent,
                found,
                3,
                False,
                f"date on the line <{node.parent.tag} class={node.parent.attributes.get('class')!r}>",
            )


def _update_time(node: LexborNode) -> bool:
    """Whether a <time> gives an update: WordPress marks its posting time 'published updated'."""
    names = node.attributes.get("class") or ""
    return bool(re.search(r"(?i)updated|modified", names)) and not re.search(
        r"(?i)published|posted|entry-date", names
    )


def _labelled(element: LexborNode, label: re.Pattern) -> tuple[LexborNode, FoundDate] | None:
    """The smallest element from `element` up whose text gives a date after the label."""
    while element is not None:
        text = node_text(element)
        if len(text) > 300:
            return None
        for match in label.finditer(text):
            rest = text[match.end() :]
            found = first_date(rest[:60])
            if found is not None and rest.find(found.text[:4]) <= 15:
                return element, found
        element = element.parent
    return None


def _date_named(inner: LexborNode, element: LexborNode) -> bool:
    """Whether a class or id says date on the way from the text's own element up to `element` or its parent
    ('<div class=detail-top>Category <span class=date>...</span></div>')."""
    node = inner
    while node is not None:
        if _DATE_NAMES.search(_names(node)):
            return True
        if node.mem_id == element.mem_id:
            return element.parent is not None and bool(_DATE_NAMES.search(_names(element.parent)))
        node = node.parent
    return False


def _date_element(element: LexborNode) -> LexborNode | None:
    """The largest element from `element` up that is still only a date (its time may sit in a sibling)."""
    if parse_date(node_text(element)) is None:
        return None
    while (
        element.parent is not None
        and len(node_text(element.parent)) <= 80
        and parse_date(node_text(element.parent))
    ):
        element = element.parent
    return element


def _choose_date(page: _Page, dates: list[_Date], titles: list[_Title]) -> _Date | None:
    """The posting time: metadata, else the most trusted visible evidence next to a heading.

    Evidence that gives only the day yields to less trusted evidence of the same day that gives the time.
    """
    chosen = _metadata_date(page, dates) or _visible_date(page, dates, titles)
    if chosen is None or chosen.found.has_time:
        return chosen
    day = chosen.found.value.date()
    timed = [
        d for d in dates if d.tier <= 3 and not d.updated and d.found.has_time and d.found.value.date() == day
    ]
    return timed[0] if timed else chosen


def _metadata_date(page: _Page, dates: list[_Date]) -> _Date | None:
    if "published" not in page.metadata or (found := first_date(page.metadata["published"])) is None:
        return None
    visible = next((d for d in dates if d.found.value == found.value), None)
    rule = "metadata (article:published_time / datePublished)"
    return _Date(visible.node if visible else None, found, 0, False, visible.order if visible else -1, rule)


def _visible_date(page: _Page, dates: list[_Date], titles: list[_Title]) -> _Date | None:
    anchors = _anchor_titles(page, titles)
    if anchors:
        top = min(t.order for t in anchors)
        dates = [d for d in dates if not (d.order < top and _calendar_line(d))]
    for tier, reach in ((1, None), (2, None), (3, 60), (4, 25)):
        found = [d for d in dates if d.tier == tier]
        posted = [d for d in found if not d.updated] or found
        if not posted:
            continue
        if not anchors:
            if reach is None:
                return posted[0]
            continue
        near = [(min(_gap(t, d) for t in anchors), d) for d in posted]
        near = [(distance, d) for distance, d in near if reach is None or distance <= reach]
        if (
            near
        ):  # a date beside a link to another page is an entry of a list (related news), not the posting time
            return min(near, key=lambda pair: (_entry_link(pair[1].node, page.url), pair[0], pair[1].order))[
                1
            ]
    return None


def _calendar_line(date: _Date) -> bool:
    """A day with its weekday or 'Hôm nay', no time and no label: the line a portal's header shows
    with today's date ('Thứ Sáu, ngày 04/12/2026'). Above the article's heading it is the day the page was
    served, a new one every day, not the day the article was posted."""
    if date.tier < 3 or date.found.has_time or date.node is None:
        return False
    text = node_text(date.node)
    return has_weekday(text) or bool(_TODAY.search(text))


def _anchor_titles(page: _Page, titles: list[_Title]) -> list[_Title]:
    """The headings most likely the article's: those the page's <title> agrees with, else the strongest."""
    strong = [t for t in titles if t.strength >= 1.5 and not t.link and not t.chrome]
    references = _references(page)
    agreeing = [t for t in strong if _agrees(t.text, references)]
    if agreeing or not strong:
        return agreeing
    top = max(t.strength for t in strong)
    return [t for t in strong if t.strength == top]


def _gap(title: _Title, date: _Date) -> int:
    """Elements between a heading and a date; a date above its heading is further than one below it."""
    return date.order - title.order if date.order > title.order else 3 * (title.order - date.order)


def _times(posted: _Date, dates: list[_Date], rules: dict[str, str], factors: list[tuple[str, float]]):
    rules["published_at"] = f"generic: {posted.rule}, {posted.found.text!r}"
    if not posted.found.has_time:
        factors.append(("posting date without a time of day", 0.9))
    if posted.tier == 4:
        factors.append(("an unlabelled date", 0.8))
    updated_at = None
    if not posted.updated and (updates := [d for d in dates if d.updated and d.tier <= 2]):
        updated_at = updates[0].found.value
        rules["updated_at"] = f"generic: {updates[0].rule}"
    return posted.found.value, updated_at


# --- title ----------------------------------------------------------------------------------------------------------


def _title_candidates(page: _Page, protected: set[int]) -> list[_Title]:
    titles = []
    for node in page.body.traverse():
        strength = _title_strength(node)
        if not strength:
            continue
        text = node_text(node)
        if not 10 <= len(text) <= 300 or text.casefold() in page.site_names or _SITE_NAME.match(text):
            continue
        if POSTED_LABEL.match(text) or parse_date(text):
            continue
        link = _links_elsewhere(node, text, page.url)
        titles.append(
            _Title(node, text, strength, page.order[node.mem_id], link, page.in_chrome(node, protected))
        )
    return titles


def _links_elsewhere(node: LexborNode, text: str, url: str) -> bool:
    """Whether a heading is a link to another page (an item of a list), not the page's own title."""
    anchors = [a for a in node.css("a[href]") if len(node_text(a)) >= 0.8 * len(text)]
    parent = node
    while parent is not None and not anchors:
        if parent.tag == "a" and parent.attributes.get("href"):
            anchors = [parent]
        parent = parent.parent
    own = urlsplit(url)
    for anchor in anchors:
        target = urlsplit(urljoin(url, anchor.attributes.get("href") or ""))
        if (target.path, target.query) != (own.path, own.query) and not target.fragment:
            return True
    return False


def _title_strength(node: LexborNode) -> float:
    if node.tag in _HEADINGS:
        return _HEADINGS[node.tag] + bool(_TITLE_NAMES.search(_names(node)))
    if node.tag not in ("div", "span", "td", "th", "p", "a", "strong", "b", "font"):
        return 0.0
    if not _leaf(node):
        return 0.0
    if _TITLE_NAMES.search(_names(node)):
        return 2.5
    style = (node.attributes.get("style") or "").replace(" ", "").lower()
    size = re.search(r"font-size:(\d+)(px|pt)", style)
    large = bool(size and int(size.group(1)) >= (15 if size.group(2) == "px" else 13)) or _large_inside(node)
    bold = _all_bold(node) or "font-weight:bold" in style or "font-weight:700" in style
    if node.tag in ("td", "p", "div") and bold:
        return 2.0 if large else 1.0 if node.tag == "td" else 0.0
    return 0.0


def _large_inside(node: LexborNode) -> bool:
    """Whether the text is set large inside (<font size=4>, a span at 16px): editors' headings."""
    if (
        node.css_first("font[size='4'], font[size='5'], font[size='6'], font[size='+1'], font[size='+2']")
        is not None
    ):
        return True
    for inner in node.css("[style*='font-size']"):
        size = re.search(r"font-size:\s*(\d+)(px|pt)", inner.attributes.get("style") or "")
        large = size and int(size.group(1)) >= (16 if size.group(2) == "px" else 14)
        if large and len(node_text(inner)) >= 0.8 * len(node_text(node)):
            return True
    return False


def _choose_title(page: _Page, titles: list[_Title], posted: _Date) -> _Title | None:
    """The heading nearest the posting time (or the body), favouring one the page's <title> agrees with."""
    references = _references(page)
    visible = [t for t in titles if not t.chrome] or titles
    if posted.node is None:
        matching = [t for t in visible if _agrees(t.text, references)]
        return matching[0] if matching else next((t for t in visible if t.strength >= 3 and not t.link), None)
    anchor = posted.order
    before = sorted((t for t in visible if t.order < anchor), key=lambda t: anchor - t.order)[:4]
    after = [t for t in visible if anchor < t.order <= anchor + 40 and not _inside(t.node, posted.node)][:2]
    window = before + after
    if not window:
        return None

    def score(title: _Title) -> float:
        distance = abs(anchor - title.order)
        return (
            title.strength
            + 4 * _agrees(title.text, references)
            - 1.5 * title.link
            - distance / 40
            - (title in after) * 0.5
            - (len(title.text.split()) <= _LABEL_WORDS)
        )

    return max(window, key=score)


def _references(page: _Page) -> list[str]:
    """What the page's metadata and <title> call the article, site names removed."""
    references = [page.metadata["title"]] if "title" in page.metadata else []
    title = node_text(page.tree.css_first("head title"))
    references += [title, _without_site_name(page, title)]
    return [reference.casefold() for reference in references if len(reference) >= 10]


def _agrees(text: str, references: list[str]) -> bool:
    """Whether a heading is what the page's title names; a section name ('Tin tức - Sự kiện') is too short to tell."""
    text = text.casefold()
    return len(text) >= 20 and any(
        text == ref or text in ref or (len(ref) >= 20 and ref in text) for ref in references
    )


def _reference_title(page: _Page) -> str:
    """og:title, else <title> without the site's name; '' when it cannot tell the two apart."""
    if "title" in page.metadata and page.metadata["title"].casefold() not in page.site_names:
        return _without_site_name(page, page.metadata["title"]) or page.metadata["title"]
    title = node_text(page.tree.css_first("head title"))
    rest = _without_site_name(page, title)
    return rest if rest != title else ""  # a <title> of one part may be the site's name alone


def _without_site_name(page: _Page, title: str) -> str:
    """`title` without a leading or trailing part that names the site ('' if all of it does)."""
    parts = re.split(r"(\s+[-|–»:]{1,2}\s+)", title)
    site = [
        not re.fullmatch(r"\s+\S+\s+", part)
        and (part.casefold() in page.site_names or bool(_SITE_NAME.match(part)))
        for part in parts
    ]
    while parts and site[-1]:
        parts, site = parts[:-2], site[:-2]
    while parts and site[0]:
        parts, site = parts[2:], site[2:]
    return "".join(parts).strip()


# --- counter, byline, lead -----------------------------------------------------------------------------------------


def _info_fields(page: _Page, info_nodes: list[LexborNode], rules: dict[str, str]):
    """View count and a labelled author on the posting line or the lines around it."""
    view_count, byline = None, ""
    for node in info_nodes:
        element, level = node, 0
        while element is not None and level < 4 and len(text := node_text(element)) < 500:
            if view_count is None and (count := _count(element, text)) is not None:
                view_count = count
                rules["view_count"] = "generic: counter on or beside the posting line"
            if not byline and (name := _labelled_author(element)) and not _ACCOUNT.fullmatch(name):
                byline = name
                rules["byline"] = "generic: author label on the posting line"
            if (
                not byline
                and (author := element.css_first(_AUTHOR_ELEMENTS)) is not None
                and 2 <= len(node_text(author)) <= 80
                and not _ACCOUNT.fullmatch((name := _AUTHOR_LABEL.sub("", node_text(author))).strip())
            ):
                byline = name
                rules["byline"] = "generic: author element beside the posting line"
            element, level = element.parent, level + 1
    if (
        not byline
        and "author" in page.metadata
        and not re.search(r"(?i)https?:|www\.|\.vn\b", page.metadata["author"])
        and not _ACCOUNT.fullmatch(page.metadata["author"].strip())
    ):
        byline = page.metadata["author"]
        rules["byline"] = "generic: <meta name=author>"
    return view_count, byline


def _credits(byline: str, rules: dict[str, str]) -> Credits:
    """Author, photographer and source of the byline; a name the page marks as its author ('bởi', a vcard, an
    author element) is the author whatever its shape ('Cổng thông tin điện tử huyện X' posting as an account)."""
    credits = split_byline(_AUTHOR_LABEL.sub("", byline), DEFAULT_BYLINE_PATTERNS)
    marked = rules.get("byline", "").startswith(("generic: author label", "generic: author element"))
    if marked and not (credits.author or credits.photographer or credits.attribution) and len(byline) <= 80:
        return Credits(
            author=clean_line(_AUTHOR_LABEL.sub("", byline)), rule="name the page marks as its author"
        )
    return credits


def _labelled_author(element: LexborNode) -> str:
    """An author's name after its label ('Tác giả:', 'bởi'), or a credit with its label ('Nguồn: Báo Lai Châu')."""
    for node in (*element.css("span, div, p, li, dd, td, em, i"), element):
        if len(text := node_text(node)) > 120:
            continue
        if match := _BYLINE_IN_LINE.search(text):
            return clean_line(match.group("name"))
        if match := _CREDIT_IN_LINE.search(text):
            return clean_line(match.group("credit"))
    return ""


def _count(element: LexborNode, text: str) -> int | None:
    if match := _VIEWS.search(text):
        return int(re.sub(r"\D", "", match.group("value") or match.group("after")))
    for node in element.css("[class], [id]"):
        counter = node_text(node)
        if _COUNTER_NAMES.search(_names(node)) and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*|\d+", counter):
            return int(re.sub(r"\D", "", counter))
    return None


def _breadcrumb(page: _Page, title: str, rules: dict[str, str]) -> tuple[str, ...]:
    """The trail of sections above the article (its links, and a last entry that is not one), without the article."""
    for trail in page.body.css(_TRAIL):
        items = [node_text(node) for node in trail.css("a, li, span") if node.tag == "a" or _leaf_entry(node)]
        items = [item for item in dict.fromkeys(items) if item and item.strip("/>»›|-→ ")]
        if items and items[-1] == title:
            items.pop()
        if 1 <= len(items) <= 8 and all(len(item) <= 80 for item in items):
            rules["breadcrumb"] = f"generic: <{trail.tag} class={trail.attributes.get('class')!r}>"
            return tuple(items)
    return ()


def _leaf_entry(node: LexborNode) -> bool:
    return not any(inner.mem_id != node.mem_id for inner in node.css("a, li, span"))


def _view_count_near(body: LexborNode, rules: dict[str, str]) -> int | None:
    """A counter line at the end of the body or just after it ('Số lần xem: 1.234')."""
    for node in [*_paragraphs(body)[-2:], *_closing_lines(body)]:
        text = node_text(node)
        if len(text) < 120 and (match := _VIEWS.search(text)):
            rules["view_count"] = "generic: counter line at the end of the body"
            return int(re.sub(r"\D", "", match.group("value") or match.group("after")))
    return None


def _lead(page: _Page, body: LexborNode, title: _Title | None, rules: dict[str, str]) -> str:
    scope = _common_ancestor(title.node, body) if title is not None else body
    after = title.order if title is not None else -1
    for node in (scope or body).css("[class], [id]"):
        words = _name_words(node)
        if not _LEAD_NAMES.search(words) or _PICTURE_NAMES.search(words):
            continue  # a photo's 'image_desc' is its caption
        if page.order.get(node.mem_id, -1) <= after:
            continue
        if 20 <= len(text := node_text(node)) <= 1000:
            rules["lead"] = "generic: element with a lead class"
            node.decompose()
            return text
    first = next(
        (child for child in _flow(body) if child.tag != "-text" or (child.text(deep=False) or "").strip()),
        None,
    )
    paragraphs = _paragraphs(body)
    if first is not None and paragraphs and paragraphs[0].mem_id == first.mem_id and _all_bold(first):
        rules["lead"] = "generic: bold first paragraph"
        text = node_text(first)
        first.decompose()
        return text
    before = _block_before(body) if title is not None else None
    if (
        before is not None
        and page.order.get(before.mem_id, -1) > after
        and _all_bold(before)
        and 20 <= len(text := node_text(before)) <= 1000
        and not (len(text) <= 80 and first_date(text))  # a posting line set in bold
    ):
        # A table layout's bold row above the text's row: the text's lead, left out of its block.
        rules["lead"] = "generic: bold block just before the body"
        return text
    return ""


def _block_before(body: LexborNode) -> LexborNode | None:
    """The block with text just before the body, past photos (a table layout's row above the
    text's row, a div above the text's div)."""
    node = body
    for _ in range(3):
        sibling = _previous_element(node)
        while sibling is not None and (not node_text(sibling) or _figure(sibling)):
            sibling = _previous_element(sibling)
        if sibling is not None:
            return sibling
        node = node.parent
        if node is None or node.tag in ("body", "html"):
            return None
    return None


def _previous_element(node: LexborNode) -> LexborNode | None:
    sibling = node.prev
    while sibling is not None and sibling.tag == "-text":
        sibling = sibling.prev
    return sibling


def _byline(body: LexborNode, rules: dict[str, str]) -> str:
    """The closing name line: the body's short last paragraph, or a short line just after the body.

    A last paragraph that names a source ('Nguồn: ...', 'Theo ...') is the article's own text when a name line
    follows the body.
    """
    paragraphs = _paragraphs(body)
    after = next((node for node in _closing_lines(body) if _looks_like_byline(node)), None)
    last = paragraphs[-1] if paragraphs and _looks_like_byline(paragraphs[-1]) else None
    if last is not None and not (after is not None and _SOURCE_LINE.match(node_text(last))):
        rules["byline"] = "generic: short last paragraph"
        text = node_text(last)
        last.decompose()
        return text
    if after is not None:
        rules["byline"] = "generic: short block after the body"
        return node_text(after)
    for node in body.css(_AUTHOR_ELEMENTS):
        if (text := node_text(node)) and len(text) <= 80:
            rules["byline"] = "generic: author element"
            node.decompose()
            return text
    return ""


def _closing_lines(body: LexborNode, count: int = 3) -> list[LexborNode]:
    """The first short blocks after the body, looking past the wrappers the body ends (a byline or counter row
    after the body's table cell, a byline after the body's web part)."""
    found: list[LexborNode] = []
    node = body
    for _ in range(4):
        sibling = _next_element(node)
        while sibling is not None and len(found) < count:
            if text := node_text(sibling):
                if len(text) > _CLOSING_CHARS:
                    return found
                found.append(sibling)
            sibling = _next_element(sibling)
        node = node.parent
        if len(found) >= count or node is None or node.tag in ("body", "html"):
            break
    return found


def _files_after(body: LexborNode, url: str, known: tuple[Attachment, ...]) -> list[Attachment]:
    """Files listed on a closing line of the article ('Tệp đính kèm: KH-12.pdf' under the text): a
    line of files alone, with or without its label; a box with a heading of its own is the page's."""
    seen = {attachment.url for attachment in known}
    found = []
    for line in _closing_lines(body):
        if _chrome_named(line) or not only_files(line, DEFAULT_ATTACHMENT_EXTENSIONS):
            continue
        for attachment in attachment_links(line.css("a[href]"), url, DEFAULT_ATTACHMENT_EXTENSIONS):
            if attachment.url not in seen:
                seen.add(attachment.url)
                found.append(attachment)
    return found


# --- body -----------------------------------------------------------------------------------------------------------


def _densest_block(page: LexborNode, exclude: list[LexborNode]) -> LexborNode | None:
    """The block whose own paragraphs hold the most text that is not link text (`exclude`'s text aside).

    A page's footer, menus and comment box are never the article, however little text the article has
    (a photo story); a main column named like a side one ('col-left') may be, and so may any block when the
    page names everything like its frame.
    """
    excluded = {node.mem_id for node in exclude}
    scored = [
        (_own_text(block, excluded), block)
        for block in page.css(_BLOCKS)
        if block.mem_id not in excluded and not _LEAD_NAMES.search(_names(block))
    ]
    for candidates in ([pair for pair in scored if not _page_frame(pair[1])], scored):
        if (best := max(candidates, key=lambda pair: pair[0], default=(0, None)))[0] > 0:
            return best[1]
    return None


def _own_text(block: LexborNode, excluded: set[int]) -> int:
    """Characters of the block's own paragraphs, link text counted against them."""
    score = 0
    for child in _flow(block):
        if child.mem_id in excluded:
            continue
        if child.tag == "-text":
            score += len((child.text(deep=False) or "").strip())
        elif child.tag in ("p", "blockquote") or (child.tag == "div" and _leaf(child)):
            text = len(node_text(child))
            links = sum(len(node_text(a)) for a in child.css("a"))
            score += text - 3 * links + _PHOTO_CHARS * len(child.css("img"))
        elif child.tag in ("table", "figure") and _figure(child):
            score += len(node_text(child)) + _PHOTO_CHARS  # a photo and its caption are the article too
    return score


def _page_frame(node: LexborNode) -> bool:
    """Whether a block is, or sits in, the page's footer, menu, comment box or copyright line."""
    if len(text := node_text(node)) < _CLOSING_CHARS * 3 and _COPYRIGHT.search(text):
        return True  # a footer cell of a table layout, named by nothing but its text
    while node is not None and node.tag not in ("body", "html"):
        if (
            node.tag in ("footer", "nav")
            and not _inside_tag(node, "article")
            or _FRAME_NAMES.search(_names(node))
        ):
            return True
        node = node.parent
    return False


def _whole_body(block: LexborNode, exclude: list[LexborNode]) -> LexborNode:
    """The densest block, widened to its parent while sibling blocks hold paragraphs of the same article
    (a body split into sections, or around a photo)."""
    excluded = {node.mem_id for node in exclude}
    best = _own_text(block, excluded)
    while (parent := block.parent) is not None and parent.tag not in ("body", "html"):
        siblings = [
            child
            for child in parent.iter()
            if child.mem_id != block.mem_id and child.tag in ("div", "section")
        ]
        if not any(_own_text(sibling, excluded) >= max(150, 0.3 * best) for sibling in siblings):
            break
        block = parent
    return block


def _flow(block: LexborNode):
    """The children of a block, looking through inline wrappers (<font>, <span>, <b> ...) as editors nest them."""
    for child in block.iter(include_text=True):
        if child.tag in _INLINE:
            yield from _flow(child)
        else:
            yield child


def _figure(node: LexborNode) -> bool:
    return len(node.css("img")) == 1 and len(node_text(node).split()) <= 40


def _leaf(node: LexborNode) -> bool:
    return not any(child.tag in _BLOCK_TAGS for child in node.traverse() if child.mem_id != node.mem_id)


# --- helpers --------------------------------------------------------------------------------------------------------


def _names(node: LexborNode) -> str:
    return f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"


def _name_words(node: LexborNode) -> str:
    """Class and id with their camel-cased words apart: 'NewsSummary' as 'News-Summary',
    'lblTrichDan' as 'lbl-Trich-Dan' (ASP.NET and SharePoint name controls so)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", _names(node))


def _chrome_named(node: LexborNode) -> bool:
    if node.tag in _CHROME_TAGS:
        return not (
            node.tag in ("header", "footer") and _inside_tag(node, "article")
        )  # an article's own header
    return node.tag not in ("body", "html") and bool(_CHROME_NAMES.search(_names(node)))


def _ancestors(node: LexborNode):
    while node is not None:
        yield node.mem_id
        node = node.parent


def _common_ancestor(first: LexborNode, second: LexborNode) -> LexborNode | None:
    seen = set(_ancestors(first))
    node = second
    while node is not None and node.mem_id not in seen:
        node = node.parent
    return node


def _inside_tag(node: LexborNode, tag: str) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.tag == tag:
            return True
        parent = parent.parent
    return False


def _paragraphs(node: LexborNode) -> list[LexborNode]:
    """The paragraphs of a block, in order: <p>, and <div>s holding only text, in the sections it is split into."""
    found = []
    for child in _flow(node):
        if (child.tag == "p" or (child.tag == "div" and _leaf(child))) and node_text(child):
            found.append(child)
        elif child.tag in ("div", "section") and not _figure(child):
            found += _paragraphs(child)
    return found


def _inside(node: LexborNode, container: LexborNode) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id == container.mem_id:
            return True
        parent = parent.parent
    return False


def _all_bold(paragraph: LexborNode) -> bool:
    bold = "".join(node_text(node) for node in paragraph.css("strong, b"))
    return bool(bold) and len(bold) >= 0.9 * len(node_text(paragraph))


def _next_element(node: LexborNode) -> LexborNode | None:
    sibling = node.next
    while sibling is not None and sibling.tag == "-text":
        sibling = sibling.next
    return sibling


def _looks_like_byline(paragraph: LexborNode) -> bool:
    text = node_text(paragraph)
    if not text or len(text) > 80 or len(text.split()) > 12:
        return False
    if sum(len(node_text(a)) for a in paragraph.css("a[href]")) >= 0.5 * len(text):
        return False  # a link line ('Tải về: 27-HD-TU.pdf'), not a name
    style = (paragraph.attributes.get("style") or "").replace(" ", "").lower()
    aligned = "text-align:right" in style or (paragraph.attributes.get("align") or "").lower() == "right"
    named = _BYLINE_NAMES.search(_names(paragraph))
    labelled = re.match(r"(?i)^(?:Tin|Bài|Ảnh|Theo|Nguồn|Tác giả|Viết bởi|Người viết)\b", text)
    bold = "".join(node_text(node) for node in paragraph.css("strong, b"))
    led_by_name = (
        len(text) <= 60
        and len(bold) >= 0.3 * len(text)
        and text.startswith(bold[:10])
        and not bold.endswith(":")
    )
    return aligned or bool(named) or _all_bold(paragraph) or bool(labelled) or led_by_name


def _images(body: LexborNode) -> tuple[Image, ...]:
    """Images of the body with their captions (a figure's own text, or the short marked paragraph after the image)."""
    images = []
    for figure in [*body.css("figure"), *body.css("table")]:  # layout tables used as figures too
        if _figure(figure):
            caption = (
                node_text(figure.css_first("figcaption")) if figure.tag == "figure" else node_text(figure)
            )
            images.append(Image(_image_name(figure.css_first("img")), caption.strip("() ")))
            figure.decompose()
    for img in body.css("img"):
        holder = img.parent if img.parent is not None and img.parent.tag in ("p", "a", "div", "span") else img
        caption_node = _next_element(img) if _next_element(img) is not None else _next_element(holder)
        caption = ""
        if caption_node is not None and caption_node.tag in ("p", "figcaption", "div"):
            style = (caption_node.attributes.get("style") or "").replace(" ", "").lower()
            text = node_text(caption_node)
            marked = (
                "center" in style
                or caption_node.css_first("em, i") is not None
                or caption_node.tag == "figcaption"
                or bool(_CAPTION_NAMES.search(_names(caption_node)))
            )
            if text and len(text.split()) <= 40 and marked:
                caption = text.strip("() ")
                caption_node.decompose()
        images.append(Image(_image_name(img), caption))
        img.decompose()
    return tuple(images)


def _image_name(img: LexborNode) -> str:
    src = img.attributes.get("src") or img.attributes.get("data-src") or ""
    return urlsplit(src).path.rsplit("/", 1)[-1]
