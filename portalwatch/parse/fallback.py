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
from portalwatch.parse import CHROME_LINE_PATTERNS, PARSER_VERSION, body_links, drop_chrome_paragraphs, error_page_reason
from portalwatch.parse import record_warnings
from portalwatch.parse.dates import FoundDate, find_dates, first_date, parse_date
from portalwatch.parse.fields import split_byline
from portalwatch.parse.profile import DEFAULT_ATTACHMENT_EXTENSIONS, DEFAULT_BYLINE_PATTERNS, PageRules
from portalwatch.parse.text import block_text, clean_html, clean_line, node_text
from portalwatch.record import EXTRACTION_FALLBACK, ArticleRecord, Image

# Bumped whenever these heuristics change their output.
FALLBACK_VERSION = 2

POSTED_LABEL = re.compile(
    r"(?i)(?:Thời gian đăng|Ngày đăng(?: tin| bài)?|Đăng ngày|Đăng lúc|Đăng vào|Được đăng(?: ngày| vào| lúc)?|Ngày tạo"
    r"|Ngày xuất bản|Xuất bản(?: ngày| lúc)?|Ngày phát hành|Ngày viết|Thời gian(?= *:)|Ngày(?= *:)|Posted(?: on)?|Published(?: on)?)"
)
UPDATED_LABEL = re.compile(r"(?i)(?:Cập nhật(?: lần cuối)?(?: ngày| lúc| vào)?|Ngày cập nhật|Sửa đổi lần cuối|Chỉnh sửa lúc|Updated(?: on)?)")
_VIEWS = re.compile(
    r"(?i)(?<!Tổng )(?<!Tổng số )(?:Lượt xem|Lượt đọc|Số lượt xem|Số lần xem|Số lượt đọc|Số lần đọc|Lần xem|Lượt truy cập|Lượt view|Lượt xem bài|Hits|Views?|Đã xem)"
    r"\s*:?\s*(?P<value>\d{1,3}(?:[.,\u00a0 ]\d{3})+(?!\d)|\d+)"
    r"|(?<![:\d.,])(?P<after>\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+)\s*(?:lượt xem|lượt đọc|lần xem|views|hits)\b(?!\s*:)"
)
_COUNTER_NAMES = re.compile(r"(?i)view|luot-?xem|luotxem|hits|counter|luot-?doc")
_AUTHOR_LABEL = re.compile(
    r"(?i)^(?:Tác giả|Người viết|Viết bởi|Đăng bởi|Người đăng|Bài viết bởi|Posted by|Written by|By|bởi)\s*:?\s*"
)
_BYLINE_IN_LINE = re.compile(
    r"(?i)(?:Tác giả|Người viết|Viết bởi|Đăng bởi|Người đăng|Posted by|Written by)\s*:?\s*(?P<name>[^|•\-–:\d]{2,60}?)\s*(?:$|[|•\-–]|Lượt|Ngày|Cập|Số|Đăng|Views|Hits)"
)
_AUTHOR_ELEMENTS = "[rel='author'], .author, .byline, [itemprop='author'], .tacgia, .tac-gia"
_HEADINGS = {"h1": 3.0, "h2": 2.0, "h3": 1.5, "h4": 1.0}
_TITLE_NAMES = re.compile(r"(?i)title|tieude|tieu-de|tieu_de|headline|heading|tenbai|ten-bai|contentheading|news-?name|subject")
_DATE_NAMES = re.compile(r"(?i)date|time|ngay|thoigian|thoi-gian|publish|posted|created|meta|info|byline|detail-?time|tg-?dang")
_HARD_CHROME = "script, style, noscript, iframe, select, button, template, input, textarea, svg"
_CHROME_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:menu|nav|navbar|sidebar|side-bar|footer|banner|breadcrumbs?|module|widget|top-?bar|logo|"
    r"right-col|left-col|col-right|col-left|pager|paging|pagination|other-news|othernews|related|tin-khac|tinkhac|comments?|share|social|"
    r"counter|template-settings|advert|ads|search|login|hidden|lienket|lien-ket|weblink|thongke|thong-ke)(?:$|[\s_-])"
)
_CHROME_TAGS = {"nav", "footer", "aside", "header"}
_SITE_NAME = re.compile(
    r"(?i)^(?:Cổng thông tin|Trang thông tin|Trang chủ|Cổng TTĐT|Trang TTĐT|Báo điện tử|Website|Portal|Home)\b"
    r"|^(?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|SỞ|BAN|HUYỆN ỦY|TỈNH ỦY|ĐẢNG ỦY|BÁO)\s+[^a-zà-ỹ]*$"
)
# Class or id words of the blocks that carry the site's name ("t3-header", "logo"), not a page header ("page-header").
_SITE_PARTS = re.compile(r"(?i)^(?:(?:t\d|site|main|top)-?)?(?:header|masthead)$|logo|banner|brand|site-?name|site-?title")
_LEAD_NAMES = re.compile(r"(?i)(?:^|[\s_-])(?:sapo|lead|summary|description|desc|chapeau|tomtat|tom-tat|intro|excerpt|trich-?yeu)(?:$|[\s_-])")
_BLOCKS = "div, td, article, section, li, ul, main"
_BLOCK_TAGS = {"div", "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "blockquote", "tr", "td"}
_INLINE = {"font", "span", "i", "em", "u", "small", "big"}  # not <b>: a bold block is a lead or a heading
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
            if "display:none" in (node.attributes.get("style") or "").replace(" ", "").lower() or "hidden" in node.attributes:
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
    main_protect = set(_ancestors(main)) if main is not None else set()
    _refuse_error_page(page, main)
    dates = _visible_dates(page, main_protect)
    titles = _title_candidates(page, main_protect)
    posted = _choose_date(page, dates, titles)
    if posted is None:
        raise ExtractionError(url, "generic extractor: no posting time (no date in the metadata, a <time>, a labelled line or beside the title)")
    _refuse_listing(page, posted, dates, titles)
    title = _choose_title(page, titles, posted)
    title_text = title.text if title else _reference_title(page)
    if not title_text:
        raise ExtractionError(url, "generic extractor: no title (no heading near the posting time; <title> holds only the site name)")
    if title is not None and title.link and sum(candidate.link for candidate in titles) >= 4:
        raise ExtractionError(url, f"generic extractor: a listing page (its headings are links, like {title.text[:60]!r})")
    rules["title"] = f"generic: <{title.node.tag}> nearest the posting time" if title else "generic: og:title or <title>"
    if title is None:
        factors.append(("no heading near the posting time", 0.7))
    published_at, updated_at = _times(posted, dates, rules, factors)
    info_nodes = [d.node for d in dates if d.node is not None and d.order == posted.order] if posted.node else []
    keep = [node for node in (title.node if title else None, posted.node, main) if node is not None]
    view_count, credits_line = _info_fields(page, info_nodes, title, rules)
    page.drop_chrome(keep)
    body = _densest_block(page.body, exclude=[node for node in (title.node if title else None, posted.node) if node is not None])
    if body is None:
        raise ExtractionError(url, "generic extractor: no block of paragraphs")
    rules["body_text"] = f"generic: densest block <{body.tag} class={body.attributes.get('class')!r}>"
    if view_count is None:
        view_count = _view_count_near(body, rules)
    for node in (posted.node, title.node if title else None):
        if node is not None and _inside(node, body):
            node.decompose()
    byline = _byline(body, rules) or credits_line
    lead = _lead(page, body, title, rules)
    credits = split_byline(_AUTHOR_LABEL.sub("", byline), DEFAULT_BYLINE_PATTERNS)
    for name in ("author", "photographer", "attribution"):
        if getattr(credits, name):
            rules[name] = f"generic: {credits.rule}"
    drop_chrome_paragraphs(body, CHROME_LINE_PATTERNS)
    links, attachments = body_links(body, url, DEFAULT_ATTACHMENT_EXTENSIONS)
    body_html = clean_html(body)
    images = _images(body)
    link_chars = sum(len(node_text(a)) for a in body.css("a"))
    body_text = block_text(body)
    if len(body_text) < 200 and not images:
        raise ExtractionError(url, f"generic extractor: body too short ({len(body_text)} characters): not an article")
    if link_chars > 0.5 * len(body_text):
        raise ExtractionError(url, "generic extractor: the densest block is mostly links: a listing page, not an article")
    factors += _body_factors(body_text, link_chars)
    confidence = 1.0
    for _, factor in factors:
        confidence *= factor
    record = ArticleRecord(
        title=title_text, published_at=published_at, updated_at=updated_at, body_text=body_text, body_html=body_html,
        lead=lead, byline=byline, author=credits.author, photographer=credits.photographer, attribution=credits.attribution,
        images=images, attachments=tuple(attachments), links=tuple(links), view_count=view_count,
        parser_version=f"fallback/{FALLBACK_VERSION}+{PARSER_VERSION}", extraction=EXTRACTION_FALLBACK,
        confidence=round(confidence, 2), rules=rules,
    )  # fmt: skip
    notes = [f"fallback: {reason} (confidence x{factor})" for reason, factor in factors]
    return replace(record, warnings=(*notes, *record_warnings(record)))


_PAGE_RULES = PageRules()
_NOTICE_PATTERNS = (*_PAGE_RULES.not_found_text, *_PAGE_RULES.maintenance_text, *_PAGE_RULES.error_text)


def _refuse_error_page(page: _Page, main: LexborNode | None) -> None:
    """An error, not-found or maintenance page: a short page whose title or first heading says so."""
    text = node_text(main) if main is not None else ""
    if len(text) < 1500 and (reason := error_page_reason(page.tree, _PAGE_RULES, deep=False)):
        raise ExtractionError(page.url, f"generic extractor: {reason}")
    if len(text) < 400 and any(re.search(pattern, text) for pattern in _NOTICE_PATTERNS):
        raise ExtractionError(page.url, f"generic extractor: a not-found or error notice ({text[:80]!r})")


def _refuse_listing(page: _Page, posted: _Date, dates: list[_Date], titles: list[_Title]) -> None:
    """A listing: the posting time is one of several alike, each beside a link to the page it dates."""
    if posted.node is None:
        return
    shape = _shape(posted.node)
    alike = [date.node for date in dates if date.node is not None and _shape(date.node) == shape]
    linked = sum(1 for node in alike if _entry_link(node, page.url))
    headings = sum(1 for title in titles if title.link and not title.chrome)
    if len(alike) >= 3 and (headings >= 3 or linked >= 0.8 * len(alike)):
        raise ExtractionError(
            page.url, f"generic extractor: a listing page ({len(alike)} entries dated like {node_text(posted.node)[:40]!r}, "
            "each beside a link to its page)"
        )  # fmt: skip


def _entry_link(date_node: LexborNode, url: str) -> bool:
    """Whether a date sits in a small block (a list entry, a table row) with a link to another page."""
    element = date_node.parent
    for _ in range(3):
        if element is None or len(node_text(element)) > 600:
            return False
        for anchor in element.css("a[href]"):
            if len(node_text(anchor)) >= 15 and _links_elsewhere(anchor, node_text(anchor), url):
                return True
        element = element.parent
    return False


def _shape(node: LexborNode) -> tuple:
    parent = node.parent
    return (node.tag, node.attributes.get("class"), parent.tag if parent else None, parent.attributes.get("class") if parent else None)


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
    "meta[property='article:published_time']", "meta[name='article:published_time']", "meta[itemprop='datePublished']",
    "meta[name='pubdate']", "meta[name='publishdate']", "meta[name='dc.date.issued']", "meta[name='DC.date.issued']",
)  # fmt: skip
_META_MODIFIED = ("meta[property='article:modified_time']", "meta[itemprop='dateModified']")


