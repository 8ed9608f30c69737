"""Text fingerprints: what lets the warehouse find the same text on several portals.

Portals republish each other's articles (province → district → commune), often
with a new heading, a different byline, an attribution line or a trimmed
paragraph, so the record's content hash never matches across portals. Each
article version therefore also gets a `Fingerprint` of its lead and body:

- ``text_hash``: SHA-256 of the words of the text, NFC, lowercased, without
  punctuation, joined by single spaces — equal for copies whose text is the
  same whatever the heading;
- ``shingles``: how many distinct five-word sequences (shingles) the text has;
- ``minhash``: a MinHash signature (rensa's R-MinHash, 128 uint32 values) of
  the set of its shingles, whose share of equal positions between two texts
  estimates the Jaccard similarity of their shingle sets — close for
  near-duplicates;
- ``sample``: the text's distinct shingle hashes that fall in a fixed quarter
  of the hash range. A copy trimmed to the first paragraphs shares few
  shingles with the whole original (a low Jaccard similarity), but its sample
  is, bar edits, a subset of the original's: the share of the smaller sample
  found in the larger estimates how much of the shorter text the longer one
  contains. A subset of a sample is exactly the sample of the subset, which
  no MinHash signature offers.

Signing is batched and vectorized: the texts of a batch are lowercased in
Python, then split into words and hashed with numpy over one array of code
points (no word or shingle string is ever built), five consecutive word hashes
make a shingle hash, and rensa signs every text's shingle hashes in one call.
The parse stage computes them (`portalwatch.storage.derive`), the loader
stores them; the comparison is plain SQL in the ``text_matches`` view, so any
DuckDB client can run it.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import rensa

SHINGLE_WORDS = 5
NUM_PERM = 128  # the text_matches view bands them as 32 bands of 4 rows
SEED = 1
RENSA_ALGORITHM = 2  # rensa's RMinHash.ALGORITHM_VERSION these signatures were made with
TOKEN_HASH = "poly64v1"  # how words and shingles become the 64-bit hashes rensa signs (below)
SAMPLE_BITS = 2  # shingles whose hash has this many leading zero bits are sampled: a quarter of them
METHOD = f"rensa-rminhash-v{RENSA_ALGORITHM}:{NUM_PERM}:seed{SEED}:words{SHINGLE_WORDS}:{TOKEN_HASH}:sample{SAMPLE_BITS}"
CHUNK_CHARS = 1 << 17  # code points signed per numpy pass: small arrays stay in the CPU cache

_WORDS = re.compile(r"\w+")
_U64 = np.uint64
_MASK64 = (1 << 64) - 1
# Word hash: a polynomial in Q over the word's code points (mod 2^64), its length added, then mixed.
_Q = 0x9E3779B97F4A7C15
_Q_INVERSE = pow(_Q, -1, 1 << 64)
# Shingle hash: the five word hashes weighted by these odd constants, summed (mod 2^64), then mixed.
_SHINGLE_WEIGHTS = tuple(
    _U64(c)
    for c in (
        0xA0761D6478BD642F,
        0xE7037ED1A0B428DB,
        0x8EBC6AF09C88C6E3,
        0x589965CC75374CC3,
        0x1D8E4E27C47D124F,
    )
)
_LOW_BITS = 20  # a text's index in its chunk (< CHUNK_CHARS texts), in the keys that count distinct shingles


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """The fingerprint of one text (an article version's lead and body)."""

    method: str
    text_hash: str  # SHA-256 (hex) of the text's words, NFC, lowercased, joined by single spaces
    shingles: int  # distinct five-word shingles (a text shorter than five words is one)
    minhash: bytes  # NUM_PERM uint32 values, little-endian: the R-MinHash signature of the shingle set
    sample: bytes  # uint64 values, little-endian, ascending: the distinct sampled shingle hashes

    @property
    def signature(self) -> tuple[int, ...]:
        """The minhash values as integers (what the warehouse stores as UINTEGER[])."""
        return tuple(np.frombuffer(self.minhash, dtype="<u4").tolist())

    def similarity(self, other: Fingerprint) -> float:
        """How the ``text_matches`` view scores a pair: 1.0 for the same words, else the
        share of equal signature positions (the estimated Jaccard similarity of the shingle sets)."""
        if self.method != other.method:
            raise ValueError(
                f"fingerprints of different methods are not comparable: {self.method} / {other.method}"
            )
        if self.text_hash == other.text_hash:
            return 1.0
        mine, theirs = np.frombuffer(self.minhash, dtype="<u4"), np.frombuffer(other.minhash, dtype="<u4")
        return float(np.count_nonzero(mine == theirs)) / len(mine)

    @property
    def sampled(self) -> tuple[int, ...]:
        """The sampled shingle hashes as integers (what the warehouse stores as UBIGINT[])."""
        return tuple(np.frombuffer(self.sample, dtype="<u8").tolist())

    def containment(self, other: Fingerprint) -> float:
        """How the ``text_matches`` view scores containment: the share of the smaller sample
        found in the other (1.0 for two texts without sampled shingles)."""
        mine, theirs = np.frombuffer(self.sample, dtype="<u8"), np.frombuffer(other.sample, dtype="<u8")
        smaller = min(len(mine), len(theirs))
        return len(np.intersect1d(mine, theirs)) / smaller if smaller else 1.0


def article_text(lead: str | None, body_text: str) -> str:
    """The text of an article version that is fingerprinted: its lead and body, not its heading."""
    return f"{lead or ''}\n{body_text}"


def words(text: str) -> list[str]:
    """The words of a text, NFC and lowercased, punctuation and spacing left out."""
    return _WORDS.findall(unicodedata.normalize("NFC", text).lower())


def fingerprint_texts(texts: Sequence[str]) -> list[Fingerprint]:
    """The fingerprints of a batch of texts, in order (one text's is the same in any batch)."""
    _check_rensa()
    out: list[Fingerprint] = []
    start, size = 0, 0
    for index, text in enumerate(texts):
        size += len(text) + 1
        if size >= CHUNK_CHARS:
            out.extend(_fingerprint_chunk(texts[start : index + 1]))
            start, size = index + 1, 0
    if start < len(texts):
        out.extend(_fingerprint_chunk(texts[start:]))
    return out


def fingerprint_text(text: str) -> Fingerprint:
    """The fingerprint of one text (batches are much faster: use `fingerprint_texts`)."""
    return fingerprint_texts([text])[0]


def _fingerprint_chunk(texts: Sequence[str]) -> list[Fingerprint]:
    count = len(texts)
    lowered = [unicodedata.normalize("NFC", text).lower() for text in texts]
    # One array of code points for the chunk, every text followed by a newline (never part of a word).
    lengths = np.fromiter(map(len, lowered), np.int64, count) + 1
    doc_start = np.cumsum(lengths) - lengths
    points = np.frombuffer(("\n".join(lowered) + "\n").encode("utf-32-le", "surrogatepass"), np.uint32)
    size = len(points)
    is_word = _word_table()[points]
    edges = np.flatnonzero(np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0)))
    word_start, word_end = edges[0::2], edges[1::2]
    word_doc = np.searchsorted(doc_start, word_start, side="right") - 1
    text_hashes = _text_hashes(points, is_word, word_end, word_doc, doc_start, lengths)

    # Word hashes from prefix sums of code point x Q^position: Σ c_i Q^(i - start) for each word.
    powers, inverse_powers = _powers(size)
    prefix = np.zeros(size + 1, _U64)
    np.cumsum(np.where(is_word, points, 0).astype(_U64) * powers[:size], out=prefix[1:])
    word_length = (word_end - word_start).astype(_U64)
    word_hash = _mix((prefix[word_end] - prefix[word_start]) * inverse_powers[word_start] + word_length)

    # A text without words is one empty shingle: give it one word whose hash is 0.
    words_per_doc = np.bincount(word_doc, minlength=count)
    empty = np.flatnonzero(words_per_doc == 0)
    if len(empty):
        first_word = np.cumsum(words_per_doc) - words_per_doc
        word_hash = np.insert(word_hash, first_word[empty], _U64(0))
        word_doc = np.insert(word_doc, first_word[empty], empty)
        words_per_doc[empty] = 1

    # Shingle hashes: every window of five words, cut short at the end of its text.
    total = len(word_hash)
    padded_hash = np.concatenate([word_hash, np.zeros(SHINGLE_WORDS - 1, _U64)])
    padded_doc = np.concatenate([word_doc, np.full(SHINGLE_WORDS - 1, -1, word_doc.dtype)])
    combined = word_hash * _SHINGLE_WEIGHTS[0]
    for offset in range(1, SHINGLE_WORDS):
        weighted = padded_hash[offset : offset + total] * _SHINGLE_WEIGHTS[offset]
        combined += np.where(padded_doc[offset : offset + total] == word_doc, weighted, _U64(0))
    # Keep the windows that start a full shingle, or the whole text when it is shorter than one.
    shingles_per_doc = np.maximum(words_per_doc - (SHINGLE_WORDS - 1), 1)
    first_word = np.cumsum(words_per_doc) - words_per_doc
    starts = (np.arange(total) - first_word[word_doc]) < shingles_per_doc[word_doc]
    shingle_hash = _mix(combined[starts])
    shingle_doc = word_doc[starts]
    samples = _samples(shingle_hash, shingle_doc, count)

    # Distinct shingles per text: sort the keys (a shingle hash, its low bits replaced by the text's
    # index in the chunk: 44 bits of hash, a collision within a text of 1,000 shingles is ~1e-8 likely)
    # and count where they change.
    keys = (shingle_hash & _U64(_MASK64 ^ ((1 << _LOW_BITS) - 1))) | shingle_doc.astype(_U64)
    keys.sort()
    distinct = np.ones(len(keys), bool)
    distinct[1:] = keys[1:] != keys[:-1]
    distinct_counts = np.bincount(
        (keys[distinct] & _U64((1 << _LOW_BITS) - 1)).astype(np.int64), minlength=count
    )

    offsets = np.zeros(count + 1, np.int64)
    np.cumsum(shingles_per_doc, out=offsets[1:])
    matrix = rensa.RMinHash.digest_matrix_from_flat_token_hashes(shingle_hash, offsets, NUM_PERM, SEED)
    signatures = np.array(matrix.to_rows(), dtype="<u4").tobytes()
    width = NUM_PERM * 4
    return [
        Fingerprint(METHOD, text_hash, shingles, signatures[i * width : (i + 1) * width], samples[i])
        for i, (text_hash, shingles) in enumerate(zip(text_hashes, distinct_counts.tolist(), strict=False))
    ]


