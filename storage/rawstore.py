"""The content-addressed raw store: every fetched body once, named by its hash.

The hash is the SHA-256 of the decoded body (after transfer and content
encodings), so the same page served compressed or not is stored once.

Bodies are appended to segment files, ``<root>/segments/NNNNNN.warc.gz``: each
body is one WARC 1.1 ``resource`` record (target ``urn:sha256:<hash>``, block
digest ``sha256:<hash>``) in a gzip member of its own, so warcio, pywb and the
other WARC tools read a segment as it is. ``<root>/index.sqlite`` maps each hash
to its segment, offset and length; it is a cache of the segments and is rebuilt
from them when missing.

One process at a time writes a segment (``segments/NNNNNN.lock``): a writer
takes a segment nobody writes, so processes that store pages side by side (a
run and a backfill) append to segments of their own and never wait for one
another. Readers read at any time. ``flush()`` (called before the warehouse
commits a load) fsyncs the segment, then commits the index rows in one short
transaction: the index never names bytes that are not on disk. Pages are stored
meanwhile (a flush holds the store only to take its rows and to drop them once
indexed, never while the disk syncs); those are left for the next flush. Records written
but not indexed (a writer killed between flushes) are indexed by the next
writer after their hash is checked; a torn record at a segment's end is cut
off. Two processes storing the same new body at once both append it; the index
keeps one.

Stores of the earlier layout, one gzip file per body at
``<root>/<first two hex>/<sha256>.gz``, are read as they are and moved into
segments by the first writer (or ``portalwatch raw migrate``); a file is
deleted only once its record is on disk and indexed, so an interrupted
migration loses nothing and resumes.

A root that is an object store URL (``s3://bucket/prefix``) keeps one object per
body under its hash instead, shared by workers on different machines: see
:mod:`portalwatch.storage.rawstore_s3`.
"""

from __future__ import annotations

import atexit
import gzip
import hashlib
import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from portalwatch.errors import StorageError
from portalwatch.storage.rawrecord import URI_PREFIX, PackedPage, Problem, pack, unpack
from portalwatch.storage.rawstore_s3 import ObjectPages, is_object_store, object_pages

log = logging.getLogger(__name__)

