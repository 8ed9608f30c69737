"""Sources configuration: which portals to crawl, how, and how politely.

A sources file is TOML::

    [settings]
    user_agent = "portalwatch/0.1 (+mailto:you@example.org)"

    [[sources]]
    id = "tuachua"
    name = "Cổng TTĐT huyện Tủa Chùa"
    level = "district"
    profile = "district_portal"
    base_url = "https://tuachua.dienbien.gov.vn"
    sections = [{ name = "tin-tuc", listing_url = "https://tuachua.dienbien.gov.vn/tin-tuc?page={page}" }]

It is validated on load; an error names the file, the source and the field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from portalwatch.errors import ConfigError

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """How hard one portal may be hit. Defaults suit slow government servers."""

    concurrency: int = Field(2, ge=1, le=32, description="Maximum simultaneous connections to the portal.")
    delay_seconds: float = Field(0.5, ge=0, le=120, description="Minimum time between two request starts.")
    timeout_seconds: float = Field(30.0, gt=0, le=600, description="Connect/read timeout of one request.")
    retries: int = Field(3, ge=1, le=10, description="Attempts per request for transient failures.")


class Schedule(_Strict):
    """When scheduled ingest runs start: a cron expression or an interval, in a time zone."""

    cron: str | None = Field(None, description="Cron expression, e.g. '0 * * * *' (hourly).")
    interval_seconds: int | None = Field(None, ge=10, description="Or: a run every this many seconds.")
    timezone: str = Field("Asia/Ho_Chi_Minh", description="IANA time zone the cron expression is read in.")
    revisit: Literal["none", "all"] = Field("none", description="Known articles a scheduled run re-checks.")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                CronSim(value, datetime(2025, 1, 1))
            except CronSimError as exc:
                raise ValueError(f"not a cron expression: {exc}") from None
        return value

    @field_validator("timezone")
    @classmethod
    def _valid_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _one_trigger(self) -> "Schedule":
        if (self.cron is None) == (self.interval_seconds is None):
            raise ValueError("give exactly one of 'cron' or 'interval_seconds'")
        return self


# Each portal's own cadence: the provincial portal hourly, districts every few
# hours, communes daily. A sources file may redefine or add schedules.
DEFAULT_SCHEDULES = {
    "hourly": Schedule(cron="5 * * * *"),
    "every-6-hours": Schedule(cron="20 */6 * * *"),
    "daily": Schedule(cron="40 5 * * *"),
}
DEFAULT_SCHEDULE_FOR_LEVEL = {"province": "hourly", "district": "every-6-hours", "commune": "daily"}


class Section(_Strict):
    """One listing (a category of news, documents, ...) of a portal."""

    name: str = Field(min_length=1)
    listing_url: str = Field(description="URL of a listing page with a {page} or {offset} placeholder.")
    kind: Literal["articles", "documents"] = Field(
        "articles", description="What the listing lists: news articles, or official documents (văn bản)."
    )

    @field_validator("listing_url")
    @classmethod
    def _has_placeholder(cls, value: str) -> str:
        if "{page}" not in value and "{offset}" not in value:
            raise ValueError("must contain a {page} or {offset} placeholder")
        if urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an absolute http(s) URL")
        return value


class Source(_Strict):
    """A portal: where it is, which CMS profile parses it, how to crawl it."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    level: Literal["province", "district", "commune"]
    profile: str = Field(min_length=1, description="Name of the CMS profile under config/profiles.")
    base_url: str
    sections: list[Section] = Field(min_length=1)
    page_size: int = Field(10, ge=1, le=200, description="Entries per listing page (for {offset} URLs).")
    max_listing_pages: int = Field(10_000, ge=1, description="Hard cap on listing pages walked per section.")
    known_stop: int = Field(
        10, ge=1, description="An incremental run stops walking a listing after this many known entries in a row."
    )
    politeness: Politeness | None = None
    schedule: str | None = Field(None, description="Name of its schedule [default: by level].")
    verify_tls: bool = True
    enabled: bool = True

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def hosts(self) -> frozenset[str]:
        """Network locations that belong to this portal (redirects stay within them)."""
        found = {urlsplit(self.base_url).netloc}
        found.update(urlsplit(section.listing_url).netloc for section in self.sections)
        return frozenset(found)


