"""Extraction quality on real news pages: serve shared/corpus/article-extraction-benchmark from loopback,
crawl it through the real path (Scrapy -> pipeline -> store), and score the stored text against the
ground-truth bodies with token-level precision, recall and F1 (lower-cased word tokens, bag of words).

    .venv/bin/python benchmarks/extraction_quality.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
from collections import Counter
from html import escape
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from loopback_site import Site  # noqa: E402
from onrecord.core.config import SourceConfig, load_config  # noqa: E402
from onrecord.crawlers.run import crawl  # noqa: E402
from onrecord.storage.db import open_store  # noqa: E402

CORPUS = REPO.parent / "shared" / "corpus" / "article-extraction-benchmark"


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", (text or "").lower()))


def score(predicted: str, truth: str) -> tuple[float, float, float]:
    p, g = tokens(predicted), tokens(truth)
    if not p or not g:
        return (1.0, 1.0, 1.0) if not p and not g else (0.0, 0.0, 0.0)
    hit = sum((p & g).values())
    precision, recall = hit / sum(p.values()), hit / sum(g.values())
    return precision, recall, (2 * precision * recall / (precision + recall) if hit else 0.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    truth = json.loads((CORPUS / "ground-truth.json").read_text())
    keys = sorted(truth)[: args.limit]
    pages = {f"/p/{k}": (gzip.decompress((CORPUS / "html" / f"{k}.html.gz").read_bytes()), "text/html") for k in keys}
    site = Site(pages)
    items = "".join(f"<item><title>{k}</title><link>{escape(site.url('/p/' + k))}</link></item>" for k in keys)
    pages["/feed.xml"] = (
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>bench</title>{items}</channel></rss>".encode(),
        "application/rss+xml",
    )
    db_path = Path(tempfile.mkdtemp()) / "extraction.db"
    config = load_config(REPO / "config.yaml")
    config = config.with_sources(
        [SourceConfig(id="bench", name="Benchmark", url=site.url("/feed.xml"), allow_private_addresses=True)]
    )
    config = config.with_storage_path(str(db_path)).model_copy(
        update={
            "crawl": config.crawl.model_copy(
                update={
                    "download_delay": 0.0,
                    "autothrottle": False,
                    "concurrent_per_domain": 16,
                    "obey_robots": False,
                    "near_duplicate_threshold": 1.0,
                }
            )
        }
    )
    crawl(config, force=True, progress=lambda line: None)
    db = open_store(db_path)
    stored = {
        row[0].rsplit("/", 1)[-1]: row[1]
        for row in db.execute(
            "SELECT u.url, a.text FROM articles a JOIN article_urls u ON u.article_id = a.id AND u.kind = 'link'"
        )
    }
    rejected = {
        row[0].rsplit("/", 1)[-1]: row[1]
        for row in db.execute("SELECT url, error FROM fetches WHERE outcome = 'not-article'")
    }
    scores = [score(stored.get(k, ""), truth[k]["articleBody"]) for k in keys]
    n = len(scores)
    mean = [sum(s[i] for s in scores) / n for i in range(3)]
    print(f"pages: {n}, stored as articles: {len(stored)}, kept out as not articles: {len(rejected)}")
    for key, reason in sorted(rejected.items())[:10]:
        print(f"  not stored: {key[:16]}…: {reason}")
    print(f"mean precision {mean[0]:.4f}  recall {mean[1]:.4f}  F1 {mean[2]:.4f}  (target F1 >= 0.95)")


if __name__ == "__main__":
    main()
