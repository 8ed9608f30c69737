"""Parse stage: listing pages to page links, article pages to records.

Both are driven by a CMS profile (``config/profiles/*.toml``). When a
profile's rules find no article on a page (or the profile asks for it), the
generic extractor of :mod:`portalwatch.parse.fallback` reads the page by the
conventions of Vietnamese government portals and marks the record as a
fallback with a confidence. A page is evidence only when it is what it
claims to be: an answer that is not the page asked for (a maintenance notice,
a soft-404, an error page reached by redirect, an empty or cut body: the
profile's ``[pages]`` rules) raises :class:`~portalwatch.errors.WrongPage`,
and an article page whose fields cannot be read raises
:class:`~portalwatch.errors.ExtractionError`. Neither becomes a version.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse.dates import LOCAL_TZ
from portalwatch.parse.fields import find_datetime, split_byline
from portalwatch.parse.profile import ListingRules, PageRules, Profile
from portalwatch.parse.text import block_text, clean_html, clean_line, node_text
from portalwatch.record import EXTRACTION_FALLBACK, ArticleRecord, Attachment, Image, Link, site_relative

# Bumped when the extraction engine (not a profile) changes its output.
# 2: updated_at, photographer, attribution, attachments, links and breadcrumb
#    joined the hashed record; the author is split out of the byline.
PARSER_VERSION = "2"

# Lines that belong to page chrome, never to an article: a body paragraph like
# these is a warning (and the generic extractor drops it).
CHROME_LINE_PATTERNS = (
    r"^(?:Tổng )?(?:lượt )?truy cập\s*:?",
    r"^Đang (?:truy cập|online)\s*:?",
    r"^Thống kê truy cập",
    r"^Văn bản mới$",
    r"^Template Settings$",
    r"^Các tin khác\s*:?$",
    r"^Tin liên quan\s*:?$",
    r"^Bài viết liên quan\s*:?$",
    r"^\d+-\d+ of \d+",
    r"^Trang\s*:?\s*$",
    r"^(?:Google Font|Body Font-(?:size|family))$",
    r"^Liên kết (?:web|website)$",
    r"^Bản đồ hành chính$",
)
_CHROME_LINE = re.compile("|".join(CHROME_LINE_PATTERNS), re.IGNORECASE)
_SEPARATORS = {">", "/", "»", "›", "|", "-", "→"}

__all__ = [
    "CHROME_LINE_PATTERNS",
    "LOCAL_TZ",
    "PARSER_VERSION",
    "ListingPage",
    "TemplateMismatch",
    "canonical_url",
    "parser_versions",
    "attachment_links",
    "body_links",
    "check_page",
    "drop_chrome_paragraphs",
    "error_page_reason",
    "parse_article",
    "parse_listing",
    "read_listing",
    "record_warnings",
    "ListingCheck",
]


class TemplateMismatch(ExtractionError):
    """The profile's rules find no article on the page: the portal may have changed its template."""


@dataclass(frozen=True, slots=True)
class ListingPage:
    article_urls: tuple[str, ...]
    total_pages: int | None  # from the pager, when it says
    # Entries in the whole list, when the pager states it (`41-50 of 3421`); a pager
    # that gives only a page count leaves it None.
    stated_entries: int | None = None


