"""The item pipeline: pages -> extracted, deduplicated Articles in the store; every fetch -> one `fetches` row.

Also the one place that logs a fetch problem: one line naming the source, the URL and the problem.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawlers.dedup import NearDuplicateIndex, signature
from crawlers.extract import Extraction, NotArticle, extract_article
from crawlers.items import FetchItem, PageItem
from crawlers.urls import canonical_url
from onrecord.config import Config
from onrecord.records import Article, Fetch
from storage.articles import article_by_hash, save_article
from storage.db import open_store, write_transaction
from storage.fetches import record_fetch
from storage.sources import sync_config

log = logging.getLogger("onrecord.crawl")


def count(stats: StatsCollector, source: str, outcome: str) -> None:
    stats.inc_value(f"onrecord/source/{source}/{outcome}")


class StorePipeline:
    def __init__(self, config: Config, db_path: str, stats: StatsCollector) -> None:
        self.config = config
        self.db_path = db_path
        self.stats = stats
        self.db = None
        self.index: NearDuplicateIndex | None = None
        self.agency_of = {s.id: s.name.split(" (")[0] for s in config.sources}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "StorePipeline":
        return cls(crawler.settings["ONRECORD_CONFIG"], crawler.settings["ONRECORD_DB_PATH"], crawler.stats)

    def open_spider(self, spider=None) -> None:
        # Extraction is CPU-bound: it runs in worker processes (one per core) while this process downloads
        # and writes; spawned, so the workers inherit no reactor state.
        self.pool = ProcessPoolExecutor(max_workers=max(1, os.cpu_count() or 1),
                                        mp_context=multiprocessing.get_context("spawn"))
        self.db = open_store(self.db_path)
        sync_config(self.db, self.config)
        self.index = NearDuplicateIndex.load(self.db, self.config.crawl.near_duplicate_threshold)

    def close_spider(self, spider=None) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.db is not None:
            self.db.conn.close()

    async def process_item(self, item, spider=None):
        if isinstance(item, FetchItem):
            self._record(item.fetch)
        elif isinstance(item, PageItem):
            await self._store_page(item)
        return item

    async def _extract(self, item: PageItem, source) -> Extraction | NotArticle:
        work = functools.partial(
            extract_article, item.html, item.final_url,
            default_language=source.language if source else self.config.nlp.default_language,
            min_words=self.config.crawl.min_article_words, own_agency=self.agency_of.get(item.source),
            need_metadata=not (item.feed_title and item.feed_published))
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    def _record(self, fetch: Fetch) -> None:
        record_fetch(self.db, fetch)
        count(self.stats, fetch.source, fetch.outcome or "error")
        if fetch.outcome in ("error", "partial"):
            log.warning("%s: %s: %s", fetch.source, fetch.url, fetch.error)
        elif fetch.outcome == "not-article":
            log.info("%s: %s: not an article: %s", fetch.source, fetch.url, fetch.error)

    async def _store_page(self, item: PageItem) -> None:
        source = self.config.source(item.source)
        fetch = Fetch(url=item.url, source=item.source, kind="page", status=item.status, etag=item.etag,
                      last_modified=item.last_modified, bytes=item.bytes,
                      final_url=item.final_url if item.final_url != item.url else None)
        if "html" not in item.content_type and "xml" not in item.content_type and item.content_type:
            self._record(replace(fetch, outcome="not-article", error=f"not an HTML page ({item.content_type})"))
            return
        result = await self._extract(item, source)
        if isinstance(result, NotArticle):
            self._record(replace(fetch, outcome="not-article", error=result.reason))
            return
        article = Article.create(
            url=item.link, canonical_url=canonical_url(item.final_url), source=item.source,
            title=result.title or item.feed_title, text=result.text,
            published=item.feed_published or result.published, language=result.language, via=result.via,
            speaks_for=source.speaks_for if source else None,
            final_url=item.final_url if item.final_url != item.link else None)
        self._save(article, fetch)

    def _save(self, article: Article, fetch: Fetch) -> None:
        minhash = signature(article.text)
        with write_transaction(self.db):
            previous = self.db.execute("SELECT content_hash, dup_of FROM articles WHERE id = ?",
                                       [article.id]).fetchone()
            if previous and previous[0] == article.content_hash:
                outcome, dup_of = "unchanged", previous[1]
            else:
                dup_of = self._original_of(article, minhash)
                outcome = "duplicate" if dup_of else ("updated" if previous else "new")
            article = replace(article, dup_of=dup_of)
            save_article(self.db, article)
            self.index.remember(self.db, article.id, minhash, dup_of)
            self._record(replace(fetch, outcome=outcome))

    def _original_of(self, article: Article, minhash) -> str | None:
        """The stored article this one copies: same text exactly, else nearly the same (MinHash)."""
        same = article_by_hash(self.db, article.content_hash)
        if same and same != article.id:
            row = self.db.execute("SELECT dup_of FROM articles WHERE id = ?", [same]).fetchone()
            return (row[0] if row and row[0] else same)
        return self.index.find(article.id, minhash)
