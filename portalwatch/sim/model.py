"""The simulated world's data: portals, their specifications and their articles.

:mod:`portalwatch.sim.world` makes them evolve; the page families, the pages,
the archive and republication read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portalwatch.sim.documents import Document


@dataclass(frozen=True)
class PortalSpec:
    id: str
    name: str
    family: str  # page family and CMS: "province" | "district" | "commune", or one of MORE_PORTALS' families
    place: str
    size: int  # articles at step 0
    new_per_step: tuple[int, int]  # inclusive range
    edits_per_step: tuple[int, int]
    removals_per_step: tuple[int, int]
    nfd_share: float = 0.0  # share of responses whose text arrives decomposed (NFD)
    misdeclared_share: float = 0.0  # share of responses in UTF-8 that declare ISO-8859-1
    variant: str = ""  # a CMS configuration of the family: "duoc-dang" (Joomla's long date line and Hits)

    @property
    def level(self) -> str:
        """The administrative level the place is at: "province", "district" or "commune"."""
        if self.place.startswith(("xã ", "phường ", "thị trấn ")):
            return "commune"
        return "district" if self.place.startswith(("huyện ", "thị xã ", "thành phố ")) else "province"


@dataclass
class Article:
    id: int
    portal: PortalSpec
    slug: str
    title: str
    lead: str
    paragraphs: list[str]
    images: list[tuple[str, str, int]]  # (file name, caption, index of the paragraph it follows)
    byline: str
    published_at: datetime
    views: int
    version: int = 1
    removed: bool = False
    last_changed_step: int = -1
    category: str = "Tin tức - Sự kiện"
    updated_at: datetime | None = None  # shown by Joomla once the article was edited
    citations: list[tuple[int, str, str]] = field(
        default_factory=list
    )  # (paragraph, mention, document number)
    cited: dict[str, Document] = field(default_factory=dict)  # document number -> the document cited
    attachments: list[str] = field(default_factory=list)  # numbers of the documents whose PDF it attaches
    # The higher level's article this one copies, and its copies: kept out of repr and ==, which would follow the chain.
    republished_from: Article | None = field(default=None, repr=False, compare=False)
    republication_kind: str = ""  # verbatim | retitled | trimmed | edited (see portalwatch.sim.republish)
    copies: list[Article] = field(default_factory=list, repr=False, compare=False)


@dataclass
class Portal:
    spec: PortalSpec
    articles: list[Article] = field(default_factory=list)  # oldest first
    by_id: dict[int, Article] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)  # oldest first
    visits: int = 0
    requests: int = 0

    def live(self) -> list[Article]:
        """Published articles, newest first (the listing order)."""
        return [article for article in reversed(self.articles) if not article.removed]
