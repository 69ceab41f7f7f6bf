"""JSON Lines in and out for file mode: articles in, claims out; a bad line is reported and skipped.

Every problem of one line (invalid UTF-8, invalid JSON, not an object, a field of the wrong type) costs that
line only: one message naming file and line goes to on_error and reading goes on. A UTF-8 byte order mark
at the start of the file is skipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from onrecord.core.errors import ParseError
from onrecord.core.records import Article

# Article fields that must be text when present (null is fine); `text` is required.
_TEXT_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "final_url",
    "source",
    "title",
    "published",
    "language",
    "lang",
    "via",
    "speaks_for",
    "fetched_at",
    "content_hash",
    "dup_of",
)


def _numbered_records(path: str | Path, on_error: Callable[[str], None]) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with-block below
    except OSError as exc:
        raise ParseError(f"{path}: cannot read: {exc.strerror}") from None
    with handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                on_error(f"{path}:{number}: invalid UTF-8 (byte {exc.start + 1}); line skipped")
                continue
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                on_error(f"{path}:{number}: invalid JSON ({exc.msg} at column {exc.colno}); line skipped")
                continue
            except RecursionError:
                on_error(f"{path}:{number}: invalid JSON (nested too deeply); line skipped")
                continue
            if not isinstance(record, dict):
                on_error(f"{path}:{number}: expected a JSON object, got {type(record).__name__}; line skipped")
                continue
            yield number, record


def read_records(path: str | Path, on_error: Callable[[str], None]) -> Iterator[dict[str, Any]]:
    """JSON objects of a JSON Lines file; a line that is not an object is reported by file and line number."""
    for _, record in _numbered_records(path, on_error):
        yield record


def _problem(record: dict[str, Any]) -> str | None:
    if not isinstance(record.get("text"), str):
        return "needs 'text' (a string)"
    for name in _TEXT_FIELDS:
        if record.get(name) is not None and not isinstance(record[name], str):
            return f"'{name}' must be a string, got {type(record[name]).__name__}"
    if not (record.get("url") or record.get("id")):
        return "needs 'url' or 'id' (a string)"
    return None


def read_articles(path: str | Path, on_error: Callable[[str], None]) -> Iterator[Article]:
    """Articles of a JSON Lines file; a record that cannot be an article is reported by file and line and skipped."""
    for number, record in _numbered_records(path, on_error):
        problem = _problem(record)
        if problem is None:
            if "language" not in record and "lang" in record:
                record["language"] = record["lang"]
            try:
                article = Article.from_dict(record)
            except (TypeError, ValueError) as exc:
                problem = " ".join(str(exc).split())[:200]
            else:
                yield article
                continue
        name = record.get("id") if isinstance(record.get("id"), str) else None
        label = f" article {name[:80]!r}:" if name else ""
        on_error(f"{path}:{number}:{label} {problem}; skipped")
