"""The daemon's jobs built from config, where they land after a restart, and APScheduler's catch-up rules."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.schedulers.background import BackgroundScheduler

from onrecord.core.config import config_from_dict
from onrecord.core.errors import ConfigError
from onrecord.scheduler.jobs import build_job_specs, digest_trigger, first_run_time

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def make_config(**digest):
    return config_from_dict(
        {
            "scheduler": {"jitter": 0.2, "misfire_grace": "6h"},
            "digest": {"send_at": "07:30", "timezone": "Europe/Kyiv", **digest},
            "sources": [
                {"id": "fast", "name": "Fast", "url": "http://127.0.0.1/a.xml", "interval": "10m"},
                {"id": "slow", "name": "Slow", "url": "http://127.0.0.1/b.xml", "interval": "2h"},
                {"id": "off", "name": "Off", "url": "http://127.0.0.1/c.xml", "enabled": False},
            ],
        }
    )


WITH_DIGEST = {"recipients": {"*": ["desk@example.org"]}, "smtp": {"host": "127.0.0.1", "security": "none"}}


def specs_by_id(config):
    return {spec.id: spec for spec in build_job_specs(config)}


def test_one_crawl_job_per_enabled_source_with_jitter_and_no_overlap():
    specs = specs_by_id(make_config())
    crawls = {i: s for i, s in specs.items() if s.kind == "crawl"}
    assert sorted(crawls) == ["fast", "slow"]
    assert crawls["fast"].interval == 600
    assert crawls["fast"].trigger.jitter == pytest.approx(120)  # 0.2 x 10 minutes
    assert crawls["slow"].trigger.interval == timedelta(hours=2)
    for spec in crawls.values():
        assert spec.options["coalesce"] is True and spec.options["max_instances"] == 1
        assert spec.options["misfire_grace_time"] is None  # late crawls still run (once, coalesced)


def test_digest_is_scheduled_only_with_smtp_host_and_recipients():
    assert "digest" not in specs_by_id(make_config())
    assert "digest" not in specs_by_id(make_config(recipients={"*": ["desk@example.org"]}))
    spec = specs_by_id(make_config(**WITH_DIGEST))["digest"]
    assert spec.options["misfire_grace_time"] == 6 * 3600 and spec.options["coalesce"] is True


@pytest.mark.parametrize(
    "now, expected_local",
    [
        (datetime(2026, 3, 10, 3, 0, tzinfo=UTC), datetime(2026, 3, 10, 7, 30)),  # 05:00 Kyiv: today
        (datetime(2026, 3, 10, 6, 0, tzinfo=UTC), datetime(2026, 3, 11, 7, 30)),  # 08:00 Kyiv: tomorrow
        (datetime(2026, 3, 28, 12, 0, tzinfo=UTC), datetime(2026, 3, 29, 7, 30)),  # across the DST change
    ],
)
def test_digest_fires_at_send_at_local_time(now, expected_local):
    fire = digest_trigger("07:30", "Europe/Kyiv").get_next_fire_time(None, now)
    assert fire.astimezone(ZoneInfo("Europe/Kyiv")).replace(tzinfo=None) == expected_local


@pytest.mark.parametrize(
    "send_at, tz, problem",
    [("7h", "Europe/Kyiv", "send_at"), ("25:00", "UTC", "send_at"), ("07:00", "Mars/Olympus", "timezone")],
)
def test_bad_digest_settings_name_the_key(send_at, tz, problem):
    with pytest.raises(ConfigError, match=f"digest.{problem}"):
        digest_trigger(send_at, tz)


@pytest.mark.parametrize(
    "stored, interrupted, backoff, expected",
    [
        (None, False, None, NOW),  # never ran: now
        (NOW + timedelta(minutes=4), False, None, NOW + timedelta(minutes=4)),  # keeps its place
        (NOW - timedelta(hours=5), False, None, NOW),  # missed: now (runs once)
        (NOW + timedelta(hours=3), False, None, NOW + timedelta(minutes=15)),  # interval was shortened: clamp
        (NOW + timedelta(minutes=4), True, None, NOW),  # killed mid-run: again now
        (NOW - timedelta(hours=1), False, NOW + timedelta(hours=1), NOW + timedelta(hours=1)),  # in back-off
    ],
)
def test_crawl_first_run_after_restart(stored, interrupted, backoff, expected):
    spec = specs_by_id(make_config())["fast"]
    assert first_run_time(spec, stored, NOW, interrupted=interrupted, backoff_until=backoff) == expected


def test_extraction_runs_at_every_start_to_finish_what_was_left():
    spec = specs_by_id(make_config())["extract"]
    assert first_run_time(spec, NOW + timedelta(minutes=50), NOW) == NOW


def test_digest_first_run_after_restart():
    spec = specs_by_id(make_config(**WITH_DIGEST))["digest"]
    missed = datetime(2026, 3, 10, 5, 30, tzinfo=UTC)  # 07:30 Kyiv today, 6.5 hours ago
    assert first_run_time(spec, missed, NOW) == missed  # APScheduler decides with misfire_grace
    stale = datetime(2026, 3, 10, 4, 0, tzinfo=UTC)  # send_at was changed since: not a fire time
    assert first_run_time(spec, stale, NOW) == datetime(2026, 3, 11, 5, 30, tzinfo=UTC)
    assert first_run_time(spec, None, NOW) == datetime(2026, 3, 11, 5, 30, tzinfo=UTC)


def run_restored(spec, stored: datetime) -> int:
    """Start a real scheduler with the job at its restored next run time; count runs until it settles."""
    runs = []
    done = threading.Event()
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_listener(lambda event: done.set(), EVENT_JOB_EXECUTED | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    options = dict(spec.options, executor="default")
    scheduler.add_job(lambda: runs.append(1), spec.trigger, id=spec.id, next_run_time=stored, **options)
    scheduler.start()
    try:
        done.wait(5)
        time.sleep(0.5)  # a burst would show up here
    finally:
        scheduler.shutdown(wait=True)
    return len(runs)


def test_a_stop_of_hours_runs_a_missed_crawl_once_not_a_burst():
    spec = specs_by_id(make_config())["fast"]  # every 10 minutes (+ up to 2 of jitter): 30 runs missed in 5 hours
    now = datetime.now(UTC)
    assert run_restored(spec, first_run_time(spec, now - timedelta(hours=5), now)) == 1


@pytest.mark.parametrize("late, runs", [(timedelta(hours=2), 1), (timedelta(hours=7), 0)])
def test_missed_digest_runs_once_within_grace_and_not_after(late, runs):
    now = datetime.now(UTC)
    when = (now - late).astimezone(ZoneInfo("Europe/Kyiv"))
    digest = dict(WITH_DIGEST, send_at=when.strftime("%H:%M"))
    spec = specs_by_id(make_config(**digest))["digest"]
    stored = when.replace(second=0, microsecond=0)
    assert first_run_time(spec, stored, now) == stored
    assert run_restored(spec, stored) == runs
