"""Fold claims into timeline events, incrementally; then refresh positions, changes and contradictions.

An event is the claims that say the same thing: same topic, holder, claim_type, negated and target, whose
dates lie within `timeline.merge_window_days` of the event's earliest claim. Triggers (migration
002_timeline) queue every new or changed claim in `timeline_queue` and mark the events of deleted ones in
`timeline_dirty`; update_events re-clusters only the keys those touch, keeping event ids stable where the
same claims stay together, and returns how many queued claims it folded in.

Claims are read as reviewed (storage/reviews.py): a claim a review stands in for is left out of its machine key, and
the reviewed claims not rejected (corrections applied, added claims) are folded in under their reviewed key, read
from a small temp table (temp.tl_reviewed). A store without reviews never builds it.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import sqlite_utils

from onrecord.core.config import Config
from onrecord.core.records import utc_now
from onrecord.storage.alerts import enqueue_alerts
from onrecord.storage.contradictions import refresh_contradictions
from onrecord.storage.db import gc_paused, write_transaction
from onrecord.storage.positions import refresh_changes, refresh_intervals, refresh_positions
from onrecord.storage.reviews import FOLD_SQL, any_reviews, hidden_claim_ids

CHUNK_KEYS = 20_000  # keys re-clustered per round trip: bounds memory on a full rebuild
# SQLite page cache while updating: new events land all over the events and interval indexes (10,000 new claims
# dirty ~20,000 pages); with the default 2 MB each page is read again and spilled. Back to the default after.
UPDATE_CACHE_KIB = 128 * 1024
KEY_COLUMNS = "topic, holder, claim_type, negated, target"
# CROSS JOIN below keeps the small driving table (queue, dirty, keys) outer: the planner has no statistics
# for it and would otherwise scan a big table. Events of a key are read by INDEXED BY events_state: events_match
# (topic, claim_type, negated, event_date, holder, target) matches as many columns and the planner may take it,
# then walking every holder's events of the topic and type (a 5x slower update, seen after migration 010).
_KEY_MATCH = (
    "{t}.topic IS k.topic AND {t}.holder IS k.holder AND {t}.claim_type IS k.claim_type "
    "AND {t}.negated = k.negated AND {t}.target IS k.target"
)

_CLAIMS_OF_KEY_SPAN = f"""
SELECT c.id, c.topic, c.holder, c.claim_type, c.negated, c.target,
       substr(COALESCE(c.claim_date, a.published, a.fetched_at, ''), 1, 10) AS day,
       COALESCE(c.confidence, 0) AS confidence, c.speaker, c.article_id,
       COALESCE(a.source, c.source) AS source, a.dup_of, COALESCE(r.source, a.source, c.source) AS root_source,
       a.fetched_at, c.evidence, a.url, a.title, k.since
