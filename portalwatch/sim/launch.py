"""The simulated network a `portalwatch sim` command line asks for.

Each function raises ValueError naming the option at fault; the command line prints it.
"""

from __future__ import annotations

from collections.abc import Collection

from portalwatch.sim.archive import SimArchive
from portalwatch.sim.faults import FaultProfile, get_profile
from portalwatch.sim.world import FAMILY_SETS, World, network


def portal_sizes(items: list[str]) -> dict[str, int]:
    """`ID=N` items as {portal id: articles at the start}."""
    sizes: dict[str, int] = {}
    for item in items:
        portal_id, _, count = item.partition("=")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--portal-size {item!r}: expected ID=N with N a positive number of articles")
        sizes[portal_id] = int(count)
    return sizes


def build_world(
    seed: int,
    scale: float,
    portals: int | None,
    families: str,
    latency_ms: float,
    faults: str,
    portal_size: list[str],
    latency_jitter_ms: float = 0.0,
) -> tuple[World, FaultProfile]:
    """The world of `portals` portals of the `families` set, and the fault profile checked against it."""
    if scale <= 0 or (portals is not None and portals < 1) or latency_ms < 0:
        raise ValueError("--scale and --portals must be positive, --latency-ms not negative")
    if not 0 <= latency_jitter_ms <= latency_ms:
        raise ValueError(
            f"--latency-jitter-ms {latency_jitter_ms:g}: expected between 0 and --latency-ms ({latency_ms:g})"
        )
    sizes = portal_sizes(portal_size)
    profile = get_profile(faults)
    specs = network(portals or len(FAMILY_SETS.get(families, ())), families)
    world = World(seed=seed, scale=scale, portals=specs, sizes=sizes)
    profile.check(world)
    return world, profile


def build_archive(
    world: World, closed: Collection[str], archive: bool, steps: int, throttle: bool
) -> SimArchive | None:
    """The web archive of the world (when `archive`), after `steps` simulated hours of captures."""
    unknown = set(closed) - set(world.portals)
    if unknown or steps < 0 or ((steps or throttle) and not archive):
        raise ValueError(
            f"--closed names unknown portal(s) {sorted(unknown)}"
            if unknown
            else "--archive-steps (not negative) and --archive-throttle need --archive"
        )
    if not archive:
        return None
    web_archive = SimArchive(world, throttle)
    web_archive.advance(steps)
    return web_archive
