"""One backfill of one source, run as a child process like every crawl pass (crawlers/run.py, onrecord.core.child).

The parent checks the request (the source, its archive, the dates) and starts `python -m
onrecord.crawlers.archive.run`; the child walks the archive with the BackfillSpider and the crawl's own settings
(robots.txt, AutoThrottle, per-domain concurrency, back-off on 429/503; `archive.download_delay` if set), writes
progress lines on stderr, and replies with its counts.

Stopping: the first SIGTERM or SIGINT closes the walk gracefully (no new request; the pages in flight are
fetched, extracted and stored; the batch is committed), so the next run resumes with nothing fetched twice. The
parent waits for that up to the crawl timeout and then kills the group.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from onrecord.core.child import ChildRunner, serve
from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError

CHILD_MODULE = "onrecord.crawlers.archive.run"
PROGRESS_MARK = "@progress "


@dataclass
class BackfillSummary:
    """What one backfill run did."""

    source: str
    since: str
    until: str
    complete: bool = False  # every archive page of the walk has been read
    stopped: str | None = None  # why the run stopped early ('interrupted', a full store), or None
    pages_read: int = 0  # archive pages read, in all runs of the walk
    pages_planned: int = 0
    pages_this_run: int = 0
    pages_failed: int = 0  # archive pages that failed in this run (read again by the next)
    links: int = 0  # article links the walk found in its range
    out_of_range: int = 0
    undated: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # this run's outcomes: new, known, error ...
    requests: int = 0  # HTTP responses received by the run (archive and article pages, robots.txt)
    seconds: float = 0.0
    peak_rss_mb: float = 0.0
    cpu_seconds: float = 0.0  # of the backfill process and its extraction workers

    @property
    def pages_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {**asdict(self), "pages_per_second": round(self.pages_per_second, 1)}


def parse_day(value: str, option: str) -> date:
    """A date given on the command line (YYYY-MM-DD), or a one-line error naming the option."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise OnrecordError(
            f"backfill: {option} {value!r} is not a date; expected YYYY-MM-DD such as 2025-05-16"
        ) from None


def check_request(config: Config, source_id: str, since: date, until: date) -> None:
    """The one-line refusals: an unknown source, one without an archive, a range that is empty or in the future."""
    source = config.source(source_id)
    if source is None:
        known = ", ".join(s.id for s in config.sources if s.archive) or "none"
        raise OnrecordError(f"backfill: unknown source {source_id!r}; sources with an archive: {known}")
    if source.archive is None:
        raise OnrecordError(
            f"backfill: source {source_id!r} declares no archive; add an `archive:` block to its entry "
            "(kind: sitemap, dated_listing or feed_pages, and its url)"
        )
    today = datetime.now(UTC).date()
    if since > today:
        raise OnrecordError(f"backfill: --since {since} is in the future (today is {today})")
    if until < since:
        raise OnrecordError(f"backfill: --until {until} is before --since {since}")


def backfill(
    config: Config,
    source_id: str,
    since: date,
    until: date | None = None,
    *,
    restart: bool = False,
    progress: Callable[[str], None] = print,
    on_progress: Callable[[dict], None] | None = None,
    runner: ChildRunner | None = None,
) -> BackfillSummary:
    """Walk `source_id`'s archive from `until` (default: today) back to `since` into config.storage.path, resuming
    the walk of the same range if one was stopped; `restart` reads its archive pages again. Progress lines go to
    `progress`, the walk's progress objects to `on_progress`."""
    until = until or datetime.now(UTC).date()
    check_request(config, source_id, since, until)
    request = {
        "config": config.model_dump(mode="json"),
        "db_path": str(config.storage.path),
        "walk": {"source": source_id, "since": since.isoformat(), "until": until.isoformat(), "restart": restart},
    }

    def line(text: str) -> None:
        if text.startswith(PROGRESS_MARK):
            if on_progress is not None:
                on_progress(json.loads(text.removeprefix(PROGRESS_MARK)))
        else:
            progress(text)

    runner = runner or ChildRunner(stop_timeout=config.crawl.timeout + 10)
    result = runner.run(CHILD_MODULE, request, on_line=line, name="backfill process")
    return BackfillSummary(**result)


# -- the child ---------------------------------------------------------------------------------------------


