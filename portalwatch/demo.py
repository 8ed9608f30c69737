"""`portalwatch demo`: the whole pipeline against the bundled simulator, end to end."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from pathlib import Path

import duckdb
from rich.console import Console
from rich.table import Table

from portalwatch.flows.api import start_temporary_api
from portalwatch.flows.ingest import ingest
from portalwatch.quality import FOUND_SQL, score_republications
from portalwatch.sim.process import SimulatorProcess
from portalwatch.summary import print_summary
from portalwatch.terminal import OutputFormat, print_as_is, print_rows

PER_PORTAL_SQL = """
SELECT s.source_id AS source, s.level,
       count(a.article_id) AS articles,
       count(a.removed_at) AS removed,
       (SELECT count(*) FROM article_versions v WHERE v.source_id = s.source_id) AS versions,
       (SELECT count(*) FROM changes c WHERE c.source_id = s.source_id) AS changes,
       strftime(min(a.published_at), '%Y-%m-%d') AS oldest,
       strftime(max(a.published_at), '%Y-%m-%d') AS newest
FROM sources s LEFT JOIN articles a USING (source_id)
GROUP BY ALL ORDER BY articles DESC
"""

# How text moves down the hierarchy: copies per (first publisher's level → copy's level).
REPUBLISHED_SQL = """
SELECT original_level || ' → ' || level AS path, count(*) AS copies,
       round(median(lag_hours), 1) AS median_lag_hours,
       count(*) FILTER (WHERE title_changed) AS new_heading,
       count(*) FILTER (WHERE NOT same_text) AS text_changed
FROM republications
GROUP BY ALL
ORDER BY list_position(['province', 'district', 'commune'], any_value(original_level)),
         list_position(['province', 'district', 'commune'], any_value(level))
"""


def run_demo(directory: Path, scale: float, seed: int, console: Console, families: str = "default") -> None:
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    warehouse = directory / "warehouse.duckdb"
    config = directory / "sources.toml"

    console.rule("[bold]portalwatch demo")
    console.print(f"Starting the portal simulator (seed {seed}, scale {scale}) ...")
    with SimulatorProcess(config, seed=seed, scale=scale, families=families) as sim:
        for source_id, base_url in sim.base_urls.items():
            console.print(f"  {source_id:<14} {base_url}")

        start_temporary_api()
        console.rule("1. First crawl: every listing page, every article")
        started = time.perf_counter()
        first = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse)))
        print_summary(first)
        console.print(f"took {time.perf_counter() - started:.1f} s")

        console.rule("2. Second crawl, nothing changed on the portals: nothing recorded")
        second = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse), revisit="all"))
        print_summary(second)

        console.rule("3. One hour passes on the portals: new, edited and removed articles")
        happened = sim.advance(1)["happened"]
        third = asyncio.run(ingest(config_path=str(config), warehouse=str(warehouse), revisit="all"))
        print_summary(third)
        _compare(console, happened, third)
        truth = sim.truth()

    console.rule("The warehouse")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cursor = con.execute(PER_PORTAL_SQL)
        print_rows([d[0] for d in cursor.description], cursor.fetchall(), OutputFormat.table)
        _republications(console, con, truth)
    print_as_is(f"Warehouse: {warehouse}   raw pages: {directory / 'raw'}", console)
    print_as_is(
        f'Try: portalwatch sql -w {warehouse} "SELECT change_type, count(*) FROM changes GROUP BY 1"', console
    )


def _republications(console: Console, con: duckdb.DuckDBPyConnection, truth: list[dict]) -> None:
    """Copies found per level, median lags, and how they compare with the copies the simulator made."""
    console.rule("Republications: the same text on several portals")
    con.execute("SET enable_progress_bar = false")
    cursor = con.execute(REPUBLISHED_SQL)
    print_rows([d[0] for d in cursor.description], cursor.fetchall(), OutputFormat.table)
    held = {url for (url,) in con.execute("SELECT url FROM article_state").fetchall()}
    overall = score_republications(truth, con.execute(FOUND_SQL).fetchall(), held).overall
    console.print(
        f"{overall.found} copies found; the simulator made {overall.expected} among the articles crawled: "
        f"precision {overall.precision:.3f}, recall {overall.recall:.3f} (`make quality` scores each kind of copy)"
    )


def _compare(console: Console, happened: dict, summary: dict) -> None:
    """What the simulator says happened against what the run recorded."""
    table = Table(title="simulator truth vs recorded changes")
    for column in ("source", "created", "updated", "removed", "match"):
        table.add_column(column)
    all_match = True
    for source_id, truth in happened.items():
        recorded = Counter(
            {k: summary["portals"][source_id].get(k, 0) for k in ("created", "updated", "removed")}
        )
        match = all(recorded[k] == truth[k] for k in ("created", "updated", "removed"))
        all_match &= match
        table.add_row(
            source_id,
            *(f"{recorded[k]} / {truth[k]}" for k in ("created", "updated", "removed")),
            "[green]yes[/]" if match else "[red]no[/]",
        )
    console.print(table)
    console.print(
        "[green]Every change the simulator made was recorded, and nothing else.[/]"
        if all_match
        else "[red]Recorded changes differ from the simulator's truth.[/]"
    )
