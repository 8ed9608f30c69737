"""The analytics commands at work: history, diff, export parquet|text, report.

:mod:`portalwatch.cli` declares these commands and their options, and calls the functions here;
they read the warehouse through :mod:`portalwatch.analytics.history`, ``export`` and ``report``
and print what they find.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from rich.text import Text

from portalwatch.analytics.export import export_parquet, export_text
from portalwatch.analytics.history import (
    HISTORY_COLUMNS,
    REPUBLICATION_COLUMNS,
    find_article,
    get_version,
    history_rows,
    latest_version,
    plain_word_diff,
    republication_rows,
    word_diff,
)
from portalwatch.analytics.report import write_report
from portalwatch.errors import PortalwatchError
from portalwatch.reading import read_warehouse
from portalwatch.record import CONTENT_FIELDS
from portalwatch.terminal import OutputFormat, console, existing_warehouse, fail, print_as_is, print_rows


@contextmanager
def _read(
    warehouse: str | Path | None, wait: float | None = None
) -> Iterator[tuple[Path | str, duckdb.DuckDBPyConnection]]:
    """A read-only connection to an existing, migrated warehouse (a DuckDB file, between two
    loads, or a DuckLake)."""
    path = existing_warehouse(warehouse)
    try:
        with read_warehouse(path, wait) as con:
            has_views = con.execute(
                "SELECT count(*) FROM duckdb_views() WHERE view_name = 'republications' AND NOT internal"
            ).fetchone()[0]
            if not has_views:
                fail(
                    f"{path}: the warehouse predates the analytics views; run `portalwatch run` once to upgrade it"
                )
            yield path, con
    except PortalwatchError as exc:
        fail(str(exc))
    except duckdb.Error as exc:
        fail(f"{path}: {exc}")


def history_command(
    url: str, source: str | None, warehouse: str | Path | None, output: str, wait: float | None = None
) -> None:
    """`portalwatch history`: an article's changes and, in a table, where its text was republished."""
    try:
        chosen = OutputFormat(output)
    except ValueError:
        fail(f"--format must be one of table, csv, json (not {output!r})")
    with _read(warehouse, wait) as (_, con):
        article = find_article(con, url, source)
        rows = history_rows(con, article)
        trail = republication_rows(con, article) if chosen is OutputFormat.table else []
    if chosen is OutputFormat.table:
        print_as_is(f"{article.url} ({article.source_id}, article {article.article_id})")
    print_rows(HISTORY_COLUMNS, rows, chosen, max_rows=len(rows))
    if trail:
        console.print(f"The same text on {len(trail)} portals (first publication, then copies):")
        print_rows(REPUBLICATION_COLUMNS, trail, chosen, max_rows=len(trail))


def diff_command(
    url: str,
    from_version: int | None,
    to_version: int | None,
    source: str | None,
    warehouse: str | Path | None,
    wait: float | None = None,
) -> None:
    """`portalwatch diff`: the word-level difference between two versions of an article."""
    with _read(warehouse, wait) as (_, con):
        article = find_article(con, url, source)
        newer = to_version or latest_version(con, article)
        older = from_version if from_version is not None else newer - 1
        if older < 1:
            fail(f"{article.url}: version {newer} has no earlier version to compare with (use --from/--to)")
        old, new = get_version(con, article, older), get_version(con, article, newer)
    print_as_is(
        f"--- {article.url} version {old.version} (recorded {old.valid_from:%Y-%m-%d %H:%M %Z}, {old.content_hash[:16]})"
    )
    print_as_is(
        f"+++ {article.url} version {new.version} (recorded {new.valid_from:%Y-%m-%d %H:%M %Z}, {new.content_hash[:16]})"
    )
    for name, before, after in (
        ("title", old.title, new.title),
        ("lead", old.lead, new.lead),
        ("body", old.body_text, new.body_text),
    ):
        if (before or "") == (after or ""):
            console.print(Text(f"{name}: unchanged", style="dim"))
            continue
        text = Text(f"{name}:\n" + plain_word_diff(word_diff(before or "", after or "")))
        text.highlight_regex(r"(?s)\[-.*?-\]", "bold red")
        text.highlight_regex(r"(?s)\{\+.*?\+\}", "bold green")
        console.print(text)
    others = [
        field
        for field in CONTENT_FIELDS
        if field not in ("title", "lead", "body_text") and getattr(old, field) != getattr(new, field)
    ]
    if others:
        console.print(f"also changed: {', '.join(others)}", highlight=False)


def export_parquet_command(directory: Path, warehouse: str | Path | None, wait: float | None = None) -> None:
    """`portalwatch export parquet`: every table as Parquet under `directory`."""
    with _read(warehouse, wait) as (_, con):
        written = export_parquet(con, directory)
    for name, path in written.items():
        print_as_is(f"{name}: {path}")


def export_text_command(directory: Path, warehouse: str | Path | None, wait: float | None = None) -> None:
    """`portalwatch export text`: one text file per article version under `directory`."""
    with _read(warehouse, wait) as (_, con):
        result = export_text(con, directory)
    print_as_is(
        f"{result.written} file(s) written, {result.unchanged} unchanged, index: {directory / 'index.csv'}"
    )


def report_command(out: Path, warehouse: str | Path | None, wait: float | None = None) -> None:
    """`portalwatch report`: the HTML report, written to `out`."""
    with _read(warehouse, wait) as (path, con):
        data = write_report(con, str(path), out)
    drawn = sum(1 for chart in data.charts if chart.svg)
    print_as_is(f"{out}: {drawn} of {len(data.charts)} charts drawn")
