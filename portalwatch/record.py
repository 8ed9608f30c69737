"""The article record and its content hash.

The hash covers what the portal published (title, posting time, byline, lead,
body, images), normalized, and nothing volatile: view counters, visit counters,
sidebars and related-article lists never reach it, so a page whose only
difference is chrome hashes the same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

# The fields that make a version; `changed_fields` names are taken from here.
CONTENT_FIELDS = ("title", "published_at", "author", "byline", "lead", "body_text", "images")


@dataclass(frozen=True, slots=True)
class Image:
    src: str
    caption: str = ""


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """What one article page says, normalized (NFC, whitespace collapsed)."""

    title: str
    published_at: datetime
    body_text: str
    lead: str = ""
    byline: str = ""
    author: str = ""
    images: tuple[Image, ...] = ()
    view_count: int | None = None  # volatile: kept out of the hash
    parser_version: str = ""  # provenance: kept out of the hash
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def content(self) -> dict:
        """The hashed part, as plain JSON-ready values."""
        return {
            "title": self.title,
            "published_at": self.published_at.isoformat(),
            "author": self.author,
            "byline": self.byline,
            "lead": self.lead,
            "body_text": self.body_text,
            "images": [asdict(image) for image in self.images],
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.content())


def content_hash(content: dict) -> str:
    """SHA-256 of the canonical JSON of a record's content."""
    canonical = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def changed_fields(old: dict, new: dict) -> list[str]:
    """Names of the content fields that differ between two content dicts."""
    return [name for name in CONTENT_FIELDS if old.get(name) != new.get(name)]


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
