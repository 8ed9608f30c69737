"""Freed memory handed back to the system: on glibc, and by every warehouse connection as it closes."""

from __future__ import annotations

import platform

import pytest

from portalwatch import heap
from portalwatch.storage.warehouse import Warehouse


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim and mallopt are glibc's")
def test_glibc_is_found_and_called():
    assert heap._LIBC is not None
    heap.limit_arenas()
    heap.release_freed()  # returns nothing, raises nothing


def test_a_closing_warehouse_connection_releases_freed_memory(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "release_freed", lambda: calls.append("released"))
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    warehouse.migrate()
    assert calls == ["released"]
    with warehouse.connect(read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (0,)
        assert calls == ["released"]  # not while the connection is open
    assert calls == ["released", "released"]
