"""Republication in the simulated world: lower levels copy what higher levels publish.

District portals republish provincial articles, commune portals provincial and
district ones (a district's copy included, so copies form chains), hours to
weeks after the original, in the forms real portals use:

- ``verbatim``: word for word;
- ``retitled``: the same text under a new heading;
- ``trimmed``: the lead and the first paragraphs only;
- ``edited``: lightly edited (an introduction line, a sentence added or cut,
  the lead's "Vừa qua" or "Sáng 12/5" turned into the original's date);

each attributed in the byline (``Theo Bùi Mai``), in a last line
(``Nguồn: dienbien.dcs.vn``, ``(Theo Trang thông tin điện tử ...)``) or not at
all. Every decision is drawn from a generator of the copy's own, so a world
stays a function of its seed and its steps.
"""

from __future__ import annotations

import math
import random
import re
from bisect import bisect_right
from datetime import datetime, timedelta

from portalwatch.sim import corpus
from portalwatch.sim.model import Article, Portal

KINDS = ("verbatim", "retitled", "trimmed", "edited")
_KIND_WEIGHTS = (0.3, 0.25, 0.25, 0.2)
LEVEL = {"province": 0, "district": 1, "commune": 2}
SHARE = {"district": 0.12, "commune": 0.2}  # share of a portal's articles that are copies
MIN_LAG = timedelta(hours=2)
MAX_LAG = timedelta(days=21)
_OPENER = re.compile(
    r"^(?:Vừa qua|(?:Sáng|Chiều|Tối)(?: ngày)? \d{1,2}/\d{1,2}(?:/\d{4})?|Ngày \d{1,2}/\d{1,2}/\d{4}),"
)
_AUTHOR = re.compile(r"^(?:Tin, ảnh:\s*|Theo\s+)?(?P<name>[^,\-]+?)\s*(?:[,\-].*)?$")
_INTROS = (
    "Thực hiện chỉ đạo của cấp trên, {place} thông tin đến cán bộ, đảng viên và nhân dân nội dung sau:",
    "Ban biên tập trân trọng giới thiệu bài viết của {source}.",
    "Để cán bộ, đảng viên và nhân dân trên địa bàn nắm được, {place} đăng tải nội dung sau:",
)


def maybe_republish(seed: int, portals: dict[str, Portal], portal: Portal, copy: Article) -> None:
    """Turn a freshly published article into a copy of a higher level's article, for a share of them.

    `seed` and `portals` are the world's.
    """
    rng = random.Random(f"{seed}:{portal.spec.id}:republish:{copy.id}")
    if rng.random() >= SHARE.get(portal.spec.level, 0.0):
        return
    original = _pick_original(portals, portal, copy.published_at, rng)
    if original is None:
        return
    kind = rng.choices(KINDS, _KIND_WEIGHTS)[0]
    copy.republished_from, copy.republication_kind = original, kind
    original.copies.append(copy)
    copy.title = original.title
    copy.lead = original.lead
    copy.paragraphs = list(original.paragraphs)
    copy.images = list(original.images)
    copy.attachments = list(original.attachments)
    copy.byline = corpus.byline(rng, portal.spec.level)
    if kind == "retitled":
        copy.title = (
            corpus.edit_title(rng, original.title)
            if rng.random() < 0.5
            else corpus.title(rng, portal.spec.place)
        )
    elif kind == "trimmed":
        keep = rng.randint(max(2, len(copy.paragraphs) // 4), len(copy.paragraphs) - 1)
        copy.paragraphs = copy.paragraphs[:keep]
        copy.images = [image for image in copy.images if image[2] < keep]
    elif kind == "edited":
        _edit_copy(rng, portal, original, copy)
    _attribute(rng, original, copy)
    # A mention survives where its paragraph does (an introduction line shifts the indexes).
    copy.citations = [
        (index, mention, number)
        for _, mention, number in original.citations
        for index, paragraph in enumerate(copy.paragraphs)
        if mention in paragraph
    ]
    copy.cited = {number: original.cited[number] for _, _, number in copy.citations}


def _pick_original(
    portals: dict[str, Portal], portal: Portal, published_at: datetime, rng: random.Random
) -> Article | None:
    """A live article of a higher level, published a lag (log-uniform, hours to weeks) before."""
    level = LEVEL[portal.spec.level]
    higher = [p for p in portals.values() if LEVEL[p.spec.level] < level and p.articles]
    if not higher:
        return None
    source = higher[rng.randrange(len(higher))]
    lag = math.exp(rng.uniform(math.log(MIN_LAG.total_seconds()), math.log(MAX_LAG.total_seconds())))
    target = published_at - timedelta(seconds=lag)
    at = bisect_right(source.articles, target, key=lambda article: article.published_at)
    for candidate in reversed(source.articles[max(0, at - 20) : at]):
        if published_at - candidate.published_at > MAX_LAG:
            return None
        if (
            not candidate.removed
            and len(candidate.paragraphs) >= 3
            and all(c.portal is not portal.spec for c in candidate.copies)
        ):
            return candidate
    return None


def _edit_copy(rng: random.Random, portal: Portal, original: Article, copy: Article) -> None:
    """One or two light edits: an introduction line, a sentence added or cut, a dated opener."""
    edits = rng.sample(("intro", "add", "cut", "dated"), rng.choice((1, 1, 2)))
    for edit in edits:
        if edit == "intro":
            line = _INTROS[rng.randrange(len(_INTROS))]
            copy.paragraphs.insert(0, line.format(place=portal.spec.place, source=original.portal.name))
            copy.images = [(name, caption, index + 1) for name, caption, index in copy.images]
        elif edit == "dated" and _OPENER.match(copy.lead):
            when = original.published_at
            copy.lead = _OPENER.sub(f"Ngày {when.day}/{when.month}/{when.year},", copy.lead, count=1)
        else:
            index = rng.randrange(len(copy.paragraphs))
            paragraph = copy.paragraphs[index]
            cut = corpus.drop_sentence(rng, paragraph) if edit == "cut" else paragraph
            copy.paragraphs[index] = cut if cut != paragraph else corpus.insert_sentence(rng, paragraph)


def _attribute(rng: random.Random, original: Article, copy: Article) -> None:
    """Credit the original in the byline, in a last line, or not at all."""
    r = rng.random()
    if r < 0.3:
        author = _AUTHOR.match(original.byline)
        copy.byline = f"Theo {author.group('name') if author else original.portal.name}"
    elif r < 0.45:
        copy.paragraphs.append(f"Nguồn: {_domain_of(original)}")
    elif r < 0.7:
        copy.paragraphs.append(f"(Theo {original.portal.name})")
    elif r < 0.85:
        copy.byline = original.byline


def _domain_of(article: Article) -> str:
    """The host a portal is known by in attribution lines."""
    if article.portal.family == "province":
        return "dienbien.dcs.vn"
    return f"{article.portal.id}.dienbien.gov.vn"
