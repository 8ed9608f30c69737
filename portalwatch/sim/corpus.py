"""Vietnamese text generator for the simulated Điện Biên government news portals.

Every function takes a caller-supplied ``random.Random`` and is fully
deterministic given its state (no global random, no clock, no ``hash()``).
Output is plain NFC Unicode text without HTML or the characters '<', '>', '&'.
Templates ("{slot}" placeholders, nested pools allowed) are compiled once at
import into small generated functions, so filling them costs little more than
one ``rng.random()`` per slot.
"""

from __future__ import annotations

import random
import re
import time
import unicodedata

PROVINCE = "Điện Biên"

DISTRICTS: tuple[str, ...] = (
    "Điện Biên Phủ",
    "Mường Lay",
    "Điện Biên",
    "Điện Biên Đông",
    "Mường Ảng",
    "Tuần Giáo",
    "Tủa Chùa",
    "Mường Chà",
    "Mường Nhé",
    "Nậm Pồ",
)

COMMUNES: dict[str, tuple[str, ...]] = {
    "Điện Biên Phủ": (
        "Mường Thanh",
        "Him Lam",
        "Thanh Bình",
        "Tân Thanh",
        "Noong Bua",
        "Nam Thanh",
        "Thanh Minh",
        "Tà Lèng",
    ),
    "Mường Lay": ("Sông Đà", "Na Lay", "Lay Nưa", "Nậm Cản"),
    "Điện Biên": (
        "Thanh Xương",
        "Thanh An",
        "Thanh Nưa",
        "Noong Hẹt",
        "Sam Mứn",
        "Núa Ngam",
        "Mường Pồn",
        "Pa Thơm",
    ),
    "Điện Biên Đông": (
        "Keo Lôm",
        "Na Son",
        "Phì Nhừ",
        "Xa Dung",
        "Mường Luân",
        "Luân Giới",
        "Pú Nhi",
        "Háng Lìa",
    ),
    "Mường Ảng": (
        "Búng Lao",
        "Xuân Lao",
        "Ẳng Nưa",
        "Ẳng Cang",
        "Ẳng Tở",
        "Mường Lạn",
        "Nặm Lịch",
        "Ngối Cáy",
    ),
    "Tuần Giáo": (
        "Quài Nưa",
        "Quài Cang",
        "Quài Tở",
        "Chiềng Sinh",
        "Mường Mùn",
        "Pú Nhung",
        "Mường Thín",
        "Tỏa Tình",
    ),
    "Tủa Chùa": (
        "Mường Đun",
        "Sính Phình",
        "Tả Phìn",
        "Huổi Só",
        "Xá Nhè",
        "Mường Báng",
        "Trung Thu",
        "Tả Sìn Thàng",
    ),
    "Mường Chà": (
        "Sa Lông",
        "Huổi Lèng",
        "Ma Thì Hồ",
        "Mường Mươn",
        "Na Sang",
        "Pa Ham",
        "Hừa Ngài",
        "Sá Tổng",
    ),
    "Mường Nhé": (
        "Sín Thầu",
        "Chung Chải",
        "Leng Su Sìn",
        "Mường Toong",
        "Nậm Kè",
        "Pá Mỳ",
        "Quảng Lâm",
        "Nậm Vì",
    ),
    "Nậm Pồ": ("Si Pa Phìn", "Phìn Hồ", "Chà Nưa", "Nà Khoa", "Nà Hỳ", "Nậm Chua", "Pa Tần", "Chà Cang"),
}

_WARDS = frozenset(
    ("Mường Thanh", "Him Lam", "Thanh Bình", "Tân Thanh", "Noong Bua", "Nam Thanh", "Sông Đà", "Na Lay")
)
_PROVINCE_PLACE = "tỉnh " + PROVINCE


def _district_display(d: str) -> str:
    """Administrative display name of a district-level unit."""
    if d == "Điện Biên Phủ":
        return "thành phố " + d
    if d == "Mường Lay":
        return "thị xã " + d
    return "huyện " + d


_DISTRICT_DISPLAY = tuple(_district_display(d) for d in DISTRICTS)
_COMMUNE_DISPLAY = {
    d: tuple(("phường " if c in _WARDS else "xã ") + c for c in cs) for d, cs in COMMUNES.items()
}
_ALL_COMMUNES = tuple(c for d in DISTRICTS for c in _COMMUNE_DISPLAY[d])
_COMMUNE_TO_DISTRICT = {c: d for d in DISTRICTS for c in COMMUNES[d]}

# --------------------------------------------------------------------------- helpers


def ascii_slug(text: str, words: int = 10) -> str:
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    parts = ["".join(ch for ch in token if ch.isalnum()) for token in plain.split()]
    return "-".join(part for part in parts if part)[:80].strip("-") or "bai-viet"


def _pick(rng: random.Random, seq):
    """Fast uniform choice driven by rng.random()."""
    return seq[int(rng.random() * len(seq))]


def _ri(rng: random.Random, a: int, b: int) -> int:
    """Fast uniform integer in [a, b]."""
    return a + int(rng.random() * (b - a + 1))


def _cap(s: str) -> str:
    """Upper-case the first character."""
    return s[:1].upper() + s[1:] if s else s


def _wc(s: str) -> int:
    """Word count (templates use single spaces only)."""
    return s.count(" ") + 1 if s else 0


def _int_vn(n: int) -> str:
    """Integer with Vietnamese thousands separator (1.265)."""
    return f"{n:,}".replace(",", ".")


