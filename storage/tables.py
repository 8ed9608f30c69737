"""The loader's rows, and the Arrow tables they go into the warehouse as.

Each builder returns a table whose columns are named as the warehouse table's, for
`sqlarrow.insert` (or a statement that joins it).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

import numpy as np
import pyarrow as pa

from portalwatch.model import DocumentObservation, FetchRow, Observation
from portalwatch.parse.documents import Reference
from portalwatch.storage.sqlarrow import TS, string_lists, texts


class NewVersion(NamedTuple):
    """An article observation that becomes a version."""

    observation: Observation
    version: int


class NewDocument(NamedTuple):
    """A document observation that becomes a version, with its record's content hash (computed
    once: a record's hash serializes its whole content)."""

    observation: DocumentObservation
    version: int
    content_hash: str


class Edit(NamedTuple):
    """An article whose content changed: the version it had, and the one it gets."""

    current_version: int
    current_hash: str
    observation: Observation
    version: int
    reparsed: bool
    source_id: str


class Change(NamedTuple):
    """A row of ``changes``."""

    article_id: str
    source_id: str
    url: str
    change_type: str
    changed_fields: list[str] | None
    old_content_hash: str | None
    new_content_hash: str | None
    version: int
    detected_at: datetime
    run_id: str


class StateUpdate(NamedTuple):
    """An ``article_state`` row as a removal leaves it."""

    article_id: str
    url: str
    current_version: int
    content_hash: str
    last_seen: datetime | None
    removed_at: datetime | None


class ReferenceRow(NamedTuple):
    """A reference an article or document version makes to an official document."""

    source_id: str
    citing_type: str  # article | document
    citing_id: str
    citing_version: int
    reference: Reference
    detected_at: datetime


def observed_table(observations: Sequence[Observation], reparsed: bool) -> pa.Table:
    """What the state join needs of each observation, `idx` its position in `observations`."""
    return pa.table(
        {
            "idx": pa.array(np.arange(len(observations), dtype=np.int32)),
            "article_id": pa.array(list(map(attrgetter("article_id"), observations)), pa.string()),
            "url": pa.array(list(map(attrgetter("url"), observations)), pa.string()),
            "content_hash": pa.array(list(map(attrgetter("content_hash"), observations)), pa.string()),
            "fetched_at": pa.array(list(map(attrgetter("fetched_at"), observations)), TS),
            "reparsed": pa.array(
                [True] * len(observations) if reparsed else list(map(attrgetter("reparsed"), observations)),
                pa.bool_(),
            ),
            "view_count": pa.array(
                [o.record.view_count if o.record is not None else None for o in observations], pa.int64()
            ),
        }
    )


def fetch_table(run_id: str, fetches: Sequence[FetchRow]) -> pa.Table:
    def column(name: str) -> list:
        return list(map(attrgetter(name), fetches))

    return pa.table(
        {
            "run_id": pa.array([run_id] * len(fetches), pa.string()),
            "source_id": pa.array(column("source_id"), pa.string()),
            "url": pa.array(column("url"), pa.string()),
            "kind": pa.array(column("kind"), pa.string()),
            "fetched_at": pa.array(column("fetched_at"), TS),
            "status": pa.array(column("status"), pa.int32()),
            "outcome": pa.array(column("outcome"), pa.string()),
            "error": pa.array(column("error"), pa.string()),
            "attempts": pa.array(column("attempts"), pa.int32()),
            "elapsed_ms": pa.array(column("elapsed_ms"), pa.float64()),
            "bytes": pa.array(column("size"), pa.int64()),
            "raw_hash": pa.array(column("raw_hash"), pa.string()),
            "error_class": pa.array(column("error_class"), pa.string()),
            "final_url": pa.array(column("final_url"), pa.string()),
            "charset": pa.array(column("charset"), pa.string()),
            "conditional": pa.array(column("conditional"), pa.bool_()),
            "tls_verified": pa.array(column("tls_verified"), pa.bool_()),
            "via": pa.array(column("via"), pa.string()),
            "archive": pa.array(column("archive"), pa.string()),
            "capture_timestamp": pa.array(column("capture_timestamp"), pa.string()),
            "payload_digest": pa.array(column("payload_digest"), pa.string()),
        }
    )


def _json_list(items: tuple) -> str:
    """A record's images, attachments or links as stored: a JSON list of their fields (what
    `dataclasses.asdict` gives for these flat records of strings, read field by field: asdict
    copies each value deeply: measured, 7.4 against 4.2 µs a record, a tenth of the versions
    table's making)."""
    if not items:
        return "[]"
    return json.dumps(
        [{name: getattr(item, name) for name in _field_names(type(item))} for item in items],
        ensure_ascii=False,
    )


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in fields(kind))


def versions_table(versions: Sequence[NewVersion], source_ids: Sequence[str], run_id: str) -> pa.Table:
    """Rows of ``article_versions``: each version with its portal's id (`source_ids`, one a version)."""
    observations = [o for o, _ in versions]
    records = [o.record for o in observations]
    count = len(versions)

    def column(name: str, type_: pa.DataType = pa.string(), rows: list = records) -> pa.Array:
        return pa.array(list(map(attrgetter(name), rows)), type_)

    def long_texts(name: str) -> pa.Array:
        return texts(list(map(attrgetter(name), records)))

    return pa.table(
        {
            "article_id": column("article_id", rows=observations),
            "source_id": pa.array(source_ids, pa.string()),
            "url": column("url", rows=observations),
            "version": pa.array([version for _, version in versions], pa.int32()),
            "content_hash": column("content_hash", rows=observations),
            "title": long_texts("title"),
            "published_at": column("published_at", TS),
            "author": column("author"),
            "byline": column("byline"),
            "lead": long_texts("lead"),
            "body_text": long_texts("body_text"),
            "images": pa.array([_json_list(r.images) for r in records], pa.string()),
            "valid_from": column("fetched_at", TS, rows=observations),
            "run_id": pa.array([run_id] * count, pa.string()),
            "raw_hash": column("raw_hash", rows=observations),
            "parser_version": column("parser_version"),
            "updated_at": column("updated_at", TS),
            "photographer": column("photographer"),
            "attribution": column("attribution"),
            "attachments": pa.array([_json_list(r.attachments) for r in records], pa.string()),
            "links": pa.array([_json_list(r.links) for r in records], pa.string()),
            "breadcrumb": string_lists([r.breadcrumb for r in records]),
            "category": pa.array([r.breadcrumb[-1] if r.breadcrumb else "" for r in records], pa.string()),
            "body_html": long_texts("body_html"),
            "extraction": column("extraction"),
            "confidence": column("confidence", pa.float64()),
        }
    )


