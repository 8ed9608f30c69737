"""The deployments `serve` builds follow the config, and prefect.yaml says the same."""

from __future__ import annotations

from pathlib import Path

import yaml
from prefect.flows import load_flow_from_entrypoint

from portalwatch.config import default_sources_path, load_sources
from portalwatch.flows.serve import ON_DEMAND, ON_DEMAND_FLOWS, build_deployments

ROOT = Path(__file__).resolve().parent.parent


def test_one_ingest_deployment_per_schedule_with_its_sources(tmp_path):
    config = load_sources(default_sources_path())
    deployments = build_deployments(default_sources_path(), config, tmp_path / "w.duckdb")
    by_name = {(d.flow_name, d.name): d for d in deployments}
    # The district portals closed on 2025-07-01: nothing runs every six hours any more.
    assert set(by_name) == {
        ("ingest", "hourly"),
        ("backfill", "on-demand"),
        ("archive-backfill", "on-demand"),
        ("reparse", "on-demand"),
        ("crawl-portal", "on-demand"),
    }
    hourly = by_name[("ingest", "hourly")]
    assert hourly.parameters["sources"] == ["dcs-dienbien", "dienbien-gov"]
    assert hourly.schedules[0].schedule.cron == "5 * * * *"
    assert hourly.schedules[0].schedule.timezone == "Asia/Ho_Chi_Minh"
    assert by_name[("backfill", "on-demand")].parameters["warehouse"] == str(
        (tmp_path / "w.duckdb").resolve()
    )


def test_prefect_yaml_matches_the_bundled_config(tmp_path):
    config = load_sources(default_sources_path())
    built = {
        d.name: (d.parameters["sources"], d.schedules[0].schedule.cron)
        for d in build_deployments(default_sources_path(), config, tmp_path / "w.duckdb")
        if d.flow_name == "ingest"
    }
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    from_yaml = {
        d["name"]: (d["parameters"]["sources"], d["schedules"][0]["cron"])
        for d in declared
        if d["entrypoint"] == "portalwatch.flows.ingest.ingest"
    }
    assert from_yaml == built


def test_prefect_yaml_deploys_the_flows_serve_deploys_by_their_module_paths(tmp_path):
    config = load_sources(default_sources_path())
    built = {
        (d.name, d.entrypoint): d.flow_name
        for d in build_deployments(default_sources_path(), config, tmp_path / "w.duckdb")
    }
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    assert {(d["name"], d["entrypoint"]) for d in declared} == set(built)
    for (_, entrypoint), flow_name in built.items():
        assert load_flow_from_entrypoint(entrypoint).name == flow_name


def test_every_on_demand_deployment_takes_the_sources_file_and_warehouse_in_serve_and_prefect_yaml(tmp_path):
    config = load_sources(default_sources_path())
    built = {
        d.entrypoint: d
        for d in build_deployments(default_sources_path(), config, tmp_path / "w.duckdb")
        if d.name == ON_DEMAND
    }
    assert {d.flow_name for d in built.values()} == {flow.name for flow, _ in ON_DEMAND_FLOWS}
    declared = yaml.safe_load((ROOT / "prefect.yaml").read_text(encoding="utf-8"))["deployments"]
    from_yaml = {d["entrypoint"]: d for d in declared if d["name"] == ON_DEMAND}
    assert set(from_yaml) == set(built)
    for entrypoint, deployment in built.items():
        assert (
            set(from_yaml[entrypoint]["parameters"])
            == set(deployment.parameters)
            == {
                "config_path",
                "warehouse",
            }
        )
        assert deployment.parameters["config_path"] == str(default_sources_path().resolve())
        assert deployment.tags == ["portalwatch"] and deployment.description
