"""docs/warehouse.md describes the warehouse exactly: every object, column and type, no more, no less."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

DOC = Path(__file__).resolve().parent.parent / "docs" / "warehouse.md"
HEADING = re.compile(r"^### `(?P<name>\w+)(?P<macro>\(.*\))?`\s*$")
COLUMN = re.compile(r"^\| `(?P<column>\w+)` \| (?P<type>[^|]+?) \|")
TYPE_ALIASES = {"TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE"}


def documented() -> tuple[dict[str, list[tuple[str, str]]], set[str]]:
    """({table or view: [(column, type)]}, {macro})."""
    objects: dict[str, list[tuple[str, str]]] = {}
    macros: set[str] = set()
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if match := HEADING.match(line):
            current = None
            if match["macro"]:
                macros.add(match["name"])
            else:
                current = match["name"]
                assert current not in objects, f"{current} is documented twice"
                objects[current] = []
        elif line.startswith("## "):
            current = None
        elif current and (match := COLUMN.match(line)):
            objects[current].append((match["column"], TYPE_ALIASES.get(match["type"], match["type"])))
    return objects, macros


def test_every_warehouse_object_and_column_is_documented(warehouse):
    objects, macros = documented()
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        names = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE NOT internal UNION SELECT view_name FROM duckdb_views() WHERE NOT internal"
            ).fetchall()
        }
        actual = {
            name: [
                tuple(row)
                for row in con.execute(
                    "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                    [name],
                ).fetchall()
            ]
            for name in names
        }
        actual_macros = {
            row[0]
            for row in con.execute(
                "SELECT function_name FROM duckdb_functions() WHERE function_type LIKE '%macro' AND NOT internal"
            ).fetchall()
        }
    assert set(objects) == set(actual), "documented vs in the warehouse"
    for name, columns in actual.items():
        assert objects[name] == columns, f"{name}: documented columns and types differ from the warehouse"
    assert macros == actual_macros
    assert len(objects) >= 17 and all(objects.values())  # the parser found the tables, not an empty page


def test_every_view_has_an_example_query():
    text = DOC.read_text(encoding="utf-8")
    views = re.split(r"^## ", text, flags=re.MULTILINE)
    (views_section,) = [section for section in views if section.startswith("Views")]
    for block in re.split(r"^### ", views_section, flags=re.MULTILINE)[1:]:
        name = block.split("`")[1]
        assert "```sql" in block, f"view {name} has no example query"


def test_the_example_queries_run(warehouse):
    """Every example parses and runs on a migrated (empty) warehouse."""
    queries = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(queries) >= 11
    with duckdb.connect(str(warehouse.path)) as con:
        con.execute("BEGIN")
        for block in queries:
            for statement in filter(str.strip, re.sub(r"--[^\n]*", "", block).split(";")):
                con.execute(statement)
        con.execute("ROLLBACK")
