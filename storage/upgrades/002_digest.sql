-- Upgrade step 2: a store at version 1 to version 2. Frozen: never edit it once shipped.
-- (Named 003_digest in the `_migrations` table of stores made before storage/schema.sql.)
--
-- The digest's send log: one row per digest of a period and topic to a list of recipients.

CREATE TABLE digests (
        id INTEGER PRIMARY KEY, period_start TEXT NOT NULL, period_end TEXT NOT NULL, topic TEXT NOT NULL,
        recipients TEXT NOT NULL, message_id TEXT, subject TEXT, sent_at TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, created_at TEXT NOT NULL
    );

CREATE INDEX digests_period ON digests(period_start, period_end, topic, recipients, status);
