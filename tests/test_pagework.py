"""Page work beside the fetching loop: the worker pool, and the crawling process taking its turn."""

from __future__ import annotations

import asyncio
import os
import time

from portalwatch.errors import ExtractionError
from portalwatch.pagework import PageWorkers


def test_shared_work_runs_in_the_crawling_process_when_every_worker_has_a_page_waiting():
    async def scenario() -> tuple[int, int, int]:
        workers = PageWorkers(1)
        # The worker parses one page and has another waiting: the queue is full.
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
        return shared, kept, idle

    shared, kept, idle = asyncio.run(scenario())
    assert shared == os.getpid()
    assert kept != os.getpid()
    assert idle != os.getpid()  # nothing waiting: the worker takes it


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