SEGMENT_BYTES = 1 << 30  # a new segment starts past this size
LOCK_TIMEOUT_SECONDS = 600.0
MIGRATE_BATCH = 2000  # legacy files moved per durable step
SEGMENT_SUFFIX = ".warc.gz"

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    hash BLOB PRIMARY KEY, segment INTEGER NOT NULL, offset INTEGER NOT NULL, length INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS segments (segment INTEGER PRIMARY KEY, indexed_end INTEGER NOT NULL);
"""


def segment_name(segment: int) -> str:
    return f"{segment:06d}{SEGMENT_SUFFIX}"


class RawStore:
    """A raw store at `root`, a folder or an object store URL (``s3://bucket/prefix``, see
    :mod:`portalwatch.storage.rawstore_s3`; `endpoint_url` for an S3-compatible server, else
    boto's ``AWS_ENDPOINT_URL``). Every instance for the same root in a process shares one handle."""

    _store: _Store  # a folder's
    remote: ObjectPages | None  # an object store's

    def __init__(self, root: str | Path, endpoint_url: str | None = None):
        self.location = str(root).rstrip("/") if is_object_store(root) else str(root)
        self.root = Path(root)
        self.remote = object_pages(self.location, endpoint_url) if is_object_store(root) else None
        if self.remote is None:
            self._store = _shared(self.root)

    def exists(self) -> bool:
        """Whether anything is stored here."""
        return self.remote.exists() if self.remote is not None else self.root.is_dir()

    def path_for(self, raw_hash: str) -> Path:
        """Where the earlier layout kept a body (read until migrated)."""
        return self.root / raw_hash[:2] / f"{raw_hash}.gz"

    def segment_path(self, segment: int) -> Path:
        return self._store.segment_path(segment)

    def locate(self, raw_hash: str) -> tuple[Path, int, int] | None:
        """(segment file, offset, length) of a body's record, None when it is not in a segment."""
        if self.remote is not None:
            return None
        place = self._store.locate(raw_hash)
        return None if place is None else (self.segment_path(place[0]), place[1], place[2])

    def __contains__(self, raw_hash: str) -> bool:
        if self.remote is not None:
            return raw_hash in self.remote
        return self._store.locate(raw_hash) is not None or self.path_for(raw_hash).exists()

    def put(self, body: bytes) -> tuple[str, bool]:
        """Store a body; returns its hash and whether it was new."""
        raw_hash = hashlib.sha256(body).hexdigest()
        if (
            self.remote.seen(raw_hash)
            if self.remote is not None
            else self._store.locate(raw_hash) is not None
        ):
            return raw_hash, False
        return self.put_packed(pack(body))

    def put_packed(self, page: PackedPage) -> tuple[str, bool]:
        """Store a body packed by `pack` (perhaps in another process); returns its hash and whether
        it was new (on an object store: not seen stored by this process)."""
        if self.remote is not None:
            return page.raw_hash, self.remote.put(page)
        return page.raw_hash, self._store.append(page)

    def get(self, raw_hash: str) -> bytes:
        if self.remote is not None:
            return self.remote.get(raw_hash)
        place = self._store.locate(raw_hash)
        if place is None:
            try:
                return _read_legacy(self.path_for(raw_hash), self.root)
            except StorageError:
                place = self._store.locate(raw_hash)  # moved into a segment meanwhile?
                if place is None:
                    raise
        return self._store.read(raw_hash, *place)

    def flush(self) -> None:
        """Make every put so far durable and indexed (before a load names the pages)."""
        if self.remote is not None:
            self.remote.flush()
        else:
            self._store.flush()

    def close(self) -> None:
        """Flush, and give up the segment this process appends to (taken again by the next put)."""
        if self.remote is not None:
            self.remote.close()
        else:
            self._store.close()

    def __enter__(self) -> RawStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def migrate(self) -> int:
        """Move the bodies of the earlier layout into segments; returns how many moved (none on
        an object store, which never had that layout)."""
        if self.remote is not None:
            return 0
        before = self._store.moved
        self._store.migrate()  # the first write may already have moved them: counted too
        self._store.flush()
        return self._store.moved - before

    def verify(self) -> Iterator[Problem]:
        """Re-hash every stored body; yields each that is not what its hash says."""
        if self.remote is not None:
            yield from self.remote.verify()
            return
        yield from self._store.verify()
        for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/*.gz")):
            raw_hash = path.name.removesuffix(".gz")
            try:
                body = _read_legacy(path, self.root)
            except StorageError as exc:
                yield Problem(raw_hash, str(path), str(exc))
                continue
            if hashlib.sha256(body).hexdigest() != raw_hash:
                yield Problem(raw_hash, str(path), "body does not hash to its name")

    def count(self) -> int:
        """How many bodies the segments (or the objects) hold (the earlier layout's files not counted)."""
        return self.remote.count() if self.remote is not None else self._store.count()

    def hashes(self) -> set[str]:
        """The hashes of every stored body."""
        if self.remote is not None:
            return self.remote.hashes()
        legacy = {path.name.removesuffix(".gz") for path in self.root.glob("[0-9a-f][0-9a-f]/*.gz")}
        return self._store.hashes() | legacy


def _read_legacy(path: Path, root: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except FileNotFoundError:
        raise StorageError(path, f"raw page not in the store at {root}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise StorageError(path, f"raw page unreadable: {exc}") from None


_registry_lock = threading.Lock()
_registry: dict[tuple[int, Path], _Store] = {}


def _shared(root: Path) -> _Store:
    key = (os.getpid(), root.absolute())
    with _registry_lock:
        store = _registry.get(key)
        if store is None:
            store = _registry[key] = _Store(root)
        return store


@atexit.register
def _flush_all() -> None:
    with _registry_lock:
        stores = [store for (pid, _), store in _registry.items() if pid == os.getpid()]
    for store in stores:
        try:
            store.close()
        except Exception:  # at exit: a store that cannot flush is recovered on open
            log.exception("raw store %s: could not flush at exit", store.root)


class _Store:
    """The process's handle on one store: the index connection, and its segment while it writes."""

    def __init__(self, root: Path):
        self.root = root
        self.segments = root / "segments"
        self.index_path = root / "index.sqlite"
        # `lock` guards the segment, `pending` and `con`, and is held only for in-memory steps and
        # short reads, except to change segments, close and migrate, which flush while holding it.
        # `flushing` serializes the flushes and guards `flush_con`; it is taken before `lock`, never
        # while holding it.
        self.lock = threading.RLock()
        self.flushing = threading.Lock()
        self.con: sqlite3.Connection | None = None
        self.flush_con: sqlite3.Connection | None = None  # the flushes' own, used outside `lock`
        self.readers: dict[int, int] = {}  # segment -> read-only descriptor
        self.pending: dict[str, tuple[int, int, int]] = {}  # appended, not yet in the index
        self.ends: dict[
            int, int
        ] = {}  # segment -> its end, for the segments appended to since the last flush
        self.moved = 0  # bodies moved in from the earlier layout by this process
        self.claim: FileLock | None = None  # the lock of the segment this process appends to
        self.segment = 0
        self.fd = -1
        self.end = 0

    def segment_path(self, segment: int) -> Path:
        return self.segments / segment_name(segment)

    def _segment_lock(self, segment: int) -> FileLock:
        return FileLock(self.segments / f"{segment:06d}.lock", timeout=LOCK_TIMEOUT_SECONDS)

    # -- the index

    def _connection(self) -> sqlite3.Connection | None:
        if self.con is None:
            if not self.index_path.exists() and not self.segments.is_dir():
                return None
            rebuild = not self.index_path.exists()
            self.con = self._open_index()
            if rebuild:
                log.warning("raw store %s: no index; rebuilding it from the segments", self.root)
                self._recover_free_segments()
        return self.con

    def _open_index(self) -> sqlite3.Connection:
        self.root.mkdir(parents=True, exist_ok=True)
        con = sqlite3.connect(self.index_path, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=FULL")
        con.execute("PRAGMA busy_timeout=60000")
        con.executescript(SCHEMA)
        return con

    def locate(self, raw_hash: str) -> tuple[int, int, int] | None:
        with self.lock:
            place = self.pending.get(raw_hash)
            con = self._connection()
            if place is not None or con is None:
                return place
            return con.execute(
                "SELECT segment, offset, length FROM pages WHERE hash = ?", (bytes.fromhex(raw_hash),)
            ).fetchone()

    def count(self) -> int:
        with self.flushing, self.lock:  # not during a flush: its rows, indexed, still pending
            con = self._connection()
            return len(self.pending) + (
                0 if con is None else con.execute("SELECT count(*) FROM pages").fetchone()[0]
            )

    def hashes(self) -> set[str]:
        with self.lock:
            con = self._connection()
            stored = set() if con is None else {key.hex() for (key,) in con.execute("SELECT hash FROM pages")}
            return stored | set(self.pending)

    @staticmethod
    def _write_index(
        con: sqlite3.Connection, rows: list[tuple[str, int, int, int]], ends: dict[int, int]
    ) -> None:
        """One short transaction: the writers of other segments wait for it at most that long. A
        segment's indexed end only moves forward: a flush that took its rows before another one
        indexed more of the segment leaves the later end."""
        con.execute("BEGIN IMMEDIATE")
        try:
            con.executemany(
                "INSERT OR IGNORE INTO pages VALUES (?, ?, ?, ?)",
                [(bytes.fromhex(raw_hash), *place) for raw_hash, *place in rows],
            )
            con.executemany(
                "INSERT INTO segments VALUES (?, ?) ON CONFLICT (segment)"
                " DO UPDATE SET indexed_end = max(indexed_end, excluded.indexed_end)",
                list(ends.items()),
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    # -- reading

    def _pread(self, segment: int, offset: int, length: int) -> bytes:
        fd = self.readers.get(segment)
        if fd is None:
            fd = self.readers[segment] = os.open(self.segment_path(segment), os.O_RDONLY)
        return os.pread(fd, length, offset)

    def read(self, raw_hash: str, segment: int, offset: int, length: int) -> bytes:
        where = f"{self.segment_path(segment)}@{offset}"
        with self.lock:
            try:
                data = self._pread(segment, offset, length)
            except OSError as exc:
                raise StorageError(where, f"raw page unreadable: {exc}") from None
        try:
            named, body = unpack(data)
        except (OSError, EOFError, zlib.error, ValueError, ArchiveLoadFailed) as exc:
            raise StorageError(where, f"raw page unreadable: {exc}") from None
        if named != raw_hash:
            raise StorageError(where, f"raw page unreadable: the record holds {named}")
        return body

    # -- recovery

    def _segment_numbers(self) -> list[int]:
        names = (path.name.removesuffix(SEGMENT_SUFFIX) for path in self.segments.glob("*" + SEGMENT_SUFFIX))
        return sorted(int(name) for name in names if name.isdigit())

    def _recover_free_segments(self) -> None:
        """Index what the writers of the segments nobody writes now left unindexed."""
        for segment in self._segment_numbers():
            lock = self._segment_lock(segment)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue  # its writer is alive and indexes its own records
            try:
                self._recover(segment)
            finally:
                lock.release()

    def _recover(self, segment: int) -> None:
        """Index the whole records past the indexed end of a segment (whose lock is held); cut off a torn one."""
        path = self.segment_path(segment)
        row = self.con.execute("SELECT indexed_end FROM segments WHERE segment = ?", (segment,)).fetchone()
        start, size = (row[0] if row else 0), path.stat().st_size
        if size <= start:
            return
        good, rows = start, []
        with path.open("rb") as handle:
            handle.seek(start)
            records = ArchiveIterator(handle)
            try:
                for record in records:
                    uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                    body = record.content_stream().read()
                    offset, length = records.get_record_offset(), records.get_record_length()
                    if (
                        not uri.startswith(URI_PREFIX)
                        or hashlib.sha256(body).hexdigest() != uri[len(URI_PREFIX) :]
                    ):
                        break
                    rows.append((uri[len(URI_PREFIX) :], segment, offset, length))
                    good = offset + length
            except Exception:  # whatever fails to read is the torn end
                pass
        if good < size:
            log.warning("raw store %s: %d torn bytes cut off", path, size - good)
            os.truncate(path, good)
        if rows:
            log.warning("raw store %s: %d unindexed records indexed", path, len(rows))
        self._write_index(self.con, rows, {segment: good})

    # -- writing

    def _claim_segment(self) -> None:
        """Take a segment of one's own to append to: one nobody writes and not full, else a new one."""
        if self.claim is not None:
            return
        if self.con is None:
            self.con = self._open_index()
        self.segments.mkdir(parents=True, exist_ok=True)
        self._recover_free_segments()
        numbers = self._segment_numbers()
        candidates = [n for n in numbers if self.segment_path(n).stat().st_size < SEGMENT_BYTES]
        fresh = max(numbers, default=0) + 1
        while True:
            segment = candidates.pop(0) if candidates else fresh
            fresh += segment == fresh
            lock = self._segment_lock(segment)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            break
        self.claim = lock
        if self.segment_path(segment).exists():
            self._recover(segment)  # written since the look above, by a writer now gone
        self._open_segment(segment)
        if any(self.root.glob("[0-9a-f][0-9a-f]")):
            log.info("raw store %s: moving the one-file-per-page layout into segments", self.root)
            self.migrate()

    def _open_segment(self, segment: int) -> None:
        self.segment = segment
        self.fd = os.open(self.segment_path(segment), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.end = os.fstat(self.fd).st_size
        _fsync_directory(self.segments)

    def _next_segment(self) -> None:
        """The segment is full: it is made durable and indexed, and a new one is taken."""
        self._flush_held()
        self._release()
        self._claim_segment()

    def append(self, page: PackedPage) -> bool:
        with self.lock:
            self._claim_segment()  # which may first move the earlier layout's files in
            if self.locate(page.raw_hash) is not None:
                return False
            if self.end >= SEGMENT_BYTES:
                self._next_segment()
            try:
                written = os.write(self.fd, page.record)
                if written != len(page.record):
                    raise OSError(f"short write ({written} of {len(page.record)} bytes)")
            except OSError as exc:
                raise StorageError(self.segment_path(self.segment), f"cannot store raw page: {exc}") from None
            self.pending[page.raw_hash] = (self.segment, self.end, len(page.record))
            self.end += len(page.record)
            return True

    def flush(self) -> None:
        """The segment's bytes on disk first, then the index rows that name them. The lock is held
        only to take the rows (and a descriptor of their segment, which a change of segment
        meanwhile does not close) and to drop them once indexed: appends go on while the disk syncs,
        and what they add is left for the next flush. Never called with the lock held (a flush
        waiting for it would wait for this one): such callers use `_flush_held`."""
        with self.flushing:
            with self.lock:
                if self.claim is None or not self.pending:
                    return
                rows, segment, end = dict(self.pending), self.segment, self.end
                try:
                    fd = os.dup(self.fd)
                except OSError as exc:
                    raise StorageError(
                        self.segment_path(segment), f"cannot make raw pages durable: {exc}"
                    ) from None
            try:
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                if self.flush_con is None:
                    self.flush_con = self._open_index()
                self._write_index(
                    self.flush_con, [(key, *place) for key, place in rows.items()], {segment: end}
                )
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(
                    self.segment_path(segment), f"cannot make raw pages durable: {exc}"
                ) from None
            with self.lock:
                for key, place in rows.items():
                    if self.pending.get(key) == place:  # indexed by a change of segment meanwhile?
                        del self.pending[key]

    def _flush_held(self) -> None:
        """`flush` in one step under the lock, for a caller that holds it: changing segments,
        closing, migrating (rare; the appends wait for them)."""
        with self.lock:
            if self.claim is None or not self.pending:
                return
            try:
                os.fsync(self.fd)
                self._write_index(
                    self.con, [(key, *place) for key, place in self.pending.items()], {self.segment: self.end}
                )
            except (OSError, sqlite3.Error) as exc:
                raise StorageError(
                    self.segment_path(self.segment), f"cannot make raw pages durable: {exc}"
                ) from None
            self.pending.clear()

    def close(self) -> None:
        self.flush()  # the appends go on meanwhile; what they add is flushed below
        with self.lock:
            self._flush_held()
            self._release()

    def _release(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.claim is not None:
            self.claim.release()
            self.claim = None

    # -- the earlier layout

    def migrate(self) -> int:
        with self.lock:
            self._claim_segment()
            lock = FileLock(self.root / "migrate.lock")
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return 0  # another process is moving the files; they read where they are meanwhile
            try:
                return self._migrate_all()
            finally:
                lock.release()

    def _migrate_all(self) -> int:
        with self.lock:
            moved, done = 0, []
            for path in sorted(self.root.glob("[0-9a-f][0-9a-f]/*")):
                if path.name.startswith(".tmp-"):
                    path.unlink(missing_ok=True)  # a write the earlier layout never finished
                    continue
                try:
                    appended = self._migrate_one(path)
                    moved, self.moved = moved + appended, self.moved + appended
                except _KeepFile:
                    continue
                done.append(path)
                if len(done) >= MIGRATE_BATCH:
                    self._flush_held()
                    _unlink_all(done)
            self._flush_held()
            _unlink_all(done)
            for folder in self.root.glob("[0-9a-f][0-9a-f]"):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            return moved

    def _migrate_one(self, path: Path) -> bool:
        """Append one legacy file's body; False when it was already stored. Unreadable ones stay put."""
        raw_hash = path.name.removesuffix(".gz")
        if len(raw_hash) != 64 or self.locate(raw_hash) is not None:
            return False
        try:
            body = _read_legacy(path, self.root)
        except StorageError as exc:
            log.warning("raw store: %s left in place: %s", path, exc)
            raise _KeepFile from None
        if hashlib.sha256(body).hexdigest() != raw_hash:
            log.warning("raw store: %s left in place: its body does not hash to its name", path)
            raise _KeepFile
        return self.append(pack(body))

    # -- verification

    def verify(self) -> Iterator[Problem]:
        with self.lock:
            con = self._connection()
            rows = (
                []
                if con is None
                else con.execute("SELECT hash, segment, offset, length FROM pages").fetchall()
            )
        for key, segment, offset, length in sorted(rows, key=lambda row: (row[1], row[2])):
            raw_hash = key.hex()
            try:
                body = self.read(raw_hash, segment, offset, length)
            except StorageError as exc:
                yield Problem(raw_hash, f"{self.segment_path(segment)}@{offset}", str(exc))
                continue
            if hashlib.sha256(body).hexdigest() != raw_hash:
                yield Problem(
                    raw_hash, f"{self.segment_path(segment)}@{offset}", "body does not hash to its name"
                )


class _KeepFile(Exception):
    """A legacy file that cannot be moved (unreadable): it stays where it is."""


def _unlink_all(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
    paths.clear()


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
