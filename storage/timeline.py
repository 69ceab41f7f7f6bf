"""The timeline of positions: the documented Python API over claims, events, state, changes, contradictions.

Every function takes an open store (storage.db.open_store) and returns plain, JSON-serialisable dicts
(lists are Python lists, negation flags are bools, dates are ISO `YYYY-MM-DD` strings). Filters: `topic`
(topic id), `party` (holder party id), `since` / `until` (inclusive ISO dates, `date` or `datetime`).

Keeping it current
    update_events(db, config) -> int
        Fold claims not yet linked to an event into events (same topic, holder, claim_type, negated and
        target within `timeline.merge_window_days` of the event's first claim), then refresh positions,
        changes and contradictions. Incremental and idempotent; returns the number of claims folded.
        Claims deleted or replaced by re-extraction are unlinked at once by SQL triggers (event_claims,
        events.claim_ids and a best quote taken from them), so an event never names a missing claim; the
        next update re-derives the events they belonged to. Call it before reading when pending(db).
    rebuild_events(db, config) -> int      re-derive everything from the claims.
    pending(db) -> bool                    True when an update has work to do.

Records
    claims_timeline(db, topic, party, since, until) -> claims in date order:
        id, claim_date, topic, holder, claim_type, negated, target, speaker, evidence, source, via,
        url, title, article_id, review   (url/title of the article; claim_date falls back to its publication date)
        Claims are read as reviewed (storage.reviews): rejected ones left out, corrections applied, added ones in;
        review is None for a claim nobody reviewed, else 'accepted', 'corrected' or 'added'.
    events(db, topic, party, since, until) -> merged events in date order:
        id, topic, holder, claim_type, negated, target, event_date (earliest claim), last_date,
        first_seen / last_seen (when onrecord first / last fetched an article carrying it),
        outlets (source ids), article_ids, claim_ids, corroboration, evidence (best quote), speaker,
        url, title (article of the best quote), reviewed (how many of its claims a researcher reviewed)
        corroboration = distinct outlets carrying the event, where a near-duplicate copy (articles.dup_of)
        counts as the outlet of its original, so a republished wire story is not counted twice.
    state_as_of(db, as_of, topic, party) -> per topic, party and claim type, the latest event on or
        before `as_of`: topic, holder, claim_type, negated, target, event_id, event_date, evidence, speaker, url
    changes(db, since, until, topic, party) -> position changes (see storage.positions):
        id, topic, holder, change_date, kind ('new' | 'negation_flipped' | 'reversal'), from_type,
        from_negated, to_type, to_negated, event_id, evidence, speaker, url, title, outlets,
        corroboration, detected_at (when onrecord first derived it; stable across updates), reviewed
    contradictions(db, since, until, topic) -> incompatible statements of two parties
        (rules: claim_types[].contradicts in config.yaml): id, topic, date, event_a, event_b, holder_a, holder_b,
        claim_type_a, negated_a, claim_type_b, negated_b, evidence_a, evidence_b, url_a, url_b, rule

The same data is in SQL views for Datasette: timeline_events, position_state, position_changes and
contradictions; the table position_intervals says what held when (valid_from <= D < valid_to).

Reading fast (benchmarks/query.py): state_as_of reads position_intervals only, placed so the intervals
containing a day are a few index range scans (storage/schema.sql and storage.timeline_schema; update_events keeps
them current, storage.positions.refresh_intervals); claims_timeline reads two covering indexes. Rows are turned into
dicts by one comprehension each (a dict display per row, flags made bools in the same pass): with thousands of
rows, building them costs as much as the SQL.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import sqlite_utils

from onrecord.storage.db import gc_paused
from onrecord.storage.events import pending, rebuild_events, update_events
from onrecord.storage.reviews import any_reviews, hidden_claim_ids, reviewed_claim_ids
from onrecord.storage.timeline_schema import INTERVAL_LEVELS

__all__ = [
    "changes",
    "claims_timeline",
    "contradictions",
    "events",
    "iso_day",
    "pending",
    "rebuild_events",
    "state_as_of",
    "update_events",
]

DateLike = str | date | datetime | None

_CLAIM_DAY = "substr(COALESCE(c.claim_date, a.published, a.fetched_at, ''), 1, 10)"


def iso_day(value: DateLike) -> str | None:
    """'YYYY-MM-DD' from a date, datetime or ISO string (None stays None)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]


