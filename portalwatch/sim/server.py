"""The simulator's HTTP side: one listening port per portal, on loopback.

Each portal answers on its own port, so per-host behaviour (connection limits,
delays) is real. Every port also answers the control endpoints:

- ``POST /_sim/advance?steps=N`` moves simulated time forward;
- ``GET /_sim/truth`` lists every article ever published, with its version,
  the numbers of the documents it cites (``cites``) and their URLs
  (``cited_documents``), and, for a copy of another
  portal's article, ``republished_from`` (the URL of the article it copies,
  else null) and ``republication_kind`` (verbatim, retitled, trimmed or
  edited; see :mod:`portalwatch.sim.republish`);
- ``GET /_sim/documents`` lists every official document with its own truth;
- ``GET /_sim/portals`` lists the portals and their base URLs;
- ``GET /_sim/requests?portal=ID&since=SEQ`` is the request log: every request
  to a portal with its host, path, start and end (seconds on the simulator's
  monotonic clock), status and injected fault, so tests can check politeness.
  A request's start is when the simulator read it off its connection, before it
  parsed it: on a busy machine that still trails the arrival by as long as the
  event loop took to come back to the socket (tens of milliseconds were seen);
  the exact start of a request is on the client's side, when it wrote it;
- ``GET /_sim/faults`` names the fault profile, the articles with a
  permanent fault (wrong charset, redirect loop, robots-disallowed, ...) and
  the attached files damaged past reading (``damaged_files``) and those that
  are scans, page pictures without text (``scanned_files``).

With a fault profile (:mod:`portalwatch.sim.faults`) the pages misbehave as
real portals do; without one (the default) they answer at once. Every portal
answers ``/Error.aspx`` with an error page and status 200, as an ASP.NET site
with custom errors does, for the error redirects to land on.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import signal
import time
from collections import deque
from collections.abc import Collection
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from portalwatch.sim import pages
from portalwatch.sim.archive import SimArchive
from portalwatch.sim.documents import Document
from portalwatch.sim.families import FAMILIES
from portalwatch.sim.faults import PROFILES, FaultInjector, FaultProfile
from portalwatch.sim.pdfworker import render_pdf, start_pdf_worker
from portalwatch.sim.world import START, STEP, Article, Portal, World

# The CMS profile that parses each page family (config/profiles/<name>.toml).
PROFILE_FOR_FAMILY = {
    "province": "dcs_aspnet",
    "district": "district_portal",
    "commune": "joomla_commune",
    **{name: family.profile for name, family in FAMILIES.items()},
}
_ARTICLE_ID = {
    "province": re.compile(r"^/tin-tuc-su-kien/chi-tiet\.aspx$"),
    "district": re.compile(r"^/tin-tuc/[a-z0-9-]*-(\d+)\.html$"),
    "commune": re.compile(r"^/index\.php/tin-tuc/(\d+)-[a-z0-9-]*$"),
}
_LISTING = {"province": "/tin-tuc-su-kien.aspx", "district": "/tin-tuc", "commune": "/index.php/tin-tuc"}
_DOCUMENT_LISTING = {"province": "/van-ban.aspx", "district": "/van-ban", "commune": "/index.php/van-ban"}
_DOCUMENT_ID = {
    "province": re.compile(r"^/van-ban/chi-tiet\.aspx$"),
    "district": re.compile(r"^/van-ban/[a-z0-9-]*-(\d+)\.html$"),
    "commune": re.compile(r"^/index\.php/van-ban/(\d+)-[a-z0-9-]*$"),
}
HTML = "text/html"
REQUEST_LOG_LIMIT = 500_000
LOCAL_UTC_OFFSET = timedelta(hours=7)  # simulated times are local (Asia/Ho_Chi_Minh)


class _ArrivalHandler(RequestHandler):
    """aiohttp's connection handler, noting when each request's bytes were read, before it
    parses them and before the handler's task gets its turn on the event loop."""

    __slots__ = ("arrivals",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.arrivals: deque[float] = deque()

    def data_received(self, data: bytes) -> None:
        read_at = time.monotonic()
        before = self._request_count
        super().data_received(data)
        self.arrivals.extend([read_at] * (self._request_count - before))


class _ArrivalServer(web.Server):
    def __call__(self) -> RequestHandler:
        return _ArrivalHandler(self, loop=self._loop, **self._kwargs)


class _ArrivalRunner(web.AppRunner):
    """An app runner whose connections note when requests arrive (:class:`_ArrivalHandler`)."""

    __slots__ = ()

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        server.__class__ = _ArrivalServer
        return server


def _arrival(request: web.Request) -> float:
    """When the request was read off its connection (now, for a handler that does not note it)."""
    arrivals = getattr(request.protocol, "arrivals", None)
    return arrivals.popleft() if arrivals else time.monotonic()


@dataclass
class Simulator:
    world: World
    host: str = "127.0.0.1"
    faults: FaultProfile = field(default_factory=lambda: PROFILES["none"])
    validators: bool = False  # send ETag / Last-Modified on articles and answer conditional requests
    latency: float = 0.0  # seconds every page takes to answer, as a slow portal does
    latency_jitter: float = 0.0  # each page's latency drawn up to this many seconds either side of `latency`
    archive: SimArchive | None = None  # a web archive of the portals, served on a port of its own
    closed: frozenset[str] = frozenset()  # portals whose live host no longer answers
    # The PDF worker (portalwatch.sim.pdfworker), when started ahead; else started here.
    pdf_worker: ProcessPoolExecutor | None = None

    def __post_init__(self) -> None:
        self.base_urls: dict[str, str] = {}
        self.archive_url: str | None = None
        if self.archive is not None:
            self.archive.closed = self.closed
        self._runners: list[web.AppRunner] = []
        self._pdf_worker = self.pdf_worker
        self._pdfs: dict[tuple[str, str, bool], asyncio.Future[bytes]] = {}
        self._prerendering: dict[str, asyncio.Task] = {}
        self.request_log: deque[dict] = deque(maxlen=REQUEST_LOG_LIMIT)
        self._seq = 0
        self.injector = FaultInjector(self.faults, self.world.seed)
        # Latencies only: what a page says never depends on them.
        self._latency_rng = random.Random(f"{self.world.seed}:latency")

    async def start(self, first_port: int = 0) -> None:
        """Listen on every portal's port; return once the PDF worker, if the world needs one, is ready."""
        warming = self._start_pdf_worker()
        for index, (portal_id, portal) in enumerate(self.world.portals.items()):
            app = web.Application(middlewares=[self._observe])
            app["portal"] = portal
            app.router.add_post("/_sim/advance", self._advance)
            app.router.add_get("/_sim/truth", self._truth)
            app.router.add_get("/_sim/documents", self._documents)
            app.router.add_get("/_sim/portals", self._portals)
            app.router.add_get("/_sim/requests", self._requests)
            app.router.add_get("/_sim/faults", self._faults)
            app.router.add_get("/robots.txt", self._robots)
            app.router.add_get("/{tail:.*}", self._page)
            # A client that gives up (timeout) cancels its handler, so the log shows when it left.
            runner = _ArrivalRunner(app, access_log=None, handler_cancellation=True)
            await runner.setup()
            site = web.TCPSite(runner, self.host, first_port + index if first_port else 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # the port the OS gave us
            self.base_urls[portal_id] = f"http://{self.host}:{port}"
            self._runners.append(runner)
            if portal_id in self.closed:
                await site.stop()  # closed: its address stays known (archives hold it), nothing answers there
        if self.archive is not None:
            self.archive_url = await self._start_archive(
                first_port + len(self.world.portals) if first_port else 0
            )
        if warming is not None:
            await warming

    async def _start_archive(self, port: int) -> str:
        self.archive.base_urls = self.base_urls
        runner = web.AppRunner(self.archive.app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, port)
        await site.start()
        self._runners.append(runner)
        return f"http://{self.host}:{site._server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        for task in self._prerendering.values():
            task.cancel()
        for runner in self._runners:
            await runner.cleanup()
        if self._pdf_worker is not None:
            self._pdf_worker.shutdown(cancel_futures=True)

    def _start_pdf_worker(self) -> asyncio.Future[bytes] | None:
        """Start the PDF worker and render a first PDF in it, while the portals start listening.

        Starting a worker means a new interpreter importing the PDF library: seconds on a
        busy machine. Paid on the first request of a file, it would answer that request
        late enough for a client's timeout, unlike any other page."""
        first = next((portal for portal in self.world.portals.values() if portal.documents), None)
        return None if first is None else self._render_pdf(first, first.documents[0])

    def _render_pdf(self, portal: Portal, document: Document) -> asyncio.Future[bytes]:
        """The rendering of a document's PDF, started once and shared by every request of it."""
        scanned = self.injector.permanent("scanned_file", portal.spec.id, document.id)
        key = (portal.spec.id, document.number, scanned)
        rendering = self._pdfs.get(key)
        if rendering is None or (rendering.done() and (rendering.cancelled() or rendering.exception())):
            if self._pdf_worker is None:
                self._pdf_worker = start_pdf_worker()
            loop = asyncio.get_running_loop()
            rendering = self._pdfs[key] = loop.run_in_executor(
                self._pdf_worker, render_pdf, document, scanned
            )
        return rendering

    def _prerender(self, portal: Portal) -> None:
        """Render the portal's PDFs ahead, one at a time, once a client reads its list of documents.

        A PDF takes ten times the work of a page: rendered only when asked for, it would answer
        far later than any page on a busy machine. One at a time, so that a file asked for before
        its turn waits for one rendering at most."""
        running = self._prerendering.get(portal.spec.id)
        if running is None or running.done():  # done: documents published since are rendered next
            self._prerendering[portal.spec.id] = asyncio.ensure_future(self._render_all(portal))

    async def _render_all(self, portal: Portal) -> None:
        for document in list(portal.documents):
            if not document.removed:
                await asyncio.shield(self._render_pdf(portal, document))

    async def _pdf(self, portal: Portal, document: Document) -> bytes:
        # Shielded: a client that leaves cancels its handler, not the rendering others wait for.
        return await asyncio.shield(self._render_pdf(portal, document))

    # -------------------------------------------------------------- control

    async def _advance(self, request: web.Request) -> web.Response:
        try:
            steps = int(request.query.get("steps", "1"))
        except ValueError:
            return web.json_response({"error": "steps must be an integer"}, status=400)
        if not 1 <= steps <= 10_000:
            return web.json_response({"error": "steps must be between 1 and 10000"}, status=400)
        happened = self.archive.advance(steps) if self.archive else self.world.advance(steps)
        return web.json_response(
            {"step": self.world.step, "now": self.world.now.isoformat(), "happened": happened}
        )

    async def _truth(self, request: web.Request) -> web.Response:
        return web.json_response(self.truth())

    async def _documents(self, request: web.Request) -> web.Response:
        return web.json_response(self.documents_truth())

    def documents_truth(self) -> list[dict]:
        """Every official document, and which documents each article cites."""
        rows = []
        for portal_id, portal in self.world.portals.items():
            base = self.base_urls.get(portal_id, "")
            family = portal.spec.family
            for doc in portal.documents:
                rows.append(
                    {
                        "source": portal_id,
                        "url": base + pages.document_path(family, doc),
                        "number": doc.number,
                        "kind": doc.kind,
                        "issuer": " ".join(doc.issuer),
                        "issued": doc.issued.isoformat(),
                        "place": doc.place,
                        "subject": doc.subject,
                        "addressees": list(doc.addressees),
                        "distribution": list(doc.distribution),
                        "signer": doc.signer,
                        "file_url": base + pages.document_file_path(family, doc),
                        "cites": list(doc.cites),
                        "removed": doc.removed,
                    }
                )
        return rows

    async def _portals(self, request: web.Request) -> web.Response:
        return web.json_response(self.portal_entries())

    def portal_entries(self) -> list[dict]:
        return [
            {
                "id": pid,
                "family": p.spec.family,
                "level": p.spec.level,
                "base_url": self.base_urls[pid],
                "articles": len(p.articles),
                "name": p.spec.name,
                "profile": PROFILE_FOR_FAMILY[p.spec.family],
                "listing_url": self.base_urls[pid] + pages.LISTING_PATHS[p.spec.family],
                "documents_url": self.base_urls[pid] + pages.DOCUMENT_LISTING_PATHS[p.spec.family],
                "requests": p.requests,
            }
            for pid, p in self.world.portals.items()
        ]

    async def _requests(self, request: web.Request) -> web.Response:
        portal = request.query.get("portal")
        try:
            since = int(request.query.get("since", "0"))
        except ValueError:
            return web.json_response({"error": "since must be an integer"}, status=400)
        entries = [
            e
            for e in list(self.request_log)
            if e["seq"] > since and (portal is None or e["portal"] == portal)
        ]
        return web.json_response(entries)

    async def _faults(self, request: web.Request) -> web.Response:
        articles: dict[str, list[str]] = {}
        for portal_id, portal in self.world.portals.items():
            base = self.base_urls.get(portal_id, "")
            for article in portal.articles:
                kinds = [
                    kind
                    for kind in (
                        "wrong_charset",
                        "redirect_loop",
                        "bad_encoding",
                        "scheme_redirect",
                        "robots",
                    )
                    if self.injector.permanent(kind, portal_id, article.id)
                ]
                if article.removed and self.injector.permanent(
                    "removed_redirect_home", portal_id, article.id
                ):
                    kinds.append("removed_redirect_home")
                if kinds:
                    articles[base + pages.article_path(article)] = kinds
        files = {
            kind: [
                base + pages.document_file_path(portal.spec.family, document)
                for portal_id, portal in self.world.portals.items()
                if (base := self.base_urls.get(portal_id, ""))
                for document in portal.documents
                if self.injector.permanent(kind, portal_id, document.id)
            ]
            for kind in ("damaged_file", "scanned_file")
        }
        return web.json_response(
            {
                "profile": self.faults.name,
                "description": self.faults.description,
                "articles": articles,
                "damaged_files": files["damaged_file"],
                "scanned_files": files["scanned_file"],
            }
        )

    async def _robots(self, request: web.Request) -> web.Response:
        lines = ["User-agent: *", "Disallow: /admin/"]
        rules = self.faults.robots
        if rules is not None:
            portal: Portal = request.app["portal"]
            if rules.crawl_delay:
                lines.append(f"Crawl-delay: {rules.crawl_delay:g}")
            lines += [
                f"Disallow: {pages.article_path(article)}"
                for article in portal.articles
                if self.injector.permanent("robots", portal.spec.id, article.id)
            ]
        return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")

    # -------------------------------------------------------------- request log, outages, latency

    @web.middleware
    async def _observe(self, request: web.Request, handler) -> web.StreamResponse:
        start = _arrival(request)
        if request.path.startswith("/_sim/"):
            return await handler(request)
        portal: Portal = request.app["portal"]
        self._seq += 1
        entry = {
            "seq": self._seq,
            "portal": portal.spec.id,
            "host": request.host,
            "path": request.path_qs,
            "agent": request.headers.get("User-Agent"),
            "start": start,
            "end": None,
            "status": None,
            "fault": None,
        }
        self.request_log.append(entry)
        request["log_entry"] = entry
        try:
            if self.injector.drops(portal.spec.id, self.world.step):
                entry["fault"] = "down"
                request.transport.abort()
                return web.Response(status=503)  # never sent: the connection is gone
            latency = self.injector.latency(portal.spec.id)
            if latency:
                await asyncio.sleep(latency)
            response = await handler(request)
            entry["status"] = response.status
            return response
        except web.HTTPException as exc:
            entry["status"] = exc.status
            raise
        finally:
            entry["end"] = time.monotonic()

    def page_latency(self) -> float:
        """Seconds the next page waits before it answers: `latency`, give or take up to `latency_jitter`."""
        return self.latency + self._latency_rng.uniform(-self.latency_jitter, self.latency_jitter)

    def document_url(self, document: Document) -> str:
        """The URL a document is served at."""
        owner = next(p for p in self.world.portals.values() if any(d is document for d in p.documents))
        return self.base_urls.get(owner.spec.id, "") + pages.document_path(owner.spec.family, document)

    def truth(self) -> list[dict]:
        def base_url(article: Article | None) -> str | None:
            if article is None:
                return None
            return self.base_urls.get(article.portal.id, "") + pages.article_path(article)

        rows = []
        for portal_id, portal in self.world.portals.items():
            base = self.base_urls.get(portal_id, "")
            for article in portal.articles:
                rows.append(
                    {
                        "source": portal_id,
                        "url": base + pages.article_path(article),
                        "title": article.title,
                        "published_at": article.published_at.isoformat() + "+07:00",
                        "version": article.version,
                        "removed": article.removed,
                        "cites": [number for _, _, number in article.citations],
                        "cited_documents": [self.document_url(doc) for doc in article.cited.values()],
                        "republished_from": base_url(article.republished_from),
                        "republication_kind": article.republication_kind or None,
                    }
                    | ({"captures": self.archive.truth(portal_id, article)} if self.archive else {})
                )
        return rows

    # -------------------------------------------------------------- pages

    async def _page(self, request: web.Request) -> web.StreamResponse:
        if self.latency:
            await asyncio.sleep(self.page_latency())
        portal: Portal = request.app["portal"]
        portal.requests += 1
        portal.visits += 1
        rng = random.Random(f"{self.world.seed}:{portal.spec.id}:req{portal.requests}")
        family = portal.spec.family
        if request.path == pages.ERROR_PATH:  # where an error redirect lands: it answers 200
            variant = self.injector.variant("error_page", portal.spec.id, request.path_qs, 3)
            return web.Response(text=pages.error_page(portal, rng, variant), content_type=HTML)
        fault = self.injector.transient(portal.spec.id, request.path_qs) if self.faults.active else None
        if fault is not None:
            request["log_entry"]["fault"] = fault
            early = await self._early_fault(request, fault, rng)
            if early is not None:
                return early
        if family in FAMILIES and (target := FAMILIES[family].redirect(request.path)):
            raise web.HTTPMovedPermanently(
                target + (f"?{request.query_string}" if request.query_string else "")
            )
        if (page := _route_number(request, family, "listing")) is not None:
            html = pages.render_listing(portal, page, rng) if page else None
            if html is None:
                return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
            return await self._send(request, html, fault)
        if (page := _route_number(request, family, "document_listing")) is not None:
            self._prerender(portal)
            if not page:
                return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
            return await self._send(
                request, pages.document_listing(portal, page, rng), fault, charset=_charset(portal, rng)
            )
        if (document := _document(request, portal)) and not document.removed:
            return await self._send(
                request, pages.document_page(portal, document, rng), fault, charset=_charset(portal, rng)
            )
        if request.path.endswith(".pdf"):
            for document in portal.documents:
                if request.path == pages.document_file_path(family, document):
                    pdf = await self._pdf(portal, document)
                    if self.injector.permanent("damaged_file", portal.spec.id, document.id):
                        pdf = pages.damaged_file(pdf, f"{portal.spec.id}:{document.id}")
                    if fault == "cut":
                        pdf = pdf[
                            : pages.cut_at(
                                pdf, self.injector.variant(fault, portal.spec.id, request.path_qs, 12)
                            )
                        ]
                    return web.Response(body=pdf, content_type="application/pdf")
            return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
        return await self._article_page(request, portal, fault, rng)

    async def _article_page(
        self, request: web.Request, portal: Portal, fault: str | None, rng: random.Random
    ) -> web.StreamResponse:
        """An article's page, or the permanent fault the article carries, or a 404."""
        family = portal.spec.family
        article_id = _article_id(request, family)
        article = portal.by_id.get(article_id) if article_id is not None else None
        if article is not None and self.injector.permanent("redirect_loop", portal.spec.id, article.id):
            return _loop_redirect(request)
        if article is not None and self.injector.permanent("scheme_redirect", portal.spec.id, article.id):
            target = "javascript:void(0)" if article.id % 2 else "mailto:bbt@example.gov.vn"
            return web.Response(status=302, headers={"Location": target})
        if (
            article is not None
            and article.removed
            and self.injector.permanent("removed_redirect_home", portal.spec.id, article.id)
        ):
            raise web.HTTPFound("/")
        if article is None or article.removed:
            return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
        headers = {}
        if self.validators:
            headers = _validators(article)
            if _not_modified(request, headers):
                return web.Response(status=304, headers=headers)
        article.views += 1
        charset = (
            "windows-1252"
            if self.injector.permanent("wrong_charset", portal.spec.id, article.id)
            else "utf-8"
        )
        if portal.spec.misdeclared_share and rng.random() < portal.spec.misdeclared_share:
            charset = "iso-8859-1"  # some portals send UTF-8 under a header that claims another charset
        html = pages.render_article(portal, article, rng, self.world)
        if self.injector.permanent("bad_encoding", portal.spec.id, article.id):
            # A server that says it compressed the page and did not.
            headers = {**headers, "Content-Encoding": "gzip"}
            return web.Response(
                body=html.encode(charset), headers=headers, content_type=HTML, charset=charset
            )
        return await self._send(request, html, fault, headers, charset)

    async def _early_fault(
        self, request: web.Request, fault: str, rng: random.Random
    ) -> web.StreamResponse | None:
        """Faults that strike before the page is rendered; None for those that shape its delivery."""
        if fault == "server_error":
            status = rng.choice((500, 502, 503))
            return web.Response(text=pages.server_error(status), status=status, content_type=HTML)
        if fault == "rate_limited":
            return web.Response(
                text="Too many requests",
                status=429,
                headers={"Retry-After": str(self.faults.retry_after_seconds)},
            )
        if fault == "reset":
            request.transport.abort()
            return web.Response(status=500)  # never sent
        if fault == "timeout":
            await asyncio.sleep(self.faults.hang_seconds)
        return self._broken_page(request, fault, rng)

    def _broken_page(self, request: web.Request, fault: str, rng: random.Random) -> web.Response | None:
        """The answers that say 200 (or redirect to one) without being the page asked for."""
        portal: Portal = request.app["portal"]
        variant = self.injector.variant(fault, portal.spec.id, request.path_qs, 12)
        if fault == "maintenance":
            return web.Response(text=pages.maintenance_page(portal, rng, variant), content_type=HTML)
        if fault == "soft_404":
            return web.Response(text=pages.soft_404_page(portal, rng, variant), content_type=HTML)
        if fault == "error_redirect":
            raise web.HTTPFound(pages.error_redirect_target(request.path_qs))
        if fault == "empty":
            return web.Response(text=pages.EMPTY_BODIES[variant % len(pages.EMPTY_BODIES)], content_type=HTML)
        return None

    async def _send(
        self,
        request: web.Request,
        html: str,
        fault: str | None,
        headers: dict | None = None,
        charset: str = "utf-8",
    ) -> web.StreamResponse:
        body = html.encode("utf-8")
        headers = {"Content-Type": f"{HTML}; charset={charset}", **(headers or {})}
        if fault == "cut":  # the Content-Length says the cut page is whole
            portal_id = request.app["portal"].spec.id
            return web.Response(
                body=body[: pages.cut_at(body, self.injector.variant(fault, portal_id, request.path_qs, 12))],
                headers=headers,
            )
        if fault not in ("truncated", "slow"):
            return web.Response(body=body, headers=headers)
        response = web.StreamResponse(headers=headers)
        response.content_length = len(body)
        await response.prepare(request)
        if fault == "truncated":
            await response.write(body[: len(body) // 2])
            request.transport.close()
            return response
        parts = 10
        size = -(-len(body) // parts)
        for index in range(parts):
            await response.write(body[index * size : (index + 1) * size])
            await asyncio.sleep(self.faults.slow_seconds / parts)
        await response.write_eof()
        return response


def _charset(portal: Portal, rng: random.Random) -> str:
    """UTF-8; on some portals, declared in the header as another charset."""
    return (
        "iso-8859-1"
        if portal.spec.misdeclared_share and rng.random() < portal.spec.misdeclared_share
        else "utf-8"
    )


def _loop_redirect(request: web.Request) -> web.Response:
    """A to A-with-a-marker and back: the redirect loop of a misconfigured rewrite rule."""
    query = {key: value for key, value in request.query.items() if key != "loop"}
    if "loop" not in request.query:
        query["loop"] = "1"
    target = request.path + ("?" + urlencode(query) if query else "")
    raise web.HTTPFound(target)


def _validators(article: Article) -> dict[str, str]:
    changed = (
        START + STEP * article.last_changed_step if article.last_changed_step >= 0 else article.published_at
    )
    stamp = (changed - LOCAL_UTC_OFFSET).replace(tzinfo=UTC)
    return {
        "ETag": f'"{article.id}-v{article.version}"',
        "Last-Modified": format_datetime(stamp, usegmt=True),
    }


def _not_modified(request: web.Request, validators: dict[str, str]) -> bool:
    if "If-None-Match" in request.headers:
        return validators["ETag"] in [tag.strip() for tag in request.headers["If-None-Match"].split(",")]
    if "If-Modified-Since" in request.headers:
        try:
            since = parsedate_to_datetime(request.headers["If-Modified-Since"])
        except (TypeError, ValueError):
            return False
        return parsedate_to_datetime(validators["Last-Modified"]) <= since
    return False


def _route_number(request: web.Request, family: str, route: str) -> int | None:
    """The page of a listing route (0: a bad page number), or None when the request is not for that route."""
    if family in FAMILIES:
        return getattr(FAMILIES[family], f"{route}_page")(request.path, request.query)
    if request.path != (_LISTING if route == "listing" else _DOCUMENT_LISTING)[family]:
        return None
    return _listing_page(request, family) or 0


def _listing_page(request: web.Request, family: str) -> int | None:
    try:
        if family == "commune":
            return int(request.query.get("start", "0")) // pages.PAGE_SIZE + 1
        return max(1, int(request.query.get("Page" if family == "province" else "page", "1")))
    except ValueError:
        return None


def _document(request: web.Request, portal: Portal):
    family = portal.spec.family
    if family in FAMILIES:
        found = FAMILIES[family].document_id(request.path, request.query)
        return next((doc for doc in portal.documents if doc.id == found), None) if found else None
    match = _DOCUMENT_ID[family].match(request.path)
    if not match:
        return None
    value = request.query.get("DocID", "") if family == "province" else match.group(1)
    if not value.isdigit():
        return None
    return next((doc for doc in portal.documents if doc.id == int(value)), None)


def _article_id(request: web.Request, family: str) -> int | None:
    if family in FAMILIES:
        return FAMILIES[family].article_id(request.path, request.query) or None
    match = _ARTICLE_ID[family].match(request.path)
    if not match:
        return None
    value = request.query.get("NewsID", "") if family == "province" else match.group(1)
    return int(value) if value.isdigit() else None


SIM_POLITENESS = {"concurrency": 4, "delay_seconds": 0.0, "timeout_seconds": 10.0, "retries": 3}


def sources_toml(sim: Simulator) -> str:
    """A sources config pointing at the running simulator (and its archive, when it has one)."""
    text = render_sources_toml(sim.portal_entries())
    for portal_id in sorted(sim.closed):
        text = text.replace(f'id = "{portal_id}"\n', f'id = "{portal_id}"\nstatus = "closed"\n', 1)
    if sim.archive is not None:
        text += archive_toml(sim.archive_url)
    return text


def archive_toml(archive_url: str) -> str:
    """The `[archives.sim]` table of a sources file, for the simulator's archive."""
    return (
        "\n".join(
            [
                "",
                "[archives.sim]",
                f'cdx_url = "{archive_url}/cdx/search/cdx"',
                f'replay_url = "{archive_url}/web"',
                "page_size = 50",
                "",
                "[archives.sim.politeness]",
                *(f"{key} = {json.dumps(value)}" for key, value in SIM_POLITENESS.items()),
            ]
        )
        + "\n"
    )


def render_sources_toml(
    portals: list[dict],
    politeness: dict | None = None,
    revisit: dict | None = None,
    split: Collection[str] = (),
) -> str:
    """A sources config for simulated portals (as ``GET /_sim/portals`` lists them).

    A portal named in `split` is configured as two sources on its one host, as a portal whose
    sections are crawled apart would be: `<id>` with its news section and `<id>-van-ban` with
    its documents section."""
    lines = [
        "# The simulated portals of `portalwatch sim`, at the addresses of this run.",
        "[settings]",
        'user_agent = "portalwatch/0.1"',
        'contact = "mailto:demo@localhost"',
        "",
        "[settings.politeness]",
        *(f"{key} = {json.dumps(value)}" for key, value in (politeness or SIM_POLITENESS).items()),
    ]
    if revisit:
        lines += [
            "",
            "[settings.revisit]",
            *(f"{key} = {json.dumps(value)}" for key, value in revisit.items()),
        ]
    news = '  {{ name = "tin-tuc", listing_url = {} }},'
    documents = '  {{ name = "van-ban", kind = "documents", listing_url = {} }},'
    for portal in portals:
        sections = [news.format(json.dumps(portal["listing_url"]))]
        sections.append(documents.format(json.dumps(portal["documents_url"])))
        apart = portal["id"] in split
        for source_id, name, listed in (
            [
                (portal["id"], portal["name"], sections[:1]),
                (f"{portal['id']}-van-ban", f"{portal['name']} (văn bản)", sections[1:]),
            ]
            if apart
            else [(portal["id"], portal["name"], sections)]
        ):
            lines += [
                "",
                "[[sources]]",
                f"id = {json.dumps(source_id)}",
                f"name = {json.dumps(name, ensure_ascii=False)}",
                f'level = "{portal["level"]}"',
                f'profile = "{portal["profile"]}"',
                f"base_url = {json.dumps(portal['base_url'])}",
                f"page_size = {pages.PAGE_SIZE}",
                "sections = [",
                *listed,
                "]",
            ]
    return "\n".join(lines) + "\n"


async def serve(
    world: World,
    first_port: int,
    write_config: Path | None,
    host: str = "127.0.0.1",
    faults: FaultProfile | None = None,
    validators: bool = False,
    latency: float = 0.0,
    archive: SimArchive | None = None,
    closed: frozenset[str] = frozenset(),
    latency_jitter: float = 0.0,
    pdf_worker: ProcessPoolExecutor | None = None,
) -> None:
    """Run the simulator until SIGTERM or SIGINT; write the sources config once it listens."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    sim = Simulator(
        world,
        host,
        faults or PROFILES["none"],
        validators,
        latency,
        latency_jitter,
        archive,
        closed,
        pdf_worker,
    )
    try:
        await sim.start(first_port)
        for portal_id, base in sim.base_urls.items():
            state = "  CLOSED" if portal_id in closed else ""
            print(
                f"{portal_id:<16} {base}  ({len(world.portals[portal_id].articles)} articles){state}",
                flush=True,
            )
        if archive is not None:
            print(f"{'archive':<16} {sim.archive_url}  ({archive.capture_count} captures)", flush=True)
        if sim.faults.active:
            print(f"fault profile: {sim.faults.name}: {sim.faults.description}", flush=True)
        if write_config:
            write_config.parent.mkdir(parents=True, exist_ok=True)
            tmp = write_config.with_suffix(".tmp")
            tmp.write_text(sources_toml(sim), encoding="utf-8")
            tmp.replace(write_config)
            print(f"sources config written to {write_config}", flush=True)
        await stopping.wait()
    finally:
        await sim.stop()
