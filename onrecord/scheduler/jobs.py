"""Which jobs the daemon runs, built from config: one per enabled source, extraction, the digest, the alerts.

Pure functions (no scheduler, no store), so the schedule can be tested without waiting for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from onrecord.core.config import Config, parse_duration
from onrecord.core.errors import ConfigError

EXTRACT_JOB = "extract"
DIGEST_JOB = "digest"
ALERTS_JOB = "alerts"
# How often the daemon looks for alerts whose group window or retry time has come (new alerts go out at once,
# after the extraction that found them).
ALERTS_EVERY = 60.0
Kind = Literal["crawl", "extract", "digest", "alerts"]


@dataclass(frozen=True)
class JobSpec:
    """One scheduler job: id, what it does, when, and APScheduler's options for it."""

    id: str
    kind: Kind
    trigger: BaseTrigger
    interval: float | None = None  # seconds, for interval jobs
    options: dict[str, Any] = field(default_factory=dict)


def crawl_spec(source_id: str, interval: float, jitter: float) -> JobSpec:
    # No misfire grace: a late crawl still runs, and coalescing folds any number of missed runs into one.
    trigger = IntervalTrigger(seconds=interval, jitter=jitter * interval or None)
    return JobSpec(
        source_id,
        "crawl",
        trigger,
        interval,
        {"coalesce": True, "max_instances": 1, "misfire_grace_time": None, "executor": "crawl"},
    )


def extract_spec(every: float) -> JobSpec:
    # Several instances may be submitted (each crawl with new articles asks for one); the job itself
    # runs them one after another and merges requests that arrive while it runs.
    return JobSpec(
        EXTRACT_JOB,
        "extract",
        IntervalTrigger(seconds=every),
        every,
        {"coalesce": True, "max_instances": 3, "misfire_grace_time": None, "executor": "default"},
    )


def digest_trigger(send_at: str, tz_name: str) -> CronTrigger:
    try:
        hour, minute = (int(part) for part in send_at.split(":"))
        tz = ZoneInfo(tz_name)
    except ValueError:
        raise ConfigError(f"digest.send_at: expected a local time HH:MM, got {send_at!r}") from None
    except ZoneInfoNotFoundError:
        raise ConfigError(f"digest.timezone: unknown IANA time zone {tz_name!r} (e.g. Europe/Kyiv)") from None
    if not (0 <= hour < 24 and 0 <= minute < 60):
        raise ConfigError(f"digest.send_at: expected a local time HH:MM, got {send_at!r}")
    return CronTrigger(hour=hour, minute=minute, second=0, timezone=tz)


def digest_spec(config: Config) -> JobSpec:
    grace = parse_duration(config.scheduler.misfire_grace)
    return JobSpec(
        DIGEST_JOB,
        "digest",
        digest_trigger(config.digest.send_at, config.digest.timezone),
        None,
        {"coalesce": True, "max_instances": 1, "misfire_grace_time": int(grace), "executor": "default"},
    )


def alerts_spec() -> JobSpec:
    return JobSpec(
        ALERTS_JOB,
        "alerts",
        IntervalTrigger(seconds=ALERTS_EVERY),
        ALERTS_EVERY,
        {"coalesce": True, "max_instances": 1, "misfire_grace_time": None, "executor": "default"},
    )


def pushes_alerts(config: Config) -> bool:
    """Whether any enabled watchlist sends alerts by e-mail or webhook (the Atom feed needs no job)."""
    return any(w.enabled and (w.delivery.email or w.delivery.webhook) for w in config.watchlists)


def digest_missing_settings(config: Config) -> str | None:
    """Why the digest cannot be scheduled, or None when it can."""
    if not config.digest.smtp.host:
        return "digest.smtp.host is not set"
    if not any(config.digest.recipients.values()):
        return "digest.recipients is empty"
    return None


def build_job_specs(config: Config) -> list[JobSpec]:
    """Every job of the daemon, in a stable order: crawls (one per enabled source), extract, digest."""
    jitter = config.scheduler.jitter
    specs = [crawl_spec(s.id, s.interval_seconds, jitter) for s in config.sources if s.enabled]
    specs.append(extract_spec(parse_duration(config.scheduler.extract_every)))
    if digest_missing_settings(config) is None:
        specs.append(digest_spec(config))
    if pushes_alerts(config):
        specs.append(alerts_spec())
    return specs


def first_run_time(
    spec: JobSpec,
    stored: datetime | None,
    now: datetime,
    *,
    interrupted: bool = False,
    backoff_until: datetime | None = None,
) -> datetime | None:
    """When a job should first run after a (re)start, given its stored next run time.

    - crawl / extract: the stored time, but no later than one interval (plus jitter) from now, so a
      shortened interval takes effect; a time in the past becomes now: it runs once, right away. Never
      stored: now. Interrupted by a kill: now. A source in back-off waits until its back-off ends.
    - extract: now, always: it finishes whatever a killed or stopped run left pending (articles stored
      by an interrupted crawl included) and costs one model load when there is nothing to do.
    - digest: the stored time if it is still a fire time of the configured trigger (a past one is then
      run once by APScheduler if within misfire_grace, else skipped); otherwise the trigger's next time.
    """
    if spec.kind in ("extract", "alerts"):
        return now
    if spec.kind == "digest":
        trigger = spec.trigger
        if stored is not None and trigger.get_next_fire_time(None, stored - timedelta(microseconds=1)) == stored:
            return stored
        return trigger.get_next_fire_time(None, now)
    if stored is None or interrupted:
        when = now
    else:
        latest = now + timedelta(seconds=(spec.interval or 0) * 1.5)
        # Not left in the past: APScheduler would run the missed times once (coalesced), then draw the next time
        # from the last of them with a new jitter, which can again be past: a second run at once (2.9% of restarts
        # after a 5-hour stop with a jitter of 0.2).
        when = min(max(stored, now), latest)
    if backoff_until is not None and backoff_until > when:
        when = backoff_until
    return when
