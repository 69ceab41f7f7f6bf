"""The daemon's extraction and digest, each run as a child process: `python -m onrecord.scheduler.tasks`.

The child protocol of onrecord.core.child: the request {"task", "config", "db_path"} as JSON on stdin,
the result as the one JSON reply on stdout.
extract: claims for every article not yet extracted (atomic per article), then the timeline's events, then the
alerts that update put in the outbox are delivered at once.
alerts: the outbox's alerts whose group window or retry time has come (onrecord/alerts/deliver.py).
digest: the daily digest if one is due and not yet sent (send_daily records each period it sent).
A SIGTERM ends the task at once: every write is its own transaction, so whatever was not committed is
simply done again by the next run. (Crawls are children of their own: onrecord.crawlers.run.)
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from typing import Any

import sqlite_utils

from onrecord.core.child import serve
from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError

CHILD_MODULE = "onrecord.scheduler.tasks"


def task_request(task: str, config: Config, db_path: str) -> dict[str, Any]:
    """What the daemon sends the child: the task, the validated config (as the daemon loaded it), the store."""
    return {"task": task, "config": config.model_dump(mode="json"), "db_path": db_path}


def extract(config: Config, db: sqlite_utils.Database) -> dict:
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.timeline import update_events

    if config.nlp.cluster:  # the reading on the Dask cluster's workers; this process stays the store's writer
        from onrecord.extract_cluster import connect, extract_on_cluster
        from onrecord.nlp.extractor import Extractor

        with connect(config.nlp.cluster) as client:
            result = dict(extract_on_cluster(client, config, db, Extractor(config).version))
    else:
        result = dict(extract_pending(config, db) or {})
    result["events"] = update_events(db, config)
    if config.watchlists:
        result["alerts_sent"] = alerts(config, db)["sent"]
    return result


def alerts(config: Config, db: sqlite_utils.Database) -> dict:
    from onrecord.alerts import deliver_pending

    return deliver_pending(config, db, config.storage.path).to_dict()


def digest(config: Config, db: sqlite_utils.Database) -> dict:
    from onrecord.digest import send_daily

    results = [dataclasses.asdict(r) for r in send_daily(config, db)]
    return {
        "sent": sum(r["status"] == "sent" for r in results),
        "statuses": ",".join(r["status"] for r in results),
        "digests": results,
    }


TASKS = {"extract": extract, "digest": digest, "alerts": alerts}


def _serve(request: dict) -> dict:
    from onrecord.storage.db import open_store
    from onrecord.storage.sources import sync_config

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    task = request["task"]
    try:
        config = Config.model_validate(request["config"]).with_storage_path(request["db_path"])
        db = open_store(config.storage.path)
        sync_config(db, config)
        return TASKS[task](config, db)
    except OnrecordError as exc:
        raise OnrecordError(f"{task}: {exc}") from None


if __name__ == "__main__":
    serve(_serve)
