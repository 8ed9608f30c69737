"""Official documents (văn bản): their fields, their files' text, and the references to them.

A Vietnamese official document follows a fixed layout (Decree 30/2020/NĐ-CP
for the state, Party Central Office guidance for the Party): issuer and number
top left, the motto and ``<place>, ngày 09 tháng 12 năm 2020`` top right, the
subject (``V/v ...`` for a letter) or a type heading with the trích yếu, the
addressees (``Kính gửi:``), the body, the distribution (``Nơi nhận:``) and
the signer's block. Web pages render it from the Word original into tables
and paragraphs; its PDF carries the same lines. Both are read line by line by
these conventions, so the HTML page and the PDF text parse alike.

Numbers read ``53-CV/TU`` (Party: number, type code, issuer) or
``123/QĐ-UBND`` and ``1699/CĐ-TTg`` (state: number, type code, issuer); the
type code names the document type.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from typing import NamedTuple

from selectolax.lexbor import LexborHTMLParser, LexborNode

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse.checks import read_checked
from portalwatch.parse.content import attachment_links
from portalwatch.parse.profile import DEFAULT_ATTACHMENT_EXTENSIONS, Profile
from portalwatch.parse.text import block_text, clean_line, node_text
from portalwatch.parse.version import PARSER_VERSION
from portalwatch.record import Attachment, content_hash

# Type codes of document numbers (Decree 30/2020/NĐ-CP, Appendix III; Party
# Central Office Guidance 36-HD/VPTW) and the type each stands for.
DOCUMENT_TYPES = {
    "NQ": "Nghị quyết",
    "QĐ": "Quyết định",
    "QyĐ": "Quy định",
    "QC": "Quy chế",
    "CT": "Chỉ thị",
    "KL": "Kết luận",
    "TB": "Thông báo",
    "HD": "Hướng dẫn",
    "CTr": "Chương trình",
    "KH": "Kế hoạch",
    "PA": "Phương án",
    "ĐA": "Đề án",
    "DA": "Dự án",
    "BC": "Báo cáo",
    "BB": "Biên bản",
    "TTr": "Tờ trình",
    "HĐ": "Hợp đồng",
    "CĐ": "Công điện",
    "BGN": "Bản ghi nhớ",
    "BTT": "Bản thỏa thuận",
    "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời",
    "GGT": "Giấy giới thiệu",
    "GNP": "Giấy nghỉ phép",
    "PG": "Phiếu gửi",
    "PC": "Phiếu chuyển",
    "PB": "Phiếu báo",
    "CV": "Công văn",
    "NĐ": "Nghị định",
    "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch",
    "L": "Luật",
    "UBTVQH": "Nghị quyết",
}
_TYPE_NAMES = sorted(set(DOCUMENT_TYPES.values()), key=len, reverse=True)
_CODE = r"[A-ZĐ][A-Za-zĐđ]*"
# 53-CV/TU, 9816-CV/BTGTW, 296-KL/TU  |  123/QĐ-UBND, 1699/CĐ-TTg, 45/2020/NĐ-CP, 123/UBND-VP
NUMBER = rf"\d{{1,5}}-{_CODE}/{_CODE}(?:-{_CODE})*|\d{{1,5}}/(?:\d{{4}}/)?{_CODE}(?:-{_CODE})+"
_NUMBER = re.compile(rf"(?<![\w/-])(?:{NUMBER})(?![\w/-])")
# In running text numbers also come with spaces around their separators and en or em dashes
# (``296 - KL/TU``, ``123/QĐ–UBND``): number_key folds these away.
_DASH = r"\s*[-–—]\s*"
_SLASH = r"\s*/\s*"
CITED_NUMBER = (
    rf"\d{{1,5}}{_DASH}{_CODE}{_SLASH}{_CODE}(?:[-–—]{_CODE})*"
    rf"|\d{{1,5}}{_SLASH}(?:\d{{4}}{_SLASH})?{_CODE}{_DASH}{_CODE}(?:[-–—]{_CODE})*"
)


def _fold(text: str) -> str:
    """Text without diacritics (đ → d), as portals sometimes type it."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# A type named in any case, with or without diacritics -> its name (the first of _TYPE_NAMES that folds alike).
