"""The simulator's web archive answers as the Wayback Machine does, holds what the portal
no longer shows, and outlives a closed portal."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from portalwatch.archive.captures import payload_digest


@pytest.fixture
def archived(start_simulator):
    return start_simulator("archived", archive=True, archive_steps=48, closed=("tuachua",))


def cdx(sim, **params) -> list[list[str]]:
    response = httpx.get(f"{sim.archive_url}/cdx/search/cdx", params={"output": "json"} | params, timeout=30)
    response.raise_for_status()
    return response.json()


def test_cdx_pages_with_resume_keys_and_collapses_digests(archived):
    host = archived.base_urls["tuachua"].removeprefix("http://")
    everything = cdx(archived, url=f"{host}/*")
    assert everything[0] == ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
    rows = everything[1:]
    assert rows == sorted(rows, key=lambda row: (row[0], row[1]))

    paged, key = [], None
    while True:
        page = cdx(
            archived,
            url=f"{host}/",
            matchType="prefix",
            limit=7,
            showResumeKey="true",
            **({"resumeKey": key} if key else {}),
        )
        if page and page[-2] == []:
            key = page[-1][0]
            paged += page[1:-2]
            assert len(page[1:-2]) == 7
        else:
            paged += page[1:]
            break
    assert paged == rows

    collapsed = cdx(archived, url=f"{host}/*", collapse="digest")[1:]
    assert len(collapsed) < len(rows)
    assert all(a[5] != b[5] for a, b in zip(collapsed, collapsed[1:], strict=False) if a[0] == b[0])
    middle = sorted(row[1] for row in rows)[len(rows) // 2]
    later = cdx(archived, url=f"{host}/*", **{"from": middle[:10]})[1:]
    assert later and all(row[1] >= middle[:10] for row in later) and len(later) < len(rows)


def test_replay_gives_the_captured_bytes_and_the_live_host_is_gone(archived):
    host = archived.base_urls["tuachua"].removeprefix("http://")
    rows = cdx(archived, url=f"{host}/*")[1:]
    assert Counter(row[4] for row in rows).keys() >= {"200", "404", "302", "-"}
    for row in rows[:30]:
        replay = httpx.get(f"{archived.archive_url}/web/{row[1]}id_/{row[2]}", timeout=30)
        if row[4] in ("200", "-"):
            assert replay.status_code == 200 and payload_digest(replay.content) == f"sha1:{row[5]}"
        elif row[4] == "404":
            assert replay.status_code == 404
    with pytest.raises(httpx.TransportError):
        httpx.get(archived.base_urls["tuachua"] + "/", timeout=5)
    assert httpx.get(archived.base_urls["muongang"] + "/robots.txt", timeout=5).status_code == 200


def test_truth_lists_captures_including_versions_the_portal_no_longer_shows(archived):
    truth = [row for row in archived.truth() if row["source"] == "tuachua"]
    captured = [row for row in truth if row["captures"]]
    assert 0 < len(captured) < len(truth)  # gaps: not every article was captured
    assert any(
        capture["version"] < row["version"]
        for row in captured
        for capture in row["captures"]
        if capture["status"] == 200
    )
    assert any(row["removed"] and any(c["status"] in (404, 302) for c in row["captures"]) for row in captured)
    host = archived.base_urls["tuachua"].removeprefix("http://")
    rows = cdx(archived, url=f"{host}/*")[1:]
    shared = [row for row in rows if row[4] == "301"]
    assert shared and all("fbclid=" in row[2] for row in shared)  # shared links, redirected to the article
    assert len(rows) - len(shared) == sum(len(row["captures"]) for row in truth)