def _where(filters: list[tuple[str, Any]]) -> tuple[str, list]:
    """AND together the clauses whose value is not None."""
    clauses = [(sql, value) for sql, value in filters if value is not None]
    return (" AND ".join(sql for sql, _ in clauses) or "1"), [value for _, value in clauses]


def json_list(text: str | None) -> list[str]:
    """A JSON list of strings as stored by the timeline, parsed (fast path: no escapes, split on quotes)."""
    if not text or text == "[]":
        return []
    if "\\" in text:
        return json.loads(text)
    return text[2:-2].replace('", "', '","').split('","')


def _bools(row: dict, *names: str) -> dict:
    for name in names:
        if row.get(name) is not None:
            row[name] = bool(row[name])
    return row


@gc_paused
def claims_timeline(
    db: sqlite_utils.Database,
    topic: str | None = None,
    party: str | None = None,
    since: DateLike = None,
    until: DateLike = None,
    include_retired: bool = False,
) -> list[dict]:
    """Claims in date order (then holder), each with its article's url and title.

    include_retired: also the claims retired since (read from a text that was revised, or from a withdrawn story;
    storage/revisions.py), each row then saying `retired` (when and why; None for a claim on record)."""
    where, params = _where(
        [
            ("c.topic = ?", topic),
            ("c.holder = ?", party),
            (f"{_CLAIM_DAY} >= ?", iso_day(since)),
            (f"{_CLAIM_DAY} <= ?", iso_day(until)),
        ]
    )
    # claims_timeline_read and articles_timeline_read (storage/schema.sql) cover every column read here.
    sql = f"""SELECT c.id, {_CLAIM_DAY} AS claim_date, c.topic, c.holder, c.claim_type, c.negated, c.target,
                     c.speaker, c.evidence, COALESCE(c.source, a.source) AS source, c.via, a.url, a.title,
                     c.article_id
              FROM claims c INDEXED BY claims_timeline_read
              LEFT JOIN articles a INDEXED BY articles_timeline_read ON a.id = c.article_id
              WHERE {where}"""
    rows = db.conn.execute(sql, params).fetchall()
    review: dict[str, str] = {}
    if any_reviews(db):
        rows, review = _as_reviewed(db, rows, topic, party, iso_day(since), iso_day(until))
    # Ordered by claim_date, holder (NULL first), id: sorted here rather than by a temporary B-tree in SQL. For one
    # party the index already yields nearly this order, which the sort only checks.
    rows.sort(key=itemgetter(1, 0) if party is not None else lambda r: (r[1], r[3] is not None, r[3] or "", r[0]))
    out = [
        {
            "id": id_,
            "claim_date": day,
            "topic": topic_,
            "holder": holder,
            "claim_type": claim_type,
            "negated": bool(negated),
            "target": target,
            "speaker": speaker,
            "evidence": evidence,
            "source": source,
            "via": via,
            "url": url,
            "title": title,
            "article_id": article_id,
            "review": review.get(id_),
        }
        for (
            id_,
            day,
            topic_,
            holder,
            claim_type,
            negated,
            target,
            speaker,
            evidence,
            source,
            via,
            url,
            title,
            article_id,
        ) in rows
    ]
    if include_retired:
        for row in out:
            row["retired"] = None
        out += _retired_rows(db, where, params)
        out.sort(key=lambda r: (r["claim_date"], r["holder"] is not None, r["holder"] or "", r["id"]))
    return out


def _retired_rows(db: sqlite_utils.Database, where: str, params: list) -> list[dict]:
    """Retired claims passing the claims timeline's filters, as its rows, `retired` saying when and why."""
    sql = f"""SELECT c.id, {_CLAIM_DAY} AS claim_date, c.topic, c.holder, c.claim_type, c.negated, c.target,
                     c.speaker, c.evidence, COALESCE(c.source, a.source) AS source, c.via, a.url, a.title,
                     c.article_id, NULL AS review, c.retired_at || ': ' || c.retired_why AS retired
              FROM retired_claims c LEFT JOIN articles a ON a.id = c.article_id
              WHERE {where}"""
    return [_bools(dict(row), "negated") for row in db.query(sql, params)]


