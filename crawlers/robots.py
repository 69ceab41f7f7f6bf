"""robots.txt for every crawl, backfill and frontier fetcher: Scrapy's RobotsTxtMiddleware, with every request that
waits for a host's robots.txt given the parsed rules.

Scrapy 2.19 hands each waiting request `maybe_deferred_to_future` of one shared Deferred; the first waiter's
adapter returns None, so every later waiter gets None for the rules and is let through unchecked. A crawl meets
this rarely (its first request to a host is a feed or listing page, alone), but a pass of revisits, a frontier
fetcher and a backfill that resumes all start with a burst of article requests to one host, and without this a page
robots.txt disallows was fetched (tests/test_backfill.py). Here each waiter gets a Deferred of its own, fed by a
callback that passes the result on unchanged.
"""

from __future__ import annotations

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred


class WaitingRobotsTxtMiddleware(RobotsTxtMiddleware):
    async def robot_parser(self, request: Request) -> RobotParser | None:
        shared = self._parsers.get(urlparse_cached(request).netloc)
        if not isinstance(shared, Deferred):
            return await super().robot_parser(request)  # rules known (or none), or this request fetches them
        own: Deferred[RobotParser | None] = Deferred()

        def relay(result):
            own.callback(result)
            return result  # the shared Deferred keeps its result for the next waiter

        shared.addBoth(relay)
        return await maybe_deferred_to_future(own)
