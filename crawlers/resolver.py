"""The crawl's DNS resolver: Scrapy's caching one, with every answer checked before a connection is made.

The address checked is the address connected to (Twisted connects to what the resolver returns), so a host
that resolves to a public address when a middleware asks and to 127.0.0.1 when the connection is made (DNS
rebinding) is still refused. IP literals never reach a resolver; crawlers.middlewares.ScopeMiddleware checks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from scrapy.crawler import Crawler
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.defer import Deferred
from twisted.internet.error import ConnectError

from onrecord.core.config import Config
from onrecord.crawlers.scope import Refused, check_address, private_ok_hosts

# Host name -> the reason its address was refused, for this crawl process (one pass). Twisted reports a failed
# resolution to the downloader as a plain DNS lookup failure, losing the reason; crawlers.fetch_errors looks
# the host up here to record the reason instead.
REFUSED: dict[str, str] = {}


def refusal(host: str | None) -> str | None:
    """Why `host`'s address was refused in this pass, or None."""
    return REFUSED.get((host or "").lower().rstrip("."))


class AddressRefused(ConnectError):
    """A host resolved to an address its source may not reach; str() is the one-line reason."""

    def __str__(self) -> str:
        return str(self.osError or "refused")


class GuardedResolver(CachingThreadedResolver):
    def __init__(self, reactor: Any, cache_size: int, timeout: float, private_ok: list[str]) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.private_ok = private_ok

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        config = Config.model_validate(settings.getdict("ONRECORD_CONFIG"))
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), private_ok_hosts(config))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:
        return super().getHostByName(name, timeout).addCallback(self._check, name)

    def _check(self, address: str, name: str) -> str:
        try:
            check_address(name, address, self.private_ok)
        except Refused as exc:
            REFUSED[name.lower().rstrip(".")] = str(exc)
            raise AddressRefused(osError=str(exc)) from None
        return address
