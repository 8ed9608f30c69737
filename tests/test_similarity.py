"""Text fingerprints (similarity.py), their derivation before the load (derive.py) and their catch-up."""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pytest
import rensa

from portalwatch.model import FetchRow, Observation, PortalCrawl, SourceRow
from portalwatch.parse import documents
from portalwatch.parse.documents import find_references
from portalwatch.record import ArticleRecord, article_id
from portalwatch.sim import corpus
from portalwatch.storage import fingerprints, load, similarity
from portalwatch.storage.derive import derive
from portalwatch.storage.similarity import (
    METHOD,
    NUM_PERM,
    Fingerprint,
    fingerprint_text,
    fingerprint_texts,
    words,
)
from portalwatch.storage.warehouse import Warehouse

PLACE = "huyện Tủa Chùa"
SOURCE = SourceRow(
    "tuachua",
    "Cổng thông tin điện tử huyện Tủa Chùa",
    "district",
    "district_portal",
    "https://tuachua.example",
)
T0 = datetime(2025, 5, 5, 1, 0, tzinfo=UTC)
# Texts at the edges of the word rules: empty, punctuation only, shorter than a shingle, exactly
# one shingle, decomposed accents (NFC), upper case, digits and underscores, other scripts.
EDGE_TEXTS = [
    "",
    "   \n\n ",
    "…—!?",
    "Một",
    "một hai ba bốn",
    "Một hai ba bốn năm",
    "một hai ba bốn năm sáu",
    "Hội nghi\u0323 triê\u0309n khai",
    "ĐIỆN BIÊN PHỦ điện biên phủ",
    "Số 12/QĐ-UBND ngày 3/4/2024 snake_case x2",
    "İstanbul ΣΟΦΊΑ ǅemal 𝔘nicode 漢字 ١٢٣",
    "a b a b a b a b a b a b",
    "\x00tab\tand\rcarriage",
]


def article_text(rng: random.Random, paragraphs: int = 6) -> str:
    return "\n\n".join([corpus.lead(rng, PLACE), *corpus.paragraphs(rng, PLACE, paragraphs)])


def shingle_set(tokens: list[str]) -> set[str]:
    """The five-word shingles as strings, the way they are defined (the fingerprints never build them)."""
    if len(tokens) <= 5:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + 5]) for i in range(len(tokens) - 4)}


def test_a_near_duplicate_scores_high_and_unrelated_texts_low():
    rng = random.Random("near")
    original = article_text(rng)
    paragraphs = original.split("\n\n")
    # A republished copy: the last paragraph trimmed, an attribution line added.
    near = "\n\n".join([*paragraphs[:-1], "Theo Bùi Mai (Báo Điện Biên Phủ)"])
    unrelated = [article_text(rng) for _ in range(5)]
    base, copy, *others = fingerprint_texts([original, near, *unrelated])
    jaccard = len(shingle_set(words(original)) & shingle_set(words(near))) / len(
        shingle_set(words(original)) | shingle_set(words(near))
    )
    assert base.similarity(copy) >= 0.7 and abs(base.similarity(copy) - jaccard) < 0.15
    assert base.text_hash != copy.text_hash
    assert all(base.similarity(other) < 0.3 for other in others)
    # The same words under another heading, spacing and case: the same text.
    same = fingerprint_text(original.upper().replace("\n\n", " — "))
    assert same.text_hash == base.text_hash and same.minhash == base.minhash and base.similarity(same) == 1.0


def test_the_estimate_follows_the_jaccard_similarity_of_the_shingles():
    rng = random.Random("estimate")
    vocabulary = [f"từ{i}" for i in range(2000)]
    errors = []
    for _ in range(60):
        first = rng.choices(vocabulary, k=rng.randint(100, 400))
        second = first[: rng.randint(0, len(first))] + rng.choices(vocabulary, k=rng.randint(0, 200))
        a, b = fingerprint_texts([" ".join(first), " ".join(second)])
        x, y = shingle_set(first), shingle_set(second)
        errors.append(a.similarity(b) - len(x & y) / len(x | y))
    assert abs(np.mean(errors)) < 0.02 and np.std(errors) < 0.06  # 128 values: sd <= 0.044 in theory


