"""`onrecord run`: the long-running daemon. APScheduler decides when; child processes do the work.

Jobs come from config (see jobs.py). Each job run records a row in job_runs; every change of a job's
next run time is written to job_state, so a restart picks the schedule up where it was.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor as Pool
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.events import (
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_MODIFIED,
    EVENT_JOB_SUBMITTED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.background import BackgroundScheduler

from onrecord.core.child import ChildFailed, ChildRunner, ChildStopped
from onrecord.core.config import Config, parse_duration
from onrecord.core.errors import OnrecordError
from onrecord.core.records import utc_now
from onrecord.crawlers import health
from onrecord.crawlers.run import crawl as crawl_pass
from onrecord.scheduler.jobs import EXTRACT_JOB, JobSpec, build_job_specs, digest_missing_settings, first_run_time
from onrecord.scheduler.lock import StoreLock
from onrecord.scheduler.logs import log_event
from onrecord.scheduler.state import ScheduleState, format_time
from onrecord.scheduler.tasks import CHILD_MODULE as TASKS_MODULE
from onrecord.scheduler.tasks import task_request
from onrecord.storage.articles import count_articles
from onrecord.storage.db import open_store
from onrecord.storage.jobs import last_runs
from onrecord.storage.sources import sync_config

Outcome = tuple[str, dict]  # (status: ok | failed | stopped, result)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # each stops the daemon cleanly


class Daemon:
    def __init__(self, config: Config, db_path: str) -> None:
        self.db_path = str(Path(db_path).resolve())
        self.config = config = config.with_storage_path(self.db_path)
        self.specs = {spec.id: spec for spec in build_job_specs(config)}
        self.children = ChildRunner(config.scheduler.stop_timeout)
        self.stopping = threading.Event()
        self.max_backoff = parse_duration(config.scheduler.max_backoff)
        self.crawl_timeout = parse_duration(config.scheduler.crawl_timeout)
        self._lock = StoreLock(self.db_path)
        self._inflight = 0
        self._inflight_done = threading.Condition()
        self._extract_lock = threading.Lock()
        self._extract_again = threading.Event()
        self.db: Any = None  # opened by _take_store, after the lock: a refused daemon writes nothing
        self.state: Any = None
        self.scheduler = BackgroundScheduler(
            executors={"crawl": ThreadPoolExecutor(config.scheduler.max_parallel), "default": ThreadPoolExecutor(2)},
            timezone=UTC,
        )

    # -- lifecycle -------------------------------------------------------------------------------------

    def _take_store(self) -> None:
        """Take the store's run lock, then open (and upgrade) the store and mirror the config into it."""
        self._lock.acquire()
        try:
            self.db = open_store(self.db_path)
            sync_config(self.db, self.config)
        except BaseException:
            self._lock.release()
            raise
        self.state = ScheduleState(self.db)

    def start(self) -> None:
        self._take_store()
        # Runs a killed daemon left 'running', and crawls ended by the last stop, start again now, not an
        # interval later.
        stopped = {job for job, run in last_runs(self.db).items() if run.get("status") == "stopped"}
        interrupted = set(self.state.close_interrupted()) | stopped
        self.state.prune(self.config.scheduler.history_days)
        stored = self.state.next_run_times()
        now = datetime.now(UTC)
        for spec in self.specs.values():
            backoff = health.backoff_end(self.db, spec.id) if spec.kind == "crawl" else None
            when = first_run_time(
                spec, stored.get(spec.id), now, interrupted=spec.id in interrupted, backoff_until=backoff
            )
            self.scheduler.add_job(
                self._job_function(spec), spec.trigger, id=spec.id, name=spec.id, next_run_time=when, **spec.options
            )
        if interrupted:
            log_event(logging.WARNING, None, "daemon.recovered", interrupted=",".join(sorted(interrupted)))
        why_no_digest = digest_missing_settings(self.config)
        if why_no_digest:
            log_event(logging.INFO, None, "digest.unscheduled", reason=why_no_digest)
        self.scheduler.add_listener(
            self._on_job_event, EVENT_JOB_SUBMITTED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_MODIFIED
        )
        self.scheduler.start()
        self._save_next_run_times()
        crawls = sum(1 for s in self.specs.values() if s.kind == "crawl")
        log_event(
            logging.INFO,
            None,
            "daemon.started",
            pid=os.getpid(),
            store=self.db_path,
            crawl_jobs=crawls,
            jobs=len(self.specs),
        )
        for job in sorted(self.scheduler.get_jobs(), key=lambda j: j.next_run_time):
            log_event(
                logging.INFO,
                job.id if self.specs[job.id].kind == "crawl" else None,
                "job.scheduled",
                job=job.id,
                next_run=format_time(job.next_run_time),
            )

    def stop(self, reason: str) -> None:
        """Stop taking work, end the children (SIGTERM, then SIGKILL), wait for job threads, save the schedule."""
        log_event(logging.INFO, None, "daemon.stopping", reason=reason, running_children=len(self.children.running()))
        self.stopping.set()
        self._save_next_run_times()
        try:
            self.scheduler.shutdown(wait=False)
        except SchedulerNotRunningError:
            pass
        ended = self.children.stop_all()
        with self._inflight_done:
            self._inflight_done.wait_for(lambda: self._inflight == 0, timeout=self.children.stop_timeout + 5)
            unfinished = self._inflight
        if unfinished:  # never leave job_runs 'running': the next start resumes these jobs first
            self.state.close_interrupted()
        log_event(
            logging.INFO,
            None,
            "daemon.stopped",
            reason=reason,
            children_ended=ended,
            unfinished_jobs=unfinished or None,
        )
        self._lock.release()

    def run_forever(self) -> int:
        """Run until SIGINT, SIGTERM or SIGHUP; return the exit code (0 after a clean stop).

        SIGHUP stops the daemon cleanly too (children ended, runs recorded, schedule saved); the config is read
        once at start, so a changed config takes effect when the supervisor starts the daemon again."""
        received: list[str] = []

        def on_signal(signum: int, frame: object) -> None:
            name = signal.Signals(signum).name
            if received:
                log_event(logging.WARNING, None, "daemon.signal", signal=name, note="already stopping")
            received.append(name)

        previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
        try:
            self.start()
            while not received:
                threading.Event().wait(0.5)
            self.stop(f"{received[0]} received")
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def run_once(self) -> int:
        """Crawl every enabled source once (max_parallel at a time), then extract; return 1 if a crawl failed.

        The digest is left to the daemon (or `onrecord digest`): it belongs to a time of day, not to a pass.
        """

        def on_signal(signum: int, frame: object) -> None:
            log_event(logging.INFO, None, "daemon.stopping", reason=f"{signal.Signals(signum).name} received")
            self.stopping.set()
            threading.Thread(target=self.children.stop_all, name="stop-children").start()

        previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
        try:
            self._take_store()
        except BaseException:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            raise
        try:
            self.state.close_interrupted()
            crawls = [spec for spec in self.specs.values() if spec.kind == "crawl"]
            with Pool(self.config.scheduler.max_parallel) as pool:
                statuses = list(pool.map(lambda spec: self._record(spec, self._crawl), crawls))
            self._record(self.specs[EXTRACT_JOB], self._extract)
        finally:
            self._lock.release()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log_event(
            logging.INFO,
            None,
            "daemon.stopped" if self.stopping.is_set() else "once.finished",
            crawls=len(statuses),
            failed=statuses.count("failed"),
        )
        return 1 if "failed" in statuses else 0

    # -- jobs ------------------------------------------------------------------------------------------

    def _job_function(self, spec: JobSpec) -> Callable[[], object]:
        if spec.kind == "crawl":
            return lambda: self._record(spec, self._crawl)
        if spec.kind == "extract":
            return self._extract_job
        if spec.kind == "alerts":
            return lambda: self._record(spec, self._alerts)
        return lambda: self._record(spec, self._digest)

    @contextmanager
    def _counted(self) -> Iterator[None]:
        with self._inflight_done:
            self._inflight += 1
        try:
            yield
        finally:
            with self._inflight_done:
                self._inflight -= 1
                self._inflight_done.notify_all()

    def _record(self, spec: JobSpec, work: Callable[[JobSpec], Outcome]) -> str:
        """Run one job with a job_runs row around it; a bug in the work is logged, never kills the daemon."""
        if self.stopping.is_set():
            return "stopped"
        with self._counted():
            run_id = self.state.begin_run(spec.id, spec.kind)
            try:
                status, result = work(spec)
            except Exception as exc:  # keep the daemon alive; the traceback goes to the log
                logging.getLogger("onrecord.scheduler").exception(
                    "job %s crashed", spec.id, extra={"source": None, "event": "job.crashed"}
                )
                status, result = "failed", {"error": f"{type(exc).__name__}: {exc}"}
            self.state.end_run(run_id, status, result)
        return status

    def _crawl(self, spec: JobSpec) -> Outcome:
        """One pass over one source in a crawl child; a failure (recorded by the pass or for it) backs it off."""
        source = spec.id
        db = open_store(self.db_path, migrate_schema=False)
        try:
            before = count_articles(db, source)
            started = utc_now()
            log_event(logging.INFO, source, "crawl.started")
            counts: dict[str, int] = {}
            returncode: int | None = 0
            try:
                summary = crawl_pass(
                    self.config,
                    sources=[source],
                    force=True,
                    runner=self.children,
                    timeout=self.crawl_timeout,
                    progress=lambda line: log_event(logging.INFO, source, "crawl.progress", line=line.strip()),
                )
                counts = summary.per_source.get(source, {})
            except ChildStopped:
                log_event(logging.INFO, source, "crawl.stopped", note="ended by daemon stop; resumes next start")
                return "stopped", {"error": "stopped by daemon shutdown"}
            except ChildFailed as exc:  # recorded against the source by crawl_pass
                returncode = exc.returncode
            except OnrecordError as exc:  # the pass could not start (e.g. a publisher parser that does not load)
                health.record_unreported(db, [source], started, str(exc))
                returncode = None
            new = count_articles(db, source) - before
            failed = health.failed_since(db, source, started)
            result = {"new": new, "counts": counts, "returncode": returncode}
            if failed:
                result.update(self._back_off(db, spec))
        finally:
            db.conn.close()
        if new:
            self.request_extraction()
        if failed:
            return "failed", result
        log_event(
            logging.INFO,
            source,
            "crawl.finished",
            new=new,
            **{k.replace("-", "_"): v for k, v in counts.items() if k != "new"},
        )
        return "ok", result

    def _back_off(self, db, spec: JobSpec) -> dict:
        until, state = health.back_off(db, spec.id, spec.interval or 0, self.max_backoff)
        if not self.stopping.is_set():
            try:
                self.scheduler.modify_job(spec.id, next_run_time=until)
            except (JobLookupError, SchedulerNotRunningError):
                pass
        log_event(
            logging.WARNING,
            spec.id,
            "crawl.failed",
            failures=state["failures"],
            backoff_until=format_time(until),
            error=state["last_error"],
        )
        return {"error": state["last_error"], "failures": state["failures"], "backoff_until": format_time(until)}

    def request_extraction(self) -> None:
        """Ask for an extraction run soon; requests made while one runs are merged into one more run."""
        self._extract_again.set()
        if not self.stopping.is_set() and self.scheduler.running:
            try:
                self.scheduler.modify_job(EXTRACT_JOB, next_run_time=datetime.now(UTC))
            except (JobLookupError, SchedulerNotRunningError):
                pass

    def _extract_job(self) -> None:
        self._extract_again.set()
        while not self.stopping.is_set():
            if not self._extract_lock.acquire(blocking=False):
                return  # the run in progress will see the request
            try:
                while self._extract_again.is_set() and not self.stopping.is_set():
                    self._extract_again.clear()
                    self._record(self.specs[EXTRACT_JOB], self._extract)
            finally:
                self._extract_lock.release()
            if not self._extract_again.is_set():
                return

    def _extract(self, spec: JobSpec) -> Outcome:
        return self._task(spec, "extract")

    def _digest(self, spec: JobSpec) -> Outcome:
        return self._task(spec, "digest")

    def _alerts(self, spec: JobSpec) -> Outcome:
        return self._task(spec, "alerts")

    def _task(self, spec: JobSpec, task: str) -> Outcome:
        log_event(logging.INFO, None, f"{task}.started")
        try:
            result = self.children.run(
                TASKS_MODULE, task_request(task, self.config, self.db_path), timeout=self.crawl_timeout, name=task
            )
        except ChildStopped:
            log_event(logging.INFO, None, f"{task}.stopped", note="ended by daemon stop; pending work resumes next run")
            return "stopped", {"error": "stopped by daemon shutdown"}
        except ChildFailed as exc:
            log_event(logging.ERROR, None, f"{task}.failed", error=str(exc))
            return "failed", {"error": str(exc), "returncode": exc.returncode}
        log_event(
            logging.INFO,
            None,
            f"{task}.finished",
            **{k: v for k, v in result.items() if isinstance(v, (int, float, str))},
        )
        return "ok", result

    # -- schedule state ----------------------------------------------------------------------------------

    def _on_job_event(self, event: JobEvent) -> None:
        spec = self.specs.get(event.job_id)
        source = event.job_id if spec and spec.kind == "crawl" else None
        if event.code == EVENT_JOB_MAX_INSTANCES and event.job_id != EXTRACT_JOB:
            log_event(logging.WARNING, source, "job.skipped", job=event.job_id, reason="previous run still going")
        elif event.code == EVENT_JOB_MISSED:
            log_event(
                logging.WARNING,
                source,
                "job.missed",
                job=event.job_id,
                scheduled=format_time(event.scheduled_run_time),
                reason="later than misfire_grace",
            )
        self._save_next_run_times()

    def _save_next_run_times(self) -> None:
        try:
            jobs = self.scheduler.get_jobs()
        except SchedulerNotRunningError:
            return
        self.state.save_next_run_times(
            {
                job.id: (self.specs[job.id].kind, getattr(job, "next_run_time", None))
                for job in jobs
                if job.id in self.specs
            }
        )
