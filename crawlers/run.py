"""One collection pass over the configured sources, run as a child process.

Twisted's reactor can run only once per process, so every pass gets a fresh child process
(`python -m onrecord.crawlers.run`, so no reactor state is inherited); the parent sends it the validated config
on stdin, relays its progress lines, and reads its summary; a child that dies is reported with its
exit code. The child is the only writer while it runs.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
OUTCOMES = ("new", "duplicate", "partial", "updated", "unchanged", "known", "not-modified", "not-article", "error", "not-due")


@dataclass
class CrawlSummary:
    """Counts per source and outcome of one pass."""

    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # crawler process, its extraction workers

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
        parts = [f"{counts[o]} {o}" for o in OUTCOMES if counts.get(o)]
        return f"{source_id}: {', '.join(parts) if parts else 'nothing fetched'}"

    def to_dict(self) -> dict:
        return {"new_articles": self.new_articles, "unchanged": self.unchanged, "errors": self.errors,
                "not_articles": self.total("not-article"), "duplicates": self.total("duplicate"),
                "per_source": self.per_source}


class _ParentHandler(logging.Handler):
    """Sends the child's crawl log lines to the parent (JSON lines on stdout), which shows them as progress."""

    def __init__(self, stream) -> None:
        super().__init__(logging.INFO)
        self.stream = stream

    def emit(self, record: logging.LogRecord) -> None:
        level = "error" if record.levelno >= logging.WARNING else "info"
        _send(self.stream, level, record.getMessage())


def _send(stream, kind: str, payload) -> None:
    stream.write(json.dumps({"kind": kind, "payload": payload}) + "\n")
    stream.flush()


def crawl_in_this_process(config: Config, db_path: str, sources: list[str] | None = None, force: bool = False) -> CrawlSummary:
    """Run the spiders in this process's (one-time) reactor and return the per-source counts."""
    import resource

    from scrapy.crawler import CrawlerProcess

    from onrecord.crawlers.settings import scrapy_settings
    from onrecord.crawlers.spiders.feeds import FeedSpider
    from onrecord.crawlers.spiders.listing import ListingSpider

    from onrecord.crawlers.pipelines import PassResources

    resources = PassResources(config, db_path)
    try:
        process = CrawlerProcess(scrapy_settings(config, resources, force))
        kinds = {s.kind for s in config.sources if s.enabled and (sources is None or s.id in sources)}
        crawlers = []
        for spider in (FeedSpider, ListingSpider):
            if spider.kind in kinds:
                crawler = process.create_crawler(spider)
                crawlers.append(crawler)
                process.crawl(crawler, sources=sources)
        process.start()
    finally:
        resources.close()
    summary = CrawlSummary()
    for crawler in crawlers:
        for key, value in crawler.stats.get_stats().items():
            if key.startswith("onrecord/source/"):
                source_id, outcome = key.removeprefix("onrecord/source/").rsplit("/", 1)
                counts = summary.per_source.setdefault(source_id, {})
                counts[outcome] = counts.get(outcome, 0) + value
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    summary.peak_rss_mb = own.ru_maxrss / 1024
    summary.cpu_seconds = {"crawler": round(own.ru_utime + own.ru_stime, 2),
                           "workers": round(workers.ru_utime + workers.ru_stime, 2)}
    return summary


def _child_main() -> None:
    """Entry point of the child: a JSON request on stdin, JSON lines (progress, then the result) on stdout."""
    request = json.loads(sys.stdin.read())
    out = sys.stdout
    sys.stdout = sys.stderr  # nothing else may write to the channel
    errors_only = logging.StreamHandler(sys.stderr)
    errors_only.setLevel(logging.ERROR)  # Scrapy's chatter stays out; bugs still show
    errors_only.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logging.getLogger().addHandler(errors_only)
    logging.getLogger("scrapy.downloadermiddlewares.retry").setLevel(logging.CRITICAL)  # we log our own line
    crawl_log = logging.getLogger("onrecord.crawl")
    crawl_log.setLevel(logging.INFO)
    crawl_log.addHandler(_ParentHandler(out))
    crawl_log.propagate = False
    try:
        summary = crawl_in_this_process(Config.model_validate(request["config"]), request["db_path"],
                                        request["sources"], request["force"])
    except OnrecordError as exc:
        _send(out, "failed", str(exc))
        return
    _send(out, "done", {"per_source": summary.per_source, "peak_rss_mb": summary.peak_rss_mb,
                        "cpu_seconds": summary.cpu_seconds})


def crawl(config: Config, *, sources: list[str] | None = None, force: bool = False,
          progress: Callable[[str], None] = print) -> CrawlSummary:
    """Crawl the (named) sources once into config.storage.path; `force` ignores each source's interval."""
    if sources:
        unknown = [s for s in sources if config.source(s) is None]
        if unknown:
            known = ", ".join(s.id for s in config.sources)
            raise OnrecordError(f"unknown source {unknown[0]!r}; configured sources: {known}")
    from onrecord.crawlers.publishers import load_parser

    for source in config.sources:
        if source.parser and (not sources or source.id in sources):
            load_parser(source.parser, source.id)  # a misspelt parser stops the pass before it starts
    request = {"config": config.model_dump(mode="json"), "db_path": str(config.storage.path),
               "sources": sources, "force": force}
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])))
    child = subprocess.Popen([sys.executable, "-m", "onrecord.crawlers.run"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, encoding="utf-8", env=env)
    child.stdin.write(json.dumps(request))
    child.stdin.close()
    result = failure = None
    for line in child.stdout:
        message = json.loads(line)
        kind, payload = message["kind"], message["payload"]
        if kind in ("info", "error"):
            progress(payload)
        elif kind == "failed":
            failure = payload
        elif kind == "done":
            result = payload
    code = child.wait()
    if failure:
        raise OnrecordError(failure)
    if result is None:
        raise OnrecordError(f"crawler process died (exit code {code}) before reporting; see the lines above")
    summary = CrawlSummary(per_source=result["per_source"], peak_rss_mb=result["peak_rss_mb"],
                           cpu_seconds=result.get("cpu_seconds", {}))
    _mark_sources(config, summary, sources)
    return summary


def _mark_sources(config: Config, summary: CrawlSummary, sources: list[str] | None) -> None:
    """Record each crawled source's health: an error fetch of its feed/listing counts as a failure."""
    from onrecord.storage.db import open_store
    from onrecord.storage.sources import mark_source_result

    db = open_store(config.storage.path)
    try:
        for source in config.sources:
            counts = summary.per_source.get(source.id)
            if not counts or (sources and source.id not in sources) or set(counts) == {"not-due"}:
                continue
            row = db.execute("SELECT error, outcome FROM fetches WHERE source = ? AND url = ? ORDER BY id DESC LIMIT 1",
                             [source.id, source.url]).fetchone()
            mark_source_result(db, source.id, row[0] if row and row[1] == "error" else None)
    finally:
        db.conn.close()


if __name__ == "__main__":
    _child_main()
