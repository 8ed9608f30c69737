"""Field accuracy of the parsers on the simulator's gold set, per page family.

Every live article of a seeded simulated world with every page family (the
three of the seed pages and the platforms of :mod:`portalwatch.sim.families`)
is rendered by the simulator's page code (variants included: NFD pages, no
counter, no byline, photo stories, long reports, document citations,
Joomla's long date line) and read twice: by its family's CMS profile, and by
the generic reader, which reads no profile at all, so every family's score
for it is a leave-one-family-out score. The simulator's own articles are the
expected values; a field counts when it is exactly right (the posting time to
the local minute, the author as the byline names them, the category as the
last step of the breadcrumb). Pages that are not
articles (listing pages, document listings, the portal's "not found" page,
server error pages) must give the generic reader no article.

``make accuracy`` prints the table; ``python -m portalwatch.accuracy 0.2``
reads a bigger world.
"""

from __future__ import annotations

import argparse
import random
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from portalwatch.errors import ExtractionError
from portalwatch.parse import parse_article
from portalwatch.parse.fallback import extract_fallback
from portalwatch.parse.learn import LearnError, Page, learn_profile
from portalwatch.parse.profile import get_profile
from portalwatch.record import ArticleRecord
from portalwatch.sim import pages
from portalwatch.sim.corpus import author_of
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import FAMILY_SETS, Article, Portal, World

FIELDS = ("title", "published_at", "view_count", "author", "lead", "body_text", "images", "category")
GENERIC_FIELDS = (
    "title",
    "published_at",
    "view_count",
    "author",
    "body_text",
)  # the generic reader's overall score
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
_BASE = "http://portal.example"


@dataclass
class Score:
    pages: int = 0
    right: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failures: Counter = field(default_factory=Counter)  # why pages were read as no article, by reason

    def share(self, name: str) -> float:
        return self.right[name] / self.pages if self.pages else 0.0


@dataclass
class Report:
    scores: dict[tuple[str, str], Score]  # (family, "profile" | "generic")
    non_articles: dict[
        str, tuple[int, int]
    ]  # family -> (non-article pages, articles the generic reader returned)

    def overall_generic(self) -> float:
        """Exact fields of the generic reader over every page of every family, on GENERIC_FIELDS."""
        generic = [score for (_, extractor), score in self.scores.items() if extractor == "generic"]
        right = sum(score.right[name] for score in generic for name in GENERIC_FIELDS)
        total = sum(score.pages for score in generic) * len(GENERIC_FIELDS)
        return right / total if total else 0.0

    def mean_generic(self) -> float:
        """The same, each family weighing the same whatever its number of pages."""
        generic = [score for (_, extractor), score in self.scores.items() if extractor == "generic"]
        shares = [score.share(name) for score in generic for name in GENERIC_FIELDS]
        return sum(shares) / len(shares) if shares else 0.0


def gold_world(seed: int = 1, scale: float = 0.1) -> World:
    world = World(seed=seed, scale=scale, portals=FAMILY_SETS["all"])
    world.advance(3)  # edits, so that pages show their update lines
    return world


def _minute(moment: datetime | None) -> datetime | None:
    return moment.astimezone(_TZ).replace(second=0, microsecond=0) if moment is not None else None


def expected_fields(article: Article, family: str) -> dict:
    """What a perfect reader gets from the article's page: the simulator's own values."""
    return {
        "title": article.title,
        "published_at": _minute(article.published_at.replace(tzinfo=_TZ)),
        "view_count": article.views if pages.shows_views(family) else None,
        "author": author_of(article.byline),
        "lead": article.lead,
        "body_text": "\n\n".join(article.paragraphs),
        "images": [(name, caption) for name, caption, _ in article.images],
        "category": article.category,
    }


def record_fields(record: ArticleRecord) -> dict:
    got = {name: getattr(record, name) for name in FIELDS if name not in ("published_at", "images")}
    return got | {
        "published_at": _minute(record.published_at),
        "images": [(i.src, i.caption) for i in record.images],
    }


