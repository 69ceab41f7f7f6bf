"""The scheduler of a crawl process on the frontier: scrapy-redis's shared queue and duplicate filter for article
pages, a local queue for a pass's own requests (its sources' feeds and listing pages).

Feeds and listings stay with their pass because their links are filtered against the store, which only the
store's machine holds. An article page a pass asks for goes through the shared duplicate filter (once across all
open passes) into the shared queue, tagged with its key and its pass; its retries and redirect hops go back to
the queue unfiltered (a hop to a URL seen before must still end in one result for the page). Every page ends in
exactly one result, wherever it was fetched, sent to its pass (frontier_items), which counts the keys still out.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from scrapy import Request, Spider
from scrapy_redis.dupefilter import RFPDupeFilter  # type: ignore[import-untyped]
from scrapy_redis.scheduler import Scheduler  # type: ignore[import-untyped]

from onrecord.crawlers.frontier import PASSES

KEY = "frontier_key"  # request.meta: the page's key in its pass (its canonical URL)
PASS = "frontier_pass"  # request.meta: the id of the pass that queued the page (its results go there)

# KEYS: the fingerprints hash, the open passes. ARGV: the fingerprint, this pass's id.
# 1 when a live pass (this one or another) has queued the request already; else it is this pass's now.
SEEN_BY_A_LIVE_PASS = """
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder then
  if holder == ARGV[2] then return 1 end
  local t = redis.call('TIME')
  local lease = redis.call('ZSCORE', KEYS[2], holder)
  if lease and tonumber(lease) > tonumber(t[1]) + tonumber(t[2]) / 1000000 then return 1 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 0
"""


def is_hop(request: Request) -> bool:
    """A retry or redirect of a page already in the frontier (not a new page)."""
    return KEY in request.meta


class PassDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter, each fingerprint held by the pass that queued it: a pass releases its
    fingerprints when it ends (a page that failed is queued again by a later pass; one stored is filtered by the
    store), and a pass that died holds nothing once its lease has run out."""

    def __init__(self, server: Any, key: str, debug: bool = False) -> None:
        super().__init__(server, key, debug)
        self.seen_script = server.register_script(SEEN_BY_A_LIVE_PASS)

    def seen_by(self, request: Request, pass_id: str) -> str | None:
        """The request's fingerprint when it was free (pass_id holds it now); "" when a live pass has it."""
        fp = self.request_fingerprint(request)
        return "" if self.seen_script(keys=[self.key, PASSES], args=[fp, pass_id]) else fp

    def release(self, fingerprints: list[str]) -> None:
        for start in range(0, len(fingerprints), 1000):
            self.server.hdel(self.key, *fingerprints[start : start + 1000])

    def close(self, reason: str = "") -> None:  # scrapy-redis deletes every pass's fingerprints here
        pass


class FrontierScheduler(Scheduler):
    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.local: deque[Request] = deque()
        self.pass_ = getattr(spider, "frontier_pass", None)  # a pass's spider has one; a fetcher's does not

    def enqueue_request(self, request: Request) -> bool:
        if request.meta.get("kind") != "page":  # a source's feed or listing page: the pass's own
            self.local.append(request)
            return True
        if is_hop(request):
            self.queue.push(request)
            return True
        assert self.pass_ is not None  # only a pass asks for new pages
        fingerprint = self.df.seen_by(request, self.pass_.id)  # the spider's page requests skip Scrapy's filter
        if not fingerprint:
            return False
        request.meta[KEY] = request.url
        request.meta[PASS] = self.pass_.id
        self.pass_.sent(request.url, fingerprint)
        self.queue.push(request)
        if self.stats:
            self.stats.inc_value("onrecord/frontier/queued")
        return True

    def next_request(self) -> Request | None:
        if self.local:
            return self.local.popleft()
        return self.queue.pop(0)

    def has_pending_requests(self) -> bool:
        """A pass is done when its own pages are (other passes' pages in the queue do not keep it open);
        a fetcher has work while the queue has any."""
        if self.local:
            return True
        if self.pass_ is not None and not self.pass_.out:
            return False
        return len(self.queue) > 0

    def __len__(self) -> int:
        return len(self.local) + len(self.queue)