def _metadata(tree: LexborHTMLParser) -> dict[str, str]:
    """OpenGraph, schema.org and JSON-LD fields of the page (before its scripts are removed)."""
    found: dict[str, str] = {}
    for name, selectors in (("published", _META_PUBLISHED), ("modified", _META_MODIFIED)):
        for selector in selectors:
            node = tree.css_first(selector)
            if node is not None and (value := node.attributes.get("content")):
                found.setdefault(name, value)
    for key, selector in (("title", "meta[property='og:title']"), ("site_name", "meta[property='og:site_name']"),
                          ("author", "meta[name='author']"), ("title", "meta[name='twitter:title']")):  # fmt: skip
        node = tree.css_first(selector)
        if node is not None and (value := clean_line(node.attributes.get("content") or "")):
            found.setdefault(key, value)
    for script in tree.css("script[type='application/ld+json']"):
        try:
            data = json.loads(script.text(deep=True) or "null")
        except ValueError:
            continue
        for item in _json_items(data):
            for key, name in (("datePublished", "published"), ("dateModified", "modified"), ("headline", "title")):
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
    """Every posting or update time the page shows, by the kind of evidence for it."""
    dates: list[_Date] = []
    seen: set[tuple[int, bool]] = set()

    def add(node: LexborNode, found: FoundDate, tier: int, updated: bool, rule: str) -> None:
        if (node.mem_id, updated) not in seen and not page.in_chrome(node, protected):
            seen.add((node.mem_id, updated))
            dates.append(_Date(node, found, tier, updated, page.order.get(node.mem_id, 0), rule))

    for node in page.body.traverse(include_text=True):
        if node.tag == "time" and (stamp := node.attributes.get("datetime")) and (found := first_date(stamp)):
            updated = bool(re.search(r"(?i)updated|modified", node.attributes.get("class") or ""))
            add(node, found, 1, updated, "<time datetime>")
        if node.tag != "-text":
            continue
        raw = unicodedata.normalize("NFC", node.text(deep=False) or "")
        if not raw.strip() or node.parent is None:
            continue
        for label, updated in ((POSTED_LABEL, False), (UPDATED_LABEL, True)):
            if label.search(raw) and (hit := _labelled(node.parent, label)):
                add(hit[0], hit[1], 2, updated, f"posting line {node_text(hit[0])[:60]!r}")
        if len(raw.strip()) <= 80 and first_date(raw):
            element = _date_element(node.parent)
            if element is not None and (found := parse_date(node_text(element))):
                tier = 3 if any(_DATE_NAMES.search(_names(a)) for a in (element, element.parent) if a is not None) else 4
                add(element, found, tier, False, f"date in <{element.tag} class={element.attributes.get('class')!r}>")
    return dates


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


