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

import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field, replace
from datetime import date

from selectolax.lexbor import LexborHTMLParser

from portalwatch.errors import ExtractionError, WrongPage
from portalwatch.parse.profile import Profile
from portalwatch.parse.text import block_text, clean_line, node_text
from portalwatch.record import Attachment, content_hash

# Type codes of document numbers (Decree 30/2020/NĐ-CP, Appendix III; Party
# Central Office Guidance 36-HD/VPTW) and the type each stands for.
DOCUMENT_TYPES = {
    "NQ": "Nghị quyết", "QĐ": "Quyết định", "QyĐ": "Quy định", "QC": "Quy chế", "CT": "Chỉ thị",
    "KL": "Kết luận", "TB": "Thông báo", "HD": "Hướng dẫn", "CTr": "Chương trình", "KH": "Kế hoạch",
    "PA": "Phương án", "ĐA": "Đề án", "DA": "Dự án", "BC": "Báo cáo", "BB": "Biên bản", "TTr": "Tờ trình",
    "HĐ": "Hợp đồng", "CĐ": "Công điện", "BGN": "Bản ghi nhớ", "BTT": "Bản thỏa thuận", "GUQ": "Giấy ủy quyền",
    "GM": "Giấy mời", "GGT": "Giấy giới thiệu", "GNP": "Giấy nghỉ phép", "PG": "Phiếu gửi", "PC": "Phiếu chuyển",
    "PB": "Phiếu báo", "CV": "Công văn", "NĐ": "Nghị định", "TT": "Thông tư", "TTLT": "Thông tư liên tịch",
    "L": "Luật", "UBTVQH": "Nghị quyết",
}  # fmt: skip
_TYPE_NAMES = sorted(set(DOCUMENT_TYPES.values()), key=len, reverse=True)
_CODE = r"[A-ZĐ][A-Za-zĐđ]*"
# 53-CV/TU, 9816-CV/BTGTW, 296-KL/TU  |  123/QĐ-UBND, 1699/CĐ-TTg, 45/2020/NĐ-CP, 123/UBND-VP
NUMBER = rf"\d{{1,5}}-{_CODE}/{_CODE}(?:-{_CODE})*|\d{{1,5}}/(?:\d{{4}}/)?{_CODE}(?:-{_CODE})+"
_NUMBER = re.compile(rf"(?<![\w/-])(?:{NUMBER})(?![\w/-])")
REFERENCE = re.compile(
    rf"(?P<kind>{'|'.join(re.escape(name) for name in _TYPE_NAMES)})"
    rf"(?:\s+(?:hỏa tốc|khẩn|liên tịch))?\s+số\s*:?\s*(?P<number>{NUMBER})"
    r"(?:\s*,?\s*ngày\s+(?P<day>\d{1,2})[/-](?P<month>\d{1,2})[/-](?P<year>\d{4}))?",
    re.IGNORECASE,
)
# Every reference gives its number after "số" (both NUMBER forms start with a digit): a text
# without "số" and a digit after it cites nothing, and skips the scan with REFERENCE.
_NUMBER_AFTER_SO = re.compile(r"số\s*:?\s*\d", re.IGNORECASE)
_PLACE_DATE = re.compile(r"^(?P<place>[^,\d]{2,60}),\s*ngày\s+(?P<d>\d{1,2})\s+tháng\s+(?P<m>\d{1,2})\s+năm\s+(?P<y>\d{4})", re.IGNORECASE)
_NUMBER_LINE = re.compile(rf"^Số\s*:?\s*(?P<number>{NUMBER})\s*$")
_MOTTOS = re.compile(r"^(?:ĐẢNG CỘNG SẢN VIỆT NAM|CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM|CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM|Độc lập\s*-\s*Tự do\s*-\s*Hạnh phúc)$", re.IGNORECASE)
_SIGNED = re.compile(r"^\((?:Đã ký|đã ký|Ký|ký)[^)]*\)$|^Ký bởi", re.IGNORECASE)


