"""WARC out and in: what a crawl stored, as WARC 1.1 that warcio reads back with its digests
checked, and an import of those files into a fresh warehouse that gives the same versions."""

from __future__ import annotations

import hashlib
from collections import Counter

import duckdb
from crawling import crawl_into, politeness, query, raw_folder
from typer.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from portalwatch.archive.captures import payload_digest
from portalwatch.cli import app
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

VERSIONS_SQL = """
SELECT article_id, version, content_hash, url, title, published_at, body_text, valid_from, valid_to, parser_version
FROM article_versions ORDER BY article_id, version
"""


def crawled_history(sim, tmp_path, warehouse):
    """Two crawls of two portals with edits and removals between them."""
    config = sim.write_sources(
        tmp_path / "sources.toml", politeness=politeness(), portals=["xa-tua-thang", "muongang"]
    )
    for source_id in ("xa-tua-thang", "muongang"):
        crawl_into(config, source_id, warehouse)
    sim.advance(30)
    for source_id in ("xa-tua-thang", "muongang"):
        crawl_into(config, source_id, warehouse, revisit="all")
    return config


def read_warcs(files):
    records = []
    for path in sorted(files):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests="raise"):
                body = record.content_stream().read()
                records.append((path, record, body))
    return records


def test_export_writes_warc_that_reads_back_with_digests_checked(sim, tmp_path, warehouse):
    crawled_history(sim, tmp_path, warehouse)
    out = tmp_path / "warc"
    result = CliRunner().invoke(
        app, ["export", "warc", str(out), "-w", str(warehouse.path), "--max-file-mb", "0.2"]
    )
    assert result.exit_code == 0, result.output

    files = sorted(out.glob("*.warc.gz"))
    assert len(files) >= 2, "the export rolls over to a new file at the size limit"
    assert all(path.stat().st_size < 200_000 + 300_000 for path in files)
    records = read_warcs(files)
    stored = query(
        warehouse,
        "SELECT url, raw_hash, fetched_at FROM fetches WHERE raw_hash IS NOT NULL ORDER BY fetched_at",
    )

    by_file = Counter(path for path, _, _ in records)
    firsts = {}
    for path, record, _ in records:
        firsts.setdefault(path, record)
        assert record.rec_headers.protocol == "WARC/1.1"
    assert all(first.rec_type == "warcinfo" for first in firsts.values()) and set(firsts) == set(by_file)

    payloads = [(record, body) for _, record, body in records if record.rec_type in ("response", "revisit")]
    assert len(payloads) == len(stored), "one response or revisit record per stored fetch"
    assert sum(1 for _, record, _ in records if record.rec_type == "request") == len(stored)
    first_seen: dict[str, tuple[str, str]] = {}
    for (record, body), (url, raw_hash, _) in zip(payloads, stored, strict=False):
        headers = record.rec_headers
        assert headers.get_header("WARC-Target-URI") == url
        if record.rec_type == "response":
            assert hashlib.sha256(body).hexdigest() == raw_hash
            assert headers.get_header("WARC-Payload-Digest") == payload_digest(body)
            assert raw_hash not in first_seen
            first_seen[raw_hash] = (headers.get_header("WARC-Payload-Digest"), url)
        else:
            assert (
                headers.get_header("WARC-Profile")
                == "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
            )
            digest, original_url = first_seen[raw_hash]
            assert headers.get_header("WARC-Payload-Digest") == digest
            assert headers.get_header("WARC-Refers-To-Target-URI") == original_url
    kinds = Counter(record.rec_type for record, _ in payloads)
    assert kinds["revisit"] > 0 and kinds["response"] > 0  # robots.txt, unchanged pages: the same bytes again

    only = tmp_path / "only"
    result = CliRunner().invoke(
        app, ["export", "warc", str(only), "-w", str(warehouse.path), "-s", "muongang"]
    )
    assert result.exit_code == 0, result.output
    urls = {
        record.rec_headers.get_header("WARC-Target-URI")
        for _, record, _ in read_warcs(only.glob("*.warc.gz"))
        if record.rec_type == "response"
    }
    assert urls and all(url.startswith(sim.base_urls["muongang"]) for url in urls)


