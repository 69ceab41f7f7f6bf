"""Crawl throughput: 5,000 article pages behind 50 feeds on loopback, crawled end to end (fetch, extract,
dedup, store) into a fresh database; then a second pass over the unchanged feeds.

Prints pages/second, the CPU time per page of the crawling process, its extraction workers and the loopback
server (a steadier figure than wall time on a shared machine), the crawler process's peak RSS, and the
article refetches of the second pass.
Politeness limits are off for loopback (no delay, no AutoThrottle, high per-domain concurrency).

    .venv/bin/python benchmarks/crawl.py [--pages 5000] [--feeds 50]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from loopback_site import Site  # noqa: E402
from onrecord.core.config import SourceConfig, load_config  # noqa: E402
from onrecord.crawlers.run import crawl  # noqa: E402

VOCABULARY = (
    "prisoner exchange list delegation ministry statement talks ceasefire officials families border "
    "memorandum stage round mediators spokesman kremlin kyiv moscow istanbul bodies verification "
    "returned civilians soldiers humanitarian agreement proposal response deadline convoy"
).split()


def article(i: int, rng: random.Random) -> bytes:
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(VOCABULARY) for _ in range(60)) + f" (item {i}).</p>" for _ in range(7)
    )
    nav = "".join(f"<li><a href='/section/{k}'>Section {k}</a></li>" for k in range(30))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Report {i}</title></head><body>"
        f"<header><ul>{nav}</ul></header><article><h1>Report {i} on the exchange</h1>"
        f"<time datetime='2025-05-23'>23 May 2025</time>{paragraphs}</article>"
        f"<footer>© Benchmark outlet</footer></body></html>"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=5000)
    parser.add_argument("--feeds", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(7)
    pages = {f"/p/{i}": (article(i, rng), "text/html; charset=utf-8") for i in range(args.pages)}
    site = Site(pages)
    per_feed = args.pages // args.feeds
    for f in range(args.feeds):
        items = "".join(
            f"<item><title>Report {i}</title><link>{escape(site.url(f'/p/{i}'))}</link>"
            f"<pubDate>Fri, 23 May 2025 10:00:00 GMT</pubDate></item>"
            for i in range(f * per_feed, (f + 1) * per_feed)
        )
        pages[f"/feed/{f}.xml"] = (
            f"<?xml version='1.0'?><rss version='2.0'><channel><title>Feed {f}</title>{items}</channel></rss>".encode(),
            "application/rss+xml",
        )
    pages["/robots.txt"] = (b"User-agent: *\nAllow: /\n", "text/plain")
    config = load_config(REPO / "config.yaml")
    sources = [
        SourceConfig(id=f"feed{f}", name=f"Feed {f}", url=site.url(f"/feed/{f}.xml"), allow_private_addresses=True)
        for f in range(args.feeds)
    ]
    db_path = Path(tempfile.mkdtemp()) / "crawl-bench.db"
    config = (
        config.with_sources(sources)
        .with_storage_path(str(db_path))
        .model_copy(
            update={
                "crawl": config.crawl.model_copy(
                    update={
                        "download_delay": 0.0,
                        "autothrottle": False,
                        "concurrent_per_domain": 64,
                        "concurrent_requests": 64,
                    }
                )
            }
        )
    )
    hits_before = [0]
    counter = site.RequestHandlerClass.do_GET

    def counting(handler):  # count article-page requests
        if handler.path.startswith("/p/"):
            hits_before[0] += 1
        counter(handler)

    site.RequestHandlerClass.do_GET = counting

    started, server_cpu = time.perf_counter(), time.process_time()
    first = crawl(config, force=True, progress=lambda line: None)
    elapsed, server_cpu = time.perf_counter() - started, time.process_time() - server_cpu
    stored = first.new_articles
    print(
        f"first pass: {stored} articles stored of {args.pages} pages, {args.feeds} feeds, {elapsed:.1f}s "
        f"end to end -> {stored / elapsed:.0f} pages/s (incl. process start-up)"
    )
    cpu = first.cpu_seconds
    print(
        f"CPU: crawler process {cpu.get('crawler', 0):.1f}s, extraction workers {cpu.get('workers', 0):.1f}s, "
        f"loopback server {server_cpu:.1f}s -> {sum(cpu.values()) / max(stored, 1) * 1000:.1f} ms of crawl CPU "
        f"per page (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    if stored and cpu.get("crawler"):  # the crawling process is one thread; the rest spreads over the cores
        ceiling = min(stored / cpu["crawler"], stored * (os.cpu_count() or 1) / (sum(cpu.values()) + server_cpu))
        print(
            f"CPU-bound ceiling with the cores to ourselves: {ceiling:.0f} pages/s (derived from the CPU times, "
            f"not measured)"
        )
    print(
        f"peak RSS: crawler process {first.peak_rss_mb:.0f} MB, "
        f"benchmark process {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )
    refetch_start = hits_before[0]
    started = time.perf_counter()
    second = crawl(config, force=True, progress=lambda line: None)
    print(
        f"second pass: {time.perf_counter() - started:.1f}s, {hits_before[0] - refetch_start} article refetches, "
        f"{second.total('not-modified')} feeds not modified, {second.new_articles} new articles"
    )


if __name__ == "__main__":
    main()
