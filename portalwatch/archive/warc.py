"""WARC files (ISO 28500) in and out, with warcio.

Export writes every stored fetch of the warehouse as WARC 1.1: a `request` record and a
`response` record carrying the stored body, or a `revisit` record (profile
identical-payload-digest) when the same body was already written. The HTTP headers of a
response are rebuilt from what the warehouse keeps (status, media type, charset), since
portalwatch stores bodies, not headers. Each file opens with a `warcinfo` record and a new
file starts when one reaches the size limit. The `Portalwatch-*` fields name the source, the
kind of page and the fetch outcome, so that an import of the files recovers them.

Import reads WARC files, from portalwatch or another crawler (Heritrix, Browsertrix,
wget --warc-file), and records their responses through the same parse path as a crawl,
with the record's date as the observation time.
"""

from __future__ import annotations

import mimetypes
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from portalwatch import __version__
from portalwatch.archive.captures import Capture, CaptureLoader, page_kind, payload_digest
from portalwatch.config import Source, SourcesConfig
from portalwatch.errors import PortalwatchError, StorageError
from portalwatch.record import article_id
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

DEFAULT_MAX_FILE_BYTES = 1_000_000_000  # the customary size of a WARC file
SOURCE_FIELD, KIND_FIELD, OUTCOME_FIELD = "Portalwatch-Source-Id", "Portalwatch-Kind", "Portalwatch-Outcome"

STORED_FETCHES_SQL = """
SELECT source_id, url, kind, fetched_at, status, outcome, raw_hash, charset
FROM fetches
WHERE raw_hash IS NOT NULL AND ($source IS NULL OR source_id = $source) AND ($since IS NULL OR fetched_at >= $since)
ORDER BY fetched_at, source_id, url
"""


class WarcError(PortalwatchError):
    """A WARC file that cannot be read or written."""

    def __init__(self, path: object, message: str):
        super().__init__(f"{path}: {message}")


@dataclass
class WarcExport:
    files: list[Path] = field(default_factory=list)
    responses: int = 0
    revisits: int = 0
    missing_raw: list[tuple[str, str]] = field(default_factory=list)  # (url, raw hash) not in the raw store


class _RollingWriter:
    """WARC writers over numbered files that roll over at a size limit."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int):
        self.directory, self.prefix, self.max_bytes = directory, prefix, max_bytes
        self.files: list[Path] = []
        self.handle = None
        self.writer: WARCWriter | None = None

    def current(self) -> WARCWriter:
        if self.handle is not None and self.handle.tell() >= self.max_bytes:
            self.close()
        if self.handle is None:
            path = self.directory / f"{self.prefix}-{len(self.files):05d}.warc.gz"
            self.files.append(path)
            self.handle = path.open("wb")
            self.writer = WARCWriter(self.handle, gzip=True, warc_version="1.1")
            self.writer.write_record(
                self.writer.create_warcinfo_record(
                    path.name,
                    {
                        "software": f"portalwatch/{__version__}",
                        "format": "WARC File Format 1.1",
                        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
                        "description": "Pages of government portals as portalwatch fetched them; HTTP headers rebuilt "
                        "from the stored status, media type and charset.",
                        "isPartOf": self.prefix,
                    },
                )
            )
        return self.writer

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle, self.writer = None, None


def stored_fetches(
    con: duckdb.DuckDBPyConnection, source: str | None = None, since: datetime | None = None
) -> list[tuple]:
    """The fetches whose page the raw store holds (of one source, since a time), oldest first:
    what :func:`export_warc` writes."""
    return con.execute(STORED_FETCHES_SQL, {"source": source, "since": since}).fetchall()


def export_warc(
    fetches: list[tuple],
    raw_store: RawStore,
    directory: Path,
    source: str | None = None,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> WarcExport:
    """Write `fetches` (:func:`stored_fetches`, of `source` if one) as WARC files in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    rows = fetches
    prefix = f"portalwatch-{datetime.now(UTC):%Y%m%d%H%M%S}" + (f"-{source}" if source else "")
    out, export = _RollingWriter(directory, prefix, max_file_bytes), WarcExport()
    written: dict[str, tuple[str, str, str]] = {}  # raw hash -> (URL, WARC-Date, record id) of its response
    try:
        for source_id, url, kind, fetched_at, status, outcome, raw_hash, charset in rows:
            if raw_hash not in raw_store:
                export.missing_raw.append((url, raw_hash))
                continue
            writer = out.current()
            # robots.txt answers are stored without their status; one that was read answered 200.
            status = status or (200 if outcome == "ok" else 0)
            date = fetched_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            fields = {"WARC-Date": date, SOURCE_FIELD: source_id, KIND_FIELD: kind, OUTCOME_FIELD: outcome}
            if raw_hash in written:
                record = _revisit(
                    writer, url, status, charset, fields, written[raw_hash], raw_store.get(raw_hash)
                )
                export.revisits += 1
            else:
                body = raw_store.get(raw_hash)
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),
                    warc_headers_dict=dict(fields),
                    http_headers=_http_headers(url, status, charset, len(body)),
                )
                written[raw_hash] = (url, date, record.rec_headers.get_header("WARC-Record-ID"))
                export.responses += 1
            request = writer.create_warc_record(
                url,
                "request",
                payload=BytesIO(b""),
                length=0,
                warc_headers_dict={
                    "WARC-Date": date,
                    "WARC-Concurrent-To": record.rec_headers.get_header("WARC-Record-ID"),
                },
                http_headers=StatusAndHeaders(
                    f"GET {_path(url)} HTTP/1.1", [("Host", urlsplit(url).netloc)], is_http_request=True
                ),
            )
            writer.write_record(record)
            writer.write_record(request)
    except OSError as exc:
        raise StorageError(directory, f"cannot write WARC: {exc}") from None
    finally:
        out.close()
    export.files = out.files
    return export