def test_rensa_jaccard_is_the_share_of_equal_positions():
    """What the text_matches view computes in SQL is what rensa estimates."""
    rng = random.Random("rensa")
    for _ in range(10):
        a = [str(rng.randrange(500)) for _ in range(300)]
        b = a[: rng.randrange(300)] + [str(rng.randrange(500, 900)) for _ in range(100)]
        x, y = rensa.RMinHash(NUM_PERM, similarity.SEED), rensa.RMinHash(NUM_PERM, similarity.SEED)
        x.update(a)
        y.update(b)
        equal = sum(p == q for p, q in zip(x.digest(), y.digest(), strict=False)) / NUM_PERM
        assert x.jaccard(y) == pytest.approx(equal)


def test_text_hash_and_shingles_keep_their_definition():
    rng = random.Random("edges")
    texts = [*EDGE_TEXTS, *(article_text(rng, 2) for _ in range(20))]
    for text, fingerprint in zip(texts, fingerprint_texts(texts), strict=False):
        tokens = words(text)
        assert fingerprint.text_hash == hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest(), text
        assert fingerprint.shingles == len(shingle_set(tokens)), text
        assert fingerprint.method == METHOD and len(fingerprint.signature) == NUM_PERM


def test_a_batch_fingerprints_each_text_as_alone(monkeypatch):
    rng = random.Random("batch")
    texts = [*EDGE_TEXTS, *(article_text(rng, rng.randint(1, 8)) for _ in range(40))]
    rng.shuffle(texts)
    batch = fingerprint_texts(texts)
    assert batch == [fingerprint_text(text) for text in texts]
    monkeypatch.setattr(similarity, "CHUNK_CHARS", 700)  # many chunks, texts longer than one
    assert fingerprint_texts(texts) == batch
    assert fingerprint_texts([]) == []


def test_fingerprints_are_pinned():
    """A change of the word or shingle hashing, or of rensa's algorithm, changes every stored
    signature: it needs a new METHOD (and a migration), not a silent difference."""
    fingerprint = fingerprint_text(
        "Sáng 4/5, UBND huyện Tủa Chùa tổ chức hội nghị triển khai nhiệm vụ năm 2025."
    )
    assert METHOD == "rensa-rminhash-v2:128:seed1:words5:poly64v1:sample2"
    assert rensa.RMinHash.ALGORITHM_VERSION == similarity.RENSA_ALGORITHM
    assert fingerprint.text_hash == "165c96d7bb91fd9a372ea80c860083ac0d74704ea71827af7d2d1aa59b00d5bb"
    assert fingerprint.shingles == 13
    assert fingerprint.signature[:6] == (
        766920020,
        3261622583,
        3247227174,
        3265645734,
        3222010976,
        3083622175,
    )
    assert fingerprint.sampled == (29101429574104128, 101054445878254447, 3044771745606769788)


def test_reference_prefilter_keeps_every_reference():
    texts = {
        "Thực hiện Quyết định số 123/QĐ-UBND ngày 3/4/2024 của UBND tỉnh.": ["123/QĐ-UBND"],
        "THEO NGHỊ QUYẾT SỐ: 45/NQ-HĐND": ["45/NQ-HĐND"],
        "Công văn hỏa tốc số\n 9816-CV/BTGTW và Kết luận  số 296-KL/TU": ["9816-CV/BTGTW", "296-KL/TU"],
        "Nhà số 12 đường Trần Phú; năm 2024 có 5 hội nghị.": [],
        "Không có số nào ở đây.": [],
    }
    for text, numbers in texts.items():
        assert [reference.number for reference in find_references(text)] == numbers, text


