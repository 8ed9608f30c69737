"""How the command line and the demo print the summary of a crawl, backfill or import run."""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table

from portalwatch.flows.ingest import SUMMARY_COLUMNS
from portalwatch.terminal import console, err, print_as_is


def print_summary(summary: dict) -> None:
    """A run's counts per portal as a table, then each portal's fetch outcomes, outages, coverage,
    warnings and first failures."""
    table = Table(title=f"run {summary['run_id']} — {summary['status']}")
    for column in SUMMARY_COLUMNS:
        table.add_column(column.replace("_", " "), justify="left" if column == "source" else "right")
    for portal in summary["portals"].values():
        if "skipped" in portal:
            err.print(f"[yellow]{escape(portal['source'])}[/]: {escape(portal['skipped'])}", highlight=False)
        elif "error" in portal:
            table.add_row(escape(portal["source"]), f"[red]{escape(portal['error'])}[/]")
        else:
            table.add_row(*(escape(str(portal.get(column, ""))) for column in SUMMARY_COLUMNS))
    console.print(table)
    for portal in summary["portals"].values():
        if portal.get("outcomes"):
            counts = ", ".join(f"{outcome} {count}" for outcome, count in portal["outcomes"].items())
            print_as_is(f"{portal['source']}: fetches {counts}")
        for outage in portal.get("outages", []):
            state = (
                "back at " + outage["closed_at"]
                if outage["closed_at"]
                else "still down: the next run resumes"
            )
            err.print(
                f"[yellow]{escape(portal['source'])}[/]: {escape(outage['host'])} down since {outage['opened_at']} ({state}), "
                f"{outage['skipped']} request(s) skipped",
                highlight=False,
            )
        for section in portal.get("sections", []):
            print_as_is(f"{portal['source']}: coverage of {section['text']}")
        for warning in portal.get("warnings", []):
            err.print(
                f"[yellow]{escape(portal['source'])}: warning:[/] {escape(warning)}",
                highlight=False,
                soft_wrap=True,
            )
        for url, reason in portal.get("failures", [])[:5]:
            err.print(
                f"[yellow]{escape(portal['source'])}[/]: {escape(url)}: {escape(reason)}",
                highlight=False,
                soft_wrap=True,
            )