_TYPE_BY_FOLDED: dict[str, str] = {}
for _name in _TYPE_NAMES:
    _TYPE_BY_FOLDED.setdefault(_fold(_name).lower(), _name)
_KIND_NAMES = sorted({*_TYPE_NAMES, *map(_fold, _TYPE_NAMES)}, key=len, reverse=True)
REFERENCE = re.compile(
    rf"(?P<kind>{'|'.join(re.escape(name) for name in _KIND_NAMES)})"
    rf"(?:\s+(?:hỏa tốc|khẩn|liên tịch|hoa toc|khan|lien tich))?\s+s[oố]\s*:?\s*(?P<number>{CITED_NUMBER})"
    r"(?:\s*,?\s*ng[aà]y\s+(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4}))?",
    re.IGNORECASE,
)
# Every reference gives its number after "số" (both NUMBER forms start with a digit): a text
# without "số" and a digit after it cites nothing, and skips the scan with REFERENCE. The letters
# are spelled out in both cases (every character re.IGNORECASE takes for "s", "o" and "ố", the
# long s included): a case-blind search tries a match at every s of the text, and a Vietnamese
# text has many. Over the simulator's articles: 18 against 52 µs a text.
_NUMBER_AFTER_SO = re.compile(r"[sSſ][oOốỐ]\s*:?\s*\d")
# No reference holds any of these (its words, numbers and date are letters, digits, spaces, dashes,
# slashes, colons and commas): REFERENCE scans only the stretches between two of them that hold a "số".
_NOT_IN_REFERENCES = re.compile(r"[.;!?()\[\]\"“”]")
_PLACE_DATE = re.compile(
    r"^(?P<place>[^,\d]{2,60}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})",
    re.IGNORECASE,
)
_NUMBER_LINE = re.compile(rf"^Số\s*:?\s*(?P<number>{NUMBER})\s*$")
_MOTTOS = re.compile(
    r"^(?:ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*-\s*Tự do\s*-\s*Hạnh phúc)$",
    re.IGNORECASE,
)
# Bumped whenever the layout reader (a document on a page no profile knows) changes its output.
LAYOUT_READER_VERSION = 1
_NOT_TEXT = "script, style, noscript, iframe, select, button, template, nav, input, textarea"
_NUMBER_IN_TEXT = re.compile(rf"(?:^|\s)Số\s*:?\s*(?:{NUMBER})(?![\w/-])")
# Parts of the layout besides the number: at least one must sit near it.
_LAYOUT_PARTS = (
    re.compile(r"[^,\d\n]{2,60},\s*ngày\s+\d{1,2}\s+tháng\s+\d{1,2}\s+năm\s+\d{4}", re.IGNORECASE),
    re.compile(r"Kính\s+gửi"),
    re.compile(r"Nơi\s+nhận"),
    re.compile(r"(?:^|\s)(?:TM|T/M|KT|Q|TL|TUQ)\.?\s+[A-ZĐÀ-Ỹ]{2,}"),
    re.compile(r"(?:^|\s)V/v\s"),
)
_SIGNER_TITLE = re.compile(r"^(?:TM|T/M|T\.M|KT|Q|TL|TUQ|T/L)\.?\s+[A-ZĐÀ-Ỹ]")
_SEPARATOR = re.compile(r"^[-_*=.\s]+$")
# Labels of a documents module's detail table.
_DETAIL_LABELS = {
    "number": re.compile(r"(?i)^(?:Số\s*/?\s*ký hiệu|Số hiệu(?: văn bản)?|Ký hiệu|Số văn bản)$"),
    "issued": re.compile(r"(?i)^(?:Ngày ban hành|Ngày ký|Ngày văn bản)$"),
    "kind": re.compile(r"(?i)^(?:Loại văn bản|Hình thức(?: văn bản)?|Thể loại)$"),
    "issuer": re.compile(r"(?i)^(?:Cơ quan ban hành|Đơn vị ban hành|Nơi ban hành)$"),
    "subject": re.compile(r"(?i)^(?:Trích yếu(?: nội dung)?|Tiêu đề|Về việc)$"),
    "signer": re.compile(r"(?i)^(?:Người ký(?: duyệt)?)$"),
    "signer_title": re.compile(r"(?i)^(?:Chức vụ(?: người ký)?)$"),
}
# Words of a signer's capacity (T/M BAN THƯỜNG VỤ, KT. CHỦ TỊCH, PHÓ GIÁM ĐỐC ...), never of a name.
_ROLE = re.compile(
    r"\b(?:CHỦ TỊCH|GIÁM ĐỐC|BÍ THƯ|TRƯỞNG|PHÓ|ỦY|UỶ|UBND|BAN|THƯỜNG|CHÁNH|VĂN PHÒNG|HỘI|ĐOÀN|CỤC|SỞ|TỔNG|THỦ|NHÂN DÂN"
    r"|ĐẢNG|TRỰC|KÝ THAY|THỪA|QUYỀN)\b|^(?:TM|T/M|KT|TL|TUQ|Q)\.?\s"
)
_DISTRIBUTION = re.compile(r"^Nơi nhận\s*:?")
_NUMBER_THEN_MORE = re.compile(rf"^(?P<number_line>Số\s*:?\s*(?:{NUMBER}))\s+(?P<rest>\S.*)$")
_SIGNED = re.compile(r"^\((?:Đã ký|đã ký|Ký|ký)[^)]*\)$|^Ký bởi", re.IGNORECASE)