def canonical_url(url: str) -> str:
    """The URL a page is known by: no fragment, lowercase scheme and host."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))


def parse_listing(
    html: str, url: str, profile: Profile, page_size: int, rules: ListingRules | None = None
) -> ListingPage:
    """Links to the listed pages (absolute, canonical, in page order, no repeats) and the page count.

    `rules` defaults to the profile's article listing. Takes any page as it comes:
    :func:`read_listing` first makes sure it is a listing page.
    """
    return _listing(LexborHTMLParser(html), url, rules or profile.listing, page_size)


def _listing(tree: LexborHTMLParser, url: str, rules: ListingRules, page_size: int) -> ListingPage:
    seen: dict[str, None] = {}
    for link in tree.css(rules.article_links):
        href = link.attributes.get("href")
        if href and not href.startswith(("javascript:", "mailto:", "#")):
            seen.setdefault(canonical_url(urljoin(url, href)), None)
    return ListingPage(tuple(seen), *_pager_counts(tree, rules, page_size))


def read_listing(
    html: str,
    url: str,
    profile: Profile,
    page_size: int,
    rules: ListingRules | None = None,
    page_number: int = 1,
    final_url: str | None = None,
) -> ListingPage:
    """A listing page, when it is one; raises WrongPage naming what was seen instead.

    It is one when the listing rules find its entries, or when it is a recognised
    end of the list (no entries: its pager puts it past the last page, or it says
    the list has nothing more). A maintenance notice, a soft-404, an error page,
    an empty or cut page, or a page of another kind is not.
    """
    rules = rules or profile.listing
    check_page(html, url, profile.pages, final_url)
    tree = LexborHTMLParser(html)
    listing = _listing(tree, url, rules, page_size)
    if listing.article_urls:
        # Links that match the entries' selector can be a broken page's chrome (a sidebar of
        # news under the generic rules): without the list's pager, its title and headings judge.
        if tree.css_first(rules.pager) is None and (
            reason := error_page_reason(tree, profile.pages, deep=False)
        ):
            raise WrongPage(url, f"not a listing page: {reason}")
        return listing
    if _past_the_end(tree, rules, page_size, page_number):
        return listing
    reason = error_page_reason(tree, profile.pages) or (
        f"no entries (selector '{rules.article_links}' matched nothing) and not past the end of the list"
    )
    raise WrongPage(url, f"not a listing page: {reason}")


def _past_the_end(tree: LexborHTMLParser, rules: ListingRules, page_size: int, page_number: int) -> bool:
    """Whether a page without entries is the end of its list: its pager (or, without one, its
    text) puts it past the last page, or it says there is nothing more."""
    text = node_text(tree.body) if tree.body is not None else ""
    pager = tree.css_first(rules.pager)
    pages, _ = _stated_counts(node_text(pager) if pager is not None else text, rules, page_size)
    if pages is not None:
        return pages < page_number or (page_number == 1 and pages <= 1)
    return any(re.search(pattern, text) for pattern in rules.end_of_list_text)


class ListingCheck:
    """Judges a fetched listing page (for the fetcher, which retries a page that is not one)
    and keeps what it read."""

    def __init__(
        self, profile: Profile, page_size: int, rules: ListingRules | None = None, page_number: int = 1
    ):
        self.profile, self.page_size, self.rules, self.page_number = profile, page_size, rules, page_number
        self.page: ListingPage | None = None

    def __call__(self, fetched) -> None:
        """`fetched`: the answer, with its text(), the url asked for and the final_url redirects led to."""
        self.page = read_listing(
            fetched.text(),
            fetched.url,
            self.profile,
            self.page_size,
            self.rules,
            self.page_number,
            fetched.final_url,
        )


def _pager_counts(
    tree: LexborHTMLParser, rules: ListingRules, page_size: int
) -> tuple[int | None, int | None]:
    """(pages, entries) the pager states; entries only when it gives them, pages worked out from them."""
    pager = tree.css_first(rules.pager)
    if pager is None:
        return None, None
    return _stated_counts(node_text(pager), rules, page_size)


def _stated_counts(text: str, rules: ListingRules, page_size: int) -> tuple[int | None, int | None]:
    entries = None
    if rules.total_pattern and (match := re.search(rules.total_pattern, text)):
        entries = int(match.group("total").replace(".", ""))
    if rules.pages_pattern and (match := re.search(rules.pages_pattern, text)):
        return int(match.group("pages")), entries
    if entries is not None:
        return math.ceil(entries / page_size), entries
    return None, None


# Where a broken page says what it is, besides its title and headings: short blocks of text.
_TELLING_BLOCKS = "p, div, span, td, li, b, strong, h5, h6, center"
_TELLING_LENGTH = 200


def error_page_reason(tree: LexborHTMLParser, rules: PageRules, deep: bool = True) -> str | None:
    """What a page is instead of the page asked for, by what it says (empty, maintenance
    notice, soft-404, error page), or None. Looks at the title and headings, and with
    `deep` at short blocks of text too; without it, headings that hold a link (entries,
    news in a sidebar: what a real page lists, not what a broken one says) are not read."""
    body_text = node_text(tree.body) if tree.body is not None else ""
    if len(body_text) < rules.min_text_chars:
        return "empty page: no text"
    kinds = (
        ("maintenance page", rules.maintenance_text),
        ("soft-404 page", rules.not_found_text),
        ("error page", rules.error_text),
    )
    for text in _telling_texts(tree, deep):
        for kind, patterns in kinds:
            if any(re.search(pattern, text) for pattern in patterns):
                return f"{kind} ({text[:80]!r})"
    return None


def _telling_texts(tree: LexborHTMLParser, deep: bool):
    yield node_text(tree.css_first("title"))
    selectors = ["h1, h2, h3, h4"] + ([_TELLING_BLOCKS] if deep else [])
    for selector in selectors:
        for node in tree.css(selector):
            if not deep and node.css_first("a[href]") is not None:
                continue
            text = node_text(node)
            if text and (selector != _TELLING_BLOCKS or len(text) <= _TELLING_LENGTH):
                yield text


def parser_versions(profile: Profile) -> frozenset[str]:
    """The parser versions today's code stores for pages read with `profile` (its rules, the generic extractor)."""
    from portalwatch.parse.fallback import FALLBACK_VERSION

    return frozenset({profile.parser_version, f"fallback/{FALLBACK_VERSION}+{PARSER_VERSION}"})


