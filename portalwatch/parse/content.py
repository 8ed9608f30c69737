"""What an article's body holds besides its text: outgoing links, linked files, and the
chrome lines that do not belong in it. Shared by the profile rules and the generic extractor."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborNode

from portalwatch.parse.text import clean_line, node_text
from portalwatch.record import Attachment, Link, site_relative

_ATTACHMENT_LABEL = re.compile(
    r"^(?:(?:Tải về|Tải file|File đính kèm|Tệp đính kèm|Văn bản đính kèm|Đính kèm|Download|Xem chi tiết)\s*:?\s*)?$",
    re.IGNORECASE,
)


def drop_chrome_paragraphs(body: LexborNode, patterns: list[str] | tuple[str, ...]) -> None:
    """Remove blocks of the body whose whole text is a chrome line."""
    if not patterns:
        return
    chrome = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    for node in body.css("p, div, li, td, h3, h4, span"):
        text = node_text(node)
        if text and chrome.search(text):
            node.decompose()


def _file_kind(href: str, extensions: list[str] | tuple[str, ...]) -> str | None:
    path = urlsplit(href).path.lower()
    kind = path.rsplit(".", 1)[-1] if "." in path.rsplit("/", 1)[-1] else ""
    return kind if kind in extensions else None


def attachment_links(nodes: list[LexborNode], url: str, extensions) -> list[Attachment]:
    found = []
    for node in nodes:
        href = node.attributes.get("href")
        if href and (kind := _file_kind(href, extensions)):
            absolute = urljoin(url, href)
            name = node_text(node) or urlsplit(absolute).path.rsplit("/", 1)[-1]
            found.append(Attachment(site_relative(absolute, url), name, kind))
    return found


def only_files(block: LexborNode, extensions) -> bool:
    """Whether a block only lists files, with or without its label ('Tệp đính kèm: KH-12.pdf')."""
    anchors = [a for a in block.css("a[href]") if _file_kind(a.attributes.get("href") or "", extensions)]
    if not anchors:
        return False
    rest = node_text(block)
    for anchor in anchors:
        rest = rest.replace(node_text(anchor), "", 1)
    return bool(_ATTACHMENT_LABEL.match(clean_line(rest)))


def body_links(body: LexborNode, url: str, extensions) -> tuple[list[Link], list[Attachment]]:
    """Outgoing links and linked files of the body, in order, without repeats.

    A paragraph that only lists files ("Tải về: 53-CV-TU.pdf") is an
    attachment list, not text: it leaves the body.
    """
    body_anchors = body.css("a[href]")
    files = unique(attachment_links(body_anchors, url, extensions))
    # A block's file links are among the body's: a body without any has no block to look at.
    linked = any(_file_kind(a.attributes.get("href") or "", extensions) for a in body_anchors)
    for block in body.css("p, li, div") if linked else ():
        if only_files(block, extensions):
            block.decompose()
    links: list[Link] = []
    for node in body.css("a[href]"):
        href = (node.attributes.get("href") or "").strip()
        if (
            not href
            or href.startswith(("javascript:", "mailto:", "#", "tel:"))
            or _file_kind(href, extensions)
        ):
            continue
        text = node_text(node)
        if not text and node.css_first("img") is not None:
            continue  # an image that links to its own full-size file
        links.append(Link(site_relative(urljoin(url, href), url), text))
    return unique(links), files


def unique(items: list) -> list:
    """The items in order, without repeats."""
    return list(dict.fromkeys(items))
