"""Structured log lines for the daemon: `time level source event key=value ...`, on stderr and optionally a file.

The first four fields are fixed columns (source is `-` when a line is not about one source), so the
lines read well and still split cleanly with `awk` or `cut -d' '`.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

LOGGER = logging.getLogger("onrecord.scheduler")


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    if not text or any(ch in text for ch in ' "=\n'):
        return json.dumps(text, ensure_ascii=False)
    return text


class LineFormatter(logging.Formatter):
    """time level source event message; records from other loggers get their logger name as event."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        source = getattr(record, "source", None) or "-"
        event = getattr(record, "event", None) or record.name
        line = f"{moment} {record.levelname} {source} {event} {record.getMessage()}".rstrip()
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(log_file: str | None = None, level: int | None = None) -> None:
    """Give every root handler the line format, and add a file handler when `log_file` is set."""
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig()
    if level is not None:
        root.setLevel(level)
    formatter = LineFormatter()
    for handler in root.handlers:
        handler.setFormatter(formatter)
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        handler.setFormatter(formatter)
        root.addHandler(handler)
    # APScheduler's own warnings (skipped / missed runs) are logged by the daemon as structured lines.
    logging.getLogger("apscheduler").setLevel(max(root.level, logging.ERROR))


def log_event(level: int, source: str | None, event: str, **fields: Any) -> None:
    """One structured line: `log_event(logging.INFO, "tass-en", "crawl.done", new=3)`."""
    message = " ".join(f"{key}={_value(value)}" for key, value in fields.items() if value is not None)
    LOGGER.log(level, message, extra={"source": source, "event": event})
