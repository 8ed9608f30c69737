"""One warehouse's connection in this process, and, for a DuckDB file, the writer lock beside it.

Writers of a file are serialized by a lock file beside the warehouse (``<warehouse>.lock``),
which works across processes and threads with or without a Prefect server; connections are
opened per unit of work and closed at once, so readers wait seconds at most.

Opening a file and closing it (which checkpoints it) costs more than a small portal's load,
so while a run in this process announces loads still to come (:meth:`Session.expect_load`),
a writer's connection stays open between them, for at most ``LINGER_SECONDS`` without a
turn: the run's loads share one connection, and another process waits that long at most
beyond the last of them. Each load still commits on its own.

A file is opened by attaching it to an in-memory DuckDB (and using it), under the name DuckDB
would give it (its file name's stem): the size of the row groups its appends write is an option
of the attachment, not kept in the file (:func:`open_file`).

A DuckLake warehouse has no lock: each connection is an in-memory DuckDB with the lake
attached (and used) as ``lake``; writers from many processes commit concurrently and a
transaction that meets another's change runs again (``storage.warehouse``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import duckdb
from filelock import FileLock, Timeout

from portalwatch import heap, lake
from portalwatch.config import DEFAULT_ROW_GROUP_SIZE
from portalwatch.errors import StorageError
from portalwatch.storage.compat import STORAGE_VERSION, explain_open_error, held_elsewhere

LOCK_TIMEOUT_SECONDS = 600.0
RETRY_OPEN_SECONDS = 0.2  # how often a file another program holds open is tried again
# How long a writer's connection stays open without a turn while loads are still to come.
LINGER_SECONDS = 3.0
RESERVED_NAMES = {"memory", "system", "temp", "main"}


def catalog_name(path: Path | str) -> str:
    """The name a warehouse file is attached as: DuckDB's own name for it (its file name up to
    the first dot), unless that names one of DuckDB's own catalogs."""
    name = Path(path).name.split(".")[0]
    return "warehouse" if not name or name.lower() in RESERVED_NAMES else name


# The compression a writer's checkpoints do not try: FSST. Its analysis trains a symbol table
# for every string column of every row group written, whatever the rows: measured on the
# last load of a run (20 portals, 800 versions, a new file) it was half the commit's time,
# 127 ms against 51 ms without it, and the load 0.33 s against 0.22 s; for a 20,000-version
# load, 18.7-18.8k against 20.5-22.4k versions a second. The other methods (dictionary,
# ZSTD for long strings) cover what FSST did: the files of a crawl came out 4% larger (51
# blocks against 49). `warehouse maintain` writes its compact copy with FSST allowed.
WRITER_DISABLED_COMPRESSION = "fsst"

# What DuckDB says when asked to write a file in a format older than its own.
_LATER_FORMAT = "storage version of an existing database cannot be lowered"


