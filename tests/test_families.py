"""The page families beyond the seed pages (portlet portal server, SharePoint,
WordPress, newspaper layout, table layout, eGov platform): each one's profile reads its gold
set, the generic reader takes none of their non-article pages for an article,
the accuracy report runs, and each portal is crawled over HTTP into a real
warehouse, re-crawled without a false change, and its changes recorded
exactly as the simulator made them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from crawling import crawl_into, politeness, query, truth_of

from portalwatch.accuracy import FIELDS, field_accuracy, gold_world, main, read_with_profile
from portalwatch.errors import ExtractionError
from portalwatch.parse import parse_listing
from portalwatch.parse.documents import parse_document
from portalwatch.parse.profile import get_profile
from portalwatch.sim import pages
from portalwatch.sim.families import FAMILIES
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import MORE_PORTALS

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "http://portal.example"


@pytest.fixture(scope="module")
def report():
    return field_accuracy(world=gold_world(seed=11, scale=0.1))


def test_every_family_has_its_own_profile_and_portal():
    assert {spec.family for spec in MORE_PORTALS} == set(FAMILIES)
    assert len({PROFILE_FOR_FAMILY[name] for name in FAMILIES}) == len(FAMILIES) >= 4
    for name in FAMILIES:
        assert get_profile(PROFILE_FOR_FAMILY[name]).article is not None


@pytest.mark.parametrize("family", ["province", "district", "commune", *FAMILIES])
def test_each_profile_reads_its_family_field_by_field(report, family):
    score = report.scores[(family, "profile")]
    assert score.pages >= 12
    below = {name: f"{score.share(name):.1%}" for name in FIELDS if score.share(name) < 0.99}
    assert not below, f"{family}: fields under 99%: {below}"


def test_each_profile_reads_the_documents_of_its_family():
    world = gold_world(seed=4, scale=0.3)
    for portal in world.portals.values():
        family = portal.spec.family
        if family not in FAMILIES:
            continue
        profile = get_profile(PROFILE_FOR_FAMILY[family])
        for document in portal.documents:
            html = pages.document_page(portal, document, random.Random(document.id))
            record = parse_document(html, BASE + pages.document_path(family, document), profile)
            where = f"{family} {document.number}"
            assert (record.number, record.kind, record.issued_date, record.issued_place) == (
                document.number,
                document.kind,
                document.issued,
                document.place,
            ), where
            assert (record.subject, record.signer, record.title) == (
                document.subject,
                document.signer,
                document.title,
            ), where
            assert record.distribution == tuple(line.removeprefix("- ") for line in document.distribution), (
                where
            )
            assert [a.url for a in record.attachments] == [pages.document_file_path(family, document)], where
        listing = parse_listing(
            pages.document_listing(portal, 1, random.Random(1)),
            BASE + pages.document_listing_path(family, 1),
            profile,
            pages.PAGE_SIZE,
            profile.documents.listing,
        )
        newest = [d for d in reversed(portal.documents) if not d.removed][: pages.PAGE_SIZE]
        assert list(listing.article_urls) == [BASE + pages.document_path(family, d) for d in newest], family


def test_the_generic_reader_returns_no_article_for_pages_that_are_none(report):
    assert set(report.non_articles) == {"province", "district", "commune", *FAMILIES}
    for family, (checked, returned) in report.non_articles.items():
        assert checked >= (12 if family in ("district", "commune") else 6) and returned == 0, family


def test_the_report_scores_any_reader_field_by_field():
    def wrong_title(html, url, family):
        return replace(read_with_profile(html, url, family), title="Cổng thông tin điện tử")

    def reads_nothing(html, url, family):
        raise ExtractionError(url, "no article")

    report = field_accuracy(
        world=gold_world(seed=2, scale=0.03), readers={"wrong": wrong_title, "none": reads_nothing}
    )
    for family in ("province", "portlet", "wordpress", "table"):
        wrong, none = report.scores[(family, "wrong")], report.scores[(family, "none")]
        assert wrong.share("title") == 0 and all(wrong.share(name) == 1 for name in FIELDS if name != "title")
        assert none.pages == wrong.pages > 0 and all(none.share(name) == 0 for name in FIELDS)
        assert none.failures == {"no article": none.pages}


def test_the_accuracy_report_runs(capsys):
    main(["0.03", "--seed", "5"])
    out = capsys.readouterr().out
    for family in ("province", "district", "commune", *FAMILIES):
        assert f"\n{family:<11} profile " in out and f"\n{family:<11} generic " in out
    assert (
        "generic reader, exact title, published_at, view_count, author, body_text:" in out
        and "averaged over families" in out
    )


def test_each_new_portal_is_crawled_recrawled_and_its_changes_recorded(start_simulator, warehouse, tmp_path):
    sim = start_simulator(families="all", scale=0.04)
    config = sim.write_sources(
        tmp_path / "sources.toml", politeness(), portals=[spec.id for spec in MORE_PORTALS]
    )
    before = {spec.id: truth_of(sim, spec.id) for spec in MORE_PORTALS}
    for spec in MORE_PORTALS:
        crawl, summary = crawl_into(config, spec.id, warehouse)
        live = {url: row for url, row in before[spec.id].items() if not row["removed"]}
        stored = {
            url: (title, published_at)
            for url, title, published_at in query(
                warehouse, "SELECT url, title, published_at FROM articles WHERE source_id = ?", [spec.id]
            )
        }
        assert set(stored) == set(live), spec.id
        for url, (title, published_at) in stored.items():
            expected = datetime.fromisoformat(live[url]["published_at"]).replace(second=0)
            assert (
                title == live[url]["title"] and published_at.astimezone(TZ).replace(second=0) == expected
            ), url
        assert (
            summary.documents
            == query(warehouse, "SELECT count(*) FROM documents WHERE source_id = ?", [spec.id])[0][0]
            >= 4
        )

        # Counters, related lists, sidebars and tokens moved; the articles did not.
        _, again = crawl_into(config, spec.id, warehouse, revisit="all")
        assert (again.created, again.updated, again.removed) == (0, 0, 0), spec.id
        assert again.unchanged == len(live)

    # WordPress sends its first listing page to the category's canonical URL.
    assert any(
        entry["status"] == 301 and entry["path"].endswith("/page/1/") for entry in sim.requests("xa-keo-lom")
    )

    happened = sim.advance(2)["happened"]
    for spec in MORE_PORTALS:
        _, summary = crawl_into(config, spec.id, warehouse, revisit="all")
        # An article published and taken down between two crawls was never there to record.
        after = truth_of(sim, spec.id)
        created = {url for url, row in after.items() if url not in before[spec.id] and not row["removed"]}
        removed = {
            url
            for url, row in after.items()
            if row["removed"] and url in before[spec.id] and not before[spec.id][url]["removed"]
        }
        updated = {
            url
            for url, row in after.items()
            if url in before[spec.id]
            and not row["removed"]
            and row["version"] != before[spec.id][url]["version"]
        }
        assert (summary.created, summary.updated, summary.removed) == (
            len(created),
            len(updated),
            len(removed),
        ), spec.id
    assert (
        sum(
            sum(counts[k] for k in ("created", "updated", "removed"))
            for pid, counts in happened.items()
            if pid in {spec.id for spec in MORE_PORTALS}
        )
        > 0
    )