def _score(score: Score, read, expected: dict) -> None:
    score.pages += 1
    try:
        got = record_fields(read())
    except ExtractionError as failure:  # a page read as no article counts as wrong on every field
        score.failures[re.sub(r"'[^']*'|\d+", "…", failure.reason)[:90]] += 1
        return
    for name in FIELDS:
        score.right[name] += got[name] == expected[name]


def non_article_pages(portal: Portal, rng: random.Random) -> list[tuple[str, str]]:
    """(url, html) of pages of the portal that hold no article: listing pages, a document listing, "not found",
    the server's error pages."""
    family = portal.spec.family
    last = max(1, -(-len(portal.live()) // pages.PAGE_SIZE))
    found = [
        (pages.listing_path(family, page), pages.render_listing(portal, page, rng))
        for page in sorted({1, last})
    ]
    found.append((pages.document_listing_path(family, 1), pages.document_listing(portal, 1, rng)))
    found.append(("/khong-ton-tai", pages.not_found(portal)))
    found += [(f"/loi-{status}", pages.server_error(status)) for status in (500, 503)]
    return [(_BASE + path, html) for path, html in found if html is not None]


# A reader of article pages: (html, url, family) -> record, raising ExtractionError for "no article".
Reader = Callable[[str, str, str], ArticleRecord]


def read_with_profile(html: str, url: str, family: str) -> ArticleRecord:
    """The family's bundled profile."""
    return parse_article(html, url, get_profile(PROFILE_FOR_FAMILY[family]))


def read_generic(html: str, url: str, family: str) -> ArticleRecord:
    """The generic reader: it reads no profile, so it never sees the family's."""
    return extract_fallback(html, url)


READERS: dict[str, Reader] = {"profile": read_with_profile, "generic": read_generic}


def field_accuracy(
    seed: int = 1, scale: float = 0.1, world: World | None = None, readers: dict[str, Reader] = READERS
) -> Report:
    """Every reader on every live article of the gold world; the generic reader on its pages that are no article.

    Other readers (a profile learned from examples, say) are scored alike when passed in `readers`.
    """
    world = world or gold_world(seed, scale)
    scores: dict[tuple[str, str], Score] = defaultdict(Score)
    non_articles: dict[str, tuple[int, int]] = {}
    for portal in world.portals.values():
        family = portal.spec.family
        for article in portal.live():
            html = pages.render_article(portal, article, random.Random(article.id), world)
            url = _BASE + pages.article_path(article)
            expected = expected_fields(article, family)
            for name, read in readers.items():
                _score(
                    scores[(family, name)],
                    lambda read=read, html=html, url=url, family=family: read(html, url, family),
                    expected,
                )
        checked, returned = _articles_returned(portal)
        before = non_articles.get(family, (0, 0))
        non_articles[family] = (before[0] + checked, before[1] + returned)
    return Report(dict(scores), non_articles)


def _articles_returned(portal: Portal) -> tuple[int, int]:
    """(pages that are no article, articles the generic reader returned for them)."""
    checked = returned = 0
    for url, html in non_article_pages(portal, random.Random(portal.spec.id)):
        checked += 1
        try:
            extract_fallback(html, url)
            returned += 1
        except ExtractionError:
            pass
    return checked, returned


# ---------------------------------------------------------------- profiles learned from examples

LEARNED_FIELDS = ("title", "published_at", "view_count", "author", "body_text")
LEARN_EXAMPLES = 5


def learned_profile_accuracy(
    seed: int = 1, scale: float = 0.1, examples: int = LEARN_EXAMPLES, world: World | None = None
) -> dict[str, dict[str, float]]:
    """family -> field -> share of pages exactly right, read by profiles learned from `examples` pages.

    One profile per portal, learned from `examples` of its live articles (and
    its first listing page), is scored on every other live article of the
    portal; the shares are per family, ``all`` is the share of pages with
    every field right. A portal whose examples teach no profile counts its
    pages as wrong.
    """
    world = world or gold_world(seed, scale)
    right: dict[str, Counter] = defaultdict(Counter)
    scored: Counter = Counter()
    for portal in world.portals.values():
        family, live = portal.spec.family, portal.live()
        chosen = {a.id for a in random.Random(f"{seed}:{portal.spec.id}").sample(live, examples)}
        rendered = {
            a.id: (_BASE + pages.article_path(a), pages.render_article(portal, a, random.Random(a.id), world))
            for a in live
        }
        listing = pages.render_listing(portal, 1, random.Random(seed))
        try:
            learned = learn_profile(
                [Page(rendered[a][0], *rendered[a]) for a in sorted(chosen)],
                f"learned_{family}",
                Page("listing", _BASE + pages.listing_path(family, 1), listing) if listing else None,
            ).profile()
        except LearnError:
            learned = None
        for article in (a for a in live if a.id not in chosen):
            scored[family] += 1
            try:
                got = (
                    record_fields(parse_article(rendered[article.id][1], rendered[article.id][0], learned))
                    if learned
                    else None
                )
            except ExtractionError:
                got = None
            expected = expected_fields(article, family)
            hits = [got is not None and got[name] == expected[name] for name in LEARNED_FIELDS]
            right[family].update(name for name, hit in zip(LEARNED_FIELDS, hits, strict=False) if hit)
            right[family]["all"] += all(hits)
    return {
        family: {name: right[family][name] / count for name in (*LEARNED_FIELDS, "all")} | {"pages": count}
        for family, count in scored.items()
    }


def print_learned_profile_accuracy(scale: float, seed: int = 1) -> None:
    report = learned_profile_accuracy(seed=seed, scale=scale)
    names = (*LEARNED_FIELDS, "all")
    header = f"{'family':<10} {'pages':>5} " + " ".join(f"{name:>12}" for name in names)
    print(f"\nProfiles learned from {LEARN_EXAMPLES} pages of each portal, on the portal's other pages")
    print(header)
    print("-" * len(header))
    for family, shares in sorted(report.items()):
        print(f"{family:<10} {shares['pages']:>5} " + " ".join(f"{shares[name]:>12.1%}" for name in names))


def render_report(report: Report) -> str:
    header = f"{'family':<11} {'reader':<8} {'pages':>5} " + " ".join(f"{name:>12}" for name in FIELDS)
    lines = [header, "-" * len(header)]
    for (family, extractor), score in sorted(report.scores.items()):
        cells = " ".join(f"{score.share(name):>12.1%}" for name in FIELDS)
        lines.append(f"{family:<11} {extractor:<8} {score.pages:>5} {cells}")
    lines += [
        "",
        f"generic reader, exact {', '.join(GENERIC_FIELDS)}: {report.overall_generic():.1%} of the fields "
        f"of every page, {report.mean_generic():.1%} averaged over families",
        "",
        "pages read as no article (the most frequent reason):",
    ]
    for (family, extractor), score in sorted(report.scores.items()):
        if score.failures:
            reason, count = score.failures.most_common(1)[0]
            lines.append(
                f"  {family:<11} {extractor:<8} {sum(score.failures.values())} of {score.pages}: {reason} ({count})"
            )
    lines += [
        "",
        "pages that are no article (listings, document listing, not found, server errors): "
        "articles the generic reader returned",
    ]
    lines += [
        f"  {family:<11} {returned} of {checked}"
        for family, (checked, returned) in sorted(report.non_articles.items())
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m portalwatch.accuracy", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "scale", nargs="?", type=float, default=0.1, help="size of the simulated world (default 0.1)"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(render_report(field_accuracy(seed=args.seed, scale=args.scale)))
    print_learned_profile_accuracy(args.scale, args.seed)


if __name__ == "__main__":
    main()