def _as_reviewed(db, rows: list, topic, party, since, until) -> tuple[list, dict[str, str]]:
    """The machine's claim rows without those a review stands in for, plus the reviewed ones (not rejected) that
    pass the same filters; and the review of each reviewed claim id."""
    hidden = hidden_claim_ids(db)
    kept = [row for row in rows if row[0] not in hidden]
    where, params = _where(
        [
            ("c.topic = ?", topic),
            ("c.holder = ?", party),
            (f"{_CLAIM_DAY} >= ?", since),
            (f"{_CLAIM_DAY} <= ?", until),
        ]
    )
    review = {}
    for *row, review_ in db.conn.execute(
        f"""SELECT c.id, {_CLAIM_DAY} AS claim_date, c.topic, c.holder, c.claim_type, c.negated, c.target,
                   c.speaker, c.evidence, COALESCE(c.source, a.source) AS source, c.via, a.url, a.title,
                   c.article_id, c.review
            FROM claim_review_rows c LEFT JOIN articles a ON a.id = c.article_id
            WHERE c.review != 'rejected' AND {where}""",
        params,
    ):
        kept.append(tuple(row))
        review[row[0]] = review_
    return kept, review


@gc_paused
def events(
    db: sqlite_utils.Database,
    topic: str | None = None,
    party: str | None = None,
    since: DateLike = None,
    until: DateLike = None,
) -> list[dict]:
    """Merged events in date order, with their outlets, articles, claims and corroboration."""
    where, params = _where(
        [
            ("e.topic = ?", topic),
            ("e.holder = ?", party),
            ("e.event_date >= ?", iso_day(since)),
            ("e.event_date <= ?", iso_day(until)),
        ]
    )
    sql = f"""SELECT id, topic, holder, claim_type, negated, target, event_date, last_date, first_seen, last_seen,
                     corroboration, claims, articles, outlets, article_ids, claim_ids, evidence, speaker, url, title,
                     best_claim_id
              FROM timeline_events e WHERE {where} ORDER BY e.event_date, e.holder, e.id"""
    # Every claim of an event with no claim ids left was deleted; the next update_events drops it.
    reviewed = reviewed_claim_ids(db) if any_reviews(db) else set()
    return [
        {
            "id": id_,
            "topic": topic_,
            "holder": holder,
            "claim_type": claim_type,
            "negated": bool(negated),
            "target": target,
            "event_date": event_date,
            "last_date": last_date,
            "first_seen": first_seen,
            "last_seen": last_seen,
            "corroboration": corroboration,
            "claims": claims,
            "articles": articles,
            "outlets": json_list(outlets),
            "article_ids": json_list(article_ids),
            "claim_ids": json_list(claim_ids),
            "evidence": evidence,
            "speaker": speaker,
            "url": url,
            "title": title,
            "best_claim_id": best_claim_id,
            "reviewed": len(reviewed.intersection(json_list(claim_ids))) if reviewed else 0,
        }
        for (
            id_,
            topic_,
            holder,
            claim_type,
            negated,
            target,
            event_date,
            last_date,
            first_seen,
            last_seen,
            corroboration,
            claims,
            articles,
            outlets,
            article_ids,
            claim_ids,
            evidence,
            speaker,
            url,
            title,
            best_claim_id,
        ) in db.conn.execute(sql, params)
        if claim_ids not in (None, "", "[]")
    ]


