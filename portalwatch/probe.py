"""`portalwatch probe`: what the parser makes of one page, field by field.

The tool to run while writing or adapting a CMS profile: it shows every
extracted field, the rule that produced it, and warnings for fields that are
missing or look wrong. Without ``--profile`` it reads the page with the first
profile whose rules find an article or a document on it and can read it, else
with the generic readers: the document layout reader when the page shows an
official document, the generic article extractor otherwise. The notes name
each profile that found the page but could not read it, and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import httpx
from selectolax.lexbor import LexborHTMLParser

from portalwatch.errors import ExtractionError, PortalwatchError
from portalwatch.parse import parse_article
from portalwatch.parse.documents import DocumentRecord, looks_like_document, parse_document
from portalwatch.parse.profile import Profile, available_profiles, get_profile
from portalwatch.parse.text import decode_html
from portalwatch.record import ArticleRecord

USER_AGENT = "portalwatch/0.1 probe (+https://github.com/portalwatch/portalwatch)"


@dataclass
class ProbeResult:
    source: str  # the URL or file probed
    profile: str
    kind: str  # article | document
    record: ArticleRecord | DocumentRecord | None = None
    failure: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {
            "source": self.source,
            "profile": self.profile,
            "page_kind": self.kind,
            "failure": self.failure,
            "notes": self.notes,
        }
        if self.record is not None:
            out |= self.record.to_json()
        return out


def read_page(target: str) -> tuple[str, str]:
    """The text of a page and the URL it is known by (a file: URL for a file)."""
    if target.startswith(("http://", "https://")):
        try:
            response = httpx.get(
                target, headers={"User-Agent": USER_AGENT}, follow_redirects=True, timeout=30
            )
        except httpx.HTTPError as exc:
            raise PortalwatchError(f"{target}: cannot fetch: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise PortalwatchError(f"{target}: HTTP {response.status_code}")
        return decode_html(response.content, response.charset_encoding), str(response.url)
    path = Path(target)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PortalwatchError(f"{target}: cannot read: {exc.strerror or exc}") from None
    return decode_html(data), path.resolve().as_uri()


def profile_candidates(html: str, kind: str, extra_dirs: list[str]) -> list[tuple[Profile, str]]:
    """(profile, page kind) to read the page with, in turn: each profile whose rules find a page of
    the wanted kind on it, in the order they are known, then the generic readers."""
    tree = LexborHTMLParser(html)
    profiles = available_profiles(extra_dirs)
    found = []
    for profile in profiles.values():
        if profile.name == "generic":
            continue
        if kind in ("auto", "document") and _finds(tree, profile.documents and profile.documents.root):
            found.append((profile, "document"))
        elif (
            kind in ("auto", "article")
            and profile.article
            and tree.css_first(profile.article.root) is not None
        ):
            found.append((profile, "article"))
    generic_kind = (
        "document" if kind == "document" or (kind == "auto" and looks_like_document(html)) else "article"
    )
    return [*found, (profiles["generic"], generic_kind)]


def _finds(tree: LexborHTMLParser, selector: str | None) -> bool:
    return bool(selector) and tree.css_first(selector) is not None


def probe(
    target: str, profile_name: str | None = None, kind: str = "auto", extra_dirs: list[str] | None = None
) -> ProbeResult:
    extra_dirs = extra_dirs or []
    html, url = read_page(target)
    if not profile_name:
        return _probe_in_turn(target, html, url, profile_candidates(html, kind, extra_dirs))
    profile = get_profile(profile_name, extra_dirs)
    if kind == "auto":
        tree = LexborHTMLParser(html)
        documents, article = profile.documents, profile.article
        if (
            _finds(tree, documents and documents.root)
            or not (article and tree.css_first(article.root) is not None)
            and looks_like_document(html)
        ):
            kind = "document"
        else:
            kind = "article"
    result = ProbeResult(target, profile.name, kind)
    try:
        result.record = _read(html, url, profile, kind)
    except ExtractionError as exc:
        result.failure = exc.reason
    return result


def _read(html: str, url: str, profile: Profile, kind: str) -> ArticleRecord | DocumentRecord:
    return parse_document(html, url, profile) if kind == "document" else parse_article(html, url, profile)


def _probe_in_turn(target: str, html: str, url: str, candidates: list[tuple[Profile, str]]) -> ProbeResult:
    """The first candidate that reads the page; the notes say which were tried and why they refused it.
    When every one refuses, the result is the generic reader's (the last), with its reason."""
    notes: list[str] = []
    for profile, kind in candidates:
        found = "a document" if kind == "document" else "an article"
        try:
            record = _read(html, url, profile, kind)
        except ExtractionError as exc:
            if profile.name != "generic":
                notes.append(f"profile '{profile.name}' finds {found} here but cannot read it: {exc.reason}")
                continue
            notes.append(_generic_note(kind, notes))
            return ProbeResult(target, profile.name, kind, failure=exc.reason, notes=notes)
        notes.append(
            f"profile '{profile.name}' chosen: its rules find {found}"
            if profile.name != "generic"
            else _generic_note(kind, notes)
        )
        return ProbeResult(target, profile.name, kind, record=record, notes=notes)
    raise AssertionError("the generic profile is always a candidate")


def _generic_note(kind: str, tried: list[str]) -> str:
    reader = "document layout reader" if kind == "document" else "extractor"
    if tried:
        return f"the generic {reader} reads the page instead"
    return f"no profile's rules match: the generic {reader} reads the page"


def rows(result: ProbeResult) -> list[tuple[str, str, str]]:
    """(field, value, rule) for the table."""
    record = result.record
    if record is None:
        return []
    data = record.to_json()
    rules = data.pop("rules", {}) if isinstance(record, ArticleRecord) else {}
    data.pop("warnings", None)
    out = []
    for name, value in data.items():
        if isinstance(value, list):
            shown = "; ".join(_short(item) for item in value) if value else ""
        else:
            shown = "" if value is None else str(value)
        shown = shown.replace("\n", " ⏎ ")
        out.append((name, shown[:160] + ("…" if len(shown) > 160 else ""), rules.get(name, "")))
    return out


def _short(item) -> str:
    if isinstance(item, dict):
        return " | ".join(str(v) for v in item.values() if v not in (None, ""))
    return str(item)
