"""history, diff and the exports, through the command line, on a crawl of the simulator; and on a
DuckLake, the same answers as on a DuckDB file."""

from __future__ import annotations

import csv
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import duckdb
import pytest
from crawling import crawl_all_into, query
from planted import ORIGINAL_URL, plant
from typer.testing import CliRunner

from portalwatch.analytics.history import word_diff
from portalwatch.cli import app
from portalwatch.crawl import Revisit
from portalwatch.sim.process import SimulatorProcess
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
SCALE = 0.05


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The simulator crawled, an hour of edits and removals, crawled again; then a third crawl on demand."""
    folder = tmp_path_factory.mktemp("sim-crawl")
    with SimulatorProcess(folder / "sim-sources.toml", seed=11, scale=SCALE) as sim:
        store = Warehouse(folder / "warehouse.duckdb")
        before = {row["url"]: row for row in sim.truth()}
        crawl_all_into(sim.config_path, store)
        sim.advance(2)
        crawl_all_into(sim.config_path, store, Revisit.ALL)
        after = {row["url"]: row for row in sim.truth()}

        def crawl_again():
            sim.advance(1)
            crawl_all_into(sim.config_path, store, Revisit.ALL)

        yield store, before, after, crawl_again


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def title_edits(before: dict, after: dict) -> list[str]:
    return [url for url, row in after.items() if url in before and row["title"] != before[url]["title"]]


def test_history_lists_every_version_with_its_changed_fields(crawled):
    store, before, after, _ = crawled
    url = title_edits(before, after)[0]
    history = json.loads(invoke("history", url, "-w", str(store.path), "--format", "json"))
    assert [(h["change"], h["version"]) for h in history] == [
        ("created", 1),
        *(("updated", v) for v in range(2, after[url]["version"] + 1)),
    ]
    assert history[-1]["title"] == after[url]["title"]
    assert history[0]["title"] == before[url]["title"]
    # Each edit names exactly the fields that differ from the version before it.
    stored_versions = query(
        store, "SELECT version, title, body_text FROM article_versions WHERE url = ? ORDER BY version", [url]
    )
    for update, (_, old_title, old_body), (_, new_title, new_body) in zip(
        history[1:], stored_versions, stored_versions[1:], strict=False
    ):
        differ = [
            name
            for name, old, new in (("title", old_title, new_title), ("body_text", old_body, new_body))
            if old != new
        ]
        assert update["changed_fields"] == ", ".join(differ)
    assert any("title" in h["changed_fields"] for h in history[1:])
    stored = dict(query(store, "SELECT version, content_hash FROM article_versions WHERE url = ?", [url]))
    assert {h["version"]: h["content_hash"] for h in history} == {v: h[:16] for v, h in stored.items()}
    # The host is not part of an article's identity: its path finds it too.
    path = re.sub(r"^http://[^/]+", "", url)
    assert (
        json.loads(
            invoke("history", "http://portal.moved.example" + path, "-w", str(store.path), "-f", "json")
        )
        == history
    )


def test_diff_shows_the_simulated_edit_word_by_word(crawled):
    store, before, after, _ = crawled
    url = title_edits(before, after)[0]
    versions = query(
        store, "SELECT version, title, body_text FROM article_versions WHERE url = ? ORDER BY version", [url]
    )
    output = invoke("diff", url, "-w", str(store.path), "--from", "1")
    old_title, new_title = versions[0][1], versions[-1][1]
    assert before[url]["title"] == old_title and after[url]["title"] == new_title
    title_block = output.split("title:\n", 1)[1].split("\nlead:", 1)[0]
    assert "{+" in title_block or "[-" in title_block
    # The marked-up diff holds both texts: drop the insertions for the old, the deletions for the new.
    assert _words(
        re.sub(r"(?s)\{\+.*?\+\}", " ", title_block).replace("[-", " ").replace("-]", " ")
    ) == _words(old_title)
    assert _words(re.sub(r"(?s)\[-.*?-\]", " ", title_block).replace("{+", " ").replace("+}", " ")) == _words(
        new_title
    )


def test_word_diff_marks_only_what_changed():
    old = "Huyện Tủa Chùa tổ chức hội nghị\n\nĐoạn hai giữ nguyên."
    new = "Huyện Tủa Chùa long trọng tổ chức hội nghị tổng kết\n\nĐoạn hai giữ nguyên."
    chunks = [(c.kind, c.text) for c in word_diff(old, new)]
    assert ("insert", "long trọng") in chunks and ("insert", "tổng kết") in chunks
    assert not any(kind == "delete" for kind, _ in chunks)
    assert word_diff(old, old) == [c for c in word_diff(old, old) if c.kind == "equal"]


def test_diff_and_history_refuse_unknown_urls_and_versions(crawled):
    store, _, after, _ = crawled
    result = CliRunner().invoke(app, ["history", "http://nowhere.example/x.html", "-w", str(store.path)])
    assert result.exit_code == 2 and "http://nowhere.example/x.html: no article" in _words(
        result.output, joined=True
    )
    url = next(iter(after))
    result = CliRunner().invoke(app, ["diff", url, "-w", str(store.path), "--from", "1", "--to", "99"])
    assert result.exit_code == 2 and "no version 99 (versions 1 to " in _words(result.output, joined=True)


def _words(text: str, joined: bool = False) -> list[str] | str:
    return " ".join(text.split()) if joined else text.split()


POSTED = re.compile(r"^  • Thời gian đăng: \d\d/\d\d/\d{4} \d\d:\d\d:\d\d [AP]M$")


def test_text_export_is_seed_shaped_named_by_content_hash_and_stable(crawled, tmp_path):
    store, _, after, crawl_again = crawled
    first, second = tmp_path / "first", tmp_path / "second"
    invoke("export", "text", str(first), "-w", str(store.path))
    versions = query(
        store,
        "SELECT source_id, url, version, content_hash, title, published_at, byline FROM article_versions",
    )
    files = {p.relative_to(first).as_posix(): p.read_bytes() for p in first.rglob("*.txt")}
    assert len(files) == len(versions)
    index = {row[0]: row for row in _csv(first / "index.csv")}
    for source_id, url, version, content_hash, title, published_at, byline in versions:
        (name,) = [n for n, row in index.items() if row[4] == url and int(row[3]) == version]
        assert re.fullmatch(rf"{source_id}/\d{{3,}}_{content_hash[:16]}\.txt", name)
        lines = files[name].decode("utf-8").splitlines()
        assert lines[1] == f"  • {title}"
        assert POSTED.match(lines[2])
        assert lines[2].endswith(published_at.astimezone(LOCAL).strftime("%d/%m/%Y %I:%M:%S %p"))
        if byline:
            assert lines[-1] == f"  • {byline}"
    # A simulated page, as the simulator says it is now.
    url = next(u for u, row in after.items() if not row["removed"])
    (name,) = [n for n, row in index.items() if row[4] == url and int(row[3]) == after[url]["version"]]
    page = files[name].decode("utf-8").splitlines()
    assert page[1] == f"  • {after[url]['title']}"
    posted = datetime.fromisoformat(after[url]["published_at"]).strftime("%d/%m/%Y %I:%M:%S %p")
    assert page[2] == f"  • Thời gian đăng: {posted}"

    # Run again into the same folder: nothing rewritten; into a new one: the same files.
    assert "0 file(s) written" in invoke("export", "text", str(first), "-w", str(store.path))
    invoke("export", "text", str(second), "-w", str(store.path))
    assert {p.relative_to(second).as_posix(): p.read_bytes() for p in second.rglob("*.txt")} == files

    # After another crawl, every file keeps its name and content; new versions come after.
    crawl_again()
    invoke("export", "text", str(first), "-w", str(store.path))
    later = {p.relative_to(first).as_posix(): p.read_bytes() for p in first.rglob("*.txt")}
    assert later.items() >= files.items() and len(later) > len(files)
    for new_name in later.keys() - files.keys():
        source_id, ordinal = new_name.split("/")[0], int(new_name.split("/")[1].split("_")[0])
        assert ordinal >= sum(1 for n in files if n.startswith(source_id + "/"))


def _csv(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.reader(handle))[1:]


def test_parquet_export_is_partitioned_by_source_and_complete(crawled, tmp_path):
    store, *_ = crawled
    out = tmp_path / "parquet"
    invoke("export", "parquet", str(out), "-w", str(store.path))
    sources = {row[0] for row in query(store, "SELECT source_id FROM sources")}
    for table in ("article_versions", "changes", "fetches", "article_state", "text_fingerprints", "articles"):
        assert {p.name for p in (out / table).iterdir()} == {f"source_id={s}" for s in sources}, table
    # Only some portals show a view counter.
    counted = {
        row[0]
        for row in query(
            store, "SELECT DISTINCT source_id FROM view_counts JOIN article_state USING (article_id)"
        )
    }
    assert 0 < len(counted) < len(sources)
    assert {p.name for p in (out / "view_counts").iterdir()} == {f"source_id={s}" for s in counted}
    with duckdb.connect() as con:
        for table in ("article_versions", "changes", "view_counts"):
            exported = con.execute(
                f"SELECT source_id, count(*) FROM read_parquet('{out / table}/*/*.parquet', hive_partitioning = true) "
                "GROUP BY ALL ORDER BY ALL"
            ).fetchall()
            column = "s.source_id" if table == "view_counts" else "t.source_id"
            join = " JOIN article_state AS s USING (article_id)" if table == "view_counts" else ""
            assert exported == query(
                store, f"SELECT {column}, count(*) FROM {table} AS t{join} GROUP BY ALL ORDER BY ALL"
            )
        assert con.execute(f"SELECT count(*) FROM '{out / 'runs.parquet'}'").fetchone()[0] == len(
            query(store, "SELECT * FROM runs")
        )
    # Exporting again replaces the earlier export rather than adding to it.
    invoke("export", "parquet", str(out), "-w", str(store.path))
    assert len(list((out / "changes").rglob("*.parquet"))) == len(sources)


@pytest.mark.ducklake
def test_history_diff_and_exports_answer_the_same_on_a_ducklake(fresh_lake, tmp_path):
    """The planted warehouse (see planted.py) on both backends: the commands print and write the same."""
    file, lake = Warehouse(tmp_path / "warehouse.duckdb"), Warehouse(fresh_lake())
    for store in (file, lake):
        store.migrate()
        plant(store)
    close_sessions()
    for args in (("history", ORIGINAL_URL, "-f", "json"), ("history", ORIGINAL_URL), ("diff", ORIGINAL_URL)):
        assert invoke(*args, "-w", str(lake)) == invoke(*args, "-w", str(file)), args
    for kind in ("text", "parquet"):
        invoke("export", kind, str(tmp_path / f"file-{kind}"), "-w", str(file))
        invoke("export", kind, str(tmp_path / f"lake-{kind}"), "-w", str(lake))
    texts = [
        {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.txt")}
        for root in (tmp_path / "file-text", tmp_path / "lake-text")
    ]
    assert texts[0] and texts[0] == texts[1]
    with duckdb.connect() as con:  # run ids differ from one warehouse to the other
        for table in ("article_versions", "changes", "article_state", "view_counts", "text_fingerprints"):
            exported = [
                con.execute(
                    f"SELECT COLUMNS(c -> c NOT LIKE '%run_id') FROM read_parquet('{tmp_path / root / table}/*/*.parquet', "
                    "hive_partitioning = true, union_by_name = true) ORDER BY ALL"
                ).fetchall()
                for root in ("file-parquet", "lake-parquet")
            ]
            assert exported[0] and exported[0] == exported[1], table
