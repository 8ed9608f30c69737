"""Decoding a page's bytes: byte-order mark, then the header, the meta tag, or detection.

Vietnamese portals often declare one charset and send another: IIS and old
CMS templates answer ``charset=iso-8859-1`` or ``windows-1252`` for pages that
are UTF-8. Text that is not UTF-8 is almost never valid UTF-8 by accident, so
a body that decodes as strict UTF-8 is taken as UTF-8 whatever the headers
say; otherwise the declared charset (header, then meta tag) is used when the
body decodes under it, and charset-normalizer guesses the rest.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# How much of the page the meta tag is looked for in (browsers prescan 1024 bytes; old templates put it later).
META_PRESCAN_BYTES = 4096


def decode_html(body: bytes, declared: str | None) -> tuple[str, str]:
    """The page's text and the name of the charset it was decoded with."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace"), encoding
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    meta = _META_CHARSET.search(body[:META_PRESCAN_BYTES])
    for candidate in (declared, meta.group(1).decode("ascii") if meta else None):
        encoding = _codec_name(candidate)
        if encoding and encoding != "utf-8":
            try:
                return body.decode(encoding), encoding
            except UnicodeDecodeError:
                continue
    best = from_bytes(body).best()
    if best is not None and best.encoding:
        return str(best), _codec_name(best.encoding) or best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"


def _codec_name(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