def number_key(number: str) -> str:
    """The form numbers are compared in: no spaces, ASCII hyphens, no diacritics (QĐ → QD), upper case.

    Migration 009 computes the same key in SQL for the rows stored before it.
    """
    return _fold(re.sub(r"\s+", "", number).replace("–", "-").replace("—", "-")).upper()


def document_type(number: str, hint: str = "") -> str:
    """The type of a document, from its number's type code, else from a type named in `hint`."""
    if (
        match := re.match(rf"^\d+-(?P<code>{_CODE})/", number)
        or re.match(rf"^\d+/(?:\d{{4}}/)?(?P<code>{_CODE})-", number)
    ) and (kind := DOCUMENT_TYPES.get(match.group("code"))):
        return kind
    for name in _TYPE_NAMES:
        if re.search(rf"(?i)\b{re.escape(name)}\b", hint):
            return name
    if hint.startswith("V/v"):
        return "Công văn"
    return ""


@dataclass(frozen=True, slots=True)
class Reference:
    """A mention of an official document in a text: ``Kết luận số 296-KL/TU ngày 26/3/2020``."""

    number: str
    kind: str
    referenced_date: date | None
    context: str  # the sentence around it

    @property
    def number_key(self) -> str:
        return number_key(self.number)


def find_references(text: str) -> list[Reference]:
    """Every document a text cites by type and number, in order, without repeats."""
    found: dict[str, Reference] = {}
    text = unicodedata.normalize("NFC", text)
    if not _NUMBER_AFTER_SO.search(text):
        return []
    for match in _reference_matches(text):
        number = match.group("number")
        referenced = None
        if match.group("year"):
            try:
                referenced = date(
                    int(match.group("year")), int(match.group("month")), int(match.group("day"))
                )
            except ValueError:
                referenced = None
        start = max(
            text.rfind(".", 0, match.start()) + 1, text.rfind("\n", 0, match.start()) + 1, match.start() - 200
        )
        ends = [i for i in (text.find(". ", match.end()), text.find("\n", match.end())) if i != -1]
        end = min([*ends, match.end() + 300, len(text)])
        context = clean_line(text[start : end + 1])
        kind = match.group("kind")
        kind = _TYPE_BY_FOLDED.get(_fold(kind).lower(), kind)
        found.setdefault(number_key(number), Reference(number, kind, referenced, context))
    return list(found.values())


def _reference_matches(text: str) -> Iterator[re.Match[str]]:
    """REFERENCE's matches in `text`, as its `finditer` gives them, found in the stretches of the
    text that can hold one: a match never crosses a character of _NOT_IN_REFERENCES and always
    has a "số" followed by a digit, so the rest of the text need not be scanned."""
    breaks = [match.start() for match in _NOT_IN_REFERENCES.finditer(text)]
    scanned = 0  # the end of the last stretch scanned
    for anchor in _NUMBER_AFTER_SO.finditer(text):
        if anchor.start() < scanned:
            continue
        index = bisect_right(breaks, anchor.start())
        start = breaks[index - 1] + 1 if index else 0
        scanned = breaks[index] if index < len(breaks) else len(text)
        yield from REFERENCE.finditer(text, start, scanned)