def _date_element(element: LexborNode) -> LexborNode | None:
    """The largest element from `element` up that is still only a date (its time may sit in a sibling)."""
    if parse_date(node_text(element)) is None:
        return None
    while element.parent is not None and len(node_text(element.parent)) <= 80 and parse_date(node_text(element.parent)):
        element = element.parent
    return element


def _choose_date(page: _Page, dates: list[_Date], titles: list[_Title]) -> _Date | None:
    """The posting time: metadata, else the most trusted visible evidence next to a heading."""
    if "published" in page.metadata and (found := first_date(page.metadata["published"])):
        same_day = [d for d in dates if d.tier <= 3 and d.found.has_time and d.found.value.date() == found.value.date()]
        if not found.has_time and same_day:
            return same_day[0]
        visible = next((d for d in dates if d.found.value == found.value), None)
        return _Date(visible.node if visible else None, found, 0, False, visible.order if visible else -1, "metadata (article:published_time / datePublished)")
    anchors = _anchor_titles(page, titles)
    for tier, reach in ((1, None), (2, None), (3, 60), (4, 25)):
        found = [d for d in dates if d.tier == tier]
        posted = [d for d in found if not d.updated] or found
        if not posted:
            continue
        if not anchors:
            if reach is None:
                return posted[0]
            continue
        distance, nearest = min(((min(_gap(t, d) for t in anchors), d) for d in posted), key=lambda pair: (pair[0], pair[1].order))
        if reach is None or distance <= reach:
            return nearest
    return None


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
        titles.append(_Title(node, text, strength, page.order[node.mem_id], link, page.in_chrome(node, protected)))
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
    if node.css_first("font[size='4'], font[size='5'], font[size='6'], font[size='+1'], font[size='+2']") is not None:
        return True
    for inner in node.css("[style*='font-size']"):
        size = re.search(r"font-size:\s*(\d+)(px|pt)", inner.attributes.get("style") or "")
        if size and int(size.group(1)) >= (16 if size.group(2) == "px" else 14) and len(node_text(inner)) >= 0.8 * len(node_text(node)):
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
        return title.strength + 4 * _agrees(title.text, references) - 1.5 * title.link - distance / 40 - (title in after) * 0.5

    return max(window, key=score)


