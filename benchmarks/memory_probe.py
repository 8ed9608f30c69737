"""Run one backfill in this process and print its page count and peak RSS (JSON)."""

from __future__ import annotations

import asyncio
import json
import resource
import sys

from portalwatch.flows.backfill import backfill


def main() -> None:
    config, warehouse = sys.argv[1], sys.argv[2]
    summary = asyncio.run(backfill(config_path=config, warehouse=warehouse))
    pages = sum(p.get("fetched", 0) + p.get("listing_pages", 0) for p in summary["portals"].values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"pages": pages, "peak_rss_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
