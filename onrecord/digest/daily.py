"""Build, send and record digests: one message per recipient group (a topic, or '*' for every topic).

The daily period ends at the latest digest.send_at (in digest.timezone) not after `now` and starts one
calendar day earlier, so a run that fires late (misfire grace, a manual re-run) covers the same period
and is recognised as already sent.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlite_utils

from onrecord.core.config import Config
from onrecord.core.errors import ConfigError
from onrecord.digest.builder import build_digest
from onrecord.digest.model import Digest
from onrecord.digest.record import find_done, record_digest
from onrecord.digest.render import addresses, compose, topic_key
from onrecord.digest.sender import DeliveryError, deliver, require_host, smtp_password

log = logging.getLogger("onrecord.digest")


@dataclass(frozen=True)
class DigestResult:
    """What happened to one digest: sent, already-sent, empty (skipped) or failed."""

    topic: str
    recipients: tuple[str, ...]
    status: str
    since: str
    until: str
    summary: str = ""
    message_id: str | None = None
    attempts: int = 0
    error: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def daily_period(config: Config, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[since, until): the day that ends at the latest send_at not after `now`."""
    tz = ZoneInfo(config.digest.timezone)
    local = (now or datetime.now(tz)).astimezone(tz)
    hour, minute = (int(x) for x in config.digest.send_at.split(":"))
    until = datetime.combine(local.date(), time(hour, minute), tzinfo=tz)
    if until > local:
        until = datetime.combine(local.date() - timedelta(days=1), time(hour, minute), tzinfo=tz)
    since = datetime.combine(until.date() - timedelta(days=1), time(hour, minute), tzinfo=tz)
    return since, until


def recipient_groups(config: Config, topic: str | None = None) -> list[tuple[str | None, list[str]]]:
    """(topic or None for every topic, addresses) per digest.recipients entry, optionally one topic only."""
    known = [t.id for t in config.topics]
    groups = []
    for key, values in config.digest.recipients.items():
        if key != "*" and key not in known:
            raise ConfigError(f"digest.recipients: unknown topic {key!r}; expected '*' or one of {', '.join(known)}")
        group_topic = None if key == "*" else key
        if topic and group_topic not in (None, topic):
            continue
        if values:
            groups.append((topic or group_topic, addresses(values)))
    return groups


def send_digest(
    config: Config,
    db: sqlite_utils.Database,
    digest: Digest,
    recipients: list[str],
    force: bool = False,
    environ: Mapping[str, str] | None = None,
) -> DigestResult:
    """Send one built digest unless this period went out already (or is empty and digest.empty is skip)."""
    since, until, topic = digest.since.isoformat(), digest.until.isoformat(), topic_key(digest)
    base: dict[str, Any] = {
        "topic": topic,
        "recipients": tuple(recipients),
        "since": since,
        "until": until,
        "summary": digest.summary,
    }
    done = None if force else find_done(db, since, until, topic, recipients)
    if done:
        log.info(
            "digest: %s %s..%s already %s (message %s); pass --force to send again",
            topic,
            since,
            until,
            done["status"],
            done["message_id"],
        )
        return DigestResult(status="already-sent", message_id=done["message_id"], **base)
    if digest.is_empty and config.digest.empty == "skip":
        log.info("digest: %s %s..%s: nothing new, not sent (digest.empty: skip)", topic, since, until)
        record_digest(db, since=since, until=until, topic=topic, recipients=recipients, status="empty")
        return DigestResult(status="empty", **base)
    require_host(config.digest.smtp)
    password = smtp_password(config.digest.smtp, os.environ if environ is None else environ)
    message = compose(digest, config, recipients)
    record: dict[str, Any] = {
        "since": since,
        "until": until,
        "topic": topic,
        "recipients": recipients,
        "message_id": message["Message-ID"],
        "subject": message["Subject"],
    }
    try:
        delivery = deliver(
            message, recipients, config.digest.smtp, password, config.digest.retries, config.digest.retry_backoff
        )
    except DeliveryError as exc:
        log.error("%s", exc)
        record_digest(db, status="failed", attempts=exc.attempts, error=str(exc), **record)
        return DigestResult(
            status="failed", message_id=record["message_id"], attempts=exc.attempts, error=str(exc), **base
        )
    error = "; ".join(f"{a}: {why}" for a, why in delivery.refused.items()) or None
    record_digest(db, status="sent", attempts=delivery.attempts, error=error, **record)
    log.info(
        "digest: %s %s..%s sent to %d recipient(s) as %s",
        topic,
        since,
        until,
        len(recipients) - len(delivery.refused),
        record["message_id"],
    )
    return DigestResult(status="sent", message_id=record["message_id"], attempts=delivery.attempts, error=error, **base)


def send_daily(
    config: Config, db: sqlite_utils.Database, now: datetime | None = None, force: bool = False
) -> list[DigestResult]:
    """The scheduler's digest job: build and send the last day's digest to every recipient group."""
    groups = recipient_groups(config)
    if not groups:
        raise ConfigError("digest.recipients is empty: add addresses per topic (or '*') in config.yaml")
    require_host(config.digest.smtp)
    since, until = daily_period(config, now)
    results = []
    for topic, recipients in groups:
        digest = build_digest(config, db, since, until, topic=topic)
        results.append(send_digest(config, db, digest, recipients, force=force))
    return results
