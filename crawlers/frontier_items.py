"""Results of frontier pages, through Redis to the pass that queued them: fetchers push, the pass stores.

A fetcher stores nothing: each page it fetched (or failed to) becomes one JSON record on its pass's RESULTS list
(a pass fetching another pass's page does the same). The pass, a crawl child on the store's machine, takes them
off and stores them through the same pipeline as its own pages (extraction, dedup against the store, fetch rows),
so the store is written where it lives and dedups as it always has. The pass also keeps its account: the pages it
sent to the frontier and not yet back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.statscollectors import StatsCollector
from twisted.internet.task import LoopingCall

from onrecord.core.config import Config
from onrecord.core.records import Fetch
from onrecord.crawlers.frontier import (
    PASS_LEASE_SECONDS,
    PASSES,
    RESULTS,
    RESULTS_KEPT_SECONDS,
    SEEN,
    redis_now,
    shown_url,
)
from onrecord.crawlers.items import FetchItem, PageItem
from onrecord.crawlers.pipelines import PassResources, StorePipeline

log = logging.getLogger("onrecord.crawl")
DRAIN_SECONDS = 0.1  # how often the coordinator takes results off the list
DRAIN_AT_ONCE = 32  # the most results taken (and stored concurrently) at a time


@dataclass
class Result:
    """The one result of a frontier page: its key and pass (frontier_scheduler), what the spider made of it."""

    key: str
    pass_id: str
    item: FetchItem | PageItem


def encode(result: Result) -> str:
    record: dict[str, Any] = {"key": result.key, "pass": result.pass_id}
    if isinstance(result.item, FetchItem):
        record["fetch"] = dataclasses.asdict(result.item.fetch)
    else:
        record["page"] = dataclasses.asdict(result.item)
    return json.dumps(record)


def decode(text: str | bytes) -> Result:
    record = json.loads(text)
    if "fetch" in record:
        return Result(record["key"], record["pass"], FetchItem(Fetch(**record["fetch"])))
    return Result(record["key"], record["pass"], PageItem(**record["page"]))


def send(client: Any, result: Result) -> None:
    """Put a result on its pass's list (kept a day at most, for a pass that died before taking it)."""
    key = f"{RESULTS}:{result.pass_id}"
    client.pipeline().rpush(key, encode(result)).expire(key, RESULTS_KEPT_SECONDS).execute()


def nudge_engine(crawler: Crawler | None) -> None:
    """Ask Scrapy's engine to look at its queue and idleness now rather than at its next 5 s heartbeat (the
    shared queue and the results fill from other processes, which the engine does not see)."""
    slot = getattr(getattr(crawler, "engine", None), "_slot", None)  # the engine has no public "look again"
    if slot is not None:
        slot.nextcall.schedule()


class FrontierPass:
    """One pass's hold on the frontier: its lease among the open passes (fetchers work while there is one), the
    fingerprints it holds in the duplicate filter, and its pages still out."""

    def __init__(self, client: Any, url: str, stall_seconds: float) -> None:
        self.redis = client
        self.url = url
        self.stall_seconds = stall_seconds
        self.id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.results = f"{RESULTS}:{self.id}"
        self.out: set[str] = set()
        self.fingerprints: list[str] = []
        self.last_progress = time.monotonic()
        self.renew()

    def renew(self) -> None:
        self.redis.zadd(PASSES, {self.id: redis_now(self.redis) + PASS_LEASE_SECONDS})

    def sent(self, key: str, fingerprint: str) -> None:
        self.out.add(key)
        self.fingerprints.append(fingerprint)

    def done(self, key: str) -> None:
        self.out.discard(key)
        self.last_progress = time.monotonic()

    def close(self) -> None:
        """Release the pass's fingerprints (a page that failed is queued again next pass), lease and results."""
        for start in range(0, len(self.fingerprints), 1000):
            self.redis.hdel(SEEN, *self.fingerprints[start : start + 1000])
        self.redis.zrem(PASSES, self.id)
        self.redis.delete(self.results)

    def keep_open(self, busy: bool) -> None:
        """The spider_idle check: raise DontCloseSpider while the pass's pages are out, unless nothing came back
        for stall_seconds (a fetcher died with them: they are not stored, so the next pass fetches them again)."""
        if busy or self.redis.llen(self.results):
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
        if isinstance(item, Result) and item.pass_id != self.pass_.id:  # another pass's page, fetched here
            send(self.pass_.redis, item)
            self.stats.inc_value("onrecord/frontier/fetched-for-others")
            return item.item
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
        for text in self.pass_.redis.lpop(self.pass_.results, room) or []:
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
        if not self.pass_.out:  # the pass's last page is in: it can end as soon as this task is off the set
            asyncio.get_running_loop().call_later(0.05, nudge_engine, self.crawler)


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
        send(self.redis, item)
        self.stats.inc_value("onrecord/frontier/fetched")
        if isinstance(item.item, FetchItem) and item.item.fetch.outcome == "error":
            self.stats.inc_value("onrecord/frontier/errors")
        return item
