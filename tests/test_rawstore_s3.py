"""The raw store on S3 (moto's server on loopback): one object per page, shared by workers on
several machines, read by hash from anywhere."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import fsspec
import pytest
from warcio.archiveiterator import ArchiveIterator

from portalwatch.config import load_sources
from portalwatch.errors import ConfigError, StorageError
from portalwatch.flows.reparse import reparse_pages
from portalwatch.flows.setup import FlowSetup
from portalwatch.lake import TemporaryS3
from portalwatch.loadpackage import read_package, write_package
from portalwatch.paths import raw_store_path
from portalwatch.pipeline import crawl_stage, load_package_stage
from portalwatch.storage.rawrecord import pack
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

PORTALWATCH = Path(sys.executable).parent / "portalwatch"

# A writer: `bodies` (below) is copied into its script; importing this module would take Prefect along.
WRITER = """
import json, sys
from portalwatch.storage.rawstore import RawStore
store = RawStore(sys.argv[1])
hashes = [store.put(body)[0] for body in bodies(sys.argv[2])]
store.flush()
print(json.dumps(hashes))
"""

READER = """
import hashlib, json, sys
from portalwatch.storage.rawstore import RawStore
store = RawStore(sys.argv[1])
found = {h: hashlib.sha256(store.get(h)).hexdigest() == h for h in json.loads(sys.stdin.read())}
print(json.dumps(found))
"""

ONE_SOURCE = """
[[sources]]
id = "tuachua"
name = "Tủa Chùa"
level = "district"
profile = "district_portal"
base_url = "https://tuachua.dienbien.gov.vn"
sections = [{ name = "tin-tuc", listing_url = "https://tuachua.dienbien.gov.vn/tin-tuc?page={page}" }]
"""


def bodies(writer: str) -> list[bytes]:
    """A writer's pages: 30 of its own and 10 that every writer stores."""
    own = [f"<html>{writer} page {n} {'x' * n}</html>".encode() for n in range(30)]
    shared = [f"<html>shared page {n}</html>".encode() * 50 for n in range(10)]
    return own + shared


@pytest.fixture
def s3(monkeypatch):
    with TemporaryS3() as server:
        for variable, value in server.env.items():
            monkeypatch.setenv(variable, value)
        yield server


def python(script: str, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", script, *args], input=stdin, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_two_writers_share_one_bucket_and_a_third_process_reads_every_page(s3):
    url = s3.url("raw")
    writer = inspect.getsource(bodies) + WRITER
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", writer, url, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for name in ("first", "second")
    ]
    written = []
    for writer in writers:
        out, errors = writer.communicate(timeout=120)
        assert writer.returncode == 0, errors.decode()
        written.append(json.loads(out))
    expected = {hashlib.sha256(body).hexdigest() for name in ("first", "second") for body in bodies(name)}
    assert set(written[0]) | set(written[1]) == expected and len(expected) == 70

    found = json.loads(python(READER, url, stdin=json.dumps(sorted(expected))))
    assert found == dict.fromkeys(sorted(expected), True)

    # One object per page under its hash, each a WARC file of one resource record.
    fs, base = fsspec.core.url_to_fs(url, skip_instance_cache=True)
    keys = sorted(fs.find(base))
    assert keys == sorted(f"{base}/{h[:2]}/{h}.warc.gz" for h in expected)
    record = next(ArchiveIterator(BytesIO(fs.cat_file(keys[0]))))
    assert record.rec_type == "resource" and record.rec_headers.get_header("WARC-Target-URI").endswith(
        keys[0].rsplit("/", 1)[-1].removesuffix(".warc.gz")
    )

    shared = bodies("first")[-1]
    shown = subprocess.run(
        [PORTALWATCH, "raw", "cat", hashlib.sha256(shared).hexdigest(), "--raw-dir", url],
        capture_output=True,
        timeout=120,
    )
    assert shown.returncode == 0 and shown.stdout == shared, shown.stderr
    missing = subprocess.run(
        [PORTALWATCH, "raw", "cat", "0" * 64, "--raw-dir", url], capture_output=True, text=True, timeout=120
    )
    assert missing.returncode == 1 and f"not in the raw store at {url}" in " ".join(missing.stderr.split())


def test_verify_names_the_objects_that_are_not_their_hash(s3):
    url = s3.url("raw")
    store = RawStore(url)
    hashes = [store.put(f"page {n}".encode())[0] for n in range(12)]
    store.flush()
    verify = [PORTALWATCH, "raw", "verify", "--raw-dir", url]
    clean = subprocess.run(verify, capture_output=True, text=True, timeout=120)
    assert clean.returncode == 0 and "12 pages" in clean.stderr, clean.stderr

    fs, base = fsspec.core.url_to_fs(url, skip_instance_cache=True)
    swapped, garbled = hashes[3], hashes[7]
    fs.pipe_file(f"{base}/{swapped[:2]}/{swapped}.warc.gz", pack(b"another page").record)
    fs.pipe_file(f"{base}/{garbled[:2]}/{garbled}.warc.gz", b"\x1f\x8b not gzip at all")

    found = subprocess.run(verify, capture_output=True, text=True, timeout=120)
    assert found.returncode == 1, found.stderr
    lines = sorted(found.stdout.splitlines())
    assert len(lines) == 2 and "2 corrupt" in found.stderr
    problems = {line.split("\t")[0]: line.split("\t") for line in lines}
    assert set(problems) == {swapped, garbled}
    assert problems[swapped][1] == f"{url}/{swapped[:2]}/{swapped}.warc.gz"
    assert "the record holds" in problems[swapped][2] and "unreadable" in problems[garbled][2]

    reader = RawStore(url)
    with pytest.raises(StorageError, match=f"{swapped}.warc.gz: raw page unreadable: the record holds"):
        reader.get(swapped)
    assert reader.get(hashes[0]) == b"page 0"


