"""The help of every command shows its texts as written: Rich, which draws it, reads square
brackets as markup and drops what they hold unless they are escaped. So do the lines that name
a file: whole, on one line, however long."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.summary import print_summary


def commands(command=None, path: tuple[str, ...] = ()):
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def bracketed() -> list[tuple[tuple[str, ...], str]]:
    """(command, text as written) of each command help and option help that holds a [."""
    found = []
    for path, command in commands():
        for text in [command.help, *(getattr(param, "help", None) for param in command.params)]:
            if text and "[" in text:
                found.append((path, re.sub(r"\\(\[)", r"\1", text)))  # Rich's escape undone
    return found


def shown(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.replace("│", " ").split())


def test_the_warehouse_option_names_the_setting_it_falls_back_to():
    assert "else the sources file's [settings.warehouse], else data/warehouse.duckdb" in shown(("status",))


@pytest.mark.parametrize(("path", "text"), bracketed(), ids=lambda value: str(value)[:60])
def test_every_help_text_with_square_brackets_shows_them(path, text):
    assert " ".join(text.split()) in shown(path)


@pytest.mark.parametrize("command", [["check"], ["warehouse", "maintain"]])
def test_an_error_names_a_long_path_with_brackets_whole_on_one_line(tmp_path, command):
    # Longer than the 200 columns a pipe or a log gets, with a folder name Rich would read as a style.
    missing = tmp_path / "[draft] báo cáo" / ("x" * 120) / ("y" * 100) / "warehouse.duckdb"
    result = CliRunner().invoke(app, [*command, "--warehouse", str(missing)])
    assert result.exit_code == 2, result.output
    assert f"error: {missing}: no warehouse here yet" in result.output.splitlines()[0]


def test_a_run_summary_names_failed_urls_and_warnings_as_they_are(capsys):
    # Query strings with square brackets are common on portals' listings; "[/" would be a closing tag.
    url = "http://portal.example/tin-tuc?filter[category]=5&page[/x]=2&" + "q" * 200
    summary = {
        "run_id": "r1",
        "status": "completed",
        "portals": {
            "p1": {
                "source": "p1",
                "failures": [(url, "HTTP 500 [server]")],
                "warnings": ["listing [red]2[/red] looks empty"],
            }
        },
    }
    print_summary(summary)
    lines = capsys.readouterr().err.splitlines()
    assert f"p1: {url}: HTTP 500 [server]" in lines
    assert "p1: warning: listing [red]2[/red] looks empty" in lines


def test_sql_prints_values_and_column_names_as_stored(warehouse):
    # Portal titles carry tags such as "[video]" or "[trực tiếp]"; "[/]" would be a closing tag.
    title = "[video] Hội nghị [trực tiếp] tổng kết [/] năm"
    query = f"SELECT '{title}' AS \"tiêu đề [1]\""
    result = CliRunner().invoke(app, ["sql", "-w", str(warehouse.path), query])
    assert result.exit_code == 0, result.output
    assert title in result.output and "tiêu đề [1]" in result.output


def groups() -> list[tuple[str, ...]]:
    return [path for path, command in commands() if getattr(command, "commands", None)]


@pytest.mark.parametrize("path", groups(), ids=lambda path: " ".join(path) or "portalwatch")
def test_each_command_of_a_group_is_summed_up_on_its_own_line(path):
    """A command's summary in its group's list is its help's first paragraph, on the command's
    line: Rich keeps the line breaks of that paragraph, which would break it under the next
    columns' text."""
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    lines = [line.replace("│", " ").strip() for line in result.output.splitlines()]
    group = dict(commands()).get(path) or typer.main.get_command(app)
    for name, sub in group.commands.items():
        summary = " ".join((sub.short_help or sub.help or "").split("\n\n")[0].split())
        row = next((line for line in lines if line.startswith(f"{name} ")), None)
        assert row is not None, f"{name} is not listed in {path}"
        assert " ".join(row.split()) == f"{name} {summary}", f"{name}: {row!r}"
