"""Fetch stage: httpx, politely and resiliently, never raising for a bad page.

One :class:`PortalFetcher` per portal and run. For each host of the portal it
keeps

- the host's robots.txt (fetched once, parsed by Protego; ``Crawl-delay`` and
  ``Request-rate`` lengthen the spacing between requests; a disallowed URL is
  recorded, not fetched; an unreachable robots.txt means "disallow all" for
  the run, as RFC 9309 says);
- a cap on simultaneous requests and a minimum spacing between requests, measured
  from the moment each one's headers went out (a 429's ``Retry-After`` pauses the
  whole host, not just the one request). These two are the host's, not the portal's:
  every fetcher that talks to the host shares them, in this process and in the
  machine's others (:mod:`portalwatch.hostshare`), under the strictest delay asked;
- a :class:`~portalwatch.breaker.CircuitBreaker`, so a host that is down is
  waited for a while and then skipped, and the outage recorded.

Each request has connect, read and total timeouts and a body size cap, and is
retried with exponential backoff and jitter on connection errors, timeouts,
429 and 5xx (honoring ``Retry-After``). Redirects are followed by hand, only
within the portal's hosts; a redirect to the portal's home page is the
portal's way of saying an article is gone. Conditional requests send the
stored ``ETag`` / ``Last-Modified``; a 304 comes back as ``not_modified``.
A caller that can tell a page of its kind passes a judge: a 200 answer it
refuses (a maintenance notice, a soft-404, an error page...) is fetched again
like a transient failure, and comes back as ``not_a_listing`` (or article,
document) with the judge's reason when every attempt was refused.

Every outcome, good or bad, comes back as a :class:`FetchResult`.

The client is httpx's; its connections are aiohttp's pool (httpx-aiohttp's
transport, which spends less CPU per request: benchmarks/run.py, figure g) or httpx's
own, as the politeness' ``transport`` says. Both raise the same httpx errors for the same
failures, so every outcome above reads the same whichever carries the requests.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import logging
import os
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import NoReturn
from urllib.parse import urljoin, urlsplit, urlunsplit

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from protego import Protego
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    retry_if_result,
    stop_after_attempt,
    wait_exponential_jitter,
)

from portalwatch.breaker import CircuitBreaker, CircuitOpen, Outage
from portalwatch.charset import decode_html
from portalwatch.config import Politeness, Source
from portalwatch.errors import WrongPage
from portalwatch.hostshare import SharedHost, hosts_dir, shared_host
from portalwatch.pagework import requesting

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_RETRY_AFTER_SECONDS = 120.0


class Outcome:
    """What became of a fetch: the values of ``fetches.outcome``."""

    OK = "ok"
    NOT_MODIFIED = "not_modified"  # 304 to a conditional request
    GONE = "gone"  # 404, 410, or a redirect to the portal's home page
    HTTP_ERROR = "http_error"  # any other status, or 429/5xx after every attempt
    NETWORK_ERROR = "network_error"  # connection refused or reset, protocol error, truncated body
    TIMEOUT = "timeout"  # connect, read or total timeout on every attempt
    TOO_LARGE = "too_large"  # body above max_body_bytes
    OFF_SITE = "off_site"  # redirected away from the portal's hosts
    REDIRECT_LOOP = "redirect_loop"  # a redirect back to a URL already visited, or too many
    ROBOTS_DISALLOWED = "robots_disallowed"  # robots.txt forbids it: not fetched
    ROBOTS_UNAVAILABLE = "robots_unavailable"  # robots.txt unreachable: nothing fetched from the host
    CIRCUIT_OPEN = "circuit_open"  # the host was down and the run stopped waiting: not fetched
    EXTRACTION_FAILED = (
        "extraction_failed"  # an article or document page whose fields cannot be read (set by the crawl)
    )
    # Answered 200, but not the page asked for: a maintenance notice, a soft-404, an error page
    # reached by redirect, an empty or cut body, a page of another kind.
    NOT_A_LISTING = "not_a_listing"
    NOT_AN_ARTICLE = "not_an_article"
    NOT_A_DOCUMENT = "not_a_document"


# The outcome of a page of each kind that is not the page asked for.
WRONG_PAGE_OUTCOMES = {
    "listing": Outcome.NOT_A_LISTING,
    "article": Outcome.NOT_AN_ARTICLE,
    "document": Outcome.NOT_A_DOCUMENT,
    "attachment": Outcome.NOT_A_DOCUMENT,  # a document's file
}
# Outcomes that may go another way on a later attempt (the crawl retries them once at the end of a run).
TRANSIENT_OUTCOMES = frozenset(
    {Outcome.HTTP_ERROR, Outcome.NETWORK_ERROR, Outcome.TIMEOUT, *WRONG_PAGE_OUTCOMES.values()}
)

# Judges a page (or file) that answered 200: raises WrongPage when it is not the one asked for.
PageJudge = Callable[["FetchResult"], None]


@dataclass(slots=True)
class FetchResult:
    url: str
    kind: str  # "listing" | "article" | "robots"
    fetched_at: datetime
    status: int | None
    outcome: str
    error: str | None
    attempts: int
    elapsed_ms: float
    body: bytes = b""
    charset: str | None = None  # as the Content-Type header declared it
    error_class: str | None = None  # exception class or "HTTP nnn" behind a failure
    final_url: str | None = None  # after redirects
    etag: str | None = None
    last_modified: str | None = None
    conditional: bool = False  # validators were sent
    tls_verified: bool = True
    _decoded: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK

    @property
    def gone(self) -> bool:
        return self.outcome == Outcome.GONE

    @property
    def not_modified(self) -> bool:
        return self.outcome == Outcome.NOT_MODIFIED

    def text(self) -> str:
        """The body decoded: BOM, else valid UTF-8, else the declared or meta charset, else detection."""
        if self._decoded is None:
            self._decoded = decode_html(self.body, self.charset)
        return self._decoded[0]

    @property
    def decoded_charset(self) -> str | None:
        """The charset the body was (or is now) decoded with; None without a body, and for a
        document's attached file, which is read as bytes and never as a page (detecting the
        charset of a PDF's bytes took milliseconds of the event loop and named a charset the
        file does not have)."""
        if not self.body or self.kind == "attachment":
            return None
        self.text()
        return self._decoded[1]


@dataclass(frozen=True, slots=True)
class Validators:
    """What a portal said identifies a page's version, to send back on the next visit."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class _Transient(Exception):
    """A response worth retrying (429, 5xx); carries its Retry-After, if any."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.retry_after = _retry_after(response.headers.get("retry-after"))
        super().__init__(f"HTTP {response.status_code}")


class _TotalTimeout(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"no complete response within {seconds:g} s")


class _TooLarge(Exception):
    def __init__(self, limit: int, response: httpx.Response):
        self.response = response
        super().__init__(f"body larger than {limit} bytes")


# What a response's stream is once its body is read.
_READ = httpx.ByteStream(b"")

# The failures of a request that another attempt may not meet.
_RETRIED = (_Transient, httpx.TransportError, _TotalTimeout)


@dataclass(slots=True)
class _Answer:
    """One HTTP exchange that produced a response."""

    response: httpx.Response
    body: bytes


@functools.cache
def _tls_context(verify: bool, cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """One TLS context per process (and trust settings): loading the trusted authorities costs
    tens of milliseconds, once per portal otherwise."""
    return httpx.create_ssl_context(verify=verify)


# Called when the request headers of the running task's exchange went out (aiohttp's trace signal).
_ON_THE_WIRE: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "on_the_wire", default=None
)
# aiohttp caps one header line at 8 KiB; httpx's own transport reads header blocks of up to 100 KiB.
_MAX_HEADER_BYTES = 100 * 1024


async def _headers_sent(session, context, params) -> None:
    """aiohttp signals the headers before it writes them (in the same step of the task, the
    request having no body): the host's spacing counts from just after the write."""
    on_the_wire = _ON_THE_WIRE.get()
    if on_the_wire is not None:
        asyncio.get_running_loop().call_soon(on_the_wire)


