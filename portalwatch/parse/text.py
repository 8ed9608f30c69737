"""Text normalization: what two fetches of the same article must agree on."""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborNode

from portalwatch.charset import decode_html as decode_page

# What is whitespace within a line: the space, ASCII's other spaces but the line break, the
# no-break and typographic spaces, the zero-width space and the BOM.
_OTHER_SPACES = r"\t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff"
_WHITESPACE = " " + _OTHER_SPACES
# Every run of that whitespace but a lone " ", the only run already as it should be: most of a
# text's runs. Matching those too (as "[...]+" would) costs a match and a replacement per word;
# this finds the same runs that need a change, at half the time over a page's text.
_SPACES = re.compile(rf"[{_OTHER_SPACES}][{_WHITESPACE}]*|[ ][{_WHITESPACE}]+")
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
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text).replace("\n", " ")).strip()


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
    for line in _SPACES.sub(" ", unicodedata.normalize("NFC", text)).split("\n"):
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
# Two or more spaces or tabs; a line break with the spaces around it. Each is written to begin
# with a character class that every match starts with, so that the regex engine skips ahead to
# the next candidate instead of trying a match at every position (the same matches as
# "[ \t]{2,}" and "[ \t\r\f\v]*\n\s*").
_SPACE_RUN = re.compile(r"[ \t][ \t]+")
_LINE_BREAK = re.compile(r"[ \t\r\f\v\n](?:(?<=\n)|[ \t\r\f\v]*\n)\s*")


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
    return _LINE_BREAK.sub("\n", _SPACE_RUN.sub(" ", html)).strip()
