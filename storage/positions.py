"""Position state and position changes, derived from events (called by storage.events.update_events).

A party's position on a topic is, per claim type, its latest event: Russia's `list_submitted` stands
affirmed since 2025-05-22, its `list_received` went from negated to affirmed on 2025-05-22. A change is
recorded whenever that state moves, in event order (event_date, then event id):

- `new`: the first event of a claim type for the party on the topic;
- `negation_flipped`: the same claim type, stated with the other polarity ("not yet received" -> "received");
- `reversal`: a stance of the party turned into its opposite (a commitment followed by a rejection), as
  config.yaml's claim types say (`reverses`, read by `reversal_pairs`). A reversal takes precedence over `new`.

Changes are recomputed per (topic, holder) from the earliest date an update touched; the state before that
date is read from the events themselves, so an incremental refresh equals a full one. A change's id is its
date and a hash of its content ('2025-05-22:4be1...'), so re-deriving it keeps its first `detected_at` (what
alerts are keyed on).
"""

from __future__ import annotations

import sqlite_utils

from onrecord.core.config import ClaimTypeConfig
from onrecord.core.records import short_hash
from onrecord.storage.timeline_schema import INTERVAL_BUCKET, INTERVAL_LEVEL, STILL_HOLDS, interval_span


def reversal_pairs(claim_types: list[ClaimTypeConfig]) -> frozenset[tuple[str, str]]:
    """(from_type, to_type) from config: an affirmed event of to_type after a standing affirmed from_type (one that
    to_type `reverses`) is a reversal."""
    return frozenset(
        (reversed_type, claim_type.id) for claim_type in claim_types for reversed_type in claim_type.reverses
    )


# Per touched (topic, holder) and claim type: its latest event before the pair's date (the state the changes start
# from), and its events from that date on. One statement each for every pair of an update, each an index seek per
# (pair, claim type) in events_state; types come from positions (every claim type with an event has one).
_PAIR_TYPES = """
WITH types(claim_type) AS (SELECT DISTINCT claim_type FROM positions)
SELECT p.topic, p.holder, p.since, t.claim_type FROM temp.tl_pairs p CROSS JOIN types t"""
_LATEST_BEFORE = f"""
SELECT k.topic, k.holder, e.id, e.claim_type, e.negated, e.event_date FROM ({_PAIR_TYPES}) k
CROSS JOIN events e ON e.id = (
    SELECT x.id FROM events x INDEXED BY events_state WHERE x.topic = k.topic AND x.holder = k.holder
    AND x.claim_type = k.claim_type AND x.event_date < k.since ORDER BY x.event_date DESC, x.id DESC LIMIT 1)"""
_EVENTS_SINCE = f"""
SELECT k.topic, k.holder, e.id, e.claim_type, e.negated, e.event_date FROM ({_PAIR_TYPES}) k
CROSS JOIN events e INDEXED BY events_state ON e.topic = k.topic AND e.holder = k.holder
     AND e.claim_type = k.claim_type AND e.event_date >= k.since"""
_CHANGE_COLUMNS = (
    "id",
    "topic",
    "holder",
    "change_date",
    "kind",
    "from_type",
    "from_negated",
    "to_type",
    "to_negated",
    "event_id",
)
_CHANGES_SINCE = f"""
SELECT {", ".join("c." + c for c in _CHANGE_COLUMNS)}, c.detected_at FROM temp.tl_pairs p
CROSS JOIN changes c ON c.topic = p.topic AND c.holder = p.holder AND c.change_date >= p.since"""


