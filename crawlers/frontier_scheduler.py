"""The scheduler of a crawl process on the frontier: scrapy-redis's shared queue and duplicate filter for article
pages, a local queue for the coordinator's own requests (the sources' feeds and listing pages).

Feeds and listings stay with the coordinator because their links are filtered against the store, which only it
holds. An article page the coordinator asks for goes through the shared duplicate filter (once per pass, whoever
asked) into the shared queue, tagged with a key; its retries and redirect hops go back to the queue unfiltered
(a hop to a URL seen before must still end in one result for the page). Every page ends in exactly one result,
wherever it was fetched, and the coordinator counts the keys still out (frontier_items.FrontierPass).
"""

from __future__ import annotations

from collections import deque

from scrapy import Request, Spider
from scrapy_redis.scheduler import Scheduler  # type: ignore[import-untyped]

KEY = "frontier_key"  # request.meta: the page's key in the pass (its canonical URL)


def is_hop(request: Request) -> bool:
    """A retry or redirect of a page already in the frontier (not a new page)."""
    return KEY in request.meta


class FrontierScheduler(Scheduler):
    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.local: deque[Request] = deque()
        self.pass_ = getattr(spider, "frontier_pass", None)  # set on the coordinator's spider only

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("kind") != "page":  # a source's feed or listing page: the coordinator's own
            self.local.append(request)
            return True
        if is_hop(request):
            self.queue.push(request)
            return True
        if self.df.request_seen(request):  # the spider's page requests skip Scrapy's filter (dont_filter), not this
            return False
        request.meta[KEY] = request.url
        if self.pass_ is not None:
            self.pass_.sent(request.url)
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("onrecord/frontier/queued")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        return self.queue.pop(0)

    def has_pending_requests(self) -> bool:
        return bool(self.local) or len(self.queue) > 0

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)
