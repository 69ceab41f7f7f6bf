-- Upgrade step 14: a store at version 13 to version 14. Frozen: never edit it once shipped.
--
-- Watchlists and immediate alerts (storage/alerts.py): the watchlists of config.yaml, an outbox of alerts keyed
-- by (watchlist, what they are about), each alert's delivery per channel and the messages that carried them.

-- The watchlists of config.yaml (mirrored by storage/alerts.py whenever alerts are matched): filters and channels.
CREATE TABLE watchlists (
        id TEXT PRIMARY KEY, enabled INTEGER NOT NULL, filters TEXT NOT NULL, channels TEXT NOT NULL,
        group_window TEXT NOT NULL
    );

-- The outbox: one alert per (watchlist, ref) however often the update that found it runs; ref names what it is
-- about ('change:<changes.id>' or 'contradiction:<contradiction_pairs.id>'). body: a JSON object with what the
-- alert quotes (evidence, speaker, outlets, url, and for a contradiction both sides), copied when it was found.
CREATE TABLE alerts (
        id INTEGER PRIMARY KEY, watchlist TEXT NOT NULL, ref TEXT NOT NULL, kind TEXT NOT NULL, topic TEXT,
        holder TEXT, date TEXT NOT NULL, body TEXT NOT NULL, created_at TEXT NOT NULL, UNIQUE (watchlist, ref)
    );
CREATE INDEX alerts_created ON alerts(watchlist, created_at);

-- Each alert on each channel it goes out by (email, webhook): pending until a message carries it (message_id),
-- then that message's status.
CREATE TABLE alert_deliveries (
        alert_id INTEGER NOT NULL, channel TEXT NOT NULL, message_id INTEGER, PRIMARY KEY (alert_id, channel)
    ) WITHOUT ROWID;
CREATE INDEX alert_deliveries_message ON alert_deliveries(message_id);

-- One message per watchlist and channel carrying the alerts that were pending (at most one per group window).
-- status: sending (committed before the send: a message left so by a crash is failed, never sent again),
-- retry (waits for next_attempt_at), sent or failed; attempts counts tries, error the last failure.
CREATE TABLE alert_messages (
        id INTEGER PRIMARY KEY, watchlist TEXT NOT NULL, channel TEXT NOT NULL, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT, created_at TEXT NOT NULL, sent_at TEXT,
        error TEXT
    );
CREATE INDEX alert_messages_channel ON alert_messages(watchlist, channel, status);
