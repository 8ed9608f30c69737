"""Exports: Parquet partitioned by source, and one seed-style text file per article version.

Text files are named ``NNN_<first 16 hex digits of the version's content hash>.txt``
in a folder per source. NNN is the version's ordinal within its source, counted
from 000 in the order the warehouse recorded the versions (``valid_from``, then
posting time, article id and version), so that an export run again, or after
more crawls, gives every version it already named the same name: the warehouse
only ever appends versions, and new ones are recorded later than old ones.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Tables (and the articles view) written one folder each, partitioned by source_id.
PARTITIONED = {
    "articles": "SELECT * FROM articles",
    "article_versions": "SELECT * FROM article_versions",
    "article_state": "SELECT * FROM article_state",
    "changes": "SELECT * FROM changes",
    "fetches": "SELECT * FROM fetches",
    "text_fingerprints": "SELECT * FROM text_fingerprints",
    "view_counts": "SELECT v.*, s.source_id FROM view_counts AS v JOIN article_state AS s USING (article_id)",
}
# Tables with no source, written as one file each.
SINGLE = {
    "sources": "SELECT * FROM sources",
    "runs": "SELECT * FROM runs",
    "topic_keywords": "SELECT * FROM topic_keywords",
}

TEXT_VERSIONS_SQL = """
SELECT
    v.source_id,
    row_number() OVER (
        PARTITION BY v.source_id ORDER BY v.valid_from, v.published_at, v.article_id, v.version
    ) - 1 AS ordinal,
    v.content_hash, v.article_id, v.version, v.url, v.title, v.published_at, v.lead, v.body_text,
    v.byline, v.images, s.name AS source_name
FROM article_versions AS v
LEFT JOIN sources AS s USING (source_id)
ORDER BY v.source_id, ordinal
"""

INDEX_COLUMNS = ["file", "source_id", "article_id", "version", "url", "content_hash", "published_at"]


def export_parquet(con: duckdb.DuckDBPyConnection, directory: Path) -> dict[str, Path]:
    """Write every table to ``directory``, replacing an earlier export; returns what went where."""
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, query in PARTITIONED.items():
        target = directory / name
        con.execute(
            f"COPY ({query}) TO '{_sql_path(target)}' (FORMAT parquet, PARTITION_BY (source_id), OVERWRITE true)"
        )
        written[name] = target
    for name, query in SINGLE.items():
        target = directory / f"{name}.parquet"
        con.execute(f"COPY ({query}) TO '{_sql_path(target)}' (FORMAT parquet)")
        written[name] = target
    return written


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


@dataclass(frozen=True, slots=True)
class TextVersion:
    source_id: str
    ordinal: int
    content_hash: str
    article_id: str
    version: int
    url: str
    title: str
    published_at: datetime
    lead: str | None
    body_text: str
    byline: str | None
    images: str | None
    source_name: str | None

    @property
    def file_name(self) -> str:
        return f"{self.ordinal:03d}_{self.content_hash[:16]}.txt"


def render_text(version: TextVersion) -> str:
    """The version as the seed files show a page: portal banner, title, posting line,
    lead, images with their captions, body, byline; list items marked with •."""
    posted = version.published_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %I:%M:%S %p")
    lines = [
        (version.source_name or version.source_id).upper(),
        f"  • {version.title}",
        f"  • Thời gian đăng: {posted}",
    ]
    if version.lead:
        lines.append(f"  • {version.lead}")
    blocks = []
    for image in json.loads(version.images) if version.images else []:
        blocks.append(image.get("src") or "")
        if image.get("caption"):
            blocks.append(f"({image['caption']})")
    blocks.extend(version.body_text.split("\n\n"))
    body = "\n\n".join("\n".join("    " + line for line in block.split("\n")) for block in blocks if block)
    lines.append("  • " + body.lstrip())
    if version.byline:
        lines.append(f"  • {version.byline}")
    return "\n".join(lines) + "\n"


def text_versions(con: duckdb.DuckDBPyConnection) -> list[TextVersion]:
    return [TextVersion(*row) for row in con.execute(TEXT_VERSIONS_SQL).fetchall()]


@dataclass
class TextExport:
    written: int = 0
    unchanged: int = 0
    files: list[Path] | None = None


def export_text(con: duckdb.DuckDBPyConnection, directory: Path) -> TextExport:
    """One file per article version under ``directory/<source_id>/``, and ``index.csv``.

    Files already there with the same content are left alone, so a repeated
    export writes nothing and file times keep meaning "first exported".
    """
    result = TextExport(files=[])
    index_rows = []
    for version in text_versions(con):
        path = directory / version.source_id / version.file_name
        content = render_text(version).encode("utf-8")
        if path.exists() and path.read_bytes() == content:
            result.unchanged += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            result.written += 1
        result.files.append(path)
        index_rows.append(
            [
                f"{version.source_id}/{version.file_name}",
                version.source_id,
                version.article_id,
                version.version,
                version.url,
                version.content_hash,
                version.published_at.isoformat(),
            ]
        )
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    writer.writerows(index_rows)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "index.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return result
