"""The adaptive revisit schedule: when a known article is worth fetching again.

Portals edit young articles (typos, added photos, corrected figures) and
rarely touch old ones, so an article's first interval is a share of its age
(:attr:`RevisitPolicy.age_factor`): a day-old article comes back within
hours, a five-year-old one after months. After each check the interval
adapts, as Nutch's AdaptiveFetchSchedule does: it shrinks by
`decrease_rate` when the page changed and grows by `increase_rate` when it
did not (never below the share of the article's age it would start with),
always within [min, max]. A check that failed is no check: the interval stays,
and the article is due again at the next run, then (failing again) after a
wait that doubles from `min_interval_hours` up to `retry_max_hours`.

Official documents follow the same schedule, and share the run's budget with the
articles; a document's age is its issue date's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from portalwatch.config import RevisitPolicy


@dataclass(frozen=True, slots=True)
class ArticleSchedule:
    """What the warehouse knows about one article that the crawl needs to revisit it."""

    article_id: str
    url: str
    content_hash: str
    removed: bool
    published_at: datetime | None
    last_seen: datetime
    etag: str | None = None
    last_modified: str | None = None
    validated_hash: str | None = None  # the content hash the validators were seen with
    interval: timedelta | None = None
    next_revisit_at: datetime | None = None
    checks: int = 0
    changes_seen: int = 0
    last_changed_at: datetime | None = None
    last_checked_at: datetime | None = None
    failed_checks: int = 0  # in a row, since the last check that settled the article
    unconfirmed_removal_at: datetime | None = None  # a 404/410 a failed check met, for a later one to confirm
    # The current version's raw page and parser: a revisit that fetches that very page again,
    # with a parser that is still today's, has nothing to parse.
    raw_hash: str | None = None
    parser_version: str | None = None

    def due_at(self, policy: RevisitPolicy) -> datetime:
        """When the article is due; articles without a schedule yet start from their last sighting."""
        if self.next_revisit_at is not None:
            return self.next_revisit_at
        return self.last_seen + initial_interval(self.published_at, self.last_seen, policy)


def _bounds(policy: RevisitPolicy) -> tuple[timedelta, timedelta]:
    return timedelta(hours=policy.min_interval_hours), timedelta(days=policy.max_interval_days)


def _clamp(interval: timedelta, policy: RevisitPolicy) -> timedelta:
    low, high = _bounds(policy)
    return min(max(interval, low), high)


def _age_share(published_at: datetime | None, now: datetime, policy: RevisitPolicy) -> timedelta:
    if published_at is None:
        return _bounds(policy)[0]
    return max(now - published_at, timedelta(0)) * policy.age_factor


def initial_interval(published_at: datetime | None, now: datetime, policy: RevisitPolicy) -> timedelta:
    """The first interval of an article: a share of its age, within the bounds."""
    return _clamp(_age_share(published_at, now, policy), policy)


def next_interval(
    previous: timedelta | None,
    changed: bool,
    published_at: datetime | None,
    now: datetime,
    policy: RevisitPolicy,
) -> timedelta:
    """The interval after a check that found the page `changed` (or not)."""
    if previous is None:
        return initial_interval(published_at, now, policy)
    if changed:
        return _clamp(previous * (1 - policy.decrease_rate), policy)
    return _clamp(max(previous * (1 + policy.increase_rate), _age_share(published_at, now, policy)), policy)


def retry_delay(failed_checks: int, policy: RevisitPolicy) -> timedelta:
    """How long after its `failed_checks`-th failed check in a row an article is tried again:
    at the next run after the first, then after min_interval_hours, doubling, up to retry_max_hours."""
    if failed_checks <= 1:
        return timedelta(0)
    hours = policy.min_interval_hours * 2 ** min(failed_checks - 2, 30)
    return timedelta(hours=min(hours, policy.retry_max_hours))


def due_for_revisit(
    articles: Iterable[ArticleSchedule], now: datetime, policy: RevisitPolicy, exclude: set[str] = frozenset()
) -> list[ArticleSchedule]:
    """The articles due at `now`, those whose last check failed first, then the longest
    overdue, at most `policy.budget` of them."""
    due = [(article.due_at(policy), article) for article in articles if article.article_id not in exclude]
    due = [(at, article) for at, article in due if at <= now]
    due.sort(key=lambda pair: (pair[1].failed_checks == 0, pair[0], pair[1].article_id))
    return [article for _, article in due[: policy.budget]]
