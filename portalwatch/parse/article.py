"""Article pages to records, by the rules of a CMS profile.

When a profile's rules find no article on a page (or the profile asks for it), the
generic extractor of :mod:`portalwatch.parse.fallback` reads the page instead.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse.checks import read_checked, redirected_elsewhere
from portalwatch.parse.content import attachment_links, body_links, drop_chrome_paragraphs, unique
from portalwatch.parse.fallback import FALLBACK_PARSER_VERSION, extract_fallback
from portalwatch.parse.fields import find_datetime, split_byline
from portalwatch.parse.profile import ArticleRules, Profile
from portalwatch.parse.records import BodyContent, article_record
from portalwatch.parse.text import block_text, clean_html, node_text
from portalwatch.record import EXTRACTION_FALLBACK, ArticleRecord, Attachment, Image

_SEPARATORS = {">", "/", "»", "›", "|", "-", "→"}


class TemplateMismatch(ExtractionError):
    """The profile's rules find no article on the page: the portal may have changed its template."""


def parser_versions(profile: Profile) -> frozenset[str]:
    """The parser versions today's code stores for pages read with `profile` (its rules, the generic extractor)."""
    return frozenset({profile.parser_version, FALLBACK_PARSER_VERSION})


def parse_article(html: str, url: str, profile: Profile, final_url: str | None = None) -> ArticleRecord:
    """Extract the normalized record of one article page (`final_url`: where redirects led).

    Raises WrongPage when the answer is not an article page at all (maintenance,
    soft-404, error page, empty or cut), ExtractionError naming the URL and what
    was missing when it looks like one but cannot be read.
    """
    record = read_checked(
        html, url, profile.pages, final_url, "an article", lambda: _article(html, url, profile)
    )
    if (
        profile.article is not None
        and record.extraction == EXTRACTION_FALLBACK
        and redirected_elsewhere(url, final_url)
    ):
        # Another address may serve the article (a new slug, a canonical URL), but then the
        # profile's rules read it; what only the generic extractor reads may be any page.
        raise WrongPage(
            url, f"not the article asked for: redirected to {final_url}, where the profile finds no article"
        )
    return record


def _article(html: str, url: str, profile: Profile) -> ArticleRecord:
    if profile.article is None or profile.fallback == "always":
        return extract_fallback(html, url)
    try:
        return _extract(html, url, profile)
    except TemplateMismatch as mismatch:
        if profile.fallback != "on_failure":
            raise
        try:
            record = extract_fallback(html, url)
        except ExtractionError as failure:
            raise ExtractionError(url, f"{mismatch.reason}; generic extractor: {failure.reason}") from None
        return _with_warning(
            record, f"profile '{profile.name}' found no article ({mismatch.reason}): fallback used"
        )


def _extract(html: str, url: str, profile: Profile) -> ArticleRecord:
    rules = profile.article
    assert rules is not None
    tree = LexborHTMLParser(html)
    provenance: dict[str, str] = {}
    root = tree.css_first(rules.root)
    if root is None:
        raise TemplateMismatch(url, f"no article on the page (selector '{rules.root}' matched nothing)")
    title = node_text(root.css_first(rules.title))
    if not title:
        raise ExtractionError(url, f"no title (selector '{rules.title}' matched nothing or was empty)")
    provenance["title"] = f"css '{rules.title}'"
    posted_line = node_text(root.css_first(rules.posted))
    published_at, updated_at = _times(root, posted_line, url, rules, provenance)
    view_count = _view_count(root, posted_line, profile, provenance)
    breadcrumb = _breadcrumb(tree, rules.breadcrumb, title)
    if breadcrumb:
        provenance["breadcrumb"] = f"css '{rules.breadcrumb}'"
    outside_files = (
        attachment_links(tree.css(rules.attachments), url, rules.attachment_extensions)
        if rules.attachments
        else []
    )
    body = root.css_first(rules.body)
    if body is None:
        raise ExtractionError(url, f"no body (selector '{rules.body}' matched nothing)")
    provenance["body_text"] = f"css '{rules.body}'"
    lead = _take_text(root.css_first(rules.lead) if rules.lead else None)
    if lead is not None:
        provenance["lead"] = f"css '{rules.lead}'"
    bylines = root.css(rules.byline) if rules.byline else []
    byline = _take_text(bylines[-1] if bylines else None)
    if byline is not None:
        provenance["byline"] = f"css '{rules.byline}' (last match)"
    credits = split_byline(byline or "", rules.byline_patterns)
    content = _body_content(body, url, profile, outside_files)
    if len(content.text) < rules.min_body_chars and not content.images:
        raise ExtractionError(
            url,
            f"body too short ({len(content.text)} characters, at least {rules.min_body_chars} expected): "
            "empty, truncated or not an article",
        )
    return article_record(
        title=title,
        published_at=published_at,
        updated_at=updated_at,
        lead=lead or "",
        byline=byline or "",
        credits=credits,
        body=content,
        breadcrumb=breadcrumb,
        view_count=view_count,
        parser_version=profile.parser_version,
        rules=provenance,
    )