def test_the_search_for_a_number_after_so_is_the_case_blind_one():
    """The letters of "số" spelled out in both cases match what a case-blind "s[oố]" matches,
    character by character over all of Unicode and in texts, so no citation is skipped."""
    spelled = documents._NUMBER_AFTER_SO
    blind = re.compile(r"s[oố]\s*:?\s*\d", re.IGNORECASE)
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    for first, second in (("s", "o"), ("s", "ố"), ("S", "Ố")):
        # Every character in the first place, then in the second: the same matches, at the same places.
        for text in (" ".join(c + second + "1" for c in every), " ".join(first + c + "1" for c in every)):
            assert [m.span() for m in spelled.finditer(text)] == [m.span() for m in blind.finditer(text)]
    rng = random.Random(11)
    pieces = ["s", "S", "ſ", "o", "O", "ố", "Ố", "ô", "số", " ", ":", "\n", "1", "9", "a", "ệ"]
    for _ in range(5000):
        text = "".join(rng.choices(pieces, k=rng.randint(0, 12)))
        assert [m.span() for m in spelled.finditer(text)] == [m.span() for m in blind.finditer(text)], text


def test_references_are_found_as_a_scan_of_the_whole_text_finds_them():
    """Only the stretches between full stops, semicolons, brackets and quotes that hold a "số" are
    scanned: the same citations, in the same order, as REFERENCE over the whole text."""
    pieces = [
        "Quyết định số 123/QĐ-UBND",
        "kết luận số: 296 - KL/TU ngày 26/3/2020",
        "Công văn hỏa tốc số 45/2020/NĐ-CP",
        "Nghi quyet so 12-NQ/TW",
        "CÔNG VĂN SỐ 7/UBND-VP",
        " số 5",
        "ngày 1/2/2021",
        ". ",
        "; ",
        "(",
        ")",
        "“",
        "”",
        "\n",
        " ",
        ", ",
        "-",
        "hội nghị triển khai",
    ]
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        whole = [(m.span(), m.groupdict()) for m in documents.REFERENCE.finditer(text)]
        stretches = [(m.span(), m.groupdict()) for m in documents._reference_matches(text)]
        assert stretches == whole, text


# ------------------------------------------------------------------ derivation and the load


def observations(count: int, seed: str = "load") -> list[Observation]:
    rng = random.Random(seed)
    out = []
    for n in range(count):
        url = f"https://tuachua.example/tin-tuc/bai-{n}.html"
        body = "\n\n".join(corpus.paragraphs(rng, PLACE, rng.randint(1, 5)))
        if n % 3 == 0:
            body += "\n\nThực hiện Kế hoạch số 45/KH-UBND ngày 2/3/2024 của UBND huyện."
        record = ArticleRecord(
            title=corpus.title(rng, PLACE),
            published_at=T0 - timedelta(days=n),
            body_text=body,
            lead=corpus.lead(rng, PLACE) if n % 4 else "",
            parser_version="test/1",
        )
        out.append(
            Observation(article_id(SOURCE.source_id, url), url, record, record.content_hash, f"raw-{n}", T0)
        )
    return out


def fetches(observed: list[Observation]) -> list[FetchRow]:
    return [
        FetchRow(SOURCE.source_id, o.url, "article", o.fetched_at, 200, "ok", None, 1, 10.0, 1000, o.raw_hash)
        for o in observed
    ]


def stored(store: Warehouse) -> tuple[list, list]:
    with duckdb.connect(str(store.path), read_only=True) as con:
        prints = con.execute(
            "SELECT article_id, version, source_id, method, text_hash, shingles, minhash FROM text_fingerprints ORDER BY ALL"
        ).fetchall()
        references = con.execute(
            "SELECT citing_id, citing_version, number, kind, referenced_date, context FROM document_references ORDER BY ALL"
        ).fetchall()
    return prints, references