def backfill_in_this_process(config: Config, db_path: str, walk: dict) -> BackfillSummary:
    """Walk the archive in this process's reactor; return the counts."""
    import resource
    import time

    from scrapy.crawler import CrawlerProcess

    from onrecord.crawlers.archive.spider import BackfillSpider
    from onrecord.crawlers.settings import scrapy_settings

    settings = scrapy_settings(config, db_path, force=True)
    source = config.source(walk["source"])
    assert source is not None and source.archive is not None
    if source.archive.download_delay is not None:
        settings["DOWNLOAD_DELAY"] = source.archive.download_delay
        settings["RANDOMIZE_DOWNLOAD_DELAY"] = source.archive.download_delay > 0
    settings["ITEM_PIPELINES"] = {
        **settings["ITEM_PIPELINES"],
        "onrecord.crawlers.archive.pipeline.ArchivePipeline": 250,
    }
    settings["ONRECORD_BACKFILL"] = walk
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(BackfillSpider)
    failures: list = []
    process.crawl(crawler).addErrback(failures.append)
    _stop_gracefully_on_signals(crawler)
    started = time.monotonic()
    try:
        process.start(install_signal_handlers=False)
    finally:
        spider = getattr(crawler, "spider", None)
        if spider is not None:
            spider.resources.close()
    if failures:
        failures[0].raiseException()
    assert isinstance(spider, BackfillSpider)
    reason = crawler.stats.get_value("finish_reason")
    stopped = crawler.stats.get_value("onrecord/stopped") or (None if reason == "finished" else str(reason))
    complete = spider.complete and stopped is None
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    if complete:
        _finish(db_path, spider.walk.id)
    return BackfillSummary(
        source=source.id,
        since=walk["since"],
        until=walk["until"],
        complete=complete,
        stopped=stopped,
        pages_read=spider.pages_read,
        pages_planned=spider.pages_planned,
        pages_this_run=spider.pages_this_run,
        pages_failed=spider.pages_failed,
        links=spider.links_found,
        out_of_range=spider.out_of_range,
        undated=spider.undated,
        counts={k: v for k, v in spider.counts().items() if v},
        requests=int(crawler.stats.get_value("response_received_count", 0)),
        seconds=round(time.monotonic() - started, 2),
        peak_rss_mb=own.ru_maxrss / 1024,
        cpu_seconds=round(sum(r.ru_utime + r.ru_stime for r in (own, workers)), 2),
    )


def _finish(db_path: str, walk_id: int) -> None:
    from onrecord.storage.backfill import finish_walk
    from onrecord.storage.db import open_store

    db = open_store(db_path, migrate_schema=False)
    try:
        finish_walk(db, walk_id)
    finally:
        db.conn.close()


def _stop_gracefully_on_signals(crawler) -> None:
    """First SIGTERM/SIGINT: close the spider (pages in flight finish and are stored). A second: end the group."""
    closing: list[asyncio.Future] = []

    def stop(signum: int, frame: object) -> None:
        from twisted.internet import reactor  # the one Scrapy installed (importing it earlier would install one)

        signal.signal(signal.SIGTERM, _end_group)
        signal.signal(signal.SIGINT, _end_group)
        crawler.stats.set_value("onrecord/stopped", "interrupted")

        def close() -> None:
            if crawler.engine is not None:
                closing.append(asyncio.ensure_future(crawler.engine.close_spider_async(reason="interrupted")))

        reactor.callFromThread(close)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _end_group(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.killpg(os.getpgrp(), signal.SIGKILL)


def _serve(request: dict) -> dict:
    errors_only = logging.StreamHandler(sys.stderr)
    errors_only.setLevel(logging.ERROR)
    errors_only.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(errors_only)
    logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)
    plain = logging.Formatter("%(message)s")
    for name, level in (("onrecord.crawl", logging.WARNING), ("onrecord.backfill.progress", logging.INFO)):
        log = logging.getLogger(name)  # per archive page lines would bury the progress bar: problems only
        log.setLevel(level)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(plain)
        log.addHandler(handler)
        log.propagate = False
    summary = backfill_in_this_process(Config.model_validate(request["config"]), request["db_path"], request["walk"])
    from dataclasses import asdict

    return asdict(summary)


if __name__ == "__main__":
    serve(_serve)
