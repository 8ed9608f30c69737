"""Whether an answer is the page asked for at all: not a redirect to an error page, not
empty or cut off, not a maintenance notice, soft-404 or error page (a profile's
``[pages]`` rules)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import parse_qsl, urlsplit

from selectolax.lexbor import LexborHTMLParser

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse.profile import PageRules
from portalwatch.parse.text import node_text

# Where a broken page says what it is, besides its title and headings: short blocks of text.
_TELLING_BLOCKS = "p, div, span, td, li, b, strong, h5, h6, center"
_TELLING_LENGTH = 200

_Read = TypeVar("_Read")


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


def read_checked(
    html: str, url: str, rules: PageRules, final_url: str | None, kind: str, read: Callable[[], _Read]
) -> _Read:
    """`read()` of a page that passed :func:`check_page`. When it cannot read the page's fields
    (ExtractionError) and the page says it is a broken one, raises WrongPage ('not `kind`')."""
    check_page(html, url, rules, final_url)
    try:
        return read()
    except WrongPage:
        raise
    except ExtractionError as failure:
        if reason := error_page_reason(LexborHTMLParser(html), rules):
            raise WrongPage(url, f"not {kind}: {reason}") from failure
        raise


def redirected_elsewhere(url: str, final_url: str | None) -> bool:
    """Whether redirects led to another page: not the same path and query (on any scheme or
    host, whatever the case of the path, a trailing slash or the order of the parameters)."""
    if not final_url:
        return False
    asked, landed = urlsplit(url), urlsplit(final_url)
    return _page_key(asked) != _page_key(landed)


def _page_key(parts) -> tuple[str, list[tuple[str, str]]]:
    return parts.path.rstrip("/").lower(), sorted(parse_qsl(parts.query, keep_blank_values=True))
