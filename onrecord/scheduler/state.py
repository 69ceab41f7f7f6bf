"""The schedule's memory in the store, for the daemon's threads: next run time per job and one row per run.

The tables are read and written by onrecord.storage.jobs; this wraps them with datetimes and one lock,
as the daemon's threads share one connection.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any, overload

import sqlite_utils

from onrecord.storage import jobs


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@overload
def format_time(value: datetime) -> str: ...
@overload
def format_time(value: None) -> None: ...
@overload
def format_time(value: datetime | None) -> str | None: ...
def format_time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value else None


class ScheduleState:
    """Reads and writes job_state/job_runs through one connection shared by the daemon's threads."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    def next_run_times(self) -> dict[str, datetime | None]:
        with self._lock:
            stored = jobs.next_run_times(self.db)
        return {job_id: parse_time(value) for job_id, value in stored.items()}

    def save_next_run_times(self, runs: dict[str, tuple[str, datetime | None]]) -> None:
        """Store {job_id: (kind, next_run_time)}; jobs not named keep their rows (status still shows them)."""
        with self._lock:
            jobs.save_next_run_times(
                self.db, {job_id: (kind, format_time(when)) for job_id, (kind, when) in runs.items()}
            )

    def begin_run(self, job_id: str, kind: str) -> int:
        with self._lock:
            return jobs.begin_run(self.db, job_id, kind)

    def end_run(self, run_id: int, status: str, result: Any) -> None:
        text = result if isinstance(result, str) or result is None else json.dumps(result, default=str)
        with self._lock:
            jobs.end_run(self.db, run_id, status, text)

    def close_interrupted(self) -> list[str]:
        """Mark runs left 'running' by a killed daemon as interrupted; return their job ids (to run them first)."""
        with self._lock:
            return jobs.close_interrupted(self.db)

    def prune(self, days: int) -> None:
        with self._lock:
            jobs.prune_runs(self.db, format_time(datetime.now(UTC) - timedelta(days=days)))
