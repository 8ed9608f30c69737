"""CMS profiles learned from example pages of one portal.

Three to ten article pages of a portal share their template and differ in
their content. On every example the learner finds the nodes that hold each
field: the heading whose text the page's ``<title>`` or ``og:title`` repeats,
the date-shaped line nearest it (or the JSON-LD ``datePublished`` when the page
shows no time), the block with the most paragraph text, the short closing line
that names the author. For each field it proposes CSS
selectors from the classes, ids and attributes of those nodes and of their
ancestors, tries every proposal on every example, and keeps the one that reads
the most examples alike (the most specific one on a tie). Blocks inside the
body whose text is the same on every example are chrome. The result is an
ordinary profile (:mod:`portalwatch.parse.profile`): the parser applies it
like a hand-written one, and a human can read and adjust it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

from pydantic import ValidationError
from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from portalwatch.errors import ExtractionError, PortalwatchError
from portalwatch.parse.article import parse_article
from portalwatch.parse.date_shapes import (
    VIETNAMESE_AMPM,
    DateShape,
    counter_pattern,
    counter_values,
    date_patterns,
    date_shapes,
    json_ld_date,
)
from portalwatch.parse.fields import find_datetime
from portalwatch.parse.profile import DEFAULT_BYLINE_PATTERNS, Profile, get_profile
from portalwatch.parse.text import clean_line, node_text

MIN_EXAMPLES, MAX_EXAMPLES = 3, 10

_IDENT = re.compile(r"^-?[A-Za-z_][\w-]*$")
_ATTR_VALUE = re.compile(r"^[\w:./+ -]{1,60}$")
_META_ATTRS = ("itemprop", "role", "property", "rel", "align", "type")
_NO_TEXT = frozenset(
    {
        "script",
        "style",
        "noscript",
        "a",
        "option",
        "select",
        "button",
        "head",
        "title",
        "iframe",
        "svg",
        "template",
        "textarea",
    }
)
_BLOCKS = frozenset(
    {
        "p",
        "div",
        "li",
        "td",
        "th",
        "dd",
        "dt",
        "blockquote",
        "section",
        "article",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "pre",
        "figure",
        "figcaption",
        "tr",
        "table",
        "ul",
        "ol",
        "main",
        "center",
    }
)
_LEAD_HINT = re.compile(r"sapo|lead|summary|tomtat|tom-tat|description|intro|chapeau|abstract|trichyeu", re.I)
_BYLINE_HINT = re.compile(r"author|byline|tacgia|tac-gia|nguon|source|signature|writer|butdanh", re.I)
_BYLINE_START = re.compile(r"^(?:Tin|Bài|Ảnh|Theo|Nguồn|Tác giả|Viết bởi|Người viết|PV|CTV|BTV)\b", re.I)
_DEFAULT_DROP = ["script", "style", "iframe", "noscript"]
# Byline labels the default byline patterns already split.
_BYLINE_KNOWN_LABEL = re.compile(r"^(?:Tin|Bài|Ảnh|Theo|Nguồn)\b", re.I)
# Pager texts: "Trang 2 của 14", "Trang 1/9"; "1-10 of 1350", "Hiển thị 1 - 10 trong 256"; "Tổng số: 68".
_PAGES = r"Trang\s*\d+\s*(?:của|/|trên)\s*(?P<pages>\d+)"
_TOTAL_COUNT = r"Tổng\s*số\s*:?\s*(?P<total>\d[\d.]*)"  # "Tổng số: 68 bản tin"
_TOTAL = (
    r"(?P<first>\d+)\s*-\s*(?P<last>\d+)\s*(?:of|/|trong|trên|của)\s*(?:tổng\s*số\s*)?(?P<total>\d[\d.]*)"
)


class LearnError(PortalwatchError):
    """The examples do not show a field the profile needs, or cannot be read."""


@dataclass(frozen=True, slots=True)
class Page:
    """An example page: what the user named (a URL or a file), the URL it is known by, and its HTML."""

    source: str
    url: str
    html: str


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """The rule picked for one field and on how many examples it reads what the learner found there."""

    field: str
    rule: str
    agree: int
    total: int


@dataclass
class LearnedProfile:
    """The rules learned, as the tables of a profile file, and the choice made for each field."""

    name: str
    listing: dict
    article: dict
    choices: list[FieldChoice] = field(default_factory=list)
    description: str = ""

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "version": 1,
            "description": self.description,
            "fallback": "on_failure",
            "listing": self.listing,
            "article": self.article,
        }

    def profile(self) -> Profile:
        """The profile, validated as the loader validates a profile file."""
        try:
            return Profile.model_validate(self.as_dict())
        except ValidationError as exc:
            raise LearnError(f"profile '{self.name}': the learned rules do not validate: {exc}") from None

    def to_toml(self) -> str:
        lines = [
            "# Learned by `portalwatch profile learn` from example pages; check it with `portalwatch probe`."
        ]
        for key, value in self._written().items():
            if isinstance(value, dict):
                lines += ["", f"[{key}]", *(f"{name} = {_toml(item)}" for name, item in value.items())]
            else:
                lines.append(f"{key} = {_toml(value)}")
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        """Write ``<folder>/<name>.toml``, checked to read back as the rules learned."""
        self.profile()
        text = self.to_toml()
        if tomllib.loads(text) != self._written():
            raise LearnError(
                f"profile '{self.name}': the TOML written does not read back as the rules learned"
            )
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.toml"
        path.write_text(text, encoding="utf-8")
        return path

    def _written(self) -> dict:
        """The profile as written: rules that found nothing are left out."""
        tables = {
            name: {k: v for k, v in getattr(self, name).items() if v not in (None, [])}
            for name in ("listing", "article")
        }
        return {k: v for k, v in self.as_dict().items() if not isinstance(v, dict)} | tables


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if "'" not in value and "\n" not in value and not any(ord(c) < 32 for c in value):
        return f"'{value}'"  # a literal string: regexes stay readable
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + re.sub(r"[\x00-\x1f]", lambda m: f"\\u{ord(m.group()):04x}", escaped) + '"'


# ---------------------------------------------------------------- examples and selectors


class _Example:
    """One example page, parsed once, with what the learner found on it."""

    def __init__(self, page: Page):
        self.page = page
        self.tree = LexborHTMLParser(unicodedata.normalize("NFC", page.html))
        body = self.tree.body
        if body is None:
            raise LearnError(f"{page.source}: not an HTML page (no <body>)")
        self.body = body
        self.order = {node.mem_id: index for index, node in enumerate(body.traverse())}
        self.nodes: dict[str, LexborNode | None] = {}
        self.texts: dict[str, str] = {}
        self.dates: dict[str, DateShape | None] = {}
        self.dates_seen: list[_DateSeen] | None = None

    def position(self, node: LexborNode | None) -> int:
        return self.order.get(node.mem_id, -1) if node is not None else -1

    def scope(self, root_selector: str | None) -> LexborNode | None:
        return _css_first(self.tree.root, root_selector) if root_selector else self.body


def _ancestors(node: LexborNode) -> Iterator[LexborNode]:
    node = node.parent
    while node is not None and node.tag not in ("-document", None):
        yield node
        node = node.parent


def _contains(outer: LexborNode, inner: LexborNode) -> bool:
    return outer.mem_id == inner.mem_id or any(a.mem_id == outer.mem_id for a in _ancestors(inner))


def _css(scope: LexborNode | None, selector: str) -> list[LexborNode]:
    if scope is None:
        return []
    try:
        return scope.css(selector)
    except SelectolaxError:  # a class or attribute value that does not make a valid selector
        return []


def _css_first(scope: LexborNode | None, selector: str) -> LexborNode | None:
    found = _css(scope, selector)
    return found[0] if found else None


def _simple_selectors(node: LexborNode, with_style: bool = True) -> list[str]:
    """Selectors of the node alone, most specific first: id, classes, meta attributes, alignment."""
    tag, attributes = node.tag, node.attributes
    found = []
    if (ident := attributes.get("id")) and _IDENT.match(ident) and not re.search(r"\d{3,}", ident):
        found.append(f"{tag}#{ident}")
    classes = [name for name in (attributes.get("class") or "").split() if _IDENT.match(name)]
    found += [f"{tag}.{name}" for name in classes]
    if len(classes) > 1:
        found.append(f"{tag}." + ".".join(classes))
    for name in _META_ATTRS:
        if (value := attributes.get(name)) and _ATTR_VALUE.match(value):
            found.append(f"{tag}[{name}='{value}']")
    if with_style:
        for value in re.findall(r"text-align\s*:\s*(\w+)", attributes.get("style") or ""):
            found.append(f"{tag}[style*='{value}']")
    return found


def selector_candidates(node: LexborNode, depth: int = 5) -> list[str]:
    """Selectors that may find `node` on pages of the same template, the most specific first.

    The node's own id, classes and attributes; the same under an ancestor that
    has one; its tag under its parent; and the bare tag last.
    """
    own = _simple_selectors(node)
    found = list(own)
    for level, ancestor in enumerate(_ancestors(node)):
        if level >= depth or ancestor.tag == "body":
            break
        for anchor in _simple_selectors(ancestor, with_style=level == 0)[:3]:
            if level == 0:
                found.append(f"{anchor} > {node.tag}")
            found += [f"{anchor} {selector}" for selector in own]
            found.append(f"{anchor} {node.tag}")
    found.append(node.tag)
    return list(dict.fromkeys(found))


def _choose(
    proposals: list[list[str]],
    check: Callable[[int, str], bool],
    scopes: list[LexborNode | None],
    limit: int = 120,
) -> tuple[str | None, int]:
    """The proposal that passes `check` on the most examples.

    On a tie: the one that finds fewer nodes in the `scopes` (the more
    specific), then the one more examples proposed, then the earlier.
    """
    votes: Counter[str] = Counter()
    first: dict[str, int] = {}
    for selectors in proposals:
        for rank, selector in enumerate(selectors):
            votes[selector] += 1
            first[selector] = min(first.get(selector, rank), rank)
    ranked = sorted(votes, key=lambda s: (-votes[s], first[s]))[:limit]
    scored = []
    for order, selector in enumerate(ranked):
        agree = sum(check(index, selector) for index in range(len(scopes)))
        if agree:
            scored.append((-agree, sum(len(_css(scope, selector)) for scope in scopes), order, selector))
    if not scored:
        return None, 0
    best = min(scored)
    return best[3], -best[0]


# ---------------------------------------------------------------- what each example shows


def _template_texts(examples: list[_Example]) -> set[str]:
    """Texts of elements found on every example: the template's, not the content's.

    Link lists do not count: a sidebar of latest news repeats the titles of
    the other examples, and these are content where they are not links.
    """
    seen: Counter[str] = Counter()
    for example in examples:
        seen.update(
            {
                text
                for node in example.body.traverse()
                if (text := node_text(node))
                and len(text) <= 400
                and node.tag != "a"
                and _link_share(node) < 0.5
                and not any(a.tag == "a" for a in _ancestors(node))
            }
        )
    return {text for text, count in seen.items() if count == len(examples)}


def _in_no_text(node: LexborNode) -> bool:
    return node.tag in _NO_TEXT or any(a.tag in _NO_TEXT for a in _ancestors(node))


def _heads(example: _Example) -> list[str]:
    """What the page's head says its title is: <title>, og:title, twitter:title."""
    metas = example.tree.css("meta[property='og:title'], meta[name='twitter:title']")
    return [node_text(example.tree.css_first("title"))] + [
        clean_line(m.attributes.get("content") or "") for m in metas
    ]


