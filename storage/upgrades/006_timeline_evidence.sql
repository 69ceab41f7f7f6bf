-- Upgrade step 6: a store at version 5 to version 6. Frozen: never edit it once shipped.
-- (Named 005_timeline_evidence in the `_migrations` table of stores made before storage/schema.sql.)
--
-- Events carry their best quote, its article and their claim ids, so reading a party's timeline, the state
-- or the changes touches only `events` (no per-row look-ups in the claims table). Triggers keep claim_ids exact
-- when claims are deleted or changed, and clear the best quote when its claim goes; the views read the new
-- columns.

ALTER TABLE events ADD COLUMN evidence TEXT;

ALTER TABLE events ADD COLUMN url TEXT;

ALTER TABLE events ADD COLUMN title TEXT;

ALTER TABLE events ADD COLUMN claim_ids TEXT NOT NULL DEFAULT '[]';

UPDATE events SET
        evidence = (SELECT c.evidence FROM claims c WHERE c.id = events.best_claim_id),
        url = (SELECT a.url FROM claims c JOIN articles a ON a.id = c.article_id WHERE c.id = events.best_claim_id),
        title = (SELECT a.title FROM claims c JOIN articles a ON a.id = c.article_id
                 WHERE c.id = events.best_claim_id),
        claim_ids = (SELECT json_group_array(claim_id) FROM
                     (SELECT claim_id FROM event_claims WHERE event_id = events.id ORDER BY claim_id));

DROP TRIGGER timeline_claim_delete;

DROP TRIGGER timeline_claim_update;

DROP TRIGGER timeline_article_update;

CREATE TRIGGER timeline_claim_delete AFTER DELETE ON claims BEGIN 
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
        DELETE FROM event_claims WHERE claim_id = old.id;
        DELETE FROM timeline_queue WHERE claim_id = old.id;
    END;

CREATE TRIGGER timeline_claim_update AFTER UPDATE ON claims
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.negated IS NOT new.negated OR old.target IS NOT new.target
      OR old.claim_date IS NOT new.claim_date OR old.confidence IS NOT new.confidence
      OR old.speaker IS NOT new.speaker OR old.article_id IS NOT new.article_id OR old.evidence IS NOT new.evidence
    BEGIN 
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
        DELETE FROM event_claims WHERE claim_id = old.id;
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END;

CREATE TRIGGER timeline_article_update AFTER UPDATE ON articles
    WHEN old.dup_of IS NOT new.dup_of OR old.source IS NOT new.source OR old.published IS NOT new.published
      OR old.url IS NOT new.url OR old.title IS NOT new.title
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id)
        SELECT ec.event_id FROM claims c JOIN event_claims ec ON ec.claim_id = c.id WHERE c.article_id = new.id;
    END;

DROP VIEW timeline_events;

DROP VIEW position_state;

DROP VIEW position_changes;

DROP VIEW contradictions;

CREATE VIEW timeline_events AS
    SELECT id, topic, holder, claim_type, negated, target, event_date, last_date, first_seen, last_seen,
           corroboration, claims, articles, outlets, article_ids, claim_ids, evidence, speaker, url, title,
           best_claim_id
    FROM events;

CREATE VIEW position_state AS
    SELECT p.topic, p.holder, p.claim_type, e.negated, e.target, e.id AS event_id, e.event_date, p.since,
           e.evidence, e.speaker, e.url
    FROM positions p JOIN events e ON e.id = p.event_id;

CREATE VIEW position_changes AS
    SELECT ch.id, ch.topic, ch.holder, ch.change_date, ch.kind, ch.from_type, ch.from_negated, ch.to_type,
           ch.to_negated, ch.event_id, e.evidence, e.speaker, e.url, e.title, e.outlets, e.corroboration,
           ch.detected_at
    FROM changes ch LEFT JOIN events e ON e.id = ch.event_id;

CREATE VIEW contradictions AS
    SELECT x.id, x.topic, x.date, x.event_a, x.event_b, ea.holder AS holder_a, eb.holder AS holder_b,
           ea.claim_type AS claim_type_a, ea.negated AS negated_a, eb.claim_type AS claim_type_b,
           eb.negated AS negated_b, ea.evidence AS evidence_a, eb.evidence AS evidence_b,
           ea.url AS url_a, eb.url AS url_b, x.rule, x.detected_at
    FROM contradiction_pairs x JOIN events ea ON ea.id = x.event_a JOIN events eb ON eb.id = x.event_b;
