"""Sources configuration: which portals to crawl, how, and how politely.

A sources file is TOML::

    [settings]
    user_agent = "portalwatch/0.1"
    contact = "mailto:you@example.org"   # sent in the User-Agent

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

import hashlib
import os
import re
import tomllib
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from portalwatch.bundled import config_dir
from portalwatch.errors import ConfigError
from portalwatch.parse.profile import available_profiles

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Politeness(_Strict):
    """How hard one portal may be hit, and how long to wait for it. Defaults suit slow government servers."""

    concurrency: int = Field(
        2, ge=1, le=32, description="Maximum simultaneous connections to each host of the portal."
    )
    delay_seconds: float = Field(
        0.5, ge=0, le=120, description="Minimum time between two request starts on a host."
    )
    max_crawl_delay_seconds: float = Field(
        60.0, ge=0, le=3600, description="A robots.txt Crawl-delay is honored up to this many seconds."
    )
    connect_timeout_seconds: float = Field(10.0, gt=0, le=600, description="Timeout to open a connection.")
    timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Read timeout: longest wait for the next bytes."
    )
    total_timeout_seconds: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Longest one request may take, headers and body, however slowly they trickle.",
    )
    retries: int = Field(3, ge=1, le=10, description="Attempts per request for transient failures.")
    backoff_seconds: float = Field(
        0.5, gt=0, le=60, description="First wait before a retry; doubles per attempt, with jitter."
    )
    backoff_max_seconds: float = Field(
        30.0, gt=0, le=600, description="Longest wait between two attempts (Retry-After aside)."
    )
    max_body_bytes: int = Field(
        10_000_000, ge=1024, description="Larger bodies are abandoned and recorded as too_large."
    )
    max_redirects: int = Field(
        5, ge=0, le=20, description="Redirects followed per fetch, all within the portal's hosts."
    )
    breaker_threshold: int = Field(
        6,
        ge=1,
        le=1000,
        description="Consecutive failed requests (network errors, timeouts, 5xx) that open a host's circuit.",
    )
    breaker_cooldown_seconds: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Wait after the circuit opens before one probe request tries the host again.",
    )
    outage_wait_seconds: float = Field(
        300.0,
        ge=0,
        le=86_400,
        description="How long a run waits for a host that is down before it skips the host's remaining pages.",
    )
    transport: Literal["aiohttp", "httpx"] = Field(
        default_factory=lambda: os.environ.get("PORTALWATCH_TRANSPORT", "aiohttp"),
        validate_default=True,
        description="HTTP connections under the httpx client: aiohttp's pool (less CPU per request) "
        "or httpx's own [default: $PORTALWATCH_TRANSPORT, else aiohttp].",
    )


class RevisitPolicy(_Strict):
    """When known articles are fetched again (``--revisit due``): an adaptive schedule.

    A new article's first interval is its age times `age_factor`, so young
    articles come back often and old ones rarely. After each check the
    interval shrinks by `decrease_rate` when the page changed and grows by
    `increase_rate` when it did not (as Nutch's adaptive fetch schedule does),
    within [min, max]. A run revisits at most `budget` due articles per portal,
    the ones whose last check failed first, then the longest overdue. A failed
    check leaves the interval as it was: the article is due at the next run, and
    after more failures in a row, after `min_interval_hours` doubling up to
    `retry_max_hours`.
    """

    min_interval_hours: float = Field(
        1.0, gt=0, description="Shortest interval between two checks of an article."
    )
    max_interval_days: float = Field(
        90.0, gt=0, description="Longest interval between two checks of an article."
    )
    age_factor: float = Field(
        0.05, gt=0, le=10, description="First interval as a share of the article's age."
    )
    increase_rate: float = Field(
        0.4, ge=0, le=10, description="Interval growth after a check that found no change."
    )
    decrease_rate: float = Field(
        0.2, ge=0, lt=1, description="Interval shrink after a check that found a change."
    )
    budget: int = Field(200, ge=0, description="Most due articles revisited per portal per run.")
    retry_max_hours: float = Field(
        24.0,
        gt=0,
        description="Longest wait before a failed check is tried again (the first is retried at the next run).",
    )

    @model_validator(mode="after")
    def _bounds(self) -> RevisitPolicy:
        if self.min_interval_hours > self.max_interval_days * 24:
            raise ValueError("min_interval_hours exceeds max_interval_days")
        return self


class Schedule(_Strict):
    """When scheduled ingest runs start: a cron expression or an interval, in a time zone."""

    cron: str | None = Field(None, description="Cron expression, e.g. '0 * * * *' (hourly).")
    interval_seconds: int | None = Field(None, ge=10, description="Or: a run every this many seconds.")
    timezone: str = Field("Asia/Ho_Chi_Minh", description="IANA time zone the cron expression is read in.")
    revisit: Literal["due", "none", "all"] = Field(
        "due",
        description="Known articles a scheduled run re-checks: those due on the adaptive schedule, none, or all.",
    )

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
    def _one_trigger(self) -> Schedule:
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
        10,
        ge=1,
        description="An incremental run stops walking a listing after this many known entries in a row.",
    )
    politeness: Politeness | None = None
    schedule: str | None = Field(None, description="Name of its schedule [default: by level].")
    revisit: RevisitPolicy | None = None
    verify_tls: bool = Field(
        True,
        description="Check the TLS certificate. Turn off only for a portal with a broken chain; every use is logged.",
    )
    home_paths: list[str] = Field(
        ["/"], description="Paths of the portal's home page: an article redirected there has been removed."
    )
    enabled: bool = True
    status: Literal["active", "frozen", "closed"] = Field(
        "active",
        description="active: publishing; frozen: still answers but no longer publishes; "
        "closed: gone, never scheduled nor fetched live (its history comes from web archives).",
    )
    active_from: date | None = Field(None, description="First day the portal published, when known.")
    active_until: date | None = Field(
        None, description="Day the portal stopped publishing (frozen) or closed."
    )
    successors: list[str] = Field(
        default_factory=list,
        description="Ids of the sources that took over (a district's communes, a merged commune's new unit).",
    )

    @model_validator(mode="after")
    def _lifecycle(self) -> Source:
        if self.active_from and self.active_until and self.active_until < self.active_from:
            raise ValueError(f"active_until {self.active_until} is before active_from {self.active_from}")
        if self.status == "active" and self.active_until is not None:
            raise ValueError("an active source has no active_until: set status to 'frozen' or 'closed'")
        if self.id in self.successors:
            raise ValueError("a source cannot be its own successor")
        return self

    @property
    def closed(self) -> bool:
        return self.status == "closed"

    @property
    def closed_note(self) -> str:
        """Why a closed source is not crawled, and what to do instead."""
        since = f" since {self.active_until}" if self.active_until else ""
        return (
            f"source '{self.id}' is closed{since}: its live URLs are not fetched; recover its history "
            f"from web archives with `portalwatch backfill -s {self.id} --from-archive`"
        )

    @property
    def scheduled(self) -> bool:
        """Whether scheduled runs crawl it: enabled and not closed."""
        return self.enabled and not self.closed

    @field_validator("base_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")

    @field_validator("home_paths")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/"):
                raise ValueError(f"home path {path!r} must start with '/'")
        return value

    @property
    def hosts(self) -> frozenset[str]:
        """Network locations that belong to this portal (redirects stay within them)."""
        found = {urlsplit(self.base_url).netloc}
        found.update(urlsplit(section.listing_url).netloc for section in self.sections)
        return frozenset(found)


class Archive(_Strict):
    """A web archive that speaks the Wayback Machine's CDX API and replays original bytes (`id_`)."""

    cdx_url: str = Field(description="The CDX endpoint, e.g. https://web.archive.org/cdx/search/cdx.")
    replay_url: str = Field(
        description="The replay prefix: captures are at <replay_url>/<timestamp>id_/<url>."
    )
    page_size: int = Field(
        1000, ge=1, le=100_000, description="CDX rows asked for per request (paged with resume keys)."
    )
    politeness: Politeness | None = Field(
        None, description="How hard the archive may be hit [default: settings.politeness]."
    )
    sources: list[str] | None = Field(None, description="Ids of the sources it serves [default: all].")

    @field_validator("cdx_url", "replay_url")
    @classmethod
    def _absolute(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL")
        return value.rstrip("/")


# DuckDB's memory in the crawling process when [settings.warehouse] names none. The checkpoint
# after a load (as its connection closes) writes again the whole last row group of each table
# the load appended to, up to 122,880 rows: in a warehouse of that size, the texts of every
# article version. Under DuckDB's own limit, 80% of the RAM, each block read for that stays in
# memory until the connection closes, so the crawler's peak grew with the warehouse (measured:
# 20,000 versions, a 630 MB file, +380 MiB at the close of a 100-row load; +165 MiB under this
# limit). Under a limit DuckDB evicts blocks, and spills to <warehouse>.tmp what it must.
DEFAULT_MEMORY_LIMIT = "128MiB"

# Rows per row group of what a writer appends to a warehouse file, when [settings.warehouse]
# names none. DuckDB compresses and writes a row group as soon as an append fills it, on the
# thread that appends, instead of all at the commit's checkpoint, which then rewrites only the
# last row groups of each table (the partly filled one, merged with its neighbours when they fit
# in fewer: at most three row groups' rows). At DuckDB's own 122,880 rows a load of 100,000
# versions compressed every text at its commit, and a load of a few rows into a big warehouse
# rewrote up to 122,880 versions' texts. Of 4,096 to 32,768 rows, 8,192 (the load's chunk of
# versions) took the least CPU time for a load of 100,000 versions, for a file 6% larger.
DEFAULT_ROW_GROUP_SIZE = 8192
# DuckDB's row groups are whole vectors of 2,048 rows, at most 122,880 rows (its default) in a
# file of the storage version portalwatch writes.
VECTOR_SIZE = 2048
MAX_ROW_GROUP_SIZE = 122_880


class WarehouseSettings(_Strict):
    """Where the flows record what they crawl (unless --warehouse or $PORTALWATCH_WAREHOUSE says
    otherwise), and what its DuckDB may use in the crawling process (memory: DEFAULT_MEMORY_LIMIT
    unless set; threads: DuckDB's default, every core, unless set).

    Relative paths (`location`, `data_path`, a DuckLake spec's data_path= entry, and
    `[settings.raw] location`) are relative to the sources file's folder, as `profile_dirs` are (see :func:`load_sources`)."""

    location: str | None = Field(
        None,
        description="A DuckDB file, or a DuckLake shared by several machines: "
        "'ducklake:postgres:dbname=… host=… port=… user=…' (see docs/ducklake.md).",
    )
    data_path: str | None = Field(
        None,
        description="A DuckLake's data: a folder every writer reaches, or s3://bucket/prefix "
        "(only for a DuckLake location; instead of a data_path= entry in it).",
    )

    @model_validator(mode="after")
    def _data_path_for_a_lake(self) -> WarehouseSettings:
        if self.data_path and not (self.location or "").startswith("ducklake:"):
            raise ValueError("data_path is for a DuckLake location ('ducklake:postgres:…')")
        if self.data_path and " " in self.data_path:
            raise ValueError("data_path must not contain spaces")
        return self

    memory_limit: str = Field(
        DEFAULT_MEMORY_LIMIT,
        pattern=r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$",
        description="DuckDB's memory_limit for the warehouse connection, e.g. '256MiB' "
        f"[default: {DEFAULT_MEMORY_LIMIT}].",
    )
    threads: int | None = Field(None, ge=1, description="DuckDB's threads for the warehouse connection.")
    row_group_size: int = Field(
        DEFAULT_ROW_GROUP_SIZE,
        ge=VECTOR_SIZE,
        le=MAX_ROW_GROUP_SIZE,
        description="Rows per row group of what a load appends to a DuckDB file: each is compressed "
        "and written as soon as it fills, and the commit rewrites at most the last one of each table "
        f"[default: {DEFAULT_ROW_GROUP_SIZE}; a multiple of {VECTOR_SIZE}, at most {MAX_ROW_GROUP_SIZE}].",
    )

    @field_validator("row_group_size")
    @classmethod
    def _whole_vectors(cls, value: int) -> int:
        if value % VECTOR_SIZE:
            raise ValueError(
                f"must be a multiple of {VECTOR_SIZE} (DuckDB's vector size), e.g. {DEFAULT_ROW_GROUP_SIZE}"
            )
        return value

    def duckdb_config(self) -> dict[str, str | int]:
        """The settings as DuckDB's connection config (only those set)."""
        config: dict[str, str | int] = {}
        config["memory_limit"] = self.memory_limit.strip()
        if self.threads is not None:
            config["threads"] = self.threads
        return config


class RawSettings(_Strict):
    """Where fetched pages are stored (unless $PORTALWATCH_RAW_DIR or a --raw-dir says otherwise)."""

    location: str | None = Field(
        None,
        description="A folder, or s3://bucket/prefix shared by workers on several machines "
        "(default: raw/ beside the warehouse file).",
    )
    endpoint_url: str | None = Field(
        None,
        description="The S3-compatible server of an s3:// location, e.g. http://minio.example:9000 "
        "(default: $AWS_ENDPOINT_URL, else AWS).",
    )

    @field_validator("endpoint_url")
    @classmethod
    def _http_endpoint(cls, value: str | None) -> str | None:
        if value is not None and (
            urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc
        ):
            raise ValueError("must be an http(s) URL")
        return value


class Settings(_Strict):
    user_agent: str = Field(
        "portalwatch/0.1",
        min_length=3,
        description="Identifying User-Agent; its product token (before '/') is the name matched in robots.txt.",
    )
    contact: str | None = Field(
        None,
        description="Where portal operators reach whoever runs the crawl (mailto: or http(s) URL); sent in the User-Agent.",
    )
    politeness: Politeness = Politeness()
    profile_dirs: list[str] = Field(
        default_factory=list,
        description="Folders of extra CMS profiles (relative to the sources file); they win over bundled ones.",
    )
    revisit: RevisitPolicy = RevisitPolicy()
    warehouse: WarehouseSettings = WarehouseSettings()
    raw: RawSettings = RawSettings()
    parse_workers: int | None = Field(
        None,
        ge=0,
        description="Processes that store and parse fetched pages beside the fetching loop "
        "(default: one fewer than the CPUs, at least one; 0 parses in the crawling process).",
    )

    @field_validator("contact")
    @classmethod
    def _contact_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("mailto:", "http://", "https://")):
            raise ValueError("must be a mailto: address or an http(s) URL")
        return value

    @property
    def user_agent_header(self) -> str:
        """The User-Agent sent: the configured one, with the contact address when it lacks one."""
        if self.contact and self.contact not in self.user_agent:
            return f"{self.user_agent} (+{self.contact})"
        return self.user_agent

    @property
    def warehouse_location(self) -> str | None:
        """The configured warehouse, a DuckLake's data path folded into its spec."""
        location, data_path = self.warehouse.location, self.warehouse.data_path
        return f"{location} data_path={data_path}" if location and data_path else location

    @property
    def robots_agent(self) -> str:
        """The product token robots.txt rules are matched against."""
        return self.user_agent.split("/", 1)[0].split()[0]


class SourcesConfig(_Strict):
    settings: Settings = Settings()
    schedules: dict[str, Schedule] = Field(default_factory=dict)
    sources: list[Source] = Field(min_length=1)
    archives: dict[str, Archive] = Field(
        default_factory=dict, description="Web archives to recover history from."
    )

    @model_validator(mode="after")
    def _unique_ids(self) -> SourcesConfig:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id '{source.id}'")
            seen.add(source.id)
        return self

    @model_validator(mode="after")
    def _known_schedules(self) -> SourcesConfig:
        for index, source in enumerate(self.sources):
            if source.schedule and source.schedule not in self.all_schedules:
                raise ValueError(
                    f"sources[{index}] ('{source.id}'): unknown schedule '{source.schedule}' "
                    f"(known: {', '.join(sorted(self.all_schedules))})"
                )
        return self

    @model_validator(mode="after")
    def _known_successors(self) -> SourcesConfig:
        ids = {source.id for source in self.sources}
        for index, source in enumerate(self.sources):
            unknown = [successor for successor in source.successors if successor not in ids]
            if unknown:
                raise ValueError(
                    f"sources[{index}] ('{source.id}'): unknown successor(s) {unknown}; successors must be source ids of this file"
                )
        return self

    @model_validator(mode="after")
    def _archive_sources(self) -> SourcesConfig:
        ids = {source.id for source in self.sources}
        for name, archive in self.archives.items():
            if not re.fullmatch(_ID_PATTERN, name):
                raise ValueError(
                    f"archives.{name}: an archive's name is lowercase letters, digits, '-' and '_'"
                )
            unknown = sorted(set(archive.sources or ()) - ids)
            if unknown:
                raise ValueError(f"archives.{name}: unknown source(s) {unknown}")
        return self

    def archive_for(self, source: Source, name: str | None = None) -> tuple[str, Archive]:
        """The archive named, or the first configured that serves the source."""
        serving = {key: a for key, a in self.archives.items() if a.sources is None or source.id in a.sources}
        if name is not None and name not in self.archives:
            raise ConfigError(
                "archives", f"unknown archive '{name}' (configured: {', '.join(self.archives) or 'none'})"
            )
        if name is not None:
            return name, self.archives[name]
        if not serving:
            raise ConfigError(
                "archives", f"no [archives.NAME] in the sources file serves source '{source.id}'"
            )
        return next(iter(serving.items()))

    @property
    def all_schedules(self) -> dict[str, Schedule]:
        return DEFAULT_SCHEDULES | self.schedules

    def schedule_of(self, source: Source) -> str:
        return source.schedule or DEFAULT_SCHEDULE_FOR_LEVEL[source.level]

    def politeness_for(self, source: Source) -> Politeness:
        return source.politeness or self.settings.politeness

    def revisit_for(self, source: Source) -> RevisitPolicy:
        return source.revisit or self.settings.revisit

    def select(self, ids: list[str] | None) -> list[Source]:
        """The enabled sources that are not closed, or exactly the named ones (an unknown id is an error)."""
        if not ids:
            return [source for source in self.sources if source.scheduled]
        by_id = {source.id: source for source in self.sources}
        unknown = [source_id for source_id in ids if source_id not in by_id]
        if unknown:
            raise ConfigError("sources", f"unknown source id(s) {unknown}; known: {sorted(by_id)}")
        return [by_id[source_id] for source_id in ids]


def default_sources_path() -> Path:
    return config_dir() / "sources.toml"


def sources_digest(path: str | Path) -> str:
    """SHA-256 of a sources file's bytes, recorded with every run that read it."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def load_sources(path: str | Path) -> SourcesConfig:
    """Read and validate a sources file; every CMS profile it names must exist."""
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
    if isinstance(settings, dict):
        _paths_beside(settings, path.parent)
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
        if (
            any(section.kind == "documents" for section in source.sections)
            and profiles[source.profile].documents is None
        ):
            raise ConfigError(
                path,
                f"profile '{source.profile}' has no [documents] rules for a documents section",
                source=source.id,
                field="sections",
            )
    return config


# A DuckLake spec's own data_path= entry, as portalwatch.lake reads it.
_SPEC_DATA_PATH = re.compile(r"(?P<lead>^|\s)data_path=(?P<value>\S+)")


def _paths_beside(settings: dict, folder: Path) -> None:
    """Make the settings' relative paths relative to the sources file's `folder` (in place), as a
    config file's are; absolute ones, `~/…` (expanded) and URLs (s3://…) stay what they are."""
    if isinstance(settings.get("profile_dirs"), list):
        settings["profile_dirs"] = [_beside(folder, str(entry)) for entry in settings["profile_dirs"]]
    raw = settings.get("raw")
    if isinstance(raw, dict) and isinstance(raw.get("location"), str) and raw["location"]:
        raw["location"] = _beside(folder, raw["location"])
    warehouse = settings.get("warehouse")
    if not isinstance(warehouse, dict):
        return
    location = warehouse.get("location")
    if isinstance(location, str) and location.startswith("ducklake:"):
        warehouse["location"] = _SPEC_DATA_PATH.sub(
            lambda found: f"{found['lead']}data_path={_beside(folder, found['value'])}", location
        )
    elif isinstance(location, str) and location:
        warehouse["location"] = _beside(folder, location)
    if isinstance(warehouse.get("data_path"), str) and warehouse["data_path"]:
        warehouse["data_path"] = _beside(folder, warehouse["data_path"])


def _beside(folder: Path, value: str) -> str:
    """`value` as a path, relative to `folder` unless absolute; a URL as it is."""
    if "://" in value:
        return value
    resolved = str((folder / Path(value).expanduser()).resolve())
    return resolved + "/" if value.endswith("/") and not resolved.endswith("/") else resolved


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
