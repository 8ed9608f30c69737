"""The packed raw store with real files and real processes: a writer killed mid-batch, the
migration of the one-file-per-page layout (also interrupted), `raw verify` and `raw cat`."""

from __future__ import annotations

import gzip
import hashlib
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
import time
from contextlib import closing
from pathlib import Path

from portalwatch.storage import rawstore
from portalwatch.storage.rawstore import RawStore

PORTALWATCH = str(Path(sys.executable).parent / "portalwatch")


def body(number: int) -> bytes:
    return f"<html><body><p>Trang {number}: Thời gian đăng 05/05/2025</p>{'x' * (number % 700)}</body></html>".encode()


def hash_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


WRITER = textwrap.dedent(
    """
    import sys
    from portalwatch.storage.rawstore import RawStore
    sys.path.insert(0, sys.argv[2])
    from test_rawstore_segments import body

    store = RawStore(sys.argv[1])
    number = start = int(sys.argv[3])
    while True:
        store.put(body(number))
        number += 1
        if number % 50 == 0:
            store.flush()
            print(number - start, flush=True)
    """
)


def start_writer(root: Path, start: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(root), str(Path(__file__).parent), str(start)],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_writer_killed_mid_batch_leaves_a_consistent_index(tmp_path):
    root = tmp_path / "raw"
    writer = start_writer(root)
    flushed = 0
    try:
        while flushed < 200:
            flushed = int(writer.stdout.readline())
        time.sleep(0.05)  # into the next batch: records written, not yet indexed
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    # A torn record at the end, as if the kill had come in the middle of a write.
    [segment] = sorted((root / "segments").glob("*.warc.gz"))
    whole = segment.stat().st_size
    with segment.open("ab") as handle:
        handle.write(gzip.compress(b"WARC/1.1\r\nWARC-Type: resource\r\n" * 40)[:100])

    reader = RawStore(root)
    assert list(reader.verify()) == []  # nothing indexed is missing or damaged
    for number in range(flushed):
        assert reader.get(hash_of(body(number))) == body(number)

    # The next writer indexes the whole records past the last flush and cuts the torn one off.
    RawStore(root).put(b"after the kill")
    RawStore(root).flush()
    assert list(RawStore(root).verify()) == []
    assert RawStore(root).count() >= flushed + 1
    # After the records recovered comes the new one; the torn bytes are gone.
    _, offset, _ = RawStore(root).locate(hash_of(b"after the kill"))
    assert offset == whole


def test_two_writer_processes_append_side_by_side(tmp_path):
    root = tmp_path / "raw"
    first, second = start_writer(root), None
    try:
        int(first.stdout.readline())
        second = start_writer(root, 100_000)
        flushed = [0, 0]
        while min(flushed) < 300:
            flushed = [int(first.stdout.readline()), int(second.stdout.readline())]
    finally:
        for writer in (first, second):
            if writer is not None:
                writer.send_signal(signal.SIGKILL)
                writer.wait()
    assert len(list((root / "segments").glob("*.warc.gz"))) == 2  # a segment each: nobody waited
    store = RawStore(root)
    assert list(store.verify()) == []
    for number in [*range(flushed[0]), *range(100_000, 100_000 + flushed[1])]:
        assert store.get(hash_of(body(number))) == body(number)
    store.put(b"one more")  # the next writer takes over a segment and indexes what was left
    store.flush()
    assert list(store.verify()) == []
    assert store.get(hash_of(b"one more")) == b"one more"


def legacy_store(root: Path, count: int) -> dict[str, bytes]:
    """A store of the earlier layout: <root>/<2 hex>/<sha256>.gz."""
    bodies = {}
    for number in range(count):
        data = body(number)
        raw_hash = hash_of(data)
        path = root / raw_hash[:2] / f"{raw_hash}.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(data, mtime=0))
        bodies[raw_hash] = data
    return bodies


def test_the_first_write_migrates_the_old_layout(tmp_path):
    root = tmp_path / "raw"
    bodies = legacy_store(root, 120)
    (root / "ab").mkdir(exist_ok=True)
    (root / "ab" / ".tmp-unfinished").write_bytes(b"half a write")
    store = RawStore(root)
    for raw_hash, data in bodies.items():  # read before the migration
        assert raw_hash in store
        assert store.get(raw_hash) == data
    store.put(b"a new page")
    store.flush()
    assert not list(root.glob("??/*"))  # every file moved, the leftover gone
    assert store.count() == 121
    for raw_hash, data in bodies.items():
        assert store.get(raw_hash) == data
    assert list(store.verify()) == []


