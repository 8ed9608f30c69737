"""CMS profiles: the selectors and patterns that parse one family of portals.

A profile is a TOML file under ``config/profiles/`` (or under a folder a
sources file names in ``settings.profile_dirs``); a portal's quirks live
there, not in Python. ``version`` is bumped whenever a rule changes, and is
stored beside every version row so that a parser change is never mistaken for
an edit on the portal.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from portalwatch.bundled import config_dir
from portalwatch.errors import ConfigError
from portalwatch.parse.version import PARSER_VERSION

# Bylines as Vietnamese newsrooms write them, tried in order; a profile may
# replace the list. Groups: author, photographer, attribution (the credited
# organization or source), credit (author and photographer both).
DEFAULT_BYLINE_PATTERNS = (
    r"^(?:Tin|Bài)\s*(?:,|và|\+)\s*ảnh\s*:\s*(?P<credit>.+)$",
    r"^(?:Tin|Bài)\s*:\s*(?P<author>[^;,]+?)\s*[;,\-–]?\s*Ảnh\s*:\s*(?P<photographer>.+)$",
    r"^(?:Tin|Bài)\s*:\s*(?P<author>.+)$",
    r"^Ảnh\s*:\s*(?P<photographer>.+)$",
    r"^(?:Theo|Nguồn)\s*:?\s*(?P<attribution>(?:Báo|Đài|Cổng|Trang|Tạp chí|Ban|Sở|Bộ|UBND|Ủy ban|Trung tâm|TTXVN|VTV|VOV|Văn phòng|Thông tấn)\b.*)$",
    r"^(?:Theo|Nguồn)\s*:?\s*(?P<author>.+)$",
    r"^(?P<author>[^,\-–(]+?)\s*(?:[,\-–]\s*|\()(?P<attribution>.+?)\)?$",
    r"^(?P<author>\w+(?:\s+\w+){0,5})$",
)

# What portals write on the pages they send with status 200 instead of the page
# asked for, in Vietnamese and English. Matched against the page title, its
# headings and its short blocks of text, only once a page failed to read as what
# it should be: an article that mentions maintenance is still an article.
DEFAULT_NOT_FOUND_TEXT = (
    r"(?i)không tìm thấy",
    r"(?i)không tồn tại",
    r"(?i)đã bị (?:xóa|xoá|gỡ)",
    r"(?i)page not found",
    r"(?i)(?:could|can) ?not be found",
    r"(?i)\bnot found\b",
    r"(?i)\b404\b",
    r"(?i)no longer available",
)
DEFAULT_MAINTENANCE_TEXT = (
    r"(?i)bảo trì",
    r"(?i)nâng cấp",
    r"(?i)maintenance",
    r"(?i)service (?:temporarily )?unavailable",
    r"(?i)tạm (?:dừng|ngừng) (?:hoạt động|truy cập|phục vụ)",
    r"(?i)be back soon",
)
DEFAULT_ERROR_TEXT = (
    r"(?i)server error",
    r"(?i)runtime error",
    r"(?i)an error (?:has )?occurred",
    r"(?i)(?:có|xảy ra) lỗi",
    r"(?i)^\s*lỗi\b",
    r"(?i)^\s*error\b",
    r"(?i)bad request",
    r"(?i)access denied",
)
# Where a portal's error redirects land (ASP.NET customErrors, CMS error routes).
DEFAULT_ERROR_REDIRECTS = (
    r"(?i)/error\.aspx",
    r"(?i)[?&]aspxerrorpath=",
    r"(?i)/(?:error|errors|loi|404|not-?found|page-?not-?found|bao-?tri|maintenance)(?:\.\w+)?/?(?:$|\?)",
)
# What a listing page says past the end of its list (or in an empty section).
DEFAULT_END_OF_LIST_TEXT = (
    r"(?i)(?:không|chưa) có (?:bài viết|tin|tin bài|dữ liệu|văn bản|nội dung)",
    r"(?i)no (?:items|articles|results|entries)",
)

DEFAULT_ATTACHMENT_EXTENSIONS = (
    "pdf",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "odt",
    "ods",
    "zip",
    "rar",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _compiles(value: str | None) -> str | None:
    if value is not None:
        re.compile(value)
    return value


def _all_compile(patterns: list[str]) -> list[str]:
    for pattern in patterns:
        re.compile(pattern)
    return patterns


def _value_group(value: str | None) -> str | None:
    if value is not None and "value" not in re.compile(value).groupindex:
        raise ValueError(f"pattern {value!r} needs a named group 'value'")
    return value


class ListingRules(_Strict):
    article_links: str = Field(description="CSS selector of the links to the pages listed.")
    pager: str = Field(description="CSS selector of the element carrying the pager text.")
    total_pattern: str | None = Field(None, description="Regex with a 'total' group: number of entries.")
    pages_pattern: str | None = Field(None, description="Regex with a 'pages' group: number of pages.")
    end_of_list_text: list[str] = Field(
        default_factory=lambda: list(DEFAULT_END_OF_LIST_TEXT),
        description="Regexes: what a page with no entries says when it is past the end of the list.",
    )

    @field_validator("total_pattern", "pages_pattern")
    @classmethod
    def _patterns_compile(cls, value: str | None) -> str | None:
        return _compiles(value)

    @field_validator("end_of_list_text")
    @classmethod
    def _all_compile(cls, value: list[str]) -> list[str]:
        return _all_compile(value)


class PageRules(_Strict):
    """How to tell a page that answered 200 from the page asked for (every kind of page)."""

    not_found_text: list[str] = Field(
        default_factory=lambda: list(DEFAULT_NOT_FOUND_TEXT),
        description="Regexes: the wording of a 'not found' page sent with status 200.",
    )
    maintenance_text: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MAINTENANCE_TEXT),
        description="Regexes: the wording of a maintenance notice.",
    )
    error_text: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ERROR_TEXT), description="Regexes: the wording of an error page."
    )
    error_redirects: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ERROR_REDIRECTS),
        description="Regexes on the URL a redirect led to: an error page, not the page.",
    )
    require_html_end: bool = Field(True, description="A page without its closing </html> was cut short.")
    min_text_chars: int = Field(
        1, ge=0, description="A page with less text than this (chrome included) is empty."
    )

    @field_validator("not_found_text", "maintenance_text", "error_text", "error_redirects")
    @classmethod
    def _all_compile(cls, value: list[str]) -> list[str]:
        return _all_compile(value)


class ArticleRules(_Strict):
    root: str = Field(description="CSS selector of the part of the page holding the article.")
    title: str
    posted: str = Field(description="CSS selector of the element with the posting line.")
    published_pattern: list[str] = Field(
        min_length=1, description="Regexes with a 'value' group: the posting time text (first match wins)."
    )
    date_formats: list[str] = Field(
        min_length=1,
        description="strptime formats of that text (local time); 'auto' reads any common Vietnamese form.",
    )
    updated: str | None = Field(
        None, description="CSS selector of the update line (default: the posting line)."
    )
    updated_pattern: list[str] = Field(
        default_factory=list, description="Regexes with a 'value' group: update time."
    )
    view_count_pattern: str | None = Field(
        None, description="Regex with a 'value' group on the posting line."
    )
    view_count: str | None = Field(None, description="CSS selector of a separate view-counter element.")
    lead: str | None = None
    body: str
    byline: str | None = Field(None, description="CSS selector; the last match is the byline.")
    figure: str | None = Field(None, description="Image containers whose own text is the caption.")
    caption: str | None = Field(None, description="Caption elements that follow their image.")
    breadcrumb: str | None = Field(None, description="CSS selector of the breadcrumb entries, in order.")
    attachments: str | None = Field(None, description="CSS selector of file links outside the body.")
    attachment_extensions: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTACHMENT_EXTENSIONS))
    drop: list[str] = Field(default_factory=list, description="Chrome inside the body to remove.")
    chrome_text: list[str] = Field(
        default_factory=list, description="Regexes: body paragraphs that match are chrome and are dropped."
    )
    byline_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_BYLINE_PATTERNS))
    min_body_chars: int = Field(
        200, ge=0, description="A shorter body without images is a failed extraction."
    )

    @field_validator("published_pattern", "updated_pattern", mode="before")
    @classmethod
    def _as_list(cls, value: str | list[str]) -> list[str]:
        return [value] if isinstance(value, str) else value

    @field_validator("published_pattern", "updated_pattern")
    @classmethod
    def _have_value_group(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _value_group(pattern)
        return value

    @field_validator("view_count_pattern")
    @classmethod
    def _has_value_group(cls, value: str | None) -> str | None:
        return _value_group(value)

    @field_validator("chrome_text", "byline_patterns")
    @classmethod
    def _all_compile(cls, value: list[str]) -> list[str]:
        return _all_compile(value)


class DocumentRules(_Strict):
    """Official documents: their listing and the part of a detail page holding the text."""

    listing: ListingRules
    root: str | None = Field(
        None,
        description="CSS selector of the document text on its page; none: found by the document's layout.",
    )
    title: str | None = Field(None, description="CSS selector of the page's own title of the document.")
    attachments: str = Field("a[href]", description="CSS selector of links to the document's files.")
    drop: list[str] = Field(default_factory=list)
    attachment_extensions: list[str] = Field(default_factory=lambda: list(DEFAULT_ATTACHMENT_EXTENSIONS))
    min_text_chars: int = Field(80, ge=0)


class Profile(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    description: str = ""
    fallback: Literal["never", "on_failure", "always"] = Field(
        "on_failure",
        description="When the generic extractor runs: never, when these rules find no article, or always.",
    )
    listing: ListingRules
    pages: PageRules = Field(default_factory=PageRules)
    article: ArticleRules | None = None
    documents: DocumentRules | None = None

    @model_validator(mode="after")
    def _rules_or_fallback(self) -> Profile:
        if self.article is None and self.fallback != "always":
            raise ValueError('a profile without [article] rules needs fallback = "always"')
        return self

    @property
    def parser_version(self) -> str:
        """What is stored beside every version: profile name and rule version."""
        return f"{self.name}/{self.version}+{PARSER_VERSION}"


def profiles_dir() -> Path:
    """The bundled profiles."""
    return config_dir() / "profiles"


def load_profile_file(path: Path) -> Profile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(path, f"cannot read profile: {exc}") from None
    try:
        profile = Profile.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"])
        raise ConfigError(path, error["msg"], field=field) from None
    if profile.name != path.stem:
        raise ConfigError(path, f"profile name '{profile.name}' differs from the file name", field="name")
    return profile


@lru_cache(maxsize=16)
def _profiles_in(folders: tuple[Path, ...]) -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for folder in folders:
        for path in sorted(folder.glob("*.toml")):
            found[path.stem] = load_profile_file(path)
    return found


def available_profiles(extra_dirs: Iterable[str | Path] = ()) -> dict[str, Profile]:
    """Every bundled profile, plus those in `extra_dirs` (which win on a name clash), by name.

    Loaded and validated once per process and set of folders.
    """
    return _profiles_in((profiles_dir(), *(Path(folder) for folder in extra_dirs)))


def get_profile(name: str, extra_dirs: Iterable[str | Path] = ()) -> Profile:
    profiles = available_profiles(extra_dirs)
    try:
        return profiles[name]
    except KeyError:
        raise ConfigError(
            profiles_dir(), f"no profile named '{name}' (known: {', '.join(sorted(profiles))})"
        ) from None
