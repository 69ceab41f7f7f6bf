"""The daemon's work, each run as a child process: `python -m onrecord.scheduler.tasks crawl|extract|digest`.

crawl: one pass over one source (--source) through crawlers.run.crawl, which runs Scrapy in a fresh
process of its own and records the source's health; progress lines go to stderr.
extract: claims for every article not yet extracted (atomic per article), then the timeline's events.
digest: the daily digest if one is due and not yet sent (send_daily records each period it sent).
Prints one JSON line with the result on stdout; a SIGTERM ends the task at once: every write is its
own transaction, so whatever was not committed is simply done again by the next run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import signal
import sys
from pathlib import Path

import yaml

from onrecord.core.config import Config
from onrecord.context import load_context
from onrecord.core.errors import OnrecordError
from onrecord.scheduler.children import ChildResult


def crawl_command(config_path: Path, db_path: str, source_id: str) -> list[str]:
    """The child that crawls one source once (forced: the scheduler, not the crawler, decides when)."""
    return [*task_command("crawl", config_path, db_path), "--source", source_id]


def task_command(task: str, config_path: Path, db_path: str) -> list[str]:
    return [sys.executable, "-m", "onrecord.scheduler.tasks", task, *_store_args(config_path, db_path)]


def _store_args(config_path: Path, db_path: str) -> list[str]:
    return ["--config", str(config_path), "--db", str(Path(db_path).resolve())]


def write_config_snapshot(config: Config, path: Path) -> Path:
    """The validated config as YAML for the children, so every child sees exactly what the daemon loaded
    (an edit of config.yaml takes effect on the daemon's next start, for all jobs at once)."""
    path.write_text(yaml.safe_dump(config.model_dump(mode="json"), allow_unicode=True, sort_keys=False),
                    encoding="utf-8")
    return path


def json_result(result: ChildResult) -> dict | None:
    """The JSON object a child printed last on stdout, if any."""
    for line in reversed(result.stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def crawl(config, db, source: str) -> dict:
    from onrecord.crawlers.run import crawl as crawl_pass

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    db.conn.close()  # the crawl opens the store itself
    return crawl_pass(config, sources=[source], force=True, progress=progress).to_dict()


def extract(config, db, source: str | None = None) -> dict:
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.timeline import update_events

    result = dict(extract_pending(config, db) or {})
    result["events"] = update_events(db, config)
    return result


def digest(config, db, source: str | None = None) -> dict:
    from onrecord.digest import send_daily

    results = [dataclasses.asdict(r) for r in send_daily(config, db)]
    return {"sent": sum(r["status"] == "sent" for r in results),
            "statuses": ",".join(r["status"] for r in results), "digests": results}


TASKS = {"crawl": crawl, "extract": extract, "digest": digest}


def _pass_sigterm_to_group() -> None:
    """When this task leads its own process group (the daemon starts it so), a SIGTERM - from the daemon's
    stop, or from the kernel when the daemon died - is passed on to the whole group, so the crawl's own
    Scrapy process stops too instead of running on as an orphan."""
    if os.getpgrp() != os.getpid():
        return

    def end_group(signum: int, frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.killpg(os.getpgrp(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, end_group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m onrecord.scheduler.tasks", description=__doc__.splitlines()[0])
    parser.add_argument("task", choices=sorted(TASKS))
    parser.add_argument("--config", default=None)
    parser.add_argument("--db", default=None)
    parser.add_argument("--source", default=None, help="crawl: the source id")
    args = parser.parse_args(argv)
    _pass_sigterm_to_group()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    try:
        ctx = load_context(args.config, args.db)
        db = ctx.open_store()
        result = TASKS[args.task](ctx.config, db, args.source)
    except OnrecordError as exc:
        print(f"{args.task}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