def test_a_store_the_bucket_refuses_fails_at_flush_naming_the_object(s3):
    store = RawStore(s3.url("raw").replace(s3.bucket, "no-such-bucket"))
    raw_hash, new = store.put(b"a page nobody can keep")
    assert new
    with pytest.raises(StorageError, match=f"s3://no-such-bucket/raw/{raw_hash[:2]}/{raw_hash}.warc.gz"):
        store.flush()
    assert store.put(b"a page nobody can keep") == (raw_hash, True)  # tried again by the next put
    with pytest.raises(StorageError):
        store.flush()


def test_a_crawl_through_a_load_package_names_pages_the_bucket_holds(sim, s3, tmp_path):
    config = load_sources(sim.config_path)
    source = config.select(None)[0]
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    warehouse.migrate()
    raw = RawStore(s3.url("raw"))
    crawl = asyncio.run(crawl_stage(source, config, warehouse, raw))
    package = write_package(s3.url("packages"), crawl)
    assert read_package(package) == crawl
    asyncio.run(load_package_stage(warehouse, warehouse.start_run("test", {}), package))
    assert not (tmp_path / "raw").exists()

    with warehouse.connect(read_only=True) as con:
        named = {
            row[0]
            for row in con.execute("SELECT raw_hash FROM fetches WHERE raw_hash IS NOT NULL").fetchall()
        }
        versions = con.execute(
            "SELECT v.url, v.raw_hash, v.content_hash FROM article_versions v ORDER BY v.url"
        ).fetchall()
    assert len(named) > 20 and versions
    # Another machine: a fresh process finds every page the load named.
    found = json.loads(python(READER, s3.url("raw"), stdin=json.dumps(sorted(named))))
    assert found == dict.fromkeys(sorted(named), True)

    # A re-parse from the bucket gives back what the crawl parsed.
    pages = [(url, raw_hash, crawl.fetches[0].fetched_at, None) for url, raw_hash, _ in versions]
    reparsed = reparse_pages(source, config.settings.profile_dirs, RawStore(s3.url("raw")), pages)
    assert not reparsed.failures
    assert sorted((o.url, o.content_hash) for o in reparsed.observations) == [(u, c) for u, _, c in versions]


def test_the_raw_store_location_comes_from_the_option_the_environment_or_the_sources_file(
    tmp_path, monkeypatch
):
    monkeypatch.delenv("PORTALWATCH_RAW_DIR", raising=False)
    warehouse = tmp_path / "w.duckdb"
    assert raw_store_path(warehouse) == tmp_path / "raw"
    assert raw_store_path(warehouse, None, "s3://bucket/raw") == "s3://bucket/raw"
    monkeypatch.setenv("PORTALWATCH_RAW_DIR", "s3://other/raw")
    assert raw_store_path(warehouse, None, "s3://bucket/raw") == "s3://other/raw"
    assert raw_store_path(warehouse, tmp_path / "mine") == tmp_path / "mine"
    monkeypatch.delenv("PORTALWATCH_RAW_DIR")

    sources = tmp_path / "sources.toml"
    sources.write_text(
        '[settings.raw]\nlocation = "s3://bucket/raw/"\nendpoint_url = "http://127.0.0.1:9"\n' + ONE_SOURCE,
        encoding="utf-8",
    )
    setup = FlowSetup.load(str(sources), str(warehouse), None)
    store = setup.raw_store()
    assert setup.raw_folder == "s3://bucket/raw/" and store.location == "s3://bucket/raw"
    assert store.remote is not None and store.remote.fs.endpoint_url == "http://127.0.0.1:9"
    assert FlowSetup.load(str(sources), str(warehouse), str(tmp_path / "local")).raw_store().remote is None

    sources.write_text('[settings.raw]\nendpoint_url = "minio:9000"\n' + ONE_SOURCE, encoding="utf-8")
    with pytest.raises(ConfigError, match="endpoint_url"):
        load_sources(sources)


def test_nothing_is_left_unstored_when_a_writer_exits_without_flushing(s3):
    url = s3.url("raw")
    script = "import sys; from portalwatch.storage.rawstore import RawStore; print(RawStore(sys.argv[1]).put(b'last words')[0])"
    raw_hash = python(script, url).strip()
    assert RawStore(url).get(raw_hash) == b"last words"
    assert os.environ["AWS_ENDPOINT_URL"] == s3.endpoint_url


def test_a_local_store_is_copied_onto_s3_once(s3, tmp_path):
    local = RawStore(tmp_path / "raw")
    hashes = {local.put(f"local page {n}".encode())[0] for n in range(30)}
    local.close()
    url = s3.url("moved")
    copy = [PORTALWATCH, "raw", "copy", url, "--raw-dir", str(tmp_path / "raw")]
    first = subprocess.run(copy, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0 and "30 pages copied" in first.stderr, first.stderr
    assert RawStore(url).hashes() == hashes and not list(RawStore(url).verify())
    again = subprocess.run(copy, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "0 pages copied" in again.stderr, again.stderr