def _references(page: _Page) -> list[str]:
    """What the page's metadata and <title> call the article, site names removed."""
    references = [page.metadata["title"]] if "title" in page.metadata else []
    title = node_text(page.tree.css_first("head title"))
    references += [title, _without_site_name(page, title)]
    return [reference.casefold() for reference in references if len(reference) >= 10]


def _agrees(text: str, references: list[str]) -> bool:
    text = text.casefold()
    return any(text == ref or (len(text) >= 15 and text in ref) or (len(ref) >= 15 and ref in text) for ref in references)


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
    site = [not re.fullmatch(r"\s+\S+\s+", part) and (part.casefold() in page.site_names or bool(_SITE_NAME.match(part))) for part in parts]
    while parts and site[-1]:
        parts, site = parts[:-2], site[:-2]
    while parts and site[0]:
        parts, site = parts[2:], site[2:]
    return "".join(parts).strip()


# --- counter, byline, lead -----------------------------------------------------------------------------------------


def _info_fields(page: _Page, info_nodes: list[LexborNode], title: _Title | None, rules: dict[str, str]):
    """View count and a labelled author on the posting line or the lines around it."""
    view_count, byline = None, ""
    for node in info_nodes:
        element, level = node, 0
        while element is not None and level < 4 and len(text := node_text(element)) < 500:
            if view_count is None and (count := _count(element, text)) is not None:
                view_count = count
                rules["view_count"] = "generic: counter on or beside the posting line"
            if not byline and (name := _labelled_author(element)):
                byline = name
                rules["byline"] = "generic: author label on the posting line"
            if not byline and (author := element.css_first(_AUTHOR_ELEMENTS)) is not None and 2 <= len(node_text(author)) <= 80:
                byline = _AUTHOR_LABEL.sub("", node_text(author))
                rules["byline"] = "generic: author element beside the posting line"
            element, level = element.parent, level + 1
    if not byline and "author" in page.metadata and not re.search(r"(?i)https?:|www\.|\.vn\b", page.metadata["author"]):
        byline = page.metadata["author"]
        rules["byline"] = "generic: <meta name=author>"
    return view_count, byline


