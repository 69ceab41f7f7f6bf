"""The daemon's schedule in the store: next run time per job (`job_state`) and one row per run (`job_runs`).

Kept in the store rather than an APScheduler job store: the jobs are rebuilt from config on every start,
so only their next run times need to survive a restart, and `onrecord status` and Datasette read them
next to the sources they describe. Times are ISO 8601 UTC strings.
"""

from __future__ import annotations

import sqlite_utils

from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction


def next_run_times(db: sqlite_utils.Database) -> dict[str, str | None]:
    """{job id: next run time} as last saved (empty before the daemon's first start)."""
    if "job_state" not in db.table_names():
        return {}
    return dict(db.execute("SELECT job_id, next_run_time FROM job_state").fetchall())


def save_next_run_times(db: sqlite_utils.Database, jobs: dict[str, tuple[str, str | None]]) -> None:
    """Store {job id: (kind, next run time)}; jobs not named keep their rows."""
    now = utc_now()
    with write_transaction(db):
        for job_id, (kind, when) in jobs.items():
            db.execute(
                "INSERT INTO job_state (job_id, kind, next_run_time, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(job_id) DO UPDATE SET kind = excluded.kind, "
                "next_run_time = excluded.next_run_time, updated_at = excluded.updated_at",
                [job_id, kind, when, now],
            )


def begin_run(db: sqlite_utils.Database, job_id: str, kind: str) -> int:
    with write_transaction(db):
        run_id = db.execute(
            "INSERT INTO job_runs (job_id, kind, started, status) VALUES (?, ?, ?, 'running')",
            [job_id, kind, utc_now()],
        ).lastrowid
    assert run_id is not None  # an INSERT sets it
    return run_id


def end_run(db: sqlite_utils.Database, run_id: int, status: str, result: str | None) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE job_runs SET finished = ?, status = ?, result = ? WHERE id = ?", [utc_now(), status, result, run_id]
        )


def close_interrupted(db: sqlite_utils.Database) -> list[str]:
    """Mark runs left 'running' by a killed daemon as interrupted; return their job ids."""
    with write_transaction(db):
        jobs = [row[0] for row in db.execute("SELECT DISTINCT job_id FROM job_runs WHERE status = 'running'")]
        db.execute(
            "UPDATE job_runs SET status = 'interrupted', result = 'daemon stopped without finishing' "
            "WHERE status = 'running'"
        )
    return jobs


def prune_runs(db: sqlite_utils.Database, before: str) -> None:
    with write_transaction(db):
        db.execute("DELETE FROM job_runs WHERE started < ?", [before])


def last_runs(db: sqlite_utils.Database) -> dict[str, dict]:
    """The latest run of every job: {job id: {started, finished, status, result}}."""
    if "job_runs" not in db.table_names():
        return {}
    rows = db.execute(
        "SELECT job_id, started, finished, status, result FROM job_runs r WHERE id = "
        "(SELECT MAX(id) FROM job_runs WHERE job_id = r.job_id)"
    ).fetchall()
    return {row[0]: {"started": row[1], "finished": row[2], "status": row[3], "result": row[4]} for row in rows}
