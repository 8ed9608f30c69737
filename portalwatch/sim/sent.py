"""The HTTP requests this process writes to its sockets, stamped where a portal sees them begin.

The simulator logs each request when its one event loop, serving every portal, reads it off
the connection: on a busy machine that trails the request's arrival, so the gaps between two
requests to a host look shorter or longer than the crawler made them. :class:`SentRequests`
stamps each request as the crawler hands its bytes to the kernel (the asyncio socket
transport's write, under either HTTP transport; plain HTTP, as the simulator serves), on the
monotonic clock the simulator's log uses too.
"""

from __future__ import annotations

import time
from asyncio import selector_events
from typing import Self

METHODS = (b"GET ", b"HEAD")
_Transport = selector_events._SelectorSocketTransport


class SentRequests:
    """Every HTTP request line this process writes to a socket, as (host:port, monotonic time):
    a context manager that stamps them within its block (or :meth:`install` for a test's
    monkeypatch)."""

    def __init__(self) -> None:
        self.starts: list[tuple[str, float]] = []
        self._originals = (_Transport.write, _Transport.writelines)

    def _patched(self) -> tuple:
        (write, writelines), starts = self._originals, self.starts

        def stamp(transport, first) -> None:
            if bytes(first[:4]) in METHODS:
                host, port = transport.get_extra_info("peername")[:2]
                starts.append((f"{host}:{port}", time.monotonic()))

        def stamped_write(transport, data) -> None:
            stamp(transport, data)
            write(transport, data)

        def stamped_writelines(transport, chunks) -> None:
            chunks = list(chunks)
            if chunks:
                stamp(transport, chunks[0])
            writelines(transport, chunks)

        return stamped_write, stamped_writelines

    def install(self, monkeypatch) -> None:
        """Stamp until `monkeypatch` (pytest's) undoes it."""
        write, writelines = self._patched()
        monkeypatch.setattr(_Transport, "write", write)
        monkeypatch.setattr(_Transport, "writelines", writelines)

    def __enter__(self) -> Self:
        _Transport.write, _Transport.writelines = self._patched()  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc) -> None:
        _Transport.write, _Transport.writelines = self._originals  # type: ignore[method-assign]

    def by_host(self) -> dict[str, list[float]]:
        """Each host's request starts, in order."""
        hosts: dict[str, list[float]] = {}
        for host, start in self.starts:
            hosts.setdefault(host, []).append(start)
        return {host: sorted(starts) for host, starts in hosts.items()}
