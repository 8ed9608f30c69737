"""Load packages: one portal's crawl, on its way from the worker that crawled it to the load lane.

A package is a gzip-compressed JSON lines file: a header line (format, version, source,
content hash) and one line with the whole :class:`~portalwatch.model.PortalCrawl`, every
record of :mod:`portalwatch.model` written by pydantic so that reading it back gives equal
records (bytes as base64, datetimes with their offsets). Its name is the source id and the
SHA-256 of that line, so the same crawl always lands under the same name and a package
that does not match its name is refused.

The folder is a local path or any fsspec URL (``s3://bucket/prefix`` through s3fs, which
finds its endpoint and keys as boto does: ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ...),
so workers on other machines hand their crawls over through shared storage, never memory.
The package of a crawl is removed once its load has committed; beside it, the crawl-portal
flow leaves the portal's run summary for the parent run to read (:func:`write_summary`).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import fsspec
from isal import igzip
from pydantic import BaseModel, ConfigDict

from portalwatch.errors import PortalwatchError
from portalwatch.model import PortalCrawl
from portalwatch.storage.rawrecord import COMPRESS_LEVEL
from portalwatch.storage.similarity import Fingerprint

FORMAT = "portalwatch-load-package"
VERSION = 1
SUFFIX = f".v{VERSION}.jsonl.gz"


class PackageError(PortalwatchError):
    """A load package that cannot be read: another format or version, or content that does not match its name."""

    def __init__(self, url: str, reason: str):
        self.url = url
        super().__init__(f"{url}: {reason}")


class _Body(BaseModel):
    """The crawl as one JSON document (its bytes, the text fingerprints, as base64)."""

    model_config = ConfigDict(ser_json_bytes="base64", val_json_bytes="base64")

    crawl: PortalCrawl


# model.py names Fingerprint for type checkers only; pydantic needs the class itself.
_Body.model_rebuild(_types_namespace={"Fingerprint": Fingerprint})


def _join(folder: str | Path, name: str) -> str:
    return f"{str(folder).rstrip('/')}/{name}"


def _filesystem(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    # A fresh filesystem each time: a cached S3 client would keep an endpoint the environment since changed.
    return fsspec.core.url_to_fs(url, skip_instance_cache=True)


def encode(crawl: PortalCrawl) -> tuple[str, bytes]:
    """A crawl's package: its file name and its (compressed) content."""
    body = _Body(crawl=crawl).model_dump_json().encode()
    digest = hashlib.sha256(body).hexdigest()
    header = {"format": FORMAT, "version": VERSION, "source": crawl.source.source_id, "sha256": digest}
    text = json.dumps(header).encode() + b"\n" + body + b"\n"
    # ISA-L's deflate at the raw store's level (storage/rawrecord.py): a standard gzip file.
    return f"{crawl.source.source_id}-{digest}{SUFFIX}", igzip.compress(
        text, compresslevel=COMPRESS_LEVEL, mtime=0
    )


def decode(url: str, data: bytes) -> PortalCrawl:
    """The crawl in a package's content; `url` names it in errors."""
    try:
        header_line, body = gzip.decompress(data).split(b"\n", 1)
        header = json.loads(header_line)
    except (OSError, EOFError, ValueError) as exc:
        raise PackageError(url, f"not a load package: {exc}") from None
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise PackageError(
            url, f"format {header.get('format')} version {header.get('version')}, not {FORMAT} {VERSION}"
        )
    body = body.rstrip(b"\n")
    if (
        hashlib.sha256(body).hexdigest() != header.get("sha256")
        or header["sha256"] not in url.rsplit("/", 1)[-1]
    ):
        raise PackageError(url, "its content does not match its name")
    return _Body.model_validate_json(body).crawl


def write_package(folder: str | Path, crawl: PortalCrawl) -> str:
    """Write a crawl's package into `folder`; its URL. Written whole or not at all."""
    name, data = encode(crawl)
    url = _join(folder, name)
    fs, path = _filesystem(url)
    fs.makedirs(fs._parent(path), exist_ok=True)
    partial = f"{path}.partial"
    fs.pipe_file(partial, data)
    fs.mv(partial, path)
    return url


def read_package(url: str) -> PortalCrawl:
    fs, path = _filesystem(url)
    return decode(url, fs.cat_file(path))


def remove_package(url: str) -> None:
    fs, path = _filesystem(url)
    fs.rm_file(path)


def summary_url(folder: str | Path, run_id: str, source_id: str) -> str:
    """Where the crawl-portal flow leaves a portal's summary for run `run_id`."""
    return _join(folder, f"summaries/{run_id}/{source_id}.json")


def write_summary(url: str, summary: dict) -> None:
    fs, path = _filesystem(url)
    fs.makedirs(fs._parent(path), exist_ok=True)
    fs.pipe_file(path, json.dumps(summary, default=str).encode())


def take_summary(url: str) -> dict | None:
    """A portal's summary, removed from the folder; None when there is none."""
    fs, path = _filesystem(url)
    if not fs.exists(path):
        return None
    summary = json.loads(fs.cat_file(path))
    fs.rm_file(path)
    return summary
