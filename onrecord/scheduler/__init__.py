"""The always-on daemon behind `onrecord run`: APScheduler jobs built from config, work in child processes.

Modules: jobs (which jobs, when), backoff (failing sources), state (schedule kept in the store),
children (child processes), tasks (extraction/digest child entry), logs (structured lines),
daemon (wiring), status (`job_status` for `onrecord status`).
"""

from onrecord.scheduler.status import job_status

__all__ = ["job_status"]
