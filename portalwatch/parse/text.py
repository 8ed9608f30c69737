"""Text normalization: what two fetches of the same article must agree on."""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborNode

from portalwatch.charset import decode_html as decode_page

# What is whitespace within a line: the space, ASCII's other spaces but the line break, the
# no-break and typographic spaces, the zero-width space and the BOM.
_OTHER_SPACES = r"\t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff"
# Every run of that whitespace but a lone space becomes one space (`collapse_spaces`), found in
# two passes that never stop at a lone space: the other spaces become spaces, then runs of two or
# more spaces one. A search for a character class or for two spaces skips ahead in C; the one
# regex for those runs ("[other][space or other]*|[ ][space or other]+") tried a match at every space
# of the text, every word: over the texts a page's parse cleans (18 a page, 377 characters on
# average), 66 against 120 µs a page.
_OTHER_SPACE = re.compile(f"[{_OTHER_SPACES}]")
_DOUBLE_SPACE = re.compile("  +")
_BLOCK_TAGS = (
    "p",
    "div",
    "li",
    "ul",
    "ol",
    "table",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "section",
    "article",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "pre",
)
_BLOCK_SELECTOR = ",".join(_BLOCK_TAGS)


def clean_line(text: str) -> str:
    """NFC, every run of whitespace (including no-break spaces) to one space, trimmed."""
    return collapse_spaces(unicodedata.normalize("NFC", text).replace("\n", " ")).strip()


def collapse_spaces(text: str) -> str:
    """Every run of whitespace within a line (no-break, typographic and zero-width spaces and the
    BOM included) that is not a lone space, as one space."""
    if _OTHER_SPACE.search(text) is not None:
        text = _OTHER_SPACE.sub(" ", text)
    return _DOUBLE_SPACE.sub(" ", text) if "  " in text else text


def node_text(node: LexborNode | None) -> str:
    """The text of an inline element as one clean line ('' for a missing node)."""
    return clean_line(node.text(deep=True)) if node is not None else ""


def block_text(node: LexborNode) -> str:
    """The text of a block of HTML as paragraphs separated by blank lines.

    Mutates ``node``: block elements get break markers so that paragraphs,
    list items and table cells come out as separate paragraphs.
    """
    for br in node.css("br"):
        br.replace_with("\n")
    for block in node.css(_BLOCK_SELECTOR):
        block.insert_before("\n\n")
        block.insert_after("\n\n")
    return paragraphs_text(node.text(deep=True))


def paragraphs_text(text: str) -> str:
    """Normalize text whose paragraphs are separated by blank (or whitespace-only) lines."""
    paragraphs: list[str] = []
    current: list[str] = []
    # One pass over the whole text: a run of spaces never spans a line break.
    for line in collapse_spaces(unicodedata.normalize("NFC", text)).split("\n"):
        line = line.strip()
        if line:
            current.append(line)
        elif current:
            paragraphs.append("\n".join(current))
            current = []
    if current:
        paragraphs.append("\n".join(current))
    return "\n\n".join(paragraphs)


def decode_html(body: bytes, declared: str | None = None) -> str:
    """The text of a page whatever charset it claims (the fetch stage's decoding, text only)."""
    return decode_page(body, declared)[0]


# What the cleaned body HTML keeps: structure, links, images and emphasis.
_KEPT_ATTRIBUTES = {
    "a": ("href", "title"),
    "img": ("src", "alt"),
    "td": ("colspan", "rowspan"),
    "th": ("colspan", "rowspan"),
}
_UNWRAPPED_TAGS = ["span", "font", "center", "section", "article"]
_UNWRAPPED_SELECTOR = ",".join(_UNWRAPPED_TAGS)
# The cleaned markup's whitespace (`markup_spaces`): two or more spaces or tabs become one space,
# and a line break with the spaces around it one line break.
_SPACE_RUN = re.compile(r"[ \t][ \t]+")
_HORIZONTAL = " \t\r\f\v"  # the spaces taken before a line break (after it: all whitespace)


def clean_html(node: LexborNode) -> str:
    """The markup of a body without editor noise: no inline styles, classes or ids, no wrapper spans.

    Works on a copy; ``node`` is unchanged.
    """
    copy = node.clone()  # a deep copy, outside the document: half the cost of parsing its HTML again
    for wrapper in copy.css(_UNWRAPPED_SELECTOR):  # (`unwrap_tags` finds nothing in such a copy)
        wrapper.unwrap()
    for element in copy.traverse(include_text=False):
        if element is copy:
            continue
        keep = _KEPT_ATTRIBUTES.get(element.tag, ())
        for name in list(element.attributes):
            if name not in keep:
                del element.attrs[name]
    html = copy.inner_html or ""
    html = unicodedata.normalize("NFC", html).replace("\u00a0", " ").replace("&nbsp;", " ")
    return markup_spaces(html)


def markup_spaces(html: str) -> str:
    """Runs of two or more spaces or tabs as one space; a line break with the spaces around it
    (those of _HORIZONTAL before it, all whitespace after it: blank lines too) as one line break;
    the whole stripped. The lines are split and stripped rather than searched by a regex that
    would stop at every space of the markup: over the simulator's article bodies (6.6 kB of
    markup), 84 against 187 µs."""
    html = _SPACE_RUN.sub(" ", html) if "\t" in html else _DOUBLE_SPACE.sub(" ", html)
    lines = html.split("\n")
    kept = [lines[0].rstrip(_HORIZONTAL)]
    for line in lines[1:]:
        line = line.lstrip().rstrip(_HORIZONTAL)  # all whitespace after a break, the line's own before
        if line:
            kept.append(line)
    return "\n".join(kept).strip()
