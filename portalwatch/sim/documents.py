"""Official documents of the simulated portals, and the PDF files attached to them.

Each portal publishes the documents of its own level, numbered the way the
real ones are: Party documents ``53-CV/TU`` (number, type code, issuing
committee), state documents ``123/QĐ-UBND`` (number, type code, issuing
body). A document page has the shape of an official letter: issuer and number
on the left, the national or Party motto and ``Điện Biên, ngày 09 tháng 12
năm 2020`` on the right, the subject (``V/v ...``) or a type heading, the
addressees (``Kính gửi:``), a numbered body, the distribution (``Nơi nhận:``)
and the signer. Its PDF (:mod:`portalwatch.sim.pdf`), rendered with a Vietnamese font
(Be Vietnam Pro, installed from PyPI), carries the same text. Everything is a function of the
world's seed.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from portalwatch.sim import corpus

# Type codes of document numbers and the type names they stand for.
PARTY_TYPES = (
    ("CV", "Công văn", None),
    ("KL", "Kết luận", None),
    ("NQ", "Nghị quyết", "nq_subject"),
    ("CT", "Chỉ thị", "ct_subject"),
    ("KH", "Kế hoạch", None),
    ("TB", "Thông báo", "tb_subject"),
    ("HD", "Hướng dẫn", "hd_subject"),
)
STATE_TYPES = (
    ("UBND", "Công văn", None),
    ("QĐ", "Quyết định", "qd_subject"),
    ("KH", "Kế hoạch", None),
    ("TB", "Thông báo", "tb_subject"),
    ("CT", "Chỉ thị", "ct_subject"),
    ("BC", "Báo cáo", "bc_subject"),
)
_PLAN_SUBJECTS = (
    "triển khai công tác phòng, chống dịch bệnh Covid-19 trong tình hình mới",
    "thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
    "cải cách hành chính",
    "phòng, chống thiên tai và tìm kiếm cứu nạn",
    "tổ chức các hoạt động kỷ niệm Chiến thắng Điện Biên Phủ",
)
_EXTERNAL = (
    "Công điện hỏa tốc số 1699/CĐ-TTg ngày 02/12/2020 của Thủ tướng Chính phủ",
    "Chỉ thị số 16/CT-TTg ngày 31/3/2020 của Thủ tướng Chính phủ",
    "Nghị quyết số 128/NQ-CP ngày 11/10/2021 của Chính phủ",
    "Công văn số 9816-CV/BTGTW ngày 03/12/2020 của Ban Tuyên giáo Trung ương",
)
WEEKDAYS = ("Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật")


@dataclass
class Document:
    id: int
    number: str
    code: str
    kind: str  # Công văn, Kết luận, Quyết định, ...
    issuer: tuple[str, ...]  # header lines, upper case
    party: bool
    place: str  # where it was signed ("Điện Biên", "Tủa Chùa")
    issued: date
    subject: str  # "V/v ..." for a Công văn, the trích yếu otherwise
    addressees: tuple[str, ...]
    paragraphs: list[str]
    distribution: tuple[str, ...]
    signer_role: tuple[str, ...]
    signer: str
    slug: str
    issuer_name: str  # how other texts name the issuer ("Ban Thường vụ Tỉnh ủy", "UBND huyện Tủa Chùa")
    cites: tuple[str, ...] = field(default=())  # numbers of other documents its body mentions
    removed: bool = False  # taken down: its page answers 404 and the listing drops it

    @property
    def file_name(self) -> str:
        return self.number.replace("/", "-").replace("Đ", "D") + ".pdf"

    @property
    def title(self) -> str:
        subject = (
            self.subject if self.subject.startswith("V/v") else self.subject[:1].lower() + self.subject[1:]
        )
        return f"{self.kind} số {self.number} {subject}"

    def mention(self, style: str = "standard") -> str:
        """How another text cites it: ``Kết luận số 296-KL/TU ngày 26/3/2020``.

        Portals also write the number ``spaced`` (``296 - KL/TU``, ``123 / QĐ-UBND``),
        ``dashed`` (``296–KL/TU``) or the whole mention ``plain``, without diacritics.
        """
        number = self.number
        if style == "spaced":
            number = re.sub(r"^(\d+)([-/])", r"\1 \2 ", number)
        elif style == "dashed":
            number = number.replace("-", "–")
        text = (
            f"{self.kind} số {number} ngày {self.issued.day:02d}/{self.issued.month:02d}/{self.issued.year}"
        )
        if style == "plain":
            decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
            text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        return text

    def heading_date(self) -> str:
        return (
            f"{self.place}, ngày {self.issued.day:02d} tháng {self.issued.month:02d} năm {self.issued.year}"
        )

    def lines(self) -> list[str]:
        """The document's text, line by line, as its PDF carries it."""
        out = [
            *self.issuer,
            "*" if self.party else "",
            f"Số: {self.number}" if not self.party else f"Số {self.number}",
        ]
        if self.subject.startswith("V/v"):
            out.append(self.subject)
        out += (
            ["ĐẢNG CỘNG SẢN VIỆT NAM"]
            if self.party
            else ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        )
        out.append(self.heading_date())
        if not self.subject.startswith("V/v"):
            out += [self.kind.upper(), self.subject]
        if self.addressees:
            out += ["Kính gửi:", *self.addressees]
        out += self.paragraphs
        out += ["Nơi nhận:", *self.distribution, *self.signer_role, "(Đã ký)", self.signer]
        return [line for line in out if line]


