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

The work is done in :mod:`~portalwatch.parse.listing` (listing pages),
:mod:`~portalwatch.parse.checks` (is it the page asked for),
:mod:`~portalwatch.parse.article` (article pages by a profile's rules),
:mod:`~portalwatch.parse.content` (links and files of a body) and
:mod:`~portalwatch.parse.records` (the record and its warnings); this module
gathers their public names.
"""

from __future__ import annotations

from portalwatch.parse.article import TemplateMismatch, parse_article, parser_versions
from portalwatch.parse.checks import check_page, error_page_reason
from portalwatch.parse.content import attachment_links, body_links, drop_chrome_paragraphs
from portalwatch.parse.dates import LOCAL_TZ
from portalwatch.parse.listing import ListingCheck, ListingPage, canonical_url, parse_listing, read_listing
from portalwatch.parse.records import CHROME_LINE_PATTERNS, record_warnings
from portalwatch.parse.version import PARSER_VERSION

__all__ = [
    "CHROME_LINE_PATTERNS",
    "LOCAL_TZ",
    "PARSER_VERSION",
    "ListingCheck",
    "ListingPage",
    "TemplateMismatch",
    "attachment_links",
    "body_links",
    "canonical_url",
    "check_page",
    "drop_chrome_paragraphs",
    "error_page_reason",
    "parse_article",
    "parse_listing",
    "parser_versions",
    "read_listing",
    "record_warnings",
]
