"""Republication and citations: the simulator's copies and mentions, and the warehouse measured against them."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from planted import FIRST_CRAWL, PUBLISHED, SOURCES, fetch, observation

from portalwatch.model import PortalCrawl
from portalwatch.parse.documents import find_references, number_key
from portalwatch.quality import NOT_A_COPY, measure, render
from portalwatch.record import ArticleRecord
from portalwatch.sim import corpus
from portalwatch.sim.republish import KINDS, LEVEL, MAX_LAG, MIN_LAG
from portalwatch.sim.world import World
from portalwatch.storage.similarity import fingerprint_texts
from portalwatch.storage.warehouse import Warehouse

ATTRIBUTIONS = ("Theo ", "Nguồn: ", "(Theo ")


def copies_of(world: World) -> list:
    return [a for p in world.portals.values() for a in p.articles if a.republished_from is not None]


def test_lower_levels_republish_higher_levels_in_every_form():
    world = World(seed=3, scale=0.5)
    copies = copies_of(world)
    assert set(Counter(c.republication_kind for c in copies)) == set(KINDS)
    assert any(c.republished_from.republished_from is not None for c in copies), "no chain of copies"
    attributed = Counter(
        next((a for a in ATTRIBUTIONS if c.byline.startswith(a) or c.paragraphs[-1].startswith(a)), None)
        for c in copies
    )
    assert all(attributed[a] for a in (*ATTRIBUTIONS, None))
    for copy in copies:
        original = copy.republished_from
        assert LEVEL[original.portal.family] < LEVEL[copy.portal.family]
        assert MIN_LAG <= copy.published_at - original.published_at <= MAX_LAG + timedelta(minutes=1)
        own = [p for p in copy.paragraphs if not p.startswith(("Nguồn: ", "(Theo "))]
        if copy.republication_kind in ("verbatim", "retitled"):
            assert own == original.paragraphs and copy.lead == original.lead
            assert (copy.title != original.title) is (copy.republication_kind == "retitled")
        elif copy.republication_kind == "trimmed":
            assert 2 <= len(own) < len(original.paragraphs) and own == original.paragraphs[: len(own)]
        else:
            assert (own, copy.lead) != (original.paragraphs, original.lead) and copy.title == original.title


def test_a_copy_changes_apart_from_its_original():
    world = World(seed=3, scale=0.3)
    before = {id(c): (c.version, c.removed, c.republished_from.version) for c in copies_of(world)}
    world.advance(48)
    copies = [c for c in copies_of(world) if id(c) in before]
    assert any(
        c.version > before[id(c)][0] and c.republished_from.version == before[id(c)][2] for c in copies
    )
    assert any(c.removed and not c.republished_from.removed for c in copies)
    assert any(c.last_changed_step > 0 for c in copies_of(world) if id(c) not in before), (
        "no copy published later"
    )


def test_document_numbers_are_found_however_they_are_written():
    world = World(seed=1, scale=0.3)
    mentions = [(m, n) for p in world.portals.values() for a in p.articles for _, m, n in a.citations]
    forms = Counter()
    for mention, number in mentions:
        (found,) = find_references(mention)
        assert found.number_key == number_key(number), mention
        forms[
            "plain"
            if "so " in mention
            else "dashed"
            if "–" in mention
            else "spaced"
            if " - " in mention or " / " in mention
            else "standard"
        ] += 1
    assert set(forms) == {"standard", "spaced", "dashed", "plain"}
    assert number_key("123 / QD–UBND") == number_key("123/QĐ-UBND") == "123/QD-UBND"


def test_a_trimmed_copy_is_contained_though_hardly_similar():
    rng = random.Random("trimmed")
    lead = corpus.lead(rng, "tỉnh Điện Biên")
    paragraphs = corpus.paragraphs(rng, "tỉnh Điện Biên", 10)
    original, trimmed, unrelated = fingerprint_texts(
        [
            "\n".join([lead, *paragraphs]),
            "\n".join([lead, *paragraphs[:2], "Theo Bùi Mai"]),
            "\n".join(corpus.paragraphs(rng, "tỉnh Điện Biên", 3)),
        ]
    )
    assert original.similarity(trimmed) < 0.5 <= 0.85 <= original.containment(trimmed)
    assert original.containment(unrelated) < 0.5


@pytest.mark.timeout(600)
def test_the_warehouse_finds_the_simulated_republications_and_citations(tmp_path: Path):
    quality = measure(tmp_path, seed=1, scale=0.3, steps=12)
    print(render(quality))
    for kind in KINDS:
        score = quality.republications[kind]
        assert score.expected >= 10, kind
        assert score.precision >= 0.98 and score.recall >= 0.95, (kind, score)
    assert quality.republications[NOT_A_COPY].found <= 0.02 * quality.overall.found
    assert quality.overall.precision >= 0.98
    assert quality.median_lag_error is not None and quality.median_lag_error < 0.01
    assert quality.citations.expected >= 100
    assert quality.citations.precision >= 0.99 and quality.citations.recall >= 0.99


def test_the_first_publisher_is_the_earliest_day_then_the_higher_level(tmp_path: Path):
    """A commune's copy dated without a time (midnight), and a district's copy posted the same
    minute as the province, do not pass for the source of the province's article."""
    store = Warehouse(tmp_path / "warehouse.duckdb")
    store.migrate()
    rng = random.Random("first-publisher")
    original = ArticleRecord(
        title=corpus.title(rng, "tỉnh Điện Biên"),
        published_at=PUBLISHED,
        lead=corpus.lead(rng, "tỉnh Điện Biên"),
        body_text="\n\n".join(corpus.paragraphs(rng, "tỉnh Điện Biên", 6)),
        parser_version="test/1",
    )
    midnight = PUBLISHED.replace(hour=0, minute=0)
    copies = {"tinh": original, "huyen-a": original, "xa-c": replace(original, published_at=midnight)}
    run = store.start_run("ingest", {})
    for minute, (source_id, record) in enumerate(copies.items()):
        url = f"http://{source_id}.example/tin/bai-{source_id}.html"
        # The province is seen last: neither the crawl order nor the posting time decides.
        seen = FIRST_CRAWL - timedelta(minutes=minute)
        store.load_portal(
            run,
            PortalCrawl(
                SOURCES[source_id], [fetch(source_id, url, seen)], [observation(source_id, url, record, seen)]
            ),
        )
    store.finish_run(run, "completed", {})
    with duckdb.connect(str(store.path), read_only=True) as con:
        found = dict(con.execute("SELECT source_id, original_source_id FROM republications").fetchall())
        lags = dict(con.execute("SELECT source_id, lag_hours FROM republications").fetchall())
    assert found == {"huyen-a": "tinh", "xa-c": "tinh"}
    assert lags == {"huyen-a": 0.0, "xa-c": -PUBLISHED.hour}