def parse_article(html: str, url: str, profile: Profile, final_url: str | None = None) -> ArticleRecord:
    """Extract the normalized record of one article page (`final_url`: where redirects led).

    Raises WrongPage when the answer is not an article page at all (maintenance,
    soft-404, error page, empty or cut), ExtractionError naming the URL and what
    was missing when it looks like one but cannot be read.
    """
    check_page(html, url, profile.pages, final_url)
    try:
        record = _article(html, url, profile)
    except WrongPage:
        raise
    except ExtractionError as failure:
        if reason := error_page_reason(LexborHTMLParser(html), profile.pages):
            raise WrongPage(url, f"not an article: {reason}") from failure
        raise
    if (
        profile.article is not None
        and record.extraction == EXTRACTION_FALLBACK
        and _redirected_elsewhere(url, final_url)
    ):
        # Another address may serve the article (a new slug, a canonical URL), but then the
        # profile's rules read it; what only the generic extractor reads may be any page.
        raise WrongPage(
            url, f"not the article asked for: redirected to {final_url}, where the profile finds no article"
        )
    return record


def check_page(html: str, url: str, rules: PageRules | None = None, final_url: str | None = None) -> None:
    """Refuse an answer that cannot be the page asked for, whatever it holds: one a redirect
    brought to an error page, an empty one, one cut off before its end (raises WrongPage)."""
    rules = rules or PageRules()
    if (
        final_url
        and final_url != url
        and any(re.search(pattern, final_url) for pattern in rules.error_redirects)
    ):
        raise WrongPage(url, f"redirected to an error page: {final_url}")
    if not html.strip():
        raise WrongPage(url, "empty page: the body is blank")
    if rules.require_html_end and "</html>" not in html[-2048:].lower():
        raise WrongPage(url, f"page cut short: it ends before its closing </html> ({len(html)} characters)")


def _redirected_elsewhere(url: str, final_url: str | None) -> bool:
    """Whether redirects led to another page: not the same path and query (on any scheme or
    host, whatever the case of the path, a trailing slash or the order of the parameters)."""
    if not final_url:
        return False
    asked, landed = urlsplit(url), urlsplit(final_url)
    return _page_key(asked) != _page_key(landed)


def _page_key(parts) -> tuple[str, list[tuple[str, str]]]:
    return parts.path.rstrip("/").lower(), sorted(parse_qsl(parts.query, keep_blank_values=True))


def _article(html: str, url: str, profile: Profile) -> ArticleRecord:
    from portalwatch.parse.fallback import extract_fallback

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
    lead = ""
    if rules.lead and (lead_node := root.css_first(rules.lead)) is not None:
        lead = node_text(lead_node)
        lead_node.decompose()
        provenance["lead"] = f"css '{rules.lead}'"
    byline = ""
    if rules.byline and (bylines := root.css(rules.byline)):
        byline = node_text(bylines[-1])
        bylines[-1].decompose()
        provenance["byline"] = f"css '{rules.byline}' (last match)"
    credits = split_byline(byline, rules.byline_patterns)
    for name in ("author", "photographer", "attribution"):
        if getattr(credits, name):
            provenance[name] = credits.rule
    for selector in rules.drop:
        for node in body.css(selector):
            node.decompose()
    drop_chrome_paragraphs(body, rules.chrome_text)
    links, attachments = body_links(body, url, rules.attachment_extensions)
    attachments = _unique(attachments + outside_files)
    body_html = clean_html(body)
    images = _images(body, url, profile)
    body_text = block_text(body)
    if len(body_text) < rules.min_body_chars and not images:
        raise ExtractionError(
            url,
            f"body too short ({len(body_text)} characters, at least {rules.min_body_chars} expected): "
            "empty, truncated or not an article",
        )
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
        breadcrumb=breadcrumb,
        view_count=view_count,
        parser_version=profile.parser_version,
        rules=provenance,
    )
    return _with_warning(record, *record_warnings(record))


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