def _revisit(
    writer: WARCWriter,
    url: str,
    status: int,
    charset: str | None,
    fields: dict,
    original: tuple[str, str, str],
    body: bytes,
):
    refers_to_uri, refers_to_date, refers_to = original
    record = writer.create_revisit_record(
        url,
        payload_digest(body),
        refers_to_uri,
        refers_to_date,
        http_headers=_http_headers(url, status, charset, len(body)),
        warc_headers_dict=dict(fields),
    )
    record.rec_headers.add_header("WARC-Refers-To", refers_to)
    return record


def _http_headers(url: str, status: int, charset: str | None, length: int) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    return StatusAndHeaders(
        f"{status} {reason}",
        [("Content-Type", _media_type(url, charset)), ("Content-Length", str(length))],
        protocol="HTTP/1.1",
    )


def _media_type(url: str, charset: str | None) -> str:
    path = urlsplit(url).path
    if path.endswith("/robots.txt"):
        return "text/plain"
    guessed = mimetypes.guess_type(path)[0]
    if guessed and not guessed.startswith("text/"):
        return guessed
    return f"text/html; charset={charset}" if charset else "text/html"


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


# ------------------------------------------------------------------ import


@dataclass
class WarcImport:
    records: int = 0
    skipped_stored: int = 0  # already recorded from an archive or a WARC file
    unresolved_revisits: int = 0  # revisits of a payload found in none of the files
    unknown_hosts: dict[str, int] = field(default_factory=dict)  # host -> records of no configured source
    portals: dict[str, dict] = field(default_factory=dict)  # source id -> its CaptureSummary


def import_warc(
    files: list[Path],
    config: SourcesConfig,
    warehouse: Warehouse,
    raw_store: RawStore,
    run_id: str,
    only: list[Source] | None = None,
) -> WarcImport:
    """Record the responses and revisits of WARC files under the configured sources they belong to.

    Files are loaded one after the other (give them in the order they were written), so memory
    holds one file's captures; payloads are kept in the raw store, where revisits find them.
    """
    importer = _WarcImporter(config, warehouse, raw_store, run_id, only or config.sources)
    for path in files:
        for record in _records(path):
            importer.add(path, record)
        importer.load()
    return importer.result


class _WarcImporter:
    def __init__(
        self,
        config: SourcesConfig,
        warehouse: Warehouse,
        raw_store: RawStore,
        run_id: str,
        sources: list[Source],
    ):
        self.config, self.warehouse, self.raw_store, self.run_id = config, warehouse, raw_store, run_id
        self.by_host = {host: source for source in sources for host in source.hosts}
        self.by_id = {source.id: source for source in sources}
        self.stored = {
            source.id: {
                (article_id(source.id, url), digest) for url, digest in warehouse.stored_captures(source.id)
            }
            for source in sources
        }
        self.payloads: dict[str, str] = {}  # payload digest -> raw hash, to resolve revisits
        self.captures: dict[str, list[Capture]] = defaultdict(list)
        self.result = WarcImport()

    def add(self, path: Path, record) -> None:
        self.result.records += 1
        target = record.rec_headers.get_header("WARC-Target-URI") or ""
        source = self.by_id.get(record.rec_headers.get_header(SOURCE_FIELD) or "") or self.by_host.get(
            urlsplit(target).netloc
        )
        if source is None:
            host = urlsplit(target).netloc
            self.result.unknown_hosts[host] = self.result.unknown_hosts.get(host, 0) + 1
            return
        capture = _capture(path, record, source, self.payloads, self.raw_store)
        if capture is None:
            self.result.unresolved_revisits += 1
        elif (article_id(source.id, capture.url), capture.digest) in self.stored[source.id]:
            self.result.skipped_stored += 1
        else:
            self.captures[source.id].append(capture)

    def load(self) -> None:
        for source_id, found in self.captures.items():
            summary = CaptureLoader(
                self.warehouse, self.run_id, self.by_id[source_id], self.config, self.raw_store
            ).load(found)
            totals = self.result.portals.setdefault(
                source_id, dict.fromkeys(summary.as_dict(), 0) | {"failures": []}
            )
            for name, value in summary.as_dict().items():
                totals[name] += value
        self.captures.clear()


def _records(path: Path) -> Iterator:
    """The response and revisit records of a file, in order."""
    try:
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                if record.format != "warc":
                    raise WarcError(
                        path, f"not a readable WARC file: a record reads as {record.format.upper()}"
                    )
                if record.rec_type in ("response", "revisit") and record.http_headers is not None:
                    yield record
    except FileNotFoundError:
        raise WarcError(path, "file not found") from None
    except (ArchiveLoadFailed, ValueError, OSError) as exc:
        raise WarcError(path, f"not a readable WARC file: {exc}") from None


def _capture(
    path: Path, record, source: Source, payloads: dict[str, str], raw_store: RawStore
) -> Capture | None:
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    body = record.content_stream().read()
    digest = headers.get_header("WARC-Payload-Digest") or payload_digest(body)
    if record.rec_type == "revisit":
        if digest not in payloads:
            return None
        body = raw_store.get(payloads[digest])
    elif digest not in payloads:
        payloads[digest] = raw_store.put(body)[0]
    content_type = record.http_headers.get_header("Content-Type") or ""
    charset = content_type.partition("charset=")[2].split(";")[0].strip() or None
    return Capture(
        url,
        iso_date_to_datetime(headers.get_header("WARC-Date")).replace(tzinfo=UTC),
        int(record.http_headers.get_statuscode() or 0),
        body,
        "warc",
        path.name,
        digest,
        charset,
        headers.get_header(KIND_FIELD) or page_kind(source, url),
    )
