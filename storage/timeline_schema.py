"""SQL of the timeline migrations (002, 005-010): events, positions, intervals, changes, contradictions, views.

Frozen once run on a store: never edit these statements, add a new migration instead.
Tables hold what update_events derives (storage/events.py); the views present them with the evidence, so
Datasette and ad-hoc SQL users read `timeline_events`, `position_state`, `position_changes` and
`contradictions` directly. Triggers on `claims` and `articles` queue new claims and mark events whose
claims were deleted or changed, so an event never points to a missing claim and update_events only
touches what moved.
"""

_BEST = """
    LEFT JOIN claims c ON c.id = e.best_claim_id
    LEFT JOIN articles a ON a.id = c.article_id"""

TIMELINE_002: tuple[str, ...] = (
    # --- tables -------------------------------------------------------------------------------------
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY, topic TEXT, holder TEXT, claim_type TEXT, negated INTEGER NOT NULL, target TEXT,
        event_date TEXT NOT NULL, last_date TEXT NOT NULL, first_seen TEXT, last_seen TEXT,
        claims INTEGER NOT NULL, articles INTEGER NOT NULL, corroboration INTEGER NOT NULL,
        outlets TEXT NOT NULL, article_ids TEXT NOT NULL, best_claim_id TEXT, speaker TEXT, updated_at TEXT
    )""",
    "CREATE INDEX events_key ON events(topic, holder, claim_type, negated, target, event_date)",
    "CREATE INDEX events_state ON events(topic, holder, claim_type, event_date)",
    "CREATE INDEX events_match ON events(topic, claim_type, negated, event_date)",
    "CREATE INDEX events_date ON events(event_date)",
    """CREATE TABLE event_claims (
        claim_id TEXT PRIMARY KEY, event_id INTEGER NOT NULL
    ) WITHOUT ROWID""",
    "CREATE INDEX event_claims_event ON event_claims(event_id)",
    """CREATE TABLE positions (
        topic TEXT NOT NULL, holder TEXT NOT NULL, claim_type TEXT NOT NULL, event_id INTEGER NOT NULL,
        since TEXT NOT NULL, PRIMARY KEY (topic, holder, claim_type)
    ) WITHOUT ROWID""",
    """CREATE TABLE changes (
        id TEXT PRIMARY KEY, topic TEXT, holder TEXT, change_date TEXT NOT NULL, kind TEXT NOT NULL,
        from_type TEXT, from_negated INTEGER, to_type TEXT NOT NULL, to_negated INTEGER NOT NULL,
        event_id INTEGER, detected_at TEXT NOT NULL
    )""",
    "CREATE INDEX changes_date ON changes(change_date)",
    "CREATE INDEX changes_pair ON changes(topic, holder, change_date)",
    "CREATE INDEX changes_detected ON changes(detected_at)",
    """CREATE TABLE contradiction_pairs (
        id TEXT PRIMARY KEY, topic TEXT, date TEXT NOT NULL, event_a INTEGER NOT NULL, event_b INTEGER NOT NULL,
        rule TEXT NOT NULL, detected_at TEXT NOT NULL
    )""",
    "CREATE INDEX contradiction_pairs_date ON contradiction_pairs(date)",
    "CREATE INDEX contradiction_pairs_a ON contradiction_pairs(event_a)",
    "CREATE INDEX contradiction_pairs_b ON contradiction_pairs(event_b)",
    "CREATE TABLE timeline_queue (claim_id TEXT PRIMARY KEY) WITHOUT ROWID",
    "CREATE TABLE timeline_dirty (event_id INTEGER PRIMARY KEY)",
    "CREATE INDEX claims_event_key ON claims(topic, holder, claim_type, negated, target, claim_date)",
    "INSERT INTO timeline_queue (claim_id) SELECT id FROM claims",
    # --- triggers: keep events linked only to existing claims ---------------------------------------
    """CREATE TRIGGER timeline_claim_insert AFTER INSERT ON claims BEGIN
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER timeline_claim_delete AFTER DELETE ON claims BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = old.id;
        DELETE FROM event_claims WHERE claim_id = old.id;
        DELETE FROM timeline_queue WHERE claim_id = old.id;
    END""",
    """CREATE TRIGGER timeline_claim_update AFTER UPDATE ON claims
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.negated IS NOT new.negated OR old.target IS NOT new.target
      OR old.claim_date IS NOT new.claim_date OR old.confidence IS NOT new.confidence
      OR old.speaker IS NOT new.speaker OR old.article_id IS NOT new.article_id
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = old.id;
        DELETE FROM event_claims WHERE claim_id = old.id;
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER timeline_article_update AFTER UPDATE ON articles
    WHEN old.dup_of IS NOT new.dup_of OR old.source IS NOT new.source OR old.published IS NOT new.published
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id)
        SELECT ec.event_id FROM claims c JOIN event_claims ec ON ec.claim_id = c.id WHERE c.article_id = new.id;
    END""",
    # --- views --------------------------------------------------------------------------------------
    f"""CREATE VIEW timeline_events AS
    SELECT e.id, e.topic, e.holder, e.claim_type, e.negated, e.target, e.event_date, e.last_date,
           e.first_seen, e.last_seen, e.corroboration, e.claims, e.articles, e.outlets, e.article_ids,
           c.evidence, e.speaker, a.url, a.title, e.best_claim_id
    FROM events e {_BEST}""",
    f"""CREATE VIEW position_state AS
    SELECT p.topic, p.holder, p.claim_type, e.negated, e.target, e.id AS event_id, e.event_date, p.since,
           c.evidence, e.speaker, a.url
    FROM positions p JOIN events e ON e.id = p.event_id {_BEST}""",
    f"""CREATE VIEW position_changes AS
    SELECT ch.id, ch.topic, ch.holder, ch.change_date, ch.kind, ch.from_type, ch.from_negated, ch.to_type,
           ch.to_negated, ch.event_id, c.evidence, e.speaker, a.url, a.title, e.outlets, e.corroboration,
           ch.detected_at
    FROM changes ch LEFT JOIN events e ON e.id = ch.event_id {_BEST}""",
    """CREATE VIEW contradictions AS
    SELECT x.id, x.topic, x.date, x.event_a, x.event_b, ea.holder AS holder_a, eb.holder AS holder_b,
           ea.claim_type AS claim_type_a, ea.negated AS negated_a, eb.claim_type AS claim_type_b,
           eb.negated AS negated_b, ca.evidence AS evidence_a, cb.evidence AS evidence_b,
           aa.url AS url_a, ab.url AS url_b, x.rule, x.detected_at
    FROM contradiction_pairs x
    JOIN events ea ON ea.id = x.event_a JOIN events eb ON eb.id = x.event_b
    LEFT JOIN claims ca ON ca.id = ea.best_claim_id LEFT JOIN articles aa ON aa.id = ca.article_id
    LEFT JOIN claims cb ON cb.id = eb.best_claim_id LEFT JOIN articles ab ON ab.id = cb.article_id""",
)

# --- migration 005_timeline_evidence: events carry their best quote, its article and their claim ids -----
# Reading a party's timeline, the state or the changes then touches only `events` (no per-row look-ups in
# the 1M-row claims table). Triggers keep `claim_ids` exact when claims are deleted or changed, and clear
# the best quote when its claim goes, until update_events re-derives the event.
_UNLINK = """
        UPDATE events SET
            claim_ids = (SELECT json_group_array(claim_id) FROM
                         (SELECT claim_id FROM event_claims WHERE event_id = events.id AND claim_id != old.id
                          ORDER BY claim_id)),
            best_claim_id = CASE WHEN best_claim_id = old.id THEN NULL ELSE best_claim_id END,
            evidence = CASE WHEN best_claim_id = old.id THEN NULL ELSE evidence END,
            url = CASE WHEN best_claim_id = old.id THEN NULL ELSE url END,
            title = CASE WHEN best_claim_id = old.id THEN NULL ELSE title END
        WHERE id = (SELECT event_id FROM event_claims WHERE claim_id = old.id);
        INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = old.id;
        DELETE FROM event_claims WHERE claim_id = old.id;"""

TIMELINE_005: tuple[str, ...] = (
    "ALTER TABLE events ADD COLUMN evidence TEXT",
    "ALTER TABLE events ADD COLUMN url TEXT",
    "ALTER TABLE events ADD COLUMN title TEXT",
    "ALTER TABLE events ADD COLUMN claim_ids TEXT NOT NULL DEFAULT '[]'",
    """UPDATE events SET
        evidence = (SELECT c.evidence FROM claims c WHERE c.id = events.best_claim_id),
        url = (SELECT a.url FROM claims c JOIN articles a ON a.id = c.article_id WHERE c.id = events.best_claim_id),
        title = (SELECT a.title FROM claims c JOIN articles a ON a.id = c.article_id
                 WHERE c.id = events.best_claim_id),
        claim_ids = (SELECT json_group_array(claim_id) FROM
                     (SELECT claim_id FROM event_claims WHERE event_id = events.id ORDER BY claim_id))""",
    "DROP TRIGGER timeline_claim_delete",
    "DROP TRIGGER timeline_claim_update",
    "DROP TRIGGER timeline_article_update",
    f"""CREATE TRIGGER timeline_claim_delete AFTER DELETE ON claims BEGIN {_UNLINK}
        DELETE FROM timeline_queue WHERE claim_id = old.id;
    END""",
    f"""CREATE TRIGGER timeline_claim_update AFTER UPDATE ON claims
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.negated IS NOT new.negated OR old.target IS NOT new.target
      OR old.claim_date IS NOT new.claim_date OR old.confidence IS NOT new.confidence
      OR old.speaker IS NOT new.speaker OR old.article_id IS NOT new.article_id OR old.evidence IS NOT new.evidence
    BEGIN {_UNLINK}
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END""",
    """CREATE TRIGGER timeline_article_update AFTER UPDATE ON articles
    WHEN old.dup_of IS NOT new.dup_of OR old.source IS NOT new.source OR old.published IS NOT new.published
      OR old.url IS NOT new.url OR old.title IS NOT new.title
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id)
        SELECT ec.event_id FROM claims c JOIN event_claims ec ON ec.claim_id = c.id WHERE c.article_id = new.id;
    END""",
    "DROP VIEW timeline_events",
    "DROP VIEW position_state",
    "DROP VIEW position_changes",
    "DROP VIEW contradictions",
    """CREATE VIEW timeline_events AS
    SELECT id, topic, holder, claim_type, negated, target, event_date, last_date, first_seen, last_seen,
           corroboration, claims, articles, outlets, article_ids, claim_ids, evidence, speaker, url, title,
           best_claim_id
    FROM events""",
    """CREATE VIEW position_state AS
    SELECT p.topic, p.holder, p.claim_type, e.negated, e.target, e.id AS event_id, e.event_date, p.since,
           e.evidence, e.speaker, e.url
    FROM positions p JOIN events e ON e.id = p.event_id""",
    """CREATE VIEW position_changes AS
    SELECT ch.id, ch.topic, ch.holder, ch.change_date, ch.kind, ch.from_type, ch.from_negated, ch.to_type,
           ch.to_negated, ch.event_id, e.evidence, e.speaker, e.url, e.title, e.outlets, e.corroboration,
           ch.detected_at
    FROM changes ch LEFT JOIN events e ON e.id = ch.event_id""",
    """CREATE VIEW contradictions AS
    SELECT x.id, x.topic, x.date, x.event_a, x.event_b, ea.holder AS holder_a, eb.holder AS holder_b,
           ea.claim_type AS claim_type_a, ea.negated AS negated_a, eb.claim_type AS claim_type_b,
           eb.negated AS negated_b, ea.evidence AS evidence_a, eb.evidence AS evidence_b,
           ea.url AS url_a, eb.url AS url_b, x.rule, x.detected_at
    FROM contradiction_pairs x JOIN events ea ON ea.id = x.event_a JOIN events eb ON eb.id = x.event_b""",
)

# --- migration 006_timeline_intervals: position intervals, so "state as of a date" is a few index range scans --
# One row per event of a (topic, holder, claim_type): the event's state holds from valid_from (its date) until
# valid_to (the date of the next event of the same key in (date, id) order, which ends it; '9999-12-31' while
# it still holds; equal to valid_from when a later event of the same day supersedes it). Rows carry what the state
# shows (negation, target, quote, speaker, url), so the state of every party on every topic reads this table
# only. Rows are placed for range search ("which intervals contain day D"): an interval of at most 2^L days
# has level L and bucket = (first day number) >> L, so one containing D sits in bucket D >> L or the one
# before, at each of the 18 levels; open intervals have level 99 and bucket = first day number (those started
# by D are read), those with a date that is not ISO level -1 (read whole). Rows read are then filtered on the
# date strings, the same comparison as the events' own dates. Triggers on `events` keep the table equal to the events
# whatever writes them (update_events, rebuild_events, the claim triggers that clear a deleted best quote).
INTERVAL_LEVELS = 18  # 2^17 days: any interval between real dates
STILL_HOLDS = "9999-12-31"  # valid_to of an interval no later event has ended


def _placement(s: str) -> tuple[str, str]:
    """SQL for (level, bucket) of an interval from a span row `s` (lo: first day number, n: days, valid_to)."""
    steps = " ".join(f"WHEN {s}.n <= {1 << n} THEN {n}" for n in range(INTERVAL_LEVELS - 1))
    level = (f"(CASE WHEN {s}.valid_to = '{STILL_HOLDS}' THEN 99 WHEN {s}.n IS NULL THEN -1 "
             f"{steps} ELSE {INTERVAL_LEVELS - 1} END)")
    bucket = (f"(CASE WHEN {s}.lo IS NULL THEN 0 WHEN {s}.valid_to = '{STILL_HOLDS}' THEN {s}.lo "
              f"WHEN {s}.n IS NULL THEN 0 ELSE {s}.lo >> {level} END)")
    return level, bucket


def _day(value: str) -> str:
    """SQL: the day number of an ISO date (NULL for anything else, '2025-02-30' included: it sorts as a string)."""
    return f"(CASE WHEN date(julianday({value})) = {value} THEN CAST(julianday({value}) AS INTEGER) END)"


def _span(valid_from: str, valid_to: str) -> str:
    """Select list of a span row: valid_to, lo (day number of valid_from), n (days; NULL unless both are ISO)."""
    return f"{valid_to} AS valid_to, {_day(valid_from)} AS lo, {_day(valid_to)} - {_day(valid_from)} AS n"


_LEVEL, _BUCKET = _placement("s")
_KEY = "x.topic = {r}.topic AND x.holder = {r}.holder AND x.claim_type = {r}.claim_type"
_NEXT = f"""(SELECT x.valid_from FROM position_intervals x WHERE {_KEY.format(r="new")}
             AND (x.valid_from, x.event_id) > (new.event_date, new.id) ORDER BY x.valid_from, x.event_id LIMIT 1)"""
_PREVIOUS = """(SELECT x.valid_from, x.event_id FROM position_intervals x WHERE {key}
                AND (x.valid_from, x.event_id) < ({r}.event_date, {r}.id)
                ORDER BY x.valid_from DESC, x.event_id DESC LIMIT 1)"""
_KEYED = "new.topic IS NOT NULL AND new.holder IS NOT NULL AND new.claim_type IS NOT NULL"
# The interval before (in its key) ends where `end` says; s carries its span for the new placement.
_SET_END = f"""
        UPDATE position_intervals SET valid_to = s.valid_to, level = {_LEVEL}, bucket = {_BUCKET}
        FROM (SELECT p.valid_from, p.event_id, {_span("p.valid_from", "{end}")}
              FROM {_PREVIOUS} p) s
        WHERE position_intervals.topic = {{r}}.topic AND position_intervals.holder = {{r}}.holder
          AND position_intervals.claim_type = {{r}}.claim_type AND position_intervals.valid_from = s.valid_from
          AND position_intervals.event_id = s.event_id;"""
_INTERVAL_INSERT = f"""
        INSERT INTO position_intervals (level, bucket, topic, holder, claim_type, valid_from, event_id, valid_to,
                                        negated, target, speaker, evidence, url)
        SELECT {_LEVEL}, {_BUCKET}, new.topic, new.holder, new.claim_type, new.event_date, new.id,
               s.valid_to, new.negated, new.target, new.speaker, new.evidence, new.url
        FROM (SELECT {_span("new.event_date", "nxt.valid_to")}
              FROM (SELECT COALESCE({_NEXT}, '{STILL_HOLDS}') AS valid_to) nxt) s
        WHERE {_KEYED};
        {_SET_END.format(end="new.event_date", key=_KEY.format(r="new"), r="new")}"""
_OLD_END = f"""(SELECT x.valid_to FROM position_intervals x WHERE {_KEY.format(r="old")}
               AND x.valid_from = old.event_date AND x.event_id = old.id)"""
_INTERVAL_DELETE = f"""
        {_SET_END.format(end=_OLD_END, key=_KEY.format(r="old"), r="old")}
        DELETE FROM position_intervals WHERE topic = old.topic AND holder = old.holder
          AND claim_type = old.claim_type AND valid_from = old.event_date AND event_id = old.id;"""

TIMELINE_006: tuple[str, ...] = (
    """CREATE TABLE position_intervals (
        level INTEGER NOT NULL, bucket INTEGER NOT NULL, topic TEXT NOT NULL, holder TEXT NOT NULL,
        claim_type TEXT NOT NULL, valid_from TEXT NOT NULL, event_id INTEGER NOT NULL, valid_to TEXT NOT NULL,
        negated INTEGER NOT NULL, target TEXT, speaker TEXT, evidence TEXT, url TEXT,
        PRIMARY KEY (level, bucket, valid_to, topic, holder, claim_type, valid_from, event_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX position_intervals_key ON position_intervals(topic, holder, claim_type, valid_from, event_id)",
    f"""INSERT INTO position_intervals
        SELECT {_LEVEL}, {_BUCKET}, topic, holder, claim_type, event_date, id, s.valid_to,
               negated, target, speaker, evidence, url
        FROM (SELECT *, {_span("event_date", "next_date")} FROM (
                SELECT *, lead(event_date, 1, '{STILL_HOLDS}') OVER (
                    PARTITION BY topic, holder, claim_type ORDER BY event_date, id) AS next_date
                FROM events WHERE topic IS NOT NULL AND holder IS NOT NULL AND claim_type IS NOT NULL)) s""",
    f"""CREATE TRIGGER timeline_interval_insert AFTER INSERT ON events BEGIN {_INTERVAL_INSERT}
    END""",
    f"""CREATE TRIGGER timeline_interval_delete AFTER DELETE ON events BEGIN {_INTERVAL_DELETE}
    END""",
    f"""CREATE TRIGGER timeline_interval_move AFTER UPDATE OF id, topic, holder, claim_type, event_date ON events
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.event_date IS NOT new.event_date
    BEGIN {_INTERVAL_DELETE} {_INTERVAL_INSERT}
    END""",
    """CREATE TRIGGER timeline_interval_content AFTER UPDATE OF negated, target, speaker, evidence, url ON events
    WHEN old.negated IS NOT new.negated OR old.target IS NOT new.target OR old.speaker IS NOT new.speaker
      OR old.evidence IS NOT new.evidence OR old.url IS NOT new.url
    BEGIN
        UPDATE position_intervals SET negated = new.negated, target = new.target, speaker = new.speaker,
               evidence = new.evidence, url = new.url
        WHERE topic = new.topic AND holder = new.holder AND claim_type = new.claim_type
          AND valid_from = new.event_date AND event_id = new.id;
    END""",
    # A party's claims on a topic read from two covering indexes, in date order, without touching the wide rows.
    """CREATE INDEX IF NOT EXISTS claims_timeline_read ON claims(topic, holder, claim_date, id, article_id,
        claim_type, negated, target, source, via, speaker, evidence)""",
    "CREATE INDEX IF NOT EXISTS articles_timeline_read ON articles(id, url, title, source, published, fetched_at)",
)

# --- migration 007_timeline_interval_refresh: intervals re-derived per update, not per event row -------------
# The row triggers of 006 that moved an interval on every insert, delete and date change of an event cost ~0.4 s
# per 10,000 new claims. update_events now re-derives, in a few set-based statements at its end, the intervals of
# the events at each date where an event appeared, moved or went and of the event before each such date
# (storage.positions.refresh_intervals). The content trigger stays, so a deleted claim's best quote still leaves
# its interval at once. Whatever writes `events` other than update_events must call refresh_intervals too.
TIMELINE_007: tuple[str, ...] = (
    "DROP TRIGGER timeline_interval_insert",
    "DROP TRIGGER timeline_interval_delete",
    "DROP TRIGGER timeline_interval_move",
)

# Runtime SQL (not a migration) shares the placement of 006: storage.positions.refresh_intervals.
INTERVAL_LEVEL, INTERVAL_BUCKET = _LEVEL, _BUCKET
interval_span = _span

# --- migration 008_timeline_fewer_indexes: one index per (topic, holder, claim_type) on events ----------------------
# Every index written by update_events costs pages: 10,000 new claims dirtied ~16,000-20,000, most of them in
# indexes led by topic and holder, where new rows land all over. events_key (topic, holder, claim_type, negated,
# target, event_date) is folded into events_state, which now also carries id, negated and target: the key match of
# update_events reads a (topic, holder, claim_type) from its date on and checks negation and target in the index,
# and the position queries keep their (event_date, id) order. About 4,800 fewer pages (20 MB of WAL) per update.
TIMELINE_008: tuple[str, ...] = (
    "DROP INDEX events_key",
    "DROP INDEX events_state",
    "CREATE INDEX events_state ON events(topic, holder, claim_type, event_date, id, negated, target)",
)

# --- migration 009_timeline_locality: what an update writes lands on the pages of recent days -------------------
# update_events writes, per new event, into every index of the rows it derives; an index ordered by something
# unrelated to time puts each of those writes on another page. Of the ~17,000 pages an update of 10,000 claims
# wrote, ~5,700 were position_intervals_key (topic, holder, claim_type, date, id: the interval of each new event and
# of the one it ends, in another key each) and ~2,300 the primary keys of changes and contradiction_pairs (content
# hashes, random). Intervals are now found by (date, event id), and change and contradiction ids start with their
# date ('2025-05-22:' + the same hash), so an update's new rows are neighbours: mostly of recent days.
TIMELINE_009: tuple[str, ...] = (
    "DROP INDEX position_intervals_key",
    "CREATE INDEX position_intervals_event ON position_intervals(valid_from, event_id)",
    # (An id already led by its date is left as it is.)
    """UPDATE changes SET id = change_date || ':' || id
       WHERE substr(id, 1, length(change_date) + 1) != change_date || ':'""",
    """UPDATE contradiction_pairs SET id = date || ':' || id
       WHERE substr(id, 1, length(date) + 1) != date || ':'""",
)

# --- migration 010_timeline_contradiction_read: the other side of a contradiction read from its index ------------
# refresh_contradictions looks, for each new or moved event, for events of the other side: same topic, claim type
# and polarity, within the window (events_match), and then needs their holder and target. Read from the events rows,
# that was a random row per candidate (~50,000 per 10,000 new claims, 0.15 s); in the index it is none (0.05 s).
TIMELINE_010: tuple[str, ...] = (
    "DROP INDEX events_match",
    "CREATE INDEX events_match ON events(topic, claim_type, negated, event_date, holder, target)",
)
