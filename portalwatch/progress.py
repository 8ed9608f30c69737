"""Progress of long work, reported to whoever is watching.

Flows report through :func:`report`; the CLI installs a progress bar with
:func:`watching`, and without one nothing is drawn (Prefect's logs still
carry every step).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class ProgressSink(Protocol):
    def add_total(self, units: int) -> None: ...

    def advance(self, units: int, description: str) -> None: ...


_sink: ProgressSink | None = None


def add_total(units: int) -> None:
    if _sink is not None:
        _sink.add_total(units)


def report(units: int, description: str) -> None:
    if _sink is not None:
        _sink.advance(units, description)


@contextmanager
def watching(sink: ProgressSink) -> Iterator[None]:
    global _sink
    previous, _sink = _sink, sink
    try:
        yield
    finally:
        _sink = previous