def _find_title(example: _Example, template: set[str], shared_heads: set[str]) -> LexborNode | None:
    """The element whose text the page's <title> (or og:title) repeats; else the first heading that varies.

    A head title that every example shares is the site's or the section's name, not the article's.
    """
    heads = [head for head in _heads(example) if head and head not in shared_heads]
    candidates = []
    for node in example.body.traverse():
        text = node_text(node)
        if (
            8 <= len(text) <= 400
            and text not in template
            and not _in_no_text(node)
            and any(text in head for head in heads)
        ):
            candidates.append(node)
    if not candidates:
        candidates = [
            n
            for n in example.body.css("h1, h2, h3, [class*='title'], [class*='tieude']")
            if 8 <= len(node_text(n)) <= 400
            and node_text(n) not in template
            and not _in_no_text(n)
            and _link_share(n) < 0.5
        ]
        return candidates[0] if candidates else None
    longest = max(len(node_text(n)) for n in candidates)
    chain = [n for n in candidates if len(node_text(n)) == longest]
    # A heading over a breadcrumb's last link or a "Tin mới" entry; a heading that links to itself still counts.
    return max(
        chain,
        key=lambda n: (
            _link_share(n) < 0.5,
            bool(re.match(r"h[1-6]$", n.tag) or "title" in _marks(n)),
            example.position(n),
        ),
    )


