"""Broken answers that say 200, as real government portals send them: maintenance
notices, soft-404s in the site's chrome, redirects to an ASP.NET error page, empty
bodies, pages cut short under a matching Content-Length. Over real HTTP against the
simulator: each is recognised for what it is and recorded with its own outcome and
reason, none becomes a version or a removal, and under the `real-world` mix the
warehouse converges to the portals' truth within three runs."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx
import pytest
from crawling import crawl_into, politeness, query, truth_of

from portalwatch.config import RevisitPolicy
from portalwatch.errors import WrongPage
from portalwatch.parse import parse_article, read_listing
from portalwatch.parse.documents import file_problem, parse_document
from portalwatch.parse.profile import get_profile
from portalwatch.record import Attachment
from portalwatch.schedule import ArticleSchedule, due_for_revisit, retry_delay
from portalwatch.sim import pages
from portalwatch.sim.faults import PAGE_KINDS, FaultInjector
from portalwatch.sim.faults import get_profile as fault_profile
from portalwatch.sim.pdf import document_pdf
from portalwatch.sim.server import PROFILE_FOR_FAMILY
from portalwatch.sim.world import World

PORTAL = "muongang"  # a district portal of about 30 articles at the test scale
MAX_RUNS = 3

# What each kind of broken page is recorded as.
EXPECTED_REASON = {
    "maintenance": r"not an? (?:article|document): maintenance page \('",
    "soft_404": r"not an? (?:article|document): soft-404 page \('",
    "error_redirect": r"redirected to an error page: http://[^ ]+/Error\.aspx\?aspxerrorpath=/",
    "empty": r"empty page",
    "cut": r"page cut short: it ends before its closing </html>",
}
# What each is recorded as when it comes instead of a document's attached PDF.
EXPECTED_FILE_REASON = {
    "maintenance": r"not the file: a web page instead of a PDF file",
    "soft_404": r"not the file: a web page instead of a PDF file",
    "error_redirect": r"not the file: a web page instead of a PDF file",
    "empty": r"not the file: (?:an empty answer|a web page instead of a PDF file)",
    "cut": r"not the whole file: a PDF cut short before its %%EOF",
}
SINGLE_KIND_PROFILE = {
    "maintenance": "maintenance",
    "soft_404": "soft-404",
    "error_redirect": "error-redirects",
    "empty": "empty",
    "cut": "cut",
}


def test_every_page_fault_kind_has_a_profile_of_its_own_and_the_real_world_mix_is_about_a_fifth():
    assert set(SINGLE_KIND_PROFILE) == set(PAGE_KINDS) == set(EXPECTED_REASON) == set(EXPECTED_FILE_REASON)
    for kind, name in SINGLE_KIND_PROFILE.items():
        assert getattr(fault_profile(name), kind) > 0
    real_world = fault_profile("real-world")
    assert 0.18 <= real_world.transient_rate <= 0.22
    assert all(
        getattr(real_world, kind) > 0
        for kind in (*PAGE_KINDS, "server_error", "rate_limited", "reset", "timeout")
    )
    # Decided by seed, URL and request count, whatever the order of arrival; never more than
    # max_streak faults in a row.
    urls = [f"/tin-tuc/bai-{n}.html" for n in range(60)]
    forward, backward = FaultInjector(real_world, seed=7), FaultInjector(real_world, seed=7)

    def draws(injector, order):
        seen = {}
        for k in range(5):
            for url in order:
                fault = injector.transient("p", url)
                seen[(url, k)] = (fault, fault and injector.variant(fault, "p", url, 12))
        return seen

    seen = draws(forward, urls)
    assert seen == draws(backward, list(reversed(urls)))
    assert {fault for fault, _ in seen.values()} >= set(PAGE_KINDS)
    for url in urls:
        streak = 0
        for k in range(5):
            streak = streak + 1 if seen[(url, k)][0] else 0
            assert streak <= real_world.max_streak


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_each_broken_page_is_recorded_with_its_outcome_and_reason_and_never_as_a_version(
    kind, start_simulator, warehouse, tmp_path
):
    sim = start_simulator(faults=SINGLE_KIND_PROFILE[kind], portal_sizes={PORTAL: 60})
    config = sim.write_sources(tmp_path / "sources.toml", politeness(), portals=[PORTAL])
    crawl, _ = crawl_into(config, PORTAL, warehouse)

    struck = {_page_kind(entry["path"]) for entry in sim.requests(PORTAL) if entry["fault"] == kind}
    assert struck == {"listing", "article", "document", "attachment"}
    # Article pages are recorded as what they were, and tried again at the end of the run.
    refused = query(
        warehouse, "SELECT kind, outcome, error, error_class FROM fetches WHERE outcome LIKE 'not_%'"
    )
    assert refused and {page_kind for page_kind, _, _, _ in refused} == {"article"}
    for _, outcome, error, error_class in refused:
        assert (outcome, error_class) == ("not_an_article", "WrongPage")
        assert re.search(EXPECTED_REASON[kind], error), error
    # Listing pages, document pages and their files are fetched again at once, until they are.
    for page_kind in ("listing", "document", "attachment"):
        assert query(warehouse, "SELECT DISTINCT outcome FROM fetches WHERE kind = ?", [page_kind]) == [
            ("ok",)
        ]
        assert query(warehouse, "SELECT max(attempts) FROM fetches WHERE kind = ?", [page_kind])[0][0] > 1
    # What failed twice in the run is reported, waits in the frontier, and the next run gets it.
    assert {url for url, _ in crawl.failures} == {
        url for (url,) in query(warehouse, "SELECT url FROM crawl_frontier")
    }
    crawl, _ = crawl_into(config, PORTAL, warehouse)
    assert query(warehouse, "SELECT count(*) FROM crawl_frontier") == [(0,)]
    # Every article stored once, and nothing false was recorded.
    truth = truth_of(sim, PORTAL)
    stored = dict(query(warehouse, "SELECT url, title FROM articles"))
    assert stored == {url: row["title"] for url, row in truth.items() if not row["removed"]}
    assert query(warehouse, "SELECT DISTINCT change_type FROM changes") == [("created",)]
    assert query(warehouse, "SELECT max(version) FROM article_versions") == [(1,)]
    assert dict(query(warehouse, "SELECT url, number FROM documents")) == documents_truth(sim, PORTAL)
    assert crawl.failures == []


def _page_kind(path: str) -> str:
    if path.endswith(".pdf"):
        return "attachment"
    if "/van-ban" in path:
        return "listing" if "page=" in path else "document"
    return "listing" if "page=" in path else "article"


def test_soft_404s_on_revisits_remove_nothing_and_the_failed_checks_come_back_at_the_next_run(
    start_simulator, warehouse, tmp_path
):
    sim = start_simulator(faults="soft-404", portal_sizes={PORTAL: 30})
    config = sim.write_sources(tmp_path / "sources.toml", politeness(), portals=[PORTAL])
    crawl_into(config, PORTAL, warehouse)
    crawl_into(config, PORTAL, warehouse)  # for the articles that met a soft-404 on both tries
    assert query(warehouse, "SELECT count(*) FROM crawl_frontier") == [(0,)]

    crawl_into(config, PORTAL, warehouse, revisit="all")
    run = query(warehouse, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1")[0][0]
    failed = {
        url for (url,) in query(warehouse, "SELECT url FROM article_fetch_state WHERE failed_checks > 0")
    }
    refused_twice = {
        url
        for url, n in query(
            warehouse,
            "SELECT url, count(*) FROM fetches WHERE run_id = ? AND outcome = 'not_an_article' GROUP BY url",
            [run],
        )
        if n == 2
    }
    # (On a loaded machine a timeout may fail a revisit too: those are failed checks as well.)
    assert refused_twice and refused_twice <= failed, "some revisits met a soft-404 on both tries"
    assert query(warehouse, "SELECT count(*) FROM changes WHERE change_type <> 'created'") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM articles WHERE removed_at IS NOT NULL") == [(0,)]
    reasons = dict(
        query(warehouse, "SELECT url, last_failure FROM article_fetch_state WHERE failed_checks > 0")
    )
    assert all(
        reasons[url].startswith("not_an_article: not an article: soft-404 page") for url in refused_twice
    )

    # The next run (minutes later, not months) re-checks exactly the failed ones, and they settle.
    since = max(entry["seq"] for entry in sim.requests())
    crawl_into(config, PORTAL, warehouse, revisit="due")
    rechecked = {entry["path"] for entry in sim.requests(PORTAL, since=since) if "/tin-tuc/" in entry["path"]}
    assert rechecked == {url.split(sim.base_urls[PORTAL])[1] for url in failed}
    assert query(warehouse, "SELECT count(*) FROM article_fetch_state WHERE failed_checks > 0") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM document_fetch_state WHERE failed_checks > 0") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM articles WHERE removed_at IS NOT NULL") == [(0,)]


def documents_truth(sim, source_id: str | None = None) -> dict[str, str]:
    rows = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()
    return {row["url"]: row["number"] for row in rows if source_id in (None, row["source"])}


def changes_between(before: list[dict], after: list[dict]) -> dict[str, set[str]]:
    """What the simulator did between two snapshots of its truth, per change type."""
    old = {row["url"]: row for row in before}
    new = {row["url"]: row for row in after}
    live_before = {url for url, row in old.items() if not row["removed"]}
    return {
        "created": {url for url, row in new.items() if url not in old and not row["removed"]},
        "updated": {
            url
            for url, row in new.items()
            if url in live_before and not row["removed"] and row["version"] != old[url]["version"]
        },
        "removed": {url for url, row in new.items() if url in live_before and row["removed"]},
    }


def crawl_every_portal(sim, config, warehouse, revisit: str) -> None:
    for source_id in sim.base_urls:
        crawl_into(config, source_id, warehouse, revisit=revisit)


def recorded_changes(warehouse, before: set[str]) -> dict[str, set[str]]:
    """The changes to articles recorded by the runs that are not in `before`, per change type."""
    changes: dict[str, set[str]] = {"created": set(), "updated": set(), "removed": set()}
    for run_id, url, change_type in query(
        warehouse, "SELECT run_id, url, change_type FROM changes WHERE item_kind = 'article'"
    ):
        if run_id not in before:
            changes.setdefault(change_type, set()).add(url)
    return changes


def assert_nothing_false(warehouse, truth: list[dict]) -> None:
    removed = {row["url"] for row in truth if row["removed"]}
    falsely_removed = {
        url for (url,) in query(warehouse, "SELECT url FROM articles WHERE removed_at IS NOT NULL")
    } - removed
    assert not falsely_removed


DOCUMENT_REMOVALS_SQL = "SELECT url FROM changes WHERE item_kind = 'document' AND change_type = 'removed'"


def run_ids(warehouse) -> set[str]:
    return {run_id for (run_id,) in query(warehouse, "SELECT run_id FROM runs")}


@pytest.mark.parametrize("seed", [7, 11])  # other seeds, other faults in other orders
def test_under_real_world_faults_the_warehouse_converges_to_the_truth_within_three_runs(
    seed, start_simulator, warehouse, tmp_path
):
    sim = start_simulator(faults="real-world", seed=seed)
    config = sim.write_sources(tmp_path / "sources.toml", politeness())

    # First crawls: every live article stored once, with the portal's title.
    truth = sim.truth()
    live = {row["url"]: row["title"] for row in truth if not row["removed"]}
    for runs in range(1, MAX_RUNS + 1):  # noqa: B007 (reported after the loop)
        crawl_every_portal(sim, config, warehouse, "due")
        assert_nothing_false(warehouse, truth)
        if dict(query(warehouse, "SELECT url, title FROM articles")) == live:
            break
    assert dict(query(warehouse, "SELECT url, title FROM articles")) == live, (
        f"not converged after {runs} runs"
    )
    print(f"real-world, seed {seed}: every live article stored after {runs} run(s)")
    # Official documents too, each with its number, however their pages answered.
    documents = documents_truth(sim)
    for _ in range(runs, MAX_RUNS):
        if dict(query(warehouse, "SELECT DISTINCT url, number FROM documents")) == documents:
            break
        crawl_every_portal(sim, config, warehouse, "due")
    assert dict(query(warehouse, "SELECT DISTINCT url, number FROM documents")) == documents
    # Their attached files as the portals left them: each damaged one kept as its link alone, each
    # scanned one read, with its pages told as scans.
    files = httpx.get(f"{sim.control_url}/_sim/faults", timeout=30).json()
    by_path = {
        urlsplit(entry["url"]).path: entry
        for (attachments,) in query(warehouse, "SELECT attachments FROM documents WHERE valid_to IS NULL")
        for entry in json.loads(attachments)
    }
    assert files["damaged_files"] and files["scanned_files"]
    for url in files["damaged_files"]:
        assert "sha256" not in by_path[urlsplit(url).path], url
    for url in files["scanned_files"]:
        entry = by_path[urlsplit(url).path]
        assert entry["sha256"] and entry["scanned_pages"] == entry["pages"] > 0, (url, entry)
    assert query(warehouse, "SELECT count(*) FROM article_versions") == [(len(live),)]
    assert query(warehouse, "SELECT DISTINCT change_type FROM changes") == [("created",)]
    faults = {entry["fault"] for entry in sim.requests()}
    assert set(PAGE_KINDS) <= faults and {"server_error", "rate_limited"} <= faults

    # A run with nothing new on the portals records nothing, whatever the portals answered.
    mark = run_ids(warehouse)
    crawl_every_portal(sim, config, warehouse, "due")
    assert recorded_changes(warehouse, mark) == {"created": set(), "updated": set(), "removed": set()}

    # Simulated time passes: articles are published, edited and taken down.
    sim.advance(6)
    after = sim.truth()
    expected = changes_between(truth, after)
    assert all(expected.values()), expected
    documents_removed = sorted(row["url"] for row in sim.documents() if row["removed"])
    assert documents_removed
    mark = run_ids(warehouse)
    for runs, revisit in enumerate(["all", "due", "due"], start=1):  # noqa: B007 (reported after the loop)
        crawl_every_portal(sim, config, warehouse, revisit)
        assert_nothing_false(warehouse, after)
        recorded = recorded_changes(warehouse, mark)
        assert recorded["updated"] <= expected["updated"] and recorded["created"] <= expected["created"]
        documents_recorded = sorted(url for (url,) in query(warehouse, DOCUMENT_REMOVALS_SQL))
        assert set(documents_recorded) <= set(documents_removed)  # never a false removal
        if recorded == expected and documents_recorded == documents_removed:
            break
    assert recorded == expected, f"not converged after {runs} runs"
    assert documents_recorded == documents_removed, "each removed document recorded removed once"
    print(f"real-world, seed {seed}: every change recorded after {runs} run(s)")
    # Nothing waits any more: the frontier and the failed revisits have drained.
    assert query(warehouse, "SELECT count(*) FROM crawl_frontier") == [(0,)]
    assert query(warehouse, "SELECT count(*) FROM article_fetch_state WHERE failed_checks > 0") == [(0,)]


# ---------------------------------------------------------------- the parse layer's decisions, page by page


@pytest.fixture(scope="module")
def world() -> World:
    return World(seed=3, scale=0.03)


BASE = "http://portal.example"


@pytest.mark.parametrize("variant", range(4))
def test_every_family_tells_broken_pages_from_listings_articles_and_documents(world, variant):
    for portal in world.portals.values():
        family = portal.spec.family
        profile = get_profile(PROFILE_FOR_FAMILY[family])
        rng = random.Random(variant)
        article = portal.live()[0]
        url = BASE + pages.article_path(article)
        listing_url = BASE + pages.listing_path(family, 2)
        broken = {
            "maintenance": (pages.maintenance_page(portal, rng, variant), None),
            "soft_404": (pages.soft_404_page(portal, rng, variant), None),
            "error_redirect": (
                pages.error_page(portal, rng, variant),
                BASE + pages.error_redirect_target("/x?y=1"),
            ),
            "empty": (pages.EMPTY_BODIES[variant % len(pages.EMPTY_BODIES)], None),
        }
        whole = pages.render_article(portal, article, rng, world)
        broken["cut"] = (
            whole.encode()[: pages.cut_at(whole.encode(), variant)].decode("utf-8", "ignore"),
            None,
        )
        for kind, (html, final_url) in broken.items():
            reason = EXPECTED_REASON[kind].replace("not an? (?:article|document)", "not an article")
            with pytest.raises(WrongPage, match=reason):
                parse_article(html, url, profile, final_url)
            with pytest.raises(WrongPage):
                read_listing(html, listing_url, profile, pages.PAGE_SIZE, page_number=2, final_url=final_url)
            with pytest.raises(WrongPage):
                parse_document(html, url, profile, final_url)
        # A page of another kind is not a listing either.
        with pytest.raises(WrongPage, match="no entries"):
            read_listing(whole, listing_url, profile, pages.PAGE_SIZE, page_number=2)


def test_real_pages_that_speak_of_maintenance_and_errors_are_still_read(world):
    portal = world.portals["tuachua"]
    profile = get_profile(PROFILE_FOR_FAMILY[portal.spec.family])
    article = next(a for a in portal.live() if a.paragraphs)
    worded = type(article)(
        **{**article.__dict__, "title": "Bảo trì, nâng cấp hệ thống điện: không tìm thấy lỗi nào"}
    )
    record = parse_article(
        pages.render_article(portal, worded, random.Random(1), world),
        BASE + pages.article_path(worded),
        profile,
    )
    assert record.title == worded.title
    # A listing whose entries say the same is a listing.
    portal.articles.insert(0, worded)
    try:
        listing = read_listing(
            pages.render_listing(portal, 1, random.Random(1)),
            BASE + pages.listing_path("district", 1),
            profile,
            pages.PAGE_SIZE,
        )
        assert BASE + pages.article_path(worded) in listing.article_urls
    finally:
        portal.articles.remove(worded)


def test_a_page_past_the_end_of_the_list_is_the_end_not_a_failure(world):
    for portal in world.portals.values():
        family = portal.spec.family
        profile = get_profile(PROFILE_FOR_FAMILY[family])
        pages_in_list = -(-len(portal.live()) // pages.PAGE_SIZE)
        past = pages.render_listing(portal, pages_in_list + 1, random.Random(1))
        listing = read_listing(
            past,
            BASE + pages.listing_path(family, pages_in_list + 1),
            profile,
            pages.PAGE_SIZE,
            page_number=pages_in_list + 1,
        )
        assert listing.article_urls == ()
    # Without a pager, a page that says so ends the list; a bare page in the site's chrome does not.
    generic = get_profile("generic")
    said = "<html><body><div class='content'><p>Không có bài viết nào trong chuyên mục này.</p></div></body></html>"
    assert read_listing(said, BASE + "/tin?p=9", generic, 10, page_number=9).article_urls == ()
    with pytest.raises(WrongPage, match="not past the end"):
        read_listing(
            "<html><body><div class='content'></div><p>Trang chủ</p></body></html>",
            BASE + "/tin?p=9",
            generic,
            10,
            page_number=9,
        )


def test_failed_checks_come_back_at_the_next_run_then_after_hours_never_months():
    policy = RevisitPolicy()
    delays = [retry_delay(failed, policy) for failed in range(1, 10)]
    assert delays[0] == timedelta(0)
    assert delays[1] == timedelta(hours=policy.min_interval_hours)
    assert all(later >= earlier for earlier, later in zip(delays, delays[1:], strict=False))
    assert max(delays) == timedelta(hours=policy.retry_max_hours)
    # Within the budget, a failed check goes before any other due article, however overdue.
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def article(name: str, due: datetime, failed: int) -> ArticleSchedule:
        return ArticleSchedule(
            name,
            f"/a/{name}",
            "h",
            False,
            now - timedelta(days=400),
            now - timedelta(days=10),
            next_revisit_at=due,
            failed_checks=failed,
        )

    articles = [
        article("old", now - timedelta(days=30), 0),
        article("failed", now, 1),
        article("later", now + timedelta(hours=1), 2),
    ]
    budget = RevisitPolicy(budget=1)
    assert [a.article_id for a in due_for_revisit(articles, now, budget)] == ["failed"]
    assert [a.article_id for a in due_for_revisit(articles, now, policy)] == ["failed", "old"]


def test_a_redirect_to_another_page_is_not_the_article_unless_the_profile_reads_an_article_there(world):
    district = world.portals["tuachua"]
    profile = get_profile(PROFILE_FOR_FAMILY[district.spec.family])
    article = next(a for a in district.live() if a.paragraphs)
    url = BASE + pages.article_path(article)
    moved = BASE + "/tin-tuc/tieu-de-moi-" + str(article.id) + ".html"
    # A new address of the same article: the profile's rules read it there.
    own = pages.render_article(district, article, random.Random(1), world)
    assert parse_article(own, url, profile, moved).title == article.title
    assert parse_article(own, url, profile, url.replace("http:", "https:")).title == article.title
    # Another portal's page that only the generic extractor can read: without a redirect it is a
    # fallback record (the portal changed its template); after one, not the article asked for.
    commune = world.portals["xa-muong-dun"]
    elsewhere = pages.render_article(
        commune, next(a for a in commune.live() if a.paragraphs), random.Random(1), world
    )
    assert parse_article(elsewhere, url, profile).extraction == "fallback"
    with pytest.raises(WrongPage, match="not the article asked for: redirected to"):
        parse_article(elsewhere, url, profile, BASE + "/trang-chu.aspx?tab=1")


def test_listing_entries_in_a_sidebar_do_not_make_a_broken_page_a_listing():
    generic = get_profile("generic")
    sidebar = "".join(
        f'<h3><a href="/tin/{n}">Nâng cấp đường giao thông nông thôn bản {n}</a></h3>' for n in range(5)
    )
    broken = (
        f"<html><head><title>Cổng TTĐT xã</title></head><body><div class='content'><h2>Không tìm thấy trang</h2>"
        f"<p>Trang bạn yêu cầu không tồn tại.</p></div><div class='side'>{sidebar}</div></body></html>"
    )
    with pytest.raises(WrongPage, match="not a listing page: soft-404 page"):
        read_listing(broken, BASE + "/tin?p=2", generic, 10, page_number=2)
    listing = broken.replace("<h2>Không tìm thấy trang</h2><p>Trang bạn yêu cầu không tồn tại.</p>", "")
    assert len(read_listing(listing, BASE + "/tin?p=2", generic, 10, page_number=2).article_urls) == 5


@pytest.mark.parametrize("kind", PAGE_KINDS)
def test_an_answer_in_place_of_an_attached_file_is_not_the_file(world, kind):
    portal = world.portals["dcs-dienbien"]
    document = portal.documents[0]
    pdf = document_pdf(document)
    attachment = Attachment(pages.document_file_path("province", document), document.file_name, "pdf")
    assert file_problem(pdf, attachment) is None
    rng, variant = random.Random(1), 2
    instead = {
        "maintenance": pages.maintenance_page(portal, rng, variant),
        "soft_404": pages.soft_404_page(portal, rng, variant),
        "error_redirect": pages.error_page(portal, rng, variant),
        "empty": pages.EMPTY_BODIES[variant],
    }
    answer = pdf[: pages.cut_at(pdf, variant)] if kind == "cut" else instead[kind].encode()
    assert re.search(EXPECTED_FILE_REASON[kind], file_problem(answer, attachment))
