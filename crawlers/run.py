"""One collection pass over the configured sources, run as a child process.

Twisted's reactor can run only once per process, so every pass gets a fresh child process
(`python -m onrecord.crawlers.run`) through the one child protocol of onrecord.core.child: the validated
config as JSON on stdin, progress lines on stderr, the pass's counts as the one JSON reply on stdout. The
child is the only writer while it runs, and records its sources' health when the pass completes; a parent
whose child died records the failure for it. The CLI, the demo and the daemon all crawl through `crawl`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from onrecord.core.child import ChildFailed, ChildRunner, ChildStopped, serve
from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.core.records import FETCH_OUTCOMES, utc_now

# What a pass counts per source: every fetch outcome, article links already stored, sources not yet due, stored
# articles fetched again (crawlers/revisits.py). The per-source line leaves out "ok" (a feed or listing page read
# whole: the normal case).
COUNTS = (*FETCH_OUTCOMES, "known", "not-due", "revisited")
CHILD_MODULE = "onrecord.crawlers.run"


@dataclass
class CrawlSummary:
    """Counts per source and outcome of one pass."""

    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # crawler process, its extraction workers
    stopped: str | None = None  # why the pass stopped early (a full store), or None
    frontier: dict[str, int] = field(default_factory=dict)  # with crawl.frontier: pages queued, fetched where

    def total(self, outcome: str) -> int:
        return sum(counts.get(outcome, 0) for counts in self.per_source.values())

    @property
    def new_articles(self) -> int:
        return self.total("new") + self.total("duplicate")

    @property
    def unchanged(self) -> int:
        return self.total("known") + self.total("unchanged") + self.total("not-modified")

    @property
    def errors(self) -> int:
        return self.total("error")

    def line(self, source_id: str) -> str:
        counts = self.per_source.get(source_id, {})
        parts = [f"{counts[o]} {o}" for o in COUNTS if o != "ok" and counts.get(o)]
        return f"{source_id}: {', '.join(parts) if parts else 'nothing fetched'}"

    def to_dict(self) -> dict:
        return {
            "new_articles": self.new_articles,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "not_articles": self.total("not-article"),
            "duplicates": self.total("duplicate"),
            "per_source": self.per_source,
        }


def crawl(
    config: Config,
    *,
    sources: list[str] | None = None,
    force: bool = False,
    recheck_refused: bool = False,
    progress: Callable[[str], None] = print,
    runner: ChildRunner | None = None,
    timeout: float | None = None,
) -> CrawlSummary:
    """Crawl the (named) sources once into config.storage.path in a child process; `force` ignores each
    source's interval; `recheck_refused` fetches again the pages an earlier pass refused as not articles (by
    default a refused page is not fetched again). A child that dies, is killed or times out raises ChildFailed
    (its sources' failure is recorded first); one ended by `runner`'s stop raises ChildStopped (nothing
    recorded: the pass resumes)."""
    if sources:
        unknown = [s for s in sources if config.source(s) is None]
        if unknown:
            known = ", ".join(s.id for s in config.sources)
            raise OnrecordError(f"unknown source {unknown[0]!r}; configured sources: {known}")
    if config.crawl.frontier:  # an unreachable Redis is one line before the pass starts (nothing recorded)
        from onrecord.crawlers.frontier import connect

        connect(config.crawl.frontier).close()
    from onrecord.crawlers.publishers import load_parser

    for source in config.sources:
        if source.parser and (not sources or source.id in sources):
            load_parser(source.parser, source.id)  # a misspelt parser stops the pass before it starts
    request = {
        "config": config.model_dump(mode="json"),
        "db_path": str(config.storage.path),
        "sources": sources,
        "force": force,
        "recheck_refused": recheck_refused,
    }
    started = utc_now()
    try:
        result = (runner or ChildRunner()).run(
            CHILD_MODULE, request, timeout=timeout, on_line=progress, name="crawler process"
        )
    except ChildStopped:
        raise
    except ChildFailed as exc:
        _record_failure(config, sources, started, str(exc))
        raise
    return CrawlSummary(
        per_source=result["per_source"],
        peak_rss_mb=result["peak_rss_mb"],
        cpu_seconds=result["cpu_seconds"],
        stopped=result.get("stopped"),
        frontier=result.get("frontier", {}),
    )


def _record_failure(config: Config, sources: list[str] | None, since: str, error: str) -> None:
    from onrecord.crawlers.health import record_unreported
    from onrecord.storage.db import open_store

    wanted = [s.id for s in config.sources if s.enabled and (not sources or s.id in sources)]
    db = open_store(config.storage.path, migrate_schema=False)
    try:
        record_unreported(db, wanted, since, error)
    finally:
        db.conn.close()


# -- the child ---------------------------------------------------------------------------------------------


def crawl_in_this_process(
    config: Config,
    db_path: str,
    sources: list[str] | None = None,
    force: bool = False,
    recheck_refused: bool = False,
) -> CrawlSummary:
    """Run the spider in this process's (one-time) reactor, record the sources' health, return the counts."""
    import resource

    from scrapy.crawler import CrawlerProcess

    from onrecord.crawlers.settings import scrapy_settings
    from onrecord.crawlers.spiders.sources import SourceSpider

    process = CrawlerProcess(scrapy_settings(config, db_path, force, recheck_refused, role="coordinator"))
    if config.crawl.frontier:  # this pass coordinates the shared frontier: fetchers elsewhere take its pages
        from onrecord.crawlers.frontier_spiders import CoordinatorSpider

        crawler = process.create_crawler(CoordinatorSpider)
    else:
        crawler = process.create_crawler(SourceSpider)
    failures: list = []
    process.crawl(crawler, sources=sources).addErrback(failures.append)
    try:
        # No signal handlers of Scrapy's or Twisted's: Scrapy's first SIGTERM waits for the downloads in flight,
        # which outlives a parent killed -9 (its SIGTERM comes from the kernel, onrecord.core.child) by up to
        # crawl.timeout. The child protocol's handler ends the process group (this process and its extraction
        # workers) at once instead; whatever the open batch held, the next pass fetches again.
        process.start(install_signal_handlers=False)
    finally:
        spider = getattr(crawler, "spider", None)
        resources = getattr(spider, "resources", None)
        finished = crawler.stats.get_value("finish_reason") == "finished"
        if spider is not None and resources is not None and not failures and finished:
            _record_health(resources.writer, config, spider.my_sources(), crawler.stats.get_stats())
        if resources is not None:
            resources.close()
    if failures:
        failures[0].raiseException()
    summary = CrawlSummary(stopped=crawler.stats.get_value("onrecord/stopped"))
    for key, value in crawler.stats.get_stats().items():
        if key.startswith("onrecord/frontier/"):
            summary.frontier[key.removeprefix("onrecord/frontier/")] = value
        if key.startswith("onrecord/source/"):
            source_id, outcome = key.removeprefix("onrecord/source/").rsplit("/", 1)
            counts = summary.per_source.setdefault(source_id, {})
            counts[outcome] = counts.get(outcome, 0) + value
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary.peak_rss_mb = own.ru_maxrss / 1024
    summary.cpu_seconds = {
        "crawler": round(own.ru_utime + own.ru_stime, 2),
        "workers": round(workers.ru_utime + workers.ru_stime, 2),
    }
    return summary


def _record_health(writer, config: Config, sources, stats: dict) -> None:
    """A completed pass records each source it fetched (not those skipped as not yet due)."""
    from onrecord.crawlers.health import record_pass

    writer.flush()
    fetched = [
        s
        for s in sources
        if any(k.startswith(f"onrecord/source/{s.id}/") and not k.endswith("/not-due") for k in stats)
    ]
    record_pass(writer.db, fetched)


def child_logging() -> None:
    """A crawl child's logging: its progress lines on stderr for the parent, errors only from the rest."""
    errors_only = logging.StreamHandler(sys.stderr)
    errors_only.setLevel(logging.ERROR)  # Scrapy's chatter stays out; bugs still show
    errors_only.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(errors_only)
    logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)  # we log our own line
    crawl_log = logging.getLogger("onrecord.crawl")
    crawl_log.setLevel(logging.INFO)
    progress = logging.StreamHandler(sys.stderr)  # one plain line per event: the parent's progress
    progress.setFormatter(logging.Formatter("%(message)s"))
    crawl_log.addHandler(progress)
    crawl_log.propagate = False


def _serve(request: dict) -> dict:
    child_logging()
    summary = crawl_in_this_process(
        Config.model_validate(request["config"]),
        request["db_path"],
        request["sources"],
        request["force"],
        request.get("recheck_refused", False),
    )
    return {
        "per_source": summary.per_source,
        "peak_rss_mb": summary.peak_rss_mb,
        "cpu_seconds": summary.cpu_seconds,
        "stopped": summary.stopped,
        "frontier": summary.frontier,
    }


if __name__ == "__main__":
    serve(_serve)