FROM temp.tl_keys k
CROSS JOIN claims c ON {_KEY_MATCH.format(t="c")} AND {{dated}}
LEFT JOIN articles a ON a.id = c.article_id
LEFT JOIN articles r ON r.id = a.dup_of
WHERE k.rowid BETWEEN ? AND ?"""
# Two branches, each a range of claims_event_key: with `claim_date >= since OR claim_date IS NULL` in one, SQLite
# read every claim row of the key to test the date (5 rows read per row kept, 0.28 s per 10,000 new claims).
_CLAIMS_OF_KEYS = (
    _CLAIMS_OF_KEY_SPAN.format(dated="c.claim_date >= k.since")
    + "\nUNION ALL"
    + _CLAIMS_OF_KEY_SPAN.format(dated="c.claim_date IS NULL")
)

# Derived columns compared to tell an unchanged event (not rewritten) from a changed one.
_SAME = (
    "event_date",
    "last_date",
    "first_seen",
    "last_seen",
    "claims",
    "articles",
    "corroboration",
    "outlets",
    "article_ids",
    "claim_ids",
    "best_claim_id",
    "speaker",
    "evidence",
    "url",
    "title",
)

# The reviewed claims of keys low..high (temp.tl_reviewed: storage.reviews.FOLD_SQL), rows as _CLAIMS_OF_KEYS.
_REVIEWED_OF_KEYS = f"""
SELECT r.*, k.since FROM temp.tl_keys k
CROSS JOIN temp.tl_reviewed r ON {_KEY_MATCH.format(t="r")} AND r.day >= k.since
WHERE k.rowid BETWEEN ? AND ?"""

_EVENTS_OF_KEYS = f"""
SELECT e.id, e.topic, e.holder, e.claim_type, e.event_date, ec.claim_id, {", ".join("e." + c for c in _SAME)}
FROM temp.tl_keys k
CROSS JOIN events e INDEXED BY events_state ON {_KEY_MATCH.format(t="e")} AND e.event_date >= k.since
LEFT JOIN event_claims ec ON ec.event_id = e.id
WHERE k.rowid BETWEEN ? AND ?"""


@dataclass(slots=True)
class _Claim:
    id: str
    key: tuple
    day: str
    confidence: float
    speaker: str | None
    article_id: str
    source: str | None
    dup_of: str | None
    root_source: str | None
    fetched_at: str | None
    evidence: str | None
    url: str | None
    title: str | None


@dataclass
class _Moves:
    """What a fold changed: event ids whose date or existence moved, the earliest date per (topic, holder), the
    (topic, holder, claim_type, date) points where an event appeared, moved or went, and where those that moved
    or went were before (with their id)."""

    changed: set = field(default_factory=set)
    pair_since: dict = field(default_factory=dict)
    points: set = field(default_factory=set)
    gone: set = field(default_factory=set)

    def touch(self, topic: str, holder: str, claim_type: str, day: str) -> None:
        pair = (topic, holder)
        if pair not in self.pair_since or day < self.pair_since[pair]:
            self.pair_since[pair] = day
        self.points.add((topic, holder, claim_type, day))

    def leave(self, event_id: int, before: tuple) -> None:
        """Event `event_id` moved from or left `before` (topic, holder, claim_type, date)."""
        self.touch(*before)
        self.gone.add((*before, event_id))


def pending(db: sqlite_utils.Database) -> bool:
    """True when claims wait to be folded into events (cheap: two index probes)."""
    row = db.execute("SELECT EXISTS (SELECT 1 FROM timeline_queue) OR EXISTS (SELECT 1 FROM timeline_dirty)")
    return bool(row.fetchone()[0])


@gc_paused
def update_events(db: sqlite_utils.Database, config: Config) -> int:
    """Fold queued claims into events and refresh positions, changes and contradictions; return claims folded."""
    window = config.timeline.merge_window_days
    with write_transaction(db), _page_cache(db, UPDATE_CACHE_KIB):
        processed = db.execute("SELECT count(*) FROM timeline_queue").fetchone()[0]
        if not processed and not db.execute("SELECT count(*) FROM timeline_dirty").fetchone()[0]:
            return 0
        hidden = _reviewed_claims(db)
        _collect_keys(db, window, hidden is not None)
        moves = _Moves()
        next_id = (db.execute("SELECT max(id) FROM events").fetchone()[0] or 0) + 1
        total = db.execute("SELECT max(rowid) FROM temp.tl_keys").fetchone()[0] or 0
        now, touched = utc_now(), _touched(db)
        for low in range(1, total + 1, CHUNK_KEYS):
            next_id = _fold_chunk(db, low, low + CHUNK_KEYS - 1, window, next_id, moves, now, touched, hidden)
        db.execute("DELETE FROM timeline_queue")
        db.execute("DELETE FROM timeline_dirty")
        refresh_positions(db, {point[:3] for point in moves.points})
        refresh_intervals(db, moves.points, moves.gone)
        refresh_changes(db, moves.pair_since, now, config.claim_types)
        refresh_contradictions(db, moves.changed, config, now)
        enqueue_alerts(db, config, now)  # in this transaction: the outbox holds what the update found
    return processed


def _reviewed_claims(db: sqlite_utils.Database) -> set[str] | None:
    """With reviews in force: fill temp.tl_reviewed with the reviewed claims (not rejected) and return the ids of
    the machine claims they stand in for; None (and nothing built) in a store without reviews."""
    db.execute("DROP TABLE IF EXISTS temp.tl_reviewed")
    if not any_reviews(db):
        return None
    db.execute(f"CREATE TEMP TABLE tl_reviewed AS {FOLD_SQL}")
    return hidden_claim_ids(db)


@contextmanager
def _page_cache(db: sqlite_utils.Database, kib: int) -> Iterator[None]:
    """SQLite's page cache of this connection at `kib` KiB for the block, then as it was."""
    before = db.execute("PRAGMA cache_size").fetchone()[0]
    db.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        db.execute(f"PRAGMA cache_size = {int(before)}")


