-- Upgrade step 4: a store at version 3 to version 4. Frozen: never edit it once shipped.
-- (Named 004_scheduler in the `_migrations` table of stores made before storage/schema.sql.)
--
-- The daemon's schedule (next run time per job, so it survives restarts) and its run history.

CREATE TABLE job_state (job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, next_run_time TEXT, updated_at TEXT);

CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, started TEXT NOT NULL,
        finished TEXT, status TEXT NOT NULL, result TEXT
    );

CREATE INDEX job_runs_job ON job_runs(job_id, started);