def _find_body(example: _Example, template: set[str]) -> LexborNode | None:
    """The element holding the most paragraph text that is not template (link text does not count).

    Text belongs to its nearest block; paragraphs to the nearest block around
    them (inline wrappers such as <font> skipped), and a block whose lines are
    separated by <br> holds its text itself.
    """
    weights: Counter[int] = Counter()
    breaks: Counter[int] = Counter()
    blocks: dict[int, LexborNode] = {}
    for node in example.body.traverse(include_text=True):
        if node.tag not in ("-text", "br") or _in_no_text(node.parent):
            continue
        block = _block_of(node)
        if block is None:
            continue
        blocks[block.mem_id] = block
        if node.tag == "br":
            breaks[block.mem_id] += 1
        elif len(text := clean_line(node.text_content or "")) >= 2:
            weights[block.mem_id] += len(text)
    scores: Counter[int] = Counter()
    for mem_id, weight in weights.items():
        block = blocks[mem_id]
        if weight < 20 or node_text(block) in template:
            continue
        shares = (1.0, 0.5, 0.25) if breaks[mem_id] >= 2 else (0.0, 1.0, 0.5)
        scores[mem_id] += weight * shares[0]
        around = block
        for share in shares[1:]:
            if (around := _block_of(around)) is None:
                break
            scores[around.mem_id] += weight * share
            blocks[around.mem_id] = around
    return blocks[scores.most_common(1)[0][0]] if scores else None


def _block_of(node: LexborNode) -> LexborNode | None:
    return next((a for a in _ancestors(node) if a.tag in _BLOCKS), None)


def _lca(nodes: list[LexborNode]) -> LexborNode | None:
    if not nodes:
        return None
    chains = [[node, *_ancestors(node)] for node in nodes]
    common = {n.mem_id for n in chains[0]}
    for chain in chains[1:]:
        common &= {n.mem_id for n in chain}
    return next((n for n in chains[0] if n.mem_id in common), None)


@dataclass(frozen=True, slots=True)
class _DateSeen:
    node: LexborNode
    shape: DateShape


def _dates_in(example: _Example) -> list[_DateSeen]:
    """Date-shaped lines of the page: the deepest element holding each, or the one that adds its label."""
    if example.dates_seen is not None:
        return example.dates_seen
    found: list[_DateSeen] = []
    below: dict[int, dict[str, int]] = {}  # element -> the dates found inside it, by value -> index in found
    for node in reversed(list(example.body.traverse())):  # inner elements first
        inner: dict[str, int] = {}
        for child in node.iter():
            inner.update(below.pop(child.mem_id, {}))
        text = node_text(node) if node.tag not in _NO_TEXT else ""
        for shape in date_shapes(text) if text and len(text) <= 200 and not _in_no_text(node) else []:
            index = inner.get(shape.value)
            if index is None:
                inner[shape.value] = len(found)
                found.append(_DateSeen(node, shape))
            elif shape.kind != "other" and not found[index].shape.label:
                found[index] = _DateSeen(node, shape)
        below[node.mem_id] = inner
    found = [seen for seen in found if not _in_link_list(seen)] + _metadata_dates(example)
    example.dates_seen = found
    return found


def _in_link_list(seen: _DateSeen) -> bool:
    """A date beside a link to another page (an entry of "Tin khác"), not the page's own."""
    block = seen.node if seen.node.tag in _BLOCKS else _block_of(seen.node)
    if block is None or _link_share(block) < 0.5:
        return False
    return any(seen.shape.value not in node_text(link) for link in block.css("a[href]"))


def _metadata_dates(example: _Example) -> list[_DateSeen]:
    """datePublished and dateModified in the page's JSON-LD, where a template keeps the time it does not show."""
    found = []
    for script in example.tree.css("script[type='application/ld+json']"):
        text = script.text(deep=True) or ""
        for key in ("datePublished", "dateModified"):
            if (match := re.search(rf'"{key}"\s*:\s*"([^"]+)"', text)) and (
                shapes := date_shapes(match.group(1))
            ):
                found.append(_DateSeen(script, json_ld_date(key, shapes[0])))
    return found


def _best_date(
    example: _Example, title: LexborNode | None, posting: bool, exclude: set[str]
) -> _DateSeen | None:
    """The posting line, or the update line.

    A line labelled as a posting or update time with the time of day first, then
    a labelled date, then an unlabelled time, then a bare date; among equals a
    posting label over an update label, and the line nearest the title, after it
    rather than before.
    """
    title_at = example.position(title)
    dates = [d for d in _dates_in(example) if d.shape.value not in exclude]
    if not posting:
        dates = [d for d in dates if d.shape.kind == "updated"]

    def rank(date: _DateSeen) -> tuple:
        at = example.position(date.node)
        tier = 2 * (date.shape.kind != "other") + date.shape.has_time
        return (tier, date.shape.kind == "posted", at >= title_at, -abs(at - title_at))

    return max(dates, key=rank) if dates else None


