"""The simulator's HTTP side: one listening port per portal, on loopback.

Each portal answers on its own port, so per-host behaviour (connection limits,
delays) is real. Every port also answers the control endpoints:

- ``POST /_sim/advance?steps=N`` moves simulated time forward;
- ``GET /_sim/truth`` lists every article ever published, with its version;
- ``GET /_sim/portals`` lists the portals and their base URLs.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from portalwatch.sim import pages
from portalwatch.sim.documents import document_pdf
from portalwatch.sim.world import Portal, World

# The CMS profile that parses each page family (config/profiles/<name>.toml).
PROFILE_FOR_FAMILY = {"province": "dcs_aspnet", "district": "district_portal", "commune": "joomla_commune"}
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


@dataclass
class Simulator:
    world: World
    host: str = "127.0.0.1"
    latency: float = 0.0  # seconds every page takes to answer, as a slow portal does

    def __post_init__(self) -> None:
        self.base_urls: dict[str, str] = {}
        self._runners: list[web.AppRunner] = []

    async def start(self, first_port: int = 0) -> None:
        for index, (portal_id, portal) in enumerate(self.world.portals.items()):
            app = web.Application()
            app["portal"] = portal
            app.router.add_post("/_sim/advance", self._advance)
            app.router.add_get("/_sim/truth", self._truth)
            app.router.add_get("/_sim/documents", self._documents)
            app.router.add_get("/_sim/portals", self._portals)
            app.router.add_get("/robots.txt", self._robots)
            app.router.add_get("/{tail:.*}", self._page)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            site = web.TCPSite(runner, self.host, first_port + index if first_port else 0)
            await site.start()
            port = site._server.sockets[0].getsockname()[1]  # the port the OS gave us
            self.base_urls[portal_id] = f"http://{self.host}:{port}"
            self._runners.append(runner)

    async def stop(self) -> None:
        for runner in self._runners:
            await runner.cleanup()

    # -------------------------------------------------------------- control

    async def _advance(self, request: web.Request) -> web.Response:
        try:
            steps = int(request.query.get("steps", "1"))
        except ValueError:
            return web.json_response({"error": "steps must be an integer"}, status=400)
        if not 1 <= steps <= 10_000:
            return web.json_response({"error": "steps must be between 1 and 10000"}, status=400)
        happened = self.world.advance(steps)
        return web.json_response({"step": self.world.step, "now": self.world.now.isoformat(), "happened": happened})

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
                rows.append({
                    "source": portal_id, "url": base + pages.document_path(family, doc), "number": doc.number,
                    "kind": doc.kind, "issuer": " ".join(doc.issuer), "issued": doc.issued.isoformat(),
                    "place": doc.place, "subject": doc.subject, "addressees": list(doc.addressees),
                    "distribution": list(doc.distribution), "signer": doc.signer,
                    "file_url": base + pages.document_file_path(family, doc), "cites": list(doc.cites),
                })  # fmt: skip
        return rows

    async def _portals(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {"id": pid, "family": p.spec.family, "base_url": self.base_urls[pid], "articles": len(p.articles),
                 "requests": p.requests}  # fmt: skip
                for pid, p in self.world.portals.items()
            ]
        )

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nDisallow: /admin/\n", content_type="text/plain")

    def truth(self) -> list[dict]:
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
                    }
                )
        return rows

    # -------------------------------------------------------------- pages

    async def _page(self, request: web.Request) -> web.Response:
        if self.latency:
            await asyncio.sleep(self.latency)
        portal: Portal = request.app["portal"]
        portal.requests += 1
        portal.visits += 1
        rng = random.Random(f"{self.world.seed}:{portal.spec.id}:req{portal.requests}")
        family = portal.spec.family
        if request.path == _LISTING[family]:
            page = _listing_page(request, family)
            if page is None:
                return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
            return web.Response(text=pages.render_listing(portal, page, rng), content_type=HTML)
        if request.path == _DOCUMENT_LISTING[family]:
            page = _listing_page(request, family)
            if page is None:
                return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
            return self._html(portal, pages.document_listing(portal, page, rng), rng)
        if document := _document(request, portal):
            return self._html(portal, pages.document_page(portal, document, rng), rng)
        if request.path.endswith(".pdf"):
            for document in portal.documents:
                if request.path == pages.document_file_path(family, document):
                    return web.Response(body=document_pdf(document), content_type="application/pdf")
            return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
        article_id = _article_id(request, family)
        article = portal.by_id.get(article_id) if article_id is not None else None
        if article is None or article.removed:
            return web.Response(text=pages.not_found(portal), status=404, content_type=HTML)
        article.views += 1
        return self._html(portal, pages.render_article(portal, article, rng, self.world), rng)

    @staticmethod
    def _html(portal: Portal, html: str, rng: random.Random) -> web.Response:
        """A page in UTF-8; on some portals, with a header that claims another charset."""
        if portal.spec.misdeclared_share and rng.random() < portal.spec.misdeclared_share:
            return web.Response(body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=iso-8859-1"})
        return web.Response(text=html, content_type=HTML)


def _listing_page(request: web.Request, family: str) -> int | None:
    try:
        if family == "commune":
            return int(request.query.get("start", "0")) // pages.PAGE_SIZE + 1
        return max(1, int(request.query.get("Page" if family == "province" else "page", "1")))
    except ValueError:
        return None


def _document(request: web.Request, portal: Portal):
    family = portal.spec.family
    match = _DOCUMENT_ID[family].match(request.path)
    if not match:
        return None
    value = request.query.get("DocID", "") if family == "province" else match.group(1)
    if not value.isdigit():
        return None
    return next((doc for doc in portal.documents if doc.id == int(value)), None)


def _article_id(request: web.Request, family: str) -> int | None:
    match = _ARTICLE_ID[family].match(request.path)
    if not match:
        return None
    value = request.query.get("NewsID", "") if family == "province" else match.group(1)
    return int(value) if value.isdigit() else None


def sources_toml(sim: Simulator) -> str:
    """A sources config pointing at the running simulator."""
    lines = [
        "# The simulated portals of `portalwatch sim`, at the addresses of this run.",
        "[settings]",
        'user_agent = "portalwatch/0.1 (simulated crawl; +mailto:demo@localhost)"',
        "",
        "[settings.politeness]",
        "concurrency = 4",
        "delay_seconds = 0.0",
        "timeout_seconds = 10.0",
        "retries = 3",
    ]
    for portal_id, portal in sim.world.portals.items():
        base = sim.base_urls[portal_id]
        family = portal.spec.family
        listing = base + pages.LISTING_PATHS[family]
        lines += [
            "",
            "[[sources]]",
            f"id = {json.dumps(portal_id)}",
            f"name = {json.dumps(portal.spec.name, ensure_ascii=False)}",
            f'level = "{family}"',
            f'profile = "{PROFILE_FOR_FAMILY[family]}"',
            f"base_url = {json.dumps(base)}",
            f"page_size = {pages.PAGE_SIZE}",
            "sections = [",
            f'  {{ name = "tin-tuc", listing_url = {json.dumps(listing)} }},',
            f'  {{ name = "van-ban", kind = "documents", listing_url = {json.dumps(base + pages.DOCUMENT_LISTING_PATHS[family])} }},',
            "]",
        ]
    return "\n".join(lines) + "\n"


async def serve(
    world: World, first_port: int, write_config: Path | None, host: str = "127.0.0.1", latency: float = 0.0
) -> None:
    """Run the simulator until cancelled; write the sources config once it listens."""
    sim = Simulator(world, host, latency)
    await sim.start(first_port)
    try:
        for portal_id, base in sim.base_urls.items():
            print(f"{portal_id:<16} {base}  ({len(world.portals[portal_id].articles)} articles)", flush=True)
        if write_config:
            write_config.parent.mkdir(parents=True, exist_ok=True)
            tmp = write_config.with_suffix(".tmp")
            tmp.write_text(sources_toml(sim), encoding="utf-8")
            tmp.replace(write_config)
            print(f"sources config written to {write_config}", flush=True)
        await asyncio.Event().wait()
    finally:
        await sim.stop()
