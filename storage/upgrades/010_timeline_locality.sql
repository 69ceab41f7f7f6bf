-- Upgrade step 10: a store at version 9 to version 10. Frozen: never edit it once shipped.
-- (Named 009_timeline_locality in the `_migrations` table of stores made before storage/schema.sql.)
--
-- What an update writes lands on the pages of recent days: intervals found by (date, event id), and change
-- and contradiction ids led by their date ('2025-05-22:' + the same hash). An id already led by its date is
-- left as it is.

DROP INDEX position_intervals_key;

CREATE INDEX position_intervals_event ON position_intervals(valid_from, event_id);

UPDATE changes SET id = change_date || ':' || id
       WHERE substr(id, 1, length(change_date) + 1) != change_date || ':';

UPDATE contradiction_pairs SET id = date || ':' || id
       WHERE substr(id, 1, length(date) + 1) != date || ':';
