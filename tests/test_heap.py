"""Freed memory handed back to the system: on glibc, and by every warehouse connection as it
closes; the garbage collector held off while a load runs, its full passes rarer while a crawl runs."""

from __future__ import annotations

import gc
import platform
import threading

import pytest
from crawling import crawl_into

from portalwatch import heap, pipeline
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


def test_full_passes_are_spaced_until_the_last_block_ends():
    before = gc.get_threshold()
    inner_entered, outer_may_end = threading.Event(), threading.Event()
    seen = []

    def other_thread():
        with heap.full_passes_spaced(500):
            inner_entered.set()
            outer_may_end.wait(5)
            seen.append(gc.get_threshold())
        seen.append(gc.get_threshold())

    with heap.full_passes_spaced(500):
        assert gc.get_threshold() == (before[0], before[1], 500)
        thread = threading.Thread(target=other_thread)
        thread.start()
        assert inner_entered.wait(5)
    assert gc.get_threshold() == (before[0], before[1], 500)  # the other thread's block is still open
    outer_may_end.set()
    thread.join(5)
    assert seen == [(before[0], before[1], 500), before]
    assert gc.get_threshold() == before


def test_full_passes_spaced_never_makes_them_more_frequent():
    before = gc.get_threshold()
    gc.set_threshold(before[0], before[1], 5000)
    try:
        with heap.full_passes_spaced(100):
            assert gc.get_threshold() == (before[0], before[1], 5000)
        assert gc.get_threshold() == (before[0], before[1], 5000)
    finally:
        gc.set_threshold(*before)


def test_a_crawl_runs_with_full_passes_spaced_and_a_load_with_the_collector_paused(
    sim, warehouse, monkeypatch
):
    before = gc.get_threshold()
    during_crawl, during_load = [], []
    crawl_portal, load_together = pipeline.crawl_portal, load._load_together

    async def watched_crawl(*args, **kwargs):
        during_crawl.append(gc.get_threshold())
        crawl = await crawl_portal(*args, **kwargs)
        during_crawl.append(gc.get_threshold())
        return crawl

    def watched_load(*args, **kwargs):
        during_load.append((gc.get_threshold(), gc.isenabled()))
        return load_together(*args, **kwargs)

    monkeypatch.setattr(pipeline, "crawl_portal", watched_crawl)
    monkeypatch.setattr(load, "_load_together", watched_load)
    crawl, summary = crawl_into(sim.config_path, "xa-tua-thang", warehouse)
    assert crawl.observations and summary.created > 0
    spaced = (before[0], before[1], max(before[2], heap.CRAWL_FULL_PASS_EVERY))
    assert spaced != before
    assert during_crawl == [spaced, spaced]
    # The load runs with the collector off, and the full pass the crawl put off waits for it.
    assert during_load == [(spaced, False)]
    assert gc.get_threshold() == before
