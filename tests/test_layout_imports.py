"""The crawler stands without the simulator: importing it loads neither portalwatch.sim nor
fpdf (the `sim` extra), and the commands that need the simulator say which extra is missing."""

from __future__ import annotations

import json
import subprocess
import sys

CRAWLER_MODULES = (
    "portalwatch.crawl",
    "portalwatch.flows.ingest",
    "portalwatch.fetch",
    "portalwatch.parse",
    "portalwatch.storage.warehouse",
)


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )


def test_the_crawler_imports_nothing_of_the_simulator():
    code = (
        "import json, sys\n"
        + "".join(f"import {name}\n" for name in CRAWLER_MODULES)
        + "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('portalwatch.sim', 'fpdf')))))\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_the_crawler_and_its_page_workers_leave_prefects_server_and_the_pdf_reader_unimported():
    # Prefect's server is imported only to start a temporary one (about 80 MiB), PDFium only to
    # read a PDF's text (about 8 MiB): a crawl on a configured API, and its page workers until
    # they meet a PDF, carry neither.
    code = (
        "import json, sys\n"
        + "".join(f"import {name}\n" for name in CRAWLER_MODULES)
        + "import portalwatch.flows.api, portalwatch.flows.backfill, portalwatch.pagework\n"
        + "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('prefect.server.api', 'pypdfium2')))))\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == []


def test_the_simulator_commands_name_the_missing_extra():
    # The simulator's PDF library made unimportable, as when the `sim` extra is not installed.
    code = (
        "import sys\n"
        "sys.modules['fpdf'] = None\n"
        "from typer.testing import CliRunner\n"
        "from portalwatch.cli import app\n"
        "for command in (['sim', '--list-faults'], ['demo', '--scale', '0.05']):\n"
        "    result = CliRunner().invoke(app, command)\n"
        "    print(result.exit_code, ' '.join(result.output.split()))\n"
    )
    result = _python(code)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert line.startswith("2 "), line
        assert "the simulator needs the 'sim' extra (fpdf not installed)" in line
        assert "pip install 'portalwatch[sim]'" in line
