"""Fetch stage: httpx, politely, with retries, never raising for a bad page.

One :class:`PortalFetcher` per portal: its own client and connection pool
(a few connections: httpx slows down with many per client, and politeness
wants few anyway), a cap on simultaneous requests, a minimum spacing between
request starts, and retries with exponential backoff and jitter for
connection errors, timeouts, 429 and 5xx (honoring ``Retry-After``).
Every outcome, good or bad, comes back as a :class:`FetchResult`.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from portalwatch.config import Politeness, Source

GONE_STATUSES = frozenset({404, 410})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)
MAX_RETRY_AFTER_SECONDS = 120.0


@dataclass(slots=True)
class FetchResult:
    url: str
    kind: str  # "listing" | "article"
    fetched_at: datetime
    status: int | None
    outcome: str  # ok | gone | http_error | network_error | off_site
    error: str | None
    attempts: int
    elapsed_ms: float
    body: bytes = b""
    charset: str | None = None  # as the Content-Type header declared it

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"

    @property
    def gone(self) -> bool:
        return self.outcome == "gone"

    def text(self) -> str:
        """The body decoded by the declared charset, else the meta tag, else UTF-8."""
        encoding = self.charset
        if not encoding and (match := _META_CHARSET.search(self.body[:4096])):
            encoding = match.group(1).decode("ascii")
        try:
            return self.body.decode(encoding or "utf-8", errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")


class _Transient(Exception):
    """A response worth retrying (429, 5xx); carries its Retry-After, if any."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.retry_after = _retry_after(response.headers.get("retry-after"))
        super().__init__(f"HTTP {response.status_code}")


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds()
        except (TypeError, ValueError):
            return None
    return max(0.0, min(seconds, MAX_RETRY_AFTER_SECONDS))


class PortalFetcher:
    """Fetches the pages of one portal within its politeness limits."""

    def __init__(self, source: Source, politeness: Politeness, user_agent: str):
        self.source = source
        self.politeness = politeness
        self._client = httpx.AsyncClient(
            headers={"User-Agent": user_agent, "Accept-Language": "vi,en;q=0.5"},
            timeout=httpx.Timeout(politeness.timeout_seconds),
            limits=httpx.Limits(max_connections=politeness.concurrency, max_keepalive_connections=politeness.concurrency),
            follow_redirects=True,
            verify=source.verify_tls,
        )
        self._slots = asyncio.Semaphore(politeness.concurrency)
        self._spacing = asyncio.Lock()
        self._next_start = 0.0
        self._backoff = wait_exponential_jitter(multiplier=0.5, max=30.0, jitter=0.5)

    async def __aenter__(self) -> "PortalFetcher":
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self._client.aclose()

    async def fetch(self, url: str, kind: str) -> FetchResult:
        started = time.perf_counter()
        fetched_at = datetime.now(UTC)
        attempts = 0
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.politeness.retries),
            wait=self._wait,
            retry=retry_if_exception_type((_Transient, httpx.TransportError)),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    attempts += 1
                    response = await self._request(url)
        except _Transient as exc:
            return self._result(url, kind, fetched_at, started, attempts, exc.response, "http_error", str(exc))
        except httpx.TransportError as exc:
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return FetchResult(url, kind, fetched_at, None, "network_error", error, attempts, _ms(started))
        if urlsplit(str(response.url)).netloc not in self.source.hosts:
            return self._result(
                url, kind, fetched_at, started, attempts, response, "off_site", f"redirected off the portal to {response.url}"
            )
        if response.status_code in GONE_STATUSES:
            return self._result(url, kind, fetched_at, started, attempts, response, "gone", f"HTTP {response.status_code}")
        if response.status_code != 200:
            return self._result(url, kind, fetched_at, started, attempts, response, "http_error", f"HTTP {response.status_code}")
        return self._result(url, kind, fetched_at, started, attempts, response, "ok", None)

    async def _request(self, url: str) -> httpx.Response:
        async with self._slots:
            await self._wait_turn()
            response = await self._client.get(url)
        if response.status_code == 429 or response.status_code >= 500:
            raise _Transient(response)
        return response

    async def _wait_turn(self) -> None:
        """Space request starts at least `delay_seconds` apart on this portal."""
        if not self.politeness.delay_seconds:
            return
        async with self._spacing:
            loop = asyncio.get_running_loop()
            pause = self._next_start - loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            self._next_start = loop.time() + self.politeness.delay_seconds

    def _wait(self, retry_state: RetryCallState) -> float:
        backoff = self._backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return max(backoff, exc.retry_after)
        return backoff

    @staticmethod
    def _result(url, kind, fetched_at, started, attempts, response: httpx.Response, outcome, error) -> FetchResult:
        return FetchResult(
            url, kind, fetched_at, response.status_code, outcome, error, attempts, _ms(started),
            response.content, response.charset_encoding,
        )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
