"""Field rules shared by the profile extractor and the generic one: dates and bylines.

Dates themselves are read in :mod:`portalwatch.parse.dates`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from portalwatch.parse.dates import LOCAL_TZ, local_datetime
from portalwatch.parse.text import clean_line


def find_datetime(text: str, patterns: list[str], formats: list[str]) -> tuple[datetime, str] | None:
    """The time the first matching pattern captures, with a description of the rule that read it."""
    for index, pattern in enumerate(patterns):
        for match in re.finditer(pattern, text):
            parsed = local_datetime(match.group("value"), formats)
            if parsed:
                return parsed[0], f"pattern #{index + 1}, format {parsed[1]!r}"
    return None


@dataclass(frozen=True, slots=True)
class Credits:
    author: str = ""
    photographer: str = ""
    attribution: str = ""
    rule: str = ""


def split_byline(byline: str, patterns: list[str] | tuple[str, ...]) -> Credits:
    """Author, photographer and credited organization of a byline, by the first pattern that matches."""
    byline = clean_line(byline).rstrip(".")
    if not byline:
        return Credits()
    for index, pattern in enumerate(patterns):
        match = re.match(pattern, byline)
        if not match:
            continue
        groups = {name: clean_line(value or "") for name, value in match.groupdict().items()}
        credit = groups.get("credit", "")
        return Credits(
            author=groups.get("author", "") or credit,
            photographer=groups.get("photographer", "") or credit,
            attribution=groups.get("attribution", ""),
            rule=f"byline pattern #{index + 1}",
        )
    return Credits(rule="no byline pattern matched")
