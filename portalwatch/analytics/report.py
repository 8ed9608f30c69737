"""The report: one static HTML page with inline SVG charts, readable with no server.

Charts are drawn by pygal as inline SVG with its JavaScript left out (it would
be loaded from the network); the page embeds its styles and needs nothing else.
Every number comes from the warehouse's documented views.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path

import duckdb
import jinja2
import pygal
from pygal.style import Style

from portalwatch.storage.coverage import latest_coverage

# One palette per chart, none shared, so that each chart can be recognized by its colours.
VOLUME_COLORS = ("#1565c0", "#64b5f6", "#0d47a1", "#90caf9", "#283593", "#5c6bc0", "#1e88e5", "#bbdefb")
EDIT_COLORS = ("#ef6c00", "#c62828")  # edits, removals
LAG_COLORS = ("#6a1b9a", "#2e7d32", "#ad1457")  # district, commune, other levels
FRESHNESS_COLORS = ("#00897b",)
LEVEL_ORDER = ("district", "commune", "province")

MONTHLY_SQL = "SELECT source_id, month, articles FROM monthly_publications ORDER BY month, source_id"
EDITS_SQL = """
SELECT s.source_id,
       (SELECT count(*) FROM edit_log AS e WHERE e.source_id = s.source_id) AS edits,
       (SELECT count(*) FROM removed_articles AS r WHERE r.source_id = s.source_id)
       + (SELECT count(*) FROM removed_documents AS r WHERE r.source_id = s.source_id) AS removals
FROM sources AS s ORDER BY s.source_id
"""
REPUBLICATIONS_SQL = """
SELECT original_source_id, source_id, level, title, lag_hours, similarity, same_text, title_changed,
       original_published_at, published_at, url
FROM republications ORDER BY original_published_at DESC, lag_hours LIMIT ?
"""
FRESHNESS_SQL = """
SELECT source_id, name, level, live_articles, removed_articles, live_documents, removed_documents,
       newest_published_at, last_ok_fetch_at, epoch(newest_age_at_last_crawl) / 3600.0 AS newest_age_hours,
       last_run_fetches, last_run_failed_fetches
FROM source_freshness ORDER BY level, source_id
"""
LIFECYCLE_SQL = """
SELECT source_id, name, level, status, active_from, active_until, array_to_string(successors, ', ') AS successors
FROM sources ORDER BY status = 'active', active_until DESC, source_id
"""
RECENT_EDITS_SQL = """
SELECT detected_at, source_id, version, array_to_string(changed_fields, ', ') AS fields, new_title, url,
       epoch(since_publication) / 86400.0 AS days_after_publication
FROM edit_log ORDER BY detected_at DESC LIMIT ?
"""
REMOVED_SQL = """
SELECT removed_at, source_id, 'article' AS kind, title, url FROM removed_articles
UNION ALL
SELECT removed_at, source_id, 'document', coalesce(number || ': ', '') || coalesce(subject, title, ''), url
FROM removed_documents
ORDER BY removed_at DESC, url LIMIT ?
"""
TOPICS_SQL = """
SELECT topic, count(*) AS articles, count(DISTINCT source_id) AS sources, min(published_at) AS first_published,
       max(published_at) AS last_published
FROM topic_articles GROUP BY topic ORDER BY articles DESC
"""
TOTALS_SQL = """
SELECT (SELECT count(*) FROM sources), (SELECT count(*) FROM article_state), (SELECT count(*) FROM article_versions),
       (SELECT count(*) FROM edit_log), (SELECT count(*) FROM removed_articles),
       (SELECT count(*) FROM removed_documents), (SELECT count(*) FROM republications)
