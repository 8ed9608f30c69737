"""The simulated portal network: articles that appear, change and disappear.

Everything is a function of the seed and of the number of steps taken, never
of the order of requests, so two simulators with the same seed and the same
``advance`` calls publish the same world.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import datetime, timedelta

from portalwatch.sim import corpus, republish
from portalwatch.sim.corpus import ascii_slug
from portalwatch.sim.documents import Document, make_documents
from portalwatch.sim.model import Article, Portal, PortalSpec

START = datetime(2025, 5, 5, 8, 0, 0)  # local time (Asia/Ho_Chi_Minh) of step 0
STEP = timedelta(hours=1)
DOCUMENT_REMOVAL_CHANCE = 0.3  # per portal and step
DOCUMENTS_KEPT = 3  # live documents a portal never goes below


DEFAULT_PORTALS = (
    PortalSpec(
        "dcs-dienbien",
        "Trang thông tin điện tử Đảng bộ tỉnh Điện Biên",
        "province",
        "tỉnh Điện Biên",
        1350,
        (1, 3),
        (1, 3),
        (0, 1),
    ),
    PortalSpec(
        "tuachua",
        "Cổng thông tin điện tử huyện Tủa Chùa",
        "district",
        "huyện Tủa Chùa",
        900,
        (0, 2),
        (1, 2),
        (0, 1),
        nfd_share=0.2,
    ),
    PortalSpec(
        "muongang",
        "Cổng thông tin điện tử huyện Mường Ảng",
        "district",
        "huyện Mường Ảng",
        600,
        (0, 2),
        (1, 2),
        (0, 1),
        misdeclared_share=0.3,
    ),
    PortalSpec(
        "xa-muong-dun",
        "Cổng thông tin điện tử xã Mường Đun",
        "commune",
        "xã Mường Đun",
        300,
        (0, 1),
        (0, 2),
        (0, 1),
        nfd_share=0.3,
    ),
    PortalSpec(
        "xa-tua-thang",
        "Cổng thông tin điện tử xã Tủa Thàng",
        "commune",
        "xã Tủa Thàng",
        250,
        (0, 1),
        (0, 2),
        (0, 1),
        nfd_share=0.3,
        variant="duoc-dang",
    ),
)

# Portals on platforms the project was not written for (see portalwatch.sim.families): in the
# world only when asked (`portalwatch sim --families all`), so that the demo, the tests and the
# benchmarks keep their five portals and their speed.
MORE_PORTALS = (
    PortalSpec(
        "xa-thanh-xuong",
        "Cổng thông tin điện tử xã Thanh Xương",
        "portlet",
        "xã Thanh Xương",
        220,
        (0, 1),
        (0, 2),
        (0, 1),
        nfd_share=0.2,
    ),
    PortalSpec(
        "dienbiendong",
        "Cổng thông tin điện tử huyện Điện Biên Đông",
        "sharepoint",
        "huyện Điện Biên Đông",
        260,
        (0, 2),
        (1, 2),
        (0, 1),
    ),
    PortalSpec(
        "xa-keo-lom",
        "Trang thông tin điện tử xã Keo Lôm",
        "wordpress",
        "xã Keo Lôm",
        150,
        (0, 1),
        (0, 1),
        (0, 1),
        misdeclared_share=0.3,
    ),
    PortalSpec(
        "huyen-dien-bien",
        "Cổng thông tin điện tử huyện Điện Biên",
        "newspaper",
        "huyện Điện Biên",
        400,
        (1, 3),
        (1, 2),
        (0, 1),
    ),
    PortalSpec(
        "muongcha",
        "Trang thông tin điện tử huyện Mường Chà",
        "table",
        "huyện Mường Chà",
        200,
        (0, 1),
        (0, 1),
        (0, 1),
        nfd_share=0.2,
    ),
    PortalSpec(
        "xa-muong-pon",
        "Cổng thông tin điện tử xã Mường Pồn",
        "egov",
        "xã Mường Pồn",
        180,
        (0, 1),
        (0, 2),
        (0, 1),
    ),
)
FAMILY_SETS = {"default": DEFAULT_PORTALS, "all": DEFAULT_PORTALS + MORE_PORTALS}
MINUTE_FAMILIES = frozenset(
    {"commune", "portlet", "sharepoint", "newspaper", "table"}
)  # CMSs that keep minutes only
EDIT_TIME_FAMILIES = frozenset(
    {"commune", "wordpress"}
)  # CMSs whose pages show when an article was last edited


def network(portal_count: int = len(DEFAULT_PORTALS), families: str = "default") -> tuple[PortalSpec, ...]:
    """The portals of a family set ("default": the five seed portals, "all": with MORE_PORTALS),
    repeated (with numbered ids) up to `portal_count` portals."""
    if families not in FAMILY_SETS:
        raise ValueError(f"unknown family set {families!r}; known: {', '.join(FAMILY_SETS)}")
    base_specs = FAMILY_SETS[families]
    specs = []
    for index in range(portal_count):
        base = base_specs[index % len(base_specs)]
        copy = index // len(base_specs)
        specs.append(replace(base, id=f"{base.id}-{copy + 1}") if copy else base)
    return tuple(specs)


_SUBJECT_OPENER = re.compile(r"^(?:V/v|Về)\s+", re.IGNORECASE)
MENTION_STYLES = ("standard", "spaced", "dashed", "plain")  # see Document.mention
CATEGORIES = ("Chính trị", "Kinh tế", "Văn hóa - Xã hội", "Quốc phòng - An ninh", "Xây dựng Đảng")


class World:
    """All portals, their articles, and simulated time."""

    def __init__(
        self,
        seed: int = 1,
        scale: float = 1.0,
        portals: tuple[PortalSpec, ...] = DEFAULT_PORTALS,
        sizes: dict[str, int] | None = None,
    ):
        """`sizes` gives some portals an exact number of articles at step 0, whatever the scale."""
        sizes = sizes or {}
        unknown = set(sizes) - {spec.id for spec in portals}
        if unknown:
            raise ValueError(
                f"unknown portal id(s) {sorted(unknown)}; known: {[spec.id for spec in portals]}"
            )
        self.seed = seed
        self.step = 0
        self.portals: dict[str, Portal] = {}
        # Documents first, all portals: articles cite them, and lower levels cite the province's.
        cite_pool: list[Document] = []
        for index, spec in enumerate(portals):
            size = max(15, round(spec.size * scale))
            docs_rng = random.Random(f"{seed}:{spec.id}:documents")
            portal = Portal(spec)
            portal.documents = make_documents(
                docs_rng,
                spec.family,
                spec.place,
                max(4, size // 25),
                START,
                timedelta(days=max(60, size * 2)),
                first_id=100 * (index + 1),
                cite_pool=cite_pool,
            )
            self.portals[spec.id] = portal
        for index, spec in enumerate(portals):
            rng = random.Random(f"{seed}:{spec.id}:init")
            portal = self.portals[spec.id]
            size = sizes[spec.id] if spec.id in sizes else max(15, round(spec.size * scale))
            # Back-date the archive: a few articles a week over the years before START.
            span = timedelta(days=max(60, size * 2))
            times = sorted(
                START - timedelta(seconds=rng.uniform(0, span.total_seconds())) for _ in range(size)
            )
            for published_at in times:
                self._publish(portal, rng, published_at, base_id=1000 * (index + 1))

    def documents_citable(self, portal: Portal) -> list[Document]:
        """What a portal's articles cite: its own documents and the province's."""
        province = [p for p in self.portals.values() if p.spec.family == "province" and p is not portal]
        return portal.documents + [doc for p in province for doc in p.documents]

    def document(self, number: str) -> Document | None:
        for portal in self.portals.values():
            for doc in portal.documents:
                if doc.number == number:
                    return doc
        return None

    @property
    def now(self) -> datetime:
        return START + self.step * STEP

    def _publish(self, portal: Portal, rng: random.Random, published_at: datetime, base_id: int) -> Article:
        place = portal.spec.place
        paragraph_count = rng.randint(4, 10)
        paragraphs = corpus.paragraphs(rng, place, paragraph_count)
        images = [
            (corpus.image_name(rng), corpus.caption(rng, place), rng.randrange(paragraph_count))
            for _ in range(rng.choice((0, 1, 1, 2, 3)))
        ]
        article_id = portal.articles[-1].id + 1 if portal.articles else base_id + 1
        title = corpus.title(rng, place)
        article = Article(
            id=article_id,
            portal=portal.spec,
            slug=ascii_slug(title),
            title=title,
            lead=corpus.lead(rng, place),
            paragraphs=paragraphs,
            images=sorted(images, key=lambda image: image[2]),
            byline=corpus.byline(rng, portal.spec.level),
            # Joomla and some others keep posting times to the minute; the other CMSs to the second.
            published_at=published_at.replace(
                second=0 if portal.spec.family in MINUTE_FAMILIES else published_at.second, microsecond=0
            ),
            views=rng.randint(50, 12000),
        )
        self._dress(portal, article)
        republish.maybe_republish(self.seed, self.portals, portal, article)
        article.slug = ascii_slug(article.title)
        portal.articles.append(article)
        portal.by_id[article.id] = article
        return article

    def _dress(self, portal: Portal, article: Article) -> None:
        """What the page shows beyond the text: category, citations of documents, attached files, variants.

        Drawn from a generator of the article's own so that the text of every
        article stays what it was before these existed.
        """
        rng = random.Random(f"{self.seed}:{portal.spec.id}:dress:{article.id}")
        article.category = CATEGORIES[rng.randrange(len(CATEGORIES))]
        shape = rng.random()
        if shape < 0.04:
            article.byline = ""  # no byline at all
        elif shape < 0.06 and article.images:
            article.paragraphs = []  # a photo story: images and captions only
            article.images = [(name, caption, 0) for name, caption, _ in article.images]
            return
        elif shape < 0.08:
            article.paragraphs += corpus.paragraphs(rng, portal.spec.place, 30)  # a very long report
        citable = [doc for doc in self.documents_citable(portal) if doc.issued < article.published_at.date()]
        if citable and rng.random() < 0.3:
            doc = citable[rng.randrange(len(citable))]
            # How the number is written and whether the text applies or announces the document are
            # drawn apart, so that the rest of the article is what it was before they existed.
            styling = random.Random(f"{self.seed}:{portal.spec.id}:mention:{article.id}")
            mention = doc.mention(styling.choices(MENTION_STYLES, (0.55, 0.15, 0.15, 0.15))[0])
            at = rng.randrange(len(article.paragraphs) + 1)
            article.paragraphs.insert(
                at,
                f"Thực hiện {mention} của {doc.issuer_name}, {portal.spec.place} đã triển khai nhiều giải pháp "
                "đồng bộ, phân công nhiệm vụ cụ thể cho từng cơ quan, đơn vị, bảo đảm đúng tiến độ đề ra."
                if styling.random() < 0.7
                else f"{doc.issuer_name} vừa ban hành {mention} về {_SUBJECT_OPENER.sub('', doc.subject)}. "
                "Toàn văn được đăng tải tại mục Văn bản của cổng thông tin.",
            )
            article.images = [
                (name, caption, index + (index >= at)) for name, caption, index in article.images
            ]
            article.citations.append((at, mention, doc.number))
            article.cited[doc.number] = doc
            if rng.random() < 0.5:
                article.attachments.append(doc.number)

    def advance(self, steps: int = 1) -> dict[str, dict[str, int]]:
        """Move time forward; returns what happened per portal (created/updated/removed)."""
        happened: dict[str, dict[str, int]] = {
            pid: {"created": 0, "updated": 0, "removed": 0, "documents_removed": 0} for pid in self.portals
        }
        for _ in range(steps):
            self.step += 1
            for index, (portal_id, portal) in enumerate(self.portals.items()):
                rng = random.Random(f"{self.seed}:{portal_id}:step{self.step}")
                spec = portal.spec
                counts = happened[portal_id]
                live = [article for article in portal.articles if not article.removed]
                # Articles that change this step are drawn first, from those that existed before it.
                edits = rng.randint(*spec.edits_per_step)
                removals = rng.randint(*spec.removals_per_step)
                chosen = rng.sample(live, min(len(live), edits + removals))
                for article in chosen[:edits]:
                    self._edit(article, rng)
                    counts["updated"] += 1
                for article in chosen[edits:]:
                    article.removed = True
                    article.last_changed_step = self.step
                    counts["removed"] += 1
                for article in live:
                    article.views += rng.randint(0, 40)
                for _ in range(rng.randint(*spec.new_per_step)):
                    published_at = self.now - timedelta(minutes=rng.randint(0, 59))
                    article = self._publish(portal, rng, published_at, base_id=1000 * (index + 1))
                    article.last_changed_step = self.step
                    counts["created"] += 1
                counts["documents_removed"] = self._take_down_documents(portal, portal_id)
        return happened

    def _take_down_documents(self, portal: Portal, portal_id: str) -> int:
        """Now and then a portal takes an official document down, never emptying its documents
        section. Drawn from a generator of its own, so that the articles evolve exactly as they
        would without documents."""
        rng = random.Random(f"{self.seed}:{portal_id}:step{self.step}:documents")
        live = [document for document in portal.documents if not document.removed]
        if len(live) <= DOCUMENTS_KEPT or rng.random() >= DOCUMENT_REMOVAL_CHANCE:
            return 0
        rng.choice(live).removed = True
        return 1

    def _edit(self, article: Article, rng: random.Random) -> None:
        if rng.random() < 0.35 or not article.paragraphs:
            article.title = corpus.edit_title(rng, article.title)
        else:
            # Editors correct the text around a document's number and date, not the citation itself.
            cited = {at for at, _, _ in article.citations}
            editable = [i for i in range(len(article.paragraphs)) if i not in cited] or list(
                range(len(article.paragraphs))
            )
            index = editable[rng.randrange(len(editable))]
            article.paragraphs[index] = corpus.edit_paragraph(rng, article.paragraphs[index])
        article.version += 1
        article.last_changed_step = self.step
        if article.portal.family in EDIT_TIME_FAMILIES:
            article.updated_at = self.now