def number_key(number: str) -> str:
    """The form numbers are compared in: NFC, no spaces, upper case (QĐ, Đ kept)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", number)).upper()


def document_type(number: str, hint: str = "") -> str:
    """The type of a document, from its number's type code, else from a type named in `hint`."""
    if match := re.match(rf"^\d+-(?P<code>{_CODE})/", number) or re.match(rf"^\d+/(?:\d{{4}}/)?(?P<code>{_CODE})-", number):
        if kind := DOCUMENT_TYPES.get(match.group("code")):
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
    for match in REFERENCE.finditer(text):
        number = match.group("number")
        referenced = None
        if match.group("year"):
            try:
                referenced = date(int(match.group("year")), int(match.group("month")), int(match.group("day")))
            except ValueError:
                referenced = None
        start = max(text.rfind(".", 0, match.start()) + 1, text.rfind("\n", 0, match.start()) + 1, match.start() - 200)
        ends = [i for i in (text.find(". ", match.end()), text.find("\n", match.end())) if i != -1]
        end = min([*ends, match.end() + 300, len(text)])
        context = clean_line(text[start : end + 1])
        kind = match.group("kind")
        kind = next((name for name in _TYPE_NAMES if name.lower() == kind.lower()), kind)
        found.setdefault(number_key(number), Reference(number, kind, referenced, context))
    return list(found.values())


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
            "number": self.number, "kind": self.kind, "issuer": self.issuer,
            "issued_date": self.issued_date.isoformat() if self.issued_date else None,
            "issued_place": self.issued_place, "subject": self.subject, "addressees": list(self.addressees),
            "body_text": self.body_text, "distribution": list(self.distribution), "signer": self.signer,
            "signer_title": self.signer_title, "title": self.title,
            "attachments": [asdict(a) for a in self.attachments],
            "files": [{"sha256": f.sha256, "name": f.name} for f in self.files],
        }  # fmt: skip

    @property
    def content_hash(self) -> str:
        return content_hash(self.content())

    def references(self) -> list[Reference]:
        """The documents this one cites (not itself)."""
        return [ref for ref in find_references(self.body_text) if ref.number_key != self.number_key]

    def to_json(self) -> dict:
        return self.content() | {
            "files": [asdict(f) | {"text": f.text[:2000]} for f in self.files],
            "references": [asdict(r) | {"referenced_date": r.referenced_date and r.referenced_date.isoformat()}
                           for r in self.references()],
            "parser_version": self.parser_version, "content_hash": self.content_hash, "warnings": list(self.warnings),
        }  # fmt: skip


def parse_document(html: str, url: str, profile: Profile, final_url: str | None = None) -> DocumentRecord:
    """The fields of a document page; raises WrongPage when the answer is not a document
    page at all (maintenance, soft-404, error page, empty or cut), ExtractionError when
    its fields cannot be read."""
    from portalwatch.parse import check_page, error_page_reason

    rules = profile.documents
    if rules is None:
        raise ExtractionError(url, f"profile '{profile.name}' has no [documents] rules")
    check_page(html, url, profile.pages, final_url)
    tree = LexborHTMLParser(html)
    try:
        return _document(tree, url, profile, rules)
    except ExtractionError as failure:
        if reason := error_page_reason(LexborHTMLParser(html), profile.pages):
            raise WrongPage(url, f"not a document: {reason}") from failure
        raise