def rebuild_events(db: sqlite_utils.Database, config: Config) -> int:
    """Re-derive every event from the claims (changes and contradictions keep their first detected_at)."""
    with write_transaction(db):
        db.execute("INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT id FROM events")
        db.execute("INSERT OR IGNORE INTO timeline_queue (claim_id) SELECT id FROM claims")
        if any_reviews(db):  # claims a reviewer added
            added = "SELECT added_id FROM claim_reviews WHERE added_id IS NOT NULL"
            db.execute(f"INSERT OR IGNORE INTO timeline_queue (claim_id) {added}")
        return update_events(db, config)


def _collect_keys(db: sqlite_utils.Database, window: float, reviewed: bool = False) -> None:
    """The keys to re-cluster, each from the start of the last event that began on or before its earliest move.

    Events are runs anchored at their first claim, so everything before that event stays as it is; so does that
    event too when it began more than `window` days before the move (it cannot take a later claim), and the key
    is then re-clustered from the move on. Days that are not ISO dates keep the event (julianday is NULL).
    With reviews (`reviewed`), a queued claim's reviewed key is collected too (temp.tl_reviewed).
    """
    reviewed_keys = (
        """
            UNION ALL
            SELECT r.topic, r.holder, r.claim_type, r.negated, r.target, r.day
            FROM timeline_queue q CROSS JOIN temp.tl_reviewed r ON r.id = q.claim_id"""
        if reviewed
        else ""
    )
    db.execute("CREATE TEMP TABLE IF NOT EXISTS tl_keys (topic, holder, claim_type, negated, target, since)")
    db.execute("DELETE FROM temp.tl_keys")
    db.execute(f"""INSERT INTO temp.tl_keys ({KEY_COLUMNS}, since)
        SELECT {KEY_COLUMNS}, min(day) FROM (
            SELECT c.topic, c.holder, c.claim_type, c.negated, c.target,
                   substr(COALESCE(c.claim_date, a.published, a.fetched_at, ''), 1, 10) AS day
            FROM timeline_queue q CROSS JOIN claims c ON c.id = q.claim_id LEFT JOIN articles a ON a.id = c.article_id
            UNION ALL
            SELECT e.topic, e.holder, e.claim_type, e.negated, e.target, e.event_date
            FROM timeline_dirty d CROSS JOIN events e ON e.id = d.event_id{reviewed_keys})
        GROUP BY {KEY_COLUMNS} ORDER BY {KEY_COLUMNS}""")
    db.execute(
        f"""UPDATE temp.tl_keys AS k SET since = COALESCE(
        (SELECT CASE WHEN julianday(k.since) - julianday(e.event_date) > ? THEN k.since ELSE e.event_date END
         FROM events e INDEXED BY events_state WHERE {_KEY_MATCH.format(t="e")} AND e.event_date <= k.since
         ORDER BY e.event_date DESC LIMIT 1), k.since)""",
        [window],
    )


