-- Upgrade step 8: a store at version 7 to version 8. Frozen: never edit it once shipped.
-- (Named 007_timeline_interval_refresh in the `_migrations` table of stores made before storage/schema.sql.)
--
-- Intervals re-derived per update, not per event row: the row triggers of step 7 cost ~0.4 s per 10,000
-- new claims. update_events re-derives the intervals around each moved date in a few set-based statements
-- (storage.positions.refresh_intervals); the content trigger stays.

DROP TRIGGER timeline_interval_insert;

DROP TRIGGER timeline_interval_delete;

DROP TRIGGER timeline_interval_move;