def _samples(shingle_hash: np.ndarray, shingle_doc: np.ndarray, count: int) -> list[bytes]:
    """Each text's distinct sampled shingle hashes, ascending, as little-endian uint64 bytes."""
    picked = shingle_hash < _U64(1 << (64 - SAMPLE_BITS))
    hashes, docs = shingle_hash[picked], shingle_doc[picked]
    order = np.lexsort((hashes, docs))
    hashes, docs = hashes[order], docs[order]
    keep = np.ones(len(hashes), bool)
    keep[1:] = (hashes[1:] != hashes[:-1]) | (docs[1:] != docs[:-1])
    hashes, docs = hashes[keep], docs[keep]
    bounds = np.searchsorted(docs, np.arange(count + 1))
    raw = hashes.astype("<u8").tobytes()
    return [raw[a * 8 : b * 8] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=False)]


def _text_hashes(points, is_word, word_end, word_doc, doc_start, lengths) -> list[str]:
    """SHA-256 of each text's words joined by single spaces, from the chunk's code points."""
    keep = is_word.copy()
    # The character after a word becomes the one space before the next word of the same text.
    between = word_end[:-1][word_doc[:-1] == word_doc[1:]]
    keep[between] = True
    spaced = np.where(is_word, points, np.uint32(32)).astype("<u4")
    kept_before = np.zeros(len(points) + 1, np.int64)
    np.cumsum(keep, out=kept_before[1:])
    starts = kept_before[doc_start].tolist()
    ends = kept_before[doc_start + lengths - 1].tolist()
    joined = spaced[keep].tobytes().decode("utf-32-le")
    return [
        hashlib.sha256(joined[a:b].encode("utf-8")).hexdigest() for a, b in zip(starts, ends, strict=False)
    ]


