"""JSON Lines in and out for file mode: articles in, claims out; a bad line is reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

from onrecord.core.errors import ParseError
from onrecord.core.records import Article


def read_records(path: str | Path, on_error: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """JSON objects of a JSON Lines file; a line that is not an object is reported by file and line number."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise ParseError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                on_error(f"{path}:{number}: invalid JSON ({exc.msg} at column {exc.colno}); line skipped")
                continue
            if not isinstance(record, dict):
                on_error(f"{path}:{number}: expected a JSON object, got {type(record).__name__}; line skipped")
                continue
            yield record


def read_articles(path: str | Path, on_error: Callable[[str], None]) -> Iterator[Article]:
    for record in read_records(path, on_error):
        if not isinstance(record.get("text"), str) or not (record.get("id") or record.get("url")):
            on_error(f"{path}: article {record.get('id', '?')!r}: needs 'text' and 'id' or 'url'; skipped")
            continue
        if "language" not in record and "lang" in record:
            record["language"] = record["lang"]
        yield Article.from_dict(record)
