"""`portalwatch check`: broken keys and version chains planted in a warehouse are found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.integrity import check_warehouse
from portalwatch.model import FetchRow, Observation, PortalCrawl, SourceRow
from portalwatch.record import ArticleRecord, article_id
from portalwatch.storage.warehouse import Warehouse

SOURCE = SourceRow(
    "tuachua", "Huyện Tủa Chùa", "district", "district_portal", "https://tuachua.dienbien.gov.vn"
)
T0 = datetime(2025, 5, 5, 1, 0, 0, tzinfo=UTC)


def url(n: int) -> str:
    return f"{SOURCE.base_url}/tin-tuc/bai-{n}.html"


def aid(n: int) -> str:
    return article_id(SOURCE.source_id, url(n))


def observe(n: int, at: datetime, edit: str = "") -> Observation:
    record = ArticleRecord(
        title=f"Bài số {n}{edit}",
        published_at=T0,
        body_text=f"Nội dung bài {n}.{edit}",
        parser_version="district_portal/1+1",
    )
    return Observation(aid(n), url(n), record, record.content_hash, f"{n:064x}", at)


def load(warehouse: Warehouse, run_id: str, observations: list[Observation]) -> None:
    fetches = [
        FetchRow(SOURCE.source_id, o.url, "article", o.fetched_at, 200, "ok", None, 1, 1.0, 10, o.raw_hash)
        for o in observations
    ]
    warehouse.load_portal(run_id, PortalCrawl(SOURCE, fetches=fetches, observations=observations))


def build(warehouse: Warehouse) -> None:
    """Three articles; 1 and 2 edited once (two versions each)."""
    load(warehouse, "run-1", [observe(n, T0) for n in (1, 2, 3)])
    later = T0 + timedelta(hours=1)
    load(warehouse, "run-2", [observe(1, later, " (sửa)"), observe(2, later, " (sửa)"), observe(3, later)])


def test_a_clean_warehouse_has_no_problem(warehouse: Warehouse):
    build(warehouse)
    with warehouse.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (5,)
        assert check_warehouse(con) == []
    result = CliRunner().invoke(app, ["check", "--warehouse", str(warehouse.path)])
    assert result.exit_code == 0, result.output
    assert "no problem found" in result.output


def test_planted_duplicates_and_gaps_are_found(warehouse: Warehouse):
    build(warehouse)
    with warehouse.connect() as con:
        con.execute(
            "INSERT INTO article_versions SELECT * FROM article_versions WHERE article_id = ? AND version = 1",
            [aid(1)],
        )
        con.execute("UPDATE article_versions SET version = 3 WHERE article_id = ? AND version = 2", [aid(2)])
        con.execute("INSERT INTO changes SELECT * FROM changes WHERE article_id = ?", [aid(3)])
        problems = check_warehouse(con)
    others = {(p.check, p.table, p.key) for p in problems if not p.key.startswith(aid(3))}
    assert others == {
        ("duplicate version", "article_versions", f"{aid(1)} 1"),
        ("version gap", "article_versions", aid(2)),
        ("state off its versions", "article_state", aid(2)),
    }
    # The copied 'created' change: the same key twice, and two changes that made version 1.
    third = sorted(p.key for p in problems if p.key.startswith(aid(3)))
    assert len(third) == 2 and third[0] == f"{aid(3)} 1" and third[1].startswith(f"{aid(3)} created 1 ")

    result = CliRunner().invoke(app, ["check", "--warehouse", str(warehouse.path)])
    assert result.exit_code == 1
    assert (
        f"duplicate version: article_versions {aid(1)} 1: 2 rows share (article_id, version)" in result.output
    )
    assert f"version gap: article_versions {aid(2)}: versions 1,3 are not 1..3" in result.output
    assert "5 problem(s)" in result.output


def test_check_refuses_a_missing_warehouse(tmp_path):
    result = CliRunner().invoke(app, ["check", "--warehouse", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "no warehouse here yet" in result.output
