"""The content-addressed raw store: every distinct body once, named by its SHA-256, in WARC segments."""

from __future__ import annotations

import gzip
import hashlib
import subprocess

import pytest
from warcio.archiveiterator import ArchiveIterator

from portalwatch.errors import StorageError
from portalwatch.storage.rawstore import RawStore

PAGE = "<html><body><p>Thời gian đăng: 05/05/2025 08:00:00 AM</p></body></html>".encode() * 20


def files_under(root):
    return sorted(path for path in root.rglob("*") if path.is_file())


def segments_of(root):
    return sorted((root / "segments").glob("*.warc.gz"))


def overwrite(path, offset, data):
    with path.open("r+b") as handle:
        handle.seek(offset)
        handle.write(data)


def test_put_returns_sha256_and_stores_once(tmp_path):
    store = RawStore(tmp_path / "raw")
    expected = hashlib.sha256(PAGE).hexdigest()

    raw_hash, new = store.put(PAGE)
    assert raw_hash == expected
    assert new is True

    again, new_again = store.put(PAGE)
    assert again == expected
    assert new_again is False
    store.flush()

    assert expected in store
    assert store.count() == 1
    [segment] = segments_of(tmp_path / "raw")
    assert not store.path_for(expected).exists()
    # The segment is a plain WARC file: one resource record named by the hash.
    with segment.open("rb") as handle:
        records = list(ArchiveIterator(handle))
    assert len(records) == 1
    assert records[0].rec_type == "resource"
    assert records[0].rec_headers.get_header("WARC-Target-URI") == f"urn:sha256:{expected}"


def test_a_segment_is_a_gzip_file_the_system_tools_read(tmp_path):
    """Each record is a gzip member of its own: the system's gzip finds the whole segment sound,
    and it and Python's gzip expand it to the WARC records, each body whole in its own."""
    store = RawStore(tmp_path / "raw")
    bodies = [PAGE, "Điện Biên Phủ, ngày 05/05/2025".encode() * 300, bytes(range(256)) * 40]
    for body in bodies:
        store.put(body)
    store.flush()
    [segment] = segments_of(tmp_path / "raw")
    subprocess.run(["gzip", "--test", str(segment)], check=True)
    unzipped = subprocess.run(
        ["gzip", "--decompress", "--stdout", str(segment)], check=True, capture_output=True
    )
    assert unzipped.stdout == gzip.decompress(segment.read_bytes())
    assert unzipped.stdout.count(b"WARC/1.1\r\n") == len(bodies)
    for body in bodies:
        assert body in unzipped.stdout
        assert f"urn:sha256:{hashlib.sha256(body).hexdigest()}".encode() in unzipped.stdout


def test_get_round_trips(tmp_path):
    store = RawStore(tmp_path / "raw")
    bodies = [PAGE, b"", b"\x00\xff binary \x1f\x8b", "Điện Biên".encode()]
    hashes = [store.put(body)[0] for body in bodies]
    assert len(set(hashes)) == len(bodies)
    for body, raw_hash in zip(bodies, hashes, strict=False):
        assert store.get(raw_hash) == body
    store.flush()
    assert store.count() == len(bodies)
    for body, raw_hash in zip(bodies, hashes, strict=False):
        assert store.get(raw_hash) == body


def test_second_put_does_not_rewrite_the_record(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    store.flush()
    [segment] = segments_of(tmp_path / "raw")
    before = segment.stat().st_size
    store.put(PAGE)
    store.flush()
    assert segment.stat().st_size == before
    assert store.locate(raw_hash)[0] == segment


def test_get_unknown_hash_names_the_path(tmp_path):
    store = RawStore(tmp_path / "raw")
    unknown = hashlib.sha256(b"never stored").hexdigest()
    assert unknown not in store
    with pytest.raises(StorageError) as info:
        store.get(unknown)
    assert str(store.path_for(unknown)) in str(info.value)
    assert info.value.path == str(store.path_for(unknown))


def stored_record(tmp_path):
    store = RawStore(tmp_path / "raw")
    raw_hash, _ = store.put(PAGE)
    store.flush()
    return store, raw_hash, *store.locate(raw_hash)


def test_garbage_record_raises_storage_error(tmp_path):
    store, raw_hash, path, offset, length = stored_record(tmp_path)
    overwrite(path, offset, b"this is not gzip at all".ljust(length, b"!"))
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_truncated_segment_raises_storage_error(tmp_path):
    store, raw_hash, path, offset, length = stored_record(tmp_path)
    with path.open("r+b") as handle:
        handle.truncate(offset + length // 2)
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_bad_checksum_raises_storage_error(tmp_path):
    store, raw_hash, path, offset, length = stored_record(tmp_path)
    overwrite(path, offset + length - 8, b"\x00" * 8)  # gzip trailer: CRC-32 and size
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_corrupt_deflate_stream_raises_storage_error(tmp_path):
    """A valid gzip header followed by a damaged compressed stream (bit rot, a bad disk block)."""
    store, raw_hash, path, offset, _ = stored_record(tmp_path)
    overwrite(path, offset + 10, b"\xff" * 16)  # first deflate block: reserved block type
    with pytest.raises(StorageError) as info:
        store.get(raw_hash)
    assert str(path) in str(info.value)


def test_no_file_per_page(tmp_path):
    store = RawStore(tmp_path / "raw")
    bodies = [f"page {number}".encode() * 50 for number in range(40)]
    for body in bodies + bodies:
        store.put(body)
    store.flush()
    assert store.count() == len(bodies)
    names = {path.relative_to(tmp_path / "raw").as_posix() for path in files_under(tmp_path / "raw")}
    assert names - {
        "index.sqlite",
        "index.sqlite-wal",
        "index.sqlite-shm",
        "segments/000001.lock",
    } == {"segments/000001.warc.gz"}
