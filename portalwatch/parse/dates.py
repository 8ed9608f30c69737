"""Posting times as Vietnamese portals write them, read into local datetimes.

A portal writes ``14/03/2024 | 16:05``, ``Thứ Ba, 12/11/2024, 07:58 [GMT+7]``,
``22/12/2023 2:35:10 CH``, ``03 Tháng Sáu, 2024``, ``ngày 15 tháng 3 năm 2024``
or an ISO 8601 stamp in its metadata. One regex finds where a date sits in a
line (its shape: day-month-year with an optional time on either side); the
text found is normalised (weekday prefixes, month names, separators between
date and time) and read by dateparser in day-month-year order. Times without
an offset are local (Asia/Ho_Chi_Minh); times with one are converted to it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from portalwatch.parse.text import clean_line

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

_MONTH_NAMES = {
    "một": 1,
    "giêng": 1,
    "hai": 2,
    "ba": 3,
    "tư": 4,
    "bốn": 4,
    "năm": 5,
    "sáu": 6,
    "bảy": 7,
    "bẩy": 7,
    "tám": 8,
    "chín": 9,
    "mười": 10,
    "mười một": 11,
    "mười hai": 12,
    "chạp": 12,
}
_MONTH_WORD = "|".join(sorted(_MONTH_NAMES, key=len, reverse=True))
# 08:30, 8h30, 8g30, 08 giờ 30 phút, 14h25' (the minutes' mark), with seconds and a meridiem.
_TIME = (
    r"\d{1,2}(?:\s*(?::|h|giờ)\s*|g)\d{2}(?:\s*(?:phút|['′]))?(?:\s*:\s*\d{2})?"
    r"(?:\s*(?:SA|CH|AM|PM|sáng|chiều|tối)\b)?"
)
_ZONE = r"(?:\s*[\[(]?\s*(?:GMT|UTC)\s*[+-]\s*\d{1,2}(?::?\d{2})?\s*[\])]?)"
_DAY_MONTH_YEAR = (
    r"(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\s*,?\s+năm\s+\d{4}"
    rf"|\d{{1,2}}\s+(?:tháng|thg)\s+(?:\d{{1,2}}|{_MONTH_WORD})\s*[,/]?\s*(?:năm\s+)?\d{{4}}"
    r"|\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}"
    rf"|(?:tháng|thg)\s+(?:\d{{1,2}}|{_MONTH_WORD})\s+\d{{1,2}}\s*,\s*\d{{4}}"  # month first: Tháng Sáu 3, 2024
    r"|\d{4}\s*[/.]\s*\d{1,2}\s*[/.]\s*\d{1,2}(?!\d)"  # year first: 2026/12/01
)
# The years a page of a portal can give as a date.
_YEARS = (1900, 2199)
_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})[/.](?P<month>\d{1,2})[/.](?P<day>\d{1,2})$")
_BETWEEN = r"\s*(?:[,|\-–]\s*)?(?:\blúc\b|\bngày\b)?\s*[\[(]?\s*"
DATE_SHAPE = re.compile(
    r"(?P<iso>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|\s?[+-]\d{2}:?\d{2})?)?)"
    rf"|(?:(?P<before>{_TIME}){_BETWEEN})?(?P<date>{_DAY_MONTH_YEAR})(?:{_BETWEEN}(?P<after>{_TIME})\s*[\])]?)?(?P<zone>{_ZONE})?",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(
    r"(?i)(?:Thứ\s+(?:hai|ba|tư|năm|sáu|bảy|bẩy|[2-7])|Chủ\s+nhật|\bCN|\bT[2-7](?!\d))\s*[,\-–]?\s*"
)
_MONTH_FIRST = re.compile(
    r"(?i)^(?:tháng|thg)\s+(?P<month>\d{1,2})\s+(?P<day>\d{1,2})\s*,\s*(?P<year>\d{4})$"
)
_MONTH_NAME = re.compile(rf"(?i)\b(tháng|thg)\s+({_MONTH_WORD})\b")
# The text reaching dateparser is already a normalised absolute date: its relative-time and
# timestamp parsers would only cost time (and read "3 ngày" as a date).
_PARSER = DateDataParser(
    languages=["vi"],
    settings={
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month", "year"],
        "TIMEZONE": "Asia/Ho_Chi_Minh",
        "TO_TIMEZONE": "Asia/Ho_Chi_Minh",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PARSERS": ["absolute-time"],
    },
)


@dataclass(frozen=True, slots=True)
class FoundDate:
    """A time read from a text: the value, the text it came from, and whether the text gave a time of day."""

    value: datetime
    text: str
    has_time: bool


def has_weekday(text: str) -> bool:
    """Whether `text` names a day of the week ('Thứ Sáu', 'Chủ nhật', 'T6', 'CN')."""
    return _WEEKDAY.search(unicodedata.normalize("NFC", text)) is not None


def find_dates(text: str) -> list[FoundDate]:
    """Every date-shaped stretch of `text` that reads as a real date, in order."""
    text = _WEEKDAY.sub(" ", unicodedata.normalize("NFC", text))
    found = []
    for match in DATE_SHAPE.finditer(text):
        if (date := _read(match)) is not None:
            found.append(date)
    return found


def first_date(text: str) -> FoundDate | None:
    """The first date-shaped stretch of `text` that reads as a date, or None."""
    return next(iter(find_dates(text)), None)


def parse_date(text: str) -> FoundDate | None:
    """`text` read as one date, when the whole of it (weekday and labels aside) is date-shaped."""
    found = first_date(text)
    return (
        found
        if found is not None and len(found.text) >= 0.6 * len(_WEEKDAY.sub("", clean_line(text)))
        else None
    )


def _read(match: re.Match) -> FoundDate | None:
    raw = clean_line(match.group(0))
    if match.group("iso"):
        normal, has_time = raw, "T" in raw or ":" in raw
    else:
        date = _MONTH_NAME.sub(lambda m: f"tháng {_MONTH_NAMES[m.group(2).lower()]}", match.group("date"))
        if month_first := _MONTH_FIRST.match(date):
            date = "{day}/{month}/{year}".format(**month_first.groupdict())
        date = re.sub(r"(?i)^ngày\s+", "", re.sub(r"\s*([/.-])\s*", r"\1", date))
        if year_first := _YEAR_FIRST.match(date):
            date = "{day}/{month}/{year}".format(**year_first.groupdict())
        clock = match.group("before") or match.group("after") or ""
        clock = re.sub(r"(?i)(?<=\d)\s*(?:h|giờ)\s*(?=\d)|(?<=\d)g(?=\d)", ":", clock, count=1)
        clock = re.sub(r"(?i)\s*(?:phút|['′])", "", clock)
        clock = re.sub(r"(?i)\bsáng\b", "SA", re.sub(r"(?i)\b(?:chiều|tối)\b", "CH", clock))
        zone = re.sub(r"[\[\]()\s]", "", match.group("zone") or "").replace("GMT", "UTC")
        normal, has_time = clean_line(f"{date} {clock} {zone}"), bool(clock)
    value = _absolute(normal)
    year = re.search(r"\d{4}", match.group("date") or raw)
    if value is None or year is None or value.year != int(year.group(0)):
        return None  # dateparser filled in what the text does not say
    if not _YEARS[0] <= value.year <= _YEARS[1]:
        return None  # a number that only looks like a date ('Số 2026/12/01234' holds '26/12/0123')
    return FoundDate(value.astimezone(LOCAL_TZ), raw, has_time)


@lru_cache(maxsize=4096)
def _absolute(normal: str) -> datetime | None:
    """dateparser's reading of a normalised date (pages repeat the same dates, so they are read once)."""
    parsed = _PARSER.get_date_data(normal)
    return parsed.date_obj if parsed else None


def local_datetime(value: str, formats: list[str] | tuple[str, ...]) -> tuple[datetime, str] | None:
    """The first strptime format that reads `value` (local time), and that format; None if none does.

    Vietnamese-locale meridiems (SA, CH) read as AM and PM. The format ``auto``
    reads any form :func:`parse_date` knows.
    """
    value = re.sub(r"\bCH$", "PM", re.sub(r"\bSA$", "AM", clean_line(value)))
    for date_format in formats:
        if date_format == "auto":
            if (found := parse_date(value)) is not None:
                return found.value, date_format
            continue
        try:
            return datetime.strptime(value, date_format).replace(tzinfo=LOCAL_TZ), date_format
        except ValueError:
            continue
    return None
