"""Sources configuration: the bundled file loads, bad files fail with a precise ConfigError."""

from __future__ import annotations

from pathlib import Path

import pytest

from portalwatch.config import (
    DEFAULT_MEMORY_LIMIT,
    DEFAULT_ROW_GROUP_SIZE,
    SourcesConfig,
    default_sources_path,
    load_sources,
)
from portalwatch.errors import ConfigError
from portalwatch.flows.setup import FlowSetup

GOOD_SOURCE = """
[[sources]]
id = "{id}"
name = "Cổng thông tin điện tử huyện Tủa Chùa"
level = "{level}"
profile = "{profile}"
base_url = "https://tuachua.dienbien.gov.vn"
sections = [{{ name = "tin-tuc", listing_url = "{listing_url}" }}]
{extra}
"""


def source_block(
    id: str = "tuachua",
    level: str = "district",
    profile: str = "district_portal",
    listing_url: str = "https://tuachua.dienbien.gov.vn/tin-tuc?page={page}",
    extra: str = "",
) -> str:
    return GOOD_SOURCE.format(id=id, level=level, profile=profile, listing_url=listing_url, extra=extra)


def write(tmp_path: Path, text: str, name: str = "sources.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_sources(path)
    return info.value


# ------------------------------------------------------------------ the bundled file


def test_bundled_sources_load_with_party_government_and_ten_district_portals():
    config = load_sources(default_sources_path())
    sources = config.sources
    assert len(sources) == 12
    assert len({source.id for source in sources}) == 12

    province = [source for source in sources if source.level == "province"]
    districts = [source for source in sources if source.level == "district"]
    assert len(province) == 2
    assert len(districts) == 10

    party = [source for source in province if source.profile == "dcs_aspnet"]
    assert len(party) == 1
    assert "Đảng bộ tỉnh Điện Biên" in party[0].name
    assert party[0].base_url.startswith("https://") and "dcs.vn" in party[0].base_url

    government = [source for source in province if source is not party[0]]
    assert "tỉnh Điện Biên" in government[0].name
    assert "gov.vn" in government[0].base_url

    for source in districts:
        assert source.profile == "district_portal"
        assert source.base_url.endswith(".dienbien.gov.vn")
        assert source.sections and all(
            "{page}" in section.listing_url or "{offset}" in section.listing_url
            for section in source.sections
        )
    assert {"tuachua", "muongang"} <= {source.id for source in districts}


def test_bundled_sources_settings_and_selection():
    config = load_sources(default_sources_path())
    assert config.settings.user_agent_header.endswith("(+mailto:change-me@example.org)")
    # Closed portals (the districts, since 2025-07-01) are selected only by name.
    assert [source.id for source in config.select(None)] == [
        s.id for s in config.sources if s.enabled and s.status != "closed"
    ]
    assert [source.id for source in config.select(["tuachua", "dcs-dienbien"])] == ["tuachua", "dcs-dienbien"]
    tuachua = config.select(["tuachua"])[0]
    assert config.politeness_for(tuachua) == config.settings.politeness
    assert tuachua.hosts == frozenset({"tuachua.dienbien.gov.vn"})


def test_select_unknown_id_raises_config_error():
    config = load_sources(default_sources_path())
    with pytest.raises(ConfigError) as info:
        config.select(["tuachua", "tuachuaa"])
    assert "tuachuaa" in str(info.value)


def test_minimal_good_file_loads(tmp_path):
    config = load_sources(write(tmp_path, source_block()))
    assert isinstance(config, SourcesConfig)
    [source] = config.sources
    assert source.id == "tuachua"
    assert source.page_size == 10 and source.enabled


# ------------------------------------------------------------------ bad files


def test_missing_required_field_names_file_source_and_field(tmp_path):
    text = source_block().replace('name = "Cổng thông tin điện tử huyện Tủa Chùa"\n', "")
    path = write(tmp_path, text)
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "'tuachua'" in message
    assert "field 'name'" in message
    assert error.source == "tuachua" and error.field == "name"


def test_bad_level_names_file_source_and_field(tmp_path):
    path = write(tmp_path, source_block(level="county"))
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "'tuachua'" in message
    assert "field 'level'" in message
    assert "county" in message


def test_listing_url_without_placeholder_names_file_source_and_field(tmp_path):
    path = write(tmp_path, source_block(listing_url="https://tuachua.dienbien.gov.vn/tin-tuc?page=1"))
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "'tuachua'" in message
    assert "listing_url" in message
    assert "{page}" in message


def test_unknown_profile_names_file_source_and_field(tmp_path):
    path = write(tmp_path, source_block(profile="wordpress_generic"))
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "'tuachua'" in message
    assert "field 'profile'" in message
    assert "wordpress_generic" in message


def test_duplicate_source_id_names_file_and_id(tmp_path):
    text = source_block(id="tuachua") + source_block(id="muongang") + source_block(id="tuachua")
    path = write(tmp_path, text)
    message = str(load_error(path))
    assert str(path) in message
    assert "duplicate" in message
    assert "'tuachua'" in message
    assert "muongang" not in message


def test_misspelled_key_names_file_source_and_field(tmp_path):
    path = write(tmp_path, source_block(extra="max_listing_page = 3"))
    error = load_error(path)
    message = str(error)
    assert str(path) in message
    assert "'tuachua'" in message
    assert "field 'max_listing_page'" in message
    assert "unknown field" in message


def test_error_in_second_source_names_that_source(tmp_path):
    text = source_block(id="tuachua") + source_block(id="muongang", level="town")
    error = load_error(write(tmp_path, text))
    assert error.source == "muongang"
    assert error.field == "level"


def test_misspelled_settings_key_names_the_field(tmp_path):
    text = '[settings]\nuser_agnet = "me"\n' + source_block()
    error = load_error(write(tmp_path, text))
    assert "user_agnet" in str(error)
    assert str(tmp_path) in str(error)


def test_invalid_toml_names_file(tmp_path):
    path = write(tmp_path, source_block() + '\n[[sources]\nid = "broken\n')
    message = str(load_error(path))
    assert str(path) in message
    assert "TOML" in message


def test_missing_file_names_file(tmp_path):
    path = tmp_path / "nowhere" / "sources.toml"
    message = str(load_error(path))
    assert str(path) in message
    assert "not found" in message


def test_warehouse_settings_become_duckdb_settings(tmp_path):
    text = '[settings.warehouse]\nmemory_limit = "256MiB"\nthreads = 1\n\n' + source_block()
    config = load_sources(write(tmp_path, text))
    assert config.settings.warehouse.duckdb_config() == {"memory_limit": "256MiB", "threads": 1}
    # Unset: DuckDB's own thread count, and the crawling process's memory limit.
    assert load_sources(write(tmp_path, source_block(), "plain.toml")).settings.warehouse.duckdb_config() == {
        "memory_limit": DEFAULT_MEMORY_LIMIT
    }
    error = load_error(
        write(tmp_path, '[settings.warehouse]\nmemory_limit = "lots"\n\n' + source_block(), "bad.toml")
    )
    assert "memory_limit" in str(error)


def test_the_row_group_size_is_a_checked_warehouse_setting(tmp_path):
    path = write(tmp_path, "[settings.warehouse]\nrow_group_size = 32768\n\n" + source_block())
    config = load_sources(path)
    assert config.settings.warehouse.row_group_size == 32768
    # The flows' warehouse opens its writers' connections with it.
    setup = FlowSetup.load(str(path), str(tmp_path / "rows.duckdb"), None)
    assert setup.store.session.row_group_size == 32768
    assert (
        "row_group_size" not in config.settings.warehouse.duckdb_config()
    )  # an option of the file's, not DuckDB's
    plain = load_sources(write(tmp_path, source_block(), "plain.toml"))
    assert plain.settings.warehouse.row_group_size == DEFAULT_ROW_GROUP_SIZE
    for value, said in (
        ("3000", "multiple of 2048"),
        ("1024", "greater than or equal to 2048"),
        ("245760", "less than or equal to 122880"),
        ('"big"', "valid integer"),
    ):
        error = load_error(
            write(
                tmp_path, f"[settings.warehouse]\nrow_group_size = {value}\n\n" + source_block(), "bad.toml"
            )
        )
        assert isinstance(error, ConfigError)
        assert "row_group_size" in str(error) and said in str(error), str(error)


# ------------------------------------------------------------------ paths in the sources file


def test_relative_paths_in_the_sources_file_are_relative_to_its_folder(tmp_path, monkeypatch):
    folder = tmp_path / "project" / "config"
    folder.mkdir(parents=True)
    (folder / "profiles").mkdir()
    settings = (
        'profile_dirs = ["profiles"]\n'
        "[settings.warehouse]\n"
        'location = "../data/history.duckdb"\n'
        "[settings.raw]\n"
        'location = "pages"\n'
    )
    config_file = write(folder, "[settings]\n" + settings + source_block())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # wherever the command runs from
    monkeypatch.delenv("PORTALWATCH_WAREHOUSE", raising=False)
    monkeypatch.delenv("PORTALWATCH_RAW_DIR", raising=False)
    setup = FlowSetup.load(str(config_file), None, None)
    assert setup.warehouse_file == tmp_path / "project" / "data" / "history.duckdb"
    assert setup.raw_folder == folder / "pages"
    assert setup.config.settings.profile_dirs == [str(folder / "profiles")]
    # Without [settings.raw], the raw store is beside the warehouse the file names.
    write(folder, "[settings.warehouse]\nlocation = 'history.duckdb'\n" + source_block(), "plain.toml")
    plain = FlowSetup.load(str(folder / "plain.toml"), None, None)
    assert (plain.warehouse_file, plain.raw_folder) == (folder / "history.duckdb", folder / "raw")
    # The command line and the environment still speak of the working directory.
    assert FlowSetup.load(str(config_file), "mine.duckdb", "mine").warehouse_file == Path("mine.duckdb")
    monkeypatch.setenv("PORTALWATCH_WAREHOUSE", "env.duckdb")
    monkeypatch.setenv("PORTALWATCH_RAW_DIR", "env-raw")
    from_env = FlowSetup.load(str(config_file), None, None)
    assert (from_env.warehouse_file, from_env.raw_folder) == (Path("env.duckdb"), Path("env-raw"))


def test_absolute_paths_home_and_urls_in_the_sources_file_stay_as_written(tmp_path):
    absolute = tmp_path / "somewhere" / "w.duckdb"
    config = load_sources(
        write(
            tmp_path,
            f'[settings.warehouse]\nlocation = "{absolute}"\n[settings.raw]\nlocation = "~/pages"\n'
            + source_block(),
        )
    )
    assert config.settings.warehouse.location == str(absolute)
    assert config.settings.raw.location == str(Path.home() / "pages")
    spec = "ducklake:postgres:dbname=lake host=db"
    for data_path, expected in (
        ("s3://bucket/lake/", "s3://bucket/lake/"),
        ("lake/", f"{tmp_path / 'lake'}/"),
        ("/srv/lake/", "/srv/lake/"),
    ):
        settings = f'[settings.warehouse]\nlocation = "{spec}"\ndata_path = "{data_path}"\n'
        config = load_sources(write(tmp_path, settings + source_block()))
        assert config.settings.warehouse.data_path == expected
        inline = f'[settings.warehouse]\nlocation = "{spec} data_path={data_path}"\n'
        config = load_sources(write(tmp_path, inline + source_block()))
        assert config.settings.warehouse_location == f"{spec} data_path={expected}"