def _httpx_error(exc: BaseException) -> Exception | None:
    """The httpx error httpx's own transport raises for an aiohttp failure (None: not one).
    httpx-aiohttp's mapping is coarser: a refused connection or a reset would read as timeouts."""
    message = str(exc) or type(exc).__name__
    match exc:
        case aiohttp.ConnectionTimeoutError():
            return httpx.ConnectTimeout(message)
        case aiohttp.ServerTimeoutError():
            return httpx.ReadTimeout(message)
        case aiohttp.ClientConnectorError():
            return httpx.ConnectError(message)
        case aiohttp.ServerDisconnectedError():
            return httpx.RemoteProtocolError("Server disconnected without sending a response.")
        case aiohttp.ClientPayloadError():
            return httpx.RemoteProtocolError(f"incomplete message body: {message}")
        case aiohttp.ClientResponseError():
            return httpx.RemoteProtocolError(message)
        case aiohttp.ClientConnectionError():
            return httpx.ReadError(message)
        case aiohttp.ClientError() | OSError():
            return httpx.NetworkError(message)
    return None


def _reraise_as_httpx(exc: Exception) -> NoReturn:
    cause = exc.__cause__ if isinstance(exc, httpx.TransportError) and exc.__cause__ else exc
    mapped = _httpx_error(cause)
    if mapped is None:
        raise exc
    raise mapped from cause


