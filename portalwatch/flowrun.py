"""A flow run that ends with the worker that started it: ``python -m portalwatch.flowrun``.

A process worker runs each flow run as a child process (``python -m prefect.engine``); a
worker killed without a chance to stop its runs (SIGKILL, the machine's OOM killer) would
leave them running. A pool whose job command is this module's gets flow runs that are
Prefect's engine under :func:`portalwatch.lifeline.exit_with` on their worker: the cluster
demo's pool (:mod:`portalwatch.clusterdemo`) uses it so that nothing it started outlives it.
"""

from __future__ import annotations

import os
import runpy

from portalwatch import lifeline


def main() -> None:
    worker = os.getppid()
    if worker == 1:  # the worker ended before this run started: nothing is waiting for it
        raise SystemExit(1)
    lifeline.exit_with(worker)
    runpy.run_module("prefect.engine", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
