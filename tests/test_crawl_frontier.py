"""Crawling on several machines: a real redis-server holds the shared frontier; two real crawl processes (the
coordinator, `onrecord crawl`, and a fetcher, `onrecord crawl --fetcher`) split one loopback site's pages, each
page fetched once in all, with the per-domain delay held across both (timestamps taken at the server)."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from crawl_helpers import article_html, loopback_config, rss
from loopback import Handler, LoopbackServer, Route
from onrecord.core.config import CrawlConfig, SourceConfig
from onrecord.storage.db import open_store

PAGES = 24
DELAY = 0.25  # crawl.download_delay: seconds between two requests to the domain, whichever process sends them
JITTER = 0.1  # what the spacing seen at the server may lose to a loaded machine (timers, threads, loopback)
REDIS = shutil.which("redis-server")

pytestmark = pytest.mark.skipif(
    REDIS is None and not os.environ.get("CI"),
    reason="redis-server is not installed (`make redis` installs Debian's package; in CI this test must run)",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    assert REDIS, "redis-server is missing: `make redis` installs it (the frontier tests must run in CI)"
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


class TimedSite(LoopbackServer):
    """A feed of PAGES article pages; every request's path and arrival time (monotonic) is kept."""

    def __init__(self, feeds: dict[str, range] | None = None) -> None:
        super().__init__()
        self.arrivals: list[tuple[str, float]] = []
        self.lock = threading.Lock()
        for path, pages in (feeds or {"/feed.xml": range(PAGES)}).items():
            entries = [(self.url(f"/news/{i}"), f"Statement {i}") for i in pages]
            self.routes[path] = self.timed(Route(rss(entries), headers={"Content-Type": "application/rss+xml"}))
        for i in range(PAGES):
            self.routes[f"/news/{i}"] = self.timed(Route(article_html(f"Statement {i}", seed=1000 + i).encode()))

    def timed(self, route: Route) -> Route:
        def answer(handler: Handler) -> None:
            with self.lock:
                self.arrivals.append((handler.path, time.monotonic()))
            handler.send(route.status, route.body, route.headers)

        return Route(handler=answer)

    def __enter__(self) -> TimedSite:
        super().__enter__()
        return self


def onrecord(*args: str) -> list[str]:
    return [sys.executable, "-m", "onrecord", *args]


def write_config(
    tmp_path: Path, config, site: TimedSite, frontier: str, feeds: tuple[str, ...] = ("/feed.xml",)
) -> Path:
    sources = [
        SourceConfig(id=f"agency{n}", name=f"Agency {n}", url=site.url(path), kind="feed")
        for n, path in enumerate(feeds)
    ]
    cfg = loopback_config(
        config, str(tmp_path / "store.db"), sources, download_delay=DELAY, concurrent_per_domain=2, frontier=frontier
    )
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(cfg.model_dump(mode="json")), encoding="utf-8")
    return path


@pytest.mark.slow  # ~30 s: three Python processes start (the crawl's child, the fetcher's parent and child)
def test_two_processes_split_one_frontier_politely(tmp_path, config, redis_url):
    with TimedSite() as site:
        config_path = write_config(tmp_path, config, site, redis_url)
        fetcher = start_fetcher(config_path)
        try:
            coordinator = subprocess.run(
                onrecord("crawl", "--config", str(config_path)), capture_output=True, text=True, timeout=300
            )
            fetcher_out, fetcher_err = fetcher.communicate(timeout=120)
        finally:
            if fetcher.poll() is None:
                fetcher.kill()
        assert coordinator.returncode == 0, coordinator.stderr
        assert fetcher.returncode == 0, fetcher_err

        pages = [path for path, _ in site.arrivals if path.startswith("/news/")]
        assert sorted(pages) == sorted(f"/news/{i}" for i in range(PAGES)), "every page fetched exactly once"

        frontier_line = next(line for line in coordinator.stdout.splitlines() if line.startswith("frontier:"))
        here = int(frontier_line.split(" fetched here")[0].rsplit(" ", 1)[1])
        elsewhere = int(frontier_line.split(" by fetchers")[0].rsplit(" ", 1)[1])
        by_fetcher = int(fetcher_out.split("fetcher: ")[1].split(" pages")[0])
        assert here > 0 and elsewhere > 0, frontier_line  # both processes did some of the work
        assert elsewhere == by_fetcher and here + elsewhere == PAGES, (frontier_line, fetcher_out)

        times = sorted(when for _, when in site.arrivals)  # robots.txt, the feed and the pages: one domain
        gaps = [b - a for a, b in itertools.pairwise(times)]
        seen = [(path, round(when - times[0], 3)) for path, when in sorted(site.arrivals, key=lambda a: a[1])]
        assert min(gaps) >= DELAY - JITTER, f"requests {min(gaps):.3f} s apart, the delay is {DELAY} s: {seen}"

        db = open_store(tmp_path / "store.db", migrate_schema=False)
        stored = db.execute("select count(*), count(distinct url) from articles").fetchone()
        assert stored == (PAGES, PAGES)  # each page stored once, by the one writer
        fetches = db.execute("select count(*) from fetches where kind = 'page'").fetchone()[0]
        assert fetches == PAGES

        again = subprocess.run(  # a second pass, no fetcher: every page is stored, none is queued or fetched
            onrecord("crawl", "--config", str(config_path), "--force"), capture_output=True, text=True, timeout=300
        )
        assert again.returncode == 0, again.stderr
        assert "frontier: 0 pages queued" in again.stdout, again.stdout
        assert len([path for path, _ in site.arrivals if path.startswith("/news/")]) == PAGES
        assert db.execute("select count(*) from articles").fetchone()[0] == PAGES