def refresh_positions(db: sqlite_utils.Database, keys: set[tuple[str, str, str]]) -> None:
    """Point each (topic, holder, claim_type) at its latest event, or drop it when no event is left."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS tl_positions (topic, holder, claim_type)")
    db.execute("DELETE FROM temp.tl_positions")
    db.conn.executemany("INSERT INTO temp.tl_positions VALUES (?, ?, ?)", sorted(keys))
    db.execute("""DELETE FROM positions WHERE (topic, holder, claim_type) IN
                  (SELECT topic, holder, claim_type FROM temp.tl_positions)""")
    db.execute("""INSERT INTO positions (topic, holder, claim_type, event_id, since)
        SELECT * FROM (
            SELECT k.topic, k.holder, k.claim_type,
                   (SELECT id FROM events x INDEXED BY events_state WHERE x.topic = k.topic AND x.holder = k.holder
                    AND x.claim_type = k.claim_type ORDER BY x.event_date DESC, x.id DESC LIMIT 1) AS event_id,
                   (SELECT x.event_date FROM events x INDEXED BY events_state WHERE x.topic = k.topic
                    AND x.holder = k.holder AND x.claim_type = k.claim_type ORDER BY x.event_date LIMIT 1) AS since
            FROM temp.tl_positions k)
        WHERE event_id IS NOT NULL""")


# The intervals an update can change: those of events at a date where an event appeared, moved or went (a point),
# and of the latest event before each point, whose end may have moved. Their old rows (found by the event's
# position, or by its old position when it moved or went) are replaced by rows derived from the events now.
_FRESH_EVENTS = """
INSERT OR IGNORE INTO temp.tl_interval_events (id) SELECT id FROM (
SELECT e.id FROM temp.tl_interval_points p
CROSS JOIN events e INDEXED BY events_state ON e.topic = p.topic AND e.holder = p.holder
     AND e.claim_type = p.claim_type AND e.event_date = p.day
UNION ALL
SELECT (SELECT x.id FROM events x INDEXED BY events_state WHERE x.topic = p.topic AND x.holder = p.holder
        AND x.claim_type = p.claim_type AND x.event_date < p.day ORDER BY x.event_date DESC, x.id DESC LIMIT 1) AS id
FROM temp.tl_interval_points p)
WHERE id IS NOT NULL"""
# Old rows are found by position_intervals_event (valid_from, event_id), migration 009. No INDEXED BY: a store that
# has not run 009 yet (tests build such stores to check the upgrade) reads them by the index it has.
_PK = "i.level, i.bucket, i.valid_to, i.topic, i.holder, i.claim_type, i.valid_from, i.event_id"
_STALE_INTERVALS = f"""
SELECT {_PK} FROM temp.tl_interval_events f CROSS JOIN events e ON e.id = f.id
CROSS JOIN position_intervals i ON i.valid_from = e.event_date AND i.event_id = e.id
     AND i.topic = e.topic AND i.holder = e.holder AND i.claim_type = e.claim_type
UNION
SELECT {_PK} FROM temp.tl_interval_gone g
CROSS JOIN position_intervals i ON i.valid_from = g.day AND i.event_id = g.id
     AND i.topic = g.topic AND i.holder = g.holder AND i.claim_type = g.claim_type"""
_FRESH_INTERVALS = f"""
WITH n AS MATERIALIZED (  -- materialized, like s: later steps read each column several times
    SELECT e.topic, e.holder, e.claim_type, e.event_date, e.id, e.negated, e.target, e.speaker, e.evidence, e.url,
           COALESCE((SELECT x.event_date FROM events x INDEXED BY events_state
                     WHERE x.topic = e.topic AND x.holder = e.holder AND x.claim_type = e.claim_type
                     AND (x.event_date, x.id) > (e.event_date, e.id) ORDER BY x.event_date, x.id LIMIT 1),
                    '{STILL_HOLDS}') AS next_date
    FROM temp.tl_interval_events f CROSS JOIN events e ON e.id = f.id
    WHERE e.topic IS NOT NULL AND e.holder IS NOT NULL AND e.claim_type IS NOT NULL),
s AS MATERIALIZED (SELECT *, {interval_span("event_date", "next_date")} FROM n)
INSERT INTO position_intervals (level, bucket, topic, holder, claim_type, valid_from, event_id, valid_to,
                                negated, target, speaker, evidence, url)
SELECT {INTERVAL_LEVEL}, {INTERVAL_BUCKET}, topic, holder, claim_type, event_date, id, s.valid_to,
       negated, target, speaker, evidence, url
