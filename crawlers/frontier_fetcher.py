"""`onrecord crawl --fetcher`: fetch the frontier's article pages for the crawl pass that holds it, on any
machine, with no store; each pass in a fresh child process (Twisted's reactor runs once per process), as the
crawl itself does (crawlers/run.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from onrecord.core.child import ChildRunner, serve
from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError

CHILD_MODULE = "onrecord.crawlers.frontier_fetcher"


@dataclass
class FetcherSummary:
    fetched: int  # pages fetched here (each one result on the frontier, article or failure)
    errors: int  # of which failed (recorded by the coordinator as failed fetches)
    took_part: bool  # False when no pass opened within the wait

    def line(self, url: str) -> str:
        if not self.took_part:
            return f"fetcher: no crawl pass opened on {url}"
        return f"fetcher: {self.fetched} pages fetched for the pass on {url} ({self.errors} of them failed)"


def fetch_one_pass(
    config: Config,
    *,
    wait: float | None = None,
    progress: Callable[[str], None] = print,
    runner: ChildRunner | None = None,
) -> FetcherSummary:
    """Wait for a crawl pass on config.crawl.frontier (up to `wait` seconds; None: as long as it takes), fetch its
    pages with the others until it ends, return what this process did."""
    from onrecord.crawlers.frontier import connect

    if not config.crawl.frontier:
        raise OnrecordError("crawl --fetcher needs crawl.frontier (the Redis URL of the shared frontier) in the config")
    connect(config.crawl.frontier).close()  # an unreachable Redis is one line here, before any child starts
    request = {"config": config.model_dump(mode="json"), "wait": wait}
    result = (runner or ChildRunner()).run(CHILD_MODULE, request, on_line=progress, name="fetcher process")
    return FetcherSummary(result["fetched"], result["errors"], result["took_part"])


def _serve(request: dict) -> dict:
    from scrapy.crawler import CrawlerProcess

    from onrecord.crawlers.frontier_spiders import FetcherSpider
    from onrecord.crawlers.run import child_logging
    from onrecord.crawlers.settings import scrapy_settings

    child_logging()
    config = Config.model_validate(request["config"])
    process = CrawlerProcess(scrapy_settings(config, "", role="fetcher"))
    crawler = process.create_crawler(FetcherSpider)
    failures: list = []
    process.crawl(crawler, wait=request["wait"]).addErrback(failures.append)
    process.start(install_signal_handlers=False)  # as crawlers.run: the child protocol ends the process group
    if failures:
        failures[0].raiseException()
    stats = crawler.stats.get_stats()
    spider = crawler.spider
    return {
        "fetched": stats.get("onrecord/frontier/fetched", 0),
        "errors": stats.get("onrecord/frontier/errors", 0),
        "took_part": bool(getattr(spider, "seen_pass", False)) or stats.get("onrecord/frontier/fetched", 0) > 0,
    }


if __name__ == "__main__":
    serve(_serve)
