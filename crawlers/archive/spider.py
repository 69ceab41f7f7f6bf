"""The backfill spider: the crawl's SourceSpider (same article requests, page parsing, fetch records and item
pipeline), started from a source's archive instead of its feed.

One archive page is in flight at a time, in walk order (storage/backfill.py keeps the cursor); the article pages
it links to go first (higher priority), so the queue stays short and a stop loses nothing: the links of every page
read are in the store. Article URLs already stored are skipped before any request (SourceSpider.page_requests).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable
from datetime import date
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from onrecord.core.config import ArchiveConfig, SourceConfig
from onrecord.crawlers.archive.kinds import DateRange, first_pages, read_page
from onrecord.crawlers.archive.pipeline import ArchiveItem, SteadyWorkerPool
from onrecord.crawlers.fetch_errors import describe_failure, describe_status
from onrecord.crawlers.items import FetchItem
from onrecord.crawlers.spiders.sources import ERROR_STATUSES, SourceSpider
from onrecord.storage.backfill import (
    ArchivePage,
    last_seq,
    links_of,
    open_walk,
    plan_pages,
    restart_walk,
    unread_pages,
    walk_counts,
)

progress_log = logging.getLogger("onrecord.backfill.progress")
ARTICLE_PRIORITY = 10  # article pages before the next archive page
PROGRESS_SECONDS = 0.5
DONE_OUTCOMES = ("new", "duplicate", "updated", "unchanged", "not-article", "error")
ENDS_A_WALK = (404, 410)  # an archive page that is not there: read, empty (a feed's pages end so)


class BackfillSpider(SourceSpider):
    name = "backfill"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> BackfillSpider:
        walk = crawler.settings.getdict("ONRECORD_BACKFILL")
        spider = super().from_crawler(crawler, *args, sources=[walk["source"]], **kwargs)
        assert isinstance(spider, BackfillSpider)
        spider.resources.pool = SteadyWorkerPool(spider.resources.pool.size)
        spider.begin(walk["source"], date.fromisoformat(walk["since"]), date.fromisoformat(walk["until"]), walk)
        return spider

    def begin(self, source_id: str, since: date, until: date, options: dict) -> None:
        source = self.config.source(source_id)
        assert source is not None and source.archive is not None  # checked by the parent before it started us
        self.source: SourceConfig = source
        self.archive: ArchiveConfig = source.archive
        self.span = DateRange(since, until)
        db = self.db
        self.walk = open_walk(db, source.id, self.archive.kind, since.isoformat(), until.isoformat())
        if options.get("restart"):
            restart_walk(db, self.walk.id)
        if last_seq(db, self.walk.id) == 0:  # a new walk: its first pages
            starts = first_pages(self.archive, self.span)
            plan_pages(
                db, self.walk.id, [ArchivePage(n, url, role, day) for n, (url, role, day) in enumerate(starts, 1)]
            )
        self.plan: deque[ArchivePage] = deque(unread_pages(db, self.walk.id))
        self.next_seq = last_seq(db, self.walk.id) + 1
        counts = walk_counts(db, self.walk.id)
        self.pages_read, self.pages_planned, self.links_found = (
            counts["pages_read"],
            counts["pages_planned"],
            counts["links"],
        )
        self.pages_failed = 0
        self.pages_this_run = 0
        self.out_of_range = self.undated = 0
        self.oldest: date | None = None
        self.queued = 0  # article requests made in this run
        self._ticker: LoopingCall | None = None  # made in start(): making one imports the reactor

    # -- start: the links already found, then the cursor -------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        self._ticker = LoopingCall(self.report)
        self._ticker.start(PROGRESS_SECONDS, now=True)
        for entry in self.article_requests(list(links_of(self.db, self.walk.id))):
            yield entry
        request = self.next_archive_request()
        if request is not None:
            yield request

    def closed(self, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self.report()

    @property
    def complete(self) -> bool:
        """Every archive page of the walk was read."""
        return not self.plan and not self.pages_failed

    def article_requests(self, links: list[tuple[str, str, str | None]]) -> Iterable[Any]:
        for entry in self.page_requests(self.source, links):
            if isinstance(entry, scrapy.Request):
                self.queued += 1
                entry = entry.replace(priority=ARTICLE_PRIORITY)
            yield entry

    def next_archive_request(self) -> scrapy.Request | None:
        if not self.plan:
            return None
        page = self.plan.popleft()
        return scrapy.Request(
            page.url,
            callback=self.parse_archive,
            errback=self.archive_failed,
            dont_filter=True,
            meta={"source": self.source.id, "kind": "archive", "page": page, "handle_httpstatus_list": ERROR_STATUSES},
        )

    # -- an archive page ----------------------------------------------------------------------------------

    def parse_archive(self, response: Response) -> Iterable[Any]:
        page: ArchivePage = response.meta["page"]
        if response.status >= 400:
            note = describe_status(response.status, response.meta.get("backoff_note"))
            yield FetchItem(self.source_fetch(response, outcome="error", error=note))
            yield from self.page_done(page, [], [], read=response.status in ENDS_A_WALK)
            return
        result = read_page(page.role, page.seq, response, self.source, self.archive, self.span)
        yield FetchItem(self.source_fetch(response, outcome=result.outcome, error=result.problem))
        self.out_of_range += result.out_of_range
        self.undated += result.undated
        if result.oldest:
            self.oldest = min(self.oldest or result.oldest, result.oldest)
        more = [ArchivePage(self.take_seq(), url, role, day) for url, role, day in result.more]
        yield from self.page_done(page, result.links, more, read=result.outcome != "error")

    def archive_failed(self, failure: Failure) -> Iterable[Any]:
        page: ArchivePage = failure.request.meta["page"]  # type: ignore[attr-defined]  # Scrapy attaches it
        yield from self.failed(failure)
        why = describe_failure(failure, self.config.crawl.max_page_bytes, self.config.crawl.timeout)
        yield from self.page_done(page, [], [], read=why == "forbidden by robots.txt")  # robots.txt: not ours to read

    def page_done(
        self, page: ArchivePage, links: list[tuple[str, str, str | None]], more: list[ArchivePage], read: bool
    ) -> Iterable[Any]:
        """Record the page (read, or failed: then it stays the walk's to read next time), queue its articles and
        then the next archive page."""
        self.pages_this_run += 1
        if read:
            self.pages_read += 1
            self.pages_planned += len(more)
            self.links_found += len(links)
            self.plan.extend(more)
            yield ArchiveItem(self.walk.id, page.seq, links, more)
            yield from self.article_requests(links)
        else:
            self.pages_failed += 1
        request = self.next_archive_request()
        if request is not None:
            yield request

    def take_seq(self) -> int:
        seq, self.next_seq = self.next_seq, self.next_seq + 1
        return seq

    # -- progress -----------------------------------------------------------------------------------------

    def walked(self) -> float | None:
        """How much of the walk is behind us, 0..1 (None while nothing tells yet)."""
        if self.archive.kind == "feed_pages":
            if not self.plan and self.pages_read:
                return 1.0
            if self.oldest is None:
                return None
            behind = (self.span.until - max(self.oldest, self.span.since)).days + 1
            return min(1.0, max(0.0, behind / self.span.days()))
        if self.archive.kind == "sitemap" and self.pages_read == 0:
            return None
        return self.pages_read / self.pages_planned if self.pages_planned else None

    def counts(self) -> dict[str, int]:
        stats = self.crawler.stats
        prefix = f"onrecord/source/{self.source.id}/"
        per = {o: int(stats.get_value(prefix + o, 0)) for o in (*DONE_OUTCOMES, "known", "refused-before")}
        return per

    def report(self) -> None:
        """One progress line (for the parent's progress bar): a marker and a JSON object."""
        progress_log.info(
            "@progress %s",
            json.dumps(
                {
                    "pages_read": self.pages_read,
                    "pages_planned": self.pages_planned,
                    "pages_failed": self.pages_failed,
                    "links": self.links_found,
                    "walked": self.walked(),
                    "queued": self.queued,
                    "counts": self.counts(),
                }
            ),
        )
