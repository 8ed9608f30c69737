"""`portalwatch probe` on a file and on a simulator URL."""

from __future__ import annotations

import json
import random

import httpx
from typer.testing import CliRunner

from portalwatch.cli import app
from portalwatch.sim import pages
from portalwatch.sim.world import World

runner = CliRunner()


def test_probe_a_file_shows_fields_rules_and_warnings(tmp_path):
    world = World(seed=3, scale=0.03)
    portal = world.portals["tuachua"]
    article = portal.live()[0]
    page = tmp_path / "page.html"
    page.write_text(pages.render_article(portal, article, random.Random(1), world), encoding="utf-8")

    shown = runner.invoke(app, ["probe", str(page)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    assert "profile 'district_portal' chosen" in shown.output
    assert "css 'h2.news-title'" in shown.output and "published_at" in shown.output
    assert "view_count: no counter found" in shown.output  # district portals show no counter

    as_json = runner.invoke(app, ["probe", str(page), "--json"])
    record = json.loads(as_json.stdout)
    assert record["title"] == article.title and record["body_text"] == "\n\n".join(article.paragraphs)
    assert record["published_at"] == article.published_at.isoformat() + "+07:00"
    assert (
        record["view_count"] is None and record["profile"] == "district_portal" and record["failure"] is None
    )
    assert record["rules"]["title"] == "css 'h2.news-title'"

    generic = json.loads(runner.invoke(app, ["probe", str(page), "--profile", "generic", "--json"]).stdout)
    assert (
        generic["extraction"] == "fallback"
        and generic["title"] == article.title
        and 0 < generic["confidence"] <= 1
    )


def test_probe_a_simulator_url_and_a_page_that_is_not_an_article(sim, tmp_path):
    truth = next(row for row in sim.truth() if row["source"] == "dcs-dienbien" and not row["removed"])
    result = runner.invoke(app, ["probe", truth["url"], "--json"])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert (record["title"], record["published_at"]) == (truth["title"], truth["published_at"])
    assert record["view_count"] > 0 and record["author"]

    document = httpx.get(f"{sim.control_url}/_sim/documents", timeout=30).json()[0]
    parsed = json.loads(runner.invoke(app, ["probe", document["url"], "--json"]).stdout)
    assert (
        parsed["page_kind"] == "document"
        and parsed["kind"] == document["kind"]
        and parsed["number"] == document["number"]
        and parsed["signer"] == document["signer"]
    )

    missing = tmp_path / "404.html"
    missing.write_text(
        "<html><head><title>404 - Không tìm thấy bài viết</title></head><body><h1>404</h1></body></html>"
    )
    failed = runner.invoke(app, ["probe", str(missing)])
    assert (
        failed.exit_code == 1
        and "not recorded" in failed.output
        and "not an article: soft-404 page" in failed.output
    )

    unreadable = runner.invoke(app, ["probe", str(tmp_path / "nowhere.html")])
    assert unreadable.exit_code == 2 and "nowhere.html" in unreadable.output


def test_a_profile_that_finds_the_page_but_cannot_read_it_yields_to_the_generic_reader(tmp_path):
    """A page of a CMS no profile knows, whose article box shares its class with a known profile's
    ('div.news-detail'): probe names that profile and why it refused, and reads the page with the
    generic reader instead of stopping there."""
    paragraph = (
        "<p>Sáng 1/12, tại xã Mường Ảng, Sở Nông nghiệp tổ chức hội nghị đầu bờ đánh giá mô hình cà phê.</p>"
    )
    page = tmp_path / "liferay.html"
    page.write_text(
        f"""<html><head><title>Điện Biên triển khai thu hoạch cà phê niên vụ 2026</title></head><body>
        <div class="journal-content-article"><div class="news-detail">
        <h1 class="asset-title">Điện Biên triển khai thu hoạch cà phê niên vụ 2026</h1>
        <div class="info-detail">01/12/2026 - 08:30</div><div class="body">{paragraph * 4}</div></div></div></body></html>""",
        encoding="utf-8",
    )
    shown = runner.invoke(app, ["probe", str(page), "--json"])
    assert shown.exit_code == 0, shown.output
    record = json.loads(shown.stdout)
    assert record["profile"] == "generic" and record["failure"] is None
    assert record["title"] == "Điện Biên triển khai thu hoạch cà phê niên vụ 2026"
    assert record["published_at"] == "2026-12-01T08:30:00+07:00"
    assert any(
        note.startswith("profile 'district_portal' finds an article here but cannot read it: no title")
        for note in record["notes"]
    ), record["notes"]
    table = runner.invoke(app, ["probe", str(page)], terminal_width=400)
    assert "profile 'district_portal' finds an article here but cannot read it" in table.output
    assert "profile generic" in table.output
