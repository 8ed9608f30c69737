"""Date-shaped and counter-shaped text, and the profile rules that read it again.

What the profile learner needs from a posting line it has found on an
example page: the value (``24/06/2021 03:43:03 PM``), the strptime format that
reads it (``%d/%m/%Y %I:%M:%S %p``), a regex that finds values of the same
shape on other pages, and the label before it (``Thời gian đăng:``). Formats
are derived from where the day, month, year, hour, minute and second sit in
the value, so any order and separator a template uses is kept as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from portalwatch.parse.text import clean_line

_TIME = r"(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?(?:\s*(?P<p>[AaPp]\.?[Mm]\.?))?"
_TIME_AFTER = rf"(?:(?:\s*[|,\-–]\s*|\s+lúc\s+|\s+|\s*\(\s*){_TIME}\)?)?"
_SHAPES = tuple(
    re.compile(shape, re.IGNORECASE)
    for shape in (
        rf"{_TIME}(?:\s*[|,\-–]\s*|\s+ngày\s+|\s+)(?P<d>\d{{1,2}})[/.\-](?P<m>\d{{1,2}})[/.\-](?P<y>\d{{4}})\b",
        rf"\b(?P<d>\d{{1,2}})[/.\-](?P<m>\d{{1,2}})[/.\-](?P<y>\d{{4}})\b{_TIME_AFTER}",
        r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?",
        rf"ngày\s+(?P<d>\d{{1,2}})\s+tháng\s+(?P<m>\d{{1,2}})\s+năm\s+(?P<y>\d{{4}}){_TIME_AFTER}",
        rf"\b(?P<d>\d{{1,2}})\s+tháng\s+(?P<m>\d{{1,2}}),?\s+(?:năm\s+)?(?P<y>\d{{4}}){_TIME_AFTER}",
    )
)
_DIRECTIVES = {"d": "%d", "m": "%m", "y": "%Y", "H": "%H", "M": "%M", "S": "%S", "p": "%p"}
_VALUE_RES = {
    "d": r"\d{1,2}",
    "m": r"\d{1,2}",
    "y": r"\d{4}",
    "H": r"\d{1,2}",
    "M": r"\d{2}",
    "S": r"\d{2}",
    "p": r"[AaPp][Mm]",
}
WEEKDAY = r"(?:(?:Thứ\s+\w+|Chủ\s+nhật|T[2-7]|CN)\s*,?\s*)"
_WEEKDAY_END = re.compile(rf"{WEEKDAY}$", re.IGNORECASE)
_POSTING_LABEL = re.compile(r"đăng|xuất bản|ngày tạo|posted|published|created|ngày\s*:$", re.IGNORECASE)
_UPDATE_LABEL = re.compile(r"cập nhật|sửa|modified|updated|chỉnh", re.IGNORECASE)
_COUNTER_LABEL = (
    r"(?P<label>Số\s+lượt\s+xem|Lượt\s+xem|Lượt\s+đọc|Số\s+lần\s+xem|Lượt\s+truy\s+cập|Lượt\s+nghe|"
    r"Đã\s+xem|Hits|Views?)"
)
# "Lượt xem: 1.234" and "1.234 lượt xem".
_COUNTERS = (
    re.compile(_COUNTER_LABEL + r"\s*:?\s*(?P<value>\d[\d.,]*)", re.IGNORECASE),
    re.compile(r"(?<![\d/:.,])(?P<value>\d[\d.,]*)\s*" + _COUNTER_LABEL, re.IGNORECASE),
)
# Vietnamese-locale 12-hour times ("2:35:10 CH"): strptime has no directive for SA/CH.
VIETNAMESE_AMPM = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?\s*(?:SA|CH)\b")


@dataclass(frozen=True, slots=True)
class DateShape:
    value: str  # the matched text, as on the page
    date_format: str  # strptime format of `value`
    value_re: str  # a regex for values of the same shape
    label: str  # the words before it ('' if none), without a weekday
    weekday: bool  # a weekday sits between the label and the value
    when: datetime  # naive local time
    has_time: bool
    label_re: str = (
        ""  # a regex for the label, when the label is no plain words (JSON-LD's '"datePublished": "')
    )

    @property
    def kind(self) -> str:
        """posted, updated or other, by the label."""
        if _UPDATE_LABEL.search(self.label):
            return "updated"
        return "posted" if _POSTING_LABEL.search(self.label) else "other"


@lru_cache(maxsize=4096)
def date_shapes(text: str) -> tuple[DateShape, ...]:
    """Every date (with its time when there is one) in a line of text, in order, without overlaps."""
    text = clean_line(text)
    found: list[tuple[int, int, re.Match]] = []
    for shape in _SHAPES:
        for match in shape.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end, _ in found):
                found.append((match.start(), match.end(), match))
    shapes = []
    for _, _, match in sorted(found, key=lambda item: item[0]):
        shape = _shape(text, match)
        if shape is not None:
            shapes.append(shape)
    return tuple(shapes)


def _shape(text: str, match: re.Match) -> DateShape | None:
    groups = sorted(
        (match.start(name), match.end(name), name) for name, value in match.groupdict().items() if value
    )
    start, end = groups[0][0], groups[-1][1]
    date_format, value_re, at = "", "", start
    twelve_hour = match.group("p") if "p" in match.groupdict() else None
    for group_start, group_end, name in groups:
        literal = text[at:group_start]
        date_format += re.sub(r"\s+", " ", literal).replace("%", "%%")
        value_re += "".join(
            r"\s*" if part.isspace() else re.escape(part) for part in re.split(r"(\s+)", literal) if part
        )
        date_format += "%I" if name == "H" and twelve_hour else _DIRECTIVES[name]
        value_re += _VALUE_RES[name]
        at = group_end
    value = text[start:end]
    if twelve_hour and "." in twelve_hour:
        return None  # "p.m." has no strptime form
    try:
        when = datetime.strptime(value, date_format)
    except ValueError:
        return None
    prefix = _WEEKDAY_END.sub("", text[:start].rstrip())
    weekday = len(prefix) != len(text[:start].rstrip())
    return DateShape(
        value, date_format, value_re, _label(prefix), weekday, when, "H" in {g[2] for g in groups}
    )


def _label(prefix: str) -> str:
    """The words just before a value: after the last separator and the last number, at most four words."""
    segment = re.split(r"[|•·–—\[\](){}]|\s-\s", prefix)[-1].strip(" ,-")
    words = []
    for word in reversed(segment.split()):
        if re.search(r"\d", word) or len(words) == 4:
            break
        words.insert(0, word)
    return " ".join(words)


def _label_re(label: str) -> str:
    return r"\s+".join(re.escape(word) for word in label.split())


def date_patterns(shapes: list[DateShape]) -> tuple[list[str], list[str]]:
    """Profile rules for the posting lines seen: patterns with a 'value' group, and strptime formats.

    One pattern per label and shape, the commonest first.
    """
    patterns: dict[str, int] = {}
    formats: dict[str, int] = {}
    weekday = WEEKDAY + "?" if any(shape.weekday for shape in shapes) else ""
    shared = len({shape.label for shape in shapes}) == 1
    for shape in shapes:
        # A label that is neither a posting nor an update label, and differs between pages, is content.
        label = _label_re(shape.label) + r"\s*" if shape.label and (shared or shape.kind != "other") else ""
        label = shape.label_re or label
        pattern = f"{label}{weekday}(?P<value>{shape.value_re})"
        patterns[pattern] = patterns.get(pattern, 0) + 1
        formats[shape.date_format] = formats.get(shape.date_format, 0) + 1
    return sorted(patterns, key=lambda p: -patterns[p]), sorted(formats, key=lambda f: -formats[f])


def json_ld_date(key: str, shape: DateShape) -> DateShape:
    """A date read from a JSON-LD property: its rule finds the property, and the value in its quotes."""
    label = "published" if key == "datePublished" else "modified"
    return replace(shape, label=label, weekday=False, label_re=rf'"{key}"\s*:\s*"')


def counter_values(text: str) -> list[tuple[str, int, bool]]:
    """(label, count, whether the label comes first) of every view counter in a line of text."""
    found = []
    for label_first, counter in zip((True, False), _COUNTERS, strict=False):
        for match in counter.finditer(clean_line(text)):
            digits = re.sub(r"\D", "", match.group("value"))
            if digits:
                found.append((" ".join(match.group("label").split()), int(digits), label_first))
    return found


def counter_pattern(labels: list[str], label_first: bool = True) -> str:
    """A view-count rule for the counter labels seen (a 'value' group)."""
    alternatives = "|".join(_label_re(label) for label in dict.fromkeys(labels))
    if label_first:
        return rf"(?:{alternatives})\s*:?\s*(?P<value>\d[\d.,]*)"
    return rf"(?P<value>\d[\d.,]*)\s*(?:{alternatives})"
