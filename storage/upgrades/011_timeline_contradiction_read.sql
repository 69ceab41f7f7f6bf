-- Upgrade step 11: a store at version 10 to version 11. Frozen: never edit it once shipped.
-- (Named 010_timeline_contradiction_read in the `_migrations` table of stores made before storage/schema.sql.)
--
-- The other side of a contradiction read from its index: events_match also covers holder and target
-- (~50,000 fewer row look-ups per update of 10,000 claims).

DROP INDEX events_match;

CREATE INDEX events_match ON events(topic, claim_type, negated, event_date, holder, target);