@dataclass(frozen=True, slots=True)
class DocumentFile:
    """An attached file by content hash, with its extracted text."""

    url: str
    name: str
    kind: str
    sha256: str
    size: int
    pages: int | None
    text: str
    # A PDF's pages that gave text, and those that gave none but carry a picture: scanned
    # pages, whose text is not extracted (no OCR). None for files other than PDFs.
    text_pages: int | None = None
    scanned_pages: int | None = None


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    number: str
    kind: str
    issuer: str
    issued_date: date | None
    issued_place: str
    subject: str
    addressees: tuple[str, ...]
    body_text: str
    distribution: tuple[str, ...]
    signer: str
    signer_title: str
    title: str = ""
    attachments: tuple[Attachment, ...] = ()
    files: tuple[DocumentFile, ...] = ()
    parser_version: str = ""
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def number_key(self) -> str:
        return number_key(self.number)

    def content(self) -> dict:
        return {
            "number": self.number,
            "kind": self.kind,
            "issuer": self.issuer,
            "issued_date": self.issued_date.isoformat() if self.issued_date else None,
            "issued_place": self.issued_place,
            "subject": self.subject,
            "addressees": list(self.addressees),
            "body_text": self.body_text,
            "distribution": list(self.distribution),
            "signer": self.signer,
            "signer_title": self.signer_title,
            "title": self.title,
            "attachments": [asdict(a) for a in self.attachments],
            "files": [{"sha256": f.sha256, "name": f.name} for f in self.files],
        }

    @property
    def content_hash(self) -> str:
        return content_hash(self.content())

    def references(self) -> list[Reference]:
        """The documents this one cites (not itself)."""
        return [ref for ref in find_references(self.body_text) if ref.number_key != self.number_key]

    def to_json(self) -> dict:
        return self.content() | {
            "files": [asdict(f) | {"text": f.text[:2000]} for f in self.files],
            "references": [
                asdict(r) | {"referenced_date": r.referenced_date and r.referenced_date.isoformat()}
                for r in self.references()
            ],
            "parser_version": self.parser_version,
            "content_hash": self.content_hash,
            "warnings": list(self.warnings),
        }


def parse_document(html: str, url: str, profile: Profile, final_url: str | None = None) -> DocumentRecord:
    """The fields of a document page; raises WrongPage when the answer is not a document
    page at all (maintenance, soft-404, error page, empty or cut), ExtractionError when
    its fields cannot be read.

    A profile without [documents] rules or a root selector, or whose root
    selector finds nothing, hands the page to :func:`read_document`, which
    finds the document by its layout wherever it sits.
    """
    return read_checked(
        html,
        url,
        profile.pages,
        final_url,
        "a document",
        lambda: _document(LexborHTMLParser(html), html, url, profile),
    )


def _document(tree: LexborHTMLParser, html: str, url: str, profile: Profile) -> DocumentRecord:
    rules = profile.documents
    root = tree.css_first(rules.root) if rules is not None and rules.root else None
    if root is None:
        try:
            return read_document(html, url)
        except ExtractionError as failure:
            if rules is None or not rules.root:
                raise
            raise ExtractionError(
                url, f"no document on the page (selector '{rules.root}' matched nothing; {failure.reason})"
            ) from None
    title = node_text(tree.css_first(rules.title)) if rules.title else ""
    attachments = tuple(
        dict.fromkeys(attachment_links(tree.css(rules.attachments), url, rules.attachment_extensions))
    )
    for selector in rules.drop:
        for node in root.css(selector):
            node.decompose()
    record = document_from_lines(_lines(root), url, min_text_chars=rules.min_text_chars)
    return replace(record, title=title, attachments=attachments, parser_version=profile.parser_version)


def _lines(node: LexborNode) -> list[str]:
    return [line for paragraph in block_text(node).split("\n\n") for line in paragraph.split("\n")]


def looks_like_document(html: str) -> bool:
    """Whether a page shows an official document: a number line and at least one more part of the layout,
    or a table of its details."""
    tree = LexborHTMLParser(html)
    return tree.body is not None and (
        _document_region(tree.body) is not None or _document_details(tree.body) is not None
    )


