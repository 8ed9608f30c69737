"""The HTML report: self-contained, and its charts really drawn when a browser renders it.

Headless Chromium (Debian's /usr/bin/chromium) takes a screenshot; the test then
looks for each chart's own colours, in page order. Under CI the browser must be
there (.ci/run installs it); elsewhere the screenshot test is skipped without it.
"""

from __future__ import annotations

import os
import re
import subprocess

import numpy
import pytest
from PIL import Image
from planted import CHAIN, plant
from typer.testing import CliRunner

from portalwatch.analytics.report import EDIT_COLORS, FRESHNESS_COLORS, LAG_COLORS, VOLUME_COLORS
from portalwatch.cli import app
from portalwatch.storage.warehouse import Warehouse

CHROMIUM = "/usr/bin/chromium"
WINDOW = (1100, 3600)
# Each chart's leading colours (its first series), top to bottom.
CHART_COLORS = {
    "volume": VOLUME_COLORS[0],
    "edits": EDIT_COLORS[0],
    "lag": LAG_COLORS[0],
    "freshness": FRESHNESS_COLORS[0],
}
MIN_PIXELS = 300  # a bar or two; a legend swatch alone is about 150


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The report of the planted warehouse, and of an empty one."""
    folder = tmp_path_factory.mktemp("report")
    full, empty = Warehouse(folder / "full.duckdb"), Warehouse(folder / "empty.duckdb")
    full.migrate()
    empty.migrate()
    plant(full)
    paths = {}
    for name, store in (("full", full), ("empty", empty)):
        paths[name] = folder / f"{name}.html"
        result = CliRunner().invoke(app, ["report", str(paths[name]), "-w", str(store.path)])
        assert result.exit_code == 0, result.output
    return paths


def test_report_is_one_self_contained_page(reports):
    html = reports["full"].read_text(encoding="utf-8")
    assert html.count("<svg") == len(CHART_COLORS)
    # Nothing to fetch: no script files, stylesheets, images or fonts from anywhere
    # (pygal leaves an inline script holding its chart settings, which loads nothing).
    assert not re.search(r"<script[^>]*\ssrc|<link|<img|<iframe|@import|url\(", html)
    assert not re.search(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", html)
    for source_id in CHAIN:
        assert f"{source_id} ← tinh" in html  # a bar of the lag chart per copy
    empty = reports["empty"].read_text(encoding="utf-8")
    assert "<svg" not in empty and empty.count("Nothing recorded yet.") >= len(CHART_COLORS)


def _chromium() -> str:
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium package before the tests")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def screenshot(html, tmp_path):
    png = tmp_path / (html.stem + ".png")
    command = [
        _chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / ('profile-' + html.stem)}",
        f"--screenshot={png}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        html.as_uri(),
    ]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and png.exists(), done.stderr[-2000:]
    return png


def color_rows(png, hex_color: str, tolerance: int = 8):
    """The y of every pixel of this colour (within tolerance per channel)."""

    target = numpy.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)], dtype=numpy.int16)
    with Image.open(png) as image:
        pixels = numpy.asarray(image.convert("RGB"), dtype=numpy.int16)
    return numpy.nonzero(numpy.all(numpy.abs(pixels - target) <= tolerance, axis=2))[0]


def test_the_charts_render_in_a_browser(reports, tmp_path):
    png = screenshot(reports["full"], tmp_path)
    tops = {}
    for chart, color in CHART_COLORS.items():
        rows = color_rows(png, color)
        assert len(rows) >= MIN_PIXELS, f"{chart} chart: {len(rows)} pixels of {color} in the screenshot"
        tops[chart] = float(numpy.median(rows))
    assert sorted(tops, key=tops.get) == list(CHART_COLORS)  # in page order, each in its own place
    # Both levels of copies in the lag chart, both series of the edits chart.
    assert len(color_rows(png, LAG_COLORS[1])) >= MIN_PIXELS
    assert len(color_rows(png, EDIT_COLORS[1])) >= MIN_PIXELS

    # The same check on a report with nothing to draw finds none of those colours.
    blank = screenshot(reports["empty"], tmp_path)
    assert all(len(color_rows(blank, color)) < 20 for color in CHART_COLORS.values())
