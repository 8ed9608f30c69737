"""One warehouse's connection in this process, and, for a DuckDB file, the writer lock beside it.

Writers of a file are serialized by a lock file beside the warehouse (``<warehouse>.lock``),
which works across processes and threads with or without a Prefect server; connections are
opened per unit of work and closed at once, so readers wait seconds at most.

A DuckLake warehouse has no lock: each connection is an in-memory DuckDB with the lake
attached (and used) as ``lake``; writers from many processes commit concurrently and a
transaction that meets another's change runs again (``storage.warehouse``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from portalwatch import lake
from portalwatch.errors import StorageError
from portalwatch.storage.compat import explain_open_error

LOCK_TIMEOUT_SECONDS = 600.0


class Session:
    """One warehouse file's connection in this process, passed from caller to caller."""

    def __init__(self, path: Path):
        self.path = path
        self.turns = threading.Lock()
        self.count = threading.Lock()
        self.waiting = 0  # callers waiting for their turn
        self.con: duckdb.DuckDBPyConnection | None = None
        self.read_only = False
        self.lock: FileLock | None = None
        self.config: dict[str, str | int] = {}  # DuckDB settings of the connections opened from now on
        self.stays_open = False  # kept open between turns (nothing to release for others)

    @contextmanager
    def turn(self, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        with self.count:
            self.waiting += 1
        self.turns.acquire()
        try:
            with self.count:
                self.waiting -= 1
            if self.con is not None and self.read_only and not read_only:
                self._close()  # a writer needs the file open for writing
            if self.con is None:
                self._open(read_only)
            broken = False
            try:
                yield self.con
            except BaseException:
                broken = True
                raise
            finally:
                with self.count:
                    keep = (self.waiting > 0 or self.stays_open) and not broken
                if not keep:
                    self._close()
        finally:
            self.turns.release()

    def _open(self, read_only: bool) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT_SECONDS)
        try:
            lock.acquire()
        except Timeout:
            raise StorageError(
                self.path, f"another writer held the lock for {LOCK_TIMEOUT_SECONDS:.0f} s"
            ) from None
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=dict(self.config))
        except duckdb.Error as exc:
            lock.release()
            raise StorageError(self.path, explain_open_error(self.path, exc)) from None
        self.lock, self.read_only = lock, read_only

    def _close(self) -> None:
        con, lock, self.con, self.lock = self.con, self.lock, None, None
        try:
            if con is not None:
                con.close()
        finally:
            if lock is not None:
                lock.release()


class LakeSession(Session):
    """A DuckLake warehouse's connection in this process: attached as `lake` and used, no lock.

    Attaching (extensions loaded, catalog read) takes a while and holds nothing other
    processes wait for, so the connection stays open for the next caller; each
    transaction sees the latest snapshot.
    """

    def __init__(self, spec: lake.LakeSpec):
        super().__init__(Path(str(spec)))
        self.spec = spec
        self.stays_open = True

    def _open(self, read_only: bool) -> None:
        con = duckdb.connect()
        try:
            lake.attach_spec(con, self.spec, alias="lake", read_only=read_only)
            con.execute("USE lake")
        except BaseException:
            con.close()
            raise
        self.con, self.read_only = con, read_only


_sessions: dict[Path | str, Session] = {}
_sessions_lock = threading.Lock()


def session_for(path: Path) -> Session:
    """The session of a warehouse file in this process (one per file, however it is named)."""
    key = path.resolve()
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = Session(path)
        return _sessions[key]


def lake_session_for(spec: lake.LakeSpec) -> Session:
    """The session of a DuckLake warehouse in this process (one per spec)."""
    key = str(spec)
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = LakeSession(spec)
        return _sessions[key]


def close_sessions() -> None:
    """Close every connection this process holds open (DuckLake connections stay open between turns)."""
    with _sessions_lock:
        sessions = list(_sessions.values())
        _sessions.clear()
    for session in sessions:
        with session.turns:
            session._close()
