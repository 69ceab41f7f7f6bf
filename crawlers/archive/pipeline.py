"""What a backfill adds to the crawl's item pipeline: an archive page read (its links, the pages it leads to) is
written in the store writer's open batch, so it commits with the articles around it (storage/backfill.py).

Everything else (fetches, article pages) goes on to the crawl's own StorePipeline unchanged.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from onrecord.crawlers.worker_pool import WorkerDied, WorkerPool
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


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def _die_with_parent() -> None:
    """In each worker: the stop signals stay blocked (inherited), but a killed backfill process takes it along."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class SteadyWorkerPool(WorkerPool):
    """Extraction workers that outlive a stop signal sent to the backfill's process group: the pages they hold are
    finished and stored while the backfill stops (so none is fetched again); they end with the pool.

    Workers are spawned while a task is submitted, so the stop signals are blocked around each submission: a
    spawned process inherits the blocked mask from its very first instruction (an initializer that ignored them
    would come too late for a signal that arrives while the worker is still importing). WorkerPool.run otherwise.
    """

    async def run(self, function: Any, *args: Any) -> Any:
        if self._executor is None:
            self._executor = ProcessPoolExecutor(
                self.size, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent
            )
        executor = self._executor
        before = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            future = asyncio.get_running_loop().run_in_executor(executor, function, *args)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, before)
        try:
            return await future
        except BrokenProcessPool as exc:
            if self._executor is executor:
                self._executor = None
                executor.shutdown(wait=False, cancel_futures=True)
            raise WorkerDied(f"extraction worker died ({exc})") from None
