"""Time budgets of the tests, grown with how busy the machine is.

A budget only stops a test that hangs; none measures speed (the benchmarks do). On a machine
whose run queue is longer than its cores everything takes longer, so the budgets (pytest-timeout's
and the tests' own waits for a run or a server) grow with the load average measured when the
suite starts: 1x up to two runnable processes a core, up to 4x beyond. `PORTALWATCH_TEST_TIME_SCALE`
sets the factor instead. Guarantees stated in seconds (a killed run's processes gone within a few
seconds) are not budgets and do not grow.
"""

from __future__ import annotations

import os

SCALE_ENV = "PORTALWATCH_TEST_TIME_SCALE"
MAX_SCALE = 4.0


def measured_scale() -> float:
    given = os.environ.get(SCALE_ENV)
    if given:
        return max(1.0, float(given))
    per_core = max(os.getloadavg()) / (os.cpu_count() or 1)
    return min(MAX_SCALE, max(1.0, per_core / 2))


SCALE = measured_scale()


def budget(seconds: float) -> float:
    """`seconds` on an idle machine, grown with the load the suite started under."""
    return seconds * SCALE
