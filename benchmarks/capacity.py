"""The arithmetic of docs/scale.md: national coverage's daily fetches under portalwatch's own
revisit policy and schedules, set against measured per-machine rates.

The revisit checks are counted by running :mod:`portalwatch.schedule` itself: one article
followed from its publication through the runs of its portal's schedule, each check finding
no change (edits are rare: the intervals only grow), for as long as the portal's history
goes back. With articles published at a steady `r` a day over `H` days, the checks a day
are then `r` times the checks one article gets in its first `H` days. What is assumed (the
portals, their stock of articles, their publishing rates, their sections) is in LEVELS;
what was measured is given on the command line (defaults: the figures docs/scale.md quotes).

Usage: python benchmarks/capacity.py [--machine-pages-per-s 13.4] [--load-seconds 3.3] ...
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portalwatch.config import DEFAULT_SCHEDULES, RevisitPolicy, default_sources_path, load_sources
from portalwatch.schedule import next_interval

RUNS_PER_DAY = {"hourly": 24, "every-6-hours": 4, "daily": 1}


@dataclass(frozen=True)
class Level:
    name: str
    portals: int
    stock: tuple[int, int]  # articles held at the start (low, high)
    new_per_day: tuple[float, float]  # articles published a day (low, high)
    sections: int  # listing sections walked per run
    schedule: str


# What is assumed (see docs/scale.md, "What is assumed").
LEVELS = (
    Level("province", 34, (10_000, 50_000), (10.0, 30.0), 8, "hourly"),
    Level("department", 170, (1_000, 8_000), (1.0, 5.0), 4, "every-6-hours"),
    Level("commune", 3_300, (100, 1_500), (0.3, 2.0), 3, "daily"),
)


def checks_in_first(days: float, every_hours: float, policy: RevisitPolicy) -> int:
    """Revisit checks of one article, no check finding a change, in its first `days` days, when its
    portal runs every `every_hours` hours (a check waits for the first run at or after it is due)."""
    published = datetime(2020, 1, 1, tzinfo=UTC)
    step = timedelta(hours=every_hours)
    now = published + step  # the run that finds it
    interval = None
    checks = 0
    end = published + timedelta(days=days)
    while True:
        interval = next_interval(interval, False, published, now, policy)
        due = now + interval
        runs_until_due = math.ceil((due - published) / step)
        now = published + runs_until_due * step
        if now > end:
            return checks
        checks += 1


def level_day(level: Level, which: int, policy: RevisitPolicy) -> dict:
    """One portal's fetches a day at a level, at the low (0) or high (1) end of its ranges."""
    stock, new = level.stock[which], level.new_per_day[which]
    runs = RUNS_PER_DAY[level.schedule]
    history_days = stock / new
    revisits = new * checks_in_first(history_days, 24 / runs, policy)
    revisits = min(revisits, policy.budget * runs)
    new_in_section_per_run = new / runs / level.sections
    listing = runs * level.sections * (1 + min(1.0, new_in_section_per_run))
    robots = runs
    return {
        "history_days": history_days,
        "new": new,
        "revisits": revisits,
        "listing": listing,
        "robots": robots,
        "total": new + revisits + listing + robots,
        "first_crawl": stock + math.ceil(stock / 10) + level.sections,
        "loads": runs,
    }


def model(policy: RevisitPolicy) -> dict[str, list[dict]]:
    return {level.name: [level_day(level, which, policy) for which in (0, 1)] for level in LEVELS}