def test_derive_fills_in_fingerprints_and_references_once():
    observed = observations(12)
    derived = derive(observed)
    assert [o.fingerprint for o in derived] == fingerprint_texts(
        [f"{o.record.lead}\n{o.record.body_text}" for o in observed]
    )
    for o in derived:
        assert o.references == tuple(
            find_references("\n\n".join((o.record.title, o.record.lead, o.record.body_text)))
        )
        assert replace(o, fingerprint=None, references=None) == observed[derived.index(o)]
    assert any(o.references for o in derived)
    again = derive(derived)
    assert all(a is b for a, b in zip(again, derived, strict=False))  # nothing left to compute
    stale = replace(
        derived[0], fingerprint=replace(derived[0].fingerprint, method="minhash:affine32:128:seed1:words5")
    )
    assert derive([stale])[0].fingerprint == derived[0].fingerprint  # another method's is recomputed


def test_loading_without_derivation_stores_what_derivation_gives(tmp_path):
    observed = observations(30)
    partly = [o if n % 2 else derive([o])[0] for n, o in enumerate(observed)]
    results = []
    for name, batch in (("plain", observed), ("derived", derive(observed)), ("partly", partly)):
        store = Warehouse(tmp_path / f"{name}.duckdb")
        store.migrate()
        summary = store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(batch), batch))
        assert summary.created == len(observed) and summary.references > 0
        results.append(stored(store))
    assert results[0] == results[1] == results[2]
    prints, _ = results[0]
    by_id = {
        o.article_id: f
        for o, f in zip(
            observed,
            fingerprint_texts([f"{o.record.lead}\n{o.record.body_text}" for o in observed]),
            strict=False,
        )
    }
    for article, version, _, method, text_hash, shingles, minhash in prints:
        expected = by_id[article]
        assert (version, method, text_hash, shingles, tuple(minhash)) == (
            1,
            METHOD,
            expected.text_hash,
            expected.shingles,
            expected.signature,
        )


def test_a_load_of_many_chunks_stores_each_version_with_its_own_fingerprint(tmp_path, monkeypatch):
    observed = observations(30)
    batch = [o if n % 2 else derive([o])[0] for n, o in enumerate(observed)]
    results = []
    for name, chunk in (("whole", 1000), ("chunked", 7)):
        monkeypatch.setattr(load, "VERSION_CHUNK", chunk)
        store = Warehouse(tmp_path / f"{name}.duckdb")
        store.migrate()
        summary = store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(batch), batch))
        assert summary.created == len(observed) and summary.references > 0
        results.append(stored(store))
    assert results[0] == results[1]
    prints, references = results[1]
    expected = {o.article_id: o.fingerprint for o in derive(observed)}
    assert len(prints) == len(observed)
    assert all(
        (text_hash, tuple(minhash)) == (expected[article].text_hash, expected[article].signature)
        for article, _, _, _, text_hash, _, minhash in prints
    )
    assert {citing for citing, *_ in references} == {o.article_id for o in derive(observed) if o.references}


def test_an_edit_gets_a_fingerprint_of_its_own(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    first = derive(observations(3))
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(first), first))
    edited_record = replace(
        first[1].record, body_text=first[1].record.body_text + "\n\nĐoạn bổ sung về kết quả hội nghị."
    )
    edited = Observation(
        first[1].article_id,
        first[1].url,
        edited_record,
        edited_record.content_hash,
        "raw-e",
        T0 + timedelta(hours=1),
    )
    summary = store.load_portal(
        store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches([edited]), derive([edited]))
    )
    assert summary.updated == 1
    prints, _ = stored(store)
    versions = {(a, v): text_hash for a, v, _, _, text_hash, _, _ in prints}
    assert len(versions) == 4 and versions[(edited.article_id, 2)] != versions[(edited.article_id, 1)]


