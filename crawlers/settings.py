"""Scrapy settings built from the `crawl` section of the config: the one place politeness is set.

Plain data only (Scrapy copies settings per crawler): the config travels as its JSON dict and the store as
its path; the spider rebuilds the live objects from them inside the crawler process.
"""

from __future__ import annotations

from typing import Any

from onrecord.core.config import Config

# Statuses retried by Scrapy's RetryMiddleware; 429 and 503 are handled by RetryAfterMiddleware instead.
RETRY_CODES = [500, 502, 504, 522, 524, 408]
# Items handled in parallel per response. Scrapy starts this many asyncio tasks for every callback's output,
# and our page callbacks yield one item each: its default of 100 cost ~100 tasks per page (a third of the
# crawler process's CPU in benchmarks/crawl.py) for no gain; across responses, items are still concurrent.
CONCURRENT_ITEMS = 8


def user_agent(config: Config) -> str:
    """The project's user agent with the contact address from config added."""
    agent, contact = config.project.user_agent.strip(), config.project.contact
    if not contact or contact in agent:
        return agent
    return f"{agent[:-1]}; {contact})" if agent.endswith(")") else f"{agent} ({contact})"


def scrapy_settings(
    config: Config, db_path: str, force: bool = False, recheck_refused: bool = False, role: str | None = None
) -> dict[str, Any]:
    """The settings of a crawl pass; with crawl.frontier set and a `role`, of a process on the shared frontier
    ("coordinator": a crawl pass, which stores its pages, or "fetcher": `onrecord crawl --fetcher`). Without a
    role (backfill, which walks an archive on its own) the frontier is not used."""
    crawl = config.crawl
    settings = {
        "BOT_NAME": "onrecord",
        "USER_AGENT": user_agent(config),
        "ROBOTSTXT_OBEY": crawl.obey_robots,
        "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(crawl.download_delay, 1.0),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(crawl.concurrent_per_domain),
        "CONCURRENT_REQUESTS": crawl.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrent_per_domain,
        "CONCURRENT_ITEMS": CONCURRENT_ITEMS,
        "DOWNLOAD_DELAY": crawl.download_delay,
        "RANDOMIZE_DOWNLOAD_DELAY": crawl.download_delay > 0,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DNS_TIMEOUT": min(crawl.timeout, 30),
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_ENABLED": crawl.retry_times > 0,
        "RETRY_TIMES": crawl.retry_times,
        "RETRY_HTTP_CODES": RETRY_CODES,
        "REDIRECT_MAX_TIMES": 10,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,  # Scrapy 2.19's code-executing HTTP control server: never for us
        "DOWNLOADER_STATS": False,  # per-request byte/status stats we never read
        "LOG_LEVEL": "WARNING",
        "LOG_INSTALL_ROOT_HANDLER": False,
        "LOGSTATS_INTERVAL": 0,
        # The fence of what each source may fetch (crawlers/scope.py): every request and redirect, then every
        # DNS answer, checked before anything is downloaded.
        "DOWNLOADER_MIDDLEWARES": {
            "onrecord.crawlers.middlewares.ScopeMiddleware": 50,
            # Scrapy's robots.txt middleware lets the third and later requests waiting for a host's rules through
            # unchecked (crawlers/robots.py); ours gives each its rules.
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "onrecord.crawlers.robots.WaitingRobotsTxtMiddleware": 100,
            "onrecord.crawlers.middlewares.RetryAfterMiddleware": 560,
        },
        "TWISTED_DNS_RESOLVER": "onrecord.crawlers.resolver.GuardedResolver",
        "ITEM_PIPELINES": {"onrecord.crawlers.pipelines.StorePipeline": 300},
        "ONRECORD_CONFIG": config.model_dump(mode="json"),
        "ONRECORD_DB_PATH": str(db_path),
        "ONRECORD_FORCE": force,
        "ONRECORD_RECHECK_REFUSED": recheck_refused,
        "ONRECORD_MAX_RETRY_AFTER": crawl.max_retry_after,
    }
    if crawl.frontier and role:  # several processes on one Redis frontier (crawlers/frontier.py)
        from onrecord.crawlers.frontier import frontier_settings

        settings.update(frontier_settings(config, role))
    return settings