def _labelled_author(element: LexborNode) -> str:
    for node in (*element.css("span, div, p, li, dd, td, em, i"), element):
        if len(text := node_text(node)) <= 120 and (match := _BYLINE_IN_LINE.search(text)):
            return clean_line(match.group("name"))
    return ""


def _count(element: LexborNode, text: str) -> int | None:
    if match := _VIEWS.search(text):
        return int(re.sub(r"\D", "", match.group("value") or match.group("after")))
    for node in element.css("[class], [id]"):
        counter = node_text(node)
        if _COUNTER_NAMES.search(_names(node)) and re.fullmatch(r"\d{1,3}(?:[.,]\d{3})*|\d+", counter):
            return int(re.sub(r"\D", "", counter))
    return None


def _view_count_near(body: LexborNode, rules: dict[str, str]) -> int | None:
    """A counter line just after the body ('Số lần xem: 1.234')."""
    after = _next_element(body)
    for node in [*_paragraphs(body)[-2:], *([after] if after is not None else [])]:
        text = node_text(node)
        if len(text) < 120 and (match := _VIEWS.search(text)):
            rules["view_count"] = "generic: counter line at the end of the body"
            return int(re.sub(r"\D", "", match.group("value") or match.group("after")))
    return None


def _lead(page: _Page, body: LexborNode, title: _Title | None, rules: dict[str, str]) -> str:
    scope = _common_ancestor(title.node, body) if title is not None else body
    after = title.order if title is not None else -1
    for node in (scope or body).css("[class], [id]"):
        if not _LEAD_NAMES.search(_names(node)) or page.order.get(node.mem_id, -1) <= after:
            continue
        if 20 <= len(text := node_text(node)) <= 1000:
            rules["lead"] = "generic: element with a lead class"
            node.decompose()
            return text
    first = next((child for child in _flow(body) if child.tag != "-text" or (child.text(deep=False) or "").strip()), None)
    first = [first] if first is not None and first.tag in ("p", "div") and _paragraphs(body)[:1] and _paragraphs(body)[0].mem_id == first.mem_id else []
    if first and _all_bold(first[0]):
        rules["lead"] = "generic: bold first paragraph"
        text = node_text(first[0])
        first[0].decompose()
        return text
    return ""


