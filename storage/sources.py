"""Reference tables mirrored from config (sources, parties, topics, claim types) and per-source health."""

from __future__ import annotations

import sqlite_utils

from onrecord.core.config import Config
from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction


def sync_config(db: sqlite_utils.Database, config: Config) -> None:
    """Mirror config's sources, parties, topics and claim types into the store (for joins and Datasette labels)."""
    with write_transaction(db):
        for s in config.sources:
            db["sources"].upsert({"id": s.id, "name": s.name, "kind": s.kind, "url": s.url, "language": s.language,
                                  "speaks_for": s.speaks_for, "interval": s.interval, "enabled": int(s.enabled)},
                                 pk="id")
        db["parties"].upsert_all([{"id": p.id, "name": p.name} for p in config.parties], pk="id")
        db["topics"].upsert_all([{"id": t.id, "description": t.description} for t in config.topics], pk="id")
        db["claim_types"].upsert_all([{"id": c.id, "description": c.description} for c in config.claim_types],
                                     pk="id")


def mark_source_result(db: sqlite_utils.Database, source_id: str, error: str | None) -> None:
    """Record a source's run outcome: last success, or last error with a failure count for back-off."""
    now = utc_now()
    with write_transaction(db):
        if error is None:
            db.execute("UPDATE sources SET last_success = ?, failures = 0, backoff_until = NULL WHERE id = ?",
                       [now, source_id])
        else:
            db.execute("UPDATE sources SET last_error = ?, last_error_at = ?, failures = failures + 1 WHERE id = ?",
                       [error, now, source_id])
