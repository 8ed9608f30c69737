"""Page work beside the fetching loop: the worker pool, and the crawling process taking its turn."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pickle
import random
import sys
import time

from portalwatch.errors import ConfigError, ExtractionError, StorageError, WrongPage
from portalwatch.pagework import (
    BATCH_PAGES,
    PIPE_BYTES,
    PageWorkers,
    _pool,
    article_page,
    article_pages,
    pipe_ends,
    requesting,
)
from portalwatch.parse.profile import get_profile
from portalwatch.sim import pages
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import World


def test_shared_work_runs_in_the_crawling_process_only_once_the_backlog_is_full():
    async def scenario() -> tuple[int, int, int, int]:
        workers = PageWorkers(1, backlog=2)
        # The worker parses one page and has another waiting: the backlog is full.
        busy = [asyncio.ensure_future(workers.run(time.sleep, 1.0)) for _ in range(2)]
        await asyncio.sleep(0)
        shared = await workers.run(os.getpid, share=True)
        await asyncio.gather(*busy)
        # Work that may not be shared waits for a worker however long the queue.
        busy = [asyncio.ensure_future(workers.run(time.sleep, 0.1)) for _ in range(2)]
        await asyncio.sleep(0)
        kept = await workers.run(os.getpid)
        await asyncio.gather(*busy)
        idle = await workers.run(os.getpid, share=True)
        # With the default backlog, a few pages waiting are no reason to parse here.
        default = PageWorkers(1)
        busy = [asyncio.ensure_future(default.run(time.sleep, 0.1)) for _ in range(4)]
        await asyncio.sleep(0)
        queued = await default.run(os.getpid, share=True)
        await asyncio.gather(*busy)
        return shared, kept, idle, queued

    shared, kept, idle, queued = asyncio.run(scenario())
    assert shared == os.getpid()
    assert kept != os.getpid()
    assert idle != os.getpid()  # nothing waiting: the worker takes it
    assert queued != os.getpid()


def test_a_file_that_kills_its_worker_is_refused_by_url_and_never_read_in_the_crawling_process(caplog):
    # A file read by a library in C that takes its process down (here: a call that ends the
    # worker at once). The crawling process must survive it, and the calls the dead worker held
    # beside it are read again in a new worker.
    async def scenario():
        workers = PageWorkers(1)
        first = await workers.run(os.getpid)
        killer = asyncio.ensure_future(workers.run(os._exit, 3, contained="https://portal.example/f.pdf"))
        await asyncio.sleep(0)
        beside = asyncio.ensure_future(workers.run(os.getpid, contained="https://portal.example/g.pdf"))
        killed = await asyncio.gather(killer, return_exceptions=True)
        again = await beside
        after = await workers.run(os.getpid)
        return first, killed[0], again, after

    first, killed, again, after = asyncio.run(scenario())
    assert isinstance(killed, ExtractionError)
    assert killed.url == "https://portal.example/f.pdf"
    assert "died" in killed.reason
    # Read in a worker, never in this process; the pool is a new one, with a new worker.
    assert os.getpid() not in (again, after)
    assert first != after
    # The call beside it died with it, and was read again.
    assert "https://portal.example/g.pdf is read again in a new one" in caplog.text


def _refuse(url: str) -> int:
    raise ExtractionError(url, "not a readable PDF: Data format error")


def test_an_error_raised_in_a_worker_comes_back_whole_and_the_worker_lives_on():
    # A parser that refuses a file raises in the worker; the crawl must get that error, with its
    # URL and reason, and the pool must go on with the same worker.
    async def scenario():
        workers = PageWorkers(1)
        before = await workers.run(os.getpid)
        refused = await asyncio.gather(
            workers.run(
                _refuse, "https://portal.example/bad.pdf", contained="https://portal.example/bad.pdf"
            ),
            return_exceptions=True,
        )
        after = await workers.run(os.getpid)
        return before, refused[0], after

    before, refused, after = asyncio.run(scenario())
    assert isinstance(refused, ExtractionError)
    assert (refused.url, refused.reason) == (
        "https://portal.example/bad.pdf",
        "not a readable PDF: Data format error",
    )
    assert before == after != os.getpid()


def test_a_batch_of_pages_crosses_to_the_worker_and_back_through_pipes_of_a_mebibyte():
    # The pool's call and result pipes are widened as it is made: a batch of pages (hundreds of
    # kB) then crosses in a write or two, not one for every 64 kB (the default).
    async def scenario():
        return await PageWorkers(1).run(len, b"x" * (3 * PIPE_BYTES // 4))

    assert asyncio.run(scenario()) == 3 * PIPE_BYTES // 4
    ends = pipe_ends(_pool(1))
    assert len(ends) == 2
    assert [fcntl.fcntl(end.fileno(), fcntl.F_GETPIPE_SZ) for end in ends] == [PIPE_BYTES, PIPE_BYTES]


def test_every_error_survives_a_pickle_round_trip_with_its_class_and_fields():
    errors = [
        ExtractionError("https://a.example/x", "no title"),
        WrongPage("https://a.example/y", "a maintenance notice"),
        ConfigError("sources.toml", "must be a list", source="tinhx", field="listing"),
        StorageError("/data/raw", "disk full"),
    ]
    for error in errors:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert str(again) == str(error)
        assert vars(again) == vars(error)


def _in_batch(tag: str, seconds: float = 0.0) -> tuple[str, int, int]:
    """In a worker: (tag, how many calls the batch this call came in holds, the worker's pid)."""
    calls = sys._getframe(1).f_locals["calls"]  # run_batch's arguments
    time.sleep(seconds)
    if tag == "refused":
        raise ExtractionError("https://portal.example/x", "no title")
    return tag, len(calls), os.getpid()


def test_shared_work_goes_to_the_worker_in_batches_while_it_is_busy_and_each_call_gets_its_own_outcome():
    async def scenario():
        with requesting():  # a request out all along: the crawling process has fetching to do
            return await batched(PageWorkers(1))

    async def batched(workers: PageWorkers):
        # Nothing in the pool: the first calls go at once (one with the worker, one waiting).
        first = asyncio.ensure_future(workers.run(_in_batch, "first", 0.5, share=True))
        await asyncio.sleep(0)
        second = asyncio.ensure_future(workers.run(_in_batch, "second", 0.2, share=True))
        await asyncio.sleep(0.1)
        # Both in the pool: what comes in now waits, over several turns of the loop, and goes in
        # one call when the first comes back; more than a batch holds goes in two.
        later = []
        for index in range(BATCH_PAGES + 4):
            tag = "refused" if index == 3 else f"later-{index}"
            later.append(asyncio.ensure_future(workers.run(_in_batch, tag, share=True)))
            await asyncio.sleep(0)
        return (
            await first,
            await second,
            await asyncio.gather(*later, return_exceptions=True),
        )

    first, second, later = asyncio.run(scenario())
    assert first[:2] == ("first", 1)
    assert second[:2] == ("second", 1)
    refused = later.pop(3)
    assert isinstance(refused, ExtractionError) and refused.reason == "no title"
    assert [tag for tag, _, _ in later] == [f"later-{i}" for i in range(BATCH_PAGES + 4) if i != 3]
    assert sorted({size for _, size, _ in later}) == [4, BATCH_PAGES]
    assert {pid for _, _, pid in [first, second, *later]} == {first[2]} != {os.getpid()}


def test_while_no_request_is_out_the_work_waiting_for_the_workers_is_done_here_the_last_first():
    async def scenario():
        workers = PageWorkers(1)
        done_here: list[str] = []
        with requesting():
            first = asyncio.ensure_future(workers.run(_in_batch, "first", 0.8, share=True))
            await asyncio.sleep(0)
            second = asyncio.ensure_future(workers.run(_in_batch, "second", 0.8, share=True))
            await asyncio.sleep(0.1)
            waiting = [asyncio.ensure_future(workers.run(_in_batch, f"w-{i}", share=True)) for i in range(3)]
            for future in waiting:
                future.add_done_callback(lambda f: done_here.append(f.result()[0]))
            await asyncio.sleep(0.2)
            assert not any(future.done() for future in waiting)  # a request is out: they wait
        # No request out: this process does them, without waiting for the busy worker.
        here = await asyncio.gather(*waiting)
        assert not first.done() and not second.done()
        return here, done_here, await first, await second

    here, order, first, second = asyncio.run(scenario())
    assert [(tag, pid) for tag, _, pid in here] == [(f"w-{i}", os.getpid()) for i in range(3)]
    assert order == ["w-2", "w-1", "w-0"]
    assert {first[2], second[2]} == {first[2]} != {os.getpid()}


def test_article_pages_parsed_together_equal_each_parsed_alone():
    world = World(seed=7, scale=0.05)
    calls = []
    for portal in world.portals.values():
        profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
        for article in portal.live()[:3]:
            html = pages.render_article(portal, article, random.Random(1))
            calls.append((html.encode(), "utf-8", "http://127.0.0.1" + pages.article_path(article), profile))
    calls.append((b"<html><body>B\xe1o tr\xec</body></html>", None, "http://127.0.0.1/bao-tri", calls[0][3]))
    # A call that fails outright (no profile) fails alone: its exception in its place.
    calls.insert(2, (calls[0][0], "utf-8", "http://127.0.0.1/x", None))
    together = article_pages(calls)
    assert isinstance(together.pop(2), AttributeError)
    del calls[2]
    alone = [article_page(*args) for args in calls]
    assert [_parsed(page) for page in together] == [_parsed(page) for page in alone]
    assert alone[-1].record is None and alone[-1].fingerprint is None
    alone.pop()
    assert all(page.fingerprint is not None and page.fingerprint.shingles > 1 for page in alone)
    # A page whose record is the stored one gets no fingerprint, alone or with others.
    stored = (*calls[0], alone[0].content_hash)
    assert article_pages([stored, calls[1]])[0].fingerprint is None
    assert _parsed(article_pages([stored, calls[1]])[1]) == _parsed(alone[1])


def _parsed(page) -> tuple:
    """All an ArticlePage holds but its packed record (whose WARC header is dated)."""
    return (
        page.raw_hash,
        page.charset,
        page.record,
        page.error,
        page.fingerprint,
        page.references,
        page.content_hash,
    )