def _byline(body: LexborNode, rules: dict[str, str]) -> str:
    paragraphs = _paragraphs(body)
    after = _next_element(body)
    if paragraphs and _looks_like_byline(paragraphs[-1]):
        rules["byline"] = "generic: short last paragraph"
        text = node_text(paragraphs[-1])
        paragraphs[-1].decompose()
        return text
    if after is not None and _looks_like_byline(after):
        rules["byline"] = "generic: short block after the body"
        return node_text(after)
    for node in body.css(_AUTHOR_ELEMENTS):
        if (text := node_text(node)) and len(text) <= 80:
            rules["byline"] = "generic: author element"
            node.decompose()
            return text
    return ""


# --- body -----------------------------------------------------------------------------------------------------------


def _densest_block(page: LexborNode, exclude: list[LexborNode]) -> LexborNode | None:
    """The block whose own paragraphs hold the most text that is not link text (`exclude`'s text aside)."""
    excluded = {node.mem_id for node in exclude}
    best, best_score = None, 0
    for block in page.css(_BLOCKS):
        if block.mem_id in excluded or _LEAD_NAMES.search(_names(block)):
            continue
        score = 0
        for child in _flow(block):
            if child.mem_id in excluded:
                continue
            if child.tag == "-text":
                score += len((child.text(deep=False) or "").strip())
            elif child.tag in ("p", "blockquote") or (child.tag == "div" and _leaf(child)):
                text = len(node_text(child))
                links = sum(len(node_text(a)) for a in child.css("a"))
                score += text - 3 * links
            elif child.tag in ("table", "figure") and _figure(child):
                score += len(node_text(child)) + 50  # a photo and its caption are the article too
        if score > best_score:
            best, best_score = block, score
    return best


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


def _chrome_named(node: LexborNode) -> bool:
    if node.tag in _CHROME_TAGS:
        return not (node.tag in ("header", "footer") and _inside_tag(node, "article"))  # an article's own header
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
    """The paragraphs of a block: <p>, and <div>s holding only text."""
    return [child for child in _flow(node) if (child.tag == "p" or (child.tag == "div" and _leaf(child))) and node_text(child)]


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
    style = (paragraph.attributes.get("style") or "").replace(" ", "").lower()
    aligned = "text-align:right" in style or (paragraph.attributes.get("align") or "").lower() == "right"
    named = _BYLINE_NAMES.search(_names(paragraph))
    labelled = re.match(r"(?i)^(?:Tin|Bài|Ảnh|Theo|Nguồn|Tác giả|Viết bởi|Người viết)\b", text)
    bold = "".join(node_text(node) for node in paragraph.css("strong, b"))
    led_by_name = len(text) <= 60 and len(bold) >= 0.4 * len(text) and text.startswith(bold[:10])
    return aligned or bool(named) or _all_bold(paragraph) or bool(labelled) or led_by_name


def _images(body: LexborNode) -> tuple[Image, ...]:
    """Images of the body, each with the short centered or italic paragraph after it as caption."""
    images = []
    for table in body.css("table"):  # layout tables used as figures: the image, its caption below
        if _figure(table):
            img = table.css_first("img")
            src = img.attributes.get("src") or img.attributes.get("data-src") or ""
            images.append(Image(urlsplit(src).path.rsplit("/", 1)[-1], node_text(table).strip("() ")))
            table.decompose()
    for img in body.css("img"):
        src = img.attributes.get("src") or img.attributes.get("data-src") or ""
        holder = img.parent if img.parent is not None and img.parent.tag in ("p", "a", "div", "figure") else img
        caption_node = holder.next
        while caption_node is not None and caption_node.tag == "-text" and not (caption_node.text(deep=False) or "").strip():
            caption_node = caption_node.next
        caption = ""
        if caption_node is not None and caption_node.tag in ("p", "figcaption", "div"):
            style = (caption_node.attributes.get("style") or "").replace(" ", "").lower()
            text = node_text(caption_node)
            if text and len(text.split()) <= 40 and ("center" in style or caption_node.css_first("em, i") is not None or caption_node.tag == "figcaption"):
                caption = text.strip("() ")
                caption_node.decompose()
        images.append(Image(urlsplit(src).path.rsplit("/", 1)[-1], caption))
        img.decompose()
    return tuple(images)
