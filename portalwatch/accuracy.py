"""Field accuracy of the parsers on the simulator's gold set, per page family.

Every live article of a seeded simulated world is rendered by the simulator's
page code (variants included: NFD pages, no counter, no byline, photo
stories, long reports, document citations, Joomla's long date line) and
parsed twice: by its family's CMS profile and by the generic extractor. The
simulator's own articles are the expected values. ``make accuracy`` prints
the share of pages on which each field is exactly right.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict
from zoneinfo import ZoneInfo

from portalwatch.errors import ExtractionError
from portalwatch.parse import parse_article
from portalwatch.parse.fallback import extract_fallback
from portalwatch.parse.learn import Page, learn_profile
from portalwatch.parse.profile import get_profile
from portalwatch.sim import pages
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import World

FIELDS = ("title", "published_at", "view_count", "byline", "lead", "body_text", "images")
_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def field_accuracy(seed: int = 1, scale: float = 0.1) -> dict[tuple[str, str], dict[str, float]]:
    """(family, extractor) -> field -> share of pages exactly right (a failed page counts as wrong)."""
    world = World(seed=seed, scale=scale)
    world.advance(3)
    right: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    pages_seen: dict[tuple[str, str], int] = defaultdict(int)
    for portal in world.portals.values():
        family = portal.spec.family
        profile = get_profile(PROFILE_FOR_FAMILY[family])
        for article in portal.live():
            html = pages.render_article(portal, article, random.Random(article.id), world)
            url = "http://portal.example" + pages.article_path(article)
            expected = {
                "title": article.title, "published_at": article.published_at.replace(tzinfo=_TZ),
                "view_count": None if family == "district" else article.views, "byline": article.byline,
                "lead": article.lead, "body_text": "\n\n".join(article.paragraphs),
                "images": [(name, caption) for name, caption, _ in article.images],
            }  # fmt: skip
            for extractor, parse in (("profile", lambda: parse_article(html, url, profile)),
                                     ("fallback", lambda: extract_fallback(html, url))):  # fmt: skip
                key = (family, extractor)
                pages_seen[key] += 1
                try:
                    record = parse()
                except ExtractionError:
                    continue
                got = {name: getattr(record, name) for name in FIELDS}
                got["images"] = [(image.src, image.caption) for image in record.images]
                for name in FIELDS:
                    right[key][name] += got[name] == expected[name]
    return {key: {name: right[key][name] / count for name in FIELDS} | {"pages": count} for key, count in pages_seen.items()}


# ---------------------------------------------------------------- profiles learned from examples

LEARNED_FIELDS = ("title", "published_at", "view_count", "byline", "body_text")
LEARN_EXAMPLES = 5


def learned_profile_accuracy(seed: int = 1, scale: float = 0.1, examples: int = LEARN_EXAMPLES) -> dict[str, dict[str, float]]:
    """family -> field -> share of pages exactly right, read by profiles learned from `examples` pages.

    One profile per portal, learned from `examples` of its live articles (and
    its first listing page), is scored on every other live article of the
    portal; the shares are per family. ``published_at`` is compared to the
    minute, ``all`` is the share of pages with every field right.
    """
    world = World(seed=seed, scale=scale)
    world.advance(3)
    right: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    scored: dict[str, int] = defaultdict(int)
    for portal in world.portals.values():
        family, base = portal.spec.family, f"http://{portal.spec.id}.portal.example"
        live = portal.live()
        chosen = {a.id for a in random.Random(f"{seed}:{portal.spec.id}").sample(live, examples)}
        rendered = {a.id: pages.render_article(portal, a, random.Random(a.id), world) for a in live}
        learned = learn_profile(
            [Page(base + pages.article_path(a), base + pages.article_path(a), rendered[a.id]) for a in live if a.id in chosen],
            name=f"learned_{family}",
            listing_page=Page("listing", base + pages.listing_path(family, 1), pages.render_listing(portal, 1, random.Random(seed))),
        ).profile()
        for article in live:
            if article.id in chosen:
                continue
            scored[family] += 1
            expected = {"title": article.title, "published_at": article.published_at.replace(second=0, tzinfo=_TZ),
                        "view_count": None if family == "district" else article.views, "byline": article.byline,
                        "body_text": "\n\n".join(article.paragraphs)}  # fmt: skip
            try:
                record = parse_article(rendered[article.id], base + pages.article_path(article), learned)
            except ExtractionError:
                continue
            got = {name: getattr(record, name) for name in LEARNED_FIELDS}
            got["published_at"] = got["published_at"].replace(second=0)
            hits = [got[name] == expected[name] for name in LEARNED_FIELDS]
            for name, hit in zip(LEARNED_FIELDS, hits):
                right[family][name] += hit
            right[family]["all"] += all(hits)
    return {family: {name: right[family][name] / count for name in (*LEARNED_FIELDS, "all")} | {"pages": count}
            for family, count in scored.items()}  # fmt: skip


def print_learned_profile_accuracy(scale: float) -> None:
    report = learned_profile_accuracy(scale=scale)
    names = (*LEARNED_FIELDS, "all")
    header = f"{'family':<10} {'pages':>5} " + " ".join(f"{name:>12}" for name in names)
    print(f"\nProfiles learned from {LEARN_EXAMPLES} pages of each portal, on the portal's other pages")
    print(header)
    print("-" * len(header))
    for family, shares in sorted(report.items()):
        print(f"{family:<10} {shares['pages']:>5} " + " ".join(f"{shares[name]:>12.1%}" for name in names))


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    report = field_accuracy(scale=scale)
    header = f"{'family':<10} {'extractor':<9} {'pages':>5} " + " ".join(f"{name:>12}" for name in FIELDS)
    print(header)
    print("-" * len(header))
    for (family, extractor), shares in sorted(report.items()):
        cells = " ".join(f"{shares[name]:>12.1%}" for name in FIELDS)
        print(f"{family:<10} {extractor:<9} {shares['pages']:>5} {cells}")
    print_learned_profile_accuracy(scale)


if __name__ == "__main__":
    main()

