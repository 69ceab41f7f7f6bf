"""The item pipeline: pages -> extracted, deduplicated Articles in the store; every fetch -> one `fetches` row.

Also the one place that logs a fetch problem: one line naming the source, the URL and the problem.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from dataclasses import replace

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from onrecord.core.config import Config
from onrecord.core.records import Article, Fetch
from onrecord.crawlers.dates import settle_date, zone_of
from onrecord.crawlers.dedup import from_bytes
from onrecord.crawlers.extract import Extraction, NotArticle
from onrecord.crawlers.items import FetchItem, PageItem
from onrecord.crawlers.urls import canonical_url
from onrecord.crawlers.work import extract_page
from onrecord.crawlers.worker_pool import WorkerDied, WorkerPool
from onrecord.crawlers.writer import BATCH_SECONDS, StoreFull, StoreWriter

log = logging.getLogger("onrecord.crawl")


def without_nul(text: str) -> str:
    """NUL is no character of any text an outlet publishes; kept, it cuts strings short in C tools and SQLite."""
    return text.replace("\x00", "")


def count(stats: StatsCollector, source: str, outcome: str) -> None:
    stats.inc_value(f"onrecord/source/{source}/{outcome}")


class PassResources:
    """What the spider and the pipeline of one pass share: the store writer and the extraction worker pool.

    Built by the spider inside the crawler process (never passed through Scrapy's settings, which hold
    plain data only); closed by the pass when the reactor has stopped.
    """

    def __init__(self, config: Config, db_path: str) -> None:
        self.writer = StoreWriter.open(config, db_path)
        # Extraction is CPU-bound: it runs in worker processes (one per core, started with the first page,
        # so a pass whose feeds are all unchanged starts none) while this process downloads and writes.
        self.pool = WorkerPool(max(1, os.cpu_count() or 1))

    def close(self) -> None:
        self.pool.close()
        self.writer.close()


class StorePipeline:
    def __init__(
        self, config: Config, resources: PassResources, stats: StatsCollector, crawler: Crawler | None = None
    ) -> None:
        self.config = config
        self.crawler = crawler
        self.stopping = False
        self._closing: asyncio.Future | None = None
        self._uncommitted: list[tuple[int, str, str]] = []  # (batch number, source, outcome) counted, not committed
        self.writer = resources.writer
        self.pool = resources.pool
        self.stats = stats
        self.agency_of = {s.id: s.name.split(" (")[0] for s in config.sources}
        self._flusher = LoopingCall(self.writer.flush_if_stale)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        from onrecord.crawlers.spiders.sources import SourceSpider  # the spider module imports this one

        spider = crawler.spider  # created before the pipelines: it built the pass's config and resources
        if not isinstance(spider, SourceSpider):
            raise TypeError(f"StorePipeline runs with a SourceSpider, not {type(spider).__name__}")
        return cls(spider.config, spider.resources, crawler.stats, crawler)

    def open_spider(self, spider=None) -> None:
        self._flusher.start(BATCH_SECONDS, now=False)

    def close_spider(self, spider=None) -> None:
        self._flusher.stop()
        with contextlib.suppress(StoreFull):  # already said, once
            self.writer.flush()

    async def process_item(self, item, spider=None):
        if self.writer.full is not None:  # nothing more can be stored: drop the item, downloading is stopping
            self.stats.inc_value("onrecord/not-stored")
            return item
        try:
            if isinstance(item, FetchItem) and item.fetch.outcome == "withdrawn":
                self._withdraw(item.fetch)
            elif isinstance(item, FetchItem):
                self._record(item.fetch)
            elif isinstance(item, PageItem):
                await self._store_page(item)
        except StoreFull as exc:
            self.stats.inc_value("onrecord/not-stored")
            self._stop(exc)
        return item

    def _stop(self, full: StoreFull) -> None:
        """The store is full: one line, then stop the pass (no more downloads); what was committed stays."""
        if self.stopping:
            return
        self.stopping = True
        lost = self.writer.batch.commits  # the batch rolled back: its items were counted but are not stored
        for batch, source, outcome in self._uncommitted:
            if batch == lost:
                self.stats.inc_value(f"onrecord/source/{source}/{outcome}", -1)
        self._uncommitted.clear()
        log.error("%s; stopping the crawl (free space, then crawl again: nothing committed is lost)", full)
        self.stats.set_value("onrecord/stopped", str(full))
        engine = self.crawler.engine if self.crawler is not None else None
        if engine is not None:
            self._closing = asyncio.ensure_future(engine.close_spider_async(reason="store full"))

    async def _extract(self, item: PageItem, source) -> tuple[Extraction | NotArticle, bytes | None]:
        options = {
            "default_language": source.language if source else self.config.nlp.default_language,
            "min_words": self.config.crawl.min_article_words,
            "own_agency": self.agency_of.get(item.source),
            "need_metadata": not (item.feed_title and item.feed_published),
            "parser": source.parser if source else None,
            "feed_text": item.feed_text,
        }
        return await self.pool.run(extract_page, item.html, item.final_url, options)

    def _record(self, fetch: Fetch) -> None:
        batch = self.writer.batch.commits  # the batch the write joins (it may commit inside the call)
        self.writer.record(fetch)
        self._count(fetch, batch)

    def _withdraw(self, fetch: Fetch) -> None:
        batch = self.writer.batch.commits
        if self.writer.withdraw(fetch):
            log.warning("%s: %s: withdrawn (%s); its claims are retired", fetch.source, fetch.url, fetch.error)
        self._count(fetch, batch)

    def _count(self, fetch: Fetch, batch: int) -> None:
        count(self.stats, fetch.source, fetch.outcome or "error")
        committed = self.writer.batch.commits
        if self._uncommitted and self._uncommitted[0][0] < committed:
            self._uncommitted = [entry for entry in self._uncommitted if entry[0] >= committed]
        self._uncommitted.append((batch, fetch.source, fetch.outcome or "error"))
        if fetch.outcome in ("error", "partial"):  # a malformed feed whose readable entries were kept
            log.warning("%s: %s: %s", fetch.source, fetch.url, fetch.error)
        elif fetch.outcome == "not-article":
            log.info("%s: %s: not an article: %s", fetch.source, fetch.url, fetch.error)

    async def _store_page(self, item: PageItem) -> None:
        source = self.config.source(item.source)
        fetch = Fetch(
            url=item.url,
            source=item.source,
            kind="page",
            status=item.status,
            etag=item.etag,
            last_modified=item.last_modified,
            bytes=item.bytes,
            final_url=item.final_url if item.final_url != item.url else None,
            error=f"{item.page_error}; stored the feed's text" if item.page_error else None,
        )
        if "html" not in item.content_type and "xml" not in item.content_type and item.content_type:
            self._record(replace(fetch, outcome="not-article", error=f"not an HTML page ({item.content_type})"))
            return
        try:
            result, signature = await self._extract(item, source)
        except WorkerDied as exc:  # recorded like a failed fetch: the next pass tries the page again
            self._record(replace(fetch, outcome="error", error=str(exc)))
            return
        if isinstance(result, NotArticle):
            self._record(replace(fetch, outcome="not-article", error=result.reason))
            return
        # With a feed date, only the page's own metadata date checks it; without one, any date found on the page.
        page = result.page_date if item.feed_published else (result.page_date or result.published)
        published, published_from = settle_date(item.feed_published, item.feed_stated, page, zone_of(item.source))
        article = Article.create(
            url=item.link,
            canonical_url=canonical_url(item.final_url),
            source=item.source,
            title=without_nul(result.title or item.feed_title),
            text=without_nul(result.text),
            published=published,
            published_from=published_from,
            language=result.language,
            via=result.via,
            speaks_for=source.speaks_for if source else None,
            final_url=item.final_url if item.final_url != item.link else None,
            text_source=result.text_source,
        )
        batch = self.writer.batch.commits
        outcome = self.writer.save(article, fetch, from_bytes(signature))
        self._count(replace(fetch, outcome=outcome), batch)