def read_document(html: str, url: str) -> DocumentRecord:
    """A document page of any template, found by its layout (number line, place and date, Kính gửi,
    Nơi nhận, signer's block), laid out in tables, paragraphs or lists; else a page that gives only
    the document's details (Số ký hiệu, Ngày ban hành, Trích yếu ...) and attaches its text."""
    tree = LexborHTMLParser(html)
    if tree.body is None:
        raise ExtractionError(url, "no <body>")
    for node in tree.body.css(_NOT_TEXT):
        node.decompose()
    region = _document_region(tree.body)
    record = document_from_lines(_lines(region), url) if region is not None else _document_details(tree.body)
    if record is None:
        raise ExtractionError(
            url,
            "no official document on the page (no 'Số: 123/UBND-VP' line beside a place-and-date "
            "line, 'Kính gửi', 'Nơi nhận' or a signer's block, nor a table of its details)",
        )
    attachments = tuple(
        dict.fromkeys(attachment_links(tree.css("a[href]"), url, DEFAULT_ATTACHMENT_EXTENSIONS))
    )
    return replace(
        record,
        title=_document_title(tree, record),
        attachments=attachments,
        parser_version=f"documents/{LAYOUT_READER_VERSION}+{PARSER_VERSION}",
    )


def _document_title(tree: LexborHTMLParser, record: DocumentRecord) -> str:
    """The page's own title of the document: the heading (or og:title, <title>) that names its number or its kind;
    else its kind and number."""
    og_title = tree.css_first("meta[property='og:title']")
    headings = (
        tree.body.css("h1, h2, h3, [class*='title'], [class*='tieude']") if tree.body is not None else []
    )
    titles = [clean_line(og_title.attributes.get("content") or "") if og_title is not None else ""]
    titles += [node_text(node) for node in headings] + [node_text(tree.css_first("head title"))]
    for title in titles:
        if 0 < len(title) <= 300 and (
            record.number_key in number_key(title) or (record.kind and title.startswith(record.kind))
        ):
            return title
    return " ".join(part for part in (record.kind, record.number) if part)


