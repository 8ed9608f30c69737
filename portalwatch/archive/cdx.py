"""A client of Wayback-compatible archives: the CDX index and the replay of original bytes.

Neither maintained client fits here: `wayback` (EDGI) talks only to web.archive.org (its
CDX endpoint is a module constant) and `cdx-toolkit` pages with pywb's page numbers, not
resume keys, and sleeps and retries on its own. Both use `requests`, outside the crawler's
politeness. So the archive is fetched like any portal, through :class:`PortalFetcher`:
per-host concurrency and delay, Retry-After, retries with backoff and the circuit breaker
apply to it as configured under ``[archives.NAME]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode, urlsplit

from portalwatch.config import Archive, Section, Source
from portalwatch.errors import PortalwatchError
from portalwatch.fetch import FetchResult, PortalFetcher

# The replay URL of a capture: <replay_url>/<timestamp>id_/<original URL>.
_REPLAYED = re.compile(r"/(?P<timestamp>\d{1,14})id_/(?P<url>https?:/.*)$")


class ArchiveError(PortalwatchError):
    """An archive's index could not be read."""

    def __init__(self, url: str, message: str):
        super().__init__(f"{url}: {message}")


@dataclass(frozen=True, slots=True)
class CdxRow:
    urlkey: str
    timestamp: str
    original: str
    statuscode: str
    digest: str
    mimetype: str = "-"
    length: str = "-"

    @property
    def revisit(self) -> bool:
        return self.mimetype == "warc/revisit" or self.statuscode == "-"

    @property
    def payload_digest(self) -> str:
        return self.digest if self.digest.startswith("sha1:") else f"sha1:{self.digest}"


def archive_source(name: str, archive: Archive) -> Source:
    """The archive as the fetcher sees a site: its hosts (CDX and replay), nothing else of a portal's."""
    return Source(
        id=f"archive-{name}",
        name=f"web archive {name}",
        level="province",
        profile="generic",
        base_url=archive.replay_url,
        sections=[Section(name="cdx", listing_url=archive.cdx_url + "?page={page}")],
    )


def replay_url(archive: Archive, row: CdxRow) -> str:
    return f"{archive.replay_url}/{row.timestamp}id_/{row.original}"


def replayed(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a replay URL, or None for another URL."""
    match = _REPLAYED.search(urlsplit(url)._replace(scheme="", netloc="").geturl())
    if match is None:
        return None
    return match["timestamp"], re.sub(r"^(https?:/)(?!/)", r"\1/", match["url"])


class CdxClient:
    """Lists an archive's captures of a host, page by page (resume keys), collapsed by digest."""

    def __init__(self, archive: Archive, fetcher: PortalFetcher):
        self.archive, self.fetcher = archive, fetcher
        self.pages = 0

    async def captures(self, host: str, since: date | None = None, until: date | None = None) -> list[CdxRow]:
        query = {
            "url": f"{host}/",
            "matchType": "prefix",
            "output": "json",
            "collapse": "digest",
            "limit": str(self.archive.page_size),
            "showResumeKey": "true",
        }
        if since:
            query["from"] = since.strftime("%Y%m%d")
        if until:
            query["to"] = until.strftime("%Y%m%d")
        rows: list[CdxRow] = []
        while True:
            url = f"{self.archive.cdx_url}?{urlencode(query)}"
            result = await self.fetcher.fetch(url, "cdx")
            page, resume_key = _page(url, result)
            self.pages += 1
            rows += page
            if not resume_key:
                return rows
            query["resumeKey"] = resume_key

    async def replay(self, row: CdxRow) -> FetchResult:
        """The capture's original bytes; a redirect capture is followed to the capture it points at."""
        return await self.fetcher.fetch(replay_url(self.archive, row), "article")


def _page(url: str, result: FetchResult) -> tuple[list[CdxRow], str | None]:
    """The rows of one CDX answer (output=json), and its resume key when more follow."""
    if not result.ok:
        raise ArchiveError(url, f"the CDX index did not answer: {result.error or result.outcome}")
    if not result.body.strip():
        return [], None
    try:
        data = json.loads(result.body)
    except ValueError as exc:
        raise ArchiveError(url, f"not a CDX JSON answer: {exc}") from None
    if not data:
        return [], None
    resume_key = None
    if len(data) >= 2 and data[-2] == [] and len(data[-1]) == 1:
        resume_key, data = data[-1][0], data[:-2]
    fields = data[0]
    missing = {"timestamp", "original", "statuscode", "digest"} - set(fields)
    if missing:
        raise ArchiveError(url, f"CDX answer lacks the fields {sorted(missing)} (got {fields})")
    known = set(CdxRow.__dataclass_fields__)
    rows = [
        CdxRow(
            **{key: value for key, value in zip(fields, row, strict=False) if key in known}
            | {"urlkey": row[0]}
        )
        for row in data[1:]
    ]
    return rows, resume_key
