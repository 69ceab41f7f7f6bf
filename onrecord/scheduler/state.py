"""The schedule's memory in the store: next run time per job (job_state) and one row per run (job_runs).

Kept in the store itself (migration 004_scheduler) rather than an APScheduler job store: the jobs are
rebuilt from config on every start anyway, so only their next run times need to survive a restart, and
`onrecord status` and Datasette can read them next to the sources they describe.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

import sqlite_utils

from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction


def parse_time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def format_time(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat(timespec="seconds") if value else None


class ScheduleState:
    """Reads and writes job_state/job_runs through one connection shared by the daemon's threads."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self._lock = threading.Lock()

    def next_run_times(self) -> dict[str, datetime | None]:
        with self._lock:
            rows = self.db.execute("SELECT job_id, next_run_time FROM job_state").fetchall()
        return {job_id: parse_time(value) for job_id, value in rows}

    def save_next_run_times(self, jobs: dict[str, tuple[str, datetime | None]]) -> None:
        """Store {job_id: (kind, next_run_time)}; jobs not named keep their rows (status still shows them)."""
        now = utc_now()
        with self._lock, write_transaction(self.db):
            for job_id, (kind, when) in jobs.items():
                self.db.execute(
                    "INSERT INTO job_state (job_id, kind, next_run_time, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT(job_id) DO UPDATE SET kind = excluded.kind, "
                    "next_run_time = excluded.next_run_time, updated_at = excluded.updated_at",
                    [job_id, kind, format_time(when), now])

    def begin_run(self, job_id: str, kind: str) -> int:
        with self._lock, write_transaction(self.db):
            cursor = self.db.execute("INSERT INTO job_runs (job_id, kind, started, status) VALUES (?, ?, ?, 'running')",
                                     [job_id, kind, utc_now()])
            return cursor.lastrowid

    def end_run(self, run_id: int, status: str, result: Any) -> None:
        text = result if isinstance(result, str) or result is None else json.dumps(result, default=str)
        with self._lock, write_transaction(self.db):
            self.db.execute("UPDATE job_runs SET finished = ?, status = ?, result = ? WHERE id = ?",
                            [utc_now(), status, text, run_id])

    def close_interrupted(self) -> list[str]:
        """Mark runs left 'running' by a killed daemon as interrupted; return their job ids (to run them first)."""
        with self._lock, write_transaction(self.db):
            jobs = [row[0] for row in self.db.execute("SELECT DISTINCT job_id FROM job_runs WHERE status = 'running'")]
            self.db.execute("UPDATE job_runs SET status = 'interrupted', result = 'daemon stopped without finishing' "
                            "WHERE status = 'running'")
        return jobs

    def prune(self, days: int) -> None:
        cutoff = format_time(datetime.now(timezone.utc) - timedelta(days=days))
        with self._lock, write_transaction(self.db):
            self.db.execute("DELETE FROM job_runs WHERE started < ?", [cutoff])


def last_runs(db: sqlite_utils.Database) -> dict[str, dict]:
    """The latest run of every job: {job_id: {started, finished, status, result}}."""
    rows = db.execute(
        "SELECT job_id, started, finished, status, result FROM job_runs r WHERE id = "
        "(SELECT MAX(id) FROM job_runs WHERE job_id = r.job_id)").fetchall()
    return {row[0]: {"started": row[1], "finished": row[2], "status": row[3], "result": row[4]} for row in rows}
