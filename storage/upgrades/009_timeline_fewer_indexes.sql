-- Upgrade step 9: a store at version 8 to version 9. Frozen: never edit it once shipped.
-- (Named 008_timeline_fewer_indexes in the `_migrations` table of stores made before storage/schema.sql.)
--
-- One index per (topic, holder, claim_type) on events: events_key is folded into events_state, which also
-- carries id, negated and target (~4,800 fewer pages written per update of 10,000 claims).

DROP INDEX events_key;

DROP INDEX events_state;

CREATE INDEX events_state ON events(topic, holder, claim_type, event_date, id, negated, target);
