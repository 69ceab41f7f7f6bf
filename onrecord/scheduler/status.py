"""What `onrecord status` shows about the daemon: each job's next run time and last result."""

from __future__ import annotations

import json

import sqlite_utils

from onrecord.core.config import Config
from onrecord.scheduler.jobs import build_job_specs
from onrecord.scheduler.state import last_runs


def job_status(config: Config, db: sqlite_utils.Database) -> list[dict]:
    """One dict per configured job: job, kind, next_run (UTC ISO, None before the daemon's first start),
    last_status (ok / failed / stopped / interrupted / running), last_started, last_finished, last_result
    (parsed JSON: counts, error, back-off) and, for crawls, backoff_until."""
    tables = set(db.table_names())
    state = dict(db.execute("SELECT job_id, next_run_time FROM job_state").fetchall()) if "job_state" in tables else {}
    runs = last_runs(db) if "job_runs" in tables else {}
    backoff = dict(db.execute("SELECT id, backoff_until FROM sources").fetchall())
    rows = []
    for spec in build_job_specs(config):
        run = runs.get(spec.id, {})
        result = run.get("result")
        try:
            result = json.loads(result) if result else None
        except ValueError:
            pass
        row = {"job": spec.id, "kind": spec.kind, "next_run": state.get(spec.id),
               "last_status": run.get("status"), "last_started": run.get("started"),
               "last_finished": run.get("finished"), "last_result": result}
        if spec.kind == "crawl":
            row["backoff_until"] = backoff.get(spec.id)
        rows.append(row)
    return rows
