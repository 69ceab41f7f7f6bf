"""`onrecord run` and signals, as real processes on loopback: SIGHUP stops cleanly, a crawl stopped by SIGTERM
is resumed at the next start, a refused second daemon changes nothing, no job_runs row is left 'running'."""

from __future__ import annotations

import hashlib
import signal
import subprocess
import sys

import pytest

from onrecord.demo.server import DemoServer
from scheduler_site import add_article, write_site
from test_run_daemon import Daemon, count, query, write_config

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path):
    root = write_site(tmp_path / "site", [1, 2, 3])
    with DemoServer(root) as server:
        server.root = root
        yield server


@pytest.fixture(autouse=True)
def no_daemon_left_behind():
    yield
    while Daemon.started:
        daemon = Daemon.started.pop()
        if daemon.proc.poll() is None:
            daemon.kill_everything()


RUNNING = "SELECT count(*) FROM job_runs WHERE status = 'running'"


def slow_config(tmp_path, site, interval: str = "10m"):
    for n in range(4, 9):
        add_article(site.root, n)
    return write_config(
        tmp_path,
        [{"id": "marlow", "name": "Marlow Bay News", "url": f"{site.base_url}/feed.xml", "interval": interval}],
        crawl={"download_delay": 1.0},
    )


def mid_crawl(daemon: Daemon, db) -> None:
    daemon.wait_for("the first stored article", lambda: count(db, "SELECT count(*) FROM articles") >= 1)
    assert count(db, "SELECT count(*) FROM articles") < 8, "the crawl finished before the signal; nothing was tested"


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_a_stop_signal_mid_crawl_stops_cleanly_and_the_next_start_resumes_the_crawl(tmp_path, site, signum):
    config = slow_config(tmp_path, site)
    db = tmp_path / "store.db"
    daemon = Daemon(tmp_path, config, "first")
    mid_crawl(daemon, db)
    daemon.proc.send_signal(signum)
    assert daemon.proc.wait(timeout=30) == 0, daemon.log()
    log = daemon.log()
    assert f"daemon.stopped reason={signal.Signals(signum).name}" in log.replace("'", "").replace('"', ""), log
    assert count(db, RUNNING) == 0
    assert query(db, "SELECT status FROM job_runs WHERE job_id = 'marlow' ORDER BY id DESC LIMIT 1") == [("stopped",)]

    # the interval is ten minutes: only a resumed crawl stores the other articles within the wait
    daemon = Daemon(tmp_path, config, "second")
    daemon.wait_for(
        "the stopped crawl resumed at start",
        lambda: (
            count(db, "SELECT count(*) FROM articles") == 8
            and count(db, "SELECT count(*) FROM job_runs WHERE job_id = 'marlow' AND status = 'ok'") >= 1
        ),
        limit=90,
    )
    assert daemon.terminate() == 0
    assert count(db, RUNNING) == 0


def fingerprint(db) -> str:
    digest = hashlib.sha256()
    for suffix in ("", "-wal"):
        path = db.parent / (db.name + suffix)
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_a_refused_second_daemon_changes_nothing(tmp_path, site):
    config = slow_config(tmp_path, site)
    db = tmp_path / "store.db"
    daemon = Daemon(tmp_path, config, "first")
    daemon.wait_for(
        "the first crawl finished", lambda: count(db, "SELECT count(*) FROM job_runs WHERE status = 'ok'") >= 1
    )
    daemon.wait_for("extraction finished", lambda: count(db, RUNNING) == 0)
    sources = query(db, "SELECT * FROM sources ORDER BY id")
    daemon.proc.send_signal(signal.SIGSTOP)  # nothing of the first daemon writes while the second one tries
    try:
        before = fingerprint(db)
        other = tmp_path / "other.yaml"
        other.write_text(config.read_text(encoding="utf-8").replace("Marlow Bay News", "Renamed"), encoding="utf-8")
        second = subprocess.run(
            [sys.executable, "-m", "onrecord", "run", "--config", str(other), "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
        )
        assert second.returncode == 2, second.stderr
        assert "Traceback" not in second.stderr and "another `onrecord run`" in second.stderr
        assert fingerprint(db) == before
    finally:
        daemon.proc.send_signal(signal.SIGCONT)
    assert query(db, "SELECT * FROM sources ORDER BY id") == sources
    assert daemon.terminate() == 0
