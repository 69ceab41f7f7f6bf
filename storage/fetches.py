"""The fetch history: one row per HTTP fetch, and what the last one said about a URL."""

from __future__ import annotations

import sqlite_utils

from onrecord.core.records import Fetch
from onrecord.storage.db import write_transaction


_FETCH_COLUMNS = tuple(Fetch.__dataclass_fields__)
_INSERT_FETCH = (f"INSERT INTO fetches ({', '.join(_FETCH_COLUMNS)}) "
                 f"VALUES ({', '.join('?' * len(_FETCH_COLUMNS))})")


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
        "ORDER BY f.id DESC LIMIT 1", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)