def _document_details(page: LexborNode) -> DocumentRecord | None:
    """A page that gives a document's details as labelled rows (Số ký hiệu, Ngày ban hành, Trích yếu ...) and
    leaves its text to the attached file; None without a number and a subject or date."""
    details: dict[str, str] = {}
    for label, value in _labelled_rows(page):
        for name, pattern in _DETAIL_LABELS.items():
            if pattern.match(label) and value:
                details.setdefault(name, value)
    number = _NUMBER.search(details.get("number", ""))
    issued = re.match(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", details.get("issued", ""))
    if number is None or not (details.get("subject") or issued):
        return None
    try:
        issued_date = (
            date(int(issued.group(3)), int(issued.group(2)), int(issued.group(1))) if issued else None
        )
    except ValueError:
        issued_date = None
    kind = document_type(number.group(0), details.get("kind", "") or details.get("subject", ""))
    return DocumentRecord(
        number=number.group(0),
        kind=kind,
        issuer=details.get("issuer", ""),
        issued_date=issued_date,
        issued_place="",
        subject=details.get("subject", ""),
        addressees=(),
        body_text="",
        distribution=(),
        signer=details.get("signer", ""),
        signer_title=details.get("signer_title", ""),
        warnings=(
            "body_text: the page lists the document's details only; its text is in the attached files",
        ),
    )


def _labelled_rows(page: LexborNode):
    """(label, value) pairs of detail tables (a row of two cells), definition lists and 'Label: value' lines."""
    for row in page.css("tr"):
        cells = [node_text(cell) for cell in row.iter() if cell.tag in ("td", "th")]
        if len(cells) == 2:
            yield cells[0].rstrip(": "), cells[1]
    for term in page.css("dt"):
        if (value := term.next) is not None:
            while value is not None and value.tag == "-text":
                value = value.next
            if value is not None and value.tag == "dd":
                yield node_text(term).rstrip(": "), node_text(value)
    for line in _lines(page):
        if ":" in line and len(line) <= 400:
            label, value = line.split(":", 1)
            yield label.strip(), value.strip()


def _document_region(page: LexborNode) -> LexborNode | None:
    """The smallest block around a document's number line that holds the most of the rest of its layout."""
    for text in page.traverse(include_text=True):
        if text.tag != "-text" or "Số" not in unicodedata.normalize("NFC", text.text(deep=False) or ""):
            continue
        element = text.parent
        if element is None or not _NUMBER_IN_TEXT.search(node_text(element)):
            continue
        best, best_parts = None, 1
        while element is not None and element.tag not in ("body", "html"):
            content = unicodedata.normalize("NFC", element.text(deep=True) or "")
            parts = sum(bool(pattern.search(content)) for pattern in _LAYOUT_PARTS)
            if parts > best_parts:
                best, best_parts = element, parts
            element = element.parent
        if best is not None:
            return best
    return None


class DocumentCheck:
    """Judges a fetched document page for the fetcher: raises WrongPage when it is not one (so
    that it is fetched again) and keeps its record, or why its fields could not be read."""

    def __init__(self, profile: Profile):
        self.profile = profile
        self.record: DocumentRecord | None = None
        self.failure: str | None = None

    def __call__(self, fetched) -> None:
        """`fetched`: the answer, with its text(), the url asked for and the final_url redirects led to."""
        self.record, self.failure = None, None
        try:
            self.record = parse_document(fetched.text(), fetched.url, self.profile, fetched.final_url)
        except WrongPage:
            raise
        except ExtractionError as exc:
            self.failure = exc.reason


def document_from_lines(lines: list[str], where: str, min_text_chars: int = 80) -> DocumentRecord:
    """Read a document's fields from its lines (an HTML rendering or a PDF's text)."""
    lines = _split_header_lines([line for line in (clean_line(line) for line in lines) if line])
    number_at = next((i for i, line in enumerate(lines) if _NUMBER_LINE.match(line)), None)
    if number_at is None:
        raise ExtractionError(where, "no document number (a 'Số 53-CV/TU' or 'Số: 123/QĐ-UBND' line)")
    number = _NUMBER_LINE.match(lines[number_at]).group("number")
    issuer = _issuer(lines[:number_at])
    place_at = next((i for i, line in enumerate(lines) if _PLACE_DATE.match(line)), None)
    issued_date, issued_place = None, ""
    if place_at is not None:
        match = _PLACE_DATE.match(lines[place_at])
        issued_place = match.group("place").strip()
        try:
            issued_date = date(int(match.group("y")), int(match.group("m")), int(match.group("d")))
        except ValueError:
            issued_date = None
    header_end = max(number_at, place_at or 0) + 1
    subject, kind_hint, cursor = _subject(lines, number_at, header_end)
    addressees, cursor = _addressees(lines, cursor)
    distribution_at = next(
        (i for i in range(cursor, len(lines)) if _DISTRIBUTION.match(lines[i])), len(lines)
    )
    body, distribution, signature = _closing(lines, cursor, distribution_at)
    signer, signer_title = _signer(signature)
    body_text = "\n\n".join(line for line in body if not _SEPARATOR.match(line))
    if len(body_text) < min_text_chars:
        raise ExtractionError(
            where, f"document text too short ({len(body_text)} characters): truncated or not a document"
        )
    warnings = []
    if issued_date is None:
        warnings.append("issued_date: no '<place>, ngày .. tháng .. năm ....' line")
    if not signer:
        warnings.append("signer: none found")
    return DocumentRecord(
        number=number,
        kind=document_type(number, kind_hint or subject),
        issuer=issuer,
        issued_date=issued_date,
        issued_place=issued_place,
        subject=subject,
        addressees=tuple(addressees),
        body_text=body_text,
        distribution=tuple(distribution),
        signer=signer,
        signer_title=signer_title,
        warnings=tuple(warnings),
    )


def _split_header_lines(lines: list[str]) -> list[str]:
    """Header parts a page sets side by side on one line ('Số: 12/UBND-VP  Mường Phăng, ngày ...') as lines of their own."""
    split = []
    for line in lines:
        if match := _NUMBER_THEN_MORE.match(line):
            split += [match.group("number_line"), match.group("rest")]
        else:
            split.append(line)
    return split


def _issuer(before_number: list[str]) -> str:
    """The issuer: the upper-case lines just above the number (a parent body, then the issuing body)."""
    issuer: list[str] = []
    for line in reversed(before_number):
        if _SEPARATOR.match(line):
            if issuer:
                break
            continue
        if _MOTTOS.match(line) or not line.isupper() or len(issuer) == 4:
            break
        issuer.insert(0, line)
    return " ".join(issuer)


def _subject(lines: list[str], number_at: int, header_end: int) -> tuple[str, str, int]:
    """The subject (a letter's 'V/v ...' or the trích yếu under a type heading), that heading, and where the rest starts."""
    for index in range(number_at + 1, header_end):
        if lines[index].startswith("V/v"):
            parts = [lines[index]]
            for line in lines[index + 1 : header_end]:  # a subject wrapped over several lines
                if _MOTTOS.match(line) or _PLACE_DATE.match(line) or line.isupper():
                    break
                parts.append(line)
            return " ".join(parts), "", header_end
    cursor = header_end
    while cursor < len(lines) and (_MOTTOS.match(lines[cursor]) or _SEPARATOR.match(lines[cursor])):
        cursor += 1
    if cursor < len(lines) and lines[cursor].isupper() and len(lines[cursor]) <= 60:
        kind_hint = lines[cursor]
        if cursor + 1 < len(lines):
            return lines[cursor + 1], kind_hint, cursor + 2
        return "", kind_hint, cursor + 1
    return "", "", cursor


def _addressees(lines: list[str], cursor: int) -> tuple[list[str], int]:
    """'Kính gửi: ...' and the list under it, dashed or not (a list's bullets do not reach the text)."""
    if cursor >= len(lines) or not lines[cursor].startswith("Kính gửi"):
        return [], cursor
    addressees = []
    rest = lines[cursor].split(":", 1)[1].strip(" *") if ":" in lines[cursor] else ""
    if rest:
        addressees.append(rest.lstrip("-+• "))
    cursor += 1
    while cursor < len(lines):
        line = lines[cursor]
        dashed = line.startswith(("-", "+", "•"))
        listed = (
            len(line) <= 150
            and len(line.split()) <= 25
            and (
                line.endswith((",", ";"))
                or (line.endswith(".") and addressees and addressees[-1].endswith((",", ";")))
            )
        )
        if not (dashed or (listed and not rest)):
            break
        if item := line.lstrip("-+• ").strip():
            addressees.append(item)
        cursor += 1
    return addressees, cursor


def _closing(lines: list[str], cursor: int, distribution_at: int) -> tuple[list[str], list[str], list[str]]:
    """Body, distribution ('Nơi nhận') and the signer's block, whichever order the page sets the last two in."""
    body = lines[cursor:distribution_at]
    distribution, signature = [], []
    if distribution_at < len(lines):
        first = lines[distribution_at].split(":", 1)[1].strip() if ":" in lines[distribution_at] else ""
        for line in ([first] if first else []) + lines[distribution_at + 1 :]:
            signing = _signer_starts(line) or line.isupper() or _SIGNED.match(line)
            if not signature and (line.startswith(("-", "+", "•")) or not signing):
                if item := line.lstrip("-+• ").strip():
                    distribution.append(item)
            else:
                signature.append(line)
    if not signature:
        body, signature = _trailing_signature(body)
    return body, distribution, signature


def _signer(signature: list[str]) -> tuple[str, str]:
    """The signer's name (the first line after the titles in capitals) and those titles."""
    titles: list[str] = []
    for line in signature:
        if line.isupper() and (not titles or _ROLE.search(line)):
            titles.append(line)
        elif (
            line.isupper() or not _SIGNED.match(line) and not _SEPARATOR.match(line)
        ):  # a name set in capitals, after the titles
            return line, " ".join(titles)
    return "", " ".join(titles)


def _signer_starts(line: str) -> bool:
    return bool(_SIGNER_TITLE.match(line))


def _trailing_signature(body: list[str]) -> tuple[list[str], list[str]]:
    """A signer's block set at the end of the body: titles in capitals, '(Đã ký)', then the name."""
    start = len(body)
    while start > 0 and len(body) - start < 6:
        line = body[start - 1]
        name = (
            len(line) <= 40
            and len(line.split()) <= 6
            and line[:1].isupper()
            and not line.endswith((".", ":", ";", ","))
        )
        if not (line.isupper() or _SIGNED.match(line) or _signer_starts(line) or name):
            break
        start -= 1
    block = body[start:]
    if not any(line.isupper() or _signer_starts(line) for line in block):
        return body, []
    return body[:start], block


# PDFium allows one call at a time in a process, across all its documents.
_pdfium_lock = threading.Lock()
# What PDFium's text carries besides the text: its line ends are CR LF, a hyphen that ends a
# line may come as U+0002 (kept as the hyphen the page shows), and a character it could not
# map to Unicode as U+FFFE or a control character (dropped).
_PDFIUM_HYPHEN = "\x02"
_PDFIUM_MARKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe]")