def test_the_migration_drops_old_signatures_and_the_next_load_recomputes_them(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    schema = store.migrate()
    observed = derive(observations(20))
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(observed), observed))
    current, _ = stored(store)
    # As a warehouse written before this migration: datasketch's signatures, migration 6 not applied.
    with duckdb.connect(str(store.path)) as con:
        con.execute(
            "UPDATE text_fingerprints SET method = 'minhash:affine32:128:seed1:words5', minhash = [1, 2, 3]"
        )
        con.execute("DELETE FROM portalwatch_migrations WHERE version = 6")
    assert store.migrate() == schema  # migration 6 applied again, the later ones kept
    with duckdb.connect(str(store.path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM text_fingerprints").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 20
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, [], []))  # a load with nothing new
    assert stored(store)[0] == current


def test_the_catch_up_replaces_signatures_of_another_method(tmp_path):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    observed = derive(observations(10))
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(observed), observed))
    current, _ = stored(store)
    with duckdb.connect(str(store.path)) as con:
        con.execute(
            "UPDATE text_fingerprints SET method = 'some-other-method', minhash = [7] WHERE version = 1 AND shingles % 2 = 0"
        )
        con.execute("DELETE FROM text_fingerprints WHERE shingles % 3 = 0")
    with store.connect() as con:
        con.execute("BEGIN")
        assert fingerprints.fingerprint_missing_versions(con) > 0
        assert fingerprints.fingerprint_missing_versions(con) == 0
        con.execute("COMMIT")
    assert stored(store)[0] == current


def test_nothing_to_catch_up_costs_no_join(tmp_path, monkeypatch):
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    observed = derive(observations(10))
    store.load_portal(store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(observed), observed))
    monkeypatch.setattr(fingerprints, "PENDING_KEYS_SQL", "SELECT error('the catch-up ran its join')")
    store.load_portal(
        store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(observed), observed)
    )  # unchanged
    more = derive(observations(14))[10:]
    store.load_portal(
        store.start_run("ingest", {}), PortalCrawl(SOURCE, fetches(more), more)
    )  # new versions, fingerprinted in the load


def test_fingerprint_objects():
    a, b = fingerprint_texts(["một hai ba bốn năm sáu bảy", "tám chín mười"])
    assert isinstance(a, Fingerprint) and len(a.minhash) == NUM_PERM * 4
    assert a.signature == tuple(np.frombuffer(a.minhash, "<u4").tolist())
    assert 0.0 <= a.similarity(b) < 1.0 and a.similarity(a) == 1.0
    with pytest.raises(ValueError):
        a.similarity(replace(b, method="other"))
    with pytest.raises(AttributeError):
        a.shingles = 3  # frozen


def test_the_word_table_is_every_code_point_that_starts_or_continues_a_word_and_is_made_in_little_memory():
    # A process of its own: the table is made once per process, and its peak resident set is its own
    # (Linux only: /proc).
    # VmHWM, not getrusage's ru_maxrss: Linux carries that over an exec, from this process.
    code = (
        "import re\n"
        "from pathlib import Path\n"
        "from portalwatch.storage import similarity\n"
        "def peak():\n"
        "    line = next(l for l in Path('/proc/self/status').read_text().splitlines() if l.startswith('VmHWM:'))\n"
        "    return int(line.split()[1]) / 1024\n"
        "before = peak()\n"
        "table = similarity._word_table()\n"
        "grown = peak() - before\n"
        "sample = [0x41, 0x5F, 0x30, 0x20, 0x2C, 0x1EA1, 0x0300, 0xD800, 0x10FFFF, 0x4E00, 0x1F600]\n"
        "assert [bool(table[c]) for c in sample] == [bool(re.fullmatch(r'\\w', chr(c))) for c in sample]\n"
        "print(int(table.sum()), round(grown))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr
    words, grown_mib = map(int, result.stdout.split())
    assert words > 100_000
    # Joining a million one-character strings took about 90 MiB; the table itself is 1.1 MiB.
    assert grown_mib < 40
