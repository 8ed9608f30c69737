"""Page work beside the fetching loop: the worker pool, and the crawling process taking its turn."""

from __future__ import annotations

import asyncio
import os
import pickle
import time

from portalwatch.errors import ConfigError, ExtractionError, StorageError, WrongPage
from portalwatch.pagework import PageWorkers


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