def print_model(days: dict[str, list[dict]]) -> tuple[list[float], list[float], list[float], list[float]]:
    """The table of fetches a day; (fetches, loads, first-crawl pages, new versions) a day, low and high."""
    print(
        "level       portals  history(d)   per portal a day: new  revisits  listing  total   all portals a day"
    )
    totals, loads, first, versions = [0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]
    for level in LEVELS:
        low, high = days[level.name]
        for which, day in enumerate((low, high)):
            totals[which] += day["total"] * level.portals
            loads[which] += day["loads"] * level.portals
            first[which] += day["first_crawl"] * level.portals
            versions[which] += day["new"] * level.portals
        print(
            f"{level.name:<11} {level.portals:>7}  {low['history_days']:>4.0f}-{high['history_days']:<5.0f}"
            f"      {low['new']:>5.1f}-{high['new']:<5.1f}"
            f" {low['revisits']:>5.0f}-{high['revisits']:<5.0f}"
            f" {low['listing']:>4.0f}-{high['listing']:<4.0f}"
            f" {low['total']:>5.0f}-{high['total']:<6.0f}"
            f" {low['total'] * level.portals:>9,.0f}-{high['total'] * level.portals:,.0f}"
        )
    print(
        f"{'all':<11} {sum(level.portals for level in LEVELS):>7}"
        + " " * 62
        + f"{totals[0]:>9,.0f}-{totals[1]:,.0f}"
    )
    return totals, loads, first, versions


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    measured = parser.add_argument_group("measured (docs/scale.md)")
    measured.add_argument(
        "--machine-pages-per-s", type=float, default=13.4, help="one 2-core machine's crawl rate"
    )
    measured.add_argument("--load-seconds", type=float, default=3.3, help="the lane's time per small load")
    measured.add_argument(
        "--versions-per-s", type=float, default=266.0, help="the lane's rate on large loads"
    )
    measured.add_argument(
        "--raw-bytes-per-page", type=float, default=5_962.0, help="raw store bytes per page fetched"
    )
    measured.add_argument(
        "--bytes-per-fetch-row", type=float, default=333.0, help="warehouse bytes per fetch row"
    )
    measured.add_argument(
        "--bytes-per-version", type=float, default=6_000.0, help="warehouse bytes per version"
    )
    measured.add_argument(
        "--catalog-bytes-per-load", type=float, default=85_000.0, help="DuckLake catalog per commit"
    )
    return parser.parse_args()


def main() -> None:
    args = arguments()
    policy = load_sources(default_sources_path()).settings.revisit
    print(f"revisit policy (bundled sources file): {policy.model_dump()}")
    print(f"schedules: { {name: RUNS_PER_DAY[name] for name in DEFAULT_SCHEDULES} } runs a day")
    print()
    days = model(policy)
    totals, loads, first, versions = print_model(days)
    print()
    communes = next(level for level in LEVELS if level.schedule == "daily")
    for which, end in enumerate(("low", "high")):
        pages = days[communes.name][which]["total"] * communes.portals
        print(
            f"{end}: the daily wave (every {communes.name} at {DEFAULT_SCHEDULES['daily'].cron}): {pages:,.0f} pages, "
            f"{pages / args.machine_pages_per_s / 3600:.1f} machine-hours; {communes.portals:,} loads, "
            f"{communes.portals * args.load_seconds / 3600:.1f} h of the load lane"
        )
    for which, end in enumerate(("low", "high")):
        fetches = totals[which]
        machines = fetches / 86_400 / args.machine_pages_per_s
        lane_hours = loads[which] * args.load_seconds / 3600 + versions[which] / args.versions_per_s / 3600
        raw_year = fetches * 365 * args.raw_bytes_per_page
        warehouse_year = (
            fetches * 365 * args.bytes_per_fetch_row + versions[which] * 365 * args.bytes_per_version
        )
        catalog_year = loads[which] * 365 * args.catalog_bytes_per_load
        print(
            f"{end}: {fetches:,.0f} fetches a day ({fetches / 86_400:.1f}/s on average): "
            f"{machines:.2f} machine(s) busy all day; first crawl {first[which]:,.0f} pages, "
            f"{first[which] / args.machine_pages_per_s / 3600:.1f} machine-hours"
        )
        print(
            f"     {loads[which]:,.0f} loads a day: the lane busy {lane_hours:.1f} h a day; a year: raw store "
            f"{raw_year / 1e12:.2f} TB, warehouse {warehouse_year / 1e9:.0f} GB, catalog {catalog_year / 1e9:.0f} GB"
            f" before compaction ({loads[which] * 365 / 1e6:.2f} M snapshots)"
        )


if __name__ == "__main__":
    main()
