"""What the loader stores beside an article version, computed before the load.

Every new article version gets a text fingerprint (`similarity.Fingerprint`)
and the official documents its text cites (`documents.Reference`). Both depend
only on the parsed record, so the parse stage computes them, in batches and
outside the warehouse's writer lock: `derive(observations)` returns the
observations with `fingerprint` and `references` filled in. The loader uses
what it is handed and computes only what is missing (for callers that do not
derive), so deriving is an optimization, never a requirement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from portalwatch.model import Observation
from portalwatch.parse.documents import Reference, find_references
from portalwatch.record import ArticleRecord
from portalwatch.storage.similarity import METHOD, Fingerprint, article_text, fingerprint_texts


def derive(observations: Sequence[Observation]) -> list[Observation]:
    """The observations with their fingerprint and references, computed where missing (one batch)."""
    fingerprints = fingerprints_of(observations)
    return [
        o
        if o.fingerprint is fingerprint and o.references is not None
        else replace(
            o,
            fingerprint=fingerprint,
            references=o.references if o.references is not None else references_of(o.record),
        )
        for o, fingerprint in zip(observations, fingerprints, strict=False)
    ]


def fingerprints_of(observations: Sequence[Observation]) -> list[Fingerprint]:
    """Each observation's fingerprint: its own when it has one of this METHOD, else computed (in one batch)."""
    out: list[Fingerprint | None] = [
        o.fingerprint if o.fingerprint is not None and o.fingerprint.method == METHOD else None
        for o in observations
    ]
    missing = [i for i, fingerprint in enumerate(out) if fingerprint is None]
    if missing:
        texts = [article_text(observations[i].record.lead, observations[i].record.body_text) for i in missing]
        for i, fingerprint in zip(missing, fingerprint_texts(texts), strict=False):
            out[i] = fingerprint
    return out  # type: ignore[return-value]


def references_of(record: ArticleRecord) -> tuple[Reference, ...]:
    """The documents an article cites, in its heading, lead or body."""
    return tuple(find_references("\n\n".join((record.title, record.lead, record.body_text))))