def changes_table(changes: Sequence[Change], cause: str) -> pa.Table:
    return pa.table(
        {
            "article_id": [c.article_id for c in changes],
            "source_id": [c.source_id for c in changes],
            "url": [c.url for c in changes],
            "change_type": [c.change_type for c in changes],
            "changed_fields": pa.array([c.changed_fields for c in changes], pa.list_(pa.string())),
            "old_content_hash": pa.array([c.old_content_hash for c in changes], pa.string()),
            "new_content_hash": pa.array([c.new_content_hash for c in changes], pa.string()),
            "version": pa.array([c.version for c in changes], pa.int32()),
            "detected_at": pa.array([c.detected_at for c in changes], TS),
            "run_id": [c.run_id for c in changes],
            "cause": ["parser" if c.change_type == "reparsed" else cause for c in changes],
        }
    )


def state_update_table(rows: Sequence[StateUpdate]) -> pa.Table:
    return pa.table(
        {
            "article_id": [r.article_id for r in rows],
            "url": [r.url for r in rows],
            "current_version": pa.array([r.current_version for r in rows], pa.int32()),
            "content_hash": [r.content_hash for r in rows],
            "last_seen": pa.array([r.last_seen for r in rows], TS),
            "removed_at": pa.array([r.removed_at for r in rows], TS),
        }
    )


def references_table(rows: Sequence[ReferenceRow], run_id: str) -> pa.Table:
    return pa.table(
        {
            "source_id": [r.source_id for r in rows],
            "citing_type": [r.citing_type for r in rows],
            "citing_id": [r.citing_id for r in rows],
            "citing_version": pa.array([r.citing_version for r in rows], pa.int32()),
            "number": [r.reference.number for r in rows],
            "number_key": [r.reference.number_key for r in rows],
            "kind": [r.reference.kind for r in rows],
            "referenced_date": pa.array([r.reference.referenced_date for r in rows], pa.date32()),
            "context": [r.reference.context for r in rows],
            "detected_at": pa.array([r.detected_at for r in rows], TS),
            "run_id": [run_id] * len(rows),
        }
    )


def _document_files(record) -> str:
    """A document's attachments as stored, JSON: each file read with its hash, size and page
    count, and for a PDF how many of its pages gave text and how many are scans (pictures
    without text, whose text is not extracted); each link whose file was not fetched or could not be read (not yet fetched, gone,
    damaged) as the link alone, so that no attachment the page names is left out."""
    read = {f.url: f for f in record.files}
    entries = []
    for attachment in record.attachments:
        file = read.pop(attachment.url, None)
        if file is None:
            entries.append({"url": attachment.url, "name": attachment.name, "kind": attachment.kind})
        else:
            entries.append(_file_entry(file))
    entries += [_file_entry(f) for f in read.values()]
    return json.dumps(entries, ensure_ascii=False)


def _file_entry(f) -> dict:
    return {
        "url": f.url,
        "name": f.name,
        "kind": f.kind,
        "sha256": f.sha256,
        "bytes": f.size,
        "pages": f.pages,
        "text_pages": f.text_pages,
        "scanned_pages": f.scanned_pages,
    }


def documents_table(rows: Sequence[NewDocument], source_ids: Sequence[str], run_id: str) -> pa.Table:
    """Rows of ``documents``: each new version with its portal's id (`source_ids`, one a row)."""
    records = [o.record for o, _, _ in rows]
    return pa.table(
        {
            "document_id": [o.document_id for o, _, _ in rows],
            "source_id": pa.array(source_ids, pa.string()),
            "url": [o.url for o, _, _ in rows],
            "version": pa.array([version for _, version, _ in rows], pa.int32()),
            "content_hash": [content_hash for _, _, content_hash in rows],
            "number": [r.number for r in records],
            "number_key": [r.number_key for r in records],
            "kind": [r.kind for r in records],
            "issuer": [r.issuer for r in records],
            "issued_date": pa.array([r.issued_date for r in records], pa.date32()),
            "issued_place": [r.issued_place for r in records],
            "subject": [r.subject for r in records],
            "title": [r.title for r in records],
            "addressees": pa.array([list(r.addressees) for r in records], pa.list_(pa.string())),
            "body_text": [r.body_text for r in records],
            "distribution": pa.array([list(r.distribution) for r in records], pa.list_(pa.string())),
            "signer": [r.signer for r in records],
            "signer_title": [r.signer_title for r in records],
            "attachments": [_document_files(r) for r in records],
            "attachment_text": ["\n\n".join(f.text for f in r.files if f.text) for r in records],
            "valid_from": pa.array([o.fetched_at for o, _, _ in rows], TS),
            "run_id": [run_id] * len(rows),
            "raw_hash": [o.raw_hash for o, _, _ in rows],
            "parser_version": [r.parser_version for r in records],
        }
    )
