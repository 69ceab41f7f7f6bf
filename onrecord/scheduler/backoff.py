"""Back-off of failing sources: exponential in the number of consecutive failures, capped."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlite_utils

from onrecord.storage.db import write_transaction


def backoff_seconds(failures: int, interval: float, cap: float) -> float:
    """Pause before the next try after `failures` consecutive failures: interval x 2^failures, at most `cap`.

    Never shorter than the normal interval, so a failing source is never crawled more often than a healthy one.
    """
    if failures <= 0:
        return interval
    return max(interval, min(interval * 2 ** min(failures, 32), cap))


def source_health(db: sqlite_utils.Database, source_id: str) -> dict:
    """The source's row of health columns (failures, last_success, last_error, last_error_at, backoff_until)."""
    row = db.execute("SELECT failures, last_success, last_error, last_error_at, backoff_until FROM sources "
                     "WHERE id = ?", [source_id]).fetchone()
    keys = ("failures", "last_success", "last_error", "last_error_at", "backoff_until")
    return dict(zip(keys, row)) if row else dict.fromkeys(keys) | {"failures": 0}


def set_backoff(db: sqlite_utils.Database, source_id: str, until: datetime | None) -> None:
    with write_transaction(db):
        db.execute("UPDATE sources SET backoff_until = ? WHERE id = ?",
                   [until.isoformat(timespec="seconds") if until else None, source_id])


def backoff_until(now: datetime, failures: int, interval: float, cap: float) -> datetime:
    return now + timedelta(seconds=backoff_seconds(failures, interval, cap))