def _dec_vn(tenths: int) -> str:
    """Number of tenths as Vietnamese decimal (967 -> '96,7')."""
    return f"{tenths // 10},{tenths % 10}" if tenths % 10 else str(tenths // 10)


_LEVELS = (
    ("thành phố ", "thành phố"),
    ("thị xã ", "thị xã"),
    ("thị trấn ", "thị trấn"),
    ("tỉnh ", "tỉnh"),
    ("huyện ", "huyện"),
    ("xã ", "xã"),
    ("phường ", "phường"),
)
_COMMITTEE = {"tỉnh": "Tỉnh ủy", "huyện": "Huyện ủy", "thành phố": "Thành ủy", "thị xã": "Thị ủy"}
_CTX: dict[str, tuple] = {}


def _make_ctx(place: str) -> tuple:
    """Parse a place into (clean, level, name, committee, committee_full, communes, scale 0..2, scope)."""
    clean = (
        unicodedata.normalize("NFC", str(place)).replace("<", "").replace(">", "").replace("&", "và").strip()
    )
    clean = clean or _PROVINCE_PLACE
    low = clean.lower()
    lvl, name = "huyện", clean
    for prefix, lv in _LEVELS:
        if low.startswith(prefix):
            lvl, name = lv, clean[len(prefix) :].strip() or PROVINCE
            break
    committee = _COMMITTEE.get(lvl, "Đảng ủy " + lvl)
    committee_full = committee + " " + name if lvl in _COMMITTEE else "Đảng ủy " + clean
    if lvl == "tỉnh":
        communes = _ALL_COMMUNES
    elif lvl in ("huyện", "thành phố", "thị xã") and name in COMMUNES:
        communes = _COMMUNE_DISPLAY[name]
    elif name in _COMMUNE_TO_DISTRICT:
        communes = _COMMUNE_DISPLAY[_COMMUNE_TO_DISTRICT[name]]
    elif name in COMMUNES:
        communes = _COMMUNE_DISPLAY[name]
    else:
        communes = _ALL_COMMUNES
    if lvl == "tỉnh":
        scale, scope = 2, "toàn tỉnh"
    elif lvl in ("xã", "phường", "thị trấn"):
        parent = _COMMUNE_TO_DISTRICT.get(name, "")
        scale, scope = (
            0,
            "toàn " + _district_display(parent).rsplit(" " + parent, 1)[0] if parent else "toàn huyện",
        )
    else:
        scale, scope = 1, "toàn " + lvl
    return (clean, lvl, name, committee, committee_full, communes, scale, scope)


def _ctx(place: str) -> tuple:
    """Memoised place context."""
    c = _CTX.get(place)
    if c is None:
        c = _make_ctx(place)
        if len(_CTX) > 4096:
            _CTX.clear()
        _CTX[place] = c
        _CTX[c[0]] = c
    return c


# --------------------------------------------------------------------------- names

_KINH_SUR = (
    "Nguyễn",
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Vũ",
    "Hoàng",
    "Đỗ",
    "Bùi",
    "Đặng",
    "Ngô",
    "Đinh",
    "Dương",
    "Trịnh",
    "Phan",
    "Hà",
    "Lại",
    "Mai",
    "Tạ",
    "Đào",
    "Cao",
    "Lương",
    "Chu",
)
_KINH_MID_M = (
    "Văn",
    "Văn",
    "Đức",
    "Minh",
    "Quang",
    "Xuân",
    "Hữu",
    "Mạnh",
    "Ngọc",
    "Thanh",
    "Trọng",
    "Tiến",
    "Công",
    "Duy",
    "Hồng",
)
_KINH_MID_F = ("Thị", "Thị", "Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Phương", "Kim", "Thúy")
_KINH_GIV_M = (
    "Tiến",
    "Hùng",
    "Dũng",
    "Thắng",
    "Quân",
    "Hải",
    "Long",
    "Tuấn",
    "Sơn",
    "Bình",
    "Cường",
    "Hưng",
    "Trung",
    "Thành",
    "Khánh",
    "Phong",
    "Đạt",
    "Lâm",
    "Hiếu",
    "Nam",
    "Thịnh",
    "Toàn",
    "Chiến",
    "Hòa",
    "Kiên",
    "Việt",
    "Định",
    "Quyết",
    "Hoàn",
    "Tú",
    "Huấn",
    "Khoa",
)
_KINH_GIV_F = (
    "Hà",
    "Hương",
    "Lan",
    "Mai",
    "Hằng",
    "Thảo",
    "Nga",
    "Hoa",
    "Huyền",
    "Nhung",
    "Yến",
    "Phượng",
    "Thủy",
    "Loan",
    "Trang",
    "Vân",
    "Linh",
    "Liên",
    "Hạnh",
    "Oanh",
    "Ngân",
    "Quỳnh",
    "Duyên",
    "Giang",
    "Tâm",
)
_THAI_SUR = (
    "Lò",
    "Lò",
    "Lường",
    "Quàng",
    "Cầm",
    "Tòng",
    "Lù",
    "Điêu",
    "Bạc",
    "Khoàng",
    "Lừ",
    "Vì",
    "Cà",
    "Lý",
)
_THAI_MID_M = ("Văn", "Văn", "Văn", "Xuân", "Thanh")
_THAI_MID_F = ("Thị", "Thị", "Thị", "Thu")
_THAI_GIV_M = (
    "Mừng",
    "Tiến",
    "Hặc",
    "Ngoan",
    "Pâng",
    "Sươi",
    "Thương",
    "Phanh",
    "Xôm",
    "Inh",
    "Hải",
    "Dung",
    "Biên",
    "Lả",
    "Chăn",
    "Ơn",
    "Piếng",
    "Tún",
    "Khiêm",
    "Nhiên",
    "Thẩm",
    "Mấn",
)
_THAI_GIV_F = (
    "Phóng",
    "Xuân",
    "Dung",
    "Thoa",
    "Ánh",
    "Hiền",
    "Lả",
    "Kim",
    "Ngoan",
    "Yên",
    "Nhiên",
    "Lan",
    "Bình",
    "Phương",
    "Ín",
    "Cặp",
)
_HMONG_SUR = (
    "Giàng",
    "Vừ",
    "Sùng",
    "Thào",
    "Mùa",
    "Hờ",
    "Lầu",
    "Lý",
    "Tráng",
    "Ly",
    "Chang",
    "Cứ",
    "Hạng",
    "Mào",
)
_HMONG_MID_M = ("A", "A", "A", "Seo")
_HMONG_GIV_M = (
    "Páo",
    "Dơ",
    "Dính",
    "Chớ",
    "Sểnh",
    "Của",
    "Lềnh",
    "Chồ",
    "Vàng",
    "Tủa",
    "Sình",
    "Dế",
    "Pó",
    "Chá",
    "Thái",
    "Súa",
    "Lử",
    "Kỷ",
    "Chư",
    "Cở",
    "Dia",
    "Nhè",
    "Khai",
)
_HMONG_GIV_F = (
    "Mai",
    "Sua",
    "Dung",
    "Chi",
    "Dợ",
    "Mỷ",
    "Máy",
    "Pằng",
    "Sinh",
    "Lan",
    "Ly",
    "Dua",
    "Hoa",
    "Mẩy",
)


def person_name(rng: random.Random) -> str:
    """A plausible Kinh, Thái or Hmông personal name."""
    r = rng.random()
    female = rng.random() < 0.35
    if r < 0.45:
        sur, mid, giv = (
            _KINH_SUR,
            (_KINH_MID_F if female else _KINH_MID_M),
            (_KINH_GIV_F if female else _KINH_GIV_M),
        )
    elif r < 0.8:
        sur, mid, giv = (
            _THAI_SUR,
            (_THAI_MID_F if female else _THAI_MID_M),
            (_THAI_GIV_F if female else _THAI_GIV_M),
        )
    else:
        sur, mid, giv = (
            _HMONG_SUR,
            (("Thị",) if female else _HMONG_MID_M),
            (_HMONG_GIV_F if female else _HMONG_GIV_M),
        )
    return f"{_pick(rng, sur)} {_pick(rng, mid)} {_pick(rng, giv)}"


# --------------------------------------------------------------------------- slot generators

_ROMAN = (
    "",
    "I",
    "II",
    "III",
    "IV",
    "V",
    "VI",
    "VII",
    "VIII",
    "IX",
    "X",
    "XI",
    "XII",
    "XIII",
    "XIV",
    "XV",
    "XVI",
    "XVII",
    "XVIII",
    "XIX",
    "XX",
    "XXI",
    "XXII",
    "XXIII",
    "XXIV",
    "XXV",
)
_ANNIVS = (
    (1954, "Chiến thắng Điện Biên Phủ", "7/5"),
    (1930, "Ngày thành lập Đảng Cộng sản Việt Nam", "3/2"),
    (1944, "Ngày thành lập Quân đội nhân dân Việt Nam", "22/12"),
    (1947, "Ngày Thương binh - Liệt sĩ", "27/7"),
    (1959, "Ngày truyền thống Bộ đội Biên phòng", "3/3"),
    (1945, "Cách mạng Tháng Tám và Quốc khánh", "2/9"),
    (1930, "Ngày thành lập Mặt trận Dân tộc Thống nhất Việt Nam", "18/11"),
    (1982, "Ngày Nhà giáo Việt Nam", "20/11"),
    (1931, "Ngày thành lập Đoàn Thanh niên Cộng sản Hồ Chí Minh", "26/3"),
    (1909, "thành lập tỉnh", "28/6"),
)


def _g_date(rng, place):
    """Random date d/m/yyyy (2019..2025)."""
    return f"{_ri(rng, 1, 28)}/{_ri(rng, 1, 12)}/{_ri(rng, 2019, 2025)}"


def _g_dm(rng, place):
    """Random day/month."""
    return f"{_ri(rng, 1, 28)}/{_ri(rng, 1, 12)}"


def _g_range2(rng, place):
    """Two-day span like 21-22/4/2021."""
    d = _ri(rng, 1, 27)
    return f"{d}-{d + 1}/{_ri(rng, 1, 12)}/{_ri(rng, 2019, 2025)}"


_BIG_RANGE = ((150, 7800), (1000, 48000), (8000, 390000))
_UNIT_RANGE = ((3, 19), (24, 240), (300, 1990))
_NCOMMUNE_RANGE = ((2, 12), (2, 15), (18, 95))


def _g_bignum(rng, place):
    """Large count scaled to the place level, Vietnamese-formatted."""
    lo, hi = _BIG_RANGE[_ctx(place)[6]]
    r = rng.random()
    return _int_vn(int(lo + r * r * (hi - lo)))


def _g_units(rng, place):
    """Count of schools, polling stations, new Party members... scaled to the place level."""
    lo, hi = _UNIT_RANGE[_ctx(place)[6]]
    return _int_vn(_ri(rng, lo, hi))


def _g_ncommunes(rng, place):
    """Number of communes, scaled to the place level."""
    lo, hi = _NCOMMUNE_RANGE[_ctx(place)[6]]
    return str(_ri(rng, lo, hi))


def _g_money_big(rng, place):
    """An amount in billions of đồng."""
    return _dec_vn(_ri(rng, 12, 900)) + " tỷ đồng"


def _g_money_small(rng, place):
    """An amount in millions of đồng."""
    return f"{_ri(rng, 5, 99) * 10} triệu đồng"


def _g_pct(rng, place):
    """Percentage 55,0..99,9%."""
    return _dec_vn(_ri(rng, 550, 999)) + "%"


def _g_pcthigh(rng, place):
    """Percentage 90,0..100%."""
    return _dec_vn(_ri(rng, 900, 1000)) + "%"


def _g_pctlow(rng, place):
    """Percentage 2,0..45,0%."""
    return _dec_vn(_ri(rng, 20, 450)) + "%"


def _g_money(rng, place):
    """Amount in tỷ or triệu đồng."""
    if rng.random() < 0.55:
        return _dec_vn(_ri(rng, 12, 1500)) + " tỷ đồng"
    return f"{_ri(rng, 5, 99) * 10} triệu đồng"


def _g_ha(rng, place):
    """Area in hectares."""
    if rng.random() < 0.5:
        return _dec_vn(_ri(rng, 50, 2000)) + " ha"
    return _int_vn(_ri(rng, 200, 9500)) + " ha"


def _g_drug(rng, place):
    """Seized drug quantity."""
    k = int(rng.random() * 5)
    if k == 0:
        return _dec_vn(_ri(rng, 3, 120)) + " kg heroin"
    if k == 1:
        return _int_vn(_ri(rng, 2, 60) * 1000) + " viên ma túy tổng hợp"
    if k == 2:
        return f"{_ri(rng, 2, 40)} bánh heroin"
    if k == 3:
        return _dec_vn(_ri(rng, 5, 90)) + " kg ma túy đá"
    return f"{_ri(rng, 150, 950)} gam thuốc phiện"


def _g_ratio(rng, place):
    """Ratio of targets met, e.g. 15/18."""
    total = _ri(rng, 14, 26)
    return f"{total - _ri(rng, 0, 4)}/{total}"


def _g_schoolyear(rng, place):
    """School year like 2022-2023."""
    y = _ri(rng, 2019, 2025)
    return f"{y}-{y + 1}"


def _g_yearpair(rng, place):
    """ "năm Y, triển khai nhiệm vụ năm Y+1"."""
    y = _ri(rng, 2019, 2024)
    return f"năm {y}, triển khai nhiệm vụ năm {y + 1}"


def _g_anniv(rng, place):
    """Anniversary phrase with consistent years."""
    y0, what, dm = _pick(rng, _ANNIVS)
    y = _ri(rng, 2019, 2025)
    return f"{y - y0} năm {what} ({dm}/{y0} - {dm}/{y})"


def _g_when(rng, place):
    """Lead opener: "Ngày 8/9/2022", "Sáng 15/3/2023", "Vừa qua"..."""
    r = rng.random()
    if r < 0.45:
        return "Ngày " + _g_date(rng, place)
    if r < 0.62:
        return "Sáng " + _g_date(rng, place)
    if r < 0.72:
        return "Chiều " + _g_date(rng, place)
    if r < 0.8:
        return "Sáng ngày " + _g_date(rng, place)
    if r < 0.88:
        return "Trong 2 ngày " + _g_range2(rng, place)
    if r < 0.94:
        d, m = _ri(rng, 1, 20), _ri(rng, 1, 12)
        return f"Từ ngày {d}/{m} đến ngày {d + _ri(rng, 2, 8)}/{m}/{_ri(rng, 2019, 2025)}"
    return "Vừa qua"


def _g_commune(rng, place):
    """A commune (display form) near the place."""
    return _pick(rng, _ctx(place)[5])


def _g_unit(rng, place):
    """The place itself, a nearby commune or some district."""
    r = rng.random()
    if r < 0.45:
        return place
    if r < 0.8:
        return _pick(rng, _ctx(place)[5])
    return _pick(rng, _DISTRICT_DISPLAY)


_GENERATORS = {
    "place": lambda rng, place: place,
    "Place": lambda rng, place: _cap(place),
    "PlaceName": lambda rng, place: _cap(_ctx(place)[2]),
    "lvl": lambda rng, place: _ctx(place)[1],
    "committee": lambda rng, place: _ctx(place)[3],
    "committee_full": lambda rng, place: _ctx(place)[4],
    "province": lambda rng, place: _PROVINCE_PLACE,
    "district": lambda rng, place: _pick(rng, _DISTRICT_DISPLAY),
    "commune": _g_commune,
    "Commune": lambda rng, place: _cap(_g_commune(rng, place)),
    "District": lambda rng, place: _cap(_pick(rng, _DISTRICT_DISPLAY)),
    "Unit": lambda rng, place: _cap(_g_unit(rng, place)),
    "unit": _g_unit,
    "person": lambda rng, place: person_name(rng),
    "year": lambda rng, place: str(_ri(rng, 2019, 2025)),
    "date": _g_date,
    "dm": _g_dm,
    "when": _g_when,
    "month": lambda rng, place: str(_ri(rng, 1, 12)),
    "quarter": lambda rng, place: _pick(rng, ("I", "II", "III", "IV")),
    "num": lambda rng, place: str(_ri(rng, 3, 48)),
    "smallnum": lambda rng, place: str(_ri(rng, 2, 9)),
    "midnum": lambda rng, place: str(_ri(rng, 105, 980)),
    "bignum": _g_bignum,
    "units": _g_units,
    "ncommunes": _g_ncommunes,
    "scope": lambda rng, place: _ctx(place)[7],
    "money_big": _g_money_big,
    "money_small": _g_money_small,
    "docno": lambda rng, place: str(_ri(rng, 12, 3450)),
    "pct": _g_pct,
    "pcthigh": _g_pcthigh,
    "pctlow": _g_pctlow,
    "money": _g_money,
    "ha": _g_ha,
    "km": lambda rng, place: _dec_vn(_ri(rng, 25, 1250)),
    "crit": lambda rng, place: _dec_vn(_ri(rng, 95, 189)),
    "income": lambda rng, place: _dec_vn(_ri(rng, 180, 560)),
    "yieldq": lambda rng, place: _dec_vn(_ri(rng, 380, 640)),
    "drug": _g_drug,
    "ratio": _g_ratio,
    "roman": lambda rng, place: _ROMAN[_ri(rng, 13, 25)],
    "khoa": lambda rng, place: _pick(rng, ("XIV", "XV", "XVI", "XX", "XXI", "XXII")),
    "kyno": lambda rng, place: str(_ri(rng, 2, 22)),
    "weekno": lambda rng, place: str(_ri(rng, 1, 52)),
    "badge": lambda rng, place: _pick(rng, ("30", "40", "45", "50", "55", "60", "65", "70")),
    "star": lambda rng, place: _pick(rng, ("3", "3", "4")),
    "schoolyear": _g_schoolyear,
    "yearpair": _g_yearpair,
    "anniv": _g_anniv,
}

# --------------------------------------------------------------------------- vocabulary pools (may nest slots)

_P: dict[str, tuple[str, ...]] = {
    "party_term": ("nhiệm kỳ 2020-2025", "nhiệm kỳ 2020-2025", "nhiệm kỳ 2025-2030", "nhiệm kỳ 2015-2020"),
    "council_term": ("nhiệm kỳ 2021-2026", "nhiệm kỳ 2021-2026", "nhiệm kỳ 2016-2021"),
    "ethnic": (
        "Thái",
        "Mông",
        "Khơ Mú",
        "Dao",
        "Hà Nhì",
        "Lào",
        "Kháng",
        "Cống",
        "Si La",
        "Phù Lá",
        "Xinh Mun",
    ),
    "ethnic_lang": ("Thái", "Mông", "Khơ Mú", "Dao", "Hà Nhì"),
    "village": (
        "Him Lam",
        "Mển",
        "Pe Luông",
        "Co Mận",
        "Noong Chứn",
        "Ten",
        "Phiêng Lơi",
        "Nà Sự",
        "Hồng Lứu",
        "Pá Khoang",
        "Huổi Lóng",
        "Na Sang II",
        "Phiêng Ban",
        "Lọng Luông",
        "Huổi Cáy",
        "Tà Cáng",
        "Nậm Ngà",
    ),
    "post": (
        "Mường Nhé",
        "Sín Thầu",
        "Chung Chải",
        "Nà Bủng",
        "Si Pa Phìn",
        "Huổi Puốc",
        "Nà Hỳ",
        "Mường Pồn",
        "Thanh Luông",
        "Tây Trang",
        "Pa Thơm",
        "Mường Lói",
        "Na Cô Sa",
        "Leng Su Sìn",
    ),
    "road": ("12", "6", "279", "4H", "279C", "12A"),
    "laos_prov": ("Phông Sa Lỳ", "Luông Pha Băng", "U Đôm Xay"),
    "ev": ("hội nghị", "buổi lễ", "chương trình", "buổi làm việc", "đại hội", "kỳ họp"),
    "smallord": ("nhất", "hai", "ba"),
    "season": ("Đông Xuân", "Mùa", "Xuân Hè"),
    "crop": (
        "cà phê",
        "mắc ca",
        "sơn tra",
        "chè Shan tuyết",
        "cây ăn quả có múi",
        "dứa",
        "xoài",
        "quế",
        "lúa nếp Tan",
        "lúa Séng Cù",
        "rau an toàn",
        "cây dược liệu",
        "ngô lai",
        "sắn cao sản",
        "đậu tương",
    ),
    "model": (
        "nuôi gà thả vườn",
        "trồng chè Shan tuyết",
        "nuôi cá lồng trên lòng hồ thủy điện",
        "trồng mắc ca xen cà phê",
        "chăn nuôi bò sinh sản",
        "trồng lúa chất lượng cao",
        "nuôi ong lấy mật",
        "trồng rau an toàn theo tiêu chuẩn VietGAP",
        "nuôi lợn đen bản địa",
        "trồng sơn tra gắn với bảo vệ rừng",
        "trồng dứa trên đất dốc",
        "nuôi dê thương phẩm",
        "trồng cây ăn quả ôn đới",
        "liên kết sản xuất lúa Séng Cù",
        "nuôi cá ruộng lúa",
        "trồng gừng sẻ",
    ),
    "product": (
        "gạo Điện Biên",
        "chè Shan tuyết Tủa Chùa",
        "cà phê Mường Ảng",
        "mật ong bạc hà",
        "thịt trâu sấy",
        "miến dong",
        "rượu ngô Tủa Chùa",
        "dứa Mường Ảng",
        "gạo nếp Tan",
        "măng khô",
        "hạt mắc ca sấy",
    ),
    "disease": (
        "dịch tả lợn châu Phi",
        "bệnh viêm da nổi cục trên trâu, bò",
        "sốt xuất huyết",
        "bệnh dại",
        "dịch bệnh mùa mưa lũ",
        "bệnh sởi",
        "bệnh bạch hầu",
        "bệnh lở mồm long móng",
        "cúm gia cầm",
        "bệnh tay chân miệng",
    ),
    "covid_task": (
        "phòng, chống dịch COVID-19",
        "tiêm vắc-xin phòng COVID-19",
        "cách ly y tế tập trung",
        "truy vết, khoanh vùng các trường hợp F0, F1",
        "kiểm soát người ra, vào địa bàn",
        "xét nghiệm sàng lọc SARS-CoV-2",
        "quản lý người về từ vùng có dịch",
    ),
    "covid_doc": (
        "Chỉ thị số 16/CT-TTg của Thủ tướng Chính phủ",
        "Chỉ thị số 15/CT-TTg của Thủ tướng Chính phủ",
        "Nghị quyết số 128/NQ-CP của Chính phủ",
        "Công điện của Thủ tướng Chính phủ",
        "chỉ đạo của Ban Chỉ đạo phòng, chống dịch COVID-19 tỉnh",
    ),
    "org_prov": (
        "Ban Thường vụ Tỉnh ủy",
        "Thường trực HĐND tỉnh",
        "UBND tỉnh",
        "Đoàn Đại biểu Quốc hội tỉnh",
        "Ban Dân vận Tỉnh ủy",
        "Ủy ban Kiểm tra Tỉnh ủy",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở Y tế",
        "Sở Giáo dục và Đào tạo",
        "Ban Dân tộc tỉnh",
        "Bộ Chỉ huy Quân sự tỉnh",
        "Ủy ban MTTQ Việt Nam tỉnh",
        "Ban Tuyên giáo Tỉnh ủy",
        "Ban Kinh tế - Ngân sách HĐND tỉnh",
    ),
    "health_org": (
        "Trung tâm Y tế {district}",
        "Trạm Y tế {commune}",
        "Ban Chỉ đạo phòng, chống dịch COVID-19 {place}",
        "ngành Y tế {place}",
    ),
    "org": (
        "UBND {place}",
        "UBND {place}",
        "Ban Thường vụ {committee_full}",
        "Thường trực HĐND {place}",
        "Ủy ban MTTQ Việt Nam {place}",
        "Ban Chỉ đạo phòng, chống dịch COVID-19 {place}",
        "Ban Chỉ đạo các chương trình mục tiêu quốc gia {place}",
        "Hội Nông dân {place}",
        "Hội Liên hiệp Phụ nữ {place}",
        "{committee_full}",
        "Ban Tuyên giáo {committee_full}",
    ),
    "position": (
        "Bí thư {committee}",
        "Phó Bí thư Thường trực {committee}",
        "Chủ tịch UBND {lvl}",
        "Phó Chủ tịch UBND {lvl}",
        "Chủ tịch HĐND {lvl}",
        "Phó Chủ tịch HĐND {lvl}",
        "Trưởng ban Tuyên giáo {committee}",
        "Trưởng ban Dân vận {committee}",
        "Chủ tịch Ủy ban MTTQ Việt Nam {lvl}",
        "Ủy viên Ban Thường vụ Tỉnh ủy, Phó Chủ tịch UBND tỉnh",
        "Phó Chủ tịch UBND tỉnh",
        "Giám đốc Sở Y tế",
        "Giám đốc Sở Nông nghiệp và Phát triển nông thôn",
        "Giám đốc Sở Giáo dục và Đào tạo",
        "Trưởng ban Dân tộc tỉnh",
        "Chỉ huy trưởng Bộ Chỉ huy Bộ đội Biên phòng tỉnh",
        "Phó Trưởng Đoàn Đại biểu Quốc hội tỉnh",
        "Giám đốc Sở Văn hóa, Thể thao và Du lịch",
        "Phó Bí thư Tỉnh ủy, Chủ tịch HĐND tỉnh",
    ),
    "conf_subject": (
        "triển khai nhiệm vụ phát triển kinh tế - xã hội năm {year}",
        "sơ kết công tác 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm {year}",
        "quán triệt, triển khai Nghị quyết Hội nghị lần thứ {smallnum} Ban Chấp hành Trung ương Đảng khóa XIII",
        "tổng kết 10 năm thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới giai đoạn 2010-2020",
        "đánh giá {halfterm} thực hiện Chỉ thị số 05-CT/TW của Bộ Chính trị",
        "triển khai công tác bảo đảm an ninh, trật tự dịp Tết Nguyên đán {year}",
        "bồi dưỡng nghiệp vụ công tác tuyên giáo cho {midnum} cán bộ cơ sở",
        "đối thoại với người dân {commune} về công tác bồi thường, hỗ trợ, tái định cư",
        "giao ban công tác dân vận quý {quarter} năm {year}",
        "học tập, quán triệt Nghị quyết Đại hội đại biểu Đảng bộ tỉnh lần thứ XIV",
        "tổng kết công tác cải cách hành chính năm {year}",
        "triển khai kế hoạch chuyển đổi số năm {year}",
        "đánh giá tình hình thực hiện dự toán ngân sách nhà nước năm {year}",
        "lấy ý kiến góp ý vào dự thảo văn kiện Đại hội Đảng bộ {lvl}",
        "triển khai công tác phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}",
        "tập huấn nghiệp vụ công tác bầu cử cho {midnum} thành viên các tổ bầu cử",
        "đánh giá kết quả thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững năm {year}",
        "triển khai công tác tuyển chọn, gọi công dân nhập ngũ năm {year}",
    ),
    "inspect_obj": (
        "công tác phòng, chống dịch COVID-19",
        "tiến độ thực hiện các công trình xây dựng cơ bản",
        "công tác chuẩn bị bầu cử",
        "việc thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững",
        "công tác chuẩn bị năm học mới",
        "tình hình sản xuất vụ {season}",
        "công tác khắc phục hậu quả thiên tai",
        "việc thực hiện các tiêu chí xây dựng nông thôn mới",
        "công tác quản lý, bảo vệ rừng",
        "công tác tiếp công dân, giải quyết khiếu nại, tố cáo",
        "tình hình an ninh, trật tự khu vực biên giới",
        "việc thực hiện các chính sách hỗ trợ đồng bào dân tộc thiểu số",
        "công tác tiêm phòng cho đàn gia súc",
    ),
    "campaign": (
        "tháng cao điểm vệ sinh môi trường",
        "Tết trồng cây “Đời đời nhớ ơn Bác Hồ”",
        "Tháng Thanh niên",
        "chiến dịch tiêm chủng vắc-xin phòng COVID-19",
        "tổng vệ sinh phòng, chống dịch bệnh",
        "Tháng hành động vì an toàn thực phẩm",
        "chiến dịch Thanh niên tình nguyện hè",
        "tiêm phòng cho đàn gia súc, gia cầm vụ Xuân Hè",
        "xây dựng nông thôn mới",
        "phòng, chống tội phạm ma túy",
        "huấn luyện dân quân tự vệ",
    ),
    "purpose": (
        "nâng cao nhận thức của cán bộ, đảng viên và nhân dân",
        "tạo sự đồng thuận trong xã hội",
        "góp phần hoàn thành thắng lợi các mục tiêu phát triển kinh tế - xã hội của địa phương",
        "bảo đảm an sinh xã hội, chăm lo đời sống nhân dân",
        "giữ vững an ninh chính trị, trật tự an toàn xã hội trên địa bàn",
        "nâng cao chất lượng, hiệu quả hoạt động của hệ thống chính trị cơ sở",
        "lan tỏa tinh thần tương thân tương ái trong cộng đồng",
        "động viên kịp thời các tập thể, cá nhân tiêu biểu trong phong trào thi đua yêu nước",
        "từng bước nâng cao đời sống vật chất, tinh thần cho đồng bào các dân tộc",
    ),
    "directive": (
        "tăng cường công tác tuyên truyền, vận động nhân dân",
        "quan tâm chỉ đạo, bố trí nguồn lực thực hiện các nhiệm vụ trọng tâm",
        "phát huy vai trò tiên phong, gương mẫu của cán bộ, đảng viên",
        "rà soát, đánh giá cụ thể những chỉ tiêu chưa đạt để có giải pháp khắc phục",
        "làm tốt công tác phối hợp giữa các cơ quan, đơn vị",
        "đẩy nhanh tiến độ giải ngân các nguồn vốn đầu tư công",
        "đẩy mạnh cải cách hành chính, nâng cao chỉ số hài lòng của người dân",
        "bám sát cơ sở, kịp thời nắm bắt tâm tư, nguyện vọng của nhân dân",
        "chủ động xây dựng kịch bản ứng phó với các tình huống phát sinh",
    ),
    "quote": (
        "Mỗi cán bộ, đảng viên phải thực sự gương mẫu, nói đi đôi với làm, vì lợi ích của nhân dân",
        "Không để người dân nào bị đói, rét, không có chỗ ở an toàn",
        "Phải coi đây là nhiệm vụ chính trị trọng tâm, cần tập trung lãnh đạo, chỉ đạo quyết liệt",
        "Chúng ta cần bám sát cơ sở, lắng nghe ý kiến của nhân dân để có giải pháp phù hợp",
        "Tuyệt đối không chủ quan, lơ là, phải chuẩn bị sẵn sàng các phương án ứng phó",
        "Việc gì có lợi cho dân thì phải hết sức làm, phải làm đến nơi đến chốn",
    ),
    "voter_concern": (
        "chất lượng đường giao thông nông thôn",
        "tiến độ giải ngân vốn đầu tư công",
        "giải quyết việc làm cho lao động nông thôn",
        "cấp giấy chứng nhận quyền sử dụng đất",
        "nước sinh hoạt cho bà con vùng cao",
        "chế độ phụ cấp cho cán bộ thôn, bản",
        "tình trạng sạt lở trên các tuyến đường liên xã",
        "giá vật tư nông nghiệp tăng cao",
        "chất lượng khám, chữa bệnh tại trạm y tế xã",
    ),
    "project": (
        "trường Phổ thông dân tộc bán trú",
        "cầu treo qua suối",
        "đường giao thông liên xã",
        "nhà văn hóa bản",
        "hệ thống cấp nước sinh hoạt tập trung",
        "kè chống sạt lở",
        "trạm y tế xã",
        "công trình thủy lợi",
        "đường nội đồng",
        "điểm trường mầm non",
        "nhà lớp học 2 tầng",
    ),
    "work_area": (
        "xây dựng Đảng",
        "dân vận",
        "tuyên giáo",
        "kiểm tra, giám sát",
        "cải cách hành chính",
        "tư pháp",
        "quốc phòng, quân sự địa phương",
        "y tế",
        "giáo dục và đào tạo",
        "văn hóa, thông tin",
        "phòng, chống thiên tai",
        "thi đua, khen thưởng",
        "công tác dân tộc",
        "bảo đảm an ninh, trật tự",
        "tài chính - ngân sách",
        "Mặt trận",
    ),
    "party_action": (
        "làm việc với Đảng ủy các xã về công tác xây dựng Đảng",
        "cho ý kiến vào dự thảo báo cáo chính trị trình Đại hội",
        "tổ chức hội nghị kiểm điểm tập thể, cá nhân năm {year}",
        "sơ kết công tác quý {quarter} năm {year}",
        "trao Huy hiệu Đảng cho các đảng viên cao tuổi Đảng",
        "kiểm tra công tác lãnh đạo, chỉ đạo phòng, chống dịch bệnh tại {commune}",
        "quán triệt các văn bản mới của Trung ương và của tỉnh",
        "giám sát việc thực hiện quy chế dân chủ ở cơ sở tại {commune}",
    ),
    "halfterm": ("3 năm", "5 năm", "giữa nhiệm kỳ", "2 năm", "10 năm", "15 năm"),
    "program": (
        "Chỉ thị số 05-CT/TW của Bộ Chính trị",
        "Nghị quyết Đại hội Đảng bộ {lvl}",
        "Đề án phát triển du lịch cộng đồng",
        "Chương trình mục tiêu quốc gia giảm nghèo bền vững",
        "Đề án hỗ trợ phát triển sản xuất nông nghiệp",
        "Quy chế dân chủ ở cơ sở",
        "Đề án tăng cường tiếng Việt cho học sinh dân tộc thiểu số",
        "Cuộc vận động “Người Việt Nam ưu tiên dùng hàng Việt Nam”",
        "phong trào “Toàn dân đoàn kết xây dựng đời sống văn hóa”",
        "Nghị quyết về phát triển nông nghiệp hàng hóa tập trung",
    ),
    "policy": (
        "chính sách hỗ trợ nhà ở cho hộ nghèo",
        "chính sách bảo hiểm y tế cho đồng bào dân tộc thiểu số",
        "Luật Tiếp công dân",
        "chính sách chi trả dịch vụ môi trường rừng",
        "Nghị quyết của HĐND tỉnh về hỗ trợ phát triển sản xuất",
        "chính sách đối với người có uy tín",
        "các chế độ cho học sinh bán trú",
        "chính sách tín dụng ưu đãi cho hộ nghèo",
    ),
    "agri_success": (
        "thu hoạch lúa {season} đạt năng suất cao",
        "phấn khởi vì được mùa cà phê",
        "làm giàu từ mô hình {model}",
        "đẩy mạnh chuyển đổi cơ cấu cây trồng",
        "tích cực chăm sóc cây trồng vụ Mùa",
        "chủ động phòng, chống rét cho đàn gia súc",
        "khấm khá nhờ trồng {crop}",
    ),
    "training_subject": (
        "trồng và chăm sóc cây cà phê",
        "nuôi cá lồng",
        "chăn nuôi lợn an toàn sinh học",
        "trồng lúa theo phương pháp SRI",
        "ghép cải tạo cây ăn quả",
        "sơ chế, bảo quản nông sản",
        "ứng dụng công nghệ thông tin trong tiêu thụ sản phẩm",
        "trồng và chăm sóc cây mắc ca",
        "phòng, trừ sâu bệnh hại trên cây lúa",
    ),
    "trainee": (
        "nông dân {commune}",
        "hội viên Hội Nông dân {place}",
        "hội viên phụ nữ các bản vùng cao",
        "đồng bào dân tộc thiểu số {commune}",
        "cán bộ khuyến nông cơ sở",
        "cán bộ, công chức cấp xã",
    ),
    "recog": (
        "xã đạt chuẩn nông thôn mới",
        "đạt chuẩn phổ cập giáo dục tiểu học mức độ 2",
        "trường đạt chuẩn quốc gia mức độ 1",
        "bản văn hóa",
        "xã đạt chuẩn quốc gia về y tế",
        "di tích lịch sử cấp tỉnh",
        "Huân chương Lao động hạng Ba",
    ),
    "ntm_remark": (
        "Khơi dậy sức dân",
        "Vượt khó về đích",
        "Đổi thay từ những con đường bê tông",
        "Còn nhiều tiêu chí khó",
        "Người dân là chủ thể",
        "Nâng chất các tiêu chí đã đạt",
    ),
    "school_msg": (
        "Hơn {bignum} học sinh {place} bước vào năm học mới",
        "Niềm vui ngày tựu trường ở vùng cao {place}",
        "Các trường ở {place} sẵn sàng đón học sinh",
        "Bảo đảm an toàn cho học sinh bán trú {commune}",
    ),
    "edu_event": (
        "đọc sách",
        "tiếng Việt của chúng em",
        "giáo dục quốc phòng và an ninh",
        "toàn dân đưa trẻ đến trường",
        "công nghệ thông tin",
        "văn hóa dân gian",
    ),
    "disaster": (
        "mưa lũ",
        "lũ quét, sạt lở đất",
        "mưa đá, lốc xoáy",
        "trận mưa lớn đêm {dm}",
        "thiên tai",
        "trận lũ ống",
    ),
    "beneficiary": (
        "hộ nghèo",
        "học sinh có hoàn cảnh khó khăn",
        "gia đình chính sách",
        "người cao tuổi",
        "hộ dân bị ảnh hưởng bởi thiên tai",
        "trẻ em mồ côi",
        "người khuyết tật",
    ),
    "border_action": (
        "bắt giữ đối tượng vận chuyển {drug}",
        "giúp nhân dân khắc phục hậu quả mưa lũ",
        "tổ chức chương trình “Xuân Biên phòng ấm lòng dân bản”",
        "trao quà cho học sinh nghèo vùng biên",
        "tuần tra song phương với lực lượng bảo vệ biên giới Lào",
        "tuyên truyền pháp luật cho đồng bào khu vực biên giới",
    ),
    "post_action": (
        "nâng bước em tới trường",
        "ra mắt mô hình “Tổ tự quản đường biên, cột mốc”",
        "khám, cấp thuốc miễn phí cho nhân dân bản {village}",
        "phối hợp xây dựng nhà đại đoàn kết cho hộ nghèo",
        "tuyên truyền phòng, chống mua bán người",
        "giúp dân thu hoạch lúa {season}",
    ),
    "tourism_kind": (
        "cộng đồng",
        "sinh thái",
        "lịch sử",
        "gắn với bảo tồn văn hóa",
        "nông nghiệp trải nghiệm",
        "văn hóa tâm linh",
    ),
    "tour_remark": (
        "Hướng đi mới giúp người dân tăng thu nhập",
        "Điểm đến hấp dẫn của du khách",
        "Giữ hồn văn hóa truyền thống",
        "Cần thêm sản phẩm đặc trưng",
    ),
    "tour_sites": (
        "Điện Biên Phủ - Mường Phăng - Pá Khoang",
        "Điện Biên - Tủa Chùa - Mường Lay",
        "Điện Biên Phủ - Tây Trang - Luông Pha Băng (Lào)",
        "Mường Thanh - Him Lam - Hồng Lứu",
    ),
    "tour_event": (
        "Lễ hội Hoa Ban năm {year}",
        "đợt khảo sát các điểm du lịch cộng đồng",
        "chương trình giới thiệu sản phẩm du lịch cho các doanh nghiệp lữ hành",
        "Ngày hội Văn hóa các dân tộc năm {year}",
    ),
    "holiday": ("30/4 - 1/5", "Quốc khánh 2/9", "Tết Nguyên đán", "Tết Dương lịch"),
    "promo_event": (
        "Hội chợ Du lịch quốc tế Việt Nam",
        "Ngày hội Văn hóa, Thể thao và Du lịch các dân tộc vùng Tây Bắc",
        "Tuần Văn hóa - Du lịch Điện Biên ở Hà Nội",
        "Hội chợ Thương mại - Du lịch vùng Tây Bắc",
        "Hội chợ nông sản, sản phẩm OCOP",
    ),
    "tour_link": (
        "bảo tồn văn hóa truyền thống",
        "xây dựng nông thôn mới",
        "giảm nghèo bền vững",
        "phát triển sản phẩm OCOP",
        "bảo vệ rừng đầu nguồn",
        "di tích lịch sử Điện Biên Phủ",
    ),
    "half": ("I", "II", "1", "2"),
    "honoree": (
        "các cựu chiến binh, cựu thanh niên xung phong",
        "các thầy cô giáo nghỉ hưu",
        "người có công với cách mạng",
        "các già làng, trưởng bản",
        "chiến sĩ Điện Biên",
    ),
    "occasion": (
        "Tết Nguyên đán",
        "Ngày Nhà giáo Việt Nam 20/11",
        "Ngày Thương binh - Liệt sĩ 27/7",
        "Ngày Quốc khánh 2/9",
        "kỷ niệm {anniv}",
    ),
    "civic_model": (
        "Dân vận khéo",
        "Bản an toàn về an ninh, trật tự",
        "Camera an ninh",
        "Thắp sáng đường quê",
        "Ngày Chủ nhật xanh",
        "Tổ hòa giải ở cơ sở",
        "Phụ nữ tham gia giữ gìn an ninh trật tự",
    ),
    "contest": (
        "tuyên truyền viên giỏi",
        "hòa giải viên giỏi",
        "văn nghệ quần chúng",
        "Dân vận khéo",
        "tìm hiểu pháp luật",
        "giáo viên chủ nhiệm lớp giỏi",
        "cán bộ Mặt trận giỏi",
    ),
    "period_short": (
        "6 tháng đầu năm {year}",
        "9 tháng năm {year}",
        "quý {quarter} năm {year}",
        "năm {year}",
    ),
    "bottleneck": (
        "giải phóng mặt bằng các dự án trọng điểm",
        "giải ngân vốn đầu tư công",
        "cấp giấy chứng nhận quyền sử dụng đất",
        "thu hút đầu tư",
        "tiêu thụ nông sản cho người dân",
    ),
    "doc_kind": ("kế hoạch", "chỉ thị", "hướng dẫn", "quy định", "nghị quyết chuyên đề"),
    "doc_subject": (
        "triển khai công tác phòng, chống dịch COVID-19 trong tình hình mới",
        "thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới năm {year}",
        "tổ chức các hoạt động kỷ niệm {anniv}",
        "phòng, chống thiên tai và tìm kiếm cứu nạn năm {year}",
        "tuyển chọn và gọi công dân nhập ngũ năm {year}",
        "cải cách hành chính năm {year}",
        "chuyển đổi số năm {year}",
        "tổ chức Tết trồng cây “Đời đời nhớ ơn Bác Hồ” năm {year}",
        "tiêm vắc-xin phòng COVID-19 đợt {smallnum}",
        "bảo đảm an toàn thực phẩm dịp Tết Nguyên đán",
        "phòng, chống {disease}",
        "phổ biến, giáo dục pháp luật năm {year}",
        "tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {year}",
        "phát triển du lịch {tourism_kind}",
    ),
}

# Headline templates.
_P["title"] = (
    "{Place} tổ chức hội nghị {conf_subject}",
    "Hội nghị {conf_subject}",
    "{org_prov} tổ chức hội nghị {conf_subject}",
    "{PlaceName}: Hội nghị {conf_subject}",
    "Ban Thường vụ {committee_full} {party_action}",
    "Đại hội đại biểu Đảng bộ {unit} lần thứ {roman}, {party_term}",
    "Đại hội đại biểu Đảng bộ {commune} lần thứ {roman}, {party_term} thành công tốt đẹp",
    "Đảng bộ {commune} tổ chức thành công Đại hội điểm {party_term} với {midnum} đại biểu tham dự",
    "Trao Huy hiệu {badge} năm tuổi Đảng cho đảng viên {unit}",
    "{Place} kết nạp {num} đảng viên mới trong năm {year}",
    "{PlaceName}: {midnum} cán bộ, đảng viên học tập Nghị quyết Hội nghị lần thứ {smallnum} Ban Chấp hành Trung ương Đảng khóa XIII",
    "{Place} tổng kết công tác {work_area} {yearpair}",
    "Tổng kết công tác {work_area} {yearpair}",
    "{Place} sơ kết 6 tháng đầu năm {year}: {ratio} chỉ tiêu đạt và vượt tiến độ",
    "Sơ kết {halfterm} thực hiện {program} tại {unit}",
    "Công bố quyết định về công tác cán bộ tại {unit} ngày {dm}",
    "Đồng chí {person} được bầu giữ chức Chủ tịch UBND {unit}",
    "Đồng chí {person}, {position} làm việc tại {unit}",
    "Lãnh đạo tỉnh làm việc với Ban Thường vụ {committee_full} về {conf_subject}",
    "Hội nghị Ban Chấp hành Đảng bộ {place} lần thứ {num}, khóa {roman}",
    "Thường trực HĐND {place} tổ chức phiên họp thường kỳ tháng {month} năm {year}",
    "Khai mạc kỳ họp thứ {kyno}, HĐND {place} khóa {khoa}, {council_term}",
    "Bế mạc kỳ họp thứ {kyno}, HĐND {place} khóa {khoa}: Thông qua {num} nghị quyết quan trọng",
    "Kỳ họp thứ {kyno} HĐND {place}: Cử tri quan tâm {voter_concern}",
    "Tiếp xúc cử tri trước kỳ họp thứ {kyno}, Quốc hội khóa XV tại {unit}",
    "Đoàn Đại biểu Quốc hội tỉnh tiếp xúc cử tri {unit} sau kỳ họp thứ {kyno}",
    "Giám sát việc thực hiện {policy} tại {unit}",
    "{Place}: {units} khu vực bỏ phiếu sẵn sàng cho ngày hội non sông",
    "{Place}: Tỷ lệ cử tri đi bầu cử đạt {pcthigh}",
    "{org_prov} kiểm tra công tác chuẩn bị bầu cử tại {unit}",
    "Hội nghị hiệp thương lần thứ {smallord}: Lập danh sách {num} người ứng cử đại biểu HĐND {place} khóa {khoa}",
    "Công bố kết quả bầu cử đại biểu HĐND {place} khóa {khoa}, {council_term}: {num} người trúng cử",
    "Cử tri vùng cao {commune} nô nức đi bầu cử, tỷ lệ cử tri đi bầu đạt {pcthigh}",
    "Tập huấn nghiệp vụ công tác bầu cử cho {midnum} thành viên các tổ bầu cử {unit}",
    "{Place} triển khai các biện pháp cấp bách phòng, chống dịch COVID-19 từ ngày {date}",
    "Tăng cường công tác {covid_task} tại {unit} trong {period_short}",
    "Ghi nhận thêm {num} ca mắc COVID-19 tại {commune}, khẩn trương truy vết các trường hợp liên quan",
    "{Place} thực hiện giãn cách xã hội theo {covid_doc} từ 0 giờ ngày {date}",
    "Hơn {bignum} người dân {place} đã được tiêm vắc-xin phòng COVID-19",
    "Tiêm vắc-xin phòng COVID-19 cho {bignum} trẻ em từ 5 đến dưới 12 tuổi tại {unit}",
    "Chủ động phòng, chống {disease} tại {unit} trong {period_short}",
    "Quyết liệt không để dịch COVID-19 lây lan trong cộng đồng, {unit} lập {num} chốt kiểm soát",
    "Ban Chỉ đạo phòng, chống dịch COVID-19 {place} họp khẩn sau khi ghi nhận {num} ca mắc mới tại {commune}",
    "{org_prov} kiểm tra công tác phòng, chống dịch tại các khu cách ly tập trung của {unit}",
    "Nông dân {commune} {agri_success}",
    "Hiệu quả từ mô hình {model} ở {commune}",
    "{Place} phấn đấu trồng mới {ha} {crop} trong năm {year}",
    "Sản phẩm {product} của {unit} đạt chuẩn OCOP {star} sao",
    "{Place} đẩy nhanh tiến độ gieo cấy vụ {season} năm {year}, phấn đấu đạt {ha} lúa",
    "Chuyển đổi cây trồng trên đất dốc giúp đồng bào {ethnic} ở {commune} thoát nghèo",
    "Tăng cường công tác quản lý, bảo vệ rừng mùa khô năm {year} tại {unit}",
    "{Place} tiêm phòng cho {bignum} con gia súc, gia cầm đợt {half} năm {year}",
    "Tập huấn kỹ thuật {training_subject} cho {trainee}",
    "{District} phấn đấu đến hết năm {year} có thêm {smallnum} xã đạt chuẩn nông thôn mới",
    "{Place} phấn đấu đến hết năm {year} giảm tỷ lệ hộ nghèo xuống còn {pctlow}",
    "{Unit} đón nhận Bằng công nhận {recog} năm {year}",
    "{Commune} đón nhận Bằng công nhận {recog} năm {year}",
    "Xây dựng nông thôn mới ở {commune}: {ntm_remark}",
    "Năm {year}, {commune} đạt thêm {smallnum} tiêu chí nông thôn mới, nâng tổng số lên {num} tiêu chí",
    "Người dân {commune} hiến {midnum} m2 đất làm đường giao thông nông thôn",
    "{Place} huy động {money} xây dựng nông thôn mới giai đoạn 2021-2025",
    "{Place} ra quân {campaign} năm {year}",
    "Khai giảng năm học {schoolyear}: {school_msg}",
    "{Place} tổ chức lễ khai giảng năm học {schoolyear} với hơn {midnum} học sinh tham dự",
    "{Place} tổng kết năm học {schoolyear}: Tỷ lệ học sinh lên lớp đạt {pcthigh}",
    "Chuẩn bị chu đáo cho kỳ thi tốt nghiệp THPT năm {year} tại {unit}",
    "Tuyên dương {midnum} học sinh giỏi, giáo viên dạy giỏi {place} năm học {schoolyear}",
    "Duy trì bữa ăn bán trú cho {midnum} học sinh vùng cao {commune}",
    "Ngày hội {edu_event} tại {unit} năm {year}",
    "Khẩn trương khắc phục hậu quả {disaster} tại {unit}",
    "Mưa lớn đêm {dm} gây sạt lở nghiêm trọng trên tuyến quốc lộ {road} qua {unit}",
    "{Place} thiệt hại trên {money} do mưa lũ",
    "Lãnh đạo tỉnh thăm hỏi, hỗ trợ các hộ dân bị thiệt hại do {disaster} tại {unit}",
    "{Place} chủ động ứng phó với mưa lũ năm {year}, di dời {num} hộ dân khỏi vùng nguy hiểm",
    "Di dời khẩn cấp {num} hộ dân ra khỏi vùng nguy cơ sạt lở tại {commune}",
    "Diễn tập phòng, chống thiên tai và tìm kiếm cứu nạn tại {unit} năm {year}",
    "Trao {midnum} suất quà cho {beneficiary} {unit}",
    "Nâng cao hiệu quả thực hiện chính sách dân tộc tại {unit} năm {year}",
    "Gặp mặt, biểu dương {num} người có uy tín trong đồng bào dân tộc thiểu số {place} năm {year}",
    "Hỗ trợ {num} hộ nghèo xây dựng nhà ở, xóa nhà tạm tại {unit}",
    "Đại hội đại biểu các dân tộc thiểu số {place} lần thứ {smallroman} với {midnum} đại biểu tham dự",
    "{Place} đẩy lùi tảo hôn và hôn nhân cận huyết thống, giảm {num} trường hợp so với năm {year}",
    "Bảo tồn, phát huy giá trị văn hóa truyền thống dân tộc {ethnic} ở {unit}",
    "{Place} giải ngân {pct} vốn Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số",
    "Bộ đội Biên phòng tỉnh {border_action} tại {commune}",
    "Đồn Biên phòng {post} {post_action}",
    "Đồn Biên phòng {post} quản lý, bảo vệ an toàn {km} km đường biên giới năm {year}",
    "Bắt giữ {smallnum} đối tượng vận chuyển trái phép {drug} tại {commune}",
    "Hội đàm định kỳ giữa Bộ Chỉ huy Bộ đội Biên phòng tỉnh Điện Biên và Bộ Chỉ huy Quân sự tỉnh {laos_prov} ngày {date}",
    "Cửa khẩu quốc tế Tây Trang làm thủ tục cho {bignum} lượt người xuất, nhập cảnh trong {period_short}",
    "{Place} đẩy mạnh phát triển du lịch {tourism_kind} gắn với {tour_link} năm {year}",
    "Lễ hội Hoa Ban năm {year} tại {unit} thu hút đông đảo du khách",
    "Du lịch cộng đồng bản {village}: {tour_remark}",
    "{Unit} long trọng tổ chức Lễ kỷ niệm {anniv}",
    "Các hoạt động chào mừng kỷ niệm {anniv} tại {unit}",
    "{Place} đón {bignum} lượt khách du lịch trong dịp nghỉ lễ {holiday}",
    "{Place} quảng bá sản phẩm {product} tại {promo_event} năm {year}",
    "Gặp mặt, tri ân {honoree} nhân dịp {occasion}",
    "{Place} ban hành {doc_kind} về {doc_subject}",
    "Đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân {unit} năm {year}",
    "Ra mắt mô hình “{civic_model}” tại {unit}",
    "Hội thi {contest} {place} năm {year} thu hút {num} đội thi tham gia",
    "{Place}: Thu ngân sách nhà nước {period_short} ước đạt {pct} dự toán",
    "{Place} đẩy nhanh tiến độ giải ngân vốn đầu tư công năm {year}, đến nay đạt {pct}",
    "Tháo gỡ khó khăn trong {bottleneck} tại {unit}",
    "Đẩy mạnh triển khai Đề án 06 về phát triển ứng dụng dữ liệu dân cư tại {unit} năm {year}",
    "Cải cách hành chính năm {year}: {Place} giải quyết đúng hạn {pcthigh} hồ sơ của người dân, doanh nghiệp",
    "{Place}: {pcthigh} hồ sơ thủ tục hành chính được giải quyết đúng hạn trong {period_short}",
    "Đồng chí {person}, {position} thăm, chúc Tết các gia đình chính sách tại {unit}",
    "{Place} hoàn thành {pct} kế hoạch tuyển quân năm {year}, {midnum} thanh niên lên đường nhập ngũ",
    "Lễ giao nhận quân năm {year} tại {unit}: {midnum} tân binh lên đường làm nhiệm vụ",
    "Kiểm tra an toàn thực phẩm tại {num} cơ sở kinh doanh trên địa bàn {place} dịp {holiday}",
    "Thanh niên {commune} ra quân làm {km} km đường giao thông nông thôn",
    "Phụ nữ {commune} chung tay xây dựng {num} tuyến đường hoa, đường tự quản",
    "{Place} cấp {bignum} thẻ căn cước công dân cho người dân trong {period_short}",
    "{Place}: Khởi công xây dựng {project} tại {commune} với tổng mức đầu tư {money}",
    "Khánh thành, bàn giao {project} trị giá {money} cho {commune}",
)
_P["smallroman"] = ("III năm 2019", "IV năm 2024", "IV năm 2024")
_P["title_suffix"] = (
    " trên địa bàn {place}",
    " năm {year}",
    " trong tình hình mới",
    " giai đoạn 2021-2025",
    " tại {unit}",
)

# Lead paragraph pieces.
_P["lead_core"] = (
    "{org} tổ chức hội nghị {conf_subject}.",
    "{org} tổ chức hội nghị trực tuyến {conf_subject} với sự tham gia của {midnum} đại biểu tại {num} điểm cầu.",
    "đoàn công tác của {org_prov} do đồng chí {person}, {position} làm trưởng đoàn đã kiểm tra {inspect_obj} tại {unit}.",
    "{org} tổ chức lễ ra quân {campaign} năm {year}, thu hút đông đảo cán bộ, đoàn viên, hội viên và nhân dân tham gia.",
    "HĐND {place} khóa {khoa}, {council_term} đã khai mạc kỳ họp thứ {kyno} để xem xét, quyết định nhiều nội dung quan trọng.",
    "Đảng bộ {place} long trọng tổ chức Đại hội đại biểu lần thứ {roman}, {party_term} với sự tham dự của {midnum} đại biểu đại diện cho hơn {bignum} đảng viên.",
    "Bộ đội Biên phòng tỉnh phối hợp với {org} tổ chức chương trình “Xuân Biên phòng ấm lòng dân bản” tại {commune}.",
    "{org} tổ chức trao {midnum} suất quà cho hộ nghèo, gia đình chính sách có hoàn cảnh khó khăn tại {commune}.",
    "Ủy ban bầu cử {place} tổ chức hội nghị tập huấn nghiệp vụ công tác bầu cử cho thành viên các tổ bầu cử.",
    "Hội Nông dân {place} phối hợp với Trung tâm Dịch vụ nông nghiệp tổ chức tập huấn kỹ thuật {training_subject} cho {midnum} hội viên.",
    "{org} tổ chức hội nghị đánh giá kết quả thực hiện Chương trình mục tiêu quốc gia xây dựng nông thôn mới, xác định nhiệm vụ, giải pháp trong thời gian tới.",
    "Sở Văn hóa, Thể thao và Du lịch phối hợp với UBND {place} tổ chức {tour_event}.",
    "Đoàn Đại biểu Quốc hội tỉnh đã tiếp xúc cử tri tại {unit} trước kỳ họp thứ {kyno}, Quốc hội khóa XV.",
    "{org} long trọng tổ chức Lễ kỷ niệm {anniv}.",
    "Đồn Biên phòng {post} phối hợp với chính quyền {commune} tổ chức tuyên truyền pháp luật về biên giới quốc gia cho nhân dân các bản.",
    "{org} tổ chức gặp mặt, biểu dương người có uy tín tiêu biểu trong đồng bào dân tộc thiểu số năm {year}.",
)
_P["lead_extra"] = (
    "Cùng dự có đồng chí {person}, {position}; đại diện lãnh đạo các phòng, ban, ngành, đoàn thể và các xã, thị trấn.",
    "Tham dự có đồng chí {person}, {position} cùng đại diện các cơ quan, đơn vị liên quan.",
    "Đây là hoạt động thiết thực nhằm {purpose}.",
    "Tham dự có đại diện lãnh đạo các cơ quan, đơn vị liên quan và đông đảo nhân dân trên địa bàn.",
    "Chương trình được tổ chức trang trọng, thiết thực, tiết kiệm, bảo đảm đúng quy định.",
    "Qua đó góp phần {purpose}.",
    "Đồng chí {person}, {position} chủ trì và phát biểu chỉ đạo.",
)

# Self-contained leads for news that is not an organised event (prefixed with "{when}, ").
_P["lead_story"] = (
    "mưa lớn kèm theo lốc xoáy đã gây thiệt hại về nhà ở, tài sản và hoa màu của nhân dân tại nhiều xã trên địa bàn {place}. Theo thống kê ban đầu, {num} ngôi nhà bị tốc mái, hư hỏng, ước thiệt hại trên {money}.",
    "cử tri {place} đã nô nức tham gia bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp nhiệm kỳ 2021-2026. Đến 19 giờ cùng ngày, tỷ lệ cử tri đi bỏ phiếu đạt {pcthigh}.",
    "các trường học trên địa bàn {place} đồng loạt tổ chức lễ khai giảng năm học {schoolyear}. Năm học này, toàn {lvl} có {bignum} học sinh các cấp học bước vào năm học mới, trong đó học sinh dân tộc thiểu số chiếm {pct}.",
    "Ban Chỉ đạo phòng, chống dịch COVID-19 {place} đã họp khẩn sau khi ghi nhận {smallnum} ca mắc mới tại {commune}. Ngay trong đêm, lực lượng chức năng đã khoanh vùng, truy vết được {num} trường hợp F1 và lấy mẫu xét nghiệm cho {midnum} người.",
    "{health_org} đã tổ chức tiêm vắc-xin phòng COVID-19 cho {bignum} người trong độ tuổi tại {num} điểm tiêm trên địa bàn. Đến nay, tỷ lệ người từ 18 tuổi trở lên được tiêm đủ 2 mũi đạt {pct}.",
    "Đồn Biên phòng {post} phối hợp với Công an {district} bắt quả tang {smallnum} đối tượng đang vận chuyển trái phép {drug} tại khu vực bản {village}, {commune}. Hiện vụ việc đang được tiếp tục điều tra, mở rộng.",
    "bà con nông dân {commune} đã bắt đầu thu hoạch lúa vụ {season}. Theo đánh giá của ngành chuyên môn, năm nay lúa sinh trưởng, phát triển tốt, năng suất ước đạt {yieldq} tạ/ha, cao hơn cùng kỳ năm trước.",
    "tại {commune} đã xảy ra sạt lở đất nghiêm trọng làm vùi lấp {smallnum} ngôi nhà và gây ách tắc giao thông trên tuyến đường liên xã. Chính quyền địa phương đã khẩn trương di dời {num} hộ dân đến nơi an toàn.",
    "Lễ hội Hoa Ban năm {year} đã khai mạc tại {place} với nhiều hoạt động văn hóa, thể thao, du lịch đặc sắc. Dự kiến trong thời gian diễn ra lễ hội, địa phương sẽ đón khoảng {bignum} lượt du khách.",
    "nhiều tuyến đường bê tông nông thôn tại {commune} đã hoàn thành và đưa vào sử dụng, tạo thuận lợi cho bà con đi lại, giao thương. Đây là kết quả từ sự chung sức của Nhà nước và nhân dân trong xây dựng nông thôn mới.",
    "{place} đã tổ chức giao nhận quân năm {year} cho {units} tân binh lên đường làm nhiệm vụ bảo vệ Tổ quốc. Các tân binh đều có đủ tiêu chuẩn về sức khỏe, chính trị, phẩm chất đạo đức, trong đó có {num} đảng viên.",
)

# Body sentences, grouped by topic.
_TOPICS = {
    "conf": (
        "Tại {ev}, các đại biểu đã được nghe báo cáo viên truyền đạt những nội dung cơ bản của {program}.",
        "Theo báo cáo, năm {year}, tổng sản phẩm trên địa bàn {place} tăng {pctlow} so với cùng kỳ; thu ngân sách ước đạt {money_big}.",
        "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết, sát với thực tiễn của địa phương.",
        "Hội nghị đã thống nhất {num} nhóm nhiệm vụ, giải pháp trọng tâm cần tập trung chỉ đạo trong thời gian tới.",
        "Công tác cải cách hành chính có nhiều chuyển biến, {pcthigh} hồ sơ thủ tục hành chính được giải quyết đúng và trước hạn.",
        "Năm {year}, {place} có {ratio} chỉ tiêu chủ yếu đạt và vượt kế hoạch đề ra.",
        "Dịp này, {org} đã tặng giấy khen cho {num} tập thể và {midnum} cá nhân có thành tích xuất sắc.",
        "Hội nghị được tổ chức theo hình thức trực tuyến từ điểm cầu {place} đến {num} điểm cầu các xã, thị trấn.",
    ),
    "covid": (
        "Thực hiện {covid_doc}, {org} đã chỉ đạo các cơ quan, đơn vị triển khai quyết liệt các biện pháp phòng, chống dịch theo phương châm “4 tại chỗ”.",
        "Tính đến ngày {dm}, toàn {lvl} đã tiêm được {bignum} liều vắc-xin phòng COVID-19, đạt {pct} kế hoạch được giao.",
        "Lực lượng chức năng đã tổ chức truy vết, lấy {midnum} mẫu xét nghiệm, kết quả tất cả đều âm tính với SARS-CoV-2.",
        "Các chốt kiểm soát dịch bệnh được duy trì 24/24 giờ, kiểm tra y tế đối với {bignum} lượt người và {midnum} lượt phương tiện ra, vào địa bàn.",
        "Ngành Y tế đã thành lập {num} tổ COVID cộng đồng, phân công cán bộ bám sát thôn, bản để hướng dẫn người dân tự theo dõi sức khỏe tại nhà.",
        "Đồng chí {person}, {position} yêu cầu các thành viên Ban Chỉ đạo tuyệt đối không được chủ quan, lơ là, mất cảnh giác trước diễn biến phức tạp của dịch bệnh.",
        "Người dân được khuyến cáo thực hiện nghiêm thông điệp 5K, hạn chế tụ tập đông người và khai báo y tế khi đi về từ vùng có dịch.",
        "Bên cạnh đó, {place} chủ động chuẩn bị cơ sở cách ly tập trung với quy mô {midnum} giường, sẵn sàng tiếp nhận khi có tình huống phát sinh.",
        "Công tác thông tin, tuyên truyền được đẩy mạnh bằng nhiều hình thức như loa phát thanh, xe lưu động, mạng xã hội và tài liệu song ngữ tiếng Kinh - tiếng {ethnic_lang}.",
        "Đối với {disease}, ngành chuyên môn đã tổ chức phun hóa chất khử trùng tại {num} điểm có nguy cơ cao, đồng thời giám sát chặt chẽ các ổ dịch cũ.",
        "Lũy kế đến nay, toàn {lvl} ghi nhận {bignum} trường hợp mắc COVID-19, trong đó {midnum} trường hợp phải điều trị tại cơ sở y tế.",
    ),
    "agri": (
        "Vụ {season} năm {year}, toàn {lvl} gieo cấy được {ha} lúa, năng suất bình quân ước đạt {yieldq} tạ/ha.",
        "Nhiều hộ gia đình đã mạnh dạn chuyển đổi diện tích đất trồng ngô kém hiệu quả sang trồng {crop}, cho thu nhập cao gấp {smallnum} lần so với trước.",
        "Mô hình {model} được triển khai tại {commune} với sự tham gia của {num} hộ dân, tổng kinh phí hỗ trợ trên {money}.",
        "Cán bộ khuyến nông thường xuyên xuống thôn, bản hướng dẫn bà con kỹ thuật chăm sóc, phòng trừ sâu bệnh và thu hoạch đúng thời vụ.",
        "Tổng đàn gia súc ước đạt {bignum} con, đàn gia cầm trên {bignum} con; tỷ lệ tiêm phòng vắc-xin cho đàn vật nuôi đạt {pct}.",
        "Hiện nay, sản phẩm {product} đã được công nhận sản phẩm OCOP {star} sao, từng bước khẳng định thương hiệu trên thị trường.",
        "Diện tích cây {crop} trên địa bàn đạt {ha}, trong đó có {midnum} ha đang cho thu hoạch.",
        "Công tác quản lý, bảo vệ rừng được chú trọng; tỷ lệ che phủ rừng đạt {pct}, không để xảy ra cháy rừng lớn.",
        "Người dân được hỗ trợ giống, phân bón và vật tư nông nghiệp thông qua các chương trình, dự án của Nhà nước.",
        "Gia đình anh {person} ở {commune} là một trong những hộ đi đầu trong việc áp dụng mô hình {model}, mỗi năm thu lãi trên {money_small}.",
    ),
    "ntm": (
        "Đến nay, {scope} có {ncommunes} xã đạt chuẩn nông thôn mới, {smallnum} xã đạt chuẩn nông thôn mới nâng cao; bình quân mỗi xã đạt {crit} tiêu chí.",
        "Từ nguồn vốn lồng ghép các chương trình, dự án và sự đóng góp của nhân dân, {commune} đã cứng hóa được {km} km đường giao thông nông thôn.",
        "Phong trào “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh” tiếp tục được hưởng ứng rộng rãi, nhiều hộ dân tự nguyện hiến đất, ngày công lao động.",
        "Tuy nhiên, một số tiêu chí như thu nhập, hộ nghèo, môi trường và an toàn thực phẩm vẫn còn khó đạt do điều kiện kinh tế của người dân còn nhiều hạn chế.",
        "Thu nhập bình quân đầu người của {commune} năm {year} ước đạt {income} triệu đồng/người/năm.",
        "Tỷ lệ hộ nghèo giảm còn {pctlow}, hộ cận nghèo còn {pctlow} theo chuẩn nghèo đa chiều giai đoạn 2022-2025.",
        "Các khu dân cư được chỉnh trang, đường làng ngõ bản xanh, sạch, đẹp; nhiều tuyến đường hoa do phụ nữ và đoàn viên thanh niên đảm nhận.",
        "Tổng nguồn lực huy động cho xây dựng nông thôn mới năm {year} đạt trên {money_big}, trong đó nhân dân đóng góp {money_small}.",
    ),
    "edu": (
        "Năm học {schoolyear}, toàn {lvl} có {units} trường học với {bignum} học sinh, trong đó học sinh dân tộc thiểu số chiếm {pct}.",
        "Tỷ lệ huy động trẻ 6 tuổi vào lớp 1 đạt {pcthigh}, học sinh hoàn thành chương trình tiểu học đạt {pcthigh}.",
        "Ngành Giáo dục chú trọng tăng cường tiếng Việt cho trẻ mầm non, học sinh tiểu học người dân tộc thiểu số, duy trì sĩ số và hạn chế tình trạng học sinh bỏ học giữa chừng.",
        "Hệ thống trường lớp được đầu tư theo hướng kiên cố hóa; đến nay đã có {num} trường đạt chuẩn quốc gia.",
        "Các nhà trường chủ động thực hiện Chương trình giáo dục phổ thông 2018, đổi mới phương pháp dạy học và kiểm tra, đánh giá.",
        "Bếp ăn bán trú được duy trì tại {num} điểm trường, bảo đảm bữa ăn đủ dinh dưỡng cho học sinh ở xa.",
        "Kỳ thi tốt nghiệp THPT năm {year} diễn ra an toàn, nghiêm túc; tỷ lệ tốt nghiệp đạt {pcthigh}.",
        "Nhiều thầy cô giáo vẫn bám bản, bám trường, vượt qua khó khăn về địa hình, thời tiết để mang con chữ đến với học sinh vùng cao.",
        "Cô giáo {person}, Trường Mầm non {commune} chia sẻ, mỗi buổi sáng các cô phải đi bộ hơn {smallnum} km để đến điểm trường lẻ.",
    ),
    "election": (
        "Toàn {lvl} có {bignum} cử tri được lập danh sách tại {units} khu vực bỏ phiếu.",
        "Các tổ bầu cử đã hoàn tất việc niêm yết danh sách cử tri, tiểu sử tóm tắt của những người ứng cử và trang trí khu vực bỏ phiếu.",
        "Kết quả, tỷ lệ cử tri đi bầu cử đạt {pcthigh}; có {num} người trúng cử đại biểu HĐND {lvl} khóa {khoa}, {council_term}.",
        "Ủy ban bầu cử thường xuyên kiểm tra, đôn đốc, bảo đảm cuộc bầu cử diễn ra dân chủ, đúng pháp luật, an toàn và tiết kiệm.",
        "Công tác tuyên truyền về cuộc bầu cử được thực hiện bằng tiếng phổ thông và tiếng {ethnic_lang}, giúp cử tri vùng sâu, vùng xa nắm rõ quyền, nghĩa vụ của mình.",
        "Lực lượng công an, quân sự phối hợp chặt chẽ, bảo đảm an ninh, trật tự tại các khu vực bỏ phiếu, nhất là địa bàn giáp biên.",
        "Những người ứng cử đã trình bày chương trình hành động, cam kết thực hiện tốt trách nhiệm đại biểu dân cử nếu được cử tri tín nhiệm.",
        "Kỳ họp đã xem xét, thông qua {num} nghị quyết quan trọng về phát triển kinh tế - xã hội, bảo đảm quốc phòng, an ninh.",
        "Tại phiên chất vấn, các đại biểu tập trung vào những vấn đề cử tri quan tâm như {voter_concern}, {voter_concern}.",
        "Cử tri {commune} kiến nghị cấp trên quan tâm đầu tư {project}, bảo đảm đi lại và sinh hoạt của nhân dân.",
    ),
    "flood": (
        "Do ảnh hưởng của mưa lớn kéo dài từ ngày {dm}, trên địa bàn {place} đã xảy ra lũ quét, sạt lở đất tại nhiều điểm.",
        "Theo báo cáo sơ bộ, mưa lũ đã làm {smallnum} nhà bị sập đổ hoàn toàn, {num} nhà bị hư hỏng, {ha} lúa và hoa màu bị vùi lấp; tổng thiệt hại ước tính trên {money}.",
        "Ngay sau khi nhận được thông tin, Ban Chỉ huy phòng, chống thiên tai và tìm kiếm cứu nạn {lvl} đã huy động lực lượng quân đội, công an, dân quân giúp người dân di dời tài sản đến nơi an toàn.",
        "Các hộ dân ở khu vực có nguy cơ sạt lở cao được di chuyển tạm thời, bố trí chỗ ở và hỗ trợ lương thực, nước uống.",
        "Ngành Giao thông đã huy động máy móc, phương tiện khắc phục các điểm sạt lở, bảo đảm giao thông thông suốt trên tuyến quốc lộ {road}.",
        "Đồng chí {person}, {position} đề nghị các địa phương rà soát, thống kê đầy đủ thiệt hại và kịp thời hỗ trợ để người dân sớm ổn định cuộc sống.",
        "Chính quyền và các đoàn thể đã đến thăm hỏi, động viên và trao hỗ trợ {num} hộ bị thiệt hại với tổng số tiền {money_small}.",
        "Hiện nay, {num} hộ dân tại {commune} vẫn đang phải ở nhờ nhà người thân do nhà bị đất đá vùi lấp.",
    ),
    "ethnic": (
        "Thực hiện Chương trình mục tiêu quốc gia phát triển kinh tế - xã hội vùng đồng bào dân tộc thiểu số và miền núi giai đoạn 2021-2030, {place} được phân bổ trên {money} để triển khai các dự án thành phần.",
        "Năm {year}, {num} hộ đồng bào dân tộc thiểu số được hỗ trợ đất ở, nhà ở, đất sản xuất và nước sinh hoạt phân tán.",
        "Người có uy tín tiếp tục phát huy vai trò cầu nối giữa cấp ủy, chính quyền với nhân dân, vận động bà con thực hiện tốt chủ trương của Đảng, chính sách, pháp luật của Nhà nước.",
        "Các phong tục, tập quán lạc hậu như tảo hôn, hôn nhân cận huyết thống từng bước được đẩy lùi.",
        "Công tác bảo tồn, phát huy bản sắc văn hóa dân tộc {ethnic} được quan tâm thông qua việc khôi phục lễ hội truyền thống và thành lập các câu lạc bộ văn nghệ dân gian.",
        "Chương trình hỗ trợ nhà ở cho hộ nghèo đã giúp {num} gia đình có nhà ở kiên cố, ổn định cuộc sống.",
        "Nhiều hộ đồng bào đã vươn lên thoát nghèo nhờ vốn vay ưu đãi của Ngân hàng Chính sách xã hội với tổng dư nợ trên {money_big}.",
        "Ông {person}, người có uy tín ở bản {village} cho biết, nhờ chính sách hỗ trợ của Nhà nước, đời sống bà con trong bản đã khấm khá hơn trước.",
    ),
    "border": (
        "Đồn Biên phòng {post} đang quản lý, bảo vệ {km} km đường biên giới với {num} cột mốc trên địa bàn {smallnum} xã.",
        "Cán bộ, chiến sĩ Đồn thường xuyên phối hợp với lực lượng bảo vệ biên giới nước Cộng hòa Dân chủ Nhân dân Lào tuần tra song phương, bảo đảm an ninh trên tuyến biên giới.",
        "Năm {year}, lực lượng Biên phòng đã phát hiện, bắt giữ {num} vụ, {num} đối tượng mua bán, vận chuyển trái phép chất ma túy, thu giữ {drug}.",
        "Phong trào “Toàn dân tham gia tự quản đường biên, mốc quốc giới và an ninh trật tự thôn, bản khu vực biên giới” được nhân dân các dân tộc hưởng ứng tích cực.",
        "Các mô hình “Nâng bước em tới trường”, “Con nuôi đồn Biên phòng” tiếp tục được duy trì, giúp đỡ {num} học sinh có hoàn cảnh khó khăn.",
        "Đồn cũng cử cán bộ tăng cường về các xã biên giới, cùng cấp ủy, chính quyền cơ sở giúp nhân dân phát triển kinh tế, giảm nghèo.",
        "Tình hình xuất, nhập cảnh qua Cửa khẩu quốc tế Tây Trang được kiểm soát chặt chẽ; trong {period_short}, đã làm thủ tục cho {bignum} lượt người và {bignum} lượt phương tiện.",
        "Hoạt động di cư tự do, xuất cảnh trái phép sang Lào được phát hiện và ngăn chặn kịp thời.",
        "Thiếu tá {person}, Chính trị viên Đồn Biên phòng {post} cho biết, địa bàn có nhiều đường mòn, lối mở nên công tác quản lý còn gặp khó khăn.",
    ),
    "tourism": (
        "Năm {year}, {place} đón khoảng {bignum} lượt khách du lịch, tổng thu từ hoạt động du lịch ước đạt {money}.",
        "Các điểm du lịch cộng đồng tại bản {village} thu hút đông đảo du khách đến trải nghiệm không gian văn hóa truyền thống của đồng bào {ethnic}.",
        "Lễ hội Hoa Ban năm {year} diễn ra với nhiều hoạt động đặc sắc như thi người đẹp Hoa Ban, trình diễn trang phục dân tộc, chợ phiên vùng cao.",
        "Hệ thống di tích lịch sử Chiến trường Điện Biên Phủ tiếp tục là điểm đến hấp dẫn, góp phần giáo dục truyền thống cách mạng cho thế hệ trẻ.",
        "Ngành Văn hóa, Thể thao và Du lịch đã phối hợp với các doanh nghiệp lữ hành xây dựng tour, tuyến kết nối {tour_sites}.",
        "Nhiều hộ gia đình đã cải tạo nhà sàn thành homestay, vừa giữ gìn kiến trúc truyền thống, vừa tăng thu nhập từ dịch vụ lưu trú, ẩm thực.",
        "Tuy vậy, hạ tầng du lịch còn thiếu đồng bộ, sản phẩm du lịch chưa thực sự đa dạng, nguồn nhân lực phục vụ du lịch còn hạn chế.",
        "Chị {person}, chủ một homestay ở bản {village} cho biết, mỗi tháng gia đình đón khoảng {midnum} lượt khách, thu nhập ổn định hơn làm nương.",
    ),
    "party": (
        "Ban Chấp hành Đảng bộ {lvl} khóa {roman} đã lãnh đạo hoàn thành và hoàn thành vượt mức {ratio} chỉ tiêu chủ yếu của Nghị quyết Đại hội.",
        "Công tác xây dựng Đảng được chú trọng; năm {year}, toàn Đảng bộ kết nạp {units} đảng viên mới, đạt {pct} kế hoạch.",
        "Việc học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh được gắn với thực hiện nhiệm vụ chính trị của từng cơ quan, đơn vị.",
        "Công tác kiểm tra, giám sát được tiến hành thường xuyên; Ủy ban Kiểm tra các cấp đã kiểm tra {num} tổ chức đảng và {num} đảng viên khi có dấu hiệu vi phạm.",
        "Đại hội đã bầu Ban Chấp hành Đảng bộ khóa mới gồm {num} đồng chí; đồng chí {person} được bầu giữ chức Bí thư.",
        "Đại hội thống nhất xác định chủ đề: “Xây dựng Đảng bộ trong sạch, vững mạnh; phát huy sức mạnh đại đoàn kết các dân tộc; phát triển kinh tế - xã hội nhanh và bền vững”.",
        "Khối đại đoàn kết toàn dân tộc tiếp tục được củng cố, quốc phòng, an ninh được giữ vững.",
        "Cuối năm {year}, có {pct} tổ chức cơ sở đảng được đánh giá, xếp loại hoàn thành tốt nhiệm vụ trở lên.",
    ),
    "inspect": (
        "Đoàn đã kiểm tra thực tế tại {num} đơn vị, nghe báo cáo kết quả thực hiện nhiệm vụ và những khó khăn, vướng mắc của cơ sở.",
        "Qua kiểm tra cho thấy, các đơn vị đã cơ bản thực hiện đúng quy định; tuy nhiên vẫn còn một số tồn tại như hồ sơ, sổ sách chưa đầy đủ, tiến độ giải ngân còn chậm.",
        "Kết luận buổi làm việc, đồng chí {person} đề nghị {org} khẩn trương khắc phục những hạn chế đã được chỉ ra, hoàn thành dứt điểm trước ngày {date}.",
        "Đoàn giám sát ghi nhận những kết quả đạt được, đồng thời tiếp thu các kiến nghị của địa phương để báo cáo cấp có thẩm quyền xem xét, giải quyết.",
        "Tiến độ thi công công trình {project} tại {commune} đạt khoảng {pct} khối lượng, dự kiến hoàn thành trong quý {quarter} năm {year}.",
        "Năm {year}, {place} được giao kế hoạch vốn đầu tư công {money_big}, đến nay đã giải ngân được {pct}.",
        "Đoàn cũng chỉ ra một số tồn tại trong công tác {work_area} và đề nghị địa phương có giải pháp khắc phục trong thời gian tới.",
    ),
}
for _k, _v in _TOPICS.items():
    _P["t_" + _k] = _v
_TOPIC_KEYS = tuple("t_" + k for k in _TOPICS)

_P["generic"] = (
    "Đây là hoạt động thiết thực nhằm {purpose}.",
    "Qua đó góp phần {purpose}.",
    "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết, sát với thực tiễn của địa phương.",
    "Bên cạnh những kết quả đạt được, vẫn còn một số khó khăn, hạn chế cần được khắc phục trong thời gian tới.",
    "Nguyên nhân chủ yếu là do địa bàn rộng, địa hình chia cắt, giao thông đi lại khó khăn, trình độ dân trí không đồng đều.",
    "Đồng chí {person}, {position} đánh giá cao những kết quả mà {place} đã đạt được trong thời gian qua.",
    "Đồng chí {person} đề nghị các cấp ủy, chính quyền tiếp tục {directive}, đồng thời {directive}.",
    "Thời gian tới, {place} tập trung {directive}.",
    "Phát biểu chỉ đạo, đồng chí {person}, {position} nhấn mạnh: “{quote}”.",
    "Đồng chí {person}, {position} yêu cầu các cơ quan, đơn vị {directive}.",
    "Kết quả trên có được là nhờ sự vào cuộc quyết liệt của cả hệ thống chính trị và sự đồng thuận của nhân dân.",
    "Trong {period_short}, {place} đã tổ chức {num} đợt tuyên truyền, thu hút {bignum} lượt người tham gia.",
)
_P["short"] = (
    "Các đơn vị liên quan đã cam kết thực hiện nghiêm túc.",
    "Công tác này sẽ được duy trì thường xuyên.",
    "Người dân đồng tình, hưởng ứng tích cực.",
    "Kết quả được báo cáo định kỳ hằng tháng.",
)
_P["caption"] = (
    "Toàn cảnh hội nghị tại điểm cầu {place}.",
    "Đồng chí {person} phát biểu tại hội nghị.",
    "Đồng chí {person}, {position} phát biểu chỉ đạo.",
    "Các đại biểu tham quan mô hình {model} tại {commune}.",
    "Lực lượng chức năng giúp người dân khắc phục hậu quả mưa lũ tại {commune}.",
    "Cán bộ y tế tiêm vắc-xin phòng COVID-19 cho người dân {commune}.",
    "Cử tri {commune} bỏ phiếu tại khu vực bỏ phiếu số {smallnum}.",
    "Quang cảnh kỳ họp thứ {kyno}, HĐND {place} khóa {khoa}.",
    "Lãnh đạo {place} trao quà cho các hộ nghèo.",
    "Cán bộ, chiến sĩ Đồn Biên phòng {post} tuần tra bảo vệ biên giới.",
    "Học sinh {commune} trong ngày khai giảng năm học mới.",
    "Ban tổ chức trao giấy khen cho các tập thể, cá nhân có thành tích xuất sắc.",
    "Các đại biểu thực hiện nghi thức khai mạc {ev}.",
    "Đoàn công tác kiểm tra thực tế tại {commune}.",
    "Du khách trải nghiệm không gian văn hóa tại bản {village}.",
    "Bà con nông dân {commune} thu hoạch {crop}.",
    "Các đại biểu dâng hương tại Đền thờ Liệt sĩ tại Chiến trường Điện Biên Phủ.",
    "Đại biểu chụp ảnh lưu niệm tại {ev}.",
    "Điểm sạt lở trên tuyến quốc lộ {road} đoạn qua {commune}.",
    "Đồng chí {person} trao quyết định cho các cá nhân.",
    "Các đại biểu biểu quyết thông qua nghị quyết {ev}.",
    "Tiết mục văn nghệ chào mừng {ev}.",
)

# "Văn bản mới" sidebar.
_P["doc"] = (
    "Nghị quyết công bố kết quả bầu cử đại biểu HĐND {place} khóa {khoa}, {council_term}",
    "Quy trình giải quyết liên thông TTHC về {tthc}",
    "Kế hoạch số {docno}/KH-UBND về {doc_subject}",
    "Kế hoạch số {docno}/KH-UBND ngày {date} của UBND {lvl} về {doc_subject}",
    "Quyết định số {docno}/QĐ-UBND {qd_subject}",
    "Công văn số {docno}/UBND-{dept} về việc {cv_subject}",
    "Thông báo số {docno}/TB-UBND {tb_subject}",
    "Chỉ thị số {smallnum}/CT-UBND về {ct_subject}",
    "Hướng dẫn số {docno}-HD/BTGTU {hd_subject}",
    "Báo cáo số {docno}/BC-UBND {bc_subject}",
    "Nghị quyết số {docno}/NQ-HĐND về {nq_subject}",
    "Danh sách {list_subject}",
    "Lịch công tác tuần {weekno} năm {year}",
    "Thông báo lịch tiếp công dân tháng {month} năm {year}",
    "Bộ thủ tục hành chính thuộc thẩm quyền giải quyết của UBND cấp xã năm {year}",
    "Quy chế làm việc của UBND {place} {council_term}",
)
_P["tthc"] = (
    "khai sinh, khai tử, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
    "đăng ký khai tử, xóa đăng ký thường trú, hưởng chế độ tử tuất",
    "đăng ký khai sinh, đăng ký thường trú",
    "cấp giấy chứng nhận quyền sử dụng đất lần đầu",
    "trợ cấp xã hội hằng tháng cho người cao tuổi",
    "đăng ký kết hôn, xác nhận tình trạng hôn nhân",
)
_P["dept"] = ("VX", "KT", "TH", "NC", "VP")
_P["qd_subject"] = (
    "về việc phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {year}",
    "về việc thành lập Ban Chỉ đạo phòng, chống dịch COVID-19",
    "về việc công bố danh mục thủ tục hành chính",
    "về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc năm {year}",
    "phê duyệt kế hoạch lựa chọn nhà thầu công trình {project}",
    "về việc giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội năm {year}",
    "về việc kiện toàn Ban Chỉ đạo xây dựng nông thôn mới",
)
_P["cv_subject"] = (
    "tăng cường công tác phòng, chống dịch bệnh",
    "chủ động ứng phó với mưa lũ",
    "rà soát, thống kê thiệt hại do thiên tai",
    "triển khai tiêm vắc-xin phòng COVID-19",
    "báo cáo kết quả thực hiện nhiệm vụ {period_short}",
    "tăng cường công tác quản lý, bảo vệ rừng",
    "đôn đốc giải ngân vốn đầu tư công năm {year}",
    "phòng, chống {disease}",
)
_P["tb_subject"] = (
    "kết luận của Chủ tịch UBND {lvl} tại buổi làm việc với {commune}",
    "về việc tuyển dụng viên chức năm {year}",
    "công khai danh sách hộ nghèo năm {year}",
    "lịch tiếp công dân định kỳ của lãnh đạo UBND {lvl}",
    "kết quả lựa chọn nhà thầu công trình {project}",
)
_P["ct_subject"] = (
    "tăng cường công tác phòng, chống dịch COVID-19",
    "đẩy mạnh cải cách hành chính năm {year}",
    "tăng cường công tác quản lý, bảo vệ rừng mùa khô",
    "tổ chức Tết Nguyên đán vui tươi, lành mạnh, an toàn, tiết kiệm",
)
_P["hd_subject"] = (
    "tuyên truyền kỷ niệm {anniv}",
    "tuyên truyền cuộc bầu cử đại biểu Quốc hội khóa XV và đại biểu HĐND các cấp",
    "học tập, quán triệt Nghị quyết Đại hội XIII của Đảng",
)
_P["bc_subject"] = (
    "kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội {period_short}",
    "tình hình thiệt hại do mưa lũ",
    "công tác phòng, chống dịch COVID-19 đến ngày {dm}",
    "kết quả bầu cử đại biểu HĐND {lvl}",
)
_P["nq_subject"] = (
    "kế hoạch đầu tư công trung hạn giai đoạn 2021-2025",
    "dự toán ngân sách năm {year}",
    "chương trình giám sát năm {year}",
    "bầu các chức danh lãnh đạo HĐND, UBND {lvl}",
)
_P["list_subject"] = (
    "người ứng cử đại biểu HĐND {lvl} khóa {khoa}",
    "hộ nghèo, hộ cận nghèo năm {year}",
    "thí sinh đủ điều kiện dự tuyển viên chức năm {year}",
    "cử tri khu vực bỏ phiếu số {smallnum}",
)

# Editorial changes.
_P["edit_append"] = (
    "Số liệu trên được tổng hợp từ báo cáo của các xã, thị trấn tính đến hết ngày {dm}.",
    "Các nội dung trên sẽ tiếp tục được rà soát, bổ sung trong thời gian tới.",
    "Trong đó, nhiều chỉ tiêu đạt và vượt so với cùng kỳ năm trước.",
    "Kết quả cụ thể sẽ được cơ quan chuyên môn thông báo sau.",
    "Thông tin chi tiết được đăng tải trên Cổng thông tin điện tử của {lvl}.",
)
_TITLE_REMARKS = (
    ": Nhiều chuyển biến tích cực",
    ": Kết quả bước đầu",
    ": Còn nhiều khó khăn",
    ": Những kết quả nổi bật",
    ": Cần sự vào cuộc của cả hệ thống chính trị",
    ": Tạo sức lan tỏa trong cộng đồng",
    ": Bài học kinh nghiệm",
)
_TITLE_TAILS = (" trong tình hình mới", " giai đoạn 2021-2025", " trên địa bàn tỉnh", " trong thời gian tới")

_TITLE_REWORD = (
    ("Hội nghị", "Hội nghị trực tuyến"),
    ("triển khai", "triển khai thực hiện"),
    ("Tăng cường", "Tiếp tục tăng cường"),
    ("đẩy mạnh", "tiếp tục đẩy mạnh"),
    ("kiểm tra", "kiểm tra, giám sát"),
    ("Hiệu quả", "Hiệu quả bước đầu"),
    ("thành công tốt đẹp", "thành công"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("COVID-19", "Covid-19"),
    ("Covid-19", "COVID-19"),
    ("tổ chức", "long trọng tổ chức"),
    ("Khẩn trương", "Tập trung"),
    ("hộ dân", "hộ gia đình"),
    ("nông thôn mới", "NTM"),
    ("dân tộc thiểu số", "DTTS"),
    ("thành phố Điện Biên Phủ", "TP Điện Biên Phủ"),
    ("phòng, chống", "phòng chống"),
    ("Ban Chấp hành Trung ương", "BCH Trung ương"),
    (" tại ", " ở "),
    ("Ủy ban nhân dân", "UBND"),
    ("thu hút", "thu hút đông đảo"),
    ("khu vực bỏ phiếu", "khu vực bầu cử"),
    ("học sinh", "em học sinh"),
    ("Trao", "Trao tặng"),
    ("nô nức", "phấn khởi"),
    ("Hơn", "Gần"),
)
_PARA_REWORD = (
    ("triển khai", "tổ chức triển khai"),
    ("tăng cường", "tiếp tục tăng cường"),
    ("khó khăn, hạn chế", "khó khăn, vướng mắc"),
    ("kịp thời", "kịp thời, hiệu quả"),
    ("thôn, bản", "thôn, bản, tổ dân phố"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("MTTQ", "Mặt trận Tổ quốc"),
    ("ước đạt", "ước tính đạt"),
    ("đã tổ chức", "đã chủ động tổ chức"),
    ("góp phần", "từng bước góp phần"),
    ("đề nghị", "yêu cầu"),
    ("yêu cầu", "đề nghị"),
    ("Bên cạnh đó", "Ngoài ra"),
    ("Tuy nhiên", "Mặc dù vậy"),
    ("tập trung thảo luận", "tập trung thảo luận sôi nổi"),
    ("cán bộ, đảng viên", "cán bộ, đảng viên, công chức"),
    ("nhân dân", "người dân"),
    ("sự tham gia", "sự tham gia tích cực"),
)

# --------------------------------------------------------------------------- template compilation

_SLOT_RE = re.compile(r"\{(\w+)\}")
_SLOTS: dict = dict(_GENERATORS)
_C: dict[str, tuple] = {}


def _render(rng: random.Random, item, place: str) -> str:
    """Fill a compiled template (a plain str or a callable(rng, place))."""
    return item if item.__class__ is str else item(rng, place)


def _compile(text: str, stack: tuple = ()):
    """Compile '{slot}' template text into a str or a generated callable(rng, place) -> str."""
    text = unicodedata.normalize("NFC", text)
    pieces = _SLOT_RE.split(text)
    if len(pieces) == 1:
        return text
    env: dict = {}
    expr = []
    for i, piece in enumerate(pieces):
        if i % 2 == 0:
            if piece:
                expr.append(repr(piece))
        else:
            if piece not in _SLOTS:
                _compile_pool(piece, stack)
            var = f"_s{len(env)}"
            env[var] = _SLOTS[piece]
            expr.append(f"{var}(rng, place)")
    return eval("lambda rng, place: " + " + ".join(expr), env)


def _compile_pool(name: str, stack: tuple = ()) -> None:
    """Compile pool `name` (after the pools it refers to) and register its slot callable."""
    if name in stack:
        raise ValueError("template cycle: " + " -> ".join(stack + (name,)))
    items = tuple(_compile(t, stack + (name,)) for t in _P[name])  # KeyError here = unknown slot name
    size = len(items)
    if all(it.__class__ is str for it in items):

        def slot(rng, place, items=items, size=size):
            return items[int(rng.random() * size)]
    else:

        def slot(rng, place, items=items, size=size):
            it = items[int(rng.random() * size)]
            return it if it.__class__ is str else it(rng, place)

    _C[name] = items
    _SLOTS[name] = slot


for _name in _P:
    if _name not in _C:
        _compile_pool(_name)
_BASE: dict[str, int] = {}  # pool -> offset, so (pool, index) maps to one int for "already used" sets
_offset = 0
for _name, _items in _C.items():
    _BASE[_name] = _offset
    _offset += len(_items)
_TITLE_REWORD = tuple(
    (unicodedata.normalize("NFC", a), unicodedata.normalize("NFC", b)) for a, b in _TITLE_REWORD if a != b
)
_PARA_REWORD = tuple(
    (unicodedata.normalize("NFC", a), unicodedata.normalize("NFC", b)) for a, b in _PARA_REWORD if a != b
)


def _fill(rng: random.Random, pool: str, place: str) -> str:
    """Render one random item of a named pool."""
    return _render(rng, _pick(rng, _C[pool]), place)


def _sentence(rng: random.Random, pool: str, place: str) -> str:
    """Render one sentence and capitalise it."""
    s = _render(rng, _pick(rng, _C[pool]), place)
    return s[0].upper() + s[1:] if s[:1].islower() else s


# --------------------------------------------------------------------------- public API


def title(rng: random.Random, place: str) -> str:
    """A news headline of 8..25 words."""
    place = _ctx(place)[0]
    for _ in range(8):
        t = _cap(_fill(rng, "title", place))
        n = _wc(t)
        if n < 8:
            t += _fill(rng, "title_suffix", place)
            n = _wc(t)
        if 8 <= n <= 25:
            return t
    return f"Triển khai nhiệm vụ phát triển kinh tế - xã hội năm {_ri(rng, 2019, 2025)} trên địa bàn tỉnh"


def lead(rng: random.Random, place: str) -> str:
    """A sapo / lead paragraph of 30..70 words."""
    place = _ctx(place)[0]
    for _ in range(8):
        if rng.random() < 0.35:
            text = _g_when(rng, place) + ", " + _fill(rng, "lead_story", place)
            if 30 <= _wc(text) <= 70:
                return text
            continue
        parts = [_g_when(rng, place) + ", " + _fill(rng, "lead_core", place)]
        n = _wc(parts[0])
        guard = 0
        while n < 30 and guard < 6:
            s = _sentence(rng, "lead_extra", place)
            if s not in parts:
                parts.append(s)
                n += _wc(s)
            guard += 1
        if 30 <= n <= 70:
            return " ".join(parts)
    return (
        f"Ngày {_g_date(rng, place)}, UBND {place} tổ chức hội nghị triển khai các nhiệm vụ trọng tâm trong thời gian tới. "
        "Các đại biểu đã tập trung thảo luận, đóng góp nhiều ý kiến tâm huyết, sát với thực tiễn của địa phương."
    )


def _paragraph(rng: random.Random, place: str, topic: str, used: set) -> str:
    """One body paragraph of 40..130 words; `used` holds template ids already used in this article."""
    rand = rng.random
    r = rand()
    if r < 0.1:
        prefix = f"{_ri(rng, 1, 5)}. "
    elif r < 0.15:
        prefix = f"{_ri(rng, 1, 4)}.{_ri(rng, 1, 4)}. "
    else:
        prefix = ""
    target = 45 + int(rand() * 70)
    sents: list[str] = []
    local: list = []
    n = 1 if prefix else 0
    tries = 0
    while n < target and tries < 12:
        tries += 1
        pool = "generic" if (sents and rand() < 0.22) else topic
        items = _C[pool]
        size = len(items)
        base = _BASE[pool]
        i = int(rand() * size)
        key = base + i
        if key in used:  # probe for a template not yet used in this article
            for _ in range(size):
                i = i + 1 if i + 1 < size else 0
                key = base + i
                if key not in used:
                    break
            else:  # all used: at least avoid repeats within the paragraph
                for _ in range(size):
                    if key not in local:
                        break
                    i = i + 1 if i + 1 < size else 0
                    key = base + i
                else:
                    continue
        item = items[i]
        s = item if item.__class__ is str else item(rng, place)
        if s[0].islower():
            s = s[0].upper() + s[1:]
        w = s.count(" ") + 1
        if n + w > 130:
            if n >= 40:
                break
            continue
        used.add(key)
        local.append(key)
        sents.append(s)
        n += w
    if n < 40:
        shorts = _C["short"]
        k = int(rand() * len(shorts))
        while n < 40:
            s = shorts[k % len(shorts)]
            k += 1
            sents.append(s)
            n += s.count(" ") + 1
    return prefix + " ".join(sents)


_COMPANIONS = {
    "t_conf": ("t_party", "t_inspect"),
    "t_covid": ("t_inspect", "t_conf"),
    "t_agri": ("t_ntm", "t_ethnic"),
    "t_ntm": ("t_agri", "t_ethnic"),
    "t_edu": ("t_ethnic", "t_conf"),
    "t_election": ("t_party", "t_conf"),
    "t_flood": ("t_ethnic", "t_inspect"),
    "t_ethnic": ("t_ntm", "t_border"),
    "t_border": ("t_ethnic", "t_covid"),
    "t_tourism": ("t_ethnic", "t_agri"),
    "t_party": ("t_conf", "t_election"),
    "t_inspect": ("t_conf", "t_ntm"),
}


def paragraphs(rng: random.Random, place: str, n: int) -> list[str]:
    """n body paragraphs (40..130 words each) on one main topic plus related ones."""
    place = _ctx(place)[0]
    topic = _pick(rng, _TOPIC_KEYS)
    companions = _COMPANIONS[topic]
    used: set = set()
    out = []
    for i in range(n):
        r = rng.random()
        if i == 0 or r < 0.6:
            t = topic
        elif r < 0.9:
            t = _pick(rng, companions)
        else:
            t = _pick(rng, _TOPIC_KEYS)
        out.append(_paragraph(rng, place, t, used))
    return out


def caption(rng: random.Random, place: str) -> str:
    """A photo caption of 6..20 words."""
    place = _ctx(place)[0]
    for _ in range(8):
        c = _sentence(rng, "caption", place)
        if 6 <= _wc(c) <= 20:
            return c
    return "Toàn cảnh hội nghị tại điểm cầu trung tâm."


_SLUGS = (
    "hoi-nghi",
    "kiem-tra",
    "tap-huan",
    "dai-hoi",
    "bau-cu",
    "phong-chong-dich",
    "tiem-vac-xin",
    "khai-giang",
    "trao-qua",
    "mua-lu",
    "sat-lo",
    "nong-thon-moi",
    "bien-phong",
    "du-lich",
    "le-hoi-hoa-ban",
    "ky-hop",
    "tiep-xuc-cu-tri",
    "toan-canh",
    "anh-minh-hoa",
    "ra-quan",
    "lam-viec",
    "tuyen-truyen",
)


def image_name(rng: random.Random) -> str:
    """A plausible uploaded image file name."""
    k = int(rng.random() * 8)
    if k <= 1:
        stamp = f"{_ri(rng, 2019, 2025)}{_ri(rng, 1, 12):02d}{_ri(rng, 1, 28):02d}_{_ri(rng, 6, 21):02d}{_ri(rng, 0, 59):02d}{_ri(rng, 0, 59):02d}"
        return ("IMG_" if k else "") + stamp + ".jpg"
    if k == 2:
        slug = _pick(rng, _SLUGS)
        return _cap(slug) + f"-{_ri(rng, 1, 12)}.jpg"
    if k == 3:
        return _pick(rng, _SLUGS) + _pick(rng, (".jpg", ".png", ".jpeg", "-1.jpg"))
    if k == 4:
        return f"DSC_{_ri(rng, 0, 9999):04d}.JPG"
    if k == 5:
        return f"z{_ri(rng, 3000000000000, 5999999999999)}_{rng.getrandbits(128):032x}.jpg"
    if k == 6:
        return _pick(rng, ("anh-minh-hoa.png", "anh-minh-hoa.jpg", "anh1.jpg", "anh-2.jpg", "hinh-anh.png"))
    return f"{_pick(rng, _SLUGS)}-{_ri(rng, 2019, 2025)}.jpg"


def byline(rng: random.Random, family: str) -> str:
    """Author line in the style of a province, district or commune portal (unknown family -> province)."""
    name = person_name(rng)
    r = rng.random()
    if family == "district":
        return f"{name} - Trung tâm VH - TT - TH" if r < 0.6 else f"{name} - Văn phòng HĐND-UBND huyện"
    if family == "commune":
        return f"Theo {name}" if r < 0.5 else f"{name} - UBND xã"
    if r < 0.45:
        return f"Tin, ảnh: {name}"
    return f"{name}, VPTU" if r < 0.75 else f"{name} - Ban Tuyên giáo Tỉnh ủy"


_ORGANISATIONS = ("Trang thông tin", "Cổng thông tin", "Báo ", "Đài ")


def author_of(byline: str) -> str:
    """The person a byline of :func:`byline` names as its author ('' for no byline)."""
    for prefix in ("Tin, ảnh: ", "Theo "):
        if byline.startswith(prefix):
            name = byline.removeprefix(prefix)
            # "Theo Trang thông tin điện tử ..." credits a portal, not a person.
            return "" if name.startswith(_ORGANISATIONS) else name
    return byline.split(", ", 1)[0].split(" - ", 1)[0]


_NUM_RE = re.compile(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+,\d+|\d+")
_PREFIX_RE = re.compile(r"^\d+(?:\.\d+)*\.\s")
_DATE_INTRO = ("ngày ", "Ngày ", "đêm ", "Sáng ", "sáng ", "Chiều ", "chiều ")
_YEAR_RE = re.compile(r"\b20(?:19|2[0-5])\b")


def _editable(s: str, m) -> bool:
    """Whether a number match may be changed (not part of codes, terms, road numbers, ratios...)."""
    a, b = m.start(), m.end()
    text = m.group()
    before = s[a - 1] if a else " "
    after = s[b] if b < len(s) else " "
    if (
        before == "-"
        or after == "-"
        or before.isalpha()
        or after.isalpha()
        or (text[0] == "0" and len(text) > 1)
    ):
        return False
    if (
        before == "/" or after == "/"
    ):  # only dates introduced as "ngày 8/9/2022", "Sáng 8/9" (not codes, ratios, holidays)
        j = a
        while j and (s[j - 1].isdigit() or s[j - 1] == "/"):
            j -= 1
        if not s[max(0, j - 6) : j].endswith(_DATE_INTRO) or (
            after == "/" and not s[b + 1 : b + 2].isdigit()
        ):
            return False
    if len(text) == 4 and text.isdigit() and not 2019 <= int(text) <= 2025:
        return False  # historical years, programme years
    if s.startswith(" năm (", b) or s.startswith(" ngày ", b):
        return False  # anniversaries "70 năm (1954 - 2024)", spans "Trong 2 ngày 21-22/4"
    return s[max(0, a - 3) : a] != "lộ "


def _bump_number(rng: random.Random, s: str) -> str:
    """Change one number in s (keeping its formatting); returns s unchanged if none is editable."""
    skip = _PREFIX_RE.match(s)
    cands = [m for m in _NUM_RE.finditer(s, skip.end() if skip else 0) if _editable(s, m)]
    if not cands:
        return s
    m = _pick(rng, cands)
    text = m.group()
    a, b = m.start(), m.end()
    before = s[a - 1] if a else " "
    after = s[b] if b < len(s) else " "
    sign = 1 if rng.random() < 0.5 else -1
    if "," in text:
        whole, frac = text.split(",")
        scale = 10 ** len(frac)
        val = int(whole) * scale + int(frac)
        new = val + _ri(rng, 1, max(1, val // 25)) * sign
        if new <= 0 or (after == "%" and new > 100 * scale):
            new = val - 1 if val > 1 else val + 1
        new_text = f"{new // scale},{new % scale:0{len(frac)}d}"
    elif "." in text:
        val = int(text.replace(".", ""))
        new = max(1, val + _ri(rng, 1, max(1, val // 20)) * sign)
        new_text = _int_vn(new if new != val else val + 1)
    else:
        val = int(text)
        if len(text) == 4:  # a year 2019..2025
            new = val + sign if 2019 <= val + sign <= 2025 else val - sign
        elif before == "/" or after == "/":
            new = val - 1 if val > 1 else val + 1
        else:
            new = val + _ri(rng, 1, max(1, val // 10)) * sign
            if new <= 0 or (after == "%" and new > 100):
                new = val - 1 if val > 1 else val + 1
        new_text = _int_vn(new) if new >= 10000 or (new >= 1000 and len(text) < 4) else str(new)
    return s[:a] + new_text + s[b:]


def _reword(rng: random.Random, s: str, table) -> str:
    """Apply one applicable phrase substitution (first occurrence); unchanged if none applies."""
    options = [
        (a, b) for a, b in table if a in s and not (a in b and b in s)
    ]  # never "X trực tuyến trực tuyến"
    if not options:
        return s
    a, b = _pick(rng, options)
    return s.replace(a, b, 1)


_TAIL_YEAR_RE = re.compile(r" năm 20\d\d$")


def _title_append(rng: random.Random, t: str) -> str:
    """Add, swap or drop a trailing clause so that repeated edits never make a headline grow without bound."""
    base = t.rstrip(" .")
    m = _TAIL_YEAR_RE.search(base)
    ending = m.group() if m else next((x for x in _TITLE_REMARKS + _TITLE_TAILS if base.endswith(x)), "")
    if ending:  # swap or drop the clause added by an earlier edit
        stem = base[: -len(ending)]
        if rng.random() < 0.4 or not stem:
            return stem or base + " năm " + str(_ri(rng, 2019, 2025))
        kind = (
            (" năm 2019", " năm 2020", " năm 2021", " năm 2022", " năm 2023", " năm 2024", " năm 2025")
            if m
            else (_TITLE_REMARKS if ending in _TITLE_REMARKS else _TITLE_TAILS)
        )
        other = _pick(rng, [x for x in kind if x != ending])
        return stem + other
    if ":" not in base and rng.random() < 0.7:
        return base + _pick(rng, _TITLE_REMARKS)
    if not _YEAR_RE.search(base) and rng.random() < 0.7:
        return f"{base} năm {_ri(rng, 2019, 2025)}"
    return base + _pick(rng, [x for x in _TITLE_TAILS if x not in base] or [" trong thời gian tới"])


def edit_title(rng: random.Random, title: str) -> str:
    """A plausible editorial correction of a headline; always differs from the input."""
    title = unicodedata.normalize("NFC", title)
    r = rng.random()
    if r < 0.45:
        out = _bump_number(rng, title)
        if out == title:
            out = _reword(rng, title, _TITLE_REWORD)
    elif r < 0.85:
        out = _reword(rng, title, _TITLE_REWORD)
        if out == title:
            out = _bump_number(rng, title)
    else:
        out = title
    if out == title:
        out = _title_append(rng, title)
    return out if out != title else title + " (cập nhật)"


_KNOWN_PLACES = _ALL_COMMUNES + _DISTRICT_DISPLAY + (_PROVINCE_PLACE,)


def _place_in(text: str) -> str:
    """The most specific known place mentioned in text (default: the province)."""
    for p in _KNOWN_PLACES:
        if p in text:
            return p
    return _PROVINCE_PLACE


def insert_sentence(rng: random.Random, paragraph: str) -> str:
    """Insert a fitting sentence after one of the paragraph's sentences (or at its end)."""
    place = _place_in(paragraph)
    pool = "edit_append" if rng.random() < 0.5 else "generic"
    new = _sentence(rng, pool, place)
    body = paragraph.rstrip()
    cuts = [
        m.end() for m in re.finditer(r"[.!?”] (?=[^\W\d_])", body) if m.end() > 8 and body[m.end()].isupper()
    ]
    if cuts and rng.random() < 0.6:
        at = _pick(rng, cuts)
        return body[:at] + new + " " + body[at:]
    if not body:
        return new
    return body + (" " if body[-1] in ".!?…”" else ". ") + new


def drop_sentence(rng: random.Random, paragraph: str) -> str:
    """Remove one sentence other than the first (unchanged if there is only one)."""
    body = paragraph.rstrip()
    starts = [0] + [
        m.end() for m in re.finditer(r"[.!?”] (?=[^\W\d_])", body) if m.end() > 8 and body[m.end()].isupper()
    ]
    if len(starts) < 2:
        return paragraph
    k = 1 + int(rng.random() * (len(starts) - 1))
    end = starts[k + 1] if k + 1 < len(starts) else len(body)
    return (body[: starts[k]] + body[end:]).rstrip()


def edit_paragraph(rng: random.Random, paragraph: str) -> str:
    """A plausible edit to one body paragraph; always differs from the input."""
    paragraph = unicodedata.normalize("NFC", paragraph)
    r = rng.random()
    if r < 0.35:
        out = _bump_number(rng, paragraph)
    elif r < 0.65:
        out = _reword(rng, paragraph, _PARA_REWORD)
    else:
        out = paragraph
    if out == paragraph:  # add a sentence, or cut one when the paragraph is already long
        if _wc(paragraph) > 110:
            out = drop_sentence(rng, paragraph)
        if out == paragraph:
            out = insert_sentence(rng, paragraph)
    if out == paragraph:  # only possible for pathological input
        out = paragraph + " Các nội dung trên sẽ tiếp tục được rà soát, bổ sung."
    return out


def document_titles(rng: random.Random, place: str, n: int) -> list[str]:
    """n short titles of official documents for a "Văn bản mới" sidebar."""
    place = _ctx(place)[0]
    out: list[str] = []
    tries = 0
    while len(out) < n:
        d = _fill(rng, "doc", place)
        tries += 1
        if d not in out or tries > 4 * n + 10:
            out.append(d)
    return out


def related_link_titles(rng: random.Random, place: str, n: int) -> list[str]:
    """n related-article headlines (same style as title())."""
    ctx = _ctx(place)
    out: list[str] = []
    tries = 0
    while len(out) < n:
        p = ctx[0] if rng.random() < 0.6 else _pick(rng, ctx[5])
        t = title(rng, p)
        tries += 1
        if t not in out or tries > 4 * n + 10:
            out.append(t)
    return out


# --------------------------------------------------------------------------- demo / self-check

if __name__ == "__main__":
    places = [_PROVINCE_PLACE] + list(_DISTRICT_DISPLAY) + list(_ALL_COMMUNES[::7])
    rng = random.Random(20220908)
    p = "huyện Tủa Chùa"
    print(title(rng, p), "\n")
    print(lead(rng, p), "\n")
    for para in paragraphs(rng, p, 5):
        print(para, "\n")
    print("[Ảnh]", image_name(rng), "-", caption(rng, p))
    print(byline(rng, "district"), "\n")
    print("Văn bản mới:", *document_titles(rng, p, 4), sep="\n  ")
    print("Tin liên quan:", *related_link_titles(rng, p, 4), sep="\n  ")

    def article(rng: random.Random, place: str) -> list[str]:
        """One full article's worth of text."""
        out = [title(rng, place), lead(rng, place)]
        out += paragraphs(rng, place, 6)
        out += [
            caption(rng, place),
            image_name(rng),
            caption(rng, place),
            image_name(rng),
            byline(rng, ("province", "district", "commune")[int(rng.random() * 3)]),
        ]
        out += document_titles(rng, place, 4) + related_link_titles(rng, place, 4)
        return out

    rng = random.Random(1)
    t0 = time.perf_counter()
    texts = [article(rng, places[i % len(places)]) for i in range(5000)]
    dt = time.perf_counter() - t0
    print(f"\n5,000 full articles in {dt:.3f} s ({dt / 5000 * 1e6:.0f} µs each)")

    # Self-checks.
    rng = random.Random(7)
    titles = [title(rng, places[i % len(places)]) for i in range(5000)]
    print("distinct titles of 5,000:", len(set(titles)))
    for t in titles:
        assert 8 <= len(t.split()) <= 25, t
    for i in range(2000):
        pl = places[i % len(places)]
        assert 30 <= len(lead(rng, pl).split()) <= 70
        assert 6 <= len(caption(rng, pl).split()) <= 20
        for para in paragraphs(rng, pl, 3):
            assert 40 <= len(para.split()) <= 130, para
    for i in range(2000):
        t = title(rng, places[i % len(places)])
        assert edit_title(rng, t) != t
        para = paragraphs(rng, places[i % len(places)], 1)[0]
        e = edit_paragraph(rng, para)
        assert e != para
        texts.append([e, edit_title(rng, t), edit_paragraph(rng, "")])
    bad = [
        s
        for art in texts
        for s in art
        if not unicodedata.is_normalized("NFC", s) or "<" in s or ">" in s or "&" in s
    ]
    assert not bad, bad[:3]
    a = random.Random(5)
    b = random.Random(5)
    assert article(a, "xã Mường Đun") == article(b, "xã Mường Đun")
    print("checks passed: word counts, edits always change input, NFC, no '<>&', deterministic")