def _document(tree: LexborHTMLParser, url: str, profile: Profile, rules) -> DocumentRecord:
    from portalwatch.parse import attachment_links

    root = tree.css_first(rules.root)
    if root is None:
        raise ExtractionError(url, f"no document on the page (selector '{rules.root}' matched nothing)")
    title = node_text(tree.css_first(rules.title)) if rules.title else ""
    attachments = tuple(dict.fromkeys(attachment_links(tree.css(rules.attachments), url, rules.attachment_extensions)))
    for selector in rules.drop:
        for node in root.css(selector):
            node.decompose()
    lines = [line for paragraph in block_text(root).split("\n\n") for line in paragraph.split("\n")]
    record = document_from_lines(lines, url, min_text_chars=rules.min_text_chars)
    return replace(record, title=title, attachments=attachments, parser_version=profile.parser_version)


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
    lines = [clean_line(line) for line in lines]
    lines = [line for line in lines if line]
    number_at = next((i for i, line in enumerate(lines) if _NUMBER_LINE.match(line)), None)
    if number_at is None:
        raise ExtractionError(where, "no document number (a 'Số 53-CV/TU' or 'Số: 123/QĐ-UBND' line)")
    number = _NUMBER_LINE.match(lines[number_at]).group("number")
    issuer = " ".join(line for line in lines[:number_at] if line not in ("*", "-------") and not _MOTTOS.match(line)
                      and not set(line) <= set("-_*"))  # fmt: skip
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
    subject, kind_hint = "", ""
    for index in range(number_at + 1, header_end):
        if lines[index].startswith("V/v"):
            parts = [lines[index]]
            for line in lines[index + 1 : header_end]:  # a subject wrapped over several lines
                if _MOTTOS.match(line) or _PLACE_DATE.match(line) or line.isupper():
                    break
                parts.append(line)
            subject = " ".join(parts)
            break
    cursor = header_end
    if not subject and cursor < len(lines) and lines[cursor].isupper():
        kind_hint = lines[cursor]
        cursor += 1
        if cursor < len(lines):
            subject = lines[cursor]
            cursor += 1
    addressees: list[str] = []
    if cursor < len(lines) and lines[cursor].startswith("Kính gửi"):
        rest = lines[cursor].split(":", 1)[1].strip(" *") if ":" in lines[cursor] else ""
        if rest:
            addressees.append(rest)
        cursor += 1
        while cursor < len(lines) and lines[cursor].startswith(("-", "+", "•")):
            item = lines[cursor].lstrip("-+• ").strip()
            if item:
                addressees.append(item)
            cursor += 1
    distribution_at = next((i for i in range(cursor, len(lines)) if lines[i].rstrip(":").strip() == "Nơi nhận"), len(lines))
    body = lines[cursor:distribution_at]
    distribution, signature = [], []
    for line in lines[distribution_at + 1 :]:
        if line.startswith("-") and not signature:
            item = line.lstrip("- ").strip()
            if item:
                distribution.append(item)
        else:
            signature.append(line)
    signer_title = " ".join(line for line in signature if line.isupper())
    named = [line for line in signature if not line.isupper() and not _SIGNED.match(line)]
    signer = named[-1] if named else ""
    body_text = "\n\n".join(body)
    if len(body_text) < min_text_chars:
        raise ExtractionError(where, f"document text too short ({len(body_text)} characters): truncated or not a document")
    warnings = []
    if issued_date is None:
        warnings.append("issued_date: no '<place>, ngày .. tháng .. năm ....' line")
    if not signer:
        warnings.append("signer: none found")
    return DocumentRecord(
        number=number, kind=document_type(number, kind_hint or subject), issuer=issuer, issued_date=issued_date,
        issued_place=issued_place, subject=subject, addressees=tuple(addressees), body_text=body_text,
        distribution=tuple(distribution), signer=signer, signer_title=signer_title, warnings=tuple(warnings),
    )  # fmt: skip


def pdf_text(data: bytes, where: str) -> tuple[str, int]:
    """The text of a PDF (pages separated by blank lines) and its page count, by pypdf."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise ExtractionError(where, f"not a readable PDF: {exc}") from None
    return unicodedata.normalize("NFC", "\n\n".join(page.strip() for page in pages)), len(pages)


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
    text, pages = ("", None)
    if attachment.kind == "pdf":
        text, pages = pdf_text(data, where)
    return DocumentFile(attachment.url, attachment.name, attachment.kind, sha256, len(data), pages, text)