def _mix(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer, element-wise (uint64, wrapping)."""
    x = x ^ (x >> _U64(33))
    x *= _U64(0xFF51AFD7ED558CCD)
    x ^= x >> _U64(33)
    x *= _U64(0xC4CEB9FE1A85EC53)
    x ^= x >> _U64(33)
    return x


_WORD_TABLE: np.ndarray | None = None
_POWERS: tuple[np.ndarray, np.ndarray] = (np.ones(1, _U64), np.ones(1, _U64))


def _word_table() -> np.ndarray:
    """For every code point, whether ``\\w`` matches it (so runs of True are exactly `words`)."""
    global _WORD_TABLE
    table = _WORD_TABLE
    if table is None:
        table = np.zeros(0x110000, bool)
        # Every code point in one string, decoded from one array: joining 1.1 million
        # one-character strings made them all first (about 90 MiB, at every process's first
        # fingerprint; this is a few MiB).
        every = np.arange(0x110000, dtype="<u4").tobytes().decode("utf-32-le", "surrogatepass")
        for match in _WORDS.finditer(every):
            table[match.start() : match.end()] = True
        _WORD_TABLE = table
    return table


def _powers(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Q^i and Q^-i (mod 2^64) for i < size, kept for the next chunk (threads may race: harmless)."""
    global _POWERS
    powers = _POWERS
    if len(powers[0]) < size:
        length = max(size, CHUNK_CHARS * 2)
        made = []
        for base in (_Q, _Q_INVERSE):
            values = np.full(length, _U64(base))
            values[0] = 1
            made.append(np.cumprod(values))
        powers = _POWERS = (made[0], made[1])
    return powers


def _check_rensa() -> None:
    if rensa.RMinHash.ALGORITHM_VERSION != RENSA_ALGORITHM:
        raise RuntimeError(
            f"rensa {getattr(rensa, '__version__', '')} signs with R-MinHash algorithm version "
            f"{rensa.RMinHash.ALGORITHM_VERSION}, the warehouse's fingerprints with version {RENSA_ALGORITHM}: "
            "install the rensa release pinned in pyproject.toml"
        )
