"""Commands that read a DuckDB warehouse while another process loads into it: DuckDB lets no
other process open a file that one writes to, so they wait for the load to finish, say so, and
then read what it committed; past --wait they fail with an error naming the file."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.storage.warehouse import Warehouse

# A load in another process: the writer lock and a write transaction, held until told to commit.
LOAD = """
import sys
from portalwatch.storage.warehouse import Warehouse
with Warehouse(sys.argv[1]).connect() as con:
    con.execute("BEGIN")
    con.execute("INSERT INTO portalwatch_meta VALUES ('a-load', 'committed')")
    print("holding", flush=True)
    sys.stdin.readline()
    con.execute("COMMIT")
"""
# Another program writing to the file, knowing nothing of portalwatch's lock.
OTHER_PROGRAM = """
import sys
import duckdb
with duckdb.connect(sys.argv[1]) as con:
    print("holding", flush=True)
    sys.stdin.readline()
"""
HOLDERS = {
    "a load": (LOAD, "another process was writing to it"),
    "another program": (OTHER_PROGRAM, "has it open for writing"),
}
GUARD_SECONDS = 120  # only so that a broken command cannot hang the suite


@contextmanager
def held(path: Path, script: str) -> Iterator[subprocess.Popen]:
    """The warehouse held by another process until the block ends (or this one dies: its stdin closes)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        if holder.poll() is None:
            holder.kill()
        holder.wait()


def release(holder: subprocess.Popen) -> None:
    holder.stdin.write("go\n")
    holder.stdin.flush()
    assert holder.wait(timeout=GUARD_SECONDS) == 0


@pytest.fixture
def migrated(tmp_path) -> Path:
    path = tmp_path / "warehouse.duckdb"
    Warehouse(path).migrate()
    return path


READS = {
    "check": (["check"], "no problem found"),
    "sql": (["sql", "SELECT value FROM portalwatch_meta WHERE key = 'a-load'", "-f", "csv"], "committed"),
    "status": (["status"], "next_run"),
}


@pytest.mark.parametrize(
    ("command", "holder"), [*((command, "a load") for command in READS), ("check", "another program")]
)
def test_a_read_waits_for_the_load_in_progress_says_so_and_reads_what_it_committed(migrated, command, holder):
    args, expected = READS[command]
    with held(migrated, HOLDERS[holder][0]) as process:
        reader = subprocess.Popen(
            [sys.executable, "-m", "portalwatch", *args, "-w", str(migrated), "--wait", "600"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            told = queue.Queue()
            threading.Thread(target=lambda: [told.put(line) for line in reader.stderr], daemon=True).start()
            said = ""
            while "waiting for it to finish" not in said:
                said += told.get(timeout=GUARD_SECONDS)
            assert str(migrated) in said and reader.poll() is None  # it waits, and has read nothing yet
            release(process)
            out, _ = reader.communicate(timeout=GUARD_SECONDS)
        finally:
            if reader.poll() is None:
                reader.kill()
            reader.wait()
    assert reader.returncode == 0, out
    assert expected in out


@pytest.mark.parametrize("holder", HOLDERS)
@pytest.mark.parametrize("command", [*READS, "report", "export warc"])
def test_past_its_wait_a_read_fails_naming_the_file_and_what_holds_it(migrated, tmp_path, command, holder):
    script, reason = HOLDERS[holder]
    args = {
        "report": ["report", str(tmp_path / "report.html")],
        "export warc": ["export", "warc", str(tmp_path / "warc")],
    }.get(command) or READS[command][0]
    with held(migrated, script) as process:
        result = CliRunner().invoke(app, [*args, "-w", str(migrated), "--wait", "0.3"])
        release(process)
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert str(migrated) in said and reason in said and "--wait" in said