def _is_bold_block(node: LexborNode) -> bool:
    text = node_text(node)
    return bool(text) and any(node_text(child) == text for child in node.css("strong, b"))


def _first_block(body: LexborNode) -> LexborNode | None:
    for child in body.iter():
        if node_text(child) or child.css_first("img") is not None:
            return child
    return None


def _find_lead(
    example: _Example, root: LexborNode, body: LexborNode, title: str, template: set[str]
) -> LexborNode | None:
    """A sapo marked by its class, or the body's first block when it is set in bold."""
    for node in root.css("[class], [id], [itemprop]"):
        text = node_text(node)
        if (
            _LEAD_HINT.search(_marks(node))
            and 20 <= len(text) <= 1200
            and text != title
            and text not in template
            and not _contains(node, body)
            and _link_share(node) < 0.5
        ):
            return node
    first = _first_block(body)
    if first is not None and _is_bold_block(first) and 20 <= len(node_text(first)) <= 1200:
        return first
    return None


def _find_byline(
    example: _Example, root: LexborNode, body: LexborNode, template: set[str]
) -> LexborNode | None:
    """The byline: the short closing line of the article (last in the body, or just after it) that looks
    like one, else an element of the article marked as the author's."""
    blocks = [
        n
        for n in body.traverse()
        if n.mem_id != body.mem_id
        and n.tag in _BLOCKS
        and node_text(n)
        and not any(c.tag in _BLOCKS for c in n.iter())
        and not _in_no_text(n)
        and node_text(n) not in template
        and _link_share(n) < 0.5
    ]
    following = [
        _innermost(n)
        for n in root.traverse()
        if example.position(n) > example.position(body)
        and not _contains(body, n)
        and n.tag in _BLOCKS
        and node_text(n)
        and node_text(n) not in template
    ]
    for node in ([blocks[-1]] if blocks else []) + following[:1] + _closing_inline(body):
        text = node_text(node)
        if not 2 <= len(text) <= 150 or len(text.split()) > 20 or node.css_first("a[href]") is not None:
            continue
        if (
            _marked_as_byline(node)
            or _is_bold_block(node)
            or _BYLINE_START.match(text)
            or _looks_like_a_name(text)
        ):
            return node
    marked = [
        n
        for n in root.traverse()
        if _BYLINE_HINT.search(_marks(n))
        and 2 <= len(node_text(n)) <= 100
        and not date_shapes(node_text(n))
        and not counter_values(node_text(n))
        and node_text(n) not in template
    ]
    return marked[-1] if marked else None


def _innermost(node: LexborNode) -> LexborNode:
    """The deepest block or named element that holds all of a node's text (a row's only cell, say)."""
    text = node_text(node)
    while True:
        inner = next(
            (c for c in node.iter() if node_text(c) == text and (c.tag in _BLOCKS or _marks(c))), None
        )
        if inner is None:
            return node
        node = inner


def _closing_inline(body: LexborNode) -> list[LexborNode]:
    """A bold or italic name that ends a body made of <br>-separated text, with nothing after it."""
    children = [
        c
        for c in body.iter(include_text=True)
        if c.tag != "br" and (c.tag != "-text" or clean_line(c.text_content or ""))
    ]
    last = children[-1] if children else None
    return [last] if last is not None and last.tag in ("b", "strong", "em", "i", "span", "font") else []


def _marked_as_byline(node: LexborNode) -> bool:
    attributes = node.attributes
    right = (
        re.search(r"text-align\s*:\s*right", attributes.get("style") or "")
        or (attributes.get("align") or "").lower() == "right"
    )
    return bool(right or _BYLINE_HINT.search(_marks(node)))


def _marks(node: LexborNode) -> str:
    """The names a template gives an element: class, id, itemprop, rel."""
    return " ".join(node.attributes.get(name) or "" for name in ("class", "id", "itemprop", "rel"))


def _looks_like_a_name(text: str) -> bool:
    """'Quàng Văn Tấn', 'Thanh Hà (Văn phòng UBND)': two to six capitalised words first, no sentence."""
    words = re.split(r"\s*[(\-–,]\s*", text, maxsplit=1)[0].split()
    return (
        2 <= len(words) <= 6
        and all(word[0].isupper() for word in words)
        and not text.endswith((".", ":", ";"))
    )


def _byline_label_patterns(bylines: list[str]) -> list[str] | None:
    """Byline patterns for a label the default ones do not know ('Tác giả: Cầm Thu Cặp'), when most bylines carry it."""
    labels = Counter(
        m.group(1) for text in bylines if (m := re.match(r"^(\w+(?:\s+\w+){0,2})\s*:\s*\S", text))
    )
    if not labels:
        return None
    label, count = labels.most_common(1)[0]
    if count * 2 < len(bylines) or _BYLINE_KNOWN_LABEL.match(label):
        return None
    prefix = r"^" + r"\s+".join(map(re.escape, label.split())) + r"\s*:\s*"
    return [
        prefix + r"(?P<author>[^,\-–(]+?)\s*(?:[,\-–]\s*|\()(?P<attribution>.+?)\)?$",
        prefix + r"(?P<author>.+)$",
        *DEFAULT_BYLINE_PATTERNS,
    ]


def _byline_selectors(node: LexborNode) -> list[str]:
    """Selectors for a closing line that only its place and look tell from the paragraphs before it.

    `p:not([style])` when every other paragraph has the attribute, and
    `p:last-of-type:has(> b)` when it is set in bold: both find nothing on a
    page without a byline, where a plain `p` would take the last paragraph.
    """
    parent = node.parent
    siblings = (
        [s for s in parent.iter() if s.tag == node.tag and s.mem_id != node.mem_id]
        if parent is not None
        else []
    )
    if not siblings:
        return []
    anchors = _simple_selectors(parent, with_style=False)[:2]
    shapes = []
    bold = node.css_first("strong, b")
    if _is_bold_block(node) and bold is not None:
        shapes.append(f"{node.tag}:last-of-type:has(> {bold.tag})")
    if node.next is None or all(
        n.tag == "br" or (n.tag == "-text" and not clean_line(n.text_content or "")) for n in _following(node)
    ):
        shapes.append(f"{node.tag}:last-child")
    missing = set.intersection(*(set(s.attributes) for s in siblings)) - set(node.attributes)
    shapes += [f"{node.tag}:not([{name}])" for name in sorted(missing) if _IDENT.match(name)]
    return [
        selector for shape in shapes for selector in (*(f"{anchor} > {shape}" for anchor in anchors), shape)
    ]


