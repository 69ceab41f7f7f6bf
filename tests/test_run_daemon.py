"""`onrecord run` as a real process against a loopback site and a loopback SMTP server.

Intervals of seconds, bounded waits. Checks: several crawl cycles, a newly published article is picked up,
a failing source backs off while the others go on, the digest is sent exactly once (also across a
restart), SIGTERM stops cleanly, and kill -9 mid-crawl / mid-extraction then restart loses and
duplicates nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
import yaml

from onrecord.demo.server import DemoServer
from scheduler_site import add_article, write_site

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path):
    root = write_site(tmp_path / "site", [1, 2, 3])
    with DemoServer(root) as server:
        server.root = root
        yield server


def write_config(tmp_path: Path, sources: list[dict], crawl: dict | None = None, **sections) -> Path:
    data = {
        "crawl": {"download_delay": 0.2, "autothrottle": False, "retry_times": 0, "timeout": 5, **(crawl or {})},
        "scheduler": {
            "jitter": 0.1,
            "max_backoff": "8s",
            "stop_timeout": 3,
            "log_file": str(tmp_path / "run.log"),
            "min_interval": "1s",  # seconds-long intervals keep the test short
        },
        "sources": [{"allow_private_addresses": True, **source} for source in sources],  # served on loopback
        **sections,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


class Daemon:
    """`python -m onrecord run` in the background, its stderr in a file."""

    started: ClassVar[list[Daemon]] = []

    def __init__(self, tmp_path: Path, config: Path, name: str) -> None:
        Daemon.started.append(self)
        self.db = tmp_path / "store.db"
        self.stderr = tmp_path / f"{name}.stderr"
        with open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "onrecord", "run", "--config", str(config), "--db", str(self.db)],
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=err,
                env=dict(os.environ, PYTHONPATH=str(REPO)),
            )

    def log(self) -> str:
        """The daemon's log lines (stderr without the CLI's first line naming the config it uses)."""
        text = self.stderr.read_text(encoding="utf-8")
        return text.split("\n", 1)[1] if text.startswith("config: ") else text

    def wait_for(self, what: str, predicate, limit: float = 60) -> None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if predicate():
                return
            assert self.proc.poll() is None, (
                f"daemon exited with {self.proc.returncode} waiting for {what}:\n{self.log()}"
            )
            time.sleep(0.2)
        pytest.fail(f"timed out waiting for {what}; daemon log:\n{self.log()[-4000:]}")

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill_everything(self) -> None:
        """kill -9 of the daemon and every process under it at the same instant, like a power cut."""
        pids = [self.proc.pid, *descendants(self.proc.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def no_daemon_left_behind():
    """A failed test must not leave its daemon running."""
    yield
    while Daemon.started:
        daemon = Daemon.started.pop()
        if daemon.proc.poll() is None:
            daemon.kill_everything()


def descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(") ", 1)[1].split()[1])
            except (OSError, IndexError):
                pass
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def query(db: Path, sql: str, params=()) -> list[tuple]:
    if not db.exists():
        return []
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, params).fetchall()
    except sqlite3.OperationalError:  # tables not created yet
        return []
    finally:
        conn.close()


def count(db: Path, sql: str, params=()) -> int:
    rows = query(db, sql, params)
    return rows[0][0] if rows else 0


def runs(db: Path, job: str, status: str = "ok") -> int:
    return count(db, "SELECT count(*) FROM job_runs WHERE job_id = ? AND status = ?", (job, status))


def next_minute_after(seconds: float, tz: ZoneInfo) -> datetime:
    at = datetime.now(tz) + timedelta(seconds=seconds)
    return at.replace(second=0, microsecond=0) + timedelta(minutes=1)


def test_daemon_crawls_backs_off_sends_one_digest_and_stops_cleanly(tmp_path, site, smtp_server):
    tz = ZoneInfo("Europe/Kyiv")
    send_at = next_minute_after(20, tz)
    config = write_config(
        tmp_path,
        [
            {"id": "marlow", "name": "Marlow Bay News", "url": f"{site.base_url}/feed.xml", "interval": "3s"},
            {"id": "broken", "name": "Gone Gazette", "url": f"{site.base_url}/missing/feed.xml", "interval": "2s"},
        ],
        digest={
            "send_at": send_at.strftime("%H:%M"),
            "timezone": "Europe/Kyiv",
            "empty": "send",
            "recipients": {"*": ["desk@example.org"]},
            "smtp": {"host": "127.0.0.1", "port": smtp_server.port, "security": "none", "timeout": 5},
        },
    )
    db = tmp_path / "store.db"
    daemon = Daemon(tmp_path, config, "first")
    daemon.wait_for(
        "two crawl cycles with 3 articles",
        lambda: runs(db, "marlow") >= 2 and count(db, "SELECT count(*) FROM articles") == 3,
    )
    add_article(site.root, 4)
    cycles_before = runs(db, "marlow")
    daemon.wait_for(
        "the new article, in a later cycle",
        lambda: (
            count(db, "SELECT count(*) FROM articles WHERE url LIKE '%/news/4.html'")
            and runs(db, "marlow") > cycles_before
        ),
    )
    daemon.wait_for("the digest at " + send_at.strftime("%H:%M"), lambda: smtp_server.messages, limit=120)
    daemon.wait_for("three failed runs of the broken source", lambda: runs(db, "broken", "failed") >= 3)
    assert daemon.terminate() == 0
    log = daemon.log()
    assert 'daemon.stopped reason="SIGTERM received"' in log
    assert log == (tmp_path / "run.log").read_text(encoding="utf-8")  # scheduler.log_file gets the same lines

    # every line: time level source event ...
    for line in log.splitlines():
        moment, level, _source, _event = line.split(" ")[:4]
        assert datetime.fromisoformat(moment) and level in ("INFO", "WARNING", "ERROR"), line
    assert any(line.split(" ")[2:4] == ["broken", "crawl.failed"] for line in log.splitlines())

    # the failing source backed off: each retry waited for the back-off the previous failure set
    failed = query(db, "SELECT started, result FROM job_runs WHERE job_id = 'broken' AND status = 'failed' ORDER BY id")
    assert len(failed) >= 3
    results = [json.loads(result) for _, result in failed]
    assert [r["failures"] for r in results[:3]] == [1, 2, 3]
    for (_, result), (next_started, _) in pairwise(failed):
        assert next_started >= json.loads(result)["backoff_until"]
    assert runs(db, "marlow") >= 3  # the healthy source kept going meanwhile

    assert (
        count(db, "SELECT count(*) FROM articles")
        == count(db, "SELECT count(DISTINCT canonical_url) FROM articles")
        == 4
    )
    assert count(db, "SELECT count(*) FROM job_runs WHERE status = 'running'") == 0
    assert len(smtp_server.messages) == 1

    # a restart keeps the schedule: crawls go on, the digest already sent is not sent again
    daemon = Daemon(tmp_path, config, "second")
    before = runs(db, "marlow")
    daemon.wait_for("a crawl after the restart", lambda: runs(db, "marlow") > before)
    assert daemon.terminate() == 0
    assert len(smtp_server.messages) == 1
    assert count(db, "SELECT count(*) FROM digests WHERE status = 'sent'") == 1
    assert (
        "job.scheduled job=digest next_run=" + (send_at + timedelta(days=1)).astimezone(ZoneInfo("UTC")).isoformat()
        in daemon.log()
    )


PENDING = "SELECT count(*) FROM articles a WHERE NOT EXISTS (SELECT 1 FROM extractions e WHERE e.article_id = a.id)"


def assert_store_is_whole(db: Path, articles: int) -> None:
    """No duplicate rows, every article extracted exactly once, no run left half-done."""
    assert count(db, "SELECT count(*) FROM articles") == articles
    assert count(db, "SELECT count(DISTINCT canonical_url) FROM articles") == articles
    assert count(db, "SELECT count(DISTINCT content_hash) FROM articles") == articles
    assert count(db, "SELECT count(*) FROM article_urls") == count(db, "SELECT count(DISTINCT url) FROM article_urls")
    assert count(db, PENDING) == 0 and count(db, "SELECT count(*) FROM extractions") == articles
    assert count(db, "SELECT count(*) FROM job_runs WHERE status = 'running'") == 0


def test_kill_9_mid_crawl_then_restart_loses_and_duplicates_nothing(tmp_path, site):
    for n in range(4, 9):
        add_article(site.root, n)
    config = write_config(
        tmp_path,
        [{"id": "marlow", "name": "Marlow Bay News", "url": f"{site.base_url}/feed.xml", "interval": "20s"}],
        crawl={"download_delay": 1.0},
    )
    db = tmp_path / "store.db"
    daemon = Daemon(tmp_path, config, "first")
    daemon.wait_for("the first stored article", lambda: count(db, "SELECT count(*) FROM articles") >= 1)
    daemon.kill_everything()
    assert count(db, "SELECT count(*) FROM articles") < 8, "the crawl finished before the kill; nothing was tested"
    assert count(db, "SELECT count(*) FROM job_runs WHERE job_id = 'marlow' AND status = 'running'") == 1

    daemon = Daemon(tmp_path, config, "second")
    daemon.wait_for(
        "the re-run of the interrupted crawl, and extraction of what is stored",
        lambda: runs(db, "marlow") >= 1 and count(db, PENDING) == 0,
    )
    assert daemon.terminate() == 0
    assert "daemon.recovered interrupted=marlow" in daemon.log()
    assert count(db, "SELECT count(*) FROM job_runs WHERE status = 'interrupted'") == 1
    assert_store_is_whole(db, 8)


def test_kill_9_mid_extraction_then_restart_extracts_everything_once(tmp_path, site):
    for n in range(4, 9):
        add_article(site.root, n)
    config = write_config(
        tmp_path, [{"id": "marlow", "name": "Marlow Bay News", "url": f"{site.base_url}/feed.xml", "interval": "1m"}]
    )
    db = tmp_path / "store.db"
    daemon = Daemon(tmp_path, config, "first")
    daemon.wait_for(
        "8 articles and the extraction they trigger",
        lambda: (
            count(db, "SELECT count(*) FROM articles") == 8
            and count(
                db,
                "SELECT count(*) FROM job_runs WHERE job_id = 'extract' AND status = 'running' "
                "AND started >= (SELECT max(finished) FROM job_runs WHERE job_id = 'marlow')",
            )
        ),
    )
    daemon.kill_everything()
    assert count(db, PENDING) > 0, "the extraction finished before the kill; nothing was tested"

    daemon = Daemon(tmp_path, config, "second")
    daemon.wait_for("every article extracted", lambda: count(db, PENDING) == 0 and runs(db, "extract") >= 2)
    assert daemon.terminate() == 0
    assert "daemon.recovered interrupted=extract" in daemon.log()
    assert_store_is_whole(db, 8)
