"""The article record as the extractors build it (the profile rules and the generic
extractor alike), with the warnings a profile author should look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from portalwatch.parse.dates import LOCAL_TZ
from portalwatch.parse.fields import Credits
from portalwatch.record import EXTRACTION_PROFILE, ArticleRecord, Attachment, Image, Link

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


@dataclass(frozen=True, slots=True)
class BodyContent:
    """What an article's body was read as: its text, cleaned markup, images, links and files."""

    text: str
    html: str
    images: tuple[Image, ...]
    links: tuple[Link, ...]
    attachments: tuple[Attachment, ...]


def article_record(
    *,
    title: str,
    published_at: datetime,
    updated_at: datetime | None,
    lead: str,
    byline: str,
    credits: Credits,
    body: BodyContent,
    breadcrumb: tuple[str, ...],
    view_count: int | None,
    parser_version: str,
    rules: dict[str, str],
    rule_prefix: str = "",
    extraction: str = EXTRACTION_PROFILE,
    confidence: float = 1.0,
    notes: tuple[str, ...] = (),
) -> ArticleRecord:
    """The record of what was read; `rules` gains the rule that split the byline (after
    `rule_prefix`), the warnings are `notes` and then :func:`record_warnings`."""
    for name in ("author", "photographer", "attribution"):
        if getattr(credits, name):
            rules[name] = f"{rule_prefix}{credits.rule}"
    record = ArticleRecord(
        title=title,
        published_at=published_at,
        updated_at=updated_at,
        body_text=body.text,
        body_html=body.html,
        lead=lead,
        byline=byline,
        author=credits.author,
        photographer=credits.photographer,
        attribution=credits.attribution,
        images=body.images,
        attachments=body.attachments,
        links=body.links,
        breadcrumb=breadcrumb,
        view_count=view_count,
        parser_version=parser_version,
        extraction=extraction,
        confidence=confidence,
        rules=rules,
    )
    return replace(record, warnings=(*notes, *record_warnings(record)))


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
