"""Crawl memory against store size: the crawler process's peak RSS for one pass of 50 new articles on loopback,
into stores already holding 0, 20,000 and 100,000 articles with near-duplicate signatures (made up here,
written through storage/, in a temporary folder).

The pass checks every new article for near-duplicates: the stored signatures are looked up by their LSH bands
per article (crawlers/dedup.py), so the crawler's own memory should not grow with the store. (Before, every
pass loaded every signature: 151 / 402 / 1,241 MB peak RSS for 0 / 20k / 100k articles.) Printed: the peak RSS
(ru_maxrss), and, sampled, its two parts: the process's own memory and the pages of the memory-mapped store
file it touched (page cache: shared, reclaimable; the full-text index's merges on insert touch more of a
bigger store).

    .venv/bin/python benchmarks/crawl_memory.py [--sizes 0,20000,100000] [--pages 50]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "benchmarks"))
sys.path.insert(0, str(REPO / "tests"))

from crawl_helpers import article_html, rss  # noqa: E402
from loopback_site import Site  # noqa: E402
from onrecord.core.config import SourceConfig, load_config  # noqa: E402
from onrecord.core.records import Article  # noqa: E402
from onrecord.crawlers.dedup import NUM_PERM  # noqa: E402
from onrecord.crawlers.run import crawl  # noqa: E402
from onrecord.storage.articles import save_article  # noqa: E402
from onrecord.storage.db import open_store, write_transaction  # noqa: E402
from onrecord.storage.minhash import save_signature  # noqa: E402

WORDS = "exchange list talks ministry border convoy envoy statement delegation families river station".split()


def fill(db_path: Path, count: int, rng: random.Random) -> None:
    """`count` stored articles, each with ~1.5 KB of text and a random signature (what a signature costs)."""
    db = open_store(db_path)
    done = 0
    while done < count:
        with write_transaction(db):
            for i in range(done, min(count, done + 5000)):
                text = " ".join(rng.choice(WORDS) for _ in range(200)) + f" stored article {i}."
                url = f"https://old.example.org/{i}"
                article = Article.create(url=url, canonical_url=url, source="old", title=f"Old {i}", text=text)
                save_article(db, article)
                values = np.frombuffer(rng.randbytes(NUM_PERM * 4), dtype=np.uint32).astype(np.uint64)
                save_signature(db, article.id, values.tobytes())
        done = min(count, done + 5000)
    db.conn.close()


class Sampler(threading.Thread):
    """Samples the crawler process's private (RssAnon) and mapped-file (RssFile) resident memory every 20 ms.

    The store is memory-mapped (storage/db.py: mmap_size), so the file pages a pass touches count in its RSS;
    they are the kernel's page cache, shared and dropped under pressure. RssAnon is the process's own memory:
    the signatures a pass used to load lived there."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = {"RssAnon": 0, "RssFile": 0}
        self.done = threading.Event()

    def run(self) -> None:
        me = os.getpid()
        while not self.done.is_set():
            for task in Path(f"/proc/{me}/task").iterdir():
                for child in (task / "children").read_text().split():
                    self._sample(child)
            time.sleep(0.02)

    def _sample(self, pid: str) -> None:
        try:
            if b"onrecord.crawlers.run" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                return
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for key in self.peak:
            if f"{key}:" in status:
                self.peak[key] = max(self.peak[key], int(status.split(f"{key}:")[1].split()[0]) // 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0,20000,100000")
    parser.add_argument("--pages", type=int, default=50)
    args = parser.parse_args()
    config = load_config(REPO / "config.yaml")
    print(
        f"{'stored articles':>16} {'store MB':>9} {'fill s':>7} {'peak RSS MB':>14} {'own (anon) MB':>14} "
        f"{'mapped file MB':>14} {'new':>5}"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(size)
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "store.db"
            started = time.monotonic()
            fill(db_path, size, rng)
            filled = time.monotonic() - started
            pages: dict[str, tuple[bytes, str]] = {}
            site = Site(pages)
            for i in range(args.pages):
                pages[f"/p/{i}"] = (article_html(f"New report {i}", 1000 + i).encode(), "text/html; charset=utf-8")
            links = [(site.url(f"/p/{i}"), f"New report {i}") for i in range(args.pages)]
            pages["/feed.xml"] = (rss(links), "application/rss+xml")
            source = SourceConfig(id="new", name="New", url=site.url("/feed.xml"), allow_private_addresses=True)
            crawl_settings = {"download_delay": 0.0, "autothrottle": False, "concurrent_per_domain": 16}
            cfg = (
                config.with_sources([source])
                .with_storage_path(str(db_path))
                .model_copy(update={"crawl": config.crawl.model_copy(update=crawl_settings)})
            )
            sampler = Sampler()
            sampler.start()
            summary = crawl(cfg, force=True, progress=lambda line: None)
            sampler.done.set()
            sampler.join()
            site.shutdown()
            store_mb = db_path.stat().st_size / 1e6
            anon, mapped = sampler.peak["RssAnon"], sampler.peak["RssFile"]
            print(
                f"{size:>16,} {store_mb:>9.0f} {filled:>7.0f} {summary.peak_rss_mb:>14.0f} {anon:>14} {mapped:>14}"
                f" {summary.new_articles:>5}"
            )


if __name__ == "__main__":
    main()
