"""Run one backfill in this process and print its page count, peak RSS and peak PSS (JSON).

The peak RSS is the high-water mark of the resident set (VmHWM in /proc/PID/status)
of this process plus that of each page-worker process it started (they parse
beside the fetching loop, see portalwatch/pagework.py). That sum counts once per
process the pages the forkserver and its workers share (forked, never written),
and adds peaks that were not reached at the same moment: an upper bound. The peak
PSS beside it is the largest sum, over samples taken every SAMPLE_SECONDS, of the
proportional set sizes (/proc/PID/smaps_rollup) of the same processes: a shared
page counts once in all, but a peak between two samples can be missed. Not
`getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries that figure over an exec, so
a probe started from a process that had grown (benchmarks/run.py after the
warehouse figure) would report its parent's peak instead of its own. The
flow runs on the Prefect server in PREFECT_API_URL (benchmarks/run.py passes
its own), or on a temporary one started here: a service of its own, not counted.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
from pathlib import Path

from portalwatch.flows.api import start_temporary_api
from portalwatch.flows.backfill import backfill


def high_water_mb(pid: int | str) -> float:
    """The peak resident set of a process since it was started (exec'd), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


SAMPLE_SECONDS = 0.25


def pss_mb(pid: int | str) -> float:
    """The proportional set size of a process now, MiB (0 for a process that has ended)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


class PssSampler:
    """The largest sum of the PSS of this process and its page workers, sampled in a thread."""

    def __init__(self) -> None:
        self.peak = 0.0
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="pss-sampler", daemon=True)

    def __enter__(self) -> PssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self.stopped.wait(SAMPLE_SECONDS):
                return

    def sample(self) -> None:
        try:
            pids = [pid for pid in descendants(os.getpid()) if not is_prefect_server(pid)]
        except OSError:  # a process ended while it was read
            return
        self.peak = max(self.peak, pss_mb("self") + sum(pss_mb(pid) for pid in pids))


def descendants(pid: int) -> list[int]:
    found = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except FileNotFoundError:  # a process that ended
        return []
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except FileNotFoundError:  # a thread that ended while it was read
            continue
        for child in children:
            found += [int(child), *descendants(int(child))]
    return found


def is_prefect_server(pid: int) -> bool:
    """Whether the process is a Prefect server or the guard that stops one (portalwatch.lifeline)."""
    command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    return b"portalwatch.lifeline" in command or (
        b"prefect" in command and (b"uvicorn" in command or b"server" in command)
    )


def main() -> None:
    config, warehouse = sys.argv[1], sys.argv[2]
    start_temporary_api()  # nothing to do when PREFECT_API_URL names one
    with PssSampler() as sampler:
        summary = asyncio.run(backfill(config_path=config, warehouse=warehouse))
        sampler.sample()
    pages = sum(p.get("fetched", 0) + p.get("listing_pages", 0) for p in summary["portals"].values())
    workers = [pid for pid in descendants(os.getpid()) if not is_prefect_server(pid)]
    own = high_water_mb("self")
    total = own + sum(high_water_mb(pid) for pid in workers)
    print(
        json.dumps(
            {
                "pages": pages,
                "peak_rss_mb": round(total, 1),
                "peak_pss_mb": round(sampler.peak, 1),
                "crawler_mb": round(own, 1),
                "worker_processes": len(workers),
            }
        )
    )


if __name__ == "__main__":
    main()
