"""Freed memory handed back to the system: on glibc, and by every warehouse connection as it
closes; the garbage collector held off while a load runs."""

from __future__ import annotations

import gc
import platform
import threading

import pytest

from portalwatch import heap
from portalwatch.model import PortalCrawl, SourceRow
from portalwatch.storage import load
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


def test_collections_paused_holds_the_collector_off_until_the_last_block_ends():
    assert gc.isenabled()
    inner_entered, outer_may_end = threading.Event(), threading.Event()
    seen = []

    def other_thread():
        with heap.collections_paused():
            inner_entered.set()
            outer_may_end.wait(5)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    with heap.collections_paused():
        assert not gc.isenabled()
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert inner_entered.wait(5)
    assert not gc.isenabled()  # the other thread's block is still open
    outer_may_end.set()
    thread.join(5)
    assert seen == [False, True]
    assert gc.isenabled()


def test_collections_paused_leaves_a_disabled_collector_disabled():
    gc.disable()
    try:
        with heap.collections_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_load_runs_with_the_collector_paused(tmp_path, monkeypatch):
    states = []
    original = load._load_together

    def watched(*args, **kwargs):
        states.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(load, "_load_together", watched)
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    warehouse.migrate()
    source = SourceRow("p", "Portal", "province", "dcs_aspnet", "http://p.example")
    warehouse.load_portal(warehouse.start_run("test", {}), PortalCrawl(source, [], []))
    assert states == [False]
    assert gc.isenabled()
