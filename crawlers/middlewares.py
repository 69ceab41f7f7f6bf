"""Downloader middlewares: the fence of what a source may fetch (ScopeMiddleware), and back-off on 429/503
(RetryAfterMiddleware: wait what Retry-After asks, within a cap, else 1, 2, 4 ... seconds, then retry)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.task import deferLater

from onrecord.core.config import Config
from onrecord.crawlers.scope import SCHEMES, Refused, check_any_source, check_request

log = logging.getLogger(__name__)
BACKOFF_CODES = (429, 503)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class OutOfScope(IgnoreRequest):
    """A request refused by the scope rules (crawlers.scope); its message is the reason recorded."""


class ScopeMiddleware:
    """Every request, before robots.txt is asked and again for every redirect or meta refresh (each is a new
    request through this chain): refused unless its source may fetch it. Runs first (priority 50), so it also
    sees last a redirect Scrapy declined to follow (a `file:` or other non-HTTP Location) and names it."""

    def __init__(self, config: Config) -> None:
        self.config = config

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        return cls(Config.model_validate(crawler.settings.getdict("ONRECORD_CONFIG")))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        source = self.config.source(request.meta.get("source", ""))
        try:
            if source is None:
                check_any_source(request.url, self.config)
            else:
                check_request(request.url, source)
        except Refused as exc:
            hops = request.meta.get("redirect_urls")
            reason = f"{exc} (redirected to {request.url})" if hops else str(exc)
            raise OutOfScope(reason) from None
        return None

    def process_response(self, request: Request, response: Response, spider: Spider | None = None) -> Response:
        location = response.headers.get(b"Location") if 300 <= response.status < 400 else None
        if location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            scheme = urlsplit(target).scheme.lower()
            if scheme not in SCHEMES:
                raise OutOfScope(
                    f"refused: HTTP {response.status} redirect to a {scheme or 'schemeless'}: URL "
                    f"(only http and https are followed)"
                )
        return response


class RetryAfterMiddleware:
    def __init__(self, retry_times: int, max_wait: float) -> None:
        self.retry_times = retry_times
        self.max_wait = max_wait

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler.settings.getint("RETRY_TIMES"), crawler.settings.getfloat("ONRECORD_MAX_RETRY_AFTER"))

    async def process_response(self, request: Request, response: Response, spider: Spider) -> Request | Response:
        if response.status not in BACKOFF_CODES or request.meta.get("dont_retry"):
            return response
        attempt = request.meta.get("backoff_attempt", 0)
        header = response.headers.get(b"Retry-After")
        wait = retry_after_seconds(header.decode("latin-1") if header else None)
        if wait is None:
            wait = float(2**attempt)
        if attempt >= self.retry_times or wait > self.max_wait:
            # On the request: this response is not tied to it yet (Scrapy ties it after the middlewares), and
            # its meta is the request's once it is.
            request.meta["backoff_note"] = (
                f"gave up after {attempt} retr{'y' if attempt == 1 else 'ies'}"
                if wait <= self.max_wait
                else f"Retry-After {wait:.0f}s exceeds the {self.max_wait:.0f}s cap"
            )
            return response
        log.info("%s: HTTP %s, retrying in %.1fs", request.url, response.status, wait)
        spider.crawler.stats.inc_value("onrecord/backoff_waits")
        from twisted.internet import reactor  # the installed one; importing it at module level would install one

        await maybe_deferred_to_future(deferLater(reactor, wait))
        retry = request.replace(dont_filter=True)
        retry.meta["backoff_attempt"] = attempt + 1
        return retry
