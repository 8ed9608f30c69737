"""A Wayback-compatible web archive of the simulated portals, on a port of its own.

Captures are taken at simulated times through the world's history, as a crawler of a web
archive would take them: some articles many times, some never (gaps); the same bytes
captured twice (duplicates, and `warc/revisit` rows), the same content under changed page
chrome, versions the portal no longer shows, 404 captures of removed articles and 302
captures of removals that redirect home, 301 captures of shared links (a tracking parameter)
that redirect to the article. Every decision depends on the seed, never on the
order or timing of requests.

- ``GET /cdx/search/cdx`` answers as the Wayback Machine's CDX server: ``url`` (with a
  trailing ``*`` or ``matchType=prefix`` for a prefix), ``from``/``to``, ``output=json``,
  ``limit``, ``showResumeKey``/``resumeKey`` paging and ``collapse=digest``;
- ``GET /web/<timestamp>id_/<url>`` replays the original bytes of the capture at (or nearest
  to) that time, with the archived status; a redirect capture answers with the redirect to
  the target's replay URL.

With ``throttle`` the archive rate-limits as busy archives do: the first request of each
index query, and of one replay URL in eight, answers 429 with ``Retry-After``.
``GET /_sim/requests`` on the archive's port is its request log.
"""

from __future__ import annotations

import base64
import bisect
import copy
import hashlib
import random
import re
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from aiohttp import web

from portalwatch.sim import pages
from portalwatch.sim.world import START, Article, Portal, World

LOCAL_UTC_OFFSET = timedelta(hours=7)
FIELDS = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
REPLAY = re.compile(r"^/web/(?P<timestamp>\d{1,14})id_/(?P<url>.+)$")
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class ArchivedCapture:
    portal_id: str
    path: str  # path and query on the portal
    timestamp: str  # 14 digits, UTC
    status: int
    body: bytes  # zlib-compressed HTML ("" for a redirect)
    digest: str
    version: int  # the article's version captured (0: not an article page)
    article_id: int | None
    location: str | None = None  # redirect target path
    revisit: bool = False  # indexed as warc/revisit (the same payload as an earlier capture)

    @property
    def html(self) -> bytes:
        return zlib.decompress(self.body) if self.body else b""


