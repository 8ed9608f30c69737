"""The cluster demo's verdict: two warehouses match when they hold the same articles, versions,
changes and documents, whenever and by whichever runs they were recorded; any other content is
a difference. (The whole demo, `make cluster-demo`, runs in .ci/run: it takes minutes.)"""

from __future__ import annotations

import io

from rich.console import Console
from test_warehouse import HOUR, T0, gone, load, observe, record

from portalwatch.clusterdemo import compare, warehouse_content
from portalwatch.storage.session import close_sessions
from portalwatch.storage.warehouse import Warehouse


def history(store: Warehouse, start, run: str, edited_body: str | None = None, extra: bool = False) -> None:
    """Articles 1–3 created, article 1 edited, article 3 removed: three runs from `start` on."""
    store.migrate()
    load(
        store,
        [observe(n, start) for n in (1, 2, 3)] + ([observe(4, start)] if extra else []),
        run_id=f"{run}-1",
    )
    body = edited_body or "Đoạn một đã sửa."
    load(store, [observe(1, start + HOUR, record(1, body_text=body))], run_id=f"{run}-2")
    load(store, gones=[gone(3, start + 2 * HOUR)], run_id=f"{run}-3")
    load(store, gones=[gone(3, start + 3 * HOUR)], run_id=f"{run}-4")


def verdict(first, second) -> tuple[list[str], str]:
    out = io.StringIO()
    (first_content, first_problems), (second_content, second_problems) = (
        warehouse_content(first),
        warehouse_content(second),
    )
    assert first_problems == [] and second_problems == []
    return compare(first_content, second_content, Console(file=out, width=200)), out.getvalue()


def test_the_same_history_recorded_at_other_times_by_other_runs_matches(warehouse_backend, tmp_path):
    history(Warehouse(warehouse_backend), T0, "cluster")
    single = tmp_path / "single.duckdb"
    history(Warehouse(single), T0 + 24 * HOUR, "single")
    close_sessions()
    differences, printed = verdict(warehouse_backend, single)
    assert differences == []
    content, _ = warehouse_content(single)
    assert {name: rows.total() for name, rows in content.items()} == {
        "articles": 3,
        "versions": 4,
        "changes": 5,  # three created, one updated, one removed
        "documents": 0,
    }
    assert "articles" in printed and "versions" in printed


def test_another_edit_or_another_article_is_a_difference(tmp_path):
    history(Warehouse(tmp_path / "a.duckdb"), T0, "a")
    history(Warehouse(tmp_path / "b.duckdb"), T0, "b", edited_body="Một đoạn khác.")
    history(Warehouse(tmp_path / "c.duckdb"), T0, "c", extra=True)
    close_sessions()
    edited, _ = verdict(tmp_path / "a.duckdb", tmp_path / "b.duckdb")
    assert [d.split(" ")[0] for d in edited] == ["articles", "versions", "changes"]
    assert edited[1] == "versions (1 rows only on the cluster, 1 only on one machine)"
    extra, printed = verdict(tmp_path / "a.duckdb", tmp_path / "c.duckdb")
    assert extra == [
        "articles (0 rows only on the cluster, 1 only on one machine)",
        "versions (0 rows only on the cluster, 1 only on one machine)",
        "changes (0 rows only on the cluster, 1 only on one machine)",
    ]
    assert "one machine only" in printed
