"""The raw store on an object store: ``s3://bucket/prefix``, one object per body, named by its hash.

A body is the object ``<prefix>/<first two hex>/<sha256>.warc.gz``, holding the record the
local store appends to its segments (one WARC 1.1 ``resource`` record in a gzip member):
each object is a WARC file any WARC tool reads. Workers on different machines share the
store; endpoint and keys are boto's (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ...) or
an endpoint given with the location.

Why one object per body rather than segments with an index, for millions of pages:

- Writers need no coordination. A PUT is atomic, so a body is in the bucket whole or not
  at all; two writers storing the same body write the same bytes under the same name.
  There is no shared index to keep consistent, nothing to lock, nothing torn to recover
  after a worker dies.
- Any machine finds a page by its hash with one GET. Segments would need every reader to
  hold an index of every body (hash -> segment, offset, length: gigabytes at a hundred
  million bodies) and to keep it in step with every writer's uploads.
- The requests are the crawl's: a HEAD per body fetched, a PUT per new one, far below what
  a bucket takes (S3: 3,500 PUT/s per prefix; the two hex digits spread the keys over 256).
- The price is per request: on AWS a PUT costs about what a year of a 20 KB page's storage
  does (0.5 cent per 1,000 PUTs). Segments would cut that a thousandfold at the cost of the
  index; a self-hosted S3 (MinIO, Ceph) charges nothing per request. Storage classes with a
  minimum object size (Standard-IA, Glacier Instant Retrieval: 128 KB) do not fit.

A put hashes the body and returns at once; the upload (a HEAD, then a PUT if the object
is missing) runs on a thread pool, at most :data:`IN_FLIGHT` at a time (a put past that
waits). ``flush()`` (called before the warehouse commits a load) waits for every upload
and raises if one failed: the warehouse never names a body the bucket does not hold.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import fsspec

from portalwatch.errors import StorageError
from portalwatch.paths import OBJECT_STORE_SCHEMES
from portalwatch.storage.rawrecord import PackedPage, Problem, body_of

log = logging.getLogger(__name__)

SUFFIX = ".warc.gz"
UPLOAD_THREADS = 16
IN_FLIGHT = 256  # uploads under way before a put waits for one to end
VERIFY_BATCH = 256  # objects fetched at once by verify
KNOWN_LIMIT = 1_000_000  # hashes remembered as stored before the memory is cleared
NAME = re.compile(r"([0-9a-f]{2})/([0-9a-f]{64})" + re.escape(SUFFIX))


def is_object_store(location: str | Path | None) -> bool:
    """Whether a raw store location is an object store URL rather than a folder."""
    return location is not None and str(location).startswith(OBJECT_STORE_SCHEMES)


class ObjectPages:
    """The bodies under one object store prefix, as one process sees them."""

    def __init__(self, url: str, endpoint_url: str | None = None):
        self.url = url.rstrip("/")
        options: dict = {"skip_instance_cache": True, "use_listings_cache": False}
        if endpoint_url:
            options["endpoint_url"] = endpoint_url
        try:
            self.fs, self.base = fsspec.core.url_to_fs(self.url, **options)
        except (ImportError, ValueError) as exc:
            raise StorageError(self.url, f"cannot open the raw store: {exc}") from None
        self.lock = threading.Lock()
        self.known: set[str] = set()  # stored, as far as this process has seen
        self.uploads: dict[str, tuple[PackedPage, Future]] = {}
        self.room = threading.BoundedSemaphore(IN_FLIGHT)
        self.pool: ThreadPoolExecutor | None = None

    def key(self, raw_hash: str) -> str:
        return f"{self.base}/{raw_hash[:2]}/{raw_hash}{SUFFIX}"

    def object_url(self, raw_hash: str) -> str:
        return f"{self.url}/{raw_hash[:2]}/{raw_hash}{SUFFIX}"

    def exists(self) -> bool:
        """Whether anything is stored under the prefix (a missing bucket: no)."""
        try:
            return bool(self.fs.exists(self.base))
        except Exception as exc:
            raise StorageError(self.url, f"cannot reach the raw store: {exc}") from None

    # -- writing

    def seen(self, raw_hash: str) -> bool:
        """Stored or being stored, as far as this process knows (no request)."""
        with self.lock:
            return raw_hash in self.known or raw_hash in self.uploads

    def put(self, page: PackedPage) -> bool:
        """Start storing a body; whether this process had not seen it stored (the upload may
        still find it in the bucket, put there by another worker, and skip the PUT)."""
        if self.seen(page.raw_hash):
            return False
        self.room.acquire()
        with self.lock:
            if page.raw_hash in self.known or page.raw_hash in self.uploads:
                self.room.release()
                return False
            if self.pool is None:
                self.pool = ThreadPoolExecutor(UPLOAD_THREADS, thread_name_prefix="portalwatch-raw")
            self.uploads[page.raw_hash] = (page, self.pool.submit(self._upload, page))
        return True

    def _upload(self, page: PackedPage) -> None:
        try:
            key = self.key(page.raw_hash)
            if not self.fs.exists(key):
                self.fs.pipe_file(key, page.record)
        finally:
            self.room.release()

    def flush(self) -> None:
        """Wait for every upload started; StorageError naming the first that failed."""
        with self.lock:
            started = list(self.uploads.items())
        failed: list[tuple[str, BaseException]] = []
        for raw_hash, (_, future) in started:
            error = future.exception()
            with self.lock:
                if self.uploads.get(raw_hash, (None, None))[1] is future:
                    del self.uploads[raw_hash]  # a failed upload is tried again by the next put
                if error is None:
                    self._remember(raw_hash)
            if error is not None:
                failed.append((raw_hash, error))
        if failed:
            raw_hash, error = failed[0]
            more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
            raise StorageError(self.object_url(raw_hash), f"cannot store raw page: {error}{more}")

    def _remember(self, raw_hash: str) -> None:
        if len(self.known) >= KNOWN_LIMIT:
            self.known.clear()
        self.known.add(raw_hash)

    # -- reading

    def __contains__(self, raw_hash: str) -> bool:
        if self.seen(raw_hash):
            return True
        try:
            found = bool(self.fs.exists(self.key(raw_hash)))
        except Exception as exc:
            raise StorageError(self.object_url(raw_hash), f"cannot reach the raw store: {exc}") from None
        if found:
            with self.lock:
                self._remember(raw_hash)
        return found

    def get(self, raw_hash: str) -> bytes:
        with self.lock:
            uploading = self.uploads.get(raw_hash)
        where = self.object_url(raw_hash)
        if uploading is not None:
            record = uploading[0].record
        else:
            try:
                record = self.fs.cat_file(self.key(raw_hash))
            except FileNotFoundError:
                raise StorageError(where, f"raw page not in the store at {self.url}") from None
            except Exception as exc:
                raise StorageError(where, f"raw page unreadable: {exc}") from None
        try:
            return body_of(raw_hash, record)
        except ValueError as exc:
            raise StorageError(where, str(exc)) from None

    def _folders(self) -> list[str]:
        try:
            entries = self.fs.ls(self.base, detail=False) if self.fs.exists(self.base) else []
        except Exception as exc:
            raise StorageError(self.url, f"cannot list the raw store: {exc}") from None
        return sorted(entry for entry in entries if re.fullmatch(r"[0-9a-f]{2}", entry.rsplit("/", 1)[-1]))

    def _objects(self) -> Iterator[list[str]]:
        """The keys of the stored objects, a two-hex folder at a time (memory bounded by a folder)."""
        for folder in self._folders():
            try:
                yield sorted(self.fs.find(folder))
            except Exception as exc:
                raise StorageError(f"{self.url}/{folder.rsplit('/', 1)[-1]}", f"cannot list: {exc}") from None

    def hashes(self) -> set[str]:
        found = set()
        for keys in self._objects():
            found.update(match.group(2) for key in keys if (match := NAME.search(key)))
        return found

    def count(self) -> int:
        return len(self.hashes())

    def verify(self) -> Iterator[Problem]:
        """Fetch every object and re-hash its body; yield each that is not what its name says."""
        self.flush()
        for keys in self._objects():
            for start in range(0, len(keys), VERIFY_BATCH):
                batch = keys[start : start + VERIFY_BATCH]
                try:
                    contents = self.fs.cat(batch, on_error="return")
                except Exception as exc:
                    raise StorageError(self.url, f"cannot read the raw store: {exc}") from None
                for key in batch:
                    yield from self._check(key, contents.get(key))

    def _check(self, key: str, content) -> Iterator[Problem]:
        where = f"{self.url}/{key[len(self.base) :].lstrip('/')}"
        match = NAME.search(key)
        if match is None or match.group(1) != match.group(2)[:2]:
            yield Problem("", where, "not a raw page's name (<two hex>/<sha256>.warc.gz)")
            return
        raw_hash = match.group(2)
        if not isinstance(content, bytes):
            yield Problem(raw_hash, where, f"raw page unreadable: {content}")
            return
        try:
            body_of(raw_hash, content)
        except ValueError as exc:
            yield Problem(raw_hash, where, str(exc))

    def close(self) -> None:
        self.flush()


_registry_lock = threading.Lock()
_registry: dict[tuple[int, str, str | None], ObjectPages] = {}


def object_pages(url: str, endpoint_url: str | None = None) -> ObjectPages:
    """The process's handle on the store at `url` (one per URL and endpoint)."""
    # The endpoint boto would take from the environment is part of the key: it may change.
    endpoint_url = endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None
    key = (os.getpid(), url.rstrip("/"), endpoint_url)
    with _registry_lock:
        pages = _registry.get(key)
        if pages is None:
            pages = _registry[key] = ObjectPages(url, endpoint_url)
        return pages


def _flush_all() -> None:
    """Every upload of this process done at exit. Registered as the thread pools register their
    own exit hook, so it runs before theirs, after which they take no work (and boto resolves
    names on asyncio's pool)."""
    with _registry_lock:
        stores = [store for (pid, *_), store in _registry.items() if pid == os.getpid()]
    for store in stores:
        try:
            store.flush()
        except Exception:  # at exit: the pages not stored were named by no load
            log.exception("raw store %s: could not store every page at exit", store.url)


threading._register_atexit(_flush_all)  # type: ignore[attr-defined]
