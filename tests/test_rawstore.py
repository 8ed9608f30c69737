"""The content-addressed raw store: one gzip file per distinct body, named by its SHA-256."""

from __future__ import annotations

import gzip
import hashlib

import pytest

from portalwatch.errors import StorageError
from portalwatch.storage.rawstore import RawStore

PAGE = "<html><body><p>Thời gian đăng: 05/05/2025 08:00:00 AM</p></body></html>".encode() * 20


def files_under(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def test_put_returns_sha256_and_stores_once(tmp_path):
    store = RawStore(tmp_path / "raw")
    expected = hashlib.sha256(PAGE).hexdigest()

    raw_hash, new = store.put(PAGE)
    assert raw_hash == expected
    assert new is True

    again, new_again = store.put(PAGE)
    assert again == expected
    assert new_again is False

    files = files_under(tmp_path / "raw")
    assert files == [tmp_path / "raw" / expected[:2] / f"{expected}.gz"]
    assert store.path_for(expected) == files[0]
    assert expected in store
    assert gzip.decompress(files[0].read_bytes()) == PAGE


def test_get_round_trips(tmp_path):
    store = RawStore(tmp_path / "raw")
    bodies = [PAGE, b"", b"\x00\xff binary \x1f\x8b", "Điện Biên".encode()]
    hashes = [store.put(body)[0] for body in bodies]
    assert len(set(hashes)) == len(bodies)
    for body, raw_hash in zip(bodies, hashes, strict=False):
        assert store.get(raw_hash) == body
    assert len(files_under(tmp_path / "raw")) == len(bodies)


def test_second_put_does_not_rewrite_the_file(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    path = store.path_for(raw_hash)
    before = path.stat()
    store.put(PAGE)
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_get_unknown_hash_names_the_path(tmp_path):
    store = RawStore(tmp_path / "raw")
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert unknown not in store
    with pytest.raises(StorageError) as info:
        store.get(unknown)
    assert str(store.path_for(unknown)) in str(info.value)
    assert info.value.path == str(store.path_for(unknown))


def test_garbage_file_raises_storage_error(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    path = store.path_for(raw_hash)
    path.write_bytes(b"this is not gzip at all")
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_truncated_file_raises_storage_error(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    path = store.path_for(raw_hash)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_bad_checksum_raises_storage_error(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    path = store.path_for(raw_hash)
    data = path.read_bytes()
    path.write_bytes(data[:-8] + b"\x00" * 8)  # gzip trailer: CRC-32 and size
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_corrupt_deflate_stream_raises_storage_error(tmp_path):
    """A valid gzip header followed by a damaged compressed stream (bit rot, a bad disk block)."""
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    path = store.path_for(raw_hash)
    data = path.read_bytes()
    path.write_bytes(data[:10] + b"\xff" * 16 + data[26:])  # first deflate block: reserved block type
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_no_temporary_files_left_behind(tmp_path):
    store = RawStore(tmp_path / "raw")
    bodies = [f"page {number}".encode() * 50 for number in range(40)]
    for body in bodies + bodies:
        store.put(body)
    files = files_under(tmp_path / "raw")
    assert len(files) == len(bodies)
    assert all(path.name.endswith(".gz") and not path.name.startswith(".") for path in files)
    for path in files:
        assert path.parent.name == path.name[:2]
        assert len(path.name) == 64 + len(".gz")
