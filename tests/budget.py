"""Time budgets of the tests, grown with how busy the machine is.

A budget only stops a test that hangs; none measures speed (the benchmarks do). On a machine
whose run queue is longer than its cores everything takes longer, so the budgets (pytest-timeout's
and the tests' own waits for a run or a server) grow with the load average: 1x up to two runnable
processes a core, up to 4x beyond. Each budget is taken when it starts (a test's pytest-timeout
limit when the test starts, a wait when the wait starts), never below the factor the suite
started with, so a load that builds up during a long run grows the budgets of the tests after it.
`PORTALWATCH_TEST_TIME_SCALE` fixes the factor instead. Guarantees stated in seconds (a killed
run's processes gone within a few seconds) are not budgets and do not grow.
"""

from __future__ import annotations

import os

SCALE_ENV = "PORTALWATCH_TEST_TIME_SCALE"
# The factor the suite started with, handed from pytest's main process to its workers.
FLOOR_ENV = "PORTALWATCH_TEST_TIME_FLOOR"
MAX_SCALE = 4.0


def load_scale() -> float:
    per_core = max(os.getloadavg()) / (os.cpu_count() or 1)
    return min(MAX_SCALE, max(1.0, per_core / 2))


def scale() -> float:
    """The factor for a budget that starts now."""
    given = os.environ.get(SCALE_ENV)
    if given:
        return max(1.0, float(given))
    return max(float(os.environ.get(FLOOR_ENV) or 1.0), load_scale())


START_SCALE = scale()


def budget(seconds: float) -> float:
    """`seconds` on an idle machine, grown with the load now (never below the suite's start)."""
    return seconds * scale()
