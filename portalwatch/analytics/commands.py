"""The analytics commands: history, diff, export parquet|text, report."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import duckdb
import typer
from rich.console import Console
from rich.text import Text

from portalwatch.errors import PortalwatchError

console = Console()
err = Console(stderr=True)

WarehouseOption = Annotated[
    Path | None,
    typer.Option(
        "--warehouse", "-w", help="DuckDB file [default: $PORTALWATCH_WAREHOUSE or data/warehouse.duckdb]"
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option("--source", "-s", help="The article's source id, when several portals use the same path."),
]

export_app = typer.Typer(help="Export the warehouse to files.", no_args_is_help=True)


def _fail(message: str) -> None:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@contextmanager
def _read(warehouse: Path | None) -> Iterator[tuple[Path, duckdb.DuckDBPyConnection]]:
    """A read-only connection to an existing, migrated warehouse."""
    from portalwatch.paths import warehouse_path

    path = warehouse_path(warehouse)
    if not path.exists():
        _fail(f"{path}: no warehouse here yet (run `portalwatch run` first, or pass --warehouse)")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        _fail(f"{path}: cannot open the warehouse: {exc}")
    try:
        has_views = con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = 'republications' AND NOT internal"
        ).fetchone()[0]
        if not has_views:
            _fail(
                f"{path}: the warehouse predates the analytics views; run `portalwatch run` once to upgrade it"
            )
        yield path, con
    except PortalwatchError as exc:
        _fail(str(exc))
    except duckdb.Error as exc:
        _fail(f"{path}: {exc}")
    finally:
        con.close()


def history(
    url: Annotated[
        str, typer.Argument(help="The article's URL (its path and query are enough when the host moved).")
    ],
    source: SourceOption = None,
    warehouse: WarehouseOption = None,
    output: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
) -> None:
    """Every recorded change of an article: created, each edit with the fields it changed, removals.

    In a table, also where its text was republished: the first publication and every copy on
    other portals, with the lag and whether the copy has a new heading.
    """
    from portalwatch.analytics.history import (
        HISTORY_COLUMNS,
        REPUBLICATION_COLUMNS,
        find_article,
        history_rows,
        republication_rows,
    )
    from portalwatch.cli import OutputFormat, print_rows

    try:
        chosen = OutputFormat(output)
    except ValueError:
        _fail(f"--format must be one of table, csv, json (not {output!r})")
    with _read(warehouse) as (_, con):
        article = find_article(con, url, source)
        rows = history_rows(con, article)
        trail = republication_rows(con, article) if chosen is OutputFormat.table else []
    if chosen is OutputFormat.table:
        console.print(f"{article.url} ({article.source_id}, article {article.article_id})", highlight=False)
    print_rows(HISTORY_COLUMNS, rows, chosen, max_rows=len(rows))
    if trail:
        console.print(f"The same text on {len(trail)} portals (first publication, then copies):")
        print_rows(REPUBLICATION_COLUMNS, trail, chosen, max_rows=len(trail))


def diff(
    url: Annotated[
        str, typer.Argument(help="The article's URL (its path and query are enough when the host moved).")
    ],
    from_version: Annotated[
        int | None, typer.Option("--from", help="Older version [default: the one before --to].")
    ] = None,
    to_version: Annotated[
        int | None, typer.Option("--to", help="Newer version [default: the current one].")
    ] = None,
    source: SourceOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """Word-level difference of an article's title, lead and body between two versions.

    Deleted words show as [-words-], inserted ones as {+words+}.
    """
    from portalwatch.analytics.history import (
        find_article,
        get_version,
        latest_version,
        plain_word_diff,
        word_diff,
    )
    from portalwatch.record import CONTENT_FIELDS

    with _read(warehouse) as (_, con):
        article = find_article(con, url, source)
        newer = to_version or latest_version(con, article)
        older = from_version if from_version is not None else newer - 1
        if older < 1:
            _fail(f"{article.url}: version {newer} has no earlier version to compare with (use --from/--to)")
        old, new = get_version(con, article, older), get_version(con, article, newer)
    console.print(
        f"--- {article.url} version {old.version} (recorded {old.valid_from:%Y-%m-%d %H:%M %Z}, {old.content_hash[:16]})",
        highlight=False,
    )
    console.print(
        f"+++ {article.url} version {new.version} (recorded {new.valid_from:%Y-%m-%d %H:%M %Z}, {new.content_hash[:16]})",
        highlight=False,
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


@export_app.command("parquet")
def export_parquet_command(
    directory: Annotated[Path, typer.Argument(help="Folder to write (an earlier export there is replaced).")],
    warehouse: WarehouseOption = None,
) -> None:
    """Every table as Parquet: DIR/<table>/source_id=<id>/*.parquet, and DIR/<table>.parquet for tables with no source."""
    from portalwatch.analytics.export import export_parquet

    with _read(warehouse) as (_, con):
        written = export_parquet(con, directory)
    for name, path in written.items():
        console.print(f"{name}: {path}", highlight=False)


@export_app.command("text")
def export_text_command(
    directory: Annotated[
        Path, typer.Argument(help="Folder to write: DIR/<source_id>/NNN_<hash16>.txt and DIR/index.csv.")
    ],
    warehouse: WarehouseOption = None,
) -> None:
    """One seed-style text file per article version, named NNN_<first 16 hex digits of its content hash>.txt.

    NNN numbers a source's versions from 000 in the order they were recorded, so names stay
    the same when the export is run again, and after further crawls.
    """
    from portalwatch.analytics.export import export_text

    with _read(warehouse) as (_, con):
        result = export_text(con, directory)
    console.print(
        f"{result.written} file(s) written, {result.unchanged} unchanged, index: {directory / 'index.csv'}",
        highlight=False,
    )


def report(
    out: Annotated[Path, typer.Argument(help="HTML file to write.")],
    warehouse: WarehouseOption = None,
) -> None:
    """A static HTML page with charts (publication volume, edits and removals, republication lag, freshness)."""
    from portalwatch.analytics.report import write_report

    with _read(warehouse) as (path, con):
        data = write_report(con, str(path), out)
    drawn = sum(1 for chart in data.charts if chart.svg)
    console.print(f"{out}: {drawn} of {len(data.charts)} charts drawn", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(history)
    app.command()(diff)
    app.add_typer(export_app, name="export")
    app.command()(report)