def start_fetcher(config_path: Path) -> subprocess.Popen:
    """`onrecord crawl --fetcher --once`, returned once it waits for a pass."""
    fetcher = subprocess.Popen(
        onrecord("crawl", "--config", str(config_path), "--fetcher", "--once", "--wait", "120"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert fetcher.stderr is not None
    said = [fetcher.stderr.readline()]
    while said[-1] and "waiting for a crawl pass" not in said[-1]:
        said.append(fetcher.stderr.readline())
    assert "waiting for a crawl pass" in said[-1], said
    return fetcher


@pytest.mark.slow  # ~30 s: five Python processes
def test_two_passes_at_once_share_the_frontier(tmp_path, config, redis_url):
    """The daemon's case: two crawl passes (one source each) at the same time, and a fetcher; every page of both
    fetched once, each stored by the pass that queued it, politeness held across the three processes."""
    feeds = {"/a.xml": range(12), "/b.xml": range(12, 24)}
    with TimedSite(feeds) as site:
        config_path = write_config(tmp_path, config, site, redis_url, tuple(feeds))
        fetcher = start_fetcher(config_path)
        try:
            passes = [
                subprocess.Popen(
                    onrecord("crawl", "--config", str(config_path), "--source", source),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for source in ("agency0", "agency1")
            ]
            outputs = [p.communicate(timeout=300) for p in passes]
            fetcher_out, fetcher_err = fetcher.communicate(timeout=120)
        finally:
            for process in (fetcher, *passes):
                if process.poll() is None:
                    process.kill()
        for p, (out, err) in zip(passes, outputs, strict=True):
            assert p.returncode == 0, err
            assert "frontier: 12 pages queued" in out, out  # each pass queued its own source's pages
        pages = [path for path, _ in site.arrivals if path.startswith("/news/")]
        assert sorted(pages) == sorted(f"/news/{i}" for i in range(24)), "every page fetched exactly once"
        times = sorted(when for _, when in site.arrivals)
        assert min(b - a for a, b in itertools.pairwise(times)) >= DELAY - JITTER
        db = open_store(tmp_path / "store.db", migrate_schema=False)
        per_source = dict(db.execute("select source, count(*) from articles group by source").fetchall())
        assert per_source == {"agency0": 12, "agency1": 12}
        assert "fetcher: " in fetcher_out, fetcher_err


def test_unreachable_redis_is_one_line_naming_the_url(tmp_path, config):
    port = free_port()  # nothing listens there
    with TimedSite() as site:
        config_path = write_config(tmp_path, config, site, f"redis://:secret@127.0.0.1:{port}/0")
        for args in (["crawl"], ["crawl", "--fetcher", "--once"]):
            done = subprocess.run(
                onrecord(*args, "--config", str(config_path)), capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 2, done.stderr
            lines = [line for line in done.stderr.splitlines() if not line.startswith("config: ")]
            assert len(lines) == 1 and lines[0].startswith("onrecord: error: crawl.frontier"), done.stderr
            assert f"redis://:***@127.0.0.1:{port}/0" in lines[0] and "unreachable" in lines[0]
            assert "secret" not in done.stderr
        assert site.arrivals == []  # nothing fetched


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "redis://", "redis://host:port", "6379"])
def test_frontier_must_be_a_redis_url(url):
    with pytest.raises(ValueError, match="expected a Redis URL"):
        CrawlConfig(frontier=url)


@pytest.mark.parametrize("url", ["redis://10.0.0.5:6379/0", "rediss://:pw@redis.example:6380", "unix:///run/r.sock"])
def test_frontier_takes_redis_urls(url):
    assert CrawlConfig(frontier=url).frontier == url


@pytest.mark.parametrize(
    "args", [["--fetcher", "--source", "agency0"], ["--fetcher", "--force"], ["--once"], ["--wait", "5"]]
)
def test_fetcher_options_go_together(args):
    from click.testing import CliRunner

    from onrecord.cli import cli

    result = CliRunner().invoke(cli, ["crawl", *args])
    assert result.exit_code == 2 and "--fetcher" in result.output, result.output


def test_only_crawl_passes_and_fetchers_use_the_frontier(config):
    """A crawl pass and a fetcher get the shared scheduler and politeness; backfill (no role) walks on its own."""
    from onrecord.crawlers.settings import scrapy_settings

    shared = config.model_copy(update={"crawl": config.crawl.model_copy(update={"frontier": "redis://10.0.0.5/0"})})
    assert "SCHEDULER" not in scrapy_settings(shared, "store.db")
    for role in ("coordinator", "fetcher"):
        settings = scrapy_settings(shared, "store.db", role=role)
        assert settings["SCHEDULER"].endswith("FrontierScheduler") and settings["REDIS_URL"] == "redis://10.0.0.5/0"
        assert settings["DOWNLOAD_HANDLERS"]["https"].endswith("SharedPolitenessHandler")
    assert "SCHEDULER" not in scrapy_settings(config, "store.db", role="coordinator")  # no frontier configured
