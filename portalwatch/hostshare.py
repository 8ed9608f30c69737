"""Politeness per host, not per portal: what every fetcher that talks to one host shares.

Two sources can live on one host (two sections of a portal configured as two sources, a
district and its communes served by one machine), and a backfill can run beside a scheduled
ingest. Each keeps a :class:`~portalwatch.fetch.PortalFetcher` of its own, but the host sees
them all, so its spacing and its connection cap are the host's, not the fetcher's:

- *In one process*, every fetcher asks :func:`shared_host` for the host's :class:`SharedHost`
  (one per host and event loop). It keeps one spacer and one cap for all of them: requests
  start no closer than the strictest delay of the fetchers using the host at the time (their
  politeness' ``delay_seconds``, lengthened by the host's robots.txt ``Crawl-delay`` as each
  read it), and at most the smallest ``concurrency`` among them are in flight at once.
- *Across the processes of one machine* (a backfill and an ingest, two workers), the spacer
  also reads and writes the host's next allowed start in a small file, ``<host>.next``, under
  an exclusive ``flock`` held from the moment the request is due until its headers are on the
  wire (:class:`HostFile`). The folder is ``$PORTALWATCH_HOSTS_DIR``, else
  ``portalwatch-hosts-<uid>`` in the system's temporary folder: one per user and machine,
  whichever warehouse or data folder each process writes to. Times are the machine's
  monotonic clock, tagged with its boot id (a time from before a reboot is ignored).

A process that dies holding the lock lets go of it with its last file descriptor (the kernel
releases a ``flock`` then), so nothing is ever left locked. The cost is two system calls per
request when no other process holds the host, the lock's (benchmarks/run.py, figure p).

Across machines, the host limits of the Prefect server (:mod:`portalwatch.lane`) keep two
workers from crawling one host at once.
"""

from __future__ import annotations

import asyncio
import fcntl
import functools
import hashlib
import mmap
import os
import stat
import tempfile
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from portalwatch.errors import StorageError

HOSTS_DIR_ENV = "PORTALWATCH_HOSTS_DIR"
# How often a request looks whether another process let go of the host's file (from the first
# to the last, doubling): it holds it only between the moment its request is due and the moment
# its headers are written, and the next request is not due before a delay after that.
LOCK_POLL_SECONDS = (0.001, 0.02)
_RECORD_BYTES = 96  # one fixed-size record: "<boot id> <next start>" padded with spaces


@functools.cache
def _boot_id() -> str:
    """This boot of the machine: monotonic times of another boot mean nothing now."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
    except OSError:
        return "boot"  # without /proc: times are trusted as they are


def hosts_dir() -> Path:
    """The folder of the hosts' files: $PORTALWATCH_HOSTS_DIR, else one per user in the temporary folder."""
    configured = os.environ.get(HOSTS_DIR_ENV)
    if configured:
        folder = Path(configured).expanduser()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(folder, f"cannot create the hosts folder ({HOSTS_DIR_ENV}): {exc}") from None
        return folder
    folder = Path(tempfile.gettempdir()) / f"portalwatch-hosts-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.lstat()
    except OSError as exc:
        raise StorageError(folder, f"cannot create the hosts folder: {exc}; set {HOSTS_DIR_ENV}") from None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise StorageError(
            folder, f"the hosts folder is not a folder of this user; set {HOSTS_DIR_ENV} to one that is"
        )
    return folder


def host_file_name(host: str) -> str:
    """A file name for a host (`netloc`, port included): its safe characters, and a digest so
    that two hosts never share one."""
    safe = "".join(char if char.isalnum() or char in ".-" else "_" for char in host.lower())
    return f"{safe[:80]}-{hashlib.sha256(host.lower().encode()).hexdigest()[:10]}.next"


