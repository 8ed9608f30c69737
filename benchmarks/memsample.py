"""The memory of this process and of its page workers, sampled in a thread while a run goes on.

The page workers are the processes below this one started by `multiprocessing` (the
forkserver and the workers it forks, see portalwatch/pagework.py); a Prefect server, the
simulator or anything else this process started is not counted. Each sample sums the
resident set (RSS) and the proportional set size (PSS, /proc/PID/smaps_rollup: a page
shared by several processes counts once in all) of those processes; the peaks are the
largest sums seen, so a peak between two samples can be missed.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psutil


def pss_mb(pid: int) -> float:
    """The proportional set size of a process now, MiB (0 for a process that has ended)."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text(encoding="ascii")
    except OSError:
        return 0.0
    for line in rollup.splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def page_workers(process: psutil.Process | None = None) -> list[psutil.Process]:
    """The processes below `process` (this one by default) that `multiprocessing` started."""
    found = []
    for child in (process or psutil.Process()).children(recursive=True):
        try:
            if "multiprocessing" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:  # ended while it was read
            continue
    return found


class MemorySampler:
    """Samples, every `every` seconds while open, the summed RSS and PSS of this process and its
    page workers; `peak_rss_mb` and `peak_pss_mb` are the largest sums seen."""

    def __init__(self, every: float = 0.25) -> None:
        self.every = every
        self.peak_rss_mb = 0.0
        self.peak_pss_mb = 0.0
        self.me = psutil.Process()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join()

    def _run(self) -> None:
        while True:
            self.sample()
            if self.stopped.wait(self.every):
                return

    def sample(self) -> None:
        """One sample now (also taken by the thread)."""
        rss = pss = 0.0
        for process in [self.me, *page_workers(self.me)]:
            try:
                rss += process.memory_info().rss / 2**20
            except psutil.Error:  # ended while it was read
                continue
            pss += pss_mb(process.pid)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        self.peak_pss_mb = max(self.peak_pss_mb, pss)