def test_an_unreadable_old_file_stays_where_it_is_and_verify_reports_it(tmp_path):
    root = tmp_path / "raw"
    bodies = legacy_store(root, 5)
    broken = next(iter(bodies))
    path = root / broken[:2] / f"{broken}.gz"
    path.write_bytes(b"not gzip")
    store = RawStore(root)
    assert store.migrate() == 4
    assert path.exists()
    [problem] = list(store.verify())
    assert (problem.raw_hash, problem.where) == (broken, str(path))


def test_an_interrupted_migration_loses_nothing_and_resumes(tmp_path):
    root = tmp_path / "raw"
    bodies = legacy_store(root, 3000)
    migrate = subprocess.Popen(
        [PORTALWATCH, "raw", "migrate", "--raw-dir", str(root)], stderr=subprocess.PIPE, text=True
    )
    # Killed once its first durable step has moved some files (a batch of MIGRATE_BATCH), while
    # the rest are still to move: a fixed wait raced a migration that can finish within it.
    deadline = time.monotonic() + 60
    while len(list(root.glob("??/*.gz"))) == len(bodies) and time.monotonic() < deadline:
        time.sleep(0.005)
    migrate.send_signal(signal.SIGKILL)
    migrate.wait()
    left = len(list(root.glob("??/*.gz")))
    assert left > 0, "the migration ended before it was interrupted"
    reader = RawStore(root)
    for raw_hash, data in bodies.items():  # every page readable, moved or not
        assert reader.get(raw_hash) == data
    done = subprocess.run(
        [PORTALWATCH, "raw", "migrate", "--raw-dir", str(root)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert not list(root.glob("??/*.gz"))
    store = RawStore(root)
    assert store.count() == len(bodies)
    for raw_hash, data in bodies.items():
        assert store.get(raw_hash) == data


def test_verify_finds_a_flipped_byte(tmp_path):
    root = tmp_path / "raw"
    store = RawStore(root)
    hashes = [store.put(body(number))[0] for number in range(20)]
    store.flush()
    clean = subprocess.run(
        [PORTALWATCH, "raw", "verify", "--raw-dir", str(root)], capture_output=True, text=True
    )
    assert clean.returncode == 0, clean.stderr
    assert "20 pages" in clean.stderr
    path, offset, length = store.locate(hashes[7])
    with path.open("r+b") as handle:
        handle.seek(offset + length // 2)
        byte = handle.read(1)
        handle.seek(offset + length // 2)
        handle.write(bytes([byte[0] ^ 0x01]))
    broken = subprocess.run(
        [PORTALWATCH, "raw", "verify", "--raw-dir", str(root)], capture_output=True, text=True
    )
    assert broken.returncode == 1
    [line] = broken.stdout.splitlines()
    assert line.startswith(hashes[7])
    assert f"{path}@{offset}" in line


def test_raw_cat_writes_the_bytes(tmp_path):
    root = tmp_path / "raw"
    data = b"\x00\xff binary \x1f\x8b" + body(3)
    raw_hash = RawStore(root).put(data)[0]
    RawStore(root).flush()
    cat = subprocess.run([PORTALWATCH, "raw", "cat", raw_hash, "--raw-dir", str(root)], capture_output=True)
    assert cat.returncode == 0, cat.stderr
    assert cat.stdout == data
    missing = subprocess.run(
        [PORTALWATCH, "raw", "cat", hash_of(b"never"), "--raw-dir", str(root)], capture_output=True
    )
    assert missing.returncode == 1
    assert missing.stdout == b""


def test_a_lost_index_is_rebuilt_from_the_segments(tmp_path):
    root = tmp_path / "raw"
    store = RawStore(root)
    for number in range(30):
        store.put(body(number))
    store.close()
    for path in root.glob("index.sqlite*"):
        os.unlink(path)
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from portalwatch.storage.rawstore import RawStore; "
            "s = RawStore(sys.argv[1]); print(s.count(), len(list(s.verify())))",
            str(root),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.stdout.split() == ["30", "0"], check.stderr


def segments_of(root: Path) -> list[Path]:
    return sorted((root / "segments").glob("*.warc.gz"))


class SlowDisk:
    """`os.fsync` that holds the first sync of a segment file until `go` is set, and notes how far
    each segment was on disk when a sync of it returned."""

    def __init__(self, root: Path):
        self.segments = root / "segments"
        self.syncing, self.go = threading.Event(), threading.Event()
        self.synced: dict[int, int] = {}  # segment -> its size when a sync of it began, once it returned
        self.real = os.fsync

    def __call__(self, fd: int) -> None:
        info = os.fstat(fd)
        segment = self.segment_of(info) if stat.S_ISREG(info.st_mode) else None
        if segment is not None and not self.syncing.is_set():
            self.syncing.set()
            self.go.wait()
        self.real(fd)
        if segment is not None:
            self.synced[segment] = max(self.synced.get(segment, 0), info.st_size)

    def segment_of(self, info: os.stat_result) -> int | None:
        for path in self.segments.glob("*.warc.gz"):
            if os.stat(path).st_ino == info.st_ino:
                return int(path.name.removesuffix(".warc.gz"))
        return None

    def assert_index_within(self, root: Path) -> None:
        """The index names only bytes a finished sync had on disk."""
        pages, ends = index_of(root)
        for raw_hash, (segment, offset, length) in pages.items():
            assert offset + length <= self.synced.get(segment, 0), raw_hash
        for segment, end in ends.items():
            assert end <= self.synced.get(segment, 0), segment


def index_of(root: Path) -> tuple[dict[str, tuple[int, int, int]], dict[int, int]]:
    """The index as another reader sees it: hash -> (segment, offset, length), and segment -> indexed end."""
    with closing(sqlite3.connect(root / "index.sqlite")) as con:
        pages = {
            key.hex(): (segment, offset, length)
            for key, segment, offset, length in con.execute("SELECT * FROM pages")
        }
        return pages, dict(con.execute("SELECT segment, indexed_end FROM segments").fetchall())


class Flusher(threading.Thread):
    def __init__(self, store: RawStore):
        super().__init__()
        self.store, self.error = store, None
        self.start()

    def run(self) -> None:
        try:
            self.store.flush()
        except Exception as exc:
            self.error = exc


def stored_while_held(disk: SlowDisk, put) -> None:
    """Run `put` while the flush's sync is held; fails (after a minute) if it waited for the sync."""
    assert disk.syncing.wait(60)
    safety = threading.Timer(60, disk.go.set)  # lets a store that waits for the sync finish, and fail
    safety.start()
    try:
        put()
        assert not disk.go.is_set(), "the page was stored only once the flush's sync had ended"
    finally:
        disk.go.set()
        safety.cancel()


def test_pages_are_stored_while_a_flush_waits_for_the_disk(tmp_path, monkeypatch):
    root = tmp_path / "raw"
    store = RawStore(root)
    early = [store.put(body(number))[0] for number in range(5)]
    disk = SlowDisk(root)
    monkeypatch.setattr(os, "fsync", disk)
    flusher = Flusher(store)
    assert disk.syncing.wait(60)
    assert index_of(root)[0].keys().isdisjoint(early)  # nothing named before its bytes are on disk
    late: list[str] = []

    def put_one() -> None:
        raw_hash, new = store.put(body(5))
        assert new and store.get(raw_hash) == body(5)
        late.append(raw_hash)

    stored_while_held(disk, put_one)
    flusher.join()
    assert flusher.error is None
    pages, _ = index_of(root)
    assert set(early) <= pages.keys()
    assert late[0] not in pages  # stored during the flush: left for the next one
    assert late[0] in store and store.get(late[0]) == body(5)
    assert store.put(body(0)) == (early[0], False)  # indexed by the flush, seen by the store
    disk.assert_index_within(root)

    store.flush()
    pages, ends = index_of(root)
    assert late[0] in pages
    disk.assert_index_within(root)
    [segment] = segments_of(root)
    assert ends == {pages[late[0]][0]: segment.stat().st_size}
    assert store.count() == 6
    assert list(store.verify()) == []


def test_a_new_segment_taken_during_a_flush_keeps_the_index_whole(tmp_path, monkeypatch):
    root = tmp_path / "raw"
    store = RawStore(root)
    first = store.put(body(0))[0]
    [segment] = segments_of(root)
    monkeypatch.setattr(rawstore, "SEGMENT_BYTES", segment.stat().st_size + 1)  # full at the next page
    disk = SlowDisk(root)
    monkeypatch.setattr(os, "fsync", disk)
    flusher = Flusher(store)
    later: list[str] = []

    def put_two() -> None:
        later.append(store.put(body(1))[0])  # fills the segment
        later.append(store.put(body(2))[0])  # in a new one, once the full one is flushed
        assert store.get(later[1]) == body(2)

    stored_while_held(disk, put_two)
    flusher.join()
    assert flusher.error is None
    full, fresh = segments_of(root)
    full_number = int(full.name.removesuffix(".warc.gz"))
    pages, ends = index_of(root)
    assert pages[first][0] == pages[later[0]][0] == full_number
    assert later[1] not in pages
    # The flush that took the first page's end before the segment filled did not move it back.
    assert ends[full_number] == full.stat().st_size
    disk.assert_index_within(root)

    store.flush()
    pages, ends = index_of(root)
    assert pages[later[1]][0] == int(fresh.name.removesuffix(".warc.gz"))
    assert ends[pages[later[1]][0]] == fresh.stat().st_size
    disk.assert_index_within(root)
    assert store.count() == 3
    assert list(store.verify()) == []
