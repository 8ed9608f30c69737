"""One article's history: its versions, what changed between them, and word diffs."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import duckdb

from portalwatch.errors import PortalwatchError

# Articles whose URL is the one asked for, or whose path and query are (a portal
# that moved host keeps its articles, as in portalwatch.record.article_id).
FIND_ARTICLES_SQL = """
SELECT article_id, source_id, url
FROM article_state
WHERE (url = $url OR regexp_replace(url, '^[A-Za-z][A-Za-z0-9+.-]*://[^/]*', '') = $path)
  AND ($source IS NULL OR source_id = $source)
ORDER BY url = $url DESC, source_id
"""

HISTORY_SQL = """
SELECT c.detected_at, c.change_type, c.version, v.content_hash, c.changed_fields, v.title, v.published_at
FROM changes AS c
LEFT JOIN article_versions AS v ON v.article_id = c.article_id AND v.version = c.version
WHERE c.article_id = ?
ORDER BY c.detected_at, c.version
"""

VERSION_SQL = """
SELECT version, valid_from, content_hash, title, published_at, author, byline, lead, body_text, images,
       updated_at, photographer, attribution, attachments, links, breadcrumb
FROM article_versions
WHERE article_id = ? AND version = ?
"""

VERSIONS_SQL = "SELECT max(version) FROM article_versions WHERE article_id = ?"

HISTORY_COLUMNS = [
    "detected_at",
    "change",
    "version",
    "content_hash",
    "changed_fields",
    "title",
    "published_at",
]

# Where the article's text went: the first publication of the text (this article or the one it
# copies) and every copy of it, in posting order (the UNION in a FROM clause: DuckDB orders a
# UNION by its output columns only).
REPUBLICATIONS_SQL = """
WITH text_origin AS (
    SELECT coalesce(
        (SELECT original_article_id FROM republications WHERE article_id = $article), $article
    ) AS original_article_id
),
trail AS (
    SELECT r.* FROM republications AS r JOIN text_origin USING (original_article_id)
)
SELECT * FROM (
    SELECT 'original' AS role, any_value(original_source_id), any_value(original_level), any_value(original_url),
           any_value(original_published_at), NULL::INTERVAL, NULL::DOUBLE, NULL::DOUBLE, NULL::BOOLEAN
    FROM trail
    UNION ALL
    SELECT 'copy', source_id, level, url, published_at, lag, round(similarity, 2), round(containment, 2), title_changed
    FROM trail
)
ORDER BY role = 'copy', 5
"""

REPUBLICATION_COLUMNS = [
    "role",
    "source",
    "level",
    "url",
    "published_at",
    "lag",
    "similarity",
    "containment",
    "new_heading",
]


class ArticleNotFound(PortalwatchError):
    pass


@dataclass(frozen=True, slots=True)
class ArticleRef:
    article_id: str
    source_id: str
    url: str


@dataclass(frozen=True, slots=True)
class Version:
    version: int
    valid_from: datetime
    content_hash: str
    title: str
    published_at: datetime
    author: str | None
    byline: str | None
    lead: str | None
    body_text: str
    images: str | None
    updated_at: datetime | None
    photographer: str | None
    attribution: str | None
    attachments: str | None
    links: str | None
    breadcrumb: str | None


def find_article(con: duckdb.DuckDBPyConnection, url: str, source: str | None = None) -> ArticleRef:
    """The one article known by this URL; raises naming the URL when none or several are."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    found = con.execute(FIND_ARTICLES_SQL, {"url": url, "path": path, "source": source}).fetchall()
    if not found:
        where = f" on source '{source}'" if source else ""
        raise ArticleNotFound(f"{url}: no article with this URL{where} in the warehouse")
    exact = [row for row in found if row[2] == url]
    candidates = exact or found
    if len({row[0] for row in candidates}) > 1:
        sources = ", ".join(sorted({row[1] for row in candidates}))
        raise ArticleNotFound(f"{url}: several articles have this path (sources {sources}); pass --source")
    return ArticleRef(*candidates[0])


def history_rows(con: duckdb.DuckDBPyConnection, article: ArticleRef) -> list[tuple]:
    """Every change of the article, oldest first: (detected_at, change, version, hash, fields, title, published_at)."""
    return [
        (
            detected,
            change,
            version,
            content_hash[:16] if content_hash else None,
            ", ".join(fields) if fields else "",
            title,
            published_at,
        )
        for detected, change, version, content_hash, fields, title, published_at in con.execute(
            HISTORY_SQL, [article.article_id]
        ).fetchall()
    ]


def republication_rows(con: duckdb.DuckDBPyConnection, article: ArticleRef) -> list[tuple]:
    """The text's first publication and its copies on other portals; empty when it was not republished."""
    rows = con.execute(REPUBLICATIONS_SQL, {"article": article.article_id}).fetchall()
    return [row for row in rows if row[3] is not None] if len(rows) > 1 else []


def latest_version(con: duckdb.DuckDBPyConnection, article: ArticleRef) -> int:
    return con.execute(VERSIONS_SQL, [article.article_id]).fetchone()[0]


def get_version(con: duckdb.DuckDBPyConnection, article: ArticleRef, version: int) -> Version:
    row = con.execute(VERSION_SQL, [article.article_id, version]).fetchone()
    if row is None:
        latest = latest_version(con, article)
        raise ArticleNotFound(f"{article.url}: no version {version} (versions 1 to {latest})")
    return Version(*row)


# A word, or a paragraph break kept as its own token so that diffs keep the layout.
_TOKENS = re.compile(r"\n\s*\n|\S+")


@dataclass(frozen=True, slots=True)
class Chunk:
    kind: str  # "equal" | "delete" | "insert"
    text: str


def word_diff(old: str, new: str) -> list[Chunk]:
    """The word-level difference of two texts, as runs of equal, deleted and inserted words."""
    a, b = _TOKENS.findall(old or ""), _TOKENS.findall(new or "")
    chunks: list[Chunk] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            chunks.append(Chunk("equal", _join(a[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            chunks.append(Chunk("delete", _join(a[i1:i2])))
        if tag in ("insert", "replace"):
            chunks.append(Chunk("insert", _join(b[j1:j2])))
    return chunks


def _join(tokens: list[str]) -> str:
    text = ""
    for token in tokens:
        if token.strip() == "":
            text = text.rstrip(" ") + "\n\n"
        else:
            text += ("" if not text or text.endswith("\n") else " ") + token
    return text


def plain_word_diff(chunks: list[Chunk]) -> str:
    """git's --word-diff=plain notation: [-deleted-] and {+inserted+}."""
    parts = []
    for chunk in chunks:
        if chunk.kind == "equal":
            parts.append(chunk.text)
        elif chunk.kind == "delete":
            parts.append(f"[-{chunk.text}-]")
        else:
            parts.append(f"{{+{chunk.text}+}}")
    return _spaced(parts)


def _spaced(parts: list[str]) -> str:
    text = ""
    for part in parts:
        if text and not text.endswith("\n") and not part.startswith("\n"):
            text += " "
        text += part
    return text
