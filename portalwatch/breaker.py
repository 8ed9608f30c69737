"""A per-host circuit breaker: stop knocking on a portal that is down.

After `threshold` consecutive failed requests (network errors, timeouts, 5xx)
the circuit opens: requests wait instead of going out. After a cooldown one
probe request goes; if it succeeds the circuit closes and the waiting requests
proceed, if it fails the next probe waits twice as long. Once the host has
been down for `give_up_after` seconds, the remaining requests of the run are
skipped (:class:`CircuitOpen`) so the run can finish the other portals; what
was skipped is picked up by the next run.

Each opening is kept as an :class:`Outage` for the run's records.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

MAX_COOLDOWN_FACTOR = 8


class CircuitOpen(Exception):
    """The host is down and the run has stopped waiting for it."""

    def __init__(self, host: str, outage: Outage):
        self.host = host
        self.outage = outage
        super().__init__(
            f"{host} is down since {outage.opened_at:%H:%M:%S} UTC ({outage.last_error}); skipped"
        )


@dataclass
class Outage:
    host: str
    opened_at: datetime
    failures: int  # failed requests, the ones that opened the circuit and the failed probes
    last_error: str
    closed_at: datetime | None = None  # None: still down when the run gave up on it
    skipped: int = 0  # requests not made because of it


class CircuitBreaker:
    def __init__(self, host: str, threshold: int, cooldown: float, give_up_after: float):
        self.host = host
        self.threshold = threshold
        self.cooldown = cooldown
        self.give_up_after = give_up_after
        self.outages: list[Outage] = []
        self._consecutive = 0
        self._open = False
        self._opened_at = 0.0
        self._probe_at = 0.0
        self._probing = False
        self._cooldown_factor = 1
        self._changed = asyncio.Event()

    @property
    def gave_up(self) -> bool:
        return self._open and self._now() - self._opened_at >= self.give_up_after

    async def admit(self) -> bool:
        """Return when a request may go out (True: it is the probe); raise CircuitOpen once the run stops waiting."""
        while self._open:
            now = self._now()
            if now - self._opened_at >= self.give_up_after:
                outage = self.outages[-1]
                outage.skipped += 1
                raise CircuitOpen(self.host, outage)
            if not self._probing and now >= self._probe_at:
                self._probing = True
                return True
            changed = self._changed
            wake = min(self._probe_at, self._opened_at + self.give_up_after) - now
            try:
                await asyncio.wait_for(
                    changed.wait(), timeout=max(wake, 0.001) if not self._probing else None
                )
            except TimeoutError:
                pass
        return False

    def succeeded(self, probe: bool) -> None:
        """An answer. While the circuit is open only the probe's closes it: a request that left
        before the circuit opened and answered late says nothing of the host since."""
        self._consecutive = 0
        if self._open and probe:
            self._open = False
            self._probing = False
            self._cooldown_factor = 1
            self.outages[-1].closed_at = datetime.now(UTC)
            self._notify()

    def failed(self, error: str, probe: bool) -> None:
        """No answer, or a server error; `probe`: the request was the open circuit's probe."""
        self._consecutive += 1
        now = self._now()
        if self._open:
            self.outages[-1].failures += 1
            self.outages[-1].last_error = error
            if probe and self._probing:
                self._probing = False
                self._cooldown_factor = min(self._cooldown_factor * 2, MAX_COOLDOWN_FACTOR)
                self._probe_at = now + self.cooldown * self._cooldown_factor
                self._notify()
        elif self._consecutive >= self.threshold:
            self._open = True
            self._opened_at = now
            self._probe_at = now + self.cooldown
            self.outages.append(Outage(self.host, datetime.now(UTC), self._consecutive, error))
            self._notify()

    def released(self) -> None:
        """A probe that ended without a verdict on the host (cancelled): let another try."""
        if self._probing:
            self._probing = False
            self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    @staticmethod
    def _now() -> float:
        return asyncio.get_running_loop().time()
