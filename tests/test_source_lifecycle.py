"""Sources have a lifecycle: closed portals are never scheduled nor fetched live, and
`status` and the report say so, from the sources file the warehouse's runs read."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from portalwatch.analytics.report import collect
from portalwatch.cli import app
from portalwatch.config import default_sources_path, load_sources
from portalwatch.crawl import Revisit, crawl_portal
from portalwatch.errors import ConfigError
from portalwatch.flows.ingest import sources_file_parameters
from portalwatch.flows.serve import build_deployments
from portalwatch.model import PortalCrawl, source_row
from portalwatch.storage.rawstore import RawStore


def with_lifecycle(config_path: Path, source_id: str, lines: str, out: Path) -> Path:
    """The sources file with lifecycle fields added to one source."""
    text = config_path.read_text(encoding="utf-8")
    marker = f'id = "{source_id}"\n'
    assert marker in text
    out.write_text(text.replace(marker, marker + lines + "\n"), encoding="utf-8")
    return out


def test_bundled_config_closes_the_district_portals_and_schedules_none_of_them(tmp_path):
    config = load_sources(default_sources_path())
    districts = [source for source in config.sources if source.level == "district"]
    assert districts and all(source.status == "closed" for source in districts)
    assert {str(source.active_until) for source in districts} == {"2025-07-01"}
    known = {source.id for source in config.sources}
    assert all(set(source.successors) <= known for source in config.sources)
    scheduled = {
        source_id
        for deployment in build_deployments(default_sources_path(), config, tmp_path / "w.duckdb")
        if deployment.flow_name == "ingest"
        for source_id in deployment.parameters["sources"]
    }
    assert scheduled == {source.id for source in config.sources if source.status != "closed"}
    assert not scheduled & {source.id for source in districts}
    assert [source.id for source in config.select(None)] == sorted(
        scheduled, key=[s.id for s in config.sources].index
    )


@pytest.mark.parametrize(
    ("lines", "complaint"),
    [
        ('status = "closed"\nsuccessors = ["nowhere"]', "unknown successor(s) ['nowhere']"),
        ('status = "active"\nactive_until = 2025-07-01', "an active source has no active_until"),
        ('status = "frozen"\nactive_from = 2020-01-01\nactive_until = 2019-01-01', "is before active_from"),
        ('status = "gone"', "'active', 'frozen' or 'closed'"),
    ],
)
def test_bad_lifecycles_are_refused_naming_the_file_and_what_is_wrong(sim, tmp_path, lines, complaint):
    path = with_lifecycle(sim.config_path, "tuachua", lines, tmp_path / "bad.toml")
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    assert str(path) in str(error.value)
    assert complaint in str(error.value)


def test_successors_name_known_sources(sim, tmp_path):
    path = with_lifecycle(
        sim.config_path,
        "tuachua",
        'status = "closed"\nactive_until = 2025-07-01\nsuccessors = ["xa-tua-thang"]',
        tmp_path / "closed.toml",
    )
    tuachua = load_sources(path).select(["tuachua"])[0]
    assert tuachua.closed and tuachua.successors == ["xa-tua-thang"]


def test_a_closed_source_is_never_fetched_live(sim, tmp_path):
    path = with_lifecycle(
        sim.config_path, "tuachua", 'status = "closed"\nactive_until = 2025-07-01', tmp_path / "c.toml"
    )
    config = load_sources(path)
    assert "tuachua" not in [source.id for source in config.select(None)]
    before = len(sim.requests("tuachua"))

    result = CliRunner().invoke(
        app, ["run", "--config", str(path), "--source", "tuachua", "-w", str(tmp_path / "w.duckdb")]
    )
    assert result.exit_code == 2
    assert (
        "tuachua" in result.output
        and "closed since 2025-07-01" in result.output
        and "--from-archive" in result.output
    )

    tuachua = config.select(["tuachua"])[0]
    with pytest.raises(ConfigError, match="closed since 2025-07-01"):
        asyncio.run(crawl_portal(tuachua, config, {}, RawStore(tmp_path / "raw"), Revisit.ALL))
    assert len(sim.requests("tuachua")) == before
    assert not (tmp_path / "w.duckdb").exists()


def test_status_reads_the_sources_file_the_runs_used_and_shows_lifecycle(sim, tmp_path, warehouse):
    path = with_lifecycle(
        sim.config_path,
        "tuachua",
        'status = "closed"\nactive_until = 2025-07-01\nsuccessors = ["xa-tua-thang"]',
        tmp_path / "closed.toml",
    )
    config = load_sources(path)
    run_id = warehouse.start_run("ingest", {"sources": ["tuachua"]} | sources_file_parameters(path))
    warehouse.load_portal(run_id, PortalCrawl(source_row(config.select(["tuachua"])[0])))
    warehouse.finish_run(run_id, "completed", {})

    result = CliRunner().invoke(app, ["status", "-w", str(warehouse.path)])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 5}
    simulated = {source["id"] for source in tomllib.loads(path.read_text(encoding="utf-8"))["sources"]}
    assert simulated <= set(rows)  # the simulated portals, not the bundled ones
    assert "dienbien-gov" not in rows
    assert "never: closed" in rows["tuachua"] and "closed 2025-07-01" in rows["tuachua"]
    assert "xa-tua-thang" in rows["tuachua"]
    assert "never" not in rows["muongang"] and "active" in rows["muongang"]

    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert con.execute("SELECT status, active_until::VARCHAR, successors FROM sources").fetchall() == [
            ("closed", "2025-07-01", ["xa-tua-thang"])
        ]
        columns, lifecycle = collect(con, str(warehouse.path)).tables["Portal lifecycle"]
    assert lifecycle[0][0] == "tuachua" and lifecycle[0][3] == "closed" and lifecycle[0][6] == "xa-tua-thang"


def test_status_with_config_given_uses_that_file(sim, tmp_path, warehouse):
    run_id = warehouse.start_run("ingest", sources_file_parameters(sim.config_path))
    warehouse.finish_run(run_id, "completed", {})
    result = CliRunner().invoke(
        app, ["status", "-w", str(warehouse.path), "--config", str(default_sources_path())]
    )
    assert result.exit_code == 0, result.output
    assert "tuangiao" in result.output and "never: closed" in result.output