def drop_chrome_paragraphs(body: LexborNode, patterns: list[str] | tuple[str, ...]) -> None:
    """Remove blocks of the body whose whole text is a chrome line."""
    if not patterns:
        return
    chrome = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    for node in body.css("p, div, li, td, h3, h4, span"):
        text = node_text(node)
        if text and chrome.search(text):
            node.decompose()


def _file_kind(href: str, extensions: list[str] | tuple[str, ...]) -> str | None:
    path = urlsplit(href).path.lower()
    kind = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return kind if kind in extensions else None


def attachment_links(nodes: list[LexborNode], url: str, extensions) -> list[Attachment]:
    found = []
    for node in nodes:
        href = node.attributes.get("href")
        if href and (kind := _file_kind(href, extensions)):
            absolute = urljoin(url, href)
            name = node_text(node) or urlsplit(absolute).path.rsplit("/", 1)[-1]
            found.append(Attachment(site_relative(absolute, url), name, kind))
    return found


_ATTACHMENT_LABEL = re.compile(
    r"^(?:(?:Tải về|Tải file|File đính kèm|Tệp đính kèm|Văn bản đính kèm|Đính kèm|Download|Xem chi tiết)\s*:?\s*)?$",
    re.IGNORECASE,
)


def body_links(body: LexborNode, url: str, extensions) -> tuple[list[Link], list[Attachment]]:
    """Outgoing links and linked files of the body, in order, without repeats.

    A paragraph that only lists files ("Tải về: 53-CV-TU.pdf") is an
    attachment list, not text: it leaves the body.
    """
    files = _unique(attachment_links(body.css("a[href]"), url, extensions))
    for block in body.css("p, li, div"):
        anchors = [a for a in block.css("a[href]") if _file_kind(a.attributes.get("href") or "", extensions)]
        if anchors:
            rest = node_text(block)
            for anchor in anchors:
                rest = rest.replace(node_text(anchor), "", 1)
            if _ATTACHMENT_LABEL.match(clean_line(rest)):
                block.decompose()
    links: list[Link] = []
    for node in body.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if (
            not href
            or href.startswith(("javascript:", "mailto:", "#", "tel:"))
            or _file_kind(href, extensions)
        ):
            continue
        text = node_text(node)
        if not text and node.css_first("img") is not None:
            continue  # an image that links to its own full-size file
        links.append(Link(site_relative(urljoin(url, href), url), text))
    return _unique(links), files


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


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


def record_warnings(record: ArticleRecord) -> list[str]:
    """Fields that are missing or look wrong: what a profile author should look at."""
    warnings = []
    if not record.lead:
        warnings.append("lead: none found")
    if not record.byline:
        warnings.append("byline: none found")
    elif not (record.author or record.photographer or record.attribution):
        warnings.append(f"byline: no pattern split {record.byline!r}")
    if record.view_count is None:
        warnings.append("view_count: no counter found")
    if not record.breadcrumb:
        warnings.append("breadcrumb: none found")
    if len(record.title) > 300:
        warnings.append(f"title: suspiciously long ({len(record.title)} characters)")
    now = datetime.now(LOCAL_TZ)
    if record.published_at > now + timedelta(days=1) or record.published_at.year < 1995:
        warnings.append(f"published_at: implausible ({record.published_at.isoformat()})")
    if len(record.body_text) < 500 and not record.images:
        warnings.append(f"body_text: short ({len(record.body_text)} characters)")
    for line in record.body_text.split("\n"):
        if _CHROME_LINE.search(line.strip()):
            warnings.append(f"body_text: a chrome line reached the body: {line.strip()[:60]!r}")
            break
    return warnings


def _with_warning(record: ArticleRecord, *warnings: str) -> ArticleRecord:
    return replace(record, warnings=record.warnings + tuple(warnings))
