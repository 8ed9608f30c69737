"""The article record and its content hash.

The hash covers what the portal published (title, posting and update times,
byline and its parts, lead, body, images, attachments, outgoing links,
breadcrumb), normalized, and nothing volatile: view counters, visit counters,
sidebars and related-article lists never reach it, so a page whose only
difference is chrome hashes the same. The cleaned body HTML is kept beside the
text but left out of the hash: an editor's markup churn (inline styles, spans)
is not an edit of the article.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

# The fields that make a version; `changed_fields` names are taken from here.
CONTENT_FIELDS = (
    "title",
    "published_at",
    "updated_at",
    "author",
    "photographer",
    "attribution",
    "byline",
    "lead",
    "body_text",
    "images",
    "attachments",
    "links",
    "breadcrumb",
)

# How a record was extracted: by the rules of its CMS profile, or by the generic
# conventions of Vietnamese government pages when no profile applies.
EXTRACTION_PROFILE = "profile"
EXTRACTION_FALLBACK = "fallback"


@dataclass(frozen=True, slots=True)
class Image:
    src: str  # file name
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A linked file (PDF, DOC, ...): the URL, site-relative when on the portal."""

    url: str
    name: str  # file name or link text
    kind: str  # lower-case extension: pdf, doc, docx, xls, ...


@dataclass(frozen=True, slots=True)
class Link:
    """An outgoing link in the body: site-relative on the portal, absolute off it."""

    url: str
    text: str


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What one article page says, normalized (NFC, whitespace collapsed)."""

    title: str
    published_at: datetime
    body_text: str
    lead: str = ""
    byline: str = ""
    author: str = ""
    photographer: str = ""
    attribution: str = ""  # the credited organization or source ("VPTU", "Báo Điện Biên Phủ")
    images: tuple[Image, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    links: tuple[Link, ...] = ()
    breadcrumb: tuple[str, ...] = ()
    updated_at: datetime | None = None
    body_html: str = ""  # cleaned markup of the body: kept, not hashed
    view_count: int | None = None  # volatile: kept out of the hash
    parser_version: str = ""  # provenance: kept out of the hash
    extraction: str = EXTRACTION_PROFILE
    confidence: float = 1.0
    warnings: tuple[str, ...] = field(default=(), compare=False)
    rules: dict[str, str] = field(default_factory=dict, compare=False)  # field -> the rule that produced it

    @property
    def category(self) -> str:
        """The section the portal files the article under: the breadcrumb's last entry."""
        return self.breadcrumb[-1] if self.breadcrumb else ""

    def content(self) -> dict:
        """The hashed part, as plain JSON-ready values."""
        return {
            "title": self.title,
            "published_at": self.published_at.isoformat(),
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "author": self.author,
            "photographer": self.photographer,
            "attribution": self.attribution,
            "byline": self.byline,
            "lead": self.lead,
            "body_text": self.body_text,
            "images": [asdict(image) for image in self.images],
            "attachments": [asdict(attachment) for attachment in self.attachments],
            "links": [asdict(link) for link in self.links],
            "breadcrumb": list(self.breadcrumb),
        }

    def to_json(self) -> dict:
        """The whole record (content, volatile parts and provenance) as JSON-ready values."""
        return self.content() | {
            "category": self.category,
            "body_html": self.body_html,
            "view_count": self.view_count,
            "parser_version": self.parser_version,
            "extraction": self.extraction,
            "confidence": self.confidence,
            "content_hash": self.content_hash,
            "rules": dict(self.rules),
            "warnings": list(self.warnings),
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.content())


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON of a record's content."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def article_id(source_id: str, url: str) -> str:
    """A stable id for an article: its source and its path and query.

    The host is left out so that a portal moving to a new address (http to
    https, a new domain, the simulator on another port) keeps its articles.
    """
    parts = urlsplit(url)
    key = f"{source_id}|{parts.path}?{parts.query}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def rebase(url: str, base_url: str) -> str:
    """The same path and query on the portal's current base URL."""
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))


def site_relative(url: str, page_url: str) -> str:
    """A URL on the page's own host as path and query; any other URL as it is.

    Links stored this way survive the portal moving host, like article ids.
    """
    parts, page = urlsplit(url), urlsplit(page_url)
    if parts.netloc.lower() == page.netloc.lower():
        return urlunsplit(("", "", parts.path or "/", parts.query, ""))
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, parts.query, ""))