class PdfText(NamedTuple):
    """What PDFium read of a PDF."""

    text: str  # the pages' text, separated by blank lines
    pages: int
    text_pages: int  # pages that gave text
    scanned_pages: int  # pages that gave none but carry a picture (a scan: text not extracted)


def pdf_text(data: bytes, where: str) -> PdfText:
    """The text of a PDF (pages separated by blank lines), its page count, and how many of its
    pages gave text or are pictures without any (scanned), by PDFium.

    PDFium (pypdfium2) is the PDF engine of Chromium, written in C++: about six times
    faster than pypdf on the simulator's documents, and hardened against broken files by a
    browser's fuzzing. The page workers read PDFs (see :mod:`portalwatch.pagework`): should
    a file still crash it, it takes down a worker, not the crawl (unless
    ``settings.parse_workers = 0`` keeps all page work in the crawling process)."""
    # Imported on the first PDF, not with the parsers: the crawling process, which hands its
    # pages to the page workers, never reads one.
    import pypdfium2  # noqa: PLC0415

    pages: list[str] = []
    scanned = 0
    with _pdfium_lock:
        try:
            document = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError as exc:
            raise ExtractionError(where, f"not a readable PDF: {exc}") from None
        try:
            for number in range(len(document)):
                page = document[number]
                try:
                    textpage = page.get_textpage()
                    pages.append(_page_text(textpage.get_text_range()))
                    textpage.close()
                    pictures = page.get_objects(filter=[pypdfium2.raw.FPDF_PAGEOBJ_IMAGE])  # lazily
                    if not pages[-1] and next(pictures, None) is not None:
                        scanned += 1
                except pypdfium2.PdfiumError as exc:
                    raise ExtractionError(
                        where, f"page {number + 1} of the PDF is not readable: {exc}"
                    ) from None
                finally:
                    page.close()
        finally:
            document.close()
    text = unicodedata.normalize("NFC", "\n\n".join(pages))
    return PdfText(text, len(pages), sum(1 for page in pages if page), scanned)


