"""Faults the simulator injects: what slow, flaky government portals do to a crawler.

A :class:`FaultProfile` names the faults and their rates; ``portalwatch sim
--faults NAME`` picks one of :data:`PROFILES`. Every decision is a function of
the seed, the portal, the URL and how many times that URL was requested, never
of the order in which concurrent requests arrive, so a run meets the same
faults whatever its timing. Two kinds of fault:

- transient, drawn per request: 5xx, 429 with ``Retry-After``, connection
  resets, truncated bodies, slow trickled bodies, responses that never come
  (timeouts), and the broken answers that say 200: a maintenance page, a
  soft-404 in the site's chrome, a redirect to an ASP.NET error page that
  answers 200, an empty body, a page cut short under a Content-Length that
  matches the cut. A URL never meets more than `max_streak` of them in a row,
  as a transient fault clears on a retry;
- permanent, drawn per article: a wrong charset in the Content-Type header,
  a redirect loop, a body sent as it is under ``Content-Encoding: gzip``, a
  redirect to a ``javascript:`` or ``mailto:`` address, a removed article
  that redirects to the home page instead of answering 404, a robots.txt rule
  that disallows it; drawn per official
  document: its attached PDF damaged past reading (a broken upload, a file
  rewritten by a faulty converter), which answers 200 in full every time, or
  scanned (pictures of the signed paper, no text in the file), which is no
  fault of the file's but leaves a reader nothing to extract.

Per-host latency delays every response of a portal; an outage makes one portal
drop every connection after its first `after_requests` requests, for
`requests` requests or, when that is unset, until simulated time advances.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

# The kinds that answer 200 with something other than the page (or file) asked for.
PAGE_KINDS = ("maintenance", "soft_404", "error_redirect", "empty", "cut")
TRANSIENT_KINDS = ("server_error", "rate_limited", "reset", "truncated", "slow", "timeout", *PAGE_KINDS)


@dataclass(frozen=True)
class Outage:
    portal: str
    after_requests: int  # the portal answers this many requests first
    requests: int | None = None  # then drops this many; None: all, until simulated time advances


@dataclass(frozen=True)
class RobotsRules:
    crawl_delay: float | None = None
    disallow_share: float = 0.0  # share of article pages robots.txt disallows


@dataclass(frozen=True)
class FaultProfile:
    name: str
    description: str
    # transient, per request of a listing or article page
    server_error: float = 0.0
    rate_limited: float = 0.0
    reset: float = 0.0
    truncated: float = 0.0
    slow: float = 0.0
    timeout: float = 0.0
    maintenance: float = (
        0.0  # 200: "Hệ thống đang bảo trì" and the like, in the portal's chrome or on its own
    )
    soft_404: float = 0.0  # 200: "Không tìm thấy trang", "Page not found", in the site's chrome
    error_redirect: float = 0.0  # 302 to /Error.aspx?aspxerrorpath=<path>, which answers 200
    empty: float = 0.0  # 200 with an empty (or blank, or bare skeleton) body
    cut: float = 0.0  # 200, the page cut short, Content-Length matching what is sent
    # permanent, per article
    wrong_charset: float = 0.0
    redirect_loop: float = 0.0
    bad_encoding: float = 0.0  # 200 under 'Content-Encoding: gzip', the body sent as it is
    scheme_redirect: float = 0.0  # 302 to a Location that is no web address (javascript:, mailto:)
    removed_redirect_home: float = 0.0
    # permanent, per official document
    damaged_file: float = 0.0  # its PDF answers 200, whole in length, damaged past reading
    scanned_file: float = 0.0  # its PDF is a scan: page pictures, no text
    # per host and per portal
    latency: tuple[float, float] = (0.0, 0.0)  # seconds added to every response, drawn per portal
    outage: Outage | None = None
    robots: RobotsRules | None = None
    # how the faults behave
    retry_after_seconds: int = 1
    slow_seconds: float = 1.0  # a slow body trickles over this long
    hang_seconds: float = 5.0  # a timeout fault withholds the response this long
    max_streak: int = 2

    @property
    def transient_rate(self) -> float:
        return sum(getattr(self, kind) for kind in TRANSIENT_KINDS)

    @property
    def active(self) -> bool:
        return bool(
            self.transient_rate
            or self.wrong_charset
            or self.redirect_loop
            or self.bad_encoding
            or self.scheme_redirect
            or self.removed_redirect_home
            or self.damaged_file
            or self.scanned_file
            or self.latency[1]
            or self.outage
            or self.robots
        )

    def check(self, world) -> None:
        """Raise ValueError when the profile names a portal the world lacks."""
        if self.outage and self.outage.portal not in world.portals:
            raise ValueError(
                f"fault profile '{self.name}': no portal '{self.outage.portal}' to take down "
                f"(portals: {', '.join(world.portals)})"
            )


_FLAKY = {
    "server_error": 0.04,
    "rate_limited": 0.02,
    "reset": 0.02,
    "truncated": 0.02,
    "slow": 0.01,
    "timeout": 0.01,
    "latency": (0.002, 0.02),
}

_REAL_WORLD = {
    "server_error": 0.03,
    "rate_limited": 0.015,
    "reset": 0.015,
    "truncated": 0.01,
    "slow": 0.005,
    "timeout": 0.005,
    "maintenance": 0.03,
    "soft_404": 0.03,
    "error_redirect": 0.025,
    "empty": 0.015,
    "cut": 0.02,
    "damaged_file": 0.05,
    "scanned_file": 0.15,
    "latency": (0.001, 0.01),
}

PROFILES: dict[str, FaultProfile] = {
    profile.name: profile
    for profile in (
        FaultProfile("none", "no faults: every page answers at once"),
        FaultProfile(
            "flaky",
            "12% transient failures (5xx, 429, resets, truncated, slow, timeouts) and per-host latency",
            **_FLAKY,
        ),
        FaultProfile(
            "outage",
            "flaky, and muongang drops every connection after its 40th request until time advances",
            **_FLAKY,
            outage=Outage("muongang", 40),
        ),
        FaultProfile(
            "hostile",
            "outage, plus wrong charsets, redirect loops, bodies that do not decode, redirects to "
            "javascript: and mailto:, removals that redirect home, robots rules",
            **_FLAKY,
            outage=Outage("muongang", 40),
            wrong_charset=0.1,
            redirect_loop=0.02,
            bad_encoding=0.02,
            scheme_redirect=0.02,
            removed_redirect_home=0.5,
            robots=RobotsRules(crawl_delay=None, disallow_share=0.02),
        ),
        FaultProfile(
            "real-world",
            "20% of page requests fail as broken portals do: maintenance, soft-404, error-page, "
            "empty and cut pages that say 200, 5xx, 429, resets, timeouts; of the official "
            "documents, 5% attach a PDF damaged past reading and 15% a scanned one (page pictures, no text)",
            **_REAL_WORLD,
        ),
        FaultProfile("maintenance", "30% of pages answer 200 with a maintenance notice", maintenance=0.3),
        FaultProfile(
            "soft-404", "30% of pages answer 200 with a 'page not found' in the site's chrome", soft_404=0.3
        ),
        FaultProfile(
            "error-redirects", "30% of pages redirect to /Error.aspx, which answers 200", error_redirect=0.3
        ),
        FaultProfile("empty", "30% of pages answer 200 with an empty body", empty=0.3),
        FaultProfile(
            "cut", "30% of pages are cut short under a Content-Length that matches the cut", cut=0.3
        ),
        FaultProfile("server-errors", "30% of page requests answer 500, 502 or 503", server_error=0.3),
        FaultProfile("rate-limited", "20% of page requests answer 429 with Retry-After: 1", rate_limited=0.2),
        FaultProfile("resets", "30% of page requests have their connection reset", reset=0.3),
        FaultProfile("truncated", "30% of pages are cut off mid-body", truncated=0.3),
        FaultProfile("slow", "30% of pages trickle in over 20 s", slow=0.3, slow_seconds=20.0),
        FaultProfile(
            "timeouts", "20% of page requests get no response for 20 s", timeout=0.2, hang_seconds=20.0
        ),
        FaultProfile(
            "wrong-charset", "half the articles are UTF-8 declared as windows-1252", wrong_charset=0.5
        ),
        FaultProfile("redirect-loops", "10% of articles redirect in a loop", redirect_loop=0.1),
        FaultProfile(
            "bad-encodings",
            "10% of articles answer 200 under 'Content-Encoding: gzip' with a body that is not gzip",
            bad_encoding=0.1,
        ),
        FaultProfile(
            "scheme-redirects",
            "10% of articles redirect to a javascript: or mailto: address",
            scheme_redirect=0.1,
        ),
        FaultProfile(
            "redirect-home",
            "removed articles redirect to the home page instead of answering 404",
            removed_redirect_home=1.0,
        ),
        FaultProfile(
            "damaged-files",
            "20% of official documents attach a PDF damaged past reading, answered 200 in full",
            damaged_file=0.2,
        ),
        FaultProfile(
            "scanned-files",
            "30% of official documents attach a scanned PDF: page pictures, no text in the file",
            scanned_file=0.3,
        ),
        FaultProfile("latency", "every portal answers 50-200 ms late", latency=(0.05, 0.2)),
        FaultProfile(
            "down",
            "muongang drops 8 connections after its 15th request, then recovers",
            outage=Outage("muongang", 15, 8),
        ),
        FaultProfile(
            "robots",
            "robots.txt asks for a 0.2 s Crawl-delay and disallows 10% of articles",
            robots=RobotsRules(crawl_delay=0.2, disallow_share=0.1),
        ),
    )
}


def get_profile(name: str) -> FaultProfile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown fault profile '{name}' (known: {', '.join(PROFILES)})") from None


@dataclass
class FaultInjector:
    """Draws the faults of one simulator run."""

    profile: FaultProfile
    seed: int
    _requests: Counter = field(default_factory=Counter)
    _streaks: Counter = field(default_factory=Counter)
    _portal_requests: Counter = field(default_factory=Counter)
    _outage_step: int | None = None
    _dropped: int = 0

    def transient(self, portal_id: str, path_qs: str) -> str | None:
        """The transient fault of this request of a page, if any."""
        key = (portal_id, path_qs)
        self._requests[key] += 1
        if not self.profile.transient_rate or self._streaks[key] >= self.profile.max_streak:
            self._streaks[key] = 0
            return None
        draw = random.Random(f"{self.seed}:fault:{portal_id}:{path_qs}:{self._requests[key]}").random()
        for kind in TRANSIENT_KINDS:
            draw -= getattr(self.profile, kind)
            if draw < 0:
                self._streaks[key] += 1
                return kind
        self._streaks[key] = 0
        return None

    def variant(self, kind: str, portal_id: str, path_qs: str, count: int) -> int:
        """Which form of a page fault this request meets (its wording, markup, cut point)."""
        key = (portal_id, path_qs)
        return random.Random(f"{self.seed}:{kind}:{portal_id}:{path_qs}:{self._requests[key]}").randrange(
            count
        )

    def permanent(self, kind: str, portal_id: str, article_id: int) -> bool:
        """Whether an article (a document, for ``damaged_file`` and ``scanned_file``) carries a
        permanent fault (wrong_charset, redirect_loop, ...)."""
        rate = (
            getattr(self.profile, kind)
            if kind != "robots"
            else (self.profile.robots.disallow_share if self.profile.robots else 0)
        )
        return bool(rate) and random.Random(f"{self.seed}:{kind}:{portal_id}:{article_id}").random() < rate

    def latency(self, portal_id: str) -> float:
        low, high = self.profile.latency
        if not high:
            return 0.0
        return random.Random(f"{self.seed}:latency:{portal_id}").uniform(low, high)

    def drops(self, portal_id: str, step: int) -> bool:
        """Whether the portal is down for this request (counts every request that reaches it)."""
        outage = self.profile.outage
        if outage is None or outage.portal != portal_id:
            return False
        self._portal_requests[portal_id] += 1
        if self._portal_requests[portal_id] <= outage.after_requests:
            return False
        if self._outage_step is None:
            self._outage_step = step
        if step != self._outage_step:
            return False  # simulated time moved on: the portal is back
        if outage.requests is not None and self._dropped >= outage.requests:
            return False
        self._dropped += 1
        return True