def _following(node: LexborNode) -> Iterator[LexborNode]:
    node = node.next
    while node is not None:
        yield node
        node = node.next


def _find_images(body: LexborNode) -> tuple[list[LexborNode], list[LexborNode]]:
    """Figures (a container with the image and its caption) and captions (the line after an image)."""
    figures: list[LexborNode] = []
    captions: list[LexborNode] = []
    for img in body.css("img"):
        holder = img
        for ancestor in _ancestors(img):
            if ancestor.mem_id == body.mem_id:
                break
            holder = ancestor
            if node_text(ancestor):
                break
        text = node_text(holder)
        if holder is not img and text and len(text) <= 300:
            while (
                holder.parent is not None
                and holder.parent.mem_id != body.mem_id
                and node_text(holder.parent) == text
            ):
                holder = holder.parent  # the whole figure, not the part of it that holds the text
            figures.append(holder)
            continue
        after = holder.next
        while after is not None and after.tag == "-text" and not clean_line(after.text_content or ""):
            after = after.next
        if after is None or after.tag == "-text" or after.css_first("img") is not None:
            continue
        caption = node_text(after)
        if caption and len(caption) <= 300:
            inner = [c for c in after.iter() if node_text(c) == caption]
            captions.append(inner[0] if len(inner) == 1 else after)
    return figures, captions


# ---------------------------------------------------------------- the article rules


