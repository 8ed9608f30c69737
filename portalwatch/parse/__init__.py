"""Parse stage: listing pages to article links, article pages to records.

Both are driven by a CMS profile (``config/profiles/*.toml``). A page that is
not an article (error page, maintenance page, truncated body) raises
:class:`~portalwatch.errors.ExtractionError` and never becomes a version.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError
from portalwatch.parse.profile import Profile
from portalwatch.parse.text import block_text, clean_line, node_text
from portalwatch.record import ArticleRecord, Image

# Bumped when the extraction engine (not a profile) changes its output.
PARSER_VERSION = "1"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

__all__ = ["LOCAL_TZ", "PARSER_VERSION", "ListingPage", "canonical_url", "parse_article", "parse_listing"]


@dataclass(frozen=True, slots=True)
class ListingPage:
    article_urls: tuple[str, ...]
    total_pages: int | None  # from the pager, when it says


def canonical_url(url: str) -> str:
    """The URL an article is known by: no fragment, lowercase scheme and host."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def parse_listing(html: str, url: str, profile: Profile, page_size: int) -> ListingPage:
    """Article links (absolute, canonical, in page order, no repeats) and the page count."""
    tree = LexborHTMLParser(html)
    seen: dict[str, None] = {}
    for link in tree.css(profile.listing.article_links):
        href = link.attributes.get("href")
        if href and not href.startswith(("javascript:", "mailto:", "#")):
            seen.setdefault(canonical_url(urljoin(url, href)), None)
    return ListingPage(tuple(seen), _total_pages(tree, profile, page_size))


def _total_pages(tree: LexborHTMLParser, profile: Profile, page_size: int) -> int | None:
    pager = tree.css_first(profile.listing.pager)
    if pager is None:
        return None
    text = node_text(pager)
    rules = profile.listing
    if rules.pages_pattern and (match := re.search(rules.pages_pattern, text)):
        return int(match.group("pages"))
    if rules.total_pattern and (match := re.search(rules.total_pattern, text)):
        return math.ceil(int(match.group("total").replace(".", "")) / page_size)
    return None


def parse_article(html: str, url: str, profile: Profile) -> ArticleRecord:
    """Extract the normalized record of one article page.

    Raises ExtractionError naming the URL and what was missing.
    """
    rules = profile.article
    if rules.require_end_tag and "</html>" not in html[-4096:].lower():
        raise ExtractionError(url, "the page ends before </html>: truncated in transfer")
    tree = LexborHTMLParser(html)
    root = tree.css_first(rules.root)
    if root is None:
        raise ExtractionError(url, f"no article on the page (selector '{rules.root}' matched nothing)")
    title = node_text(root.css_first(rules.title))
    if not title:
        raise ExtractionError(url, f"no title (selector '{rules.title}' matched nothing or was empty)")
    posted_line = node_text(root.css_first(rules.posted))
    published_at = _published_at(posted_line, url, profile)
    view_count = _view_count(root, posted_line, profile)

    body = root.css_first(rules.body)
    if body is None:
        raise ExtractionError(url, f"no body (selector '{rules.body}' matched nothing)")
    lead = ""
    if rules.lead and (lead_node := root.css_first(rules.lead)) is not None:
        lead = node_text(lead_node)
        lead_node.decompose()
    byline = ""
    if rules.byline and (bylines := root.css(rules.byline)):
        byline = node_text(bylines[-1])
        bylines[-1].decompose()
    for selector in rules.drop:
        for node in body.css(selector):
            node.decompose()
    images = _images(body, url, profile)
    body_text = block_text(body)
    if len(body_text) < rules.min_body_chars:
        raise ExtractionError(
            url, f"body too short ({len(body_text)} characters, at least {rules.min_body_chars} expected): "
            "truncated or not an article"
        )  # fmt: skip
    return ArticleRecord(
        title=title,
        published_at=published_at,
        body_text=body_text,
        lead=lead,
        byline=byline,
        author=_author(byline, profile),
        images=images,
        view_count=view_count,
        parser_version=profile.parser_version,
    )


def _published_at(posted_line: str, url: str, profile: Profile) -> datetime:
    rules = profile.article
    match = re.search(rules.published_pattern, posted_line)
    if not match:
        raise ExtractionError(url, f"no posting time in {posted_line[:80]!r} (selector '{rules.posted}')")
    value = clean_line(match.group("value"))
    for date_format in rules.date_formats:
        try:
            return datetime.strptime(value, date_format).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    raise ExtractionError(url, f"posting time {value!r} matches none of the formats {rules.date_formats}")


def _view_count(root: LexborNode, posted_line: str, profile: Profile) -> int | None:
    rules = profile.article
    text = posted_line
    if rules.view_count:
        text = node_text(root.css_first(rules.view_count))
    if rules.view_count_pattern and (match := re.search(rules.view_count_pattern, text)):
        digits = re.sub(r"\D", "", match.group("value"))
        return int(digits) if digits else None
    return None


def _images(body: LexborNode, url: str, profile: Profile) -> tuple[Image, ...]:
    """Images with their captions; figures and captions are removed from the body."""
    rules = profile.article
    images: list[Image] = []
    if rules.figure:
        for figure in body.css(rules.figure):
            for img in figure.css("img"):
                images.append(Image(_image_src(img, url), node_text(figure).strip("() ")))
            figure.decompose()
    caption_ids = {node.mem_id for node in body.css(rules.caption)} if rules.caption else set()
    pending: list[list[str]] = []
    for node in body.traverse():
        if node.tag == "img":
            pending.append([_image_src(node, url), ""])
        elif node.mem_id in caption_ids:
            text = node_text(node).strip("() ")
            if pending and not pending[-1][1]:
                pending[-1][1] = text
            else:
                pending.append(["", text])
    for node in body.css("img"):
        node.decompose()
    if caption_ids:
        for node in body.css(rules.caption):
            node.decompose()
    images.extend(Image(src, caption) for src, caption in pending)
    return tuple(images)


def _image_src(img: LexborNode, url: str) -> str:
    src = img.attributes.get("src") or img.attributes.get("data-src") or ""
    return urlsplit(urljoin(url, src)).path.rsplit("/", 1)[-1] if src else ""


def _author(byline: str, profile: Profile) -> str:
    for pattern in profile.article.author_patterns:
        if match := re.match(pattern, byline):
            return clean_line(match.group("name"))
    return byline
