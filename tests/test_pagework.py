"""Page work beside the fetching loop: the worker pool, and the crawling process taking its turn."""

from __future__ import annotations

import asyncio
import os
import time

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