def _fold_chunk(
    db, low: int, high: int, window: float, next_id: int, moves: _Moves, now: str, touched: set, hidden: set | None
) -> int:
    """Re-cluster the claims of keys low..high, replace their events; return the next free event id. `hidden`: ids
    of machine claims a review stands in for (None: no reviews)."""
    old_dates: dict[int, tuple] = {}
    old_claims: dict[int, set[str]] = {}
    old_values: dict[int, tuple] = {}
    owner: dict[str, int] = {}
    for event_id, topic, holder, claim_type, day, claim_id, *values in db.execute(_EVENTS_OF_KEYS, [low, high]):
        old_dates[event_id] = (topic, holder, claim_type, day)
        old_values[event_id] = tuple(values)
        old_claims.setdefault(event_id, set())
        if claim_id is not None:
            old_claims[event_id].add(claim_id)
            owner[claim_id] = event_id
    by_key: dict[tuple, list[_Claim]] = {}
    for row in db.execute(_CLAIMS_OF_KEYS, [low, high, low, high]):
        if hidden and row[0] in hidden:
            continue  # read as reviewed, below
        claim = _Claim(row[0], tuple(row[1:6]), *row[6:-1])
        if claim.day < row[-1]:  # undated claim_date: its article's date is before the re-clustered span
            continue
        by_key.setdefault(claim.key, []).append(claim)
    if hidden is not None:
        for row in db.execute(_REVIEWED_OF_KEYS, [low, high]):
            claim = _Claim(row[0], tuple(row[1:6]), *row[6:-1])
            by_key.setdefault(claim.key, []).append(claim)
    event_rows: list[tuple] = []
    link_rows: list[tuple[str, int]] = []
    used: set[int] = set()
    rewrite: list[int] = []
    for key, claims in by_key.items():
        for cluster in _clusters(claims, window):
            ids = sorted({owner[c.id] for c in cluster if c.id in owner} - used)
            event_id = ids[0] if ids else next_id
            if not ids:
                next_id += 1
            used.add(event_id)
            before = old_dates.get(event_id)
            same_claims = before is not None and old_claims[event_id] == {c.id for c in cluster}
            if same_claims and event_id not in touched and not any(c.id in touched for c in cluster):
                continue  # same claims, none of them or their articles changed: nothing to re-derive
            row = _event_row(event_id, key, cluster, now)
            if same_claims and old_values[event_id] == row[_SAME_SLICE]:
                continue  # unchanged: leave its row and links as they are
            rewrite.append(event_id)
            event_rows.append(row)
            link_rows.extend((c.id, event_id) for c in cluster)
            if before is None or not same_claims or before[3] != row[_EVENT_DATE]:
                moves.changed.add(event_id)
                moves.touch(key[0], key[1], key[2], row[_EVENT_DATE])
                if before:
                    moves.leave(event_id, before)
    for event_id, before in old_dates.items():
        if event_id not in used:
            rewrite.append(event_id)
            moves.changed.add(event_id)
            moves.leave(event_id, before)
    _write_chunk(db, [i for i in rewrite if i in old_dates], event_rows, link_rows)
    return next_id


def _touched(db) -> set:
    """Queued claim ids and dirty event ids: what may have changed inside an event with the same claims."""
    touched = {row[0] for row in db.execute("SELECT claim_id FROM timeline_queue")}
    touched.update(row[0] for row in db.execute("SELECT event_id FROM timeline_dirty"))
    return touched


def _clusters(claims: list[_Claim], window: float) -> list[list[_Claim]]:
    """Split one key's claims into runs that start at a claim and take every claim within `window` days of it."""
    claims.sort(key=lambda c: (c.day, c.fetched_at or "", c.id))
    out: list[list[_Claim]] = []
    start = None
    for claim in claims:
        if start is None or _days_between(start, claim.day) > window:
            out.append([])
            start = claim.day
        out[-1].append(claim)
    return out


