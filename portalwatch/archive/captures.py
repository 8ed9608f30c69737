"""Captures of a portal's pages taken by someone else (a web archive, a WARC file), recorded
as the crawl records what it fetches live: the same parse and record hash decide versions, so
an archived version and a live one compare.

A capture carries its capture time, which becomes the observation time of what it shows.
Captures are loaded in time order, one capture per article per load, so an article's
versions follow one another as the captures saw them; a 404 capture is evidence that the
article had been removed by then. Captures older than what the warehouse has already seen
of an article are not loaded (its history would be out of order) and are counted.
"""

from __future__ import annotations

import base64
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from portalwatch.config import Source, SourcesConfig
from portalwatch.fetch import Outcome
from portalwatch.model import FetchRow, Gone, Observation, PortalCrawl, source_row
from portalwatch.pagework import article_page
from portalwatch.parse.profile import get_profile
from portalwatch.record import article_id
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Capture:
    """One archived answer for a URL of a portal."""

    url: str  # the portal's own URL
    captured_at: datetime  # aware
    status: int | None  # HTTP status the archive recorded; None when the capture could not be fetched
    body: bytes
    via: str  # archive | warc
    archive: str  # the archive's name, or the WARC file
    digest: str | None = None  # sha1:BASE32 of the body
    charset: str | None = None
    kind: str = "article"
    outcome: str | None = None  # set when the capture is not a page: a failed fetch of it
    error: str | None = None
    attempts: int = 1
    elapsed_ms: float = 0.0
    redirected_home: bool = False  # a redirect to the portal's home page: the article was removed
    final_url: str | None = None  # where a redirect capture led

    @property
    def timestamp(self) -> str:
        return capture_timestamp(self.captured_at)


