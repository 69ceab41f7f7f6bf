"""The shared crawl frontier (`crawl.frontier`, a Redis URL): its keys, its connection, and the Scrapy settings.

Each crawl pass (`onrecord crawl`, or the daemon's crawl children, on the machine that holds the store) is a
coordinator: it fetches its sources' feeds and listing pages itself, filters their links against the store as
always, and puts the new article pages into the shared request queue (scrapy-redis, with a shared duplicate
filter). Any number of `onrecord crawl --fetcher` processes, on any machine, take pages from that queue (so do
the passes themselves), download them under the shared per-domain politeness (crawlers/frontier_politeness.py)
and push each result back through Redis to the pass that queued the page (crawlers/frontier_items.py), which
stores it. The store keeps its writers on its own machine and its dedup; a fetcher needs no store, only the same
config file.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit, urlunsplit

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError

PREFIX = "onrecord:frontier"
REQUESTS = f"{PREFIX}:requests"  # scrapy-redis's request queue (a sorted set by priority), shared by every pass
SEEN = f"{PREFIX}:seen"  # the duplicate filter: request fingerprint -> the pass that queued it (a hash)
RESULTS = f"{PREFIX}:results"  # RESULTS:<pass>: what fetchers got for that pass (JSON records), drained by it
PASSES = f"{PREFIX}:passes"  # the open passes: pass id -> when its lease runs out (Redis clock), renewed
SLOT = f"{PREFIX}:slot"  # SLOT:<host>:next and SLOT:<host>:active, the shared politeness of one domain
PASS_LEASE_SECONDS = 30  # a pass renews its lease every few seconds; a dead one's runs out
RESULTS_KEPT_SECONDS = 24 * 3600  # results of a pass that died before taking them are dropped after this


def redis_now(client: Any) -> float:
    seconds, micros = client.time()
    return seconds + micros / 1e6


def open_passes(client: Any) -> int:
    """How many crawl passes hold the frontier now."""
    return client.zcount(PASSES, redis_now(client), "+inf")


def shown_url(url: str) -> str:
    """The URL for messages, its password (if any) replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def connect(url: str) -> Any:
    """A client of the frontier's Redis, checked with a PING: an unreachable server is one OnrecordError naming
    the URL (the pass that needs it fails before it fetches anything)."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30, health_check_interval=30)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        raise OnrecordError(f"crawl.frontier {shown_url(url)}: Redis unreachable ({exc})") from None
    return client


def frontier_settings(config: Config, role: str) -> dict[str, Any]:
    """The Scrapy settings a crawl process adds when the frontier is set: the shared scheduler and duplicate
    filter, the shared politeness, and the pipeline of its role ("coordinator" or "fetcher")."""
    url = config.crawl.frontier
    assert url is not None
    pipeline = {
        "coordinator": "onrecord.crawlers.frontier_items.CoordinatorPipeline",
        "fetcher": "onrecord.crawlers.frontier_items.OutboxPipeline",
    }[role]
    return {
        "SCHEDULER": "onrecord.crawlers.frontier_scheduler.FrontierScheduler",
        "DUPEFILTER_CLASS": "onrecord.crawlers.frontier_scheduler.PassDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": REQUESTS,
        "SCHEDULER_DUPEFILTER_KEY": SEEN,
        # scrapy-redis would empty the shared queue when any one process closes; it holds other passes' pages.
        "SCHEDULER_PERSIST": True,
        "REDIS_URL": url,
        # Scrapy's own per-process delay and concurrency stay; the download handler then takes the domain's turn
        # shared by every process (frontier_politeness) right before each request goes out.
        "DOWNLOAD_HANDLERS": politeness_handlers(),
        "ONRECORD_FRONTIER_ROLE": role,
        "ITEM_PIPELINES": {pipeline: 300},
    }


def politeness_handlers() -> dict[str, str]:
    """Scrapy's download handlers for http and https, taking the shared per-domain turn before each download."""
    handler = "onrecord.crawlers.frontier_politeness.SharedPolitenessHandler"
    return {"http": handler, "https": handler}