class _ArticleLearner:
    """Finds each field on every example, then the rules that read it there."""

    def __init__(self, examples: list[_Example]):
        self.examples = examples
        self.count = len(examples)
        self.template = _template_texts(examples)
        self.rules: dict = {}
        self.choices: list[FieldChoice] = []
        self.roots: list[LexborNode | None] = []  # per example, what the root rule finds
        self.bodies: list[LexborNode | None] = []  # per example, what the body rule finds
        self.parts: list[list[LexborNode]] = []  # per example, the lead, byline and images: never chrome
        self.template_dates: set[str] = set()

    def learn(self) -> dict:
        self._find_main_fields()
        self._learn_root()
        self._learn_title()
        self._learn_dates()
        self._learn_view_count()
        self._learn_body()
        self._learn_lead_and_byline()
        self._learn_images()
        self._learn_chrome()
        self._drop_fields_inside_body()
        return self.rules

    def _choose(
        self, name: str, proposals: list[list[str]], check: Callable[[int, str], bool], needed: bool = False
    ) -> str | None:
        selector, agree = _choose(proposals, check, self.roots or [e.tree.root for e in self.examples])
        if selector is None:
            self.choices.append(FieldChoice(name, "none: no rule reads any example", 0, self.count))
            return None
        if not needed and agree * 2 < self.count:
            self.choices.append(
                FieldChoice(name, f"none: the best rule, css '{selector}', reads too few", agree, self.count)
            )
            return None
        self.choices.append(FieldChoice(name, f"css '{selector}'", agree, self.count))
        return selector

    def _find_main_fields(self) -> None:
        missing: dict[str, list[str]] = {}
        shared_heads = set.intersection(*(set(_heads(example)) for example in self.examples))
        # A date every example shows (today's date in the header, a fixed notice) is the template's.
        self.template_dates = set.intersection(
            *({d.shape.value for d in _dates_in(e)} for e in self.examples)
        )
        for example in self.examples:
            title = _find_title(example, self.template, shared_heads)
            body = _find_body(example, self.template)
            posted = _best_date(example, title, posting=True, exclude=self.template_dates)
            example.nodes |= {"title": title, "body": body, "posted": posted.node if posted else None}
            example.texts["title"] = node_text(title)
            example.dates = {"posted": posted.shape if posted else None}
            for name, node in (("title", title), ("body", body), ("posting line", posted)):
                if node is None:
                    missing.setdefault(name, []).append(example.page.source)
        for name, sources in missing.items():
            if len(sources) * 2 >= self.count:
                raise LearnError(
                    f"no {name} found on {len(sources)} of the {self.count} examples: {', '.join(sources)}"
                )

    def _learn_root(self) -> None:
        proposals, wanted = [], []
        for example in self.examples:
            nodes = [
                n
                for n in (example.nodes["title"], example.nodes["posted"], example.nodes["body"])
                if n is not None
            ]
            wanted.append(nodes)
            top = _lca(nodes)
            chain = [top, *_ancestors(top)] if top is not None else []
            proposals.append(
                [s for node in chain for s in _simple_selectors(node, with_style=False)] + ["body", "html"]
            )

        def check(index: int, selector: str) -> bool:
            root = self.examples[index].scope(selector)
            return root is not None and all(_contains(root, node) for node in wanted[index])

        self.rules["root"] = self._choose("root", proposals, check, needed=True) or "body"
        self.roots = [example.scope(self.rules["root"]) for example in self.examples]

    def _learn_title(self) -> None:
        def check(index: int, selector: str) -> bool:
            found = _css_first(self.roots[index], selector)
            return found is not None and node_text(found) == self.examples[index].texts["title"]

        proposals = [selector_candidates(e.nodes["title"]) if e.nodes["title"] else [] for e in self.examples]
        selector = self._choose("title", proposals, check, needed=True)
        if selector is None:
            raise LearnError("no selector finds the title on the examples")
        self.rules["title"] = selector

    def _learn_dates(self) -> None:
        shapes = [e.dates["posted"] for e in self.examples if e.dates["posted"]]
        lines = [node_text(e.nodes["posted"]) for e in self.examples if e.nodes["posted"] is not None]
        if any(VIETNAMESE_AMPM.search(line) for line in lines):
            raise LearnError(
                f"the posting line ({lines[0]!r}) gives 12-hour times with SA/CH, "
                "which a profile's strptime formats cannot read: write this profile by hand"
            )
        patterns, formats = date_patterns(shapes)

        def check(index: int, selector: str) -> bool:
            want = self.examples[index].dates["posted"]
            found = (
                find_datetime(node_text(_css_first(self.roots[index], selector)), patterns, formats)
                if want
                else None
            )
            return found is not None and found[0].replace(tzinfo=None) == want.when

        proposals = [
            selector_candidates(e.nodes["posted"]) if e.nodes["posted"] else [] for e in self.examples
        ]
        selector = self._choose("posted", proposals, check, needed=True)
        if selector is None:
            raise LearnError("no selector finds the posting line on the examples")
        self.rules |= {"posted": selector, "published_pattern": patterns, "date_formats": formats}
        self.choices.append(
            FieldChoice("published_at", f"{patterns[0]}, {formats[0]}", self.choices[-1].agree, self.count)
        )
        self._learn_updated(formats)

    def _learn_updated(self, formats: list[str]) -> None:
        seen = []
        for index, example in enumerate(self.examples):
            updated = _best_date(example, example.nodes["title"], posting=False, exclude=self.template_dates)
            inside = (
                updated is not None
                and self.roots[index] is not None
                and _contains(self.roots[index], updated.node)
            )
            seen.append(updated if inside else None)
        shapes = [u.shape for u in seen if u]
        if not shapes:
            return
        patterns, update_formats = date_patterns(shapes)
        formats = list(dict.fromkeys(formats + update_formats))

        def check(index: int, selector: str) -> bool:
            want = seen[index]
            found = find_datetime(node_text(_css_first(self.roots[index], selector)), patterns, formats)
            return (
                (found is None)
                if want is None
                else (found is not None and found[0].replace(tzinfo=None) == want.shape.when)
            )

        selector = self._choose("updated_at", [selector_candidates(u.node) if u else [] for u in seen], check)
        if selector:
            self.rules |= {"updated": selector, "updated_pattern": patterns, "date_formats": formats}

    def _learn_view_count(self) -> None:
        """A counter with a counter's label, inside the article, nearest the posting line; never one the same on every page."""
        seen: list[tuple[LexborNode, str, int, bool] | None] = []
        for index, example in enumerate(self.examples):
            root, posted_at = self.roots[index], example.position(example.nodes["posted"])
            found = []
            for node in root.traverse() if root is not None else []:
                text = node_text(node)
                if text and len(text) <= 200 and not _in_no_text(node):
                    found += [(node, label, value, first) for label, value, first in counter_values(text)]
            found = [
                f
                for f in found
                if not any(
                    g[0].mem_id != f[0].mem_id and _contains(f[0], g[0]) and g[2] == f[2] for g in found
                )
            ]
            seen.append(min(found, key=lambda f: abs(example.position(f[0]) - posted_at)) if found else None)
        values = [s[2] for s in seen if s]
        if not values or (len(values) >= 3 and len(set(values)) == 1) or len(values) * 2 < self.count:
            self.choices.append(
                FieldChoice("view_count", "none: no counter that varies between examples", 0, self.count)
            )
            return
        firsts = Counter(s[3] for s in seen if s)
        pattern = counter_pattern([s[1] for s in seen if s], label_first=firsts.most_common(1)[0][0])
        self.rules["view_count_pattern"] = pattern

        def reads(index: int, selector: str) -> bool:
            want = seen[index][2] if seen[index] else None
            match = re.search(pattern, node_text(_css_first(self.roots[index], selector)))
            got = int(re.sub(r"\D", "", match.group("value")) or 0) if match else None
            return got == want

        if all(reads(index, self.rules["posted"]) for index in range(self.count)):
            self.choices.append(FieldChoice("view_count", f"posting line, {pattern}", self.count, self.count))
            return
        proposals = [selector_candidates(s[0]) if s else [] for s in seen]
        self.rules["view_count"] = self._choose("view_count", proposals, reads)
        if self.rules["view_count"] is None:
            del self.rules["view_count_pattern"]

    def _learn_body(self) -> None:
        def check(index: int, selector: str) -> bool:
            found, want = _css_first(self.roots[index], selector), self.examples[index].nodes["body"]
            return found is not None and want is not None and found.mem_id == want.mem_id

        proposals = [selector_candidates(e.nodes["body"]) if e.nodes["body"] else [] for e in self.examples]
        selector = self._choose("body", proposals, check, needed=True)
        if selector is None:
            raise LearnError("no selector finds the article body on the examples")
        self.rules["body"] = selector
        self.bodies = [_css_first(root, selector) for root in self.roots]
        lengths = [len(node_text(body)) for body in self.bodies if body is not None]
        if lengths and min(lengths) < 400:
            self.rules["min_body_chars"] = min(200, min(lengths) // 2)

    def _learn_part(
        self, name: str, nodes: list[LexborNode | None], extra: Callable[[LexborNode], list[str]], last: bool
    ) -> str | None:
        """A rule for a part found on some examples: it must find that part there, and nothing elsewhere."""
        if not any(nodes):
            self.choices.append(FieldChoice(name, "none (not seen on the examples)", self.count, self.count))
            return None
        wants = [node_text(node) if node is not None else "" for node in nodes]

        def check(index: int, selector: str) -> bool:
            found = _css(self.roots[index], selector)
            got = node_text(found[-1 if last else 0]) if found else ""
            return got == wants[index]

        proposals = [selector_candidates(node) + extra(node) if node is not None else [] for node in nodes]
        return self._choose(name, proposals, check)

    def _learn_lead_and_byline(self) -> None:
        titles = [e.texts["title"] for e in self.examples]
        leads = [
            _find_lead(e, r, b, t, self.template) if r is not None and b is not None else None
            for e, r, b, t in zip(self.examples, self.roots, self.bodies, titles, strict=False)
        ]

        def first_child(node: LexborNode) -> list[str]:
            if node.parent is None or not any(
                b is not None and node.parent.mem_id == b.mem_id for b in self.bodies
            ):
                return []
            bold = node.css_first("strong, b")
            under = f"{self.rules['body']} > {node.tag}:first-child"
            return ([f"{under}:has(> {bold.tag})"] if bold is not None else []) + [under]

        self.rules["lead"] = self._learn_part("lead", leads, first_child, last=False)
        bylines = [
            _find_byline(e, r, b, self.template) if r is not None and b is not None else None
            for e, r, b in zip(self.examples, self.roots, self.bodies, strict=False)
        ]
        self.rules["byline"] = self._learn_part("byline", bylines, _byline_selectors, last=True)
        if self.rules["byline"] and (
            patterns := _byline_label_patterns([node_text(b) for b in bylines if b is not None])
        ):
            self.rules["byline_patterns"] = patterns
        self.parts = [
            [n for n in (lead, byline) if n is not None] for lead, byline in zip(leads, bylines, strict=False)
        ]

    def _learn_images(self) -> None:
        found = [_find_images(body) if body is not None else ([], []) for body in self.bodies]
        for position, name in enumerate(("figure", "caption")):
            wanted = [{node.mem_id for node in pair[position]} for pair in found]
            if not any(wanted):
                continue

            def check(index: int, selector: str, wanted=wanted) -> bool:
                return {node.mem_id for node in _css(self.bodies[index], selector)} == wanted[index]

            proposals = [[s for node in pair[position] for s in selector_candidates(node)] for pair in found]
            self.rules[name] = self._choose(name, proposals, check)
            for index, pair in enumerate(found):
                self.parts[index] += pair[position]

    def _learn_chrome(self) -> None:
        """Blocks of the body whose text is the same on every example: sharing bars, related links, 'print' lines.

        A block inside a box of links (related articles under a heading) takes
        the box with it, by the box's class when that class holds nothing but
        such boxes on every example; otherwise the line goes by its text.
        """
        lines: dict[str, None] = {}
        boxes: dict[str, None] = {}
        for index, body in enumerate(self.bodies):
            for node, same_text in self._chrome_blocks(index):
                box = node
                while (
                    box.parent is not None
                    and box.parent.mem_id != body.mem_id
                    and _link_share(box.parent) >= 0.5
                ):
                    box = box.parent
                selector = next(
                    (s for s in _simple_selectors(box, with_style=False) if self._only_chrome(s)), None
                )
                if selector:
                    boxes[selector] = None
                elif same_text:
                    lines[f"^{re.escape(node_text(node))}$"] = None
        self.rules["drop"] = _DEFAULT_DROP + list(boxes)
        self.rules["chrome_text"] = list(lines)
        rule = (
            f"{len(boxes)} box(es) of links or of text the same on every example, {len(lines)} such line(s)"
        )
        self.choices.append(FieldChoice("chrome", rule, self.count, self.count))

    def _drop_fields_inside_body(self) -> None:
        """Where the body's container also holds the title or the posting line, they leave the body text."""
        for name in ("title", "posted", "updated", "view_count"):
            selector = self.rules.get(name)
            found = [_css_first(root, selector) if selector else None for root in self.roots]
            inside = [
                body is not None
                and node is not None
                and _contains(body, node)
                and len(_css(body, selector)) == 1
                for body, node in zip(self.bodies, found, strict=False)
            ]
            if inside and sum(inside) * 2 > self.count and selector not in self.rules["drop"]:
                self.rules["drop"].append(selector)

    def _chrome_blocks(self, index: int) -> list[tuple[LexborNode, bool]]:
        """The outermost blocks of an example's body that are template text (True) or mostly links (False),
        apart from the article's own parts, images and attached files."""
        body = self.bodies[index]
        found = []
        for node in body.traverse() if body is not None else []:
            text = node_text(node)
            if (
                node.mem_id == body.mem_id
                or not text
                or len(text) > 300
                or _in_no_text(node)
                or _has_media(node)
            ):
                continue
            if any(_contains(part, node) or _contains(node, part) for part in self.parts[index]):
                continue
            if text in self.template and node_text(node.parent) not in self.template:
                found.append((node, True))
            elif (
                node.tag in _BLOCKS
                and _link_share(node) >= 0.5
                and (node.parent.mem_id == body.mem_id or _link_share(node.parent) < 0.5)
            ):
                found.append((node, False))
        return found

    def _only_chrome(self, selector: str) -> bool:
        """On every example, what `selector` finds in the body is template text or links."""
        for body in self.bodies:
            for node in _css(body, selector):
                if node_text(node) not in self.template and _link_share(node) < 0.5:
                    return False
        return True


def _has_media(node: LexborNode) -> bool:
    """Images or links to files: what the body keeps for its images and attachments."""
    return node.css_first("img") is not None or any(
        re.search(r"\.(?:pdf|docx?|xlsx?|pptx?|odt|ods|zip|rar)$", (a.attributes.get("href") or "").lower())
        for a in node.css("a[href]")
    )


def _link_share(node: LexborNode) -> float:
    text = len(node_text(node))
    return sum(len(node_text(a)) for a in node.css("a")) / text if text else 1.0


# ---------------------------------------------------------------- the listing rules


def _url_shape(url: str) -> tuple[str, str, tuple[str, ...]]:
    """Host, folders (numbers generalised) and query keys: what the links to a portal's articles share."""
    parts = urlsplit(url)
    folders = [re.sub(r"\d+", "#", segment) for segment in parts.path.split("/") if segment][:-1]
    keys = tuple(sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)}))
    return parts.netloc.lower(), "/".join(folders), keys


