"""Listing pages: the links to the pages they list, and the page count their pager states."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from portalwatch.errors import WrongPage
from portalwatch.parse.checks import check_page, error_page_reason
from portalwatch.parse.profile import ListingRules, Profile
from portalwatch.parse.text import node_text


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
