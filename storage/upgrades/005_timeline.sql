-- Upgrade step 5: a store at version 4 to version 5. Frozen: never edit it once shipped.
-- (Named 002_timeline in the `_migrations` table of stores made before storage/schema.sql.)
--
-- The timeline: events, event_claims, positions, changes, contradiction_pairs, the queue of claims to fold
-- and of events to re-derive, triggers keeping events linked to existing claims only, and views with the
-- evidence. Every existing claim is queued for the first update.

CREATE TABLE events (
        id INTEGER PRIMARY KEY, topic TEXT, holder TEXT, claim_type TEXT, negated INTEGER NOT NULL, target TEXT,
        event_date TEXT NOT NULL, last_date TEXT NOT NULL, first_seen TEXT, last_seen TEXT,
        claims INTEGER NOT NULL, articles INTEGER NOT NULL, corroboration INTEGER NOT NULL,
        outlets TEXT NOT NULL, article_ids TEXT NOT NULL, best_claim_id TEXT, speaker TEXT, updated_at TEXT
    );

CREATE INDEX events_key ON events(topic, holder, claim_type, negated, target, event_date);

CREATE INDEX events_state ON events(topic, holder, claim_type, event_date);

CREATE INDEX events_match ON events(topic, claim_type, negated, event_date);

CREATE INDEX events_date ON events(event_date);

CREATE TABLE event_claims (
        claim_id TEXT PRIMARY KEY, event_id INTEGER NOT NULL
    ) WITHOUT ROWID;

CREATE INDEX event_claims_event ON event_claims(event_id);

CREATE TABLE positions (
        topic TEXT NOT NULL, holder TEXT NOT NULL, claim_type TEXT NOT NULL, event_id INTEGER NOT NULL,
        since TEXT NOT NULL, PRIMARY KEY (topic, holder, claim_type)
    ) WITHOUT ROWID;

CREATE TABLE changes (
        id TEXT PRIMARY KEY, topic TEXT, holder TEXT, change_date TEXT NOT NULL, kind TEXT NOT NULL,
        from_type TEXT, from_negated INTEGER, to_type TEXT NOT NULL, to_negated INTEGER NOT NULL,
        event_id INTEGER, detected_at TEXT NOT NULL
    );

CREATE INDEX changes_date ON changes(change_date);

CREATE INDEX changes_pair ON changes(topic, holder, change_date);

CREATE INDEX changes_detected ON changes(detected_at);

CREATE TABLE contradiction_pairs (
        id TEXT PRIMARY KEY, topic TEXT, date TEXT NOT NULL, event_a INTEGER NOT NULL, event_b INTEGER NOT NULL,
        rule TEXT NOT NULL, detected_at TEXT NOT NULL
    );

CREATE INDEX contradiction_pairs_date ON contradiction_pairs(date);

CREATE INDEX contradiction_pairs_a ON contradiction_pairs(event_a);

CREATE INDEX contradiction_pairs_b ON contradiction_pairs(event_b);

CREATE TABLE timeline_queue (claim_id TEXT PRIMARY KEY) WITHOUT ROWID;

CREATE TABLE timeline_dirty (event_id INTEGER PRIMARY KEY);

CREATE INDEX claims_event_key ON claims(topic, holder, claim_type, negated, target, claim_date);

INSERT INTO timeline_queue (claim_id) SELECT id FROM claims;

CREATE TRIGGER timeline_claim_insert AFTER INSERT ON claims BEGIN
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END;

CREATE TRIGGER timeline_claim_delete AFTER DELETE ON claims BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = old.id;
        DELETE FROM event_claims WHERE claim_id = old.id;
        DELETE FROM timeline_queue WHERE claim_id = old.id;
    END;

CREATE TRIGGER timeline_claim_update AFTER UPDATE ON claims
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.negated IS NOT new.negated OR old.target IS NOT new.target
      OR old.claim_date IS NOT new.claim_date OR old.confidence IS NOT new.confidence
      OR old.speaker IS NOT new.speaker OR old.article_id IS NOT new.article_id
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = old.id;
        DELETE FROM event_claims WHERE claim_id = old.id;
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END;

CREATE TRIGGER timeline_article_update AFTER UPDATE ON articles
    WHEN old.dup_of IS NOT new.dup_of OR old.source IS NOT new.source OR old.published IS NOT new.published
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id)
        SELECT ec.event_id FROM claims c JOIN event_claims ec ON ec.claim_id = c.id WHERE c.article_id = new.id;
    END;

CREATE VIEW timeline_events AS
    SELECT e.id, e.topic, e.holder, e.claim_type, e.negated, e.target, e.event_date, e.last_date,
           e.first_seen, e.last_seen, e.corroboration, e.claims, e.articles, e.outlets, e.article_ids,
           c.evidence, e.speaker, a.url, a.title, e.best_claim_id
    FROM events e 
    LEFT JOIN claims c ON c.id = e.best_claim_id
    LEFT JOIN articles a ON a.id = c.article_id;

CREATE VIEW position_state AS
    SELECT p.topic, p.holder, p.claim_type, e.negated, e.target, e.id AS event_id, e.event_date, p.since,
           c.evidence, e.speaker, a.url
    FROM positions p JOIN events e ON e.id = p.event_id 
    LEFT JOIN claims c ON c.id = e.best_claim_id
    LEFT JOIN articles a ON a.id = c.article_id;

CREATE VIEW position_changes AS
    SELECT ch.id, ch.topic, ch.holder, ch.change_date, ch.kind, ch.from_type, ch.from_negated, ch.to_type,
           ch.to_negated, ch.event_id, c.evidence, e.speaker, a.url, a.title, e.outlets, e.corroboration,
           ch.detected_at
    FROM changes ch LEFT JOIN events e ON e.id = ch.event_id 
    LEFT JOIN claims c ON c.id = e.best_claim_id
    LEFT JOIN articles a ON a.id = c.article_id;

CREATE VIEW contradictions AS
    SELECT x.id, x.topic, x.date, x.event_a, x.event_b, ea.holder AS holder_a, eb.holder AS holder_b,
           ea.claim_type AS claim_type_a, ea.negated AS negated_a, eb.claim_type AS claim_type_b,
           eb.negated AS negated_b, ca.evidence AS evidence_a, cb.evidence AS evidence_b,
           aa.url AS url_a, ab.url AS url_b, x.rule, x.detected_at
    FROM contradiction_pairs x
    JOIN events ea ON ea.id = x.event_a JOIN events eb ON eb.id = x.event_b
    LEFT JOIN claims ca ON ca.id = ea.best_claim_id LEFT JOIN articles aa ON aa.id = ca.article_id
    LEFT JOIN claims cb ON cb.id = eb.best_claim_id LEFT JOIN articles ab ON ab.id = cb.article_id;