def payload_digest(body: bytes) -> str:
    """SHA-1 in base 32, as the Wayback Machine's index names a payload."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def _timestamp(local: datetime) -> str:
    return (local - LOCAL_UTC_OFFSET).strftime("%Y%m%d%H%M%S")


class SimArchive:
    """The captures, and the HTTP side that serves them."""

    def __init__(self, world: World, throttle: bool = False):
        self.world, self.throttle = world, throttle
        self.closed: frozenset[str] = frozenset()  # portals gone: nothing more to capture there
        self.captures: dict[tuple[str, str], list[ArchivedCapture]] = {}  # (portal, path) -> by time
        self.base_urls: dict[str, str] = {}
        self.asked: dict[str, int] = {}
        self.request_log: list[dict] = []
        for portal_id, portal in world.portals.items():
            rng = random.Random(f"{world.seed}:{portal_id}:archive:history")
            for article in portal.articles:
                self._history(portal, article, rng)

    # ------------------------------------------------------------ captures

    def _history(self, portal: Portal, article: Article, rng: random.Random) -> None:
        """Captures of an article before the simulation starts: none (a gap), one, or several of version 1."""
        draw = rng.random()
        if draw < 0.25:
            return
        span = max((START - article.published_at).total_seconds(), 60.0)
        moments = sorted(
            article.published_at + timedelta(seconds=rng.uniform(1, span)) for _ in range(1 + (draw > 0.7))
        )
        for moment in moments:
            self._capture(portal, article, moment, rng)
        if draw > 0.9:  # the very same bytes captured again: collapsed by digest, or indexed as a revisit
            self._again(
                portal, article, moments[-1] + timedelta(minutes=rng.randint(5, 600)), revisit=draw > 0.95
            )
        if rng.random() < 0.15:  # a shared link with a tracking parameter, which the portal redirected
            path = pages.article_path(article)
            shared = f"{path}{'&' if '?' in path else '?'}fbclid={rng.getrandbits(48):x}"
            self._add(
                ArchivedCapture(
                    portal.spec.id,
                    shared,
                    _timestamp(moments[0] + timedelta(minutes=1)),
                    301,
                    b"",
                    payload_digest(shared.encode()),
                    0,
                    None,
                    location=path,
                )
            )

    def after_step(self) -> None:
        """Captures taken during the step just simulated."""
        step, now = self.world.step, self.world.now
        for portal_id, portal in self.world.portals.items():
            if portal_id in self.closed:
                continue
            rng = random.Random(f"{self.world.seed}:{portal_id}:archive:step{step}")
            for article in portal.articles:
                changed = article.last_changed_step == step
                if not (changed and rng.random() < 0.6) and not rng.random() < 0.01:
                    continue
                moment = now + timedelta(minutes=rng.randint(1, 59))
                if article.removed:
                    self._removal(portal, article, moment, rng)
                else:
                    self._capture(portal, article, moment, rng)

    def advance(self, steps: int) -> dict[str, dict[str, int]]:
        """Simulated time moves on step by step, the archive capturing as it goes."""
        happened: dict[str, dict[str, int]] = {}
        for _ in range(steps):
            for portal_id, counts in self.world.advance(1).items():
                total = happened.setdefault(portal_id, dict.fromkeys(counts, 0))
                for name, count in counts.items():
                    total[name] += count
            self.after_step()
        return happened

    @property
    def capture_count(self) -> int:
        return sum(map(len, self.captures.values()))

    def _capture(self, portal: Portal, article: Article, moment: datetime, rng: random.Random) -> None:
        snapshot = copy.deepcopy(article)
        snapshot.views += rng.randint(0, 500)
        html = pages.render_article(portal, snapshot, random.Random(rng.random()), self.world).encode("utf-8")
        self._add(
            ArchivedCapture(
                portal.spec.id,
                pages.article_path(article),
                _timestamp(moment),
                200,
                zlib.compress(html),
                payload_digest(html),
                article.version,
                article.id,
            )
        )

    def _again(self, portal: Portal, article: Article, moment: datetime, revisit: bool) -> None:
        last = self.captures[(portal.spec.id, pages.article_path(article))][-1]
        self._add(
            ArchivedCapture(
                last.portal_id,
                last.path,
                _timestamp(moment),
                200,
                last.body,
                last.digest,
                last.version,
                last.article_id,
                revisit=revisit,
            )
        )

    def _removal(self, portal: Portal, article: Article, moment: datetime, rng: random.Random) -> None:
        path = pages.article_path(article)
        if rng.random() < 0.3:  # the portal sent removed pages home
            self._add(
                ArchivedCapture(
                    portal.spec.id,
                    path,
                    _timestamp(moment),
                    302,
                    b"",
                    payload_digest(b""),
                    0,
                    article.id,
                    location="/",
                )
            )
            return
        html = pages.not_found(portal).encode("utf-8")
        self._add(
            ArchivedCapture(
                portal.spec.id,
                path,
                _timestamp(moment),
                404,
                zlib.compress(html),
                payload_digest(html),
                0,
                article.id,
            )
        )

    def _add(self, capture: ArchivedCapture) -> None:
        found = self.captures.setdefault((capture.portal_id, capture.path), [])
        bisect.insort(found, capture, key=lambda c: c.timestamp)

    def truth(self, portal_id: str, article: Article) -> list[dict]:
        """The captures of an article: timestamp, status and the version each shows (0: none)."""
        found = self.captures.get((portal_id, pages.article_path(article)), [])
        return [
            {"timestamp": c.timestamp, "status": c.status, "version": c.version, "revisit": c.revisit}
            for c in found
        ]

    # ------------------------------------------------------------ HTTP

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._observe])
        app.router.add_get("/_sim/requests", self._requests)
        app.router.add_get("/robots.txt", self._robots)
        app.router.add_get("/cdx/search/cdx", self._cdx)
        app.router.add_get("/{tail:.*}", self._replay)
        return app

    async def _requests(self, request: web.Request) -> web.Response:
        return web.json_response(self.request_log)

    def _throttled(self, request: web.Request) -> bool:
        """The index's first answer to each query, and the first to one replay in eight (by URL), are 429s."""
        if not self.throttle or self.asked[request.path_qs] > 1:
            return False
        return request.path.startswith("/cdx/") or zlib.crc32(request.path_qs.encode()) % 8 == 0

    @web.middleware
    async def _observe(self, request: web.Request, handler) -> web.StreamResponse:
        if request.path.startswith("/_sim/"):
            return await handler(request)
        key = request.path_qs
        self.asked[key] = self.asked.get(key, 0) + 1
        entry = {"path": key, "status": None, "start": time.monotonic()}
        self.request_log.append(entry)
        if self._throttled(request):
            entry["status"] = 429
            return web.Response(
                status=429, headers={"Retry-After": str(RETRY_AFTER_SECONDS)}, text="Too Many Requests"
            )
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # the redirects of redirect captures
            entry["status"] = exc.status
            raise
        entry["status"] = response.status
        return response

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    def _portal_of(self, netloc: str) -> str | None:
        for portal_id, base in self.base_urls.items():
            if urlsplit(base).netloc == netloc:
                return portal_id
        return None

    def _rows(self, url: str, prefix: bool) -> list[tuple[str, ArchivedCapture]]:
        """(urlkey, capture) of the captures matching the query, in CDX order (urlkey, then time)."""
        url = re.sub(r"^https?://", "", url)
        netloc, _, path = url.partition("/")
        portal_id = self._portal_of(netloc)
        if portal_id is None:
            return []
        path = "/" + path
        rows = []
        for (owner, captured_path), captures in self.captures.items():
            if owner != portal_id or not (
                captured_path.startswith(path) if prefix else captured_path == path
            ):
                continue
            urlkey = f"{','.join(reversed(netloc.split(':')[0].split('.')))})" + captured_path.lower()
            rows.extend((urlkey, capture) for capture in captures)
        rows.sort(key=lambda row: (row[0], row[1].timestamp))
        return rows

    async def _cdx(self, request: web.Request) -> web.Response:
        query = request.query
        url = query.get("url", "")
        prefix = url.endswith("*") or query.get("matchType") in ("prefix", "host", "domain")
        rows = self._rows(url.rstrip("*"), prefix)
        low = query.get("from", "")
        high = query.get("to", "")
        rows = [
            (key, c)
            for key, c in rows
            if c.timestamp >= low.ljust(14, "0") and (not high or c.timestamp <= high.ljust(14, "9"))
        ]
        if query.get("collapse") == "digest":
            rows = [
                row
                for index, row in enumerate(rows)
                if index == 0 or rows[index - 1][1].digest != row[1].digest
            ]
        if "resumeKey" in query:
            after = base64.urlsafe_b64decode(query["resumeKey"].encode()).decode()
            rows = [row for row in rows if f"{row[0]} {row[1].timestamp}" > after]
        limit = int(query.get("limit", "0") or 0)
        page, rest = (rows[:limit], rows[limit:]) if limit > 0 else (rows, [])
        lines = [
            [
                key,
                c.timestamp,
                self.base_urls[c.portal_id] + c.path,
                "warc/revisit" if c.revisit else ("unk" if c.location else "text/html"),
                "-" if c.revisit else str(c.status),
                c.digest.removeprefix("sha1:"),
                str(len(c.body)),
            ]
            for key, c in page
        ]
        if query.get("output") != "json":
            return web.Response(
                text="".join(" ".join(line) + "\n" for line in lines), content_type="text/plain"
            )
        result = [FIELDS, *lines] if lines else []
        if rest and query.get("showResumeKey") == "true":
            key, capture = page[-1]
            result += [[], [base64.urlsafe_b64encode(f"{key} {capture.timestamp}".encode()).decode()]]
        return web.json_response(result)

    async def _replay(self, request: web.Request) -> web.Response:
        match = REPLAY.match(request.path_qs)
        if match is None:
            return web.Response(status=404, text="not an archived URL")
        original = urlsplit(re.sub(r"^(https?:/)(?!/)", r"\1/", match["url"]))
        portal_id = self._portal_of(original.netloc)
        path = original.path + (f"?{original.query}" if original.query else "")
        captures = self.captures.get((portal_id, path)) if portal_id else None
        if not captures:
            return web.Response(status=404, text="not in the archive")
        wanted = match["timestamp"].ljust(14, "0")
        capture = min(captures, key=lambda c: abs(int(c.timestamp) - int(wanted)))
        if capture.status in (301, 302):
            target = self.base_urls[capture.portal_id] + (capture.location or "/")
            raise web.HTTPFound(f"/web/{capture.timestamp}id_/{target}")
        return web.Response(
            body=capture.html,
            status=capture.status,
            headers={"Content-Type": "text/html; charset=utf-8", "Memento-Datetime": capture.timestamp},
        )
