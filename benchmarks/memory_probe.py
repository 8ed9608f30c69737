"""Run one backfill in this process and print its page count, peak RSS and peak PSS (JSON).

The peak RSS is the high-water mark of the resident set (VmHWM in /proc/PID/status)
of this process plus that of each page-worker process it started (they parse
beside the fetching loop, see portalwatch/pagework.py). That sum counts once per
process the pages the forkserver and its workers share (forked, never written),
and adds peaks that were not reached at the same moment: an upper bound. The peak
PSS beside it is the largest sum, over samples taken every quarter of a second, of the
proportional set sizes of the same processes (benchmarks/memsample.py): a shared
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
import sys
from pathlib import Path

from memsample import MemorySampler, page_workers

from portalwatch.flows.api import start_temporary_api
from portalwatch.flows.backfill import backfill


def high_water_mb(pid: int | str) -> float:
    """The peak resident set of a process since it was started (exec'd), MiB."""
    for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    config, warehouse = sys.argv[1], sys.argv[2]
    start_temporary_api()  # nothing to do when PREFECT_API_URL names one
    with MemorySampler() as sampler:
        summary = asyncio.run(backfill(config_path=config, warehouse=warehouse))
        sampler.sample()
    pages = sum(p.get("fetched", 0) + p.get("listing_pages", 0) for p in summary["portals"].values())
    workers = [process.pid for process in page_workers()]
    own = high_water_mb("self")
    total = own + sum(high_water_mb(pid) for pid in workers)
    print(
        json.dumps(
            {
                "pages": pages,
                "peak_rss_mb": round(total, 1),
                "peak_pss_mb": round(sampler.peak_pss_mb, 1),
                "crawler_mb": round(own, 1),
                "worker_processes": len(workers),
            }
        )
    )


if __name__ == "__main__":
    main()
