"""The fetch history: one row per HTTP fetch, and what the last one said about a URL."""

from __future__ import annotations

import sqlite_utils

from onrecord.core.records import Fetch
from onrecord.storage.db import write_transaction

_FETCH_COLUMNS = tuple(Fetch.__dataclass_fields__)
_INSERT_FETCH = f"INSERT INTO fetches ({', '.join(_FETCH_COLUMNS)}) VALUES ({', '.join('?' * len(_FETCH_COLUMNS))})"


def record_fetch(db: sqlite_utils.Database, fetch: Fetch) -> None:
    """Append one fetch to the history (a plain INSERT: this runs once per page of a crawl)."""
    with write_transaction(db):
        db.execute(_INSERT_FETCH, [getattr(fetch, c) for c in _FETCH_COLUMNS])


def last_validators(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    """(etag, last_modified) of the most recent good fetch of `url`, for a conditional GET.

    Only a fetch whose crawl pass completed counts (its source's `last_success` is at or after it): if a
    pass was killed after the feed was fetched but before its entries were, the next pass must read the
    feed again instead of being told "304 Not Modified" and never seeing those entries.
    """
    row = db.execute(
        "SELECT f.etag, f.last_modified FROM fetches f JOIN sources s ON s.id = f.source "
        "WHERE f.url = ? AND f.status IN (200, 304) AND (f.etag IS NOT NULL OR f.last_modified IS NOT NULL) "
        "AND s.last_success IS NOT NULL AND s.last_success >= f.fetched_at "
        "ORDER BY f.id DESC LIMIT 1",
        [url],
    ).fetchone()
    return (row[0], row[1]) if row else (None, None)


def last_fetched_at(db: sqlite_utils.Database, url: str, source: str) -> str | None:
    """When `source` last fetched `url` (any outcome), or None: a source's interval counts from it."""
    row = db.execute("SELECT max(fetched_at) FROM fetches WHERE url = ? AND source = ?", [url, source]).fetchone()
    return row[0] if row else None


def last_fetch_error(db: sqlite_utils.Database, source: str, url: str) -> str | None:
    """The error of the latest fetch of `url` by `source` if that fetch failed, else None."""
    row = db.execute(
        "SELECT error, outcome FROM fetches WHERE source = ? AND url = ? ORDER BY id DESC LIMIT 1", [source, url]
    ).fetchone()
    return row[0] if row and row[1] == "error" else None


def last_fetch_outcome(db: sqlite_utils.Database, source: str, url: str) -> tuple[str | None, str | None] | None:
    """(outcome, error) of the latest fetch of `url` by `source`, or None when it was never fetched."""
    row = db.execute(
        "SELECT outcome, error FROM fetches WHERE source = ? AND url = ? ORDER BY id DESC LIMIT 1", [source, url]
    ).fetchone()
    return (row[0], row[1]) if row else None


def refused_before(db: sqlite_utils.Database, url: str) -> str | None:
    """Why the latest fetch of `url` (by any source) refused it as not an article, or None when it did not."""
    row = db.execute(
        "SELECT outcome, error FROM fetches WHERE url = ? ORDER BY fetched_at DESC, id DESC LIMIT 1", [url]
    ).fetchone()
    return (row[1] or "not an article") if row and row[0] == "not-article" else None


def recent_page_statuses(db: sqlite_utils.Database, source: str, limit: int = 20) -> list[int | None]:
    """The HTTP statuses of the source's latest `limit` article page fetches, newest first."""
    rows = db.execute(
        "SELECT status FROM fetches WHERE source = ? AND kind = 'page' ORDER BY fetched_at DESC, id DESC LIMIT ?",
        [source, limit],
    ).fetchall()
    return [row[0] for row in rows]


def last_good_fetch_at(db: sqlite_utils.Database, source: str) -> str | None:
    """When `source` last fetched anything without an error, or None."""
    return db.execute(
        "SELECT max(fetched_at) FROM fetches WHERE source = ? AND outcome != 'error'", [source]
    ).fetchone()[0]