class HostFile:
    """A host's next allowed request start (monotonic seconds), shared by the processes of one
    machine through a file, read and written under an exclusive ``flock`` on it.

    The record is read and written through a shared memory map of the file: the same page
    every process sees, without a system call. A ``pwrite`` stamped the file's modification
    time at every request, a journal entry on ext4: figure p measured ``pread`` and ``pwrite``
    at 25-35 µs a request among the fetch stage's other work (3 µs in a loop of turns alone).
    The map holds a second descriptor of the file (Python's mmap duplicates it) while the
    host is in use."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise StorageError(path, f"cannot open the host's spacing file: {exc}") from None
        self._map: mmap.mmap | None = None
        try:
            if os.fstat(self._fd).st_size < _RECORD_BYTES:
                os.ftruncate(self._fd, _RECORD_BYTES)  # zeros, read as no record; never shortens one
            self._map = mmap.mmap(self._fd, _RECORD_BYTES)
        except (OSError, ValueError):
            self._map = None  # a file system that cannot map it: read and written by system calls
        self._finalizer = weakref.finalize(self, _close, self._fd, self._map)

    def try_lock(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    async def lock(self) -> None:
        poll, longest = LOCK_POLL_SECONDS
        while not self.try_lock():
            await asyncio.sleep(poll)
            poll = min(poll * 2, longest)

    def unlock(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def read(self) -> float:
        """The next start another process left (0 when none, or from another boot); under the lock."""
        record = self._map[:_RECORD_BYTES] if self._map is not None else os.pread(self._fd, _RECORD_BYTES, 0)
        fields = record.split()
        if len(fields) != 2 or fields[0].decode("ascii", "replace") != _boot_id():
            return 0.0
        try:
            return float(fields[1])
        except ValueError:
            return 0.0

    def write(self, next_start: float) -> None:
        """Under the lock."""
        record = f"{_boot_id()} {next_start!r}".ljust(_RECORD_BYTES).encode("ascii")
        if self._map is not None:
            self._map[:_RECORD_BYTES] = record
        else:
            os.pwrite(self._fd, record, 0)

    def close(self) -> None:
        self._finalizer()


def _close(fd: int, mapped: mmap.mmap | None) -> None:
    if mapped is not None:
        mapped.close()
    os.close(fd)


class SharedHost:
    """One host's spacer and connection cap, shared by every fetcher of the process that talks
    to it (each a *member*, with its own delay and concurrency), and with other processes
    through a :class:`HostFile` when there is one."""

    def __init__(self, host: str, shared: HostFile | None = None):
        self.host = host
        self.shared = shared
        self.next_start = 0.0  # time.monotonic(): no request starts before
        # Per member (a fetcher's state for the host): its delay and its concurrency.
        self._delays: weakref.WeakKeyDictionary[object, float] = weakref.WeakKeyDictionary()
        self._caps: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
        self._in_flight = 0
        self._waiting: list[asyncio.Future[None]] = []
        self._spacing = asyncio.Lock()

    # ------------------------------------------------------------ members

    def join(self, member: object, delay: float, concurrency: int) -> None:
        """A fetcher starts using the host, asking for `delay` between starts and at most `concurrency` in flight."""
        self._delays[member] = max(delay, self._delays.get(member, 0.0))
        self._caps[member] = concurrency

    def ask_delay(self, member: object, delay: float) -> None:
        """A member asks for a longer delay (its robots.txt's Crawl-delay): every member gets it."""
        self._delays[member] = max(delay, self._delays.get(member, 0.0))

    def leave(self, member: object) -> None:
        self._delays.pop(member, None)
        self._caps.pop(member, None)
        self._wake()  # a looser cap may let a waiting request go
        if not self._caps and self._in_flight == 0 and not self._spacing.locked():
            _forget(self)  # the last one: its file closes (it keeps the next start for the next)

    @property
    def delay(self) -> float:
        """The strictest delay of the members."""
        return max(self._delays.values(), default=0.0)

    @property
    def cap(self) -> int:
        """The smallest concurrency of the members."""
        return min(self._caps.values(), default=1)

    # ------------------------------------------------------------ connection cap

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """One of the host's `cap` simultaneous requests."""
        loop = asyncio.get_running_loop()
        while self._in_flight >= self.cap:
            waiter = loop.create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken, then cancelled: the next waiter gets the slot
                raise
            finally:
                with suppress(ValueError):
                    self._waiting.remove(waiter)
        self._in_flight += 1
        if self._in_flight < self.cap:
            self._wake()  # the cap grew: more than one may go
        try:
            yield
        finally:
            self._in_flight -= 1
            self._wake()

    def _wake(self) -> None:
        # The first waiter only: it takes the slot, or, when the cap is still full, waits again.
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)
                return

    # ------------------------------------------------------------ spacing

    def pause(self, seconds: float) -> None:
        """The host asked for a break (a 429 with Retry-After): no request starts before it ends
        (other processes see it when this one next takes its turn)."""
        self.next_start = max(self.next_start, time.monotonic() + seconds)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[Callable[[], None]]:
        """The host's turn to receive a request. It starts `delay` after the previous request to
        the host went out, from this process or another, and lasts until this one's headers are
        on the wire (the caller calls the yielded function then), so the spacing holds where the
        portal sees it, however long the connection took to open or the event loop took to get
        to the write. Another process waits for the host's file only during that last stretch."""
        await self._spacing.acquire()
        shared, locked, released = self.shared, False, False

        def on_the_wire() -> None:
            nonlocal released, locked
            if released:
                return
            released = True
            try:
                self.next_start = max(self.next_start, time.monotonic() + self.delay)
                if locked and shared is not None:
                    shared.write(self.next_start)
            finally:
                if locked and shared is not None:
                    locked = False
                    shared.unlock()
                self._spacing.release()

        try:
            while True:
                if shared is not None:
                    await shared.lock()
                    locked = True
                    left = shared.read()
                    if self.next_start > left:  # a pause of this process's: the others keep it too
                        shared.write(self.next_start)
                    self.next_start = max(self.next_start, left)
                pause = self.next_start - time.monotonic()
                if pause <= 0:
                    break
                if locked and shared is not None:  # not due yet: the others may read the file meanwhile
                    locked = False
                    shared.unlock()
                await asyncio.sleep(pause)
            yield on_the_wire
        finally:
            on_the_wire()


# One SharedHost per host and event loop (asyncio's locks and futures belong to a loop).
_HOSTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, SharedHost]] = (
    weakref.WeakKeyDictionary()
)


def shared_host(host: str, folder: Path | None) -> SharedHost:
    """The running event loop's SharedHost of `host` (a URL's netloc); spaced with the other
    processes through a file in `folder` (see :func:`hosts_dir`), or within the process only
    when `folder` is None."""
    hosts = _HOSTS.setdefault(asyncio.get_running_loop(), {})
    key = host.lower()
    found = hosts.get(key)
    if found is None:
        shared = HostFile(folder / host_file_name(key)) if folder is not None else None
        found = hosts[key] = SharedHost(key, shared)
        if shared is not None:
            weakref.finalize(found, shared.close)
    return found


def _forget(host: SharedHost) -> None:
    """A host no fetcher of the loop uses any more: its file is closed (a process that crawls
    hundreds of portals one after the other keeps no file open per host it is done with). One
    kept in the process only stays: its next start is nowhere else."""
    if host.shared is None:
        return
    with suppress(RuntimeError):  # no running loop: nothing to forget it from
        hosts = _HOSTS.get(asyncio.get_running_loop(), {})
        if hosts.get(host.host) is host:
            del hosts[host.host]
    host.shared.close()
    host.shared = None