def _learn_listing(
    page: Page, examples: list[_Example], template: set[str]
) -> tuple[dict, list[FieldChoice]]:
    """The links to articles (those shaped like the examples' URLs, else the commonest shape of titled links) and the pager."""
    tree = LexborHTMLParser(unicodedata.normalize("NFC", page.html))
    links = []
    for link in tree.css("a[href]"):
        href, text = (link.attributes.get("href") or "").strip(), node_text(link)
        if (
            len(text) >= 15
            and len(text.split()) >= 3
            and text not in template
            and not href.startswith(("javascript:", "mailto:", "#"))
        ):
            links.append((link, urljoin(page.url, href)))
    shapes = Counter(_url_shape(url) for _, url in links)
    wanted = {_url_shape(e.page.url) for e in examples} & set(shapes) or {s for s, _ in shapes.most_common(1)}
    articles = {url for _, url in links if _url_shape(url) in wanted}
    if not articles:
        raise LearnError(f"{page.source}: no links to article pages found on this listing page")
    proposals = Counter(s for link, url in links if url in articles for s in selector_candidates(link))
    best, best_score = None, None
    for selector in sorted(proposals, key=lambda s: -proposals[s])[:120]:
        matched = _css(tree.root, selector)
        urls = {urljoin(page.url, (node.attributes.get("href") or "").strip()) for node in matched}
        score = (len(urls & articles) - 2 * len(urls - articles), -len(matched))
        if best_score is None or score > best_score:
            best, best_score = selector, score
    found = {
        urljoin(page.url, (node.attributes.get("href") or "").strip()) for node in _css(tree.root, best)
    } & articles
    choices = [FieldChoice("article_links", f"css '{best}'", len(found), len(articles))]
    pager, choice = _learn_pager(tree)
    return {"article_links": best, **pager}, choices + [choice]


