"""The generic extractor: an article page of a CMS no profile knows.

Vietnamese government portals share conventions whatever their software: a
posting line (``Thời gian đăng``, ``Ngày đăng``, ``Được đăng``, ``Cập nhật``)
right under the headline, the body as a run of paragraphs, a short byline at
its end, a bold lead. The extractor finds the posting line, takes the heading
before it as the title, and the block with the most paragraph text (minus
link text) as the body. It never guesses a date: a page without a posting
line is a failed extraction. Records say they came from here and how sure the
extractor is (``confidence`` in 0..1).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from urllib.parse import urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError
from portalwatch.parse.fields import find_datetime, split_byline
from portalwatch.parse.profile import DEFAULT_ATTACHMENT_EXTENSIONS, DEFAULT_BYLINE_PATTERNS
from portalwatch.parse.text import block_text, clean_html, node_text
from portalwatch.record import EXTRACTION_FALLBACK, ArticleRecord, Image

# Bumped whenever these heuristics change their output.
FALLBACK_VERSION = 1

_DATE_VALUE = (
    r"(?P<value>(?:(?:Thứ\s+\w+|Chủ\s+nhật),\s*)?(?:"
    r"ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}"
    r"|(?:\d{1,2}:\d{2}(?::\d{2})?,?\s+)?\d{1,2}[/-]\d{1,2}[/-]\d{4}(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)?"
    r"|\d{1,2}\s+Tháng\s+\d{1,2},?\s+\d{4}(?:\s+\d{1,2}:\d{2})?))"
)
POSTED_PATTERNS = [
    rf"(?i)(?:Thời gian đăng|Ngày đăng|Được đăng(?: ngày| vào)?|Đăng ngày|Ngày xuất bản|Ngày phát hành|Đăng lúc)\s*:?\s*{_DATE_VALUE}",
]
UPDATED_PATTERNS = [rf"(?i)(?:Cập nhật(?: lần cuối)?(?: ngày| lúc)?|Ngày cập nhật|Sửa đổi lần cuối)\s*:?\s*{_DATE_VALUE}"]
DATE_FORMATS = [
    "%d/%m/%Y %I:%M:%S %p", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y, %H:%M", "%d/%m/%Y",
    "%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d-%m-%Y", "%H:%M %d/%m/%Y", "%H:%M, %d/%m/%Y", "%H:%M:%S %d/%m/%Y",
    "ngày %d tháng %m năm %Y", "%d Tháng %m %Y %H:%M", "%d Tháng %m, %Y %H:%M", "%d Tháng %m %Y",
]  # fmt: skip
_WEEKDAY = re.compile(r"^(?:Thứ\s+\w+|Chủ\s+nhật),\s*", re.IGNORECASE)
_MARKER = re.compile(r"(?i)Thời gian đăng|Ngày đăng|Được đăng|Đăng ngày|Ngày xuất bản|Ngày phát hành|Đăng lúc|Cập nhật|Ngày cập nhật")
_VIEWS = re.compile(r"(?i)(?:Lượt đọc|Lượt xem|Số lượt xem|Lượt truy cập|Hits)\s*:?\s*(?P<value>\d[\d.,]*)")
_HEADINGS = {"h1", "h2", "h3", "h4"}
_CHROME_TAGS = "script, style, noscript, iframe, nav, footer, aside, form input, select, button, template"
_CHROME_NAMES = re.compile(
    r"(?i)(?:^|[\s_-])(?:menu|nav|navbar|sidebar|side-bar|footer|banner|breadcrumbs?|module|widget|"
    r"right-col|left-col|col-right|col-left|pager|paging|pagination|other-news|related|tin-khac|comment|share|social|"
    r"counter|template-settings|advert|ads|search|login|hidden)(?:$|[\s_-])"
)
_LEAD_NAMES = re.compile(r"(?i)(?:^|[\s_-])(?:sapo|lead|summary|description|desc|chapeau|tomtat)(?:$|[\s_-])")
_BLOCKS = "div, td, article, section, li, ul, main"
_BYLINE_NAMES = re.compile(r"(?i)author|byline|tac-?gia|nguon|signature")


def extract_fallback(html: str, url: str) -> ArticleRecord:
    """The record of an article page read by convention alone; raises ExtractionError."""
    from portalwatch.parse import CHROME_LINE_PATTERNS, PARSER_VERSION, drop_chrome_paragraphs
    from portalwatch.parse import body_links, record_warnings

    tree = LexborHTMLParser(html)
    page = tree.body
    if page is None:
        raise ExtractionError(url, "generic extractor: the page has no <body>")
    _drop_chrome(page)
    rules: dict[str, str] = {}
    factors: list[tuple[str, float]] = []

    marker = _posting_marker(page)
    if marker is None:
        raise ExtractionError(url, "generic extractor: no posting line (Thời gian đăng / Ngày đăng / Cập nhật ...)")
    marker_node, marker_text = marker
    posted = find_datetime(_strip_weekdays(marker_text), POSTED_PATTERNS, DATE_FORMATS)
    updated = find_datetime(_strip_weekdays(marker_text), UPDATED_PATTERNS, DATE_FORMATS)
    if posted is None and updated is None:
        raise ExtractionError(url, f"generic extractor: no date it can read in {marker_text[:80]!r}")
    published_at, rules["published_at"] = posted or updated
    updated_at = updated[0] if posted and updated else None
    if updated_at:
        rules["updated_at"] = f"generic: {updated[1]}"
    rules["published_at"] = f"generic: posting line {marker_text[:60]!r}, {rules['published_at']}"
    view_count = None
    element, level = marker_node, 0
    while element is not None and level < 3 and len(text := node_text(element)) < 400:
        if match := _VIEWS.search(text):
            view_count = int(re.sub(r"\D", "", match.group("value")))
            rules["view_count"] = "generic: counter on or beside the posting line"
            break
        element, level = element.parent, level + 1

    title_node = _heading_before(page, marker_node)
    if title_node is not None:
        title = node_text(title_node)
        rules["title"] = f"generic: <{title_node.tag}> before the posting line"
    else:
        title = _page_title(tree)
        rules["title"] = "generic: og:title or <title>"
        factors.append(("no heading before the posting line", 0.7))
    if not title:
        raise ExtractionError(url, "generic extractor: no title")

    lead = ""
    lead_node = next((node for node in page.css("[class]") if _LEAD_NAMES.search(node.attributes.get("class") or "")), None)
    body = _densest_block(page, exclude=title_node)
    if body is None:
        raise ExtractionError(url, "generic extractor: no block of paragraphs")
    rules["body_text"] = f"generic: densest block <{body.tag} class={body.attributes.get('class')!r}>"
    if _inside(marker_node, body):
        marker_node.decompose()
    if title_node is not None and _inside(title_node, body):
        title_node.decompose()
    if lead_node is not None and (text := node_text(lead_node)):
        lead = text
        rules["lead"] = "generic: element with a lead class"
        lead_node.decompose()
    else:
        first = _paragraphs(body)[:1]
        if first and _all_bold(first[0]):
            lead = node_text(first[0])
            rules["lead"] = "generic: bold first paragraph"
            first[0].decompose()

    byline = ""
    paragraphs = _paragraphs(body)
    after = _next_element(body)
    if paragraphs and _looks_like_byline(paragraphs[-1]):
        byline = node_text(paragraphs[-1])
        rules["byline"] = "generic: short last paragraph"
        paragraphs[-1].decompose()
    elif after is not None and _looks_like_byline(after):
        byline = node_text(after)
        rules["byline"] = "generic: short block after the body"
    credits = split_byline(byline, DEFAULT_BYLINE_PATTERNS)
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
        raise ExtractionError(url, f"generic extractor: body too short ({len(body_text)} characters)")
    if link_chars > 0.3 * len(body_text):
        factors.append(("body is mostly links", 0.6))
    if len(body_text) < 500:
        factors.append(("short body", 0.8))
    if body_text.count("\n\n") < 1:
        factors.append(("a single paragraph", 0.8))
    confidence = 1.0
    for _, factor in factors:
        confidence *= factor
    record = ArticleRecord(
        title=title,
        published_at=published_at,
        updated_at=updated_at,
        body_text=body_text,
        body_html=body_html,
        lead=lead,
        byline=byline,
        author=credits.author,
        photographer=credits.photographer,
        attribution=credits.attribution,
        images=images,
        attachments=tuple(attachments),
        links=tuple(links),
        view_count=view_count,
        parser_version=f"fallback/{FALLBACK_VERSION}+{PARSER_VERSION}",
        extraction=EXTRACTION_FALLBACK,
        confidence=round(confidence, 2),
        rules=rules,
    )
    notes = [f"fallback: {reason} (confidence x{factor})" for reason, factor in factors]
    return replace(record, warnings=(*notes, *record_warnings(record)))


def _strip_weekdays(text: str) -> str:
    return re.sub(r"(?i)(?:Thứ\s+(?:hai|ba|tư|năm|sáu|bảy|\d)|Chủ\s+nhật),\s*", "", text)


def _drop_chrome(page: LexborNode) -> None:
    for node in page.css(_CHROME_TAGS):
        node.decompose()
    for node in page.css("[class], [id], [style]"):
        names = f"{node.attributes.get('class') or ''} {node.attributes.get('id') or ''}"
        style = (node.attributes.get("style") or "").replace(" ", "").lower()
        if _CHROME_NAMES.search(names) or "display:none" in style:
            node.decompose()


def _posting_marker(page: LexborNode) -> tuple[LexborNode, str] | None:
    """The smallest element whose text holds a posting marker and a date."""
    best: tuple[LexborNode, str] | None = None
    for node in page.traverse(include_text=True):
        if node.tag != "-text" or not _MARKER.search(unicodedata.normalize("NFC", node.text(deep=False) or "")):
            continue
        element = node.parent
        while element is not None:
            text = node_text(element)
            if re.search(r"\d{4}", text):
                break
            element = element.parent
        if element is None or len(text) > 400:
            continue
        if find_datetime(_strip_weekdays(text), POSTED_PATTERNS, DATE_FORMATS):
            return element, text
        if best is None and find_datetime(_strip_weekdays(text), UPDATED_PATTERNS, DATE_FORMATS):
            best = (element, text)
    return best


def _heading_before(page: LexborNode, marker: LexborNode) -> LexborNode | None:
    last = None
    for node in page.traverse():
        if node.mem_id == marker.mem_id:
            return last
        if node.tag in _HEADINGS and 10 <= len(node_text(node)) <= 400:
            last = node
    return None


def _page_title(tree: LexborHTMLParser) -> str:
    meta = tree.css_first("meta[property='og:title']")
    if meta is not None and (content := meta.attributes.get("content")):
        return node_text(LexborHTMLParser(f"<p>{content}</p>").css_first("p"))
    title = node_text(tree.css_first("title"))
    return re.split(r"\s+[-|–]\s+(?!.*\s[-|–]\s)", title)[0] if title else ""


def _paragraphs(node: LexborNode) -> list[LexborNode]:
    return [child for child in node.iter() if child.tag == "p" and node_text(child)]


def _densest_block(page: LexborNode, exclude: LexborNode | None) -> LexborNode | None:
    """The block whose own paragraphs hold the most text that is not link text."""
    best, best_score = None, 0
    for block in page.css(_BLOCKS):
        if exclude is not None and block.mem_id == exclude.mem_id:
            continue
        score = 0
        for child in block.iter(include_text=True):
            if child.tag == "-text":
                score += len((child.text(deep=False) or "").strip())
            elif child.tag in ("p", "blockquote"):
                text = len(node_text(child))
                links = sum(len(node_text(a)) for a in child.css("a"))
                score += text - 3 * links
        if score > best_score:
            best, best_score = block, score
    return best


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
    named = _BYLINE_NAMES.search(f"{paragraph.attributes.get('class') or ''} {paragraph.attributes.get('id') or ''}")
    return aligned or bool(named) or _all_bold(paragraph) or bool(re.match(r"^(?:Tin|Bài|Ảnh|Theo|Nguồn)\b", text))


def _images(body: LexborNode) -> tuple[Image, ...]:
    """Images of the body, each with the short centered or italic paragraph after it as caption."""
    images = []
    for table in body.css("table"):  # layout tables used as figures: the image, its caption below
        if len(table.css("img")) == 1 and len(node_text(table).split()) <= 40:
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
