"""The fetch history: one row per HTTP fetch, and what the last one said about a URL."""

from __future__ import annotations

import sqlite_utils

from onrecord.records import Fetch
from storage.db import write_transaction


def record_fetch(db: sqlite_utils.Database, fetch: Fetch) -> None:
    with write_transaction(db):
        db["fetches"].insert(fetch.to_dict())


def last_validators(db: sqlite_utils.Database, url: str) -> tuple[str | None, str | None]:
    """(etag, last_modified) of the most recent successful fetch of `url`, for a conditional GET."""
    row = db.execute(
        "SELECT etag, last_modified FROM fetches WHERE url = ? AND status IN (200, 304) "
        "AND (etag IS NOT NULL OR last_modified IS NOT NULL) ORDER BY id DESC LIMIT 1", [url]).fetchone()
    return (row[0], row[1]) if row else (None, None)
