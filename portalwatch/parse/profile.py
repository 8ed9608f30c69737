"""CMS profiles: the selectors and patterns that parse one family of portals.

A profile is a TOML file under ``config/profiles/``; a portal's quirks live
there, not in Python. ``version`` is bumped whenever a rule changes, and is
stored beside every version row so that a parser change is never mistaken for
an edit on the portal.
"""

from __future__ import annotations

import os
import re
import tomllib
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from portalwatch.errors import ConfigError

# Bylines as Vietnamese newsrooms write them; a profile may replace the list.
DEFAULT_AUTHOR_PATTERNS = (
    r"^(?:Tin|Bài|Ảnh|Tin,\s*ảnh|Tin và ảnh|Bài,\s*ảnh|Bài và ảnh)\s*:\s*(?P<name>.+)$",
    r"^Theo\s+(?P<name>.+)$",
    r"^(?P<name>[^,\-–]+?)\s*[,\-–]\s*.+$",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ListingRules(_Strict):
    article_links: str = Field(description="CSS selector of the links to article pages.")
    pager: str = Field(description="CSS selector of the element carrying the pager text.")
    total_pattern: str | None = Field(None, description="Regex with a 'total' group: number of entries.")
    pages_pattern: str | None = Field(None, description="Regex with a 'pages' group: number of pages.")

    @field_validator("total_pattern", "pages_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value


class ArticleRules(_Strict):
    root: str = Field(description="CSS selector of the part of the page holding the article.")
    title: str
    posted: str = Field(description="CSS selector of the element with the posting line.")
    published_pattern: str = Field(description="Regex with a 'value' group: the posting time text.")
    date_formats: list[str] = Field(min_length=1, description="strptime formats of that text (local time).")
    view_count_pattern: str | None = Field(None, description="Regex with a 'value' group on the posting line.")
    view_count: str | None = Field(None, description="CSS selector of a separate view-counter element.")
    lead: str | None = None
    body: str
    byline: str | None = Field(None, description="CSS selector; the last match is the byline.")
    figure: str | None = Field(None, description="Image containers whose own text is the caption.")
    caption: str | None = Field(None, description="Caption elements that follow their image.")
    drop: list[str] = Field(default_factory=list, description="Chrome inside the body to remove.")
    author_patterns: list[str] = Field(default_factory=lambda: list(DEFAULT_AUTHOR_PATTERNS))
    min_body_chars: int = Field(200, ge=0, description="A shorter body is a failed extraction.")
    require_end_tag: bool = Field(True, description="A page without </html> at its end was cut short.")

    @field_validator("published_pattern", "view_count_pattern")
    @classmethod
    def _has_value_group(cls, value: str | None) -> str | None:
        if value is not None and "value" not in re.compile(value).groupindex:
            raise ValueError("needs a named group 'value'")
        return value


class Profile(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: int = Field(ge=1)
    description: str = ""
    listing: ListingRules
    article: ArticleRules

    @property
    def parser_version(self) -> str:
        """What is stored beside every version: profile name and rule version."""
        from portalwatch.parse import PARSER_VERSION

        return f"{self.name}/{self.version}+{PARSER_VERSION}"


def profiles_dir() -> Path:
    """$PORTALWATCH_PROFILES_DIR when set (your own or adapted profiles), else the bundled ones."""
    from portalwatch.config import config_dir

    return Path(os.environ.get("PORTALWATCH_PROFILES_DIR") or config_dir() / "profiles")


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


def available_profiles() -> dict[str, Profile]:
    """Every profile in the profiles folder, by name."""
    return _profiles_in(profiles_dir())


@lru_cache(maxsize=8)
def _profiles_in(folder: Path) -> dict[str, Profile]:
    """Loaded and validated once per folder and process."""
    return {path.stem: load_profile_file(path) for path in sorted(folder.glob("*.toml"))}


def get_profile(name: str) -> Profile:
    profiles = available_profiles()
    try:
        return profiles[name]
    except KeyError:
        raise ConfigError(profiles_dir(), f"no profile named '{name}' (known: {', '.join(sorted(profiles))})") from None
