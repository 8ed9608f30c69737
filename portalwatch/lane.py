"""Prefect global concurrency limits that hold across workers: the load lane and host politeness.

*The load lane.* Crawls scale out, loads go one at a time per warehouse: under a Prefect
flow or task, a load takes the single slot of the limit named after its warehouse
(:func:`lane_name`), whichever process or machine it runs on. Used as a plain library
(no flow run), the lane is open and the writer lock beside a warehouse file orders loads.

*Host politeness.* A portal's crawl takes every slot of the limit named after its host
(``host:<netloc>``, as many slots as the portal's politeness connections), so two
workers never crawl one host at once, each with its full allowance.

Limits are created on first use, by one request of a process at a time (a request that
creates a limit another created first makes the server log a traceback); a limit an operator
created already (``prefect gcl create``) is used as it is. A holder that dies keeps its slots until its lease expires
(the server's repossessor frees them; Prefect's shortest lease is a minute).
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
import weakref
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from urllib.parse import urlsplit

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.asyncio import concurrency
from prefect.context import FlowRunContext, SyncClientContext, TaskRunContext
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
from prefect.settings import PREFECT_API_URL

LEASE_SECONDS = 60.0  # renewed while held; what a dead holder keeps its slots for
# A load asks for its turn this long after it reaches the lane. Its task has usually just
# started, and a Prefect server on SQLite (its default database) that records the task's start
# as the request for the slot arrives answers one of the two "database is locked" (a 503),
# which Prefect's client asks again only 2 s later: measured, most runs' last load waited so.
LANE_SETTLE_SECONDS = 0.1


def under_prefect() -> bool:
    """Whether this code runs in a Prefect flow or task run (and so has an API to share limits through)."""
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


def lane_name(warehouse: str | Path) -> str:
    """The load lane's limit: the warehouse's name and a digest of where it is (limit names admit no `/`).

    A file is named by its resolved path, anything else (a DuckLake spec) by its text."""
    text = str(warehouse)
    where = text if ":" in text else str(Path(text).resolve())
    label = re.sub(r"[/%&<>:]", "", Path(where).name if ":" not in text else text.split(":", 1)[0])
    return f"load-lane:{label or 'warehouse'}:{hashlib.sha256(where.encode()).hexdigest()[:12]}"


def host_limit_name(url: str) -> str:
    return f"host:{urlsplit(url).netloc.lower()}"


# Per event loop, a lock per limit name: its coroutines look a limit up and create it in turn.
_creation_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)
_creation_locks_guard = threading.Lock()


def _creation_lock(name: str) -> asyncio.Lock:
    with _creation_locks_guard:
        locks = _creation_locks.setdefault(asyncio.get_running_loop(), {})
        return locks.setdefault(name, asyncio.Lock())


async def ensure_limit(name: str, slots: int) -> None:
    """Create the global concurrency limit `name` with `slots` slots, unless it exists.

    Coroutines of one event loop take turns: the first creates it, the others find it."""
    async with _creation_lock(name), get_client() as client:
        try:
            await client.read_global_concurrency_limit_by_name(name)
            return
        except ObjectNotFound:
            pass
        try:
            await client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=slots))
        except ObjectAlreadyExists:
            pass  # another worker created it meanwhile


@asynccontextmanager
async def limit_slots(name: str, slots: int, occupy: int) -> AsyncIterator[None]:
    """`occupy` slots of the limit `name` (created with `slots` slots if missing), held for the block."""
    await ensure_limit(name, slots)
    with _renewals_share_a_client():
        async with concurrency(name, occupy=occupy, lease_duration=LEASE_SECONDS, strict=True):
            yield


# By API URL: the client the lease renewals of this process share, open for its lifetime.
_renewal_clients: dict[str, SyncClientContext] = {}
_renewal_clients_guard = threading.Lock()


@contextmanager
def _renewals_share_a_client() -> Iterator[None]:
    """Slots taken in the block have their lease renewed through this process's one client.

    Prefect renews a lease from a thread of its own, with the sync client of the context it
    starts in, else a new one: a new client reads the CA bundle into a TLS context, about
    12 ms of CPU, for every portal's turn at its host and every load's at the lane (a third
    of a second of a 20-portal run's CPU, measured). The thread starts in a copy of this
    context: a client set here is the one it uses (an httpx client serves threads at once)."""
    if SyncClientContext.get() is not None:
        yield
        return
    api = str(PREFECT_API_URL.value())
    with _renewal_clients_guard:
        shared = _renewal_clients.get(api)
        if shared is None:
            shared = _renewal_clients[api] = SyncClientContext()
            shared.client.__enter__()
    token = SyncClientContext.__var__.set(shared)
    try:
        yield
    finally:
        SyncClientContext.__var__.reset(token)


@asynccontextmanager
async def load_lane(warehouse: str | Path) -> AsyncIterator[None]:
    """The warehouse's turn to load: the lane's one slot under Prefect, nothing otherwise."""
    if not under_prefect():
        yield
        return
    await asyncio.sleep(LANE_SETTLE_SECONDS)
    async with limit_slots(lane_name(warehouse), 1, 1):
        yield


@asynccontextmanager
async def host_turn(base_url: str, connections: int) -> AsyncIterator[None]:
    """The host's whole politeness allowance, under Prefect; nothing otherwise."""
    if not under_prefect():
        yield
        return
    async with limit_slots(host_limit_name(base_url), connections, connections):
        yield