def payload_digest(body: bytes) -> str:
    """The digest web archives index a payload by: SHA-1, base 32."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def capture_timestamp(moment: datetime) -> str:
    """The 14-digit UTC timestamp of CDX indexes and replay URLs."""
    return moment.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def parse_timestamp(value: str) -> datetime:
    """A CDX timestamp (1 to 14 digits; missing parts are the earliest) as an aware UTC datetime."""
    if not value.isdigit() or not 4 <= len(value) <= 14:
        raise ValueError(f"not a CDX timestamp: {value!r}")
    padded = value + "0101000000"[len(value) - 4 :] if len(value) < 14 else value
    return datetime.strptime(padded, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


@dataclass
class CaptureSummary:
    captures: int = 0
    created: int = 0
    updated: int = 0
    reparsed: int = 0
    removed: int = 0
    restored: int = 0
    unchanged: int = 0
    failed: int = 0
    older_than_stored: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class CaptureLoader:
    """Parses a portal's captures and loads them into the warehouse in time order."""

    def __init__(
        self, warehouse: Warehouse, run_id: str, source: Source, config: SourcesConfig, raw_store: RawStore
    ):
        self.warehouse, self.run_id, self.source, self.raw_store = warehouse, run_id, source, raw_store
        self.profile = get_profile(source.profile, config.settings.profile_dirs)

    def load(self, captures: Iterable[Capture]) -> CaptureSummary:
        summary = CaptureSummary()
        last_seen = self.warehouse.last_seen(self.source.id)
        # Per article, its events in time order; each event travels with its fetch row.
        events: dict[str, list[tuple[Observation | Gone, FetchRow]]] = defaultdict(list)
        loose: list[FetchRow] = []  # fetches that record no event (listing pages, failures, older captures)
        for capture in sorted(captures, key=lambda c: c.captured_at):
            summary.captures += 1
            event, fetch = self._event(capture, summary)
            key = article_id(self.source.id, capture.url)
            if event is not None and key in last_seen and capture.captured_at <= last_seen[key]:
                summary.older_than_stored += 1
                event = None
            if event is None:
                loose.append(fetch)
            else:
                events[key].append((event, fetch))
        self.raw_store.flush()  # the pages on disk before the load names them
        rounds = max((len(items) for items in events.values()), default=0)
        for index in range(max(rounds, 1)):
            batch = [items[index] for items in events.values() if index < len(items)]
            fetches = [fetch for _, fetch in batch] + (loose if index == 0 else [])
            crawl = PortalCrawl(
                source_row(self.source),
                fetches,
                [event for event, _ in batch if isinstance(event, Observation)],
                gone=[event for event, _ in batch if isinstance(event, Gone)],
            )
            loaded = self.warehouse.load_portal(self.run_id, crawl)
            for name in ("created", "updated", "reparsed", "removed", "restored", "unchanged"):
                setattr(summary, name, getattr(summary, name) + getattr(loaded, name))
        return summary

    def _event(self, capture: Capture, summary: CaptureSummary) -> tuple[Observation | Gone | None, FetchRow]:
        """What a capture says about its article, and its fetch row."""
        if capture.outcome is not None:
            summary.failed += 1
            summary.failures.append((capture.url, capture.error or capture.outcome))
            return None, self._fetch_row(capture, capture.outcome, capture.error, None)
        if capture.status in GONE_STATUSES or capture.redirected_home:
            raw_hash = self.raw_store.put(capture.body)[0] if capture.body else None
            event = Gone(article_id(self.source.id, capture.url), capture.url, capture.captured_at)
            return (event if capture.kind == "article" else None), self._fetch_row(
                capture, Outcome.GONE, None, raw_hash
            )
        if capture.status != 200 or capture.kind != "article":
            raw_hash = self.raw_store.put(capture.body)[0] if capture.body else None
            # A redirect capture is recorded; the page it led to is a capture of its own.
            answered = capture.status == 200 or (capture.status or 0) // 100 == 3
            outcome, error = (
                (Outcome.OK, None) if answered else (Outcome.HTTP_ERROR, f"HTTP {capture.status}")
            )
            if outcome != Outcome.OK:
                summary.failed += 1
                summary.failures.append((capture.url, error))
            return None, self._fetch_row(capture, outcome, error, raw_hash)
        page = article_page(capture.body, capture.charset, capture.url, self.profile)
        self.raw_store.put_packed(page.packed)
        if page.record is None:
            summary.failed += 1
            summary.failures.append((capture.url, page.error))
            return None, self._fetch_row(
                capture, Outcome.EXTRACTION_FAILED, page.error, page.raw_hash, page.charset
            )
        record = page.record
        observation = Observation(
            article_id(self.source.id, capture.url),
            capture.url,
            record,
            record.content_hash,
            page.raw_hash,
            capture.captured_at,
            False,
            page.fingerprint,
            page.references,
        )
        return observation, self._fetch_row(capture, Outcome.OK, None, page.raw_hash, page.charset)

    def _fetch_row(
        self,
        capture: Capture,
        outcome: str,
        error: str | None,
        raw_hash: str | None,
        charset: str | None = None,
    ) -> FetchRow:
        return FetchRow(
            self.source.id,
            capture.url,
            capture.kind,
            capture.captured_at,
            capture.status,
            outcome,
            error,
            capture.attempts,
            capture.elapsed_ms,
            len(capture.body),
            raw_hash,
            None,
            capture.final_url,
            charset or capture.charset,
            False,
            True,
            capture.via,
            capture.archive,
            capture.timestamp,
            None
            if capture.outcome
            else capture.digest or (payload_digest(capture.body) if capture.body else None),
        )


def page_kind(source: Source, url: str) -> str:
    """What a captured page is, by its URL: robots.txt, a listing (its section's path, the home page), else an article."""
    path = urlsplit(url).path
    if path.endswith("/robots.txt"):
        return "robots"
    listing_paths = {urlsplit(section.listing_url).path for section in source.sections}
    return "listing" if path in listing_paths or path in source.home_paths else "article"