FROM s ORDER BY 1, 2, 8, 3, 4, 5, 6, 7  -- primary key order: neighbouring rows share pages"""


def refresh_intervals(db: sqlite_utils.Database, points: set[tuple], gone: set[tuple]) -> None:
    """Make position_intervals equal the events again after an update moved some of them.

    `points`: (topic, holder, claim_type, date) where an event appeared, moved or went; `gone`: (topic, holder,
    claim_type, date, event id) of every event that moved or went, as it was before the update.
    """
    for name, columns, rows in (
        ("tl_interval_points", "topic, holder, claim_type, day", points),
        ("tl_interval_gone", "topic, holder, claim_type, day, id", gone),
    ):
        db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({columns})")
        db.execute(f"DELETE FROM temp.{name}")
        marks = ", ".join("?" for _ in columns.split(","))
        db.conn.executemany(f"INSERT INTO temp.{name} VALUES ({marks})", sorted(r for r in rows if None not in r[:3]))
    db.execute("CREATE TEMP TABLE IF NOT EXISTS tl_interval_events (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.tl_interval_events")
    db.execute(_FRESH_EVENTS)
    stale = db.execute(_STALE_INTERVALS).fetchall()
    db.conn.executemany(
        """DELETE FROM position_intervals WHERE level = ? AND bucket = ? AND valid_to = ?
        AND topic = ? AND holder = ? AND claim_type = ? AND valid_from = ? AND event_id = ?""",
        sorted(stale),
    )
    db.execute(_FRESH_INTERVALS)


def refresh_changes(
    db: sqlite_utils.Database, pair_since: dict[tuple[str, str], str], now: str, claim_types: list[ClaimTypeConfig]
) -> None:
    """Re-derive the changes of each (topic, holder) from its date on, keeping known changes' detected_at;
    reversals as the configured claim types say."""
    reversals = reversal_pairs(claim_types)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS tl_pairs (topic, holder, since, PRIMARY KEY (topic, holder))")
    db.execute("DELETE FROM temp.tl_pairs")
    db.conn.executemany(
        "INSERT INTO temp.tl_pairs VALUES (?, ?, ?)",
        sorted((topic, holder, since) for (topic, holder), since in pair_since.items()),
    )
    states: dict[tuple[str, str], dict[str, tuple]] = {pair: {} for pair in pair_since}
    for topic, holder, *event in db.execute(_LATEST_BEFORE):
        states[topic, holder][event[1]] = tuple(event)
    events: dict[tuple[str, str], list[tuple]] = {pair: [] for pair in pair_since}
    for topic, holder, *event in db.execute(_EVENTS_SINCE):
        events[topic, holder].append(tuple(event))
    rows: list[tuple] = []
    for (topic, holder), pair_events in events.items():
        pair_events.sort(key=lambda e: (e[3], e[0]))  # event_date, id
        rows.extend(
            _change_row(topic, holder, event, change)
            for event, change in detect_changes(pair_events, states[topic, holder], reversals)
        )
    existing = {row[0]: row for row in db.conn.execute(_CHANGES_SINCE)}
    write_difference(db, "changes", _CHANGE_COLUMNS, existing, rows, now)


def detect_changes(
    events: list[tuple], state: dict[str, tuple], reversals: frozenset[tuple[str, str]]
) -> list[tuple[tuple, tuple]]:
    """Walk events (id, claim_type, negated, event_date) in order from `state` (claim_type -> latest event).

    `reversals`: (from_type, to_type) pairs (see reversal_pairs); the types in them are stances. Returns
    (event, (kind, from_type, from_negated)) for each event that moved the position; updates state.
    """
    out: list[tuple[tuple, tuple]] = []
    stance_types = {t for pair in reversals for t in pair}
    latest = max((state[t] for t in stance_types if t in state), key=lambda e: (e[3], e[0]), default=None)
    stance = latest[1] if latest and not latest[2] else None  # standing stance: latest stance-type event, if affirmed
    for event in events:
        _, claim_type, negated, _ = event
        previous = state.get(claim_type)
        if not negated and stance and (stance, claim_type) in reversals:
            out.append((event, ("reversal", stance, 0)))
        elif previous is None:
            out.append((event, ("new", None, None)))
        elif bool(previous[2]) != bool(negated):
            out.append((event, ("negation_flipped", claim_type, int(previous[2]))))
        state[claim_type] = event
        if claim_type in stance_types:  # events come in (date, id) order: this one is now the latest
            stance = None if negated else claim_type
    return out


def _change_row(topic: str, holder: str, event: tuple, change: tuple) -> tuple:
    """A change's values in _CHANGE_COLUMNS order."""
    event_id, claim_type, negated, day = event
    kind, from_type, from_negated = change
    # Led by the date, so the changes of one update are neighbours in the primary key (migration 009).
    change_id = f"{day}:{short_hash(topic, holder, day, kind, from_type, from_negated, claim_type, int(negated))}"
    return (change_id, topic, holder, day, kind, from_type, from_negated, claim_type, int(negated), event_id)


def replace_rows(db, table: str, where: str, params: list, rows: list[dict], now: str) -> None:
    """Make the rows matching `where` equal `rows` (dicts, same keys in one order), writing only the difference."""
    columns = tuple(rows[0]) if rows else ("id",)
    existing = {
        row[0]: row
        for row in db.conn.execute(f"SELECT {', '.join(columns)}, detected_at FROM {table} WHERE {where}", params)
    }
    write_difference(db, table, columns, existing, [tuple(row.values()) for row in rows], now)


def write_difference(db, table: str, columns: tuple[str, ...], existing: dict, rows: list[tuple], now: str) -> None:
    """Make the `existing` rows (id -> values in `columns` order, then detected_at) equal `rows` (values in
    `columns` order, id first), writing only the difference.

    A row whose id survives keeps its first detected_at, so alerts keyed on it do not fire twice.
    """
    wanted = {row[0] for row in rows}
    db.conn.executemany(f"DELETE FROM {table} WHERE id = ?", [(i,) for i in existing if i not in wanted])
    changed = []
    for values in rows:
        old = existing.get(values[0])
        if old is None or old[:-1] != values:
            changed.append(values + (now if old is None else old[-1],))
    if changed:
        db.conn.executemany(
            f"INSERT OR REPLACE INTO {table} ({', '.join(columns)}, detected_at) "
            f"VALUES ({', '.join('?' for _ in range(len(columns) + 1))})",
            changed,
        )
