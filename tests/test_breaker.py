"""The circuit breaker's bookkeeping, request by request, without a network."""

from __future__ import annotations

import asyncio

from portalwatch.breaker import CircuitBreaker


def test_only_the_probe_closes_an_open_circuit_not_a_late_answer_from_before_it_opened():
    async def story() -> CircuitBreaker:
        breaker = CircuitBreaker("portal.example", threshold=3, cooldown=0.01, give_up_after=30.0)
        early = await breaker.admit()  # went out while the host was still up, answers late
        assert early is False
        for _ in range(3):
            assert await breaker.admit() is False
            breaker.failed("connection reset", False)
        assert len(breaker.outages) == 1 and breaker.outages[0].closed_at is None
        breaker.succeeded(early)  # the late answer: the outage stays open
        assert breaker.outages[0].closed_at is None
        breaker.failed("connection reset", False)  # one more request already under way
        probe = await breaker.admit()
        assert probe is True
        breaker.failed("connection reset", probe)  # the probe fails: the wait doubles
        probe = await breaker.admit()
        assert probe is True
        breaker.succeeded(probe)
        return breaker

    breaker = asyncio.run(story())
    assert len(breaker.outages) == 1
    (outage,) = breaker.outages
    assert outage.closed_at is not None and outage.failures == 5 and outage.skipped == 0
