"""Progress of long work, reported to whoever is watching.

Flows report through :func:`report`; the CLI installs a progress bar with
:func:`watching`, and without one nothing is drawn (Prefect's logs still
carry every step).

A portal's crawl reports to a :class:`CrawlObserver` it is handed; a
:class:`PortalProgress` keeps the counts, which the flow shows in a Prefect
progress artifact and hands to the watcher (:func:`follow`) to draw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Protocol


class CrawlObserver:
    """What a crawl tells while it runs; this one listens to nothing (a crawl without a watcher)."""

    def started(self) -> None:
        """A crawl of the portal starts; after one that failed and is tried again, counts start over."""

    def listing_page(self, section: str, ok: bool) -> None:
        """A listing page of `section` was fetched and read (`ok`), or could not be."""

    def section_walked(self, section: str, stated_pages: int | None, full: bool) -> None:
        """The walk of a section ended: the pages its pager states, and whether it walked them all."""

    def articles_found(self, count: int) -> None:
        """`count` more article pages are to be fetched (found on a listing, due, or left from before)."""

    def article_done(self, ok: bool, again: bool = False) -> None:
        """An article page was fetched and recorded (`ok`), or failed; `again`: a second try
        of an article whose first try failed (it is counted once)."""


@dataclass
class SectionWalk:
    pages: int = 0  # listing pages read
    failures: int = 0  # listing pages that could not be fetched or read
    stated_pages: int | None = None  # what the pager says, once the walk ended
    full: bool = False  # a walk of every page, not only the newest


@dataclass
class PortalProgress(CrawlObserver):
    """One portal's crawl so far, in counts; every listener in `on_change` is called after each change."""

    source: str
    found: int = 0
    fetched: int = 0
    failures: int = 0
    sections: dict[str, SectionWalk] = field(default_factory=dict)
    finished: bool = False
    on_change: list[Callable[[PortalProgress], None]] = field(default_factory=list, repr=False)

    def started(self) -> None:
        self.found = self.fetched = self.failures = 0
        self.sections.clear()
        self._changed()

    def listing_page(self, section: str, ok: bool) -> None:
        walk = self.sections.setdefault(section, SectionWalk())
        walk.pages += ok
        walk.failures += not ok
        self._changed()

    def section_walked(self, section: str, stated_pages: int | None, full: bool) -> None:
        walk = self.sections.setdefault(section, SectionWalk())
        walk.stated_pages, walk.full = stated_pages, full
        self._changed()

    def articles_found(self, count: int) -> None:
        self.found += count
        self._changed()

    def article_done(self, ok: bool, again: bool = False) -> None:
        self.failures -= again
        self.fetched += ok
        self.failures += not ok
        self._changed()

    def finish(self) -> None:
        self.finished = True
        self._changed()

    @property
    def listing_pages(self) -> int:
        return sum(walk.pages for walk in self.sections.values())

    @property
    def listing_failures(self) -> int:
        return sum(walk.failures for walk in self.sections.values())

    @property
    def settled(self) -> int:
        """Article fetches that ended, recorded or failed."""
        return self.fetched + self.failures

    @property
    def coverage(self) -> float | None:
        """Share of the listing pages that the pagers state which were read, over the full walks
        that ended so far (an incremental walk reads only the newest pages, by design)."""
        stated = [walk for walk in self.sections.values() if walk.full and walk.stated_pages]
        if not stated:
            return None
        read = sum(min(walk.pages, walk.stated_pages) for walk in stated)
        return read / sum(walk.stated_pages for walk in stated)

    def line(self) -> str:
        """One line for a person: listing pages, articles fetched of found, failures, coverage."""
        parts = [f"listing pages {self.listing_pages}", f"articles {self.fetched}/{self.found}"]
        failures = self.listing_failures + self.failures
        if failures:
            parts.append(f"failures {failures}")
        if self.coverage is not None:
            parts.append(f"coverage {self.coverage:.0%}")
        return ", ".join(parts)

    def _changed(self) -> None:
        for listener in self.on_change:
            listener(self)


class ProgressSink(Protocol):
    def add_total(self, units: int) -> None: ...

    def advance(self, units: int, description: str) -> None: ...

    def follow(self, portal: PortalProgress) -> None: ...


_sink: ProgressSink | None = None


def add_total(units: int) -> None:
    if _sink is not None:
        _sink.add_total(units)


def report(units: int, description: str) -> None:
    if _sink is not None:
        _sink.advance(units, description)


def follow(portal: PortalProgress) -> None:
    """Show a portal's crawl to the watcher as it goes."""
    if _sink is not None:
        _sink.follow(portal)


@contextmanager
def watching(sink: ProgressSink) -> Iterator[None]:
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous
