"""Watchlists and their alerts: the outbox that makes an alert go out once per watchlist, across restarts.

After a timeline update (storage/events.py, update_events) and in its transaction, `enqueue_alerts` takes the
changes and contradictions that update detected (their `detected_at` is the update's time) and adds one row to
`alerts` per watchlist they match, keyed UNIQUE by (watchlist, ref): running it again, or re-deriving the same
change, adds nothing. Each alert gets a row in `alert_deliveries` per channel it goes out by (email, webhook);
the Atom feed reads `alerts` directly. What an alert quotes (evidence, speaker, outlets, link) is copied into its
`body` when it is found, so a later re-derivation of the timeline does not change what was sent.

Delivery (onrecord/alerts/) groups the pending deliveries of a watchlist and channel into one `alert_messages`
row, marks it `sending` and commits *before* it sends, and `sent` after: a process killed in between leaves it
`sending`, and the next delivery run (holding the delivery lock, so no other is sending) marks it failed as
interrupted instead of sending it again. Alerts are therefore delivered at most once per channel.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlite_utils

from onrecord.core.config import Config, WatchlistConfig
from onrecord.storage.db import write_transaction

CHANNELS = ("email", "webhook")
STATUSES = ("pending", "sent", "failed")
INTERRUPTED = "interrupted while sending (the process ended before the result was recorded); not sent again"


@dataclass(frozen=True)
class Found:
    """A change or contradiction an update detected, as a watchlist sees it."""

    ref: str
    kind: str  # new, reversal, negation_flipped, contradiction
    topic: str | None
    date: str
    holders: tuple[str, ...]  # the holder; for a contradiction both sides
    speakers: tuple[str, ...]
    claim_types: tuple[str, ...]
    body: dict


def channels_of(watch: WatchlistConfig) -> list[str]:
    """The channels a watchlist's alerts are pushed by (the Atom feed is read, not pushed)."""
    out = []
    if watch.delivery.email:
        out.append("email")
    if watch.delivery.webhook:
        out.append("webhook")
    return out


def matches(watch: WatchlistConfig, found: Found) -> bool:
    """Whether a watchlist follows what was found: every filter it sets must match (an empty one matches all)."""
    if not watch.enabled or found.kind not in watch.kinds:
        return False
    if watch.topics and found.topic not in watch.topics:
        return False
    if watch.parties and not set(found.holders) & set(watch.parties):
        return False
    if watch.speakers:
        wanted = {s.casefold() for s in watch.speakers}
        if not {s.casefold() for s in found.speakers if s} & wanted:
            return False
    return not watch.claim_types or bool(set(found.claim_types) & set(watch.claim_types))


def sync_watchlists(db: sqlite_utils.Database, config: Config) -> None:
    """Mirror config.yaml's watchlists into `watchlists` (for Datasette), writing only when they differ."""
    rows = {
        w.id: (
            w.id,
            int(w.enabled),
            json.dumps(
                {k: getattr(w, k) for k in ("topics", "parties", "speakers", "claim_types", "kinds")},
                ensure_ascii=False,
            ),
            json.dumps(channels_of(w) + (["atom"] if w.delivery.atom else [])),
            w.group_window,
        )
        for w in config.watchlists
    }
    existing = {row[0]: tuple(row) for row in db.execute("SELECT * FROM watchlists")}
    if existing == rows:
        return
    with write_transaction(db):
        db.execute("DELETE FROM watchlists")
        db.conn.executemany("INSERT INTO watchlists VALUES (?, ?, ?, ?, ?)", list(rows.values()))


_EVENT = (
    "{e}.holder, {e}.claim_type, {e}.negated, {e}.target, {e}.speaker, {e}.evidence, {e}.url, {e}.title, "
    "{e}.outlets, {e}.corroboration, {e}.event_date"
)
_EVENT_FIELDS = (
    "holder",
    "claim_type",
    "negated",
    "target",
    "speaker",
    "evidence",
    "url",
    "title",
    "outlets",
    "corroboration",
    "event_date",
)

_NEW_CHANGES = f"""
SELECT c.id, c.topic, c.change_date, c.kind, c.from_type, c.from_negated, c.event_id, {_EVENT.format(e="e")}
FROM changes c LEFT JOIN events e ON e.id = c.event_id
WHERE c.detected_at = ? ORDER BY c.id"""

_NEW_CONTRADICTIONS = f"""
SELECT p.id, p.topic, p.date, p.rule, p.event_a, {_EVENT.format(e="a")}, p.event_b, {_EVENT.format(e="b")}
FROM contradiction_pairs p JOIN events a ON a.id = p.event_a JOIN events b ON b.id = p.event_b
WHERE p.detected_at = ? ORDER BY p.id"""


def _event(values: Iterable, outlet_names: dict[str, str]) -> dict:
    event = dict(zip(_EVENT_FIELDS, values, strict=True))
    event["negated"] = bool(event["negated"])
    ids = json.loads(event["outlets"] or "[]")
    event["outlets"] = [outlet_names.get(i, i) for i in ids]
    return event


def detected(db: sqlite_utils.Database, detected_at: str) -> list[Found]:
    """The changes and contradictions detected at `detected_at` (one update's time)."""
    names = {row[0]: row[1] or row[0] for row in db.execute("SELECT id, name FROM sources")}
    out = []
    width = len(_EVENT_FIELDS)
    for row in db.execute(_NEW_CHANGES, [detected_at]).fetchall():
        change_id, topic, day, kind, from_type, from_negated, event_id = row[:7]
        event = _event(row[7 : 7 + width], names)
        body = {
            "change_id": change_id,
            "event_id": event_id,
            "from_type": from_type,
            "from_negated": None if from_negated is None else bool(from_negated),
            **event,
        }
        out.append(
            Found(
                f"change:{change_id}",
                kind,
                topic,
                day,
                (event["holder"],),
                (event["speaker"],),
                (event["claim_type"],),
                body,
            )
        )
    for row in db.execute(_NEW_CONTRADICTIONS, [detected_at]).fetchall():
        pair_id, topic, day, rule, event_a = row[:5]
        side_a = _event(row[5 : 5 + width], names)
        event_b = row[5 + width]
        side_b = _event(row[6 + width : 6 + 2 * width], names)
        body = {
            "pair_id": pair_id,
            "rule": rule,
            "a": {"event_id": event_a, **side_a},
            "b": {"event_id": event_b, **side_b},
        }
        out.append(
            Found(
                f"contradiction:{pair_id}",
                "contradiction",
                topic,
                day,
                (side_a["holder"], side_b["holder"]),
                (side_a["speaker"], side_b["speaker"]),
                (side_a["claim_type"], side_b["claim_type"]),
                body,
            )
        )
    return out


def enqueue_alerts(db: sqlite_utils.Database, config: Config, detected_at: str) -> int:
    """Add the alerts of what an update detected at `detected_at` to the outbox; return how many are new.

    Idempotent: an alert already there for (watchlist, ref) is left as it is, so is its delivery. A store from
    before upgrade 014 (an old store a test updates as it is) has no outbox: nothing to do."""
    if not db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alerts'").fetchone():
        return 0
    sync_watchlists(db, config)
    watching = [w for w in config.watchlists if w.enabled]
    if not watching:
        return 0
    added = 0
    with write_transaction(db):
        for found in detected(db, detected_at):
            holder = found.holders[0] if found.kind != "contradiction" else None
            for watch in watching:
                if not matches(watch, found):
                    continue
                cursor = db.execute(
                    "INSERT OR IGNORE INTO alerts (watchlist, ref, kind, topic, holder, date, body, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        watch.id,
                        found.ref,
                        found.kind,
                        found.topic,
                        holder,
                        found.date,
                        json.dumps(found.body, ensure_ascii=False),
                        detected_at,
                    ],
                )
                if not cursor.rowcount:
                    continue
                added += 1
                alert_id = cursor.lastrowid
                db.conn.executemany(
                    "INSERT OR IGNORE INTO alert_deliveries (alert_id, channel) VALUES (?, ?)",
                    [(alert_id, channel) for channel in channels_of(watch)],
                )
    return added


# --- delivery state ------------------------------------------------------------------------------------------


def interrupt_sending(db: sqlite_utils.Database, now: str) -> int:
    """Fail every message left `sending` (call only while holding the delivery lock: no other run is sending)."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE alert_messages SET status = 'failed', error = ?, next_attempt_at = NULL WHERE status = 'sending'",
            [INTERRUPTED],
        )
    return cursor.rowcount


def waiting_channels(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(watchlist, channel) pairs with pending deliveries or a message waiting to be retried."""
    rows = db.execute(
        """SELECT a.watchlist, d.channel FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
           WHERE d.message_id IS NULL
           UNION SELECT watchlist, channel FROM alert_messages WHERE status = 'retry'
           ORDER BY 1, 2"""
    ).fetchall()
    return [(w, c) for w, c in rows]


def retry_message(db: sqlite_utils.Database, watchlist: str, channel: str) -> tuple[int, str] | None:
    """The (id, next_attempt_at) of the message of a watchlist and channel waiting to be retried, if any."""
    row = db.execute(
        "SELECT id, next_attempt_at FROM alert_messages WHERE watchlist = ? AND channel = ? AND status = 'retry' "
        "ORDER BY id LIMIT 1",
        [watchlist, channel],
    ).fetchone()
    return (row[0], row[1]) if row else None


def last_message_at(db: sqlite_utils.Database, watchlist: str, channel: str) -> str | None:
    """When the last message of a watchlist and channel was first tried (its created_at)."""
    row = db.execute(
        "SELECT max(created_at) FROM alert_messages WHERE watchlist = ? AND channel = ?", [watchlist, channel]
    ).fetchone()
    return row[0]


def open_message(db: sqlite_utils.Database, watchlist: str, channel: str, now: str) -> int | None:
    """Gather every pending delivery of a watchlist and channel into a new message, marked `sending` (attempt 1)
    and committed before anything is sent; None when nothing is pending."""
    with write_transaction(db):
        pending = db.execute(
            "SELECT d.alert_id FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id "
            "WHERE a.watchlist = ? AND d.channel = ? AND d.message_id IS NULL ORDER BY d.alert_id",
            [watchlist, channel],
        ).fetchall()
        if not pending:
            return None
        cursor = db.execute(
            "INSERT INTO alert_messages (watchlist, channel, status, attempts, created_at) "
            "VALUES (?, ?, 'sending', 1, ?)",
            [watchlist, channel, now],
        )
        message_id = cursor.lastrowid
        db.conn.executemany(
            "UPDATE alert_deliveries SET message_id = ? WHERE alert_id = ? AND channel = ?",
            [(message_id, alert_id, channel) for (alert_id,) in pending],
        )
    return message_id


def start_retry(db: sqlite_utils.Database, message_id: int) -> int:
    """Mark a waiting message `sending` again, committed before the send; return its attempt number."""
    with write_transaction(db):
        db.execute(
            "UPDATE alert_messages SET status = 'sending', attempts = attempts + 1, next_attempt_at = NULL "
            "WHERE id = ?",
            [message_id],
        )
        return db.execute("SELECT attempts FROM alert_messages WHERE id = ?", [message_id]).fetchone()[0]


def record_sent(db: sqlite_utils.Database, message_id: int, now: str) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE alert_messages SET status = 'sent', sent_at = ?, error = NULL WHERE id = ?", [now, message_id]
        )


def record_failure(db: sqlite_utils.Database, message_id: int, error: str, retry_at: str | None) -> None:
    """A failed attempt: wait until `retry_at` and try again, or (None) give the message up as failed."""
    status = "retry" if retry_at else "failed"
    with write_transaction(db):
        db.execute(
            "UPDATE alert_messages SET status = ?, error = ?, next_attempt_at = ? WHERE id = ?",
            [status, error[:500], retry_at, message_id],
        )


def message_alerts(db: sqlite_utils.Database, message_id: int) -> list[dict]:
    """The alerts a message carries, oldest first, bodies decoded."""
    rows = db.query(
        "SELECT a.* FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id WHERE d.message_id = ? ORDER BY a.id",
        [message_id],
    )
    return [_decoded(row) for row in rows]


def message(db: sqlite_utils.Database, message_id: int) -> dict:
    return next(db.query("SELECT * FROM alert_messages WHERE id = ?", [message_id]))


def _decoded(row: dict) -> dict:
    row = dict(row)
    row["body"] = json.loads(row["body"])
    return row


# --- reading -------------------------------------------------------------------------------------------------

_LISTING = """
SELECT a.id, a.watchlist, a.ref, a.kind, a.topic, a.holder, a.date, a.created_at, a.body,
       CASE WHEN sum(m.status = 'failed') > 0 THEN 'failed'
            WHEN sum(d.alert_id IS NOT NULL AND (m.id IS NULL OR m.status != 'sent')) > 0 THEN 'pending'
            ELSE 'sent' END AS status,
       group_concat(d.channel || ':' || COALESCE(m.status, 'pending') || ':' || COALESCE(m.attempts, 0), ' ')
           AS channels,
       max(m.sent_at) AS sent_at, max(m.error) AS error
FROM alerts a
LEFT JOIN alert_deliveries d ON d.alert_id = a.id
LEFT JOIN alert_messages m ON m.id = d.message_id
{where}
GROUP BY a.id
{having}
ORDER BY a.id"""


def list_alerts(db: sqlite_utils.Database, status: str | None = None, watchlist: str | None = None) -> list[dict]:
    """Every alert with its status (pending while any channel has not sent it, failed if one gave up, else
    sent: an alert with no push channel is sent once it is in the feed) and per channel status:attempts."""
    where, params = ("WHERE a.watchlist = ?", [watchlist]) if watchlist else ("", [])
    having = "HAVING status = ?" if status else ""
    params += [status] if status else []
    return [_decoded(row) for row in db.query(_LISTING.format(where=where, having=having), params)]


def feed_alerts(db: sqlite_utils.Database, watchlist: str, limit: int = 100) -> list[dict]:
    """The newest alerts of a watchlist, newest first (the Atom feed)."""
    rows = db.query(
        "SELECT * FROM alerts WHERE watchlist = ? ORDER BY created_at DESC, id DESC LIMIT ?", [watchlist, limit]
    )
    return [_decoded(row) for row in rows]


def later(moment: str, seconds: float) -> str:
    """An ISO time `seconds` after `moment`."""
    return (datetime.fromisoformat(moment) + timedelta(seconds=seconds)).isoformat()