def open_file(
    path: Path | str,
    read_only: bool,
    config: Mapping[str, str | int] | None = None,
    row_group_size: int = DEFAULT_ROW_GROUP_SIZE,
) -> duckdb.DuckDBPyConnection:
    """A connection to the warehouse file `path`: an in-memory DuckDB (`config` its settings)
    with the file attached (read-only, or writing row groups of `row_group_size` rows) and used,
    so unqualified names are the file's. Appends write each row group as it fills (one at a
    time, not DuckDB's five), so a large load compresses its rows as it goes, and the commit's
    checkpoint rewrites only the last row groups of each table (a partly filled one, merged with
    its neighbours when they fit in fewer: three row groups' rows at most). A writer creates the
    file, or upgrades it, in the storage format STORAGE_VERSION; a file in a later format keeps
    its own; its checkpoints leave WRITER_DISABLED_COMPRESSION out. Spills go to `<path>.tmp`,
    as for a file opened directly. Raises duckdb.Error as opening the file does."""
    settings: dict[str, str | int] = {"temp_directory": f"{Path(path).absolute()}.tmp", **(config or {})}
    con = duckdb.connect(config=settings)
    try:
        name = '"' + catalog_name(path).replace('"', '""') + '"'
        attach = f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {name}"
        if read_only:
            con.execute(f"{attach} (READ_ONLY)")
        else:
            options = f"ROW_GROUP_SIZE {int(row_group_size)}"
            try:
                con.execute(f"{attach} ({options}, STORAGE_VERSION '{STORAGE_VERSION}')")
            except duckdb.InvalidInputException as exc:
                if _LATER_FORMAT not in str(exc):
                    raise
                con.execute(f"{attach} ({options})")  # DuckDB never lowers a file's format
        con.execute(f"USE {name}")
        if not read_only:
            con.execute("SET write_buffer_row_group_count = 1")
            con.execute(f"SET disabled_compression_methods = '{WRITER_DISABLED_COMPRESSION}'")
    except BaseException:
        con.close()
        raise
    return con


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
        self.row_group_size = DEFAULT_ROW_GROUP_SIZE  # of what writers append, from the next connection
        self.stays_open = False  # kept open between turns (nothing to release for others)
        self.coming = 0  # loads announced in this process and not done yet (loads_coming)
        self.turns_taken = 0  # turns begun so far: a lingering connection closes if none begins

    @contextmanager
    def turn(
        self, read_only: bool, wait: float | None = None, on_wait: Callable[[], None] | None = None
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection, once the callers before it in this process are done and no other process
        writes: up to `wait` seconds (default LOCK_TIMEOUT_SECONDS) for another process's load,
        calling `on_wait` once if it has to wait for one."""
        with self.count:
            self.waiting += 1
        self.turns.acquire()
        try:
            with self.count:
                self.waiting -= 1
            self.turns_taken += 1
            if self.con is not None and self.read_only and not read_only:
                self._close()  # a writer needs the file open for writing
            if self.con is None:
                self._open(read_only, LOCK_TIMEOUT_SECONDS if wait is None else wait, on_wait)
            broken = False
            try:
                yield self.con
            except BaseException:
                broken = True
                raise
            finally:
                with self.count:
                    passed_on = self.waiting > 0 or self.stays_open
                    lingers = not passed_on and self.coming > 0 and not self.read_only
                if broken or not (passed_on or lingers):
                    self._close()
                elif lingers:
                    self._linger(self.turns_taken)
        finally:
            self.turns.release()

    def expect_load(self) -> None:
        """A load of this process is to come (a crawl is under way): until every load expected
        is done (:meth:`load_done`), a writer's connection stays open between turns, for at most
        LINGER_SECONDS without one."""
        with self.count:
            self.coming += 1

    def closes_after(self, loads: int) -> bool:
        """Whether the connection is likely to close after a turn that does `loads` of the loads
        expected (no other expected, and the connection not kept open): such a load commits into
        the file itself (``storage.load.commit_checkpointed``). A wrong guess costs time only."""
        with self.count:
            return self.coming <= loads and not self.stays_open

    def load_done(self) -> None:
        """A load expected is done (or will not come): the last one closes an idle connection."""
        with self.count:
            self.coming -= 1
            last = self.coming == 0
        if last:
            self._close_idle()

    def _linger(self, turn: int) -> None:
        """Close the connection LINGER_SECONDS from now, unless a turn begins meanwhile."""
        timer = threading.Timer(LINGER_SECONDS, self._close_idle, args=(turn,))
        timer.daemon = True
        timer.start()

    def _close_idle(self, turn: int | None = None) -> None:
        """Close a connection nobody uses or waits for (and no turn began since `turn`)."""
        with self.turns:
            with self.count:
                idle = self.waiting == 0 and not self.stays_open
            if idle and (turn is None or turn == self.turns_taken):
                self._close()

    @contextmanager
    def exclusive(self, wait: float, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """The file to the caller alone, without a connection of the session's: this process's
        other callers wait for their turn, and the writer lock is held (another process's load
        waits for it), so the caller may open, rewrite or replace the file."""
        with self.turns:
            self._close()  # a connection kept open for callers that waited
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.path) + ".lock")
            try:
                lock.acquire(timeout=0)
            except Timeout:
                _Waiting(on_wait).started()
                try:
                    lock.acquire(timeout=wait)
                except Timeout:
                    raise StorageError(
                        self.path,
                        f"another process was writing to it for {wait:g} s (a load holds the lock "
                        f"file {lock.lock_file}); nothing was changed",
                    ) from None
            try:
                yield
            finally:
                lock.release()

    def _open(self, read_only: bool, wait: float, on_wait: Callable[[], None] | None) -> None:
        """Take the writer lock, then open the file; while another process writes (it holds the
        lock, or, for a reader, a program other than portalwatch holds the file itself), wait up
        to `wait` seconds."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait
        waiting = _Waiting(on_wait)
        lock = FileLock(str(self.path) + ".lock")
        try:
            lock.acquire(timeout=0)
        except Timeout:
            waiting.started()
            try:
                lock.acquire(timeout=wait)
            except Timeout:
                raise StorageError(
                    self.path,
                    f"another process was writing to it for {wait:g} s "
                    f"(a load holds the lock file {lock.lock_file}); nothing was "
                    + ("read" if read_only else "written"),
                ) from None
        try:
            self.con = self._connect(read_only, deadline, waiting)
        except BaseException:
            lock.release()
            raise
        self.lock, self.read_only = lock, read_only

    def _connect(self, read_only: bool, deadline: float, waiting: _Waiting) -> duckdb.DuckDBPyConnection:
        heap.limit_arenas()  # DuckDB's threads, started with the connection, share two arenas
        while True:
            try:
                return open_file(self.path, read_only, self.config, self.row_group_size)
            except duckdb.Error as exc:
                # A reader waits for another program to close the file; a load fails at once.
                if not (read_only and held_elsewhere(exc)) or time.monotonic() >= deadline:
                    raise StorageError(self.path, explain_open_error(self.path, exc)) from None
            waiting.started()
            time.sleep(RETRY_OPEN_SECONDS)

    def _close(self) -> None:
        con, lock, self.con, self.lock = self.con, self.lock, None, None
        try:
            if con is not None:
                con.close()
        finally:
            if lock is not None:
                lock.release()
        if con is not None:
            # What the connection's work freed (a load's Arrow tables, DuckDB's transaction and
            # checkpoint) goes back to the system, not kept for the next load to add to.
            heap.release_freed()


class _Waiting:
    """Calls `on_wait` the first time a turn has to wait for another process."""

    def __init__(self, on_wait: Callable[[], None] | None):
        self.on_wait, self.told = on_wait, False

    def started(self) -> None:
        if not self.told and self.on_wait is not None:
            self.on_wait()
        self.told = True


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

    def _open(self, read_only: bool, wait: float, on_wait: Callable[[], None] | None) -> None:
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
