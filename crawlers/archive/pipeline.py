"""What a backfill adds to the crawl's item pipeline: an archive page read (its links, the pages it leads to) is
written in the store writer's open batch, so it commits with the articles around it (storage/backfill.py).

Everything else (fetches, article pages) goes on to the crawl's own StorePipeline unchanged.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from onrecord.crawlers.worker_pool import WorkerPool
from onrecord.crawlers.writer import StoreFull, StoreWriter
from onrecord.storage.backfill import ArchivePage, mark_read

_PR_SET_PDEATHSIG = 1


@dataclass
class ArchiveItem:
    """Archive page `seq` of walk `walk_id` was read: the links it gave, the pages to read after it."""

    walk_id: int
    seq: int
    links: list[tuple[str, str, str | None]]
    more: list[ArchivePage]


class ArchivePipeline:
    def __init__(self, writer: StoreWriter, stats: StatsCollector) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        resources = getattr(crawler.spider, "resources", None)
        if resources is None:
            raise TypeError("ArchivePipeline runs with the BackfillSpider")
        return cls(resources.writer, crawler.stats)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, ArchiveItem) or self.writer.full is not None:
            return item
        try:
            with self.writer._writing(), self.writer.batch.item():  # the writer's batch and its full-store guard
                mark_read(self.writer.db, item.walk_id, item.seq, item.links, item.more)
        except StoreFull:  # said once by the StorePipeline, which stops the pass; this page is read again next time
            self.stats.inc_value("onrecord/not-stored")
        return item


def _ignore_stop_signals() -> None:
    """In each worker: ignore the group's SIGTERM and SIGINT, but die with the backfill process if it is killed."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class SteadyWorkerPool(WorkerPool):
    """Extraction workers that outlive a stop signal sent to the backfill's process group: the pages they hold are
    finished and stored while the backfill stops (so none is fetched again); they end with the pool."""

    async def run(self, function: Any, *args: Any) -> Any:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.size, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_stop_signals
            )
        return await super().run(function, *args)