@gc_paused
def state_as_of(
    db: sqlite_utils.Database, as_of: DateLike, topic: str | None = None, party: str | None = None
) -> list[dict]:
    """Each party's position per topic and claim type as it stood on `as_of` (its latest event by then)."""
    day = iso_day(as_of) or date.today().isoformat()
    # position_intervals (storage/schema.sql): the interval of each key that contains the day. Per level, the two
    # buckets that can hold one are searched for valid_to > day; intervals still holding, for a start by the
    # day (see storage.timeline_schema). On a tie of dates the event of highest id holds: the intervals of the
    # others end that day, empty. An undated day (not ISO) is compared as a string with every interval.
    where, params = _where([("i.topic = ?", topic), ("i.holder = ?", party)])
    columns = (
        "i.topic, i.holder, i.claim_type, i.negated, i.target, i.event_id, i.valid_from, i.evidence, i.speaker, i.url"
    )
    number = _day_number(day)
    if number is None:
        sql = f"SELECT {columns} FROM position_intervals i WHERE i.valid_from <= ? AND i.valid_to > ? AND {where}"
        params = [day, day, *params]
    else:
        buckets = [(-1, 0)] + [
            (level, (number >> level) - shift) for level in range(INTERVAL_LEVELS) for shift in (1, 0)
        ]
        sql = f"""SELECT {columns} FROM (VALUES {", ".join("(?, ?)" for _ in buckets)}) r
                  CROSS JOIN position_intervals i ON i.level = r.column1 AND i.bucket = r.column2 AND i.valid_to > ?
                  WHERE i.valid_from <= ? AND {where}
                  UNION ALL
                  SELECT {columns} FROM position_intervals i
                  WHERE i.level = 99 AND i.bucket <= ? AND i.valid_from <= ? AND {where}"""
        params = [v for pair in buckets for v in pair] + [day, day, *params, number, day, *params]
    # Sorted by SQL: cheaper than sorting the row tuples in Python (the rows, not the scan, are the cost here).
    rows = db.conn.execute(f"{sql} ORDER BY 1, 2, 7, 6", params)
    return [
        {
            "topic": topic_,
            "holder": holder,
            "claim_type": claim_type,
            "negated": bool(negated),
            "target": target,
            "event_id": event_id,
            "event_date": event_date,
            "evidence": evidence,
            "speaker": speaker,
            "url": url,
        }
        for topic_, holder, claim_type, negated, target, event_id, event_date, evidence, speaker, url in rows
    ]


def _day_number(day: str) -> int | None:
    """The day number SQLite's CAST(julianday(day) AS INTEGER) gives (None when `day` is not an ISO date)."""
    try:
        return date.fromisoformat(day).toordinal() + 1721424
    except ValueError:
        return None


@gc_paused
def changes(
    db: sqlite_utils.Database,
    since: DateLike = None,
    until: DateLike = None,
    topic: str | None = None,
    party: str | None = None,
) -> list[dict]:
    """Position changes in date order (since/until compare change_date)."""
    where, params = _where(
        [
            ("topic = ?", topic),
            ("holder = ?", party),
            ("change_date >= ?", iso_day(since)),
            ("change_date <= ?", iso_day(until)),
        ]
    )
    sql = f"SELECT * FROM position_changes WHERE {where} ORDER BY change_date, topic, holder, event_id"
    reviewed = reviewed_claim_ids(db) if any_reviews(db) else set()
    out = []
    for row in db.query(sql, params):
        row["outlets"] = json_list(row["outlets"])
        row["reviewed"] = _reviewed_in_event(db, row["event_id"], reviewed) if reviewed else 0
        out.append(_bools(row, "from_negated", "to_negated"))
    return out


def _reviewed_in_event(db: sqlite_utils.Database, event_id: int | None, reviewed: set[str]) -> int:
    """How many of the event's claims are among `reviewed` (reviewed and kept)."""
    row = db.execute("SELECT claim_ids FROM events WHERE id = ?", [event_id]).fetchone()
    return len(reviewed.intersection(json_list(row[0]))) if row else 0


@gc_paused
def contradictions(
    db: sqlite_utils.Database, since: DateLike = None, until: DateLike = None, topic: str | None = None
) -> list[dict]:
    """Pairs of events where two parties contradict each other, both evidences side by side."""
    where, params = _where([("topic = ?", topic), ("date >= ?", iso_day(since)), ("date <= ?", iso_day(until))])
    sql = f"SELECT * FROM contradictions WHERE {where} ORDER BY date, topic, holder_a, holder_b, id"
    return [_bools(row, "negated_a", "negated_b") for row in db.query(sql, params)]
