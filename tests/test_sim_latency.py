"""The simulator's page latency: fixed, or varying page to page within the spread asked for."""

from __future__ import annotations

from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.sim.server import Simulator
from portalwatch.sim.world import World, network


def test_a_jittered_latency_varies_within_its_spread():
    world = World(seed=3, scale=0.02, portals=network(1))
    fixed = Simulator(world, latency=0.4)
    assert {fixed.page_latency() for _ in range(50)} == {0.4}
    varied = Simulator(world, latency=0.4, latency_jitter=0.3)
    drawn = [varied.page_latency() for _ in range(500)]
    assert all(0.1 <= seconds <= 0.7 for seconds in drawn)
    assert min(drawn) < 0.2 and max(drawn) > 0.6  # the whole spread, not a sliver of it


def test_a_jitter_larger_than_the_latency_is_refused_with_both_values():
    result = CliRunner().invoke(app, ["sim", "--latency-ms", "100", "--latency-jitter-ms", "150"])
    assert result.exit_code != 0
    assert "--latency-jitter-ms 150" in result.output and "(100)" in result.output
