"""The two spiders of a crawl on the frontier: the coordinator's (the ordinary SourceSpider, holding the pass)
and the fetcher's (article pages off the shared queue only, no store).

Both tag the one result of each frontier page (the item of its callback or of its errback) with the page's key,
so that the coordinator knows when every page it sent out has come back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any, cast

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from onrecord.core.config import Config
from onrecord.crawlers.frontier import connect, open_passes, shown_url
from onrecord.crawlers.frontier_items import CoordinatorPipeline, FrontierPass, Result, nudge_engine
from onrecord.crawlers.frontier_scheduler import KEY
from onrecord.crawlers.frontier_scheduler import PASS as PASS_META
from onrecord.crawlers.spiders.sources import SourceSpider

log = logging.getLogger("onrecord.crawl")
NUDGE_SECONDS = 0.25  # how often an idle fetcher looks at the shared queue (Scrapy itself looks every 5 s)


def tagged(meta: dict[str, Any], items: Iterable[Any]) -> Iterable[Any]:
    """The items of a frontier page as its Result (a feed's or listing's items as they are)."""
    key, pass_id = meta.get(KEY), meta.get(PASS_META)
    for item in items:
        yield Result(key, pass_id, item) if key and pass_id else item


class CoordinatorSpider(SourceSpider):
    frontier_pass: FrontierPass
    frontier_pipeline: CoordinatorPipeline | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> CoordinatorSpider:
        settings = crawler.settings
        url = settings["REDIS_URL"]
        stall = settings.getfloat("DOWNLOAD_TIMEOUT") * (settings.getint("RETRY_TIMES") + 1) + 60
        frontier_pass = FrontierPass(connect(url), url, stall)
        spider = cast(CoordinatorSpider, super().from_crawler(crawler, *args, **kwargs))
        spider.frontier_pass = frontier_pass
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        return spider

    def idle(self) -> None:
        self.frontier_pass.keep_open(self.frontier_pipeline is not None and self.frontier_pipeline.busy)

    def parse_page(self, response: Response) -> Iterable[Any]:
        return tagged(response.meta, super().parse_page(response))

    def failed(self, failure: Failure) -> Iterable[Any]:
        return tagged(failure.request.meta, super().failed(failure))  # type: ignore[attr-defined]


class FetcherSpider(SourceSpider):
    """Fetches the frontier's pages for whichever coordinator holds the pass; waits for one to start (up to
    `wait` seconds, None: as long as it takes) and closes when that pass has ended."""

    def __init__(self, config: Config, wait: float | None = None, **kwargs: Any) -> None:
        scrapy.Spider.__init__(self, **kwargs)
        self.config = config
        self.wait = wait
        self.started = time.monotonic()
        self.seen_pass = False
        self.redis: Any = None
        self._nudger: LoopingCall | None = None  # made when the spider opens: a LoopingCall installs a reactor

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> FetcherSpider:
        config = Config.model_validate(crawler.settings.getdict("ONRECORD_CONFIG"))
        spider = cls(config, *args, **kwargs)
        spider._set_crawler(crawler)
        spider.redis = connect(crawler.settings["REDIS_URL"])
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.opened, signal=signals.spider_opened)
        crawler.signals.connect(spider.stop_nudging, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        return
        yield  # an async generator with nothing to start: the pages come from the shared queue

    def opened(self) -> None:
        log.info("fetcher: waiting for a crawl pass on %s", shown_url(self.crawler.settings["REDIS_URL"]))
        self._nudger = LoopingCall(self.nudge)
        self._nudger.start(NUDGE_SECONDS, now=False)

    def stop_nudging(self) -> None:
        if self._nudger is not None and self._nudger.running:
            self._nudger.stop()

    def nudge(self) -> None:
        """Ask the engine for its next requests now (the shared queue fills from other processes)."""
        nudge_engine(self.crawler)

    def idle(self) -> None:
        if open_passes(self.redis):
            self.seen_pass = True
            raise DontCloseSpider
        if not self.seen_pass and (self.wait is None or time.monotonic() - self.started < self.wait):
            raise DontCloseSpider

    def parse_page(self, response: Response) -> Iterable[Any]:
        return tagged(response.meta, super().parse_page(response))

    def failed(self, failure: Failure) -> Iterable[Any]:
        return tagged(failure.request.meta, super().failed(failure))  # type: ignore[attr-defined]
