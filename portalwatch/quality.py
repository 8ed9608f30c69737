"""How well the warehouse finds republications and resolves citations, against the simulator's truth.

A seeded simulated network is crawled into a fresh warehouse (the plain
stages, no Prefect), simulated time passes, and it is crawled again. The
``republications`` view is then compared with the simulator's truth on
(copy, original) pairs: a copy's original is the first article of its chain
of copies (``republished_from``, followed up) that the warehouse holds,
since that is the first publisher the view can know. The ``document_references``
resolved to a document are compared on (citing article, document) pairs.
``make quality`` prints precision and recall per republication kind, the
median error of the lag, and the citation figures.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from portalwatch.config import load_sources
from portalwatch.crawl import Revisit
from portalwatch.paths import raw_store_path
from portalwatch.pipeline import run_portal
from portalwatch.sim.process import SimulatorProcess
from portalwatch.sim.republish import KINDS
from portalwatch.storage.rawstore import RawStore
from portalwatch.storage.warehouse import Warehouse

FOUND_SQL = "SELECT url, original_url, lag_hours FROM republications"
RESOLVED_SQL = """
SELECT a.url, d.url
FROM document_references AS r
JOIN article_state AS a ON a.article_id = r.citing_id
JOIN (SELECT DISTINCT document_id, url FROM documents) AS d ON d.document_id = r.document_id
WHERE r.citing_type = 'article'
"""
NOT_A_COPY = "not a copy"  # the kind of a pair the view reports for an article that copies nothing


@dataclass
class Score:
    expected: int = 0  # pairs in the truth
    found: int = 0  # pairs the warehouse reports
    right: int = 0  # pairs in both

    @property
    def precision(self) -> float:
        return self.right / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.expected if self.expected else 1.0


@dataclass
class Quality:
    republications: dict[str, Score] = field(default_factory=dict)  # per kind, and NOT_A_COPY
    lag_errors: list[float] = field(default_factory=list)  # hours, per pair found right
    citations: Score = field(default_factory=Score)
    missed: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, copy URL, original URL)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, copy URL, reported original URL)

    @property
    def overall(self) -> Score:
        scores = self.republications.values()
        return Score(
            sum(s.expected for s in scores), sum(s.found for s in scores), sum(s.right for s in scores)
        )

    @property
    def median_lag_error(self) -> float | None:
        return statistics.median(self.lag_errors) if self.lag_errors else None


def expected_republications(truth: list[dict], held: set[str]) -> dict[str, tuple[str, str, float]]:
    """Copy URL -> (kind, original URL, lag in hours) for the copies the warehouse holds."""
    by_url = {row["url"]: row for row in truth}
    expected = {}
    for row in truth:
        if not row.get("republished_from") or row["url"] not in held:
            continue
        ancestors = []
        source = by_url.get(row["republished_from"])
        while source is not None:
            ancestors.append(source)
            source = by_url.get(source.get("republished_from") or "")
        first = next((a for a in reversed(ancestors) if a["url"] in held), None)
        if first is not None:
            lag = datetime.fromisoformat(row["published_at"]) - datetime.fromisoformat(first["published_at"])
            expected[row["url"]] = (row["republication_kind"], first["url"], lag.total_seconds() / 3600)
    return expected


def score_republications(truth: list[dict], found: list[tuple[str, str, float]], held: set[str]) -> Quality:
    expected = expected_republications(truth, held)
    quality = Quality(republications={kind: Score() for kind in (*KINDS, NOT_A_COPY)})
    for kind, _, _ in expected.values():
        quality.republications[kind].expected += 1
    reported = {}
    for copy_url, original_url, lag_hours in found:
        reported[copy_url] = original_url
        kind, original, lag = expected.get(copy_url, (NOT_A_COPY, None, None))
        score = quality.republications[kind]
        score.found += 1
        if original == original_url:
            score.right += 1
            if lag_hours is not None:
                quality.lag_errors.append(abs(lag_hours - lag))
        else:
            quality.wrong.append((kind, copy_url, original_url))
    quality.missed = [
        (kind, url, original) for url, (kind, original, _) in expected.items() if url not in reported
    ]
    return quality


def score_citations(truth: list[dict], resolved: set[tuple[str, str]], held: set[str]) -> Score:
    expected = {
        (row["url"], doc) for row in truth if row["url"] in held for doc in row.get("cited_documents", [])
    }
    return Score(len(expected), len(resolved), len(expected & resolved))


def crawl(config_path: Path, warehouse: Warehouse, revisit: Revisit) -> None:
    """One run over every portal with the plain stages: crawl them together, load each."""
    config = load_sources(config_path)
    # The configured raw store: $PORTALWATCH_RAW_DIR, else [settings.raw], else raw/ beside the warehouse.
    raw = RawStore(
        raw_store_path(warehouse.path, None, config.settings.raw.location), config.settings.raw.endpoint_url
    )
    run_id = warehouse.start_run("quality", {"revisit": str(revisit)})

    async def run_all():
        await asyncio.gather(
            *(run_portal(source, config, warehouse, raw, run_id, revisit) for source in config.select(None))
        )

    asyncio.run(run_all())
    warehouse.finish_run(run_id, "completed", {})


def measure(directory: Path, seed: int = 1, scale: float = 1.0, steps: int = 24) -> Quality:
    """Crawl a simulated network, let `steps` hours pass, crawl again; score the warehouse."""
    warehouse = Warehouse(directory / "warehouse.duckdb")
    warehouse.migrate()
    config = directory / "sources.toml"
    with SimulatorProcess(config, seed=seed, scale=scale) as sim:
        crawl(config, warehouse, Revisit.NONE)
        sim.advance(steps)
        crawl(config, warehouse, Revisit.ALL)
        truth = sim.truth()
    with duckdb.connect(str(warehouse.path), read_only=True) as con:
        con.execute("SET enable_progress_bar = false")
        held = {url for (url,) in con.execute("SELECT url FROM article_state").fetchall()}
        found = con.execute(FOUND_SQL).fetchall()
        resolved = set(con.execute(RESOLVED_SQL).fetchall())
    quality = score_republications(truth, found, held)
    quality.citations = score_citations(truth, resolved, held)
    return quality


def render(quality: Quality) -> str:
    lines = [
        f"{'republication kind':<20} {'copies':>6} {'found':>6} {'right':>6} {'precision':>9} {'recall':>7}"
    ]
    lines.append("-" * len(lines[0]))
    for kind, score in [*quality.republications.items(), ("all", quality.overall)]:
        recall = f"{score.recall:>7.3f}" if kind != NOT_A_COPY else f"{'':>7}"
        lines.append(
            f"{kind:<20} {score.expected:>6} {score.found:>6} {score.right:>6} {score.precision:>9.3f} {recall}"
        )
    error = quality.median_lag_error
    lines.append(
        f"median lag error: {'n/a' if error is None else f'{error:.2f} h'} over {len(quality.lag_errors)} copies"
    )
    citations = quality.citations
    lines.append(
        f"citations resolved: {citations.right} of {citations.expected} cited documents "
        f"(precision {citations.precision:.3f}, recall {citations.recall:.3f}; {citations.found} resolved in all)"
    )
    for title, pairs in (("missed", quality.missed), ("wrong", quality.wrong)):
        counts = Counter(kind for kind, _, _ in pairs)
        if counts:
            lines.append(
                f"{title}: " + ", ".join(f"{count} {kind}" for kind, count in sorted(counts.items()))
            )
    return "\n".join(lines)


def main() -> None:
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    with tempfile.TemporaryDirectory(prefix="portalwatch-quality-") as directory:
        print(render(measure(Path(directory), scale=scale)))


if __name__ == "__main__":
    main()