def make_documents(
    rng: random.Random,
    level: str,
    place: str,
    count: int,
    start: datetime,
    span: timedelta,
    first_id: int,
    cite_pool: list[Document],
) -> list[Document]:
    """`count` documents issued over `span` before `start`, oldest first."""
    party = level == "province"
    types = PARTY_TYPES if party else STATE_TYPES
    issuer, sign_place, body_name, roles, addressees, distribution = _issuer(party, place)
    times = sorted(start - timedelta(seconds=rng.uniform(0, span.total_seconds())) for _ in range(count))
    sequence: dict[tuple[int, str], int] = {}
    documents = []
    for index, issued_at in enumerate(times):
        code, kind, pool = types[rng.randrange(len(types))]
        key = (issued_at.year, code)
        sequence[key] = sequence.get(key, rng.randint(1, 30)) + rng.randint(1, 40)
        number = (
            f"{sequence[key]}-{code}/TU"
            if party
            else f"{sequence[key]}/{code}-UBND"
            if code != "UBND"
            else f"{sequence[key]}/UBND-VP"
        )
        subject = _subject(rng, kind, pool, place, issued_at.year)
        paragraphs = corpus.paragraphs(rng, place, rng.randint(3, 6))
        cites: list[str] = []
        older = [d for d in cite_pool if d.issued < issued_at.date()]
        if older and rng.random() < 0.5:
            cited = older[rng.randrange(len(older))]
            cites.append(cited.number)
            opening = f"Thực hiện {cited.mention()} của {cited.issuer_name}, {body_name} yêu cầu:"
        else:
            opening = f"Thực hiện {_EXTERNAL[rng.randrange(len(_EXTERNAL))]}, {body_name} yêu cầu:"
        numbered = [f"{i}. {text}" for i, text in enumerate(paragraphs, 1)]
        doc = Document(
            id=first_id + index,
            number=number,
            code=code,
            kind=kind,
            issuer=issuer,
            party=party,
            place=sign_place,
            issued=issued_at.date(),
            subject=subject,
            addressees=addressees if kind == "Công văn" else (),
            paragraphs=[opening, *numbered],
            distribution=distribution,
            signer_role=roles[rng.randrange(len(roles))],
            signer=corpus.person_name(rng),
            slug=_slug(f"{kind} {number}"),
            cites=tuple(cites),
            issuer_name="Ban Thường vụ Tỉnh ủy" if party else f"UBND {place}",
        )
        documents.append(doc)
        cite_pool.append(doc)
    return documents


def _issuer(party: bool, place: str) -> tuple:
    """Who issues a portal's documents: issuer lines, signing place, body name, signer roles,
    addressees and distribution."""
    name = place.split(" ", 1)[1] if " " in place else place
    if party:
        issuer, sign_place, body_name = ("TỈNH ỦY ĐIỆN BIÊN",), "Điện Biên", "Tỉnh ủy"
        roles = (("T/M BAN THƯỜNG VỤ", "PHÓ BÍ THƯ THƯỜNG TRỰC"), ("T/M BAN THƯỜNG VỤ", "BÍ THƯ"))
        addressees = (
            "- Các đảng đoàn, ban cán sự đảng,",
            "- Các cơ quan tham mưu, giúp việc Tỉnh ủy,",
            "- Các huyện ủy, thị ủy, thành ủy, đảng ủy trực thuộc.",
        )
        distribution = (
            "- Như trên,",
            "- Thường trực Tỉnh ủy,",
            "- Lãnh đạo HĐND, UBND tỉnh,",
            "- Các đ/c Ủy viên BTV,",
            "- Lưu Văn phòng Tỉnh ủy.",
        )
    else:
        unit = place.split(" ", 1)[0].upper()
        issuer, sign_place, body_name = ("ỦY BAN NHÂN DÂN", f"{unit} {name.upper()}"), name, f"UBND {place}"
        roles = (("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"))
        addressees = (
            "- Các cơ quan, đơn vị trực thuộc,",
            f"- UBND các xã, thị trấn trên địa bàn {place}."
            if unit == "HUYỆN"
            else "- Các thôn, bản trên địa bàn xã.",
        )
        distribution = ("- Như trên,", "- Thường trực HĐND,", "- Lãnh đạo UBND,", "- Lưu: VT.")
    return issuer, sign_place, body_name, roles, addressees, distribution


def _subject(rng: random.Random, kind: str, pool: str | None, place: str, year: int) -> str:
    """A document's subject line: ``V/v ...`` for a letter, ``về ...`` for the other kinds."""
    if kind == "Công văn":
        return "V/v " + corpus._fill(rng, "cv_subject", place)
    if pool:
        subject = corpus._fill(rng, pool, place)
        return subject if subject.startswith("về") else "về " + subject
    return f"về {_PLAN_SUBJECTS[rng.randrange(len(_PLAN_SUBJECTS))]} năm {year}"


def _slug(text: str) -> str:
    return corpus.ascii_slug(text.replace("/", " "))
