"""Backfill throughput and resumption: a generated dated archive of 10,000 articles on loopback
(tests/backfill_site.py: day listings, a sitemap index with <lastmod>, feed pages), backfilled end to end (archive
walk, fetch, extract, dedup, store) into a fresh store; then, into a second store, the same backfill stopped
midway by SIGTERM and resumed.

Prints pages/s (HTTP responses per second of the backfill process: archive and article pages) and articles/s, the
backfill process's peak RSS, and the refetches: URLs the server was asked for more than once over the stopped
run and its resumption (robots.txt aside: each process reads it once). Politeness limits are off for loopback.

    .venv/bin/python benchmarks/backfill.py [--articles 10000] [--kind sitemap|dated_listing|feed_pages]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from backfill_site import archive_pages, in_range  # noqa: E402
from loopback_site import Site  # noqa: E402
from onrecord.core.child import ChildRunner, ChildStopped  # noqa: E402
from onrecord.core.config import ArchiveConfig, SourceConfig, load_config  # noqa: E402
from onrecord.crawlers.archive.run import backfill  # noqa: E402
from onrecord.storage.db import open_store  # noqa: E402

FIRST, LAST = date(2022, 1, 1), date(2025, 6, 30)
TEMPLATES = {
    "sitemap": "/sitemap.xml",
    "dated_listing": "/archive/{date:%Y/%m/%d}/",
    "feed_pages": "/feed/page/{page}/",
}


class CountingPages(dict):
    """The site's pages, counting every request for each path."""

    def __init__(self, pages: dict) -> None:
        super().__init__(pages)
        self.hits: Counter[str] = Counter()
        self.lock = threading.Lock()

    def get(self, path, default=None):
        with self.lock:
            self.hits[path] += 1
        return super().get(path, default)

    def total(self) -> int:
        with self.lock:
            return sum(self.hits.values())


def config_for(site: Site, kind: str, db_path: str):
    archive = ArchiveConfig(kind=kind, url=site.url(TEMPLATES[kind]), link_selector="main h2 a")
    source = SourceConfig(
        id="archive", name="Archive", url=site.url("/feed/page/1/"), archive=archive, allow_private_addresses=True
    )
    base = load_config(REPO / "config.yaml")
    crawl = base.crawl.model_copy(update={"download_delay": 0.0, "autothrottle": False, "concurrent_per_domain": 16})
    config = base.with_sources([source]).with_storage_path(db_path).model_copy(update={"crawl": crawl})
    open_store(db_path).conn.close()
    return config


def stored(db_path: str) -> tuple[int, int]:
    db = open_store(db_path)
    try:
        return (
            db.execute("SELECT count(*) FROM articles").fetchone()[0],
            db.execute("SELECT count(DISTINCT canonical_url) FROM articles").fetchone()[0],
        )
    finally:
        db.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--kind", choices=sorted(TEMPLATES), default="sitemap")
    args = parser.parse_args()
    pages = CountingPages({})
    site = Site(pages)
    pages.update(archive_pages(site.url(""), args.articles, FIRST, LAST))
    wanted = len(in_range(args.articles, FIRST, LAST, FIRST, LAST))
    print(f"archive: {args.articles:,} articles {FIRST}..{LAST}, walked as {args.kind}; {len(pages):,} pages served")
    quiet = lambda line: None  # noqa: E731
    with tempfile.TemporaryDirectory() as tmp:
        config = config_for(site, args.kind, f"{tmp}/full.db")
        started = time.monotonic()
        full = backfill(config, "archive", FIRST, LAST, progress=quiet)
        wall = time.monotonic() - started
        articles, distinct = stored(f"{tmp}/full.db")
        print(
            f"full backfill: {full.requests:,} pages in {full.seconds:.1f} s = {full.pages_per_second:.0f} pages/s, "
            f"{articles / full.seconds:.0f} articles/s ({wall:.1f} s with process start); {articles:,} articles "
            f"stored of {wanted:,}; peak RSS {full.peak_rss_mb:.0f} MB (backfill process)"
        )
        per_page = 1000 * full.cpu_seconds / max(full.requests, 1)
        print(
            f"CPU: {per_page:.1f} ms per page (backfill process and extraction workers; load average "
            f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores) -> CPU-bound ceiling with the cores to ourselves "
            f"{1000 * (os.cpu_count() or 1) / per_page:.0f} pages/s (derived, not measured)"
        )

        pages.hits.clear()
        config = config_for(site, args.kind, f"{tmp}/resumed.db")
        runner = ChildRunner(stop_timeout=60)
        stop_at = pages.total() + wanted // 2

        def stop_midway() -> None:
            while pages.total() < stop_at:
                time.sleep(0.05)
            runner.stop_all()

        threading.Thread(target=stop_midway, daemon=True).start()
        try:
            backfill(config, "archive", FIRST, LAST, progress=quiet, runner=runner)
            print("the first run ended before it could be stopped")
        except ChildStopped:
            pass
        before, _ = stored(f"{tmp}/resumed.db")
        resumed = backfill(config, "archive", FIRST, LAST, progress=quiet)
        articles, distinct = stored(f"{tmp}/resumed.db")
        refetched = sorted(p for p, n in pages.hits.items() if n > 1 and p != "/robots.txt")
        print(
            f"stopped by SIGTERM with {before:,} articles stored; resumed: {resumed.requests:,} pages in "
            f"{resumed.seconds:.1f} s = {resumed.pages_per_second:.0f} pages/s, complete={resumed.complete}; "
            f"{articles:,} articles stored ({distinct:,} distinct URLs) of {wanted:,}"
        )
        print(
            f"refetches over the stopped run and its resumption: {len(refetched)}"
            + (f" {refetched[:5]}" if refetched else "")
        )


if __name__ == "__main__":
    main()