def test_export_then_import_into_a_fresh_warehouse_gives_the_same_versions(sim, tmp_path, warehouse):
    config = crawled_history(sim, tmp_path, warehouse)
    out = tmp_path / "warc"
    assert CliRunner().invoke(app, ["export", "warc", str(out), "-w", str(warehouse.path)]).exit_code == 0
    fresh = Warehouse(tmp_path / "fresh" / "warehouse.duckdb")

    files = [str(path) for path in sorted(out.glob("*.warc.gz"))]
    result = CliRunner().invoke(app, ["import", "warc", *files, "-c", str(config), "-w", str(fresh.path)])
    assert result.exit_code == 0, result.output
    original, imported = query(warehouse, VERSIONS_SQL), query(fresh, VERSIONS_SQL)
    assert len(original) > 50 and any(row[1] > 1 for row in original)
    assert imported == original
    removed = "SELECT article_id FROM article_state WHERE removed_at IS NOT NULL ORDER BY 1"
    assert query(fresh, removed) == query(warehouse, removed) and query(warehouse, removed)
    assert query(fresh, "SELECT DISTINCT via FROM fetches") == [("warc",)]

    again = CliRunner().invoke(app, ["import", "warc", *files, "-c", str(config), "-w", str(fresh.path)])
    assert again.exit_code == 0, again.output
    assert query(fresh, VERSIONS_SQL) == original
    assert query(fresh, "SELECT count(*) FROM changes WHERE run_id = (SELECT max(run_id) FROM runs)") == [
        (0,)
    ]


def test_import_of_a_file_that_is_not_warc_names_it(tmp_path, warehouse, sim):
    bogus = tmp_path / "bogus.warc.gz"
    bogus.write_bytes(b"this is not a WARC file\n" * 10)
    result = CliRunner().invoke(
        app, ["import", "warc", str(bogus), "-c", str(sim.config_path), "-w", str(warehouse.path)]
    )
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert "bogus.warc.gz" in said and "not a readable WARC file" in said
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_versions").fetchone() == (0,)


def test_export_and_import_take_the_raw_store_named_by_raw_dir(sim, tmp_path, warehouse):
    config = sim.write_sources(tmp_path / "sources.toml", politeness=politeness(), portals=["muongang"])
    elsewhere = tmp_path / "elsewhere" / "raw"
    crawl_into(config, "muongang", warehouse, raw=RawStore(elsewhere))
    assert not raw_folder(warehouse).exists()

    missing = CliRunner().invoke(app, ["export", "warc", str(tmp_path / "a"), "-w", str(warehouse.path)])
    assert missing.exit_code == 1 and "missing from the raw store" in missing.output, missing.output
    out = tmp_path / "b"
    found = CliRunner().invoke(
        app, ["export", "warc", str(out), "-w", str(warehouse.path), "--raw-dir", str(elsewhere)]
    )
    assert found.exit_code == 0, found.output
    files = [str(path) for path in sorted(out.glob("*.warc.gz"))]
    stored = query(warehouse, "SELECT count(*) FROM fetches WHERE raw_hash IS NOT NULL")[0][0]
    assert (
        stored > 10
        and sum(1 for _, r, _ in read_warcs(out.glob("*.warc.gz")) if r.rec_type == "request") == stored
    )

    fresh, kept = Warehouse(tmp_path / "fresh" / "warehouse.duckdb"), tmp_path / "kept"
    result = CliRunner().invoke(
        app, ["import", "warc", *files, "-c", str(config), "-w", str(fresh.path), "--raw-dir", str(kept)]
    )
    assert result.exit_code == 0, result.output
    bodies = {
        row[0] for row in query(fresh, "SELECT DISTINCT raw_hash FROM fetches WHERE raw_hash IS NOT NULL")
    }
    assert bodies and bodies <= RawStore(kept).hashes()
    assert not raw_folder(fresh).exists()
