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
            db.table("sources").upsert(
                {
                    "id": s.id,
                    "name": s.name,
                    "kind": s.kind,
                    "url": s.url,
                    "language": s.language,
                    "speaks_for": s.speaks_for,
                    "interval": s.interval,
                    "enabled": int(s.enabled),
                },
                pk="id",
            )
        db.table("parties").upsert_all([{"id": p.id, "name": p.name} for p in config.parties], pk="id")
        db.table("topics").upsert_all([{"id": t.id, "description": t.description} for t in config.topics], pk="id")
        db.table("claim_types").upsert_all(
            [{"id": c.id, "description": c.description} for c in config.claim_types], pk="id"
        )


def mark_source_result(db: sqlite_utils.Database, source_id: str, error: str | None) -> None:
    """Record a source's run outcome: last success, or last error with a failure count for back-off."""
    now = utc_now()
    with write_transaction(db):
        if error is None:
            db.execute(
                "UPDATE sources SET last_success = ?, failures = 0, backoff_until = NULL WHERE id = ?", [now, source_id]
            )
        else:
            db.execute(
                "UPDATE sources SET last_error = ?, last_error_at = ?, failures = failures + 1 WHERE id = ?",
                [error, now, source_id],
            )


HEALTH_COLUMNS = ("failures", "last_success", "last_error", "last_error_at", "backoff_until")


def source_state(db: sqlite_utils.Database, source_id: str) -> dict:
    """The source's health columns (failures, last_success, last_error, last_error_at, backoff_until)."""
    row = db.execute(f"SELECT {', '.join(HEALTH_COLUMNS)} FROM sources WHERE id = ?", [source_id]).fetchone()
    return dict(zip(HEALTH_COLUMNS, row, strict=True)) if row else dict.fromkeys(HEALTH_COLUMNS) | {"failures": 0}


def set_backoff(db: sqlite_utils.Database, source_id: str, until: str | None) -> None:
    with write_transaction(db):
        db.execute("UPDATE sources SET backoff_until = ? WHERE id = ?", [until, source_id])


def backoff_untils(db: sqlite_utils.Database) -> dict[str, str | None]:
    """{source id: backoff_until} of every stored source."""
    return dict(db.execute("SELECT id, backoff_until FROM sources").fetchall())


def stored_source_ids(db: sqlite_utils.Database, excluding: list[str]) -> list[str]:
    """Ids of the stored sources not in `excluding` (sources a store holds that a config does not name)."""
    rows = db.execute(
        f"SELECT id FROM sources WHERE id NOT IN ({', '.join('?' * len(excluding))}) ORDER BY id", excluding
    ).fetchall()
    return [row[0] for row in rows]
