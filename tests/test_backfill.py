"""`onrecord backfill` against a loopback replica of a dated archive (tests/backfill_site.py): the real child
process, Scrapy, extraction workers and a store file; requests counted at the server."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from datetime import date

import pytest
import yaml

from backfill_site import archive_pages, in_range
from crawl_helpers import loopback_config
from loopback import LoopbackServer, Route
from onrecord.cli import main
from onrecord.core.child import ChildFailed, ChildRunner, ChildStopped
from onrecord.core.config import ArchiveConfig, SourceConfig, config_from_dict
from onrecord.core.errors import ConfigError, OnrecordError
from onrecord.crawlers.archive.run import BackfillSummary, backfill
from onrecord.storage.db import open_store

FIRST, LAST = date(2025, 4, 1), date(2025, 5, 31)  # the archive's articles
SINCE, UNTIL = date(2025, 5, 1), date(2025, 5, 20)  # the range backfilled
COUNT = 60
TEMPLATES = {
    "sitemap": "/sitemap.xml",
    "dated_listing": "/archive/{date:%Y/%m/%d}/",
    "feed_pages": "/feed/page/{page}/",
}
DISALLOWED = "/news/2025/05/1"  # ten days' articles (10-19 May) are not ours to fetch
ROBOTS = f"User-agent: *\nDisallow: {DISALLOWED}\n".encode()
ALLOW_ALL = b"User-agent: *\nDisallow:\n"


def serve_archive(server: LoopbackServer, delay: float = 0.0, robots: bytes = ROBOTS) -> None:
    for path, (body, ctype) in archive_pages(server.base, COUNT, FIRST, LAST).items():
        server.routes[path] = Route(body, headers={"Content-Type": ctype}, delay=delay if "/news/" in path else 0.0)
    server.routes["/robots.txt"] = Route(robots, headers={"Content-Type": "text/plain"})


def archive_config(config, tmp_path, server: LoopbackServer, kind: str):
    archive = ArchiveConfig(kind=kind, url=server.base + TEMPLATES[kind], link_selector="main h2 a")
    source = SourceConfig(id="archive", name="Archive", url=server.url("/feed/page/1/"), archive=archive)
    config = loopback_config(config, str(tmp_path / "store.db"), [source], concurrent_per_domain=2)
    open_store(config.storage.path).conn.close()
    return config


def stored_paths(config) -> list[str]:
    db = open_store(config.storage.path)
    try:
        return [row[0].split(":", 2)[2].split("/", 1)[1] for row in db.execute("SELECT url FROM articles")]
    finally:
        db.conn.close()


def fetched_twice(server: LoopbackServer) -> list[str]:
    """Paths requested more than once, robots.txt aside (every crawler process asks for it once)."""
    counts = Counter(path for path, _ in server.hits if path != "/robots.txt")
    return sorted(path for path, n in counts.items() if n > 1)


def run_command(config, tmp_path, capsys) -> BackfillSummary:
    """`onrecord backfill --json` with this config written out; its summary, after checking what it printed."""
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
    args = ["backfill", "--config", str(path), "--source", "archive", "--since", str(SINCE), "--until", str(UNTIL)]
    main([*args, "--json"])
    out, err = capsys.readouterr()
    assert "backfill archive: 0 articles" in err  # the first plain progress line
    result = json.loads(out)
    assert result["pages_per_second"] > 0
    result.pop("pages_per_second")
    return BackfillSummary(**result)


def wanted(robots: bytes = ROBOTS) -> set[str]:
    everything = in_range(COUNT, FIRST, LAST, SINCE, UNTIL)
    return everything if robots == ALLOW_ALL else {p for p in everything if not p.startswith(DISALLOWED)}


@pytest.mark.slow
@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_backfill_stores_the_range_once_and_obeys_robots(config, tmp_path, capsys, kind):
    with LoopbackServer() as server:
        serve_archive(server)
        config = archive_config(config, tmp_path, server, kind)
        if kind == "dated_listing":  # through the command line: plain progress lines (no terminal), JSON summary
            summary = run_command(config, tmp_path, capsys)
        else:
            summary = backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None)
        assert summary.complete and summary.stopped is None
        stored = ["/" + p for p in stored_paths(config)]
        assert sorted(stored) == sorted(wanted())  # the range, nothing outside it, nothing robots.txt disallows
        assert not any(p.startswith(DISALLOWED) for p, _ in server.hits)
        assert fetched_twice(server) == []
        if kind == "dated_listing":  # one listing page per day of the range, none outside it
            listings = {p for p, _ in server.hits if p.startswith("/archive/")}
            assert len(listings) == (UNTIL - SINCE).days + 1
        hits = len(server.hits)
        # The walk is complete: only its links not stored are asked for again, the ten robots.txt disallows, all at
        # once before robots.txt is read (each must still wait for its rules: crawlers/robots.py).
        again = backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None)
        assert again.complete and again.counts.get("new", 0) == 0
        assert [p for p, _ in server.hits[hits:] if p != "/robots.txt"] == []  # nothing requested again


@pytest.mark.slow
def test_a_stopped_backfill_resumes_with_nothing_fetched_twice(config, tmp_path):
    with LoopbackServer() as server:
        serve_archive(server, delay=0.05, robots=ALLOW_ALL)
        config = archive_config(config, tmp_path, server, "dated_listing")
        runner = ChildRunner(stop_timeout=30)

        def stop_midway() -> None:  # a real SIGTERM to the backfill process once some articles were served
            while sum(1 for p, _ in server.hits if p.startswith("/news/")) < 6:
                time.sleep(0.02)
            runner.stop_all()

        stopper = threading.Thread(target=stop_midway, daemon=True)
        stopper.start()
        with pytest.raises(ChildStopped):
            backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None, runner=runner)
        stopper.join()
        first_run = len(stored_paths(config))
        assert 0 < first_run < len(wanted(ALLOW_ALL))  # it really stopped midway
        summary = backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None)
        assert summary.complete
        stored = stored_paths(config)
        assert len(stored) == len(set(stored)) == len(wanted(ALLOW_ALL))  # every article once
        assert fetched_twice(server) == []  # no archive page or article asked for twice


def test_archive_entries_are_checked_with_one_line_errors():
    base = {"id": "x", "name": "X", "url": "https://example.org/feed"}
    cases = {
        "dated_listing": ("https://example.org/archive/", "sources[0].archive.url: kind dated_listing needs"),
        "feed_pages": ("https://example.org/feed?p=", "sources[0].archive.url: kind feed_pages needs a URL template"),
        "sitemap": ("ftp://example.org/sitemap.xml", "sources[0].archive.url: expected an http(s) URL"),
    }
    for kind, (url, message) in cases.items():
        with pytest.raises(ConfigError) as raised:
            config_from_dict({"sources": [{**base, "archive": {"kind": kind, "url": url}}]})
        assert str(raised.value).startswith("config: " + message) and "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match=r"sources\[0\]\.archive\.kind"):
        config_from_dict({"sources": [{**base, "archive": {"kind": "wayback", "url": "https://example.org/"}}]})
    ok = config_from_dict(
        {"sources": [{**base, "archive": {"kind": "dated_listing", "url": "https://example.org/{date:%Y/%m/%d}/"}}]}
    )
    assert ok.sources[0].archive is not None and ok.sources[0].archive.step == "day"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", "nowhere", "--since", "2025-05-01"], "backfill: unknown source 'nowhere'"),
        (["--source", "plain", "--since", "2025-05-01"], "backfill: source 'plain' declares no archive"),
        (["--source", "archive", "--since", "May 2025"], "backfill: --since 'May 2025' is not a date"),
        (["--source", "archive", "--since", "2025-05-02", "--until", "2025-05-01"], "is before --since 2025-05-02"),
        (["--source", "archive", "--since", "2999-01-01"], "backfill: --since 2999-01-01 is in the future"),
    ],
)
def test_bad_requests_are_one_line_errors(tmp_path, capsys, args, message):
    config = tmp_path / "config.yaml"
    config.write_text(
        "sources:\n"
        "  - {id: plain, name: Plain, url: 'https://example.org/feed'}\n"
        "  - id: archive\n    name: Archive\n    url: 'https://example.org/feed'\n"
        "    archive: {kind: feed_pages, url: 'https://example.org/feed?page={page}'}\n"
    )
    with pytest.raises(SystemExit) as ended:
        main(["backfill", "--config", str(config), "--db", str(tmp_path / "s.db"), *args])
    assert ended.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len([line for line in err if line.startswith("onrecord: error:")]) == 1
    assert message in err[-1]


def test_check_request_needs_no_process(config):
    from onrecord.crawlers.archive.run import check_request

    with pytest.raises(OnrecordError, match="unknown source"):
        check_request(config, "no-such-source", SINCE, UNTIL)


@pytest.mark.slow
def test_a_backfill_killed_outright_resumes_and_stores_every_article_once(config, tmp_path):
    """SIGKILL gives no chance to finish: the open write batch is lost and its pages are fetched again, but the
    walk resumes from the store and ends with every article of the range stored once."""
    with LoopbackServer() as server:
        serve_archive(server, delay=0.05, robots=ALLOW_ALL)
        config = archive_config(config, tmp_path, server, "sitemap")
        runner = ChildRunner()

        def kill_midway() -> None:
            while sum(1 for p, _ in server.hits if p.startswith("/news/")) < 8 or not runner.running():
                time.sleep(0.02)
            os.killpg(runner.running()[0], signal.SIGKILL)

        killer = threading.Thread(target=kill_midway, daemon=True)
        killer.start()
        with pytest.raises(ChildFailed, match="killed by SIGKILL"):
            backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None, runner=runner)
        killer.join()
        assert len(stored_paths(config)) < len(wanted(ALLOW_ALL))
        summary = backfill(config, "archive", SINCE, UNTIL, progress=lambda line: None)
        assert summary.complete
        stored = stored_paths(config)
        assert len(stored) == len(set(stored)) == len(wanted(ALLOW_ALL))