def _days_between(a: str, b: str) -> float:
    first, second = _date(a), _date(b)
    if first is None or second is None:  # undated or malformed: only identical strings merge
        return 0 if a == b else float("inf")
    return (second - first).days


@functools.lru_cache(maxsize=8192)
def _date(day: str) -> date | None:
    """The date of an ISO day string, None when it is not one (parsed once per distinct day)."""
    try:
        return date.fromisoformat(day)
    except ValueError:
        return None


def _best(cluster: list[_Claim]) -> _Claim:
    """The claim whose evidence represents the event: most confident, from an original article, earliest."""
    return min(cluster, key=lambda c: (-c.confidence, c.dup_of is not None, c.day, c.fetched_at or "", c.id))


def _event_row(event_id: int, key: tuple, cluster: list[_Claim], now: str) -> tuple:
    """The event's row, values in _EVENT_COLUMNS order (a tuple: thousands per update, written as they are)."""
    best = _best(cluster)
    article_ids = list(dict.fromkeys(c.article_id for c in cluster))
    outlets = sorted({c.source for c in cluster if c.source})
    seen = [c.fetched_at for c in cluster if c.fetched_at]
    speaker = best.speaker or next((c.speaker for c in cluster if c.speaker), None)
    return (
        event_id,
        *key,
        cluster[0].day,
        cluster[-1].day,
        min(seen) if seen else None,
        max(seen) if seen else None,
        len(cluster),
        len(article_ids),
        len({c.root_source or c.article_id for c in cluster}),
        _json(outlets),
        _json(article_ids),
        _json(sorted(c.id for c in cluster)),
        best.id,
        speaker,
        best.evidence,
        best.url,
        best.title,
        now,
    )


_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')


def _json(values: list[str]) -> str:
    """A compact JSON list, the same text SQLite's json_group_array writes (see the triggers)."""
    if not values:
        return "[]"
    if not _NEEDS_ESCAPE.search("".join(values)):  # fast path: nothing to escape (ids, source names)
        return '["' + '","'.join(values) + '"]'
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


_EVENT_COLUMNS: tuple[str, ...] = (
    "id",
    "topic",
    "holder",
    "claim_type",
    "negated",
    "target",
    "event_date",
    "last_date",
    "first_seen",
    "last_seen",
    "claims",
    "articles",
    "corroboration",
    "outlets",
    "article_ids",
    "claim_ids",
    "best_claim_id",
    "speaker",
    "evidence",
    "url",
    "title",
    "updated_at",
)
_EVENT_DATE = _EVENT_COLUMNS.index("event_date")
_SAME_SLICE = slice(_EVENT_DATE, _EVENT_DATE + len(_SAME))  # the _SAME columns of an event row
assert _EVENT_COLUMNS[_SAME_SLICE] == _SAME


def _write_chunk(db, old_ids: list[int], event_rows: list[tuple], link_rows: list[tuple]) -> None:
    conn = db.conn
    conn.executemany("DELETE FROM event_claims WHERE event_id = ?", [(i,) for i in old_ids])
    kept = {row[0] for row in event_rows}
    conn.executemany("DELETE FROM events WHERE id = ?", [(i,) for i in old_ids if i not in kept])
    # A rewritten event is updated in place: a new quote reaches its position interval by trigger (migration 006);
    # intervals of keys whose events moved are re-derived once at the end (storage.positions.refresh_intervals).
    placeholders = ", ".join("?" for _ in _EVENT_COLUMNS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _EVENT_COLUMNS if c != "id")
    conn.executemany(
        f"INSERT INTO events ({', '.join(_EVENT_COLUMNS)}) VALUES ({placeholders}) "
        f"ON CONFLICT (id) DO UPDATE SET {updates}",
        event_rows,
    )
    conn.executemany("INSERT OR REPLACE INTO event_claims (claim_id, event_id) VALUES (?, ?)", link_rows)
