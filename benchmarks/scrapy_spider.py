"""The baseline: a plain Scrapy spider fetching the same pages, writing JSON lines.

Run by benchmarks/run.py in its own process: python scrapy_spider.py URLS_FILE OUT_FILE PER_HOST HOSTS
"""

from __future__ import annotations

import json
import sys
import time
from urllib.parse import urlsplit

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import TextResponse


class PagesSpider(scrapy.Spider):
    name = "pages"

    def __init__(self, urls_file: str, **kwargs):
        super().__init__(**kwargs)
        with open(urls_file, encoding="utf-8") as handle:
            self.page_urls = [line.strip() for line in handle if line.strip()]

    async def start(self):
        for url in self.page_urls:
            # One download slot per portal (host and port), as portalwatch has: the simulated
            # portals share 127.0.0.1, which Scrapy would otherwise treat as one domain.
            slot = urlsplit(url).netloc
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, meta={"download_slot": slot})

    def parse(self, response):
        if isinstance(response, TextResponse):
            yield {"url": response.url, "status": response.status, "body": response.text}
        else:  # the documents' PDFs: fetched like any page, counted like any page
            yield {"url": response.url, "status": response.status, "bytes": len(response.body)}


def main() -> None:
    urls_file, out_file, per_host, hosts = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    process = CrawlerProcess(
        settings={
            "FEEDS": {out_file: {"format": "jsonlines", "overwrite": True}},
            "CONCURRENT_REQUESTS": per_host * hosts,
            "CONCURRENT_REQUESTS_PER_DOMAIN": per_host,
            "DOWNLOAD_DELAY": 0,
            "ROBOTSTXT_OBEY": False,
            "LOG_LEVEL": "ERROR",
            "TELNETCONSOLE_ENABLED": False,
            "COOKIES_ENABLED": False,
            "RETRY_ENABLED": False,
        }
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    process.crawl(PagesSpider, urls_file=urls_file)
    process.start()
    # CPU time of the whole process (Scrapy starts no other) over the same span as the wall clock.
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds}))


if __name__ == "__main__":
    main()