def _times(
    root: LexborNode, posted_line: str, url: str, rules: ArticleRules, provenance: dict[str, str]
) -> tuple[datetime, datetime | None]:
    """The posting time (raises ExtractionError without one) and the update time, when shown."""
    found = find_datetime(posted_line, rules.published_pattern, rules.date_formats)
    if found is None:
        raise ExtractionError(
            url,
            f"no posting time in {posted_line[:80]!r} (selector '{rules.posted}', formats {rules.date_formats})",
        )
    published_at, provenance["published_at"] = found[0], f"css '{rules.posted}', {found[1]}"
    updated_at = None
    if rules.updated_pattern:
        updated_line = node_text(root.css_first(rules.updated)) if rules.updated else posted_line
        if updated := find_datetime(updated_line, rules.updated_pattern, rules.date_formats):
            updated_at, provenance["updated_at"] = (
                updated[0],
                f"css '{rules.updated or rules.posted}', {updated[1]}",
            )
    return published_at, updated_at


def _take_text(node: LexborNode | None) -> str | None:
    """The text of a node that leaves the body (the lead, the byline), which is removed; None without one."""
    if node is None:
        return None
    text = node_text(node)
    node.decompose()
    return text


def _body_content(
    body: LexborNode, url: str, profile: Profile, outside_files: list[Attachment]
) -> BodyContent:
    """The body without what the rules drop and its chrome lines: its links, files, markup,
    images and text (`outside_files`: the article's files found outside its body)."""
    rules = profile.article
    for selector in rules.drop:
        for node in body.css(selector):
            node.decompose()
    drop_chrome_paragraphs(body, rules.chrome_text)
    links, attachments = body_links(body, url, rules.attachment_extensions)
    attachments = unique(attachments + outside_files)
    body_html = clean_html(body)
    images = _images(body, url, profile)
    return BodyContent(block_text(body), body_html, images, tuple(links), tuple(attachments))


def _view_count(
    root: LexborNode, posted_line: str, profile: Profile, provenance: dict[str, str]
) -> int | None:
    rules = profile.article
    text = posted_line
    if rules.view_count:
        text = node_text(root.css_first(rules.view_count))
    if rules.view_count_pattern and (match := re.search(rules.view_count_pattern, text)):
        digits = re.sub(r"\D", "", match.group("value"))
        if digits:
            provenance["view_count"] = (
                f"css '{rules.view_count or rules.posted}', pattern {rules.view_count_pattern!r}"
            )
            return int(digits)
    return None


def _breadcrumb(tree: LexborHTMLParser, selector: str | None, title: str) -> tuple[str, ...]:
    if not selector:
        return ()
    items = [node_text(node) for node in tree.css(selector)]
    items = [item for item in items if item and item not in _SEPARATORS]
    if items and items[-1] == title:  # some portals end the trail with the article itself
        items.pop()
    return tuple(items)


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


def _with_warning(record: ArticleRecord, *warnings: str) -> ArticleRecord:
    return replace(record, warnings=record.warnings + tuple(warnings))
