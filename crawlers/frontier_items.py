"""Results of frontier pages, through Redis to the one writer: fetchers push, the coordinator drains and stores.

A fetcher stores nothing: each page it fetched (or failed to) becomes one JSON record on the RESULTS list. The
coordinator, the crawl pass on the machine of the store, takes them off and stores them through the same
pipeline as its own pages (extraction, dedup against the store, fetch rows), so the store keeps one writer and
dedups as it always has. It also keeps the pass's account: the pages sent to the frontier and not yet back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
import time
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.core.records import Fetch
from onrecord.crawlers.frontier import PASS, PASS_LEASE_SECONDS, REQUESTS, RESULTS, SEEN, shown_url
from onrecord.crawlers.items import FetchItem, PageItem
from onrecord.crawlers.pipelines import PassResources, StorePipeline

log = logging.getLogger("onrecord.crawl")
DRAIN_SECONDS = 0.1  # how often the coordinator takes results off the list
DRAIN_AT_ONCE = 32  # the most results taken (and stored concurrently) at a time


@dataclass
class Result:
    """The one result of a frontier page: its key (from frontier_scheduler) and what the spider made of it."""

    key: str
    item: FetchItem | PageItem


def encode(result: Result) -> str:
    if isinstance(result.item, FetchItem):
        return json.dumps({"key": result.key, "fetch": dataclasses.asdict(result.item.fetch)})
    return json.dumps({"key": result.key, "page": dataclasses.asdict(result.item)})


def decode(text: str | bytes) -> Result:
    record = json.loads(text)
    if "fetch" in record:
        return Result(record["key"], FetchItem(Fetch(**record["fetch"])))
    return Result(record["key"], PageItem(**record["page"]))


class FrontierPass:
    """The coordinator's hold on the frontier for one pass: the PASS lease (one coordinator at a time; fetchers
    work while it is there), a clean frontier at the start and the end, and the pages still out."""

    def __init__(self, client: Any, url: str, stall_seconds: float) -> None:
        self.redis = client
        self.url = url
        self.stall_seconds = stall_seconds
        self.out: set[str] = set()
        self.last_progress = time.monotonic()
        self.name = f"{socket.gethostname()} pid {os.getpid()}"
        if not client.set(PASS, self.name, nx=True, ex=PASS_LEASE_SECONDS):
            holder = client.get(PASS)
            raise OnrecordError(
                f"crawl.frontier {shown_url(url)}: another crawl pass holds the frontier ({holder!r}; its hold "
                f"runs out {PASS_LEASE_SECONDS} s after it stops); one crawl writes the store at a time"
            )
        client.delete(REQUESTS, SEEN, RESULTS)  # what a killed pass left: its pages are fetched again

    def renew(self) -> None:
        self.redis.set(PASS, self.name, ex=PASS_LEASE_SECONDS)

    def sent(self, key: str) -> None:
        self.out.add(key)

    def done(self, key: str) -> None:
        self.out.discard(key)
        self.last_progress = time.monotonic()

    def close(self) -> None:
        self.redis.delete(REQUESTS, SEEN, RESULTS, PASS)

    def keep_open(self, busy: bool) -> None:
        """The spider_idle check: raise DontCloseSpider while pages are out, unless nothing came back for
        stall_seconds (a fetcher died with them: they are not stored, so the next pass fetches them again)."""
        if busy or self.redis.llen(RESULTS) or self.redis.zcard(REQUESTS):
            raise DontCloseSpider
        if not self.out:
            return
        if time.monotonic() - self.last_progress < self.stall_seconds:
            raise DontCloseSpider
        log.warning(
            "frontier %s: %d pages were taken by fetchers that never sent them back (stopped?); "
            "the next pass fetches them again",
            shown_url(self.url),
            len(self.out),
        )


class CoordinatorPipeline(StorePipeline):
    """StorePipeline for the coordinator: its own items as always, and the fetchers' results off RESULTS."""

    def __init__(
        self,
        config: Config,
        resources: PassResources,
        stats: StatsCollector,
        crawler: Crawler | None = None,
        frontier_pass: FrontierPass | None = None,
    ) -> None:
        super().__init__(config, resources, stats, crawler)
        assert frontier_pass is not None
        self.pass_ = frontier_pass
        self.tasks: set[asyncio.Future] = set()
        self._drainer = LoopingCall(self.drain)
        self._renewer = LoopingCall(self.pass_.renew)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CoordinatorPipeline:
        from onrecord.crawlers.frontier_spiders import CoordinatorSpider  # that module imports this one

        spider = crawler.spider
        if not isinstance(spider, CoordinatorSpider):
            raise TypeError(f"CoordinatorPipeline runs with a CoordinatorSpider, not {type(spider).__name__}")
        pipeline = cls(spider.config, spider.resources, crawler.stats, crawler, spider.frontier_pass)
        spider.frontier_pipeline = pipeline  # its idle check asks whether results are being stored
        return pipeline

    def open_spider(self, spider=None) -> None:
        super().open_spider(spider)
        self._drainer.start(DRAIN_SECONDS, now=False)
        self._renewer.start(PASS_LEASE_SECONDS / 6, now=False)

    def close_spider(self, spider=None) -> None:
        for loop in (self._drainer, self._renewer):
            if loop.running:
                loop.stop()
        self.pass_.close()
        super().close_spider(spider)

    @property
    def busy(self) -> bool:
        return bool(self.tasks)

    async def process_item(self, item, spider=None):
        if isinstance(item, Result):
            await super().process_item(item.item)
            self.pass_.done(item.key)
            self.stats.inc_value("onrecord/frontier/fetched-here")
            return item.item
        return await super().process_item(item)

    def drain(self) -> None:
        room = DRAIN_AT_ONCE - len(self.tasks)
        if room <= 0:
            return
        for text in self.pass_.redis.lpop(RESULTS, room) or []:
            task = asyncio.ensure_future(self._take(decode(text)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _take(self, result: Result) -> None:
        try:
            await super().process_item(result.item)
        except Exception:  # a bug: shown, and the page stays out (it is fetched again next pass)
            log.exception("frontier: storing %s failed", result.key)
            return
        self.pass_.done(result.key)
        self.stats.inc_value("onrecord/frontier/fetched-elsewhere")


class OutboxPipeline:
    """The fetcher's pipeline: every result goes onto RESULTS for the coordinator; nothing is stored here."""

    def __init__(self, url: str, stats: StatsCollector) -> None:
        from onrecord.crawlers.frontier import connect

        self.redis = connect(url)
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutboxPipeline:
        return cls(crawler.settings["REDIS_URL"], crawler.stats)

    def process_item(self, item, spider=None):
        if not isinstance(item, Result):  # a fetcher only ever fetches frontier pages
            raise TypeError(f"a fetcher's item must be a frontier Result, not {type(item).__name__}")
        self.redis.rpush(RESULTS, encode(item))
        self.stats.inc_value("onrecord/frontier/fetched")
        if isinstance(item.item, FetchItem) and item.item.fetch.outcome == "error":
            self.stats.inc_value("onrecord/frontier/errors")
        return item
