"""Per-domain politeness across every crawl process on the frontier: one request start per download_delay and
at most concurrent_per_domain requests at a time to a domain, whichever process or machine sends them.

Scrapy's own download slots keep doing the same within each process; they cannot see the others. Here each
request, just before its download, takes the domain's turn in Redis with one atomic script when the turn is due
(the clock is Redis's, so the machines' clocks do not matter), else waits until it is and tries again; a lease
in the domain's set of active requests is held until the response (or failure) comes back, and runs out by
itself if its process dies. Redis is called synchronously from the reactor (well under a millisecond on a LAN).
"""

from __future__ import annotations

import itertools
import os
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from onrecord.crawlers.frontier import SLOT, connect

# KEYS: the domain's next allowed start (a float, seconds on Redis's clock), its set of active leases.
# ARGV: delay, the most requests at a time, this request's lease token, the lease's length in seconds.
# Takes the domain's turn only when it is due now, so that the request goes out at once: a turn booked for later
# could go out late (its process busy when it falls due) and so close to the next one. Returns "0" when the turn
# is taken, else the seconds until the domain is due (a string: Lua numbers would be cut to integers), or "-1"
# when the domain already has its most requests at a time (try again shortly). Nothing is booked unless "0".
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local due = tonumber(redis.call('GET', KEYS[1]) or '0')
if due > now then return string.format('%.6f', due - now) end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return '-1' end
local delay = tonumber(ARGV[1])
local lease = tonumber(ARGV[4])
redis.call('SET', KEYS[1], string.format('%.6f', now + delay), 'PX', math.ceil((delay + 60) * 1000))
redis.call('ZADD', KEYS[2], now + lease, ARGV[3])
redis.call('PEXPIRE', KEYS[2], math.ceil(lease * 1000))
return '0'
"""
FULL_RETRY_SECONDS = 0.05  # how soon a request tries again when its domain has its most requests in flight


def domain_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


class SharedPolitenessHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP(S) download handler, taking the domain's shared turn first.

    The turn is taken here, after Scrapy's own per-process slot (its delay and concurrency per domain) and right
    before the request goes out: taken earlier (in a downloader middleware), a process busy storing pages could
    send it late, closer than download_delay to another process's next request."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        s = crawler.settings
        self.redis = connect(s["REDIS_URL"])
        self.reserve = self.redis.register_script(RESERVE)
        self.delay = s.getfloat("DOWNLOAD_DELAY")
        self.per_domain = s.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.lease = s.getfloat("DOWNLOAD_TIMEOUT") + 10  # a download ends (or times out) within DOWNLOAD_TIMEOUT
        self.tokens = (f"{os.getpid()}:{n}" for n in itertools.count())

    async def download_request(self, request: Request) -> Response:
        from twisted.internet import reactor

        domain, token = domain_of(request.url), next(self.tokens)
        keys = [f"{SLOT}:{domain}:next", f"{SLOT}:{domain}:active"]
        while True:
            wait = float(self.reserve(keys=keys, args=[self.delay, self.per_domain, token, self.lease]))
            if wait == 0:
                break
            await maybe_deferred_to_future(deferLater(reactor, wait if wait > 0 else FULL_RETRY_SECONDS))
        try:
            return await super().download_request(request)
        finally:
            self.redis.zrem(keys[1], token)