def _page_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace(_PDFIUM_HYPHEN, "-")
    return _PDFIUM_MARKS.sub("", text).strip()


_HTML_START = re.compile(rb"^\s*(?:<!doctype\s+html|<html|<head|<body|<meta|<title)", re.IGNORECASE)


def file_problem(data: bytes, attachment: Attachment) -> str | None:
    """Why an answer for an attached file is not that file (empty, or a web page: a maintenance
    notice, a soft-404, an error page sent in its place), or None."""
    if not data.strip():
        return "not the file: an empty answer"
    if attachment.kind not in ("htm", "html") and _HTML_START.match(data[:512]):
        return f"not the file: a web page instead of a {attachment.kind.upper()} file"
    if attachment.kind == "pdf" and b"%%EOF" not in data[-1024:]:
        return "not the whole file: a PDF cut short before its %%EOF"
    return None


class FileCheck:
    """Judges a fetched attached file for the fetcher: raises WrongPage when it is not the file."""

    def __init__(self, attachment: Attachment):
        self.attachment = attachment

    def __call__(self, fetched) -> None:
        """`fetched`: the answer, with its body and the url asked for."""
        if problem := file_problem(fetched.body, self.attachment):
            raise WrongPage(fetched.url, problem)


def document_file(data: bytes, attachment: Attachment, sha256: str, where: str) -> DocumentFile:
    """An attached file with its text (PDF only; other kinds keep their hash and size)."""
    if attachment.kind != "pdf":
        return DocumentFile(attachment.url, attachment.name, attachment.kind, sha256, len(data), None, "")
    read = pdf_text(data, where)
    return DocumentFile(
        attachment.url,
        attachment.name,
        attachment.kind,
        sha256,
        len(data),
        read.pages,
        read.text,
        read.text_pages,
        read.scanned_pages,
    )