"""
AGE = 9  # FRESHNESS_SQL's newest_age_hours: charted, not tabled
TABLE_ROWS = 25
LAG_BARS = 30


@dataclass
class Chart:
    key: str
    title: str
    description: str
    svg: str | None  # None when there is nothing to draw yet


@dataclass
class ReportData:
    generated_at: datetime
    warehouse: str
    totals: dict[str, int]
    charts: list[Chart] = field(default_factory=list)
    tables: dict[str, tuple[list[str], list[tuple]]] = field(default_factory=dict)


def _style(colors: tuple[str, ...]) -> Style:
    return Style(
        colors=colors,
        background="white",
        plot_background="white",
        opacity="1",
        opacity_hover="0.85",
        font_family="'DejaVu Sans', Arial, sans-serif",
        label_font_size=11,
        major_label_font_size=11,
        legend_font_size=12,
        title_font_size=14,
    )


def _config(colors: tuple[str, ...], **options) -> dict:
    return {
        "js": [],
        "style": _style(colors),
        "width": 900,
        "height": 380,
        "legend_at_bottom": True,
        "print_values": False,
        "truncate_legend": 60,
        **options,
    }


def _svg(chart) -> str:
    return chart.render(is_unicode=True, disable_xml_declaration=True)


def _volume_chart(con) -> str | None:
    rows = con.execute(MONTHLY_SQL).fetchall()
    if not rows:
        return None
    months = sorted({month for _, month, _ in rows})
    sources = sorted({source for source, _, _ in rows})
    counts = {(source, month): n for source, month, n in rows}
    chart = pygal.StackedBar(
        **_config(
            VOLUME_COLORS,
            x_label_rotation=40,
            show_minor_x_labels=False,
            x_labels_major_every=max(1, len(months) // 12),
        )
    )
    chart.x_labels = [f"{month:%m/%Y}" for month in months]
    for source in sources:
        chart.add(source, [counts.get((source, month), 0) for month in months])
    return _svg(chart)


def _edits_chart(con) -> str | None:
    rows = con.execute(EDITS_SQL).fetchall()
    if not any(edits or removals for _, edits, removals in rows):
        return None
    chart = pygal.Bar(**_config(EDIT_COLORS))
    chart.x_labels = [source for source, _, _ in rows]
    chart.add("edits after publication", [edits for _, edits, _ in rows])
    chart.add("pages removed", [removals for _, _, removals in rows])
    return _svg(chart)


def _lag_chart(con) -> str | None:
    rows = con.execute(REPUBLICATIONS_SQL, [LAG_BARS]).fetchall()
    if not rows:
        return None
    rows = sorted(rows, key=lambda row: row[4])
    labels = [f"{row[1]} ← {row[0]}: {row[3][:40]}" for row in rows]
    levels = [level for level in LEVEL_ORDER if any(row[2] == level for row in rows)]
    levels += sorted({row[2] or "unknown" for row in rows} - set(levels))
    chart = pygal.HorizontalBar(
        **_config(
            LAG_COLORS, height=max(300, 60 + 24 * len(rows)), x_title="hours after the first publication"
        )
    )
    chart.x_labels = labels
    for level in levels:
        chart.add(
            f"{level} copies", [round(row[4], 1) if (row[2] or "unknown") == level else None for row in rows]
        )
    return _svg(chart)


def _freshness_chart(rows) -> str | None:
    ages = [(row[0], row[AGE]) for row in rows if row[AGE] is not None]
    if not ages:
        return None
    chart = pygal.HorizontalBar(
        **_config(FRESHNESS_COLORS, height=max(300, 80 + 40 * len(ages)), show_legend=False, x_title="hours")
    )
    chart.x_labels = [source for source, _ in ages]
    chart.add("newest article's age at the last crawl", [round(max(age, 0.0), 1) for _, age in ages])
    return _svg(chart)


def collect(con: duckdb.DuckDBPyConnection, warehouse: str) -> ReportData:
    totals = dict(
        zip(
            (
                "portals",
                "articles",
                "versions",
                "edits",
                "articles removed",
                "documents removed",
                "republications",
            ),
            con.execute(TOTALS_SQL).fetchone(),
            strict=False,
        )
    )
    data = ReportData(datetime.now(UTC), warehouse, totals)
    freshness = con.execute(FRESHNESS_SQL).fetchall()
    data.charts = _charts(con, freshness)
    data.tables = _tables(con, freshness)
    return data


def _charts(con: duckdb.DuckDBPyConnection, freshness: list[tuple]) -> list[Chart]:
    return [
        Chart(
            "volume",
            "Publication volume per portal",
            "Articles per month of posting (local time), stacked by portal.",
            _volume_chart(con),
        ),
        Chart(
            "edits",
            "Edits and removals",
            "Edits portals made after publication, and articles and documents they took down.",
            _edits_chart(con),
        ),
        Chart(
            "lag",
            "Republication lag",
            f"Copies of a text first published elsewhere, hours behind the first "
            f"publisher (the {LAG_BARS} most recent).",
            _lag_chart(con),
        ),
        Chart(
            "freshness",
            "Freshness per portal",
            "How old each portal's newest article was when the portal was last "
            "read (hours); when that was is in the Portals table below.",
            _freshness_chart(freshness),
        ),
    ]


def _tables(con: duckdb.DuckDBPyConnection, freshness: list[tuple]) -> dict[str, tuple[list[str], list]]:
    tables = {
        "Portals": (
            [
                "portal",
                "name",
                "level",
                "live",
                "removed",
                "documents",
                "documents removed",
                "newest article",
                "last crawl",
                "last run fetches",
                "failed",
            ],
            [row[:AGE] + row[AGE + 1 :] for row in freshness],
        ),
        "Coverage": (
            [
                "portal",
                "section",
                "kind",
                "held",
                "stated",
                "basis",
                "coverage %",
                "pages missing",
                "complete",
                "walked",
            ],
            latest_coverage(con),
        ),
        "Recent edits": (
            ["detected", "portal", "version", "fields", "title", "url", "days after publication"],
            con.execute(RECENT_EDITS_SQL, [TABLE_ROWS]).fetchall(),
        ),
        "Removed pages": (
            ["removed", "portal", "kind", "title", "url"],
            con.execute(REMOVED_SQL, [TABLE_ROWS]).fetchall(),
        ),
        "Republications": (
            [
                "first publisher",
                "portal",
                "level",
                "title",
                "lag (h)",
                "similarity",
                "same text",
                "new heading",
                "first published",
                "published",
                "url",
            ],
            con.execute(REPUBLICATIONS_SQL, [TABLE_ROWS]).fetchall(),
        ),
        "Topics": (["topic", "articles", "portals", "first", "last"], con.execute(TOPICS_SQL).fetchall()),
    }
    tables["Portal lifecycle"] = (
        ["portal", "name", "level", "status", "active from", "active until", "successors"],
        con.execute(LIFECYCLE_SQL).fetchall(),
    )
    return tables


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def render(data: ReportData) -> str:
    environment = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: (resources.files("portalwatch.analytics") / "templates" / name).read_text(
                encoding="utf-8"
            )
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = _cell
    return environment.get_template("report.html.j2").render(report=data)


def write_report(con: duckdb.DuckDBPyConnection, warehouse: str, out: Path) -> ReportData:
    data = collect(con, warehouse)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(data), encoding="utf-8")
    return data
