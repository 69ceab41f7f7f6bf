"""Source health, decided here and only here: what makes a pass a success or a failure, the failure count,
the back-off of a failing source, and the report for `onrecord status` (failing, late or silent sources).

The crawl pass records its own sources when it completes (record_pass); a parent whose crawl child died
records the failure for it (record_unreported); the daemon asks for the back-off (back_off). The columns
are written through onrecord.storage.sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import sqlite_utils

from onrecord.core.config import Config, SourceConfig
from onrecord.storage.articles import articles_fetched_since
from onrecord.storage.fetches import last_fetch_error, last_fetch_outcome, last_good_fetch_at, recent_page_statuses
from onrecord.storage.sources import mark_source_result, set_backoff, source_state, stored_source_ids

# A source is late when its last success is older than this many intervals (and at least a day for
# articles: a quiet newsroom over one interval is normal, a silent one for a day is not).
LATE_INTERVALS = 3
SILENT_AFTER = timedelta(days=2)
NOT_CONFIGURED = "in the store but not in this config (crawled under another config, e.g. the demo's)"


# -- success, failure, back-off ------------------------------------------------------------------------------


def record_pass(db: sqlite_utils.Database, sources: Iterable[SourceConfig]) -> None:
    """Record the outcome of a completed pass for each source it crawled: a failure when the last fetch of
    the source's feed or listing page was an error, else a success (which ends any back-off)."""
    for source in sources:
        mark_source_result(db, source.id, last_fetch_error(db, source.id, source.url))


def record_unreported(db: sqlite_utils.Database, source_ids: Iterable[str], since: str, error: str) -> None:
    """A pass that ended without recording its sources (its process died, or timed out): each source with no
    success or error recorded since `since` gets `error` as a failure."""
    for source_id in source_ids:
        state = source_state(db, source_id)
        if max(state["last_error_at"] or "", state["last_success"] or "") < since:
            mark_source_result(db, source_id, error)


def failed_since(db: sqlite_utils.Database, source_id: str, since: str) -> dict | None:
    """The source's health columns if a failure was recorded at or after `since`, else None."""
    state = source_state(db, source_id)
    return state if state["failures"] and (state["last_error_at"] or "") >= since else None


def backoff_seconds(failures: int, interval: float, cap: float) -> float:
    """Pause before the next try after `failures` consecutive failures: interval x 2^failures, at most `cap`.

    Never shorter than the normal interval, so a failing source is never crawled more often than a healthy one.
    """
    if failures <= 0:
        return interval
    return max(interval, min(interval * 2 ** min(failures, 32), cap))


def backoff_until(now: datetime, failures: int, interval: float, cap: float) -> datetime:
    return now + timedelta(seconds=backoff_seconds(failures, interval, cap))


def back_off(
    db: sqlite_utils.Database, source_id: str, interval: float, cap: float, now: datetime | None = None
) -> tuple[datetime, dict]:
    """Hold a failing source back for its back-off (from its failure count); return until when, and the
    source's health columns (failures, last_error ...)."""
    state = source_state(db, source_id)
    until = backoff_until(now or datetime.now(UTC), state["failures"], interval, cap)
    set_backoff(db, source_id, until.astimezone(UTC).isoformat(timespec="seconds"))
    return until, state


def backoff_end(db: sqlite_utils.Database, source_id: str) -> datetime | None:
    """Until when the source is held back, or None."""
    value = source_state(db, source_id)["backoff_until"]
    return datetime.fromisoformat(value) if value else None


# -- the report of `onrecord status` -------------------------------------------------------------------------


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
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def source_health(db: sqlite_utils.Database, config: Config, now: datetime | None = None) -> list[SourceHealth]:
    """Health of every configured source, then of the sources the store holds that this config does not name
    (a store filled under another config, such as the demo's): those are listed, not judged late."""
    now = now or datetime.now(UTC)
    out = [
        _blocked(
            db, source, _incomplete(db, source, _health(db, source.id, now, source.interval_seconds, source.enabled))
        )
        for source in config.sources
    ]
    others = stored_source_ids(db, [source.id for source in config.sources])
    out += [_health(db, source_id, now, None, True) for source_id in others]
    return out


def _health(
    db: sqlite_utils.Database, source_id: str, now: datetime, interval: float | None, enabled: bool
) -> SourceHealth:
    state = source_state(db, source_id)
    failures = state["failures"] or 0
    last_success = max(filter(None, [state["last_success"], last_good_fetch_at(db, source_id)]), default=None)
    (day, week), last_article = articles_fetched_since(
        db, source_id, (now - timedelta(days=1)).isoformat(), (now - timedelta(days=7)).isoformat()
    )
    problem = (
        NOT_CONFIGURED
        if interval is None
        else _problem(interval, _parse(last_success), failures, _parse(last_article), now, enabled)
    )
    return SourceHealth(
        source_id, last_success, state["last_error"], state["last_error_at"], failures, day, week, problem
    )


BLOCKED = "blocked"  # the word a blocking site is reported by (also in a listing's error: crawlers/links.py)
BLOCKING_STATUSES = {401, 403, 429}
BLOCKED_SHARE = 0.5  # of the recent article page fetches answered with a blocking status
BLOCKED_MIN_PAGES = 3


def _blocked(db: sqlite_utils.Database, source: SourceConfig, health: SourceHealth) -> SourceHealth:
    """A site that refuses us (403/401, 429 storms, a challenge page served with 200) is reported as blocked,
    whatever else is wrong: the feed or listing page answered so, or most recent article pages did."""
    if not source.enabled:
        return health
    last = last_fetch_outcome(db, source.id, source.url)
    error = (last[1] or "") if last and last[0] == "error" else ""
    if error.startswith(BLOCKED) or any(error.startswith(f"HTTP {code}") for code in BLOCKING_STATUSES):
        why = error if error.startswith(BLOCKED) else f"{BLOCKED}: its {source.kind} answered {error}"
        return replace(health, problem=why)
    statuses = recent_page_statuses(db, source.id)
    refused = sum(1 for status in statuses if status in BLOCKING_STATUSES)
    if refused >= BLOCKED_MIN_PAGES and refused >= BLOCKED_SHARE * len(statuses):
        codes = "/".join(str(c) for c in sorted({s for s in statuses if s in BLOCKING_STATUSES}))
        return replace(
            health, problem=f"{BLOCKED}: {refused} of the last {len(statuses)} article pages answered {codes}"
        )
    return health


def _incomplete(db: sqlite_utils.Database, source: SourceConfig, health: SourceHealth) -> SourceHealth:
    """A source whose last feed or listing page was read only in part (entries skipped: broken links, a
    malformed document) needs attention even though it counts as crawled."""
    last = last_fetch_outcome(db, source.id, source.url)
    if health.problem is not None or not source.enabled or last is None or last[0] != "partial":
        return health
    return replace(health, problem=f"incomplete: {last[1]}")


def _problem(
    interval: float,
    last_success: datetime | None,
    failures: int,
    last_article: datetime | None,
    now: datetime,
    enabled: bool,
) -> str | None:
    if not enabled:
        return None
    if last_success is None:
        return f"failing: {failures} failed runs, never succeeded" if failures else "never crawled"
    late = now - last_success
    if late > timedelta(seconds=interval * LATE_INTERVALS):
        return (
            f"failing for {_age(late)} ({failures} failed runs)"
            if failures
            else f"not crawled for {_age(late)} (interval {interval / 60:g} min)"
        )
    if last_article is None or now - last_article > SILENT_AFTER:
        since = f"for {_age(now - last_article)}" if last_article else "ever"
        return f"silent: no new article {since}"
    return None


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} h"
