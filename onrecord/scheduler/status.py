"""What `onrecord status` shows about the daemon: each job's next run time and last result."""

from __future__ import annotations

import json

import sqlite_utils

from onrecord.core.config import Config
from onrecord.scheduler.jobs import build_job_specs
from onrecord.storage.jobs import last_runs, next_run_times
from onrecord.storage.sources import backoff_untils


def job_status(config: Config, db: sqlite_utils.Database) -> list[dict]:
    """One dict per configured job: job, kind, next_run (UTC ISO, None before the daemon's first start),
    last_status (ok / failed / stopped / interrupted / running), last_started, last_finished, last_result
    (parsed JSON: counts, error, back-off) and, for crawls, backoff_until."""
    state = next_run_times(db)
    runs = last_runs(db)
    backoff = backoff_untils(db)
    rows = []
    for spec in build_job_specs(config):
        run = runs.get(spec.id, {})
        result = run.get("result")
        try:
            result = json.loads(result) if result else None
        except ValueError:
            pass
        row = {
            "job": spec.id,
            "kind": spec.kind,
            "next_run": state.get(spec.id),
            "last_status": run.get("status"),
            "last_started": run.get("started"),
            "last_finished": run.get("finished"),
            "last_result": result,
        }
        if spec.kind == "crawl":
            row["backoff_until"] = backoff.get(spec.id)
        rows.append(row)
    return rows