class _AiohttpBody(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.AsyncByteStream):
        self._stream = stream

    async def __aiter__(self):
        try:
            async for chunk in self._stream:
                yield chunk
        except (httpx.TransportError, aiohttp.ClientError, OSError) as exc:
            _reraise_as_httpx(exc)

    async def aclose(self) -> None:
        await self._stream.aclose()


class _AiohttpTransport(AiohttpTransport):
    """httpx-aiohttp's transport, raising httpx's errors as httpx's own transport does,
    telling `_ON_THE_WIRE` when the headers went out, and leaving cookies to httpx."""

    def get_client(self) -> aiohttp.ClientSession:
        trace = aiohttp.TraceConfig()
        trace.on_request_headers_sent.append(_headers_sent)
        connector = aiohttp.TCPConnector(
            limit=self.limits.max_connections or 0,
            keepalive_timeout=self.limits.keepalive_expiry,
            ssl=self.ssl_context,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            trace_configs=[trace],
            max_line_size=_MAX_HEADER_BYTES,
            max_field_size=_MAX_HEADER_BYTES,
        )
        # aiohttp sends a GET again, unseen, when its connection drops (as its own test client,
        # this turns that off): every attempt must be one request, spaced, counted by the breaker.
        session._retry_connection = False
        return session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            response = await super().handle_async_request(request)
        except (httpx.TransportError, aiohttp.ClientError, OSError) as exc:
            _reraise_as_httpx(exc)
        response.stream = _AiohttpBody(response.stream)
        return response


class _Cookies(httpx.Cookies):
    """httpx's cookies, read from an answer only when it sets one: the urllib request and response
    that httpx wraps around every answer for the cookie jar cost more than the rest of its reading."""

    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers or "set-cookie2" in response.headers:
            super().extract_cookies(response)


class _Client(httpx.AsyncClient):
    """httpx's client, keeping its cookies in `_Cookies`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._cookies = _Cookies(self._cookies)


@functools.lru_cache(maxsize=256)
def _declared_charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header declares, as httpx reads it (``Response.charset_encoding``),
    read once per header value: httpx parses it with the email package, for every answer."""
    if content_type is None:
        return None
    return httpx.Response(200, headers={"content-type": content_type}).charset_encoding


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


def _error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Host:
    """A fetcher's state for one host: robots rules and circuit. The spacing between request
    starts and the cap on simultaneous requests are the host's, shared with every other
    fetcher that talks to it, in this process and others (:mod:`portalwatch.hostshare`)."""

    def __init__(self, host: str, politeness: Politeness, shared: SharedHost):
        self.host = host
        self.shared = shared
        self.delay = politeness.delay_seconds  # this fetcher's: the host keeps the strictest
        shared.join(self, self.delay, politeness.concurrency)
        self.robots: Protego | None = None
        self.robots_error: str | None = None  # robots.txt unreachable: why
        self.robots_lock = asyncio.Lock()
        self.robots_checked = False
        self.breaker = CircuitBreaker(
            host,
            politeness.breaker_threshold,
            politeness.breaker_cooldown_seconds,
            politeness.outage_wait_seconds,
        )