class Settings(_Strict):
    user_agent: str = Field(
        "portalwatch/0.1 (+https://github.com/portalwatch/portalwatch)",
        min_length=3,
        description="Identifying User-Agent; put a contact address in it.",
    )
    politeness: Politeness = Politeness()
    profile_dirs: list[str] = Field(
        default_factory=list,
        description="Folders of extra CMS profiles (relative to the sources file); they win over bundled ones.",
    )


class SourcesConfig(_Strict):
    settings: Settings = Settings()
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> "SourcesConfig":
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id '{source.id}'")
            seen.add(source.id)
        return self

    @model_validator(mode="after")
    def _known_schedules(self) -> "SourcesConfig":
        for index, source in enumerate(self.sources):
            if source.schedule and source.schedule not in self.all_schedules:
                raise ValueError(
                    f"sources[{index}] ('{source.id}'): unknown schedule '{source.schedule}' "
                    f"(known: {', '.join(sorted(self.all_schedules))})"
                )
        return self

    @property
    def all_schedules(self) -> dict[str, Schedule]:
        return DEFAULT_SCHEDULES | self.schedules

    def schedule_of(self, source: Source) -> str:
        return source.schedule or DEFAULT_SCHEDULE_FOR_LEVEL[source.level]

    def politeness_for(self, source: Source) -> Politeness:
        return source.politeness or self.settings.politeness

    def select(self, ids: list[str] | None) -> list[Source]:
        """The enabled sources, or exactly the named ones (an unknown id is an error)."""
        if not ids:
            return [source for source in self.sources if source.enabled]
        by_id = {source.id: source for source in self.sources}
        unknown = [source_id for source_id in ids if source_id not in by_id]
        if unknown:
            raise ConfigError("sources", f"unknown source id(s) {unknown}; known: {sorted(by_id)}")
        return [by_id[source_id] for source_id in ids]


def config_dir() -> Path:
    """The bundled configuration folder (sources and CMS profiles)."""
    packaged = Path(__file__).parent / "_config"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "config"


def default_sources_path() -> Path:
    return config_dir() / "sources.toml"


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; every CMS profile it names must exist."""
    from portalwatch.parse.profile import available_profiles

    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, f"cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, f"not valid TOML: {exc}") from None
    settings = raw.get("settings")
    if isinstance(settings, dict) and isinstance(settings.get("profile_dirs"), list):
        settings["profile_dirs"] = [str((path.parent / str(folder)).resolve()) for folder in settings["profile_dirs"]]
    try:
        config = SourcesConfig.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(path, raw, exc) from None
    for folder in config.settings.profile_dirs:
        if not Path(folder).is_dir():
            raise ConfigError(path, f"profile folder {folder} does not exist", field="settings.profile_dirs")
    profiles = available_profiles(config.settings.profile_dirs)
    for source in config.sources:
        if source.profile not in profiles:
            raise ConfigError(
                path,
                f"unknown profile '{source.profile}' (known: {', '.join(sorted(profiles))})",
                source=source.id,
                field="profile",
            )
        if any(section.kind == "documents" for section in source.sections) and profiles[source.profile].documents is None:
            raise ConfigError(
                path, f"profile '{source.profile}' has no [documents] rules for a documents section",
                source=source.id, field="sections",
            )  # fmt: skip
    return config


def _config_error(path: Path, raw: dict, exc: ValidationError) -> ConfigError:
    """Turn pydantic's first complaint into one line naming file, source and field."""
    error = exc.errors()[0]
    loc = list(error["loc"])
    source = None
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        entries = raw.get("sources") or []
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        source = str(entry.get("id") or f"#{loc[1] + 1}") if isinstance(entry, dict) else f"#{loc[1] + 1}"
        loc = loc[2:]
    field = ".".join(str(part) for part in loc) or None
    message = error["msg"]
    if error.get("type") == "extra_forbidden":
        message = "unknown field (check its spelling)"
    elif "input" in error and not isinstance(error["input"], dict | list):
        message += f" (got {error['input']!r})"
    return ConfigError(path, message, source=source, field=field)

