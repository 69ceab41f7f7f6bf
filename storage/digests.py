"""Sent-digest records (table `digests`): what went out, when, to whom, and what failed.

A period counts as done for a topic and recipient list once a row says 'sent' (or 'empty', a day with
nothing new that the config says to skip); 'failed' rows are kept for the log and never count.
"""

from __future__ import annotations

import json

import sqlite_utils

from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction

DONE_STATUSES = ("sent", "empty")


def recipients_key(recipients: list[str]) -> str:
    return json.dumps(sorted({r.strip().lower() for r in recipients}))


def find_done(db: sqlite_utils.Database, since: str, until: str, topic: str, recipients: list[str]) -> dict | None:
    """The record of this period already delivered (or skipped as empty), else None."""
    rows = list(
        db.query(
            "SELECT * FROM digests WHERE period_start = ? AND period_end = ? AND topic = ? AND recipients = ? "
            f"AND status IN ({', '.join('?' * len(DONE_STATUSES))}) ORDER BY id LIMIT 1",
            [since, until, topic, recipients_key(recipients), *DONE_STATUSES],
        )
    )
    return rows[0] if rows else None


def record_digest(
    db: sqlite_utils.Database,
    *,
    since: str,
    until: str,
    topic: str,
    recipients: list[str],
    status: str,
    message_id: str | None = None,
    subject: str | None = None,
    attempts: int = 0,
    error: str | None = None,
) -> int:
    """Append one row; `sent_at` is set only when the message was delivered."""
    now = utc_now()
    with write_transaction(db):
        pk = (
            db.table("digests")
            .insert(
                {
                    "period_start": since,
                    "period_end": until,
                    "topic": topic,
                    "recipients": recipients_key(recipients),
                    "message_id": message_id,
                    "subject": subject,
                    "sent_at": now if status == "sent" else None,
                    "status": status,
                    "attempts": attempts,
                    "error": error,
                    "created_at": now,
                }
            )
            .last_pk
        )
    assert pk is not None  # an insert sets it
    return pk


def history(db: sqlite_utils.Database, limit: int = 20) -> list[dict]:
    return list(db.query("SELECT * FROM digests ORDER BY id DESC LIMIT ?", [limit]))
