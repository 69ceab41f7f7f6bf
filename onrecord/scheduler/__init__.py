"""The always-on daemon behind `onrecord run`: APScheduler jobs built from config, work in child processes.

Modules: jobs (which jobs, when), state (the schedule kept in the store, via storage.jobs), tasks (the
extraction/digest child), logs (structured lines), daemon (wiring), status (`job_status` for `onrecord status`).
Children run through onrecord.core.child; crawls through onrecord.crawlers.run; a failing source's health
and back-off are decided by onrecord.crawlers.health.
"""

from onrecord.scheduler.status import job_status

__all__ = ["job_status"]