def _learn_pager(tree: LexborHTMLParser) -> tuple[dict, FieldChoice]:
    """The element that says how many entries or pages there are, with the pattern that reads it."""
    for name, pattern in (
        ("pages_pattern", _PAGES),
        ("total_pattern", _TOTAL),
        ("total_pattern", _TOTAL_COUNT),
    ):
        holders = [
            n
            for n in tree.body.traverse()
            if (text := node_text(n)) and len(text) <= 300 and re.search(pattern, text)
        ]
        holders = [n for n in holders if not any(o.mem_id != n.mem_id and _contains(n, o) for o in holders)]
        # A pager has page links, a pager's name or a short text; "2015-2020/..." in an excerpt has none of these.
        holders = [n for n in holders if _pager_likeness(n)[:2] != (0, False) or len(node_text(n)) <= 60]
        if not holders:
            continue
        holder = max(holders, key=_pager_likeness)
        want = re.search(pattern, node_text(holder)).group(0)
        for selector in selector_candidates(holder):
            found = _css_first(tree.root, selector)
            if (
                found is not None
                and (match := re.search(pattern, node_text(found)))
                and match.group(0) == want
            ):
                return {"pager": selector, name: pattern}, FieldChoice(
                    "pager", f"css '{selector}', {pattern}", 1, 1
                )
    numbered = [
        n for n in tree.body.traverse() if len([a for a in n.css("a[href]") if node_text(a).isdigit()]) >= 2
    ]
    if numbered:
        for selector in selector_candidates(numbered[-1]):
            if (found := _css_first(tree.root, selector)) is not None and found.mem_id == numbered[-1].mem_id:
                return {"pager": selector}, FieldChoice(
                    "pager", f"css '{selector}' (page links, no count)", 1, 1
                )
    choice = FieldChoice(
        "pager",
        "none: the page shows no page count (the crawl walks on until a listing page lists nothing)",
        0,
        1,
    )
    return {"pager": get_profile("generic").listing.pager}, choice


def _pager_likeness(node: LexborNode) -> tuple:
    """Page links, a pager's class, a short text: what tells a pager from a sentence that has '1-10/2024' in it."""
    numbered = len([a for a in node.css("a[href]") if node_text(a).isdigit()])
    marks = " ".join(node.attributes.get(name) or "" for name in ("class", "id"))
    return (min(numbered, 2), bool(re.search(r"pag|trang|navi|counter", marks, re.I)), -len(node_text(node)))


# ---------------------------------------------------------------- the whole profile


def learn_profile(pages: list[Page], name: str, listing_page: Page | None = None) -> LearnedProfile:
    """A profile for the portal the example article pages come from (and its listing page, when given).

    Raises LearnError naming the examples on which a field could not be found.
    """
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise LearnError(f"profile name {name!r}: use lowercase letters, digits and '_' only")
    if not MIN_EXAMPLES <= len(pages) <= MAX_EXAMPLES:
        raise LearnError(
            f"{len(pages)} example page(s) given: {MIN_EXAMPLES} to {MAX_EXAMPLES} article pages of one portal are needed"
        )
    examples = [_Example(page) for page in pages]
    learner = _ArticleLearner(examples)
    article = learner.learn()
    choices = list(learner.choices)
    listing = {k: v for k, v in get_profile("generic").listing.model_dump().items() if v is not None}
    if listing_page is not None:
        listing, listing_choices = _learn_listing(listing_page, examples, learner.template)
        choices += listing_choices
    hosts = sorted({urlsplit(p.url).netloc for p in pages if urlsplit(p.url).netloc})
    description = f"Learned from {len(pages)} example pages" + (f" of {', '.join(hosts)}" if hosts else "")
    learned = LearnedProfile(name, listing, article, choices, description)
    learned.choices.append(_check_examples(learned, examples))
    return learned


def _check_examples(learned: LearnedProfile, examples: list[_Example]) -> FieldChoice:
    """Read the examples with the profile as written, as the crawler will."""
    profile = learned.profile()
    failures = []
    for example in examples:
        try:
            record = parse_article(example.page.html, example.page.url, profile)
        except ExtractionError as exc:
            failures.append(f"{example.page.source}: {exc.reason}")
            continue
        if record.parser_version != profile.parser_version:
            failures.append(f"{example.page.source}: the rules found no article (generic extractor used)")
    rule = "every example reads" if not failures else "; ".join(failures)[:200]
    return FieldChoice("examples read", rule, len(examples) - len(failures), len(examples))
