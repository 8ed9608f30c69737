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


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 0.1
    report = field_accuracy(scale=scale)
    header = f"{'family':<10} {'extractor':<9} {'pages':>5} " + " ".join(f"{name:>12}" for name in FIELDS)
    print(header)
    print("-" * len(header))
    for (family, extractor), shares in sorted(report.items()):
        cells = " ".join(f"{shares[name]:>12.1%}" for name in FIELDS)
        print(f"{family:<10} {extractor:<9} {shares['pages']:>5} {cells}")


if __name__ == "__main__":
    main()
