"""Per-source health for `onrecord status`: last success and error, recent articles, and sources that are
failing or silent for longer than their interval leads us to expect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import sqlite_utils

from onrecord.core.config import Config

# A source is late when its last success is older than this many intervals (and at least a day for
# articles: a quiet newsroom over one interval is normal, a silent one for a day is not).
LATE_INTERVALS = 3
SILENT_AFTER = timedelta(days=2)
NOT_CONFIGURED = "in the store but not in this config (crawled under another config, e.g. the demo's)"


@dataclass(frozen=True)
class SourceHealth:
    source: str
    last_success: str | None
    last_error: str | None
    last_error_at: str | None
    failures: int
    articles_day: int
    articles_week: int
    problem: str | None  # why it needs attention, or None


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def source_health(db: sqlite_utils.Database, config: Config, now: datetime | None = None) -> list[SourceHealth]:
    """Health of every configured source, then of the sources the store holds that this config does not name
    (a store filled under another config, such as the demo's): those are listed, not judged late."""
    now = now or datetime.now(timezone.utc)
    out = [_health(db, source.id, now, source.interval_seconds, source.enabled) for source in config.sources]
    configured = [source.id for source in config.sources]
    others = db.execute(f"SELECT id FROM sources WHERE id NOT IN ({', '.join('?' * len(configured))}) ORDER BY id",
                        configured).fetchall()
    out += [_health(db, source_id, now, None, True) for (source_id,) in others]
    return out


def _health(db: sqlite_utils.Database, source_id: str, now: datetime, interval: float | None,
            enabled: bool) -> SourceHealth:
    day, week = (now - timedelta(days=1)).isoformat(), (now - timedelta(days=7)).isoformat()
    row = db.execute("SELECT last_success, last_error, last_error_at, failures FROM sources WHERE id = ?",
                     [source_id]).fetchone() or (None, None, None, 0)
    last_ok = db.execute("SELECT max(fetched_at) FROM fetches WHERE source = ? AND outcome != 'error'",
                         [source_id]).fetchone()[0]
    last_success = max(filter(None, [row[0], last_ok]), default=None)
    counts = db.execute("SELECT sum(fetched_at >= ?), sum(fetched_at >= ?), max(fetched_at) FROM articles "
                        "WHERE source = ?", [day, week, source_id]).fetchone()
    problem = NOT_CONFIGURED if interval is None else \
        _problem(interval, _parse(last_success), row[3] or 0, _parse(counts[2]), now, enabled)
    return SourceHealth(source_id, last_success, row[1], row[2], row[3] or 0, counts[0] or 0, counts[1] or 0,
                        problem)


def _problem(interval: float, last_success: datetime | None, failures: int, last_article: datetime | None,
             now: datetime, enabled: bool) -> str | None:
    if not enabled:
        return None
    if last_success is None:
        return f"failing: {failures} failed runs, never succeeded" if failures else "never crawled"
    late = now - last_success
    if late > timedelta(seconds=interval * LATE_INTERVALS):
        return (f"failing for {_age(late)} ({failures} failed runs)" if failures
                else f"not crawled for {_age(late)} (interval {interval / 60:g} min)")
    if last_article is None or now - last_article > SILENT_AFTER:
        since = f"for {_age(now - last_article)}" if last_article else "ever"
        return f"silent: no new article {since}"
    return None


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"