class PortalFetcher:
    """Fetches the pages of one portal within its politeness limits."""

    def __init__(
        self, source: Source, politeness: Politeness, user_agent: str, robots_agent: str | None = None
    ):
        self.source = source
        self._portal_hosts = source.hosts  # read for every request and redirect
        self.politeness = politeness
        self.robots_agent = robots_agent or user_agent.split("/", 1)[0].split()[0]
        self.robots_fetches: list[FetchResult] = []
        if not source.verify_tls:
            log.warning(
                "%s: TLS certificate verification is OFF for this portal (verify_tls = false); "
                "its pages could be intercepted",
                source.id,
            )
        limits = httpx.Limits(
            max_connections=politeness.concurrency * len(self._portal_hosts),
            max_keepalive_connections=politeness.concurrency * len(self._portal_hosts),
        )
        tls = _tls_context(source.verify_tls, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        self._client = _Client(
            headers={"User-Agent": user_agent, "Accept-Language": "vi,en;q=0.5"},
            timeout=httpx.Timeout(
                connect=politeness.connect_timeout_seconds,
                read=politeness.timeout_seconds,
                write=politeness.timeout_seconds,
                pool=politeness.total_timeout_seconds,
            ),
            limits=limits,
            follow_redirects=False,
            verify=tls,
            transport=_AiohttpTransport(verify=tls, limits=limits)
            if politeness.transport == "aiohttp"
            else None,
        )
        self._hosts: dict[str, _Host] = {}
        self._hosts_dir = hosts_dir()  # where hosts are spaced with the machine's other processes
        self._backoff = wait_exponential_jitter(
            multiplier=politeness.backoff_seconds,
            max=politeness.backoff_max_seconds,
            jitter=politeness.backoff_seconds,
        )

    async def __aenter__(self) -> PortalFetcher:
        return self

    async def __aexit__(self, *exc_info) -> None:
        for host in self._hosts.values():
            host.shared.leave(host)
        await self._client.aclose()

    @property
    def outages(self) -> list[Outage]:
        return [outage for host in self._hosts.values() for outage in host.breaker.outages]

    def host_gave_up(self, url: str) -> bool:
        """Whether the run stopped waiting for the host of `url` (it is down)."""
        host = self._hosts.get(urlsplit(url).netloc)
        return bool(host and host.breaker.gave_up)

    def _host(self, netloc: str) -> _Host:
        if netloc not in self._hosts:
            self._hosts[netloc] = _Host(netloc, self.politeness, shared_host(netloc, self._hosts_dir))
        return self._hosts[netloc]

    # -------------------------------------------------------------- fetch

    async def fetch(
        self, url: str, kind: str, validators: Validators | None = None, judge: PageJudge | None = None
    ) -> FetchResult:
        """Fetch one page, following redirects within the portal; never raises for a bad page.

        With a `judge`, a page it refuses is fetched again (with backoff, up to the
        politeness' `retries` times, redirects and all), as a transient failure is.
        """
        with requesting():
            return await self._fetch_judged(url, kind, validators, judge)

    async def _fetch_judged(
        self, url: str, kind: str, validators: Validators | None, judge: PageJudge | None
    ) -> FetchResult:
        if judge is None:
            return await self._fetch(url, kind, validators)
        attempts = 0

        async def judged() -> FetchResult:
            nonlocal attempts
            result = await self._fetch(url, kind, validators)
            attempts += result.attempts
            result.attempts = attempts
            if result.ok:
                try:
                    judge(result)
                except WrongPage as refused:
                    result.outcome, result.error, result.error_class = (
                        WRONG_PAGE_OUTCOMES[kind],
                        refused.reason,
                        "WrongPage",
                    )
            return result

        # The first attempt outside tenacity: most pages are taken at once, and a retry state
        # (tenacity's objects hold each other in a cycle) would be left for the garbage
        # collector on every page. A refused page is handed to tenacity as its first attempt.
        first: FetchResult | None = await judged()
        if first.outcome != WRONG_PAGE_OUTCOMES[kind]:
            return first

        async def attempt() -> FetchResult:
            nonlocal first
            if first is not None:
                replayed, first = first, None
                return replayed
            return await judged()

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.politeness.retries),
            wait=self._backoff,
            retry=retry_if_result(lambda result: result.outcome == WRONG_PAGE_OUTCOMES[kind]),
            retry_error_callback=lambda state: state.outcome.result(),
        )
        return await retrying(attempt)

    async def _fetch(self, url: str, kind: str, validators: Validators | None) -> FetchResult:
        started = time.perf_counter()
        fetched_at = datetime.now(UTC)
        headers = validators.headers() if validators else {}
        result = FetchResult(
            url,
            kind,
            fetched_at,
            None,
            Outcome.OK,
            None,
            0,
            0.0,
            conditional=bool(headers),
            tls_verified=self.source.verify_tls,
        )
        seen = {url}
        current = url
        for _hop in range(self.politeness.max_redirects + 1):
            netloc = urlsplit(current).netloc
            if netloc not in self._portal_hosts:
                return self._done(
                    result,
                    started,
                    Outcome.OFF_SITE,
                    f"redirected off the portal to {current}",
                    final_url=current,
                )
            host = self._host(netloc)
            refusal = await self._robots_refusal(host, current)
            if refusal is not None:
                return self._done(result, started, *refusal, final_url=current)
            answer = await self._attempts(host, current, headers, result, started)
            if isinstance(answer, FetchResult):
                return answer
            response = answer.response
            result.status = response.status_code
            if response.status_code not in REDIRECT_STATUSES or "location" not in response.headers:
                return self._answered(result, started, answer, current)
            target = _absolute(current, response.headers["location"])
            if self._is_home(target):
                return self._done(
                    result,
                    started,
                    Outcome.GONE,
                    f"HTTP {response.status_code} redirect to the home page {target}",
                    final_url=target,
                    error_class="redirect_home",
                )
            if target in seen:
                return self._done(
                    result,
                    started,
                    Outcome.REDIRECT_LOOP,
                    f"redirect loop back to {target}",
                    final_url=target,
                    error_class="redirect_loop",
                )
            seen.add(target)
            current = target
        return self._done(
            result,
            started,
            Outcome.REDIRECT_LOOP,
            f"more than {self.politeness.max_redirects} redirects",
            final_url=current,
            error_class="too_many_redirects",
        )

    def _answered(self, result: FetchResult, started: float, answer: _Answer, url: str) -> FetchResult:
        response = answer.response
        result.body = answer.body
        result.charset = _declared_charset(response.headers.get("content-type"))
        result.final_url = url
        result.etag = response.headers.get("etag")
        result.last_modified = response.headers.get("last-modified")
        status = response.status_code
        if status == 304 and result.conditional:
            return self._done(result, started, Outcome.NOT_MODIFIED, None)
        if status in GONE_STATUSES:
            return self._done(result, started, Outcome.GONE, f"HTTP {status}", error_class=f"HTTP {status}")
        if status != 200:
            return self._done(
                result, started, Outcome.HTTP_ERROR, f"HTTP {status}", error_class=f"HTTP {status}"
            )
        return self._done(result, started, Outcome.OK, None)

    @staticmethod
    def _done(
        result: FetchResult,
        started: float,
        outcome: str,
        error: str | None,
        *,
        final_url: str | None = None,
        error_class: str | None = None,
    ) -> FetchResult:
        result.outcome = outcome
        result.error = error
        result.elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
        if final_url is not None:
            result.final_url = final_url
        if error_class is not None:
            result.error_class = error_class
        return result

    async def _attempts(
        self, host: _Host, url: str, headers: dict, result: FetchResult, started: float
    ) -> _Answer | FetchResult:
        """One request, retried on transient failures; a FetchResult when it failed for good.

        The first attempt runs outside tenacity (as in `_fetch_judged`); when it fails in a way
        worth retrying, its failure is tenacity's first attempt, and tenacity decides the rest.
        """
        first: BaseException | None = None
        try:
            try:
                return await self._request(host, url, headers, result)
            except _RETRIED as exc:
                first = exc
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.politeness.retries),
                wait=self._wait,
                retry=retry_if_exception_type(_RETRIED),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    if first is not None:
                        failed, first = first, None
                        raise failed
                    return await self._request(host, url, headers, result)
        except (
            CircuitOpen,
            _TooLarge,
            _Transient,
            httpx.TimeoutException,
            _TotalTimeout,
            httpx.TransportError,
            httpx.DecodingError,
            httpx.InvalidURL,
        ) as exc:
            return self._failed(result, started, url, exc)
        raise AssertionError("unreachable: tenacity either returns or reraises")

    def _failed(self, result: FetchResult, started: float, url: str, exc: Exception) -> FetchResult:
        """The fetch's result when its request failed for good, by what failed."""
        match exc:
            case CircuitOpen():
                return self._done(
                    result, started, Outcome.CIRCUIT_OPEN, str(exc), final_url=url, error_class="CircuitOpen"
                )
            case _TooLarge():
                result.status = exc.response.status_code
                return self._done(
                    result, started, Outcome.TOO_LARGE, str(exc), final_url=url, error_class="TooLarge"
                )
            case _Transient():
                result.status = exc.response.status_code
                result.charset = exc.response.charset_encoding
                return self._done(
                    result, started, Outcome.HTTP_ERROR, str(exc), final_url=url, error_class=str(exc)
                )
            case httpx.TimeoutException() | _TotalTimeout():
                return self._done(
                    result,
                    started,
                    Outcome.TIMEOUT,
                    _error_text(exc),
                    final_url=url,
                    error_class=type(exc).__name__.lstrip("_"),
                )
            case httpx.DecodingError():
                # The server's answer, not the connection: asking again gets the same bytes.
                return self._done(
                    result,
                    started,
                    Outcome.NETWORK_ERROR,
                    f"the body does not decode as its Content-Encoding says: {exc}",
                    final_url=url,
                    error_class="DecodingError",
                )
            case httpx.InvalidURL():
                # httpx reads a redirect's Location as it answers; one that is no web address
                # (javascript:, mailto:) cannot be followed, and leads nowhere on the portal.
                return self._done(
                    result,
                    started,
                    Outcome.OFF_SITE,
                    f"redirected to an address that is no web page ({exc})",
                    final_url=url,
                    error_class="InvalidURL",
                )
        return self._done(
            result,
            started,
            Outcome.NETWORK_ERROR,
            _error_text(exc),
            final_url=url,
            error_class=type(exc).__name__,
        )

    async def _request(self, host: _Host, url: str, headers: dict, result: FetchResult) -> _Answer:
        probe = False
        try:
            async with host.shared.slot():
                # Admission is decided with a slot in hand: requests queued for a slot
                # before the circuit opened must not go out after it did.
                probe = await host.breaker.admit()
                async with host.shared.turn() as on_the_wire:
                    result.attempts += 1
                    try:
                        async with asyncio.timeout(self.politeness.total_timeout_seconds):
                            answer = await self._exchange(url, headers, on_the_wire)
                    except TimeoutError:
                        raise _TotalTimeout(self.politeness.total_timeout_seconds) from None
        except (httpx.TransportError, _TotalTimeout) as exc:
            host.breaker.failed(_error_text(exc), probe)
            raise
        except _TooLarge:
            host.breaker.succeeded(probe)
            raise
        except BaseException:
            if probe:
                host.breaker.released()
            raise
        status = answer.response.status_code
        if status >= 500:
            host.breaker.failed(f"HTTP {status}", probe)
        else:
            host.breaker.succeeded(probe)
        if status >= 500 or status == 429:
            transient = _Transient(answer.response)
            if transient.retry_after is not None:
                host.shared.pause(transient.retry_after)
            elif status == 429:
                host.shared.pause(self.politeness.backoff_seconds)
            raise transient
        return answer

    async def _exchange(self, url: str, headers: dict, on_the_wire: Callable[[], None]) -> _Answer:
        async def trace(event: str, info: dict) -> None:
            if event.endswith("send_request_headers.complete"):
                on_the_wire()

        limit = self.politeness.max_body_bytes
        token = _ON_THE_WIRE.set(on_the_wire)  # the aiohttp transport's trace
        try:
            async with self._client.stream(
                "GET", url, headers=headers, extensions={"trace": trace}
            ) as response:
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise _TooLarge(limit, response)
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _TooLarge(limit, response)
                    chunks.append(chunk)
        finally:
            _ON_THE_WIRE.reset(token)
        response.stream = _READ  # httpx's stream and its response name each other: a cycle less
        return _Answer(response, b"".join(chunks))

    def _wait(self, retry_state: RetryCallState) -> float:
        backoff = self._backoff(retry_state)
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, _Transient) and exc.retry_after is not None:
            return max(backoff, exc.retry_after)
        return backoff

    # -------------------------------------------------------------- robots.txt and redirects

    async def _robots_refusal(self, host: _Host, url: str) -> tuple[str, str] | None:
        """(outcome, reason) when robots.txt keeps us from fetching `url`, else None."""
        async with host.robots_lock:
            if not host.robots_checked:
                await self._load_robots(host, url)
                host.robots_checked = True
        if host.robots_error is not None:
            return (
                Outcome.ROBOTS_UNAVAILABLE,
                f"robots.txt of {host.host} unreachable ({host.robots_error}): nothing fetched",
            )
        if host.robots is not None and not host.robots.can_fetch(url, self.robots_agent):
            return Outcome.ROBOTS_DISALLOWED, f"disallowed by robots.txt of {host.host}"
        return None

    async def _load_robots(self, host: _Host, url: str) -> None:
        parts = urlsplit(url)
        robots_url = urlunsplit((parts.scheme, parts.netloc, "/robots.txt", "", ""))
        started = time.perf_counter()
        result = FetchResult(
            robots_url,
            "robots",
            datetime.now(UTC),
            None,
            Outcome.OK,
            None,
            0,
            0.0,
            tls_verified=self.source.verify_tls,
        )
        answer = await self._attempts(host, robots_url, {}, result, started)
        if isinstance(answer, FetchResult):
            if answer.outcome == Outcome.TOO_LARGE:
                pass  # as if there were none: the rules cannot be read
            else:
                host.robots_error = answer.error
        else:
            self._answered(result, started, answer, robots_url)
            status = answer.response.status_code
            if status == 200:
                host.robots = Protego.parse(result.text())
                self._apply_crawl_delay(host)
            elif status >= 500 or status == 429:
                host.robots_error = f"HTTP {status}"
            # Any other answer (404, 403, a redirect): no rules, everything allowed (RFC 9309 2.3.1.3).
        self.robots_fetches.append(result)

    def _apply_crawl_delay(self, host: _Host) -> None:
        asked = host.robots.crawl_delay(self.robots_agent) or 0.0
        rate = host.robots.request_rate(self.robots_agent)
        if rate and rate.requests:
            asked = max(asked, rate.seconds / rate.requests)
        if asked > host.delay:
            honored = min(float(asked), self.politeness.max_crawl_delay_seconds)
            if honored < asked:
                log.warning(
                    "%s: robots.txt asks for %.1f s between requests; capped at %.1f s",
                    host.host,
                    asked,
                    honored,
                )
            host.delay = max(host.delay, honored)
            host.shared.ask_delay(host, host.delay)  # for every fetcher on the host
            host.shared.pause(honored)  # the robots.txt request itself counts

    def _is_home(self, url: str) -> bool:
        parts = urlsplit(url)
        path = parts.path or "/"
        base_path = urlsplit(self.source.base_url).path or "/"
        return not parts.query and (
            path in self.source.home_paths or path.rstrip("/") == base_path.rstrip("/")
        )


def _absolute(base: str, location: str) -> str:
    parts = urlsplit(urljoin(base, location.strip()))
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", parts.query, ""))
