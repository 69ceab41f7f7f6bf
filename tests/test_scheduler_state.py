"""Back-off, the schedule kept in the store, job_status for `onrecord status`, and the log line format."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from onrecord.core.config import config_from_dict
from onrecord.crawlers.health import back_off, backoff_seconds
from onrecord.scheduler import job_status
from onrecord.scheduler.logs import LineFormatter
from onrecord.scheduler.state import ScheduleState
from onrecord.storage.db import open_store
from onrecord.storage.sources import mark_source_result, set_backoff, source_state, sync_config

CONFIG = config_from_dict(
    {
        "sources": [
            {"id": "tass", "name": "TASS", "url": "http://127.0.0.1/tass.xml", "interval": "30m"},
            {"id": "kyiv", "name": "Kyiv", "url": "http://127.0.0.1/kyiv.xml", "interval": "1h"},
        ]
    }
)


@pytest.fixture
def db(tmp_path):
    store = open_store(tmp_path / "store.db")
    sync_config(store, CONFIG)
    yield store
    store.conn.close()


@pytest.mark.parametrize("failures, expected", [(0, 1800), (1, 3600), (2, 7200), (3, 14400), (4, 21600), (40, 21600)])
def test_backoff_doubles_per_failure_up_to_the_cap(failures, expected):
    assert backoff_seconds(failures, interval=1800, cap=6 * 3600) == expected


def test_backoff_is_never_shorter_than_the_interval():
    assert backoff_seconds(1, interval=7200, cap=600) == 7200


def test_failures_are_counted_and_success_clears_backoff(db):
    for _ in range(3):
        mark_source_result(db, "tass", "http://127.0.0.1/tass.xml: HTTP 500")
    until, health = back_off(db, "tass", 1800, 6 * 3600, now=datetime(2026, 1, 1, tzinfo=UTC))
    assert health["failures"] == 3 and "HTTP 500" in health["last_error"]
    assert until == datetime(2026, 1, 1, 4, tzinfo=UTC)
    assert source_state(db, "tass")["backoff_until"] == "2026-01-01T04:00:00+00:00"
    mark_source_result(db, "tass", None)
    assert source_state(db, "tass") | {"last_success": None} == {
        "failures": 0,
        "last_success": None,
        "last_error": "http://127.0.0.1/tass.xml: HTTP 500",
        "last_error_at": health["last_error_at"],
        "backoff_until": None,
    }


def test_next_run_times_survive_a_reopen(tmp_path, db):
    when = datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    ScheduleState(db).save_next_run_times({"tass": ("crawl", when), "kyiv": ("crawl", None)})
    ScheduleState(db).save_next_run_times({"tass": ("crawl", when + timedelta(minutes=30))})
    reopened = open_store(tmp_path / "store.db")
    assert ScheduleState(reopened).next_run_times() == {"tass": when + timedelta(minutes=30), "kyiv": None}


def test_runs_left_running_by_a_killed_daemon_become_interrupted(db):
    state = ScheduleState(db)
    done = state.begin_run("kyiv", "crawl")
    state.end_run(done, "ok", {"new": 2})
    state.begin_run("tass", "crawl")  # the daemon was killed during this one
    assert state.close_interrupted() == ["tass"]
    assert state.close_interrupted() == []
    statuses = dict(db.execute("SELECT job_id, status FROM job_runs").fetchall())
    assert statuses == {"kyiv": "ok", "tass": "interrupted"}


def test_job_status_lists_every_job_with_next_run_and_last_result(db):
    state = ScheduleState(db)
    state.save_next_run_times({"tass": ("crawl", datetime(2026, 5, 1, 7, 0, tzinfo=UTC))})
    run = state.begin_run("tass", "crawl")
    state.end_run(run, "failed", {"error": "HTTP 503", "failures": 2})
    set_backoff(db, "tass", "2026-05-01T08:00:00+00:00")
    rows = {row["job"]: row for row in job_status(CONFIG, db)}
    assert list(rows) == ["tass", "kyiv", "extract"]
    assert rows["tass"]["next_run"] == "2026-05-01T07:00:00+00:00"
    assert rows["tass"]["last_status"] == "failed"
    assert rows["tass"]["last_result"] == {"error": "HTTP 503", "failures": 2}
    assert rows["tass"]["backoff_until"] == "2026-05-01T08:00:00+00:00"
    assert rows["kyiv"]["next_run"] is None and rows["kyiv"]["last_status"] is None


def test_log_lines_have_time_level_source_event_then_fields():
    record = logging.LogRecord(
        "onrecord.scheduler", logging.WARNING, __file__, 1, 'failures=2 error="HTTP 503 from upstream"', None, None
    )
    record.source, record.event = "tass", "crawl.failed"
    line = LineFormatter().format(record)
    moment, level, source, event, rest = line.split(" ", 4)
    assert datetime.fromisoformat(moment).tzinfo is not None
    assert (level, source, event, rest) == (
        "WARNING",
        "tass",
        "crawl.failed",
        'failures=2 error="HTTP 503 from upstream"',
    )
    other = logging.LogRecord("apscheduler.scheduler", logging.ERROR, __file__, 1, "boom", None, None)
    assert LineFormatter().format(other).split(" ")[1:4] == ["ERROR", "-", "apscheduler.scheduler"]
