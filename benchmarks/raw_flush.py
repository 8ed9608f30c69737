"""Pages stored on one thread while another flushes the raw store over and over (JSON).

The crawling loop stores every portal's pages while each portal's crawl, as it ends, flushes the
store from a worker thread. This stores `--pages` pages (about 16 KB each, packed beforehand) one
every `--pace` seconds on the main thread, as a loop between fetches, while a thread flushes
continuously (2 ms apart), and prints how long the stores took: their sum and the time spent in
stores longer than 5 ms (waiting for a flush), the slowest, the 99th percentile, and the CPU time
of the storing thread and of the process. Compare a change with a baseline tree by running this
script from each tree's virtualenv in turn (A B A B ...).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time

from portalwatch.storage.rawrecord import pack
from portalwatch.storage.rawstore import RawStore

STALL_SECONDS = 0.005


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--pace", type=float, default=0.001, help="seconds between two pages")
    parser.add_argument("--dir", default=None, help="where the temporary store goes (its disk is measured)")
    args = parser.parse_args()
    pages = [
        pack(f"<html><body><p>page {n}</p>{os.urandom(8000).hex()}</body></html>".encode())
        for n in range(args.pages)
    ]
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        store = RawStore(os.path.join(tmp, "raw"))
        store.put(b"first")  # the segment taken, the index opened
        store.flush()
        stop, flushes = threading.Event(), [0]

        def flush_repeatedly() -> None:
            while not stop.is_set():
                store.flush()
                flushes[0] += 1
                time.sleep(0.002)

        flusher = threading.Thread(target=flush_repeatedly)
        flusher.start()
        took = []
        cpu, thread_cpu, wall = time.process_time(), time.thread_time(), time.perf_counter()
        try:
            for page in pages:
                start = time.perf_counter()
                store.put_packed(page)
                took.append(time.perf_counter() - start)
                time.sleep(args.pace)
            wall, thread_cpu, cpu = (
                time.perf_counter() - wall,
                time.thread_time() - thread_cpu,
                time.process_time() - cpu,
            )
        finally:
            stop.set()
            flusher.join()
        store.close()
    took.sort()
    print(
        json.dumps(
            {
                "wall_s": round(wall, 3),
                "storing_s": round(sum(took), 3),
                "stalled_s": round(sum(t for t in took if t > STALL_SECONDS), 3),
                "stalls": sum(t > STALL_SECONDS for t in took),
                "slowest_ms": round(took[-1] * 1e3, 2),
                "p99_ms": round(took[int(0.99 * len(took))] * 1e3, 3),
                "storing_thread_cpu_s": round(thread_cpu, 3),
                "process_cpu_s": round(cpu, 3),
                "flushes": flushes[0],
                "load": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
