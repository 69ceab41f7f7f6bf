-- The onrecord store: the whole current schema, in one place.
--
-- A new store is created from this file in one transaction (storage/migrations.py, create_schema) and its
-- PRAGMA user_version set to the version below. An older store reaches the same schema by the frozen steps in
-- storage/upgrades/ (NNN_name.sql, applied in number order); tests/test_schema.py checks that every older
-- version, upgraded, equals a store created from this file, object by object.
--
-- Changing the schema: add storage/upgrades/NNN_name.sql (the next number) and make the same change here.
-- Never edit an upgrade that has shipped.
--
-- schema-version: 17
--
-- Tables come in the order older stores created them, so a new store and an upgraded one list them alike (as
-- `onrecord demo` prints its row counts).
--
-- Conventions. Dates and times are ISO 8601 text ('2025-05-22', '2025-05-22T10:00:00+00:00'); flags are 0/1;
-- lists are JSON arrays of strings. Ids of articles and claims are content hashes (storage/articles.py,
-- onrecord/core/records.py), so writing the same thing twice keeps one row.


-- =============================================================================================================
-- Sources and crawling: the configured sources (mirrored from config.yaml by every writing command,
-- storage/sources.py) with their health, every HTTP fetch, the articles found, the URLs that lead to each article
-- =============================================================================================================

-- last_success ... backoff_until: the source's health, kept by the crawler and the daemon's back-off.
CREATE TABLE sources (
        id TEXT PRIMARY KEY, name TEXT, kind TEXT, url TEXT, language TEXT, speaks_for TEXT,
        interval TEXT, enabled INTEGER, last_success TEXT, last_error TEXT, last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0, backoff_until TEXT
    );

-- One row per fetch. outcome: new, unchanged, not-modified, duplicate, not-article or error; etag and
-- last_modified feed the next conditional GET of the same url.
CREATE TABLE fetches (
        id INTEGER PRIMARY KEY, source TEXT REFERENCES sources(id), url TEXT NOT NULL, kind TEXT,
        status INTEGER, error TEXT, etag TEXT, last_modified TEXT, final_url TEXT, bytes INTEGER,
        outcome TEXT, fetched_at TEXT NOT NULL
    );
CREATE INDEX fetches_url ON fetches(url, fetched_at);
CREATE INDEX fetches_source ON fetches(source, fetched_at);

-- One row per story. dup_of names the original of a near-duplicate copy (a republished wire story), so the
-- timeline counts its outlet once; via is the agency the article cites; text_source is which text it holds
-- ('page' or 'feed': the feed entry's text, when the page could not be had or gave less); published_from is
-- where its date came from ('feed', 'page', 'feed, offset corrected'). version counts the texts it has had (the
-- replaced ones are in article_versions; revised_at: when the current one replaced the last); status is 'live' or
-- 'withdrawn' (its page answered 404 or 410 after it was stored: withdrawn_at, withdrawn_why), never deleted.
CREATE TABLE articles (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, canonical_url TEXT NOT NULL UNIQUE, final_url TEXT,
        source TEXT REFERENCES sources(id), title TEXT, published TEXT, fetched_at TEXT, language TEXT,
        text TEXT, content_hash TEXT, dup_of TEXT REFERENCES articles(id), via TEXT, speaks_for TEXT,
        text_source TEXT, published_from TEXT, version INTEGER NOT NULL DEFAULT 1, revised_at TEXT,
        status TEXT NOT NULL DEFAULT 'live', withdrawn_at TEXT, withdrawn_why TEXT
    );
CREATE INDEX articles_content_hash ON articles(content_hash);
CREATE INDEX articles_source_published ON articles(source, published);
-- Covers every column the claims timeline reads from an article (storage/timeline.py, claims_timeline).
CREATE INDEX articles_timeline_read ON articles(id, url, title, source, published, fetched_at);

-- Every URL seen for an article (as linked, canonical, after redirects): a URL seen once is not fetched again.
CREATE TABLE article_urls (
        url TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id), kind TEXT
    );

-- =============================================================================================================
-- Reference tables, mirrored from config.yaml by every writing command (storage/sources.py)
-- =============================================================================================================

CREATE TABLE parties (id TEXT PRIMARY KEY, name TEXT);

CREATE TABLE topics (id TEXT PRIMARY KEY, description TEXT);

CREATE TABLE claim_types (id TEXT PRIMARY KEY, description TEXT);


-- =============================================================================================================
-- Claims: who said what, read from the articles (nlp/); replaced as a whole when an article is read again
-- =============================================================================================================

-- evidence is the quoted sentence, text[start:end] of the article; claim_date the day the claim speaks of
-- (the article's publication date when the text names none).
CREATE TABLE claims (
        id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
        topic TEXT REFERENCES topics(id), holder TEXT REFERENCES parties(id), speaker TEXT,
        claim_type TEXT REFERENCES claim_types(id), negated INTEGER NOT NULL, target TEXT REFERENCES parties(id),
        claim_date TEXT, evidence TEXT, start INTEGER, "end" INTEGER, source TEXT REFERENCES sources(id),
        via TEXT, confidence REAL, extractor_version TEXT
    );
CREATE INDEX claims_timeline ON claims(topic, holder, claim_date);
CREATE INDEX claims_article ON claims(article_id);
-- The claims of one event key in date order (storage/events.py folds claims into events by this key).
CREATE INDEX claims_event_key ON claims(topic, holder, claim_type, negated, target, claim_date);
-- A party's claims on a topic in date order, read without touching the wide rows (claims_timeline).
CREATE INDEX claims_timeline_read ON claims(topic, holder, claim_date, id, article_id,
        claim_type, negated, target, source, via, speaker, evidence);

-- Which extractor version has read which article, and how many claims it found: an article is pending for
-- a version until it has a row here.
CREATE TABLE extractions (
        article_id TEXT NOT NULL REFERENCES articles(id), extractor_version TEXT NOT NULL,
        extracted_at TEXT NOT NULL, claims INTEGER NOT NULL,
        PRIMARY KEY (article_id, extractor_version)
    );


-- =============================================================================================================
-- Full-text search (Datasette's search box) over article titles and texts and claim evidence and speakers.
-- External-content FTS5 tables, kept in step with their tables by the triggers below (the SQL sqlite-utils'
-- enable_fts writes, frozen here so the schema no longer depends on the sqlite-utils version).
-- =============================================================================================================

CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    tokenize='unicode61',
    content="articles"
);
CREATE TRIGGER "articles_ai" AFTER INSERT ON "articles" BEGIN
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;
CREATE TRIGGER "articles_ad" AFTER DELETE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
END;
CREATE TRIGGER "articles_au" AFTER UPDATE ON "articles" BEGIN
  INSERT INTO "articles_fts" ("articles_fts", rowid, "title", "text") VALUES('delete', old.rowid, old."title", old."text");
  INSERT INTO "articles_fts" (rowid, "title", "text") VALUES (new.rowid, new."title", new."text");
END;

CREATE VIRTUAL TABLE "claims_fts" USING FTS5 (
    "evidence", "speaker",
    tokenize='unicode61',
    content="claims"
);
CREATE TRIGGER "claims_ai" AFTER INSERT ON "claims" BEGIN
  INSERT INTO "claims_fts" (rowid, "evidence", "speaker") VALUES (new.rowid, new."evidence", new."speaker");
END;
CREATE TRIGGER "claims_ad" AFTER DELETE ON "claims" BEGIN
  INSERT INTO "claims_fts" ("claims_fts", rowid, "evidence", "speaker") VALUES('delete', old.rowid, old."evidence", old."speaker");
END;
CREATE TRIGGER "claims_au" AFTER UPDATE ON "claims" BEGIN
  INSERT INTO "claims_fts" ("claims_fts", rowid, "evidence", "speaker") VALUES('delete', old.rowid, old."evidence", old."speaker");
  INSERT INTO "claims_fts" (rowid, "evidence", "speaker") VALUES (new.rowid, new."evidence", new."speaker");
END;


-- =============================================================================================================
-- The digest: one row per e-mail digest of a period and topic to a list of recipients, so none is sent twice
-- and a failed one is retried (status: pending, sent, failed; attempts counts tries).
-- =============================================================================================================

CREATE TABLE digests (
        id INTEGER PRIMARY KEY, period_start TEXT NOT NULL, period_end TEXT NOT NULL, topic TEXT NOT NULL,
        recipients TEXT NOT NULL, message_id TEXT, subject TEXT, sent_at TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, created_at TEXT NOT NULL
    );
CREATE INDEX digests_period ON digests(period_start, period_end, topic, recipients, status);


-- =============================================================================================================
-- Near-duplicates
-- =============================================================================================================

-- MinHash signature of each stored article, so near-duplicates are found across crawl runs.
CREATE TABLE article_minhash (article_id TEXT PRIMARY KEY REFERENCES articles(id), signature BLOB NOT NULL);


-- =============================================================================================================
-- The daemon (`onrecord run`): each job's next run time, so the schedule survives restarts, and its run history
-- =============================================================================================================

CREATE TABLE job_state (job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, next_run_time TEXT, updated_at TEXT);

CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, started TEXT NOT NULL,
        finished TEXT, status TEXT NOT NULL, result TEXT
    );
CREATE INDEX job_runs_job ON job_runs(job_id, started);


-- =============================================================================================================
-- The timeline: what storage/events.py (update_events) derives from the claims. Nothing here is typed in;
-- rebuild_events re-derives all of it.
-- =============================================================================================================

-- An event: the claims that say the same thing (same topic, holder, claim_type, negated and target, dates within
-- timeline.merge_window_days of the first). corroboration counts distinct outlets (a copy counts as its
-- original's); outlets, article_ids and claim_ids are JSON lists; evidence, url and title are those of the best
-- claim (best_claim_id), so reading an event touches this row only. first_seen / last_seen: when onrecord first /
-- last fetched an article carrying it.
CREATE TABLE events (
        id INTEGER PRIMARY KEY, topic TEXT, holder TEXT, claim_type TEXT, negated INTEGER NOT NULL, target TEXT,
        event_date TEXT NOT NULL, last_date TEXT NOT NULL, first_seen TEXT, last_seen TEXT,
        claims INTEGER NOT NULL, articles INTEGER NOT NULL, corroboration INTEGER NOT NULL,
        outlets TEXT NOT NULL, article_ids TEXT NOT NULL, best_claim_id TEXT, speaker TEXT, updated_at TEXT
    , evidence TEXT, url TEXT, title TEXT, claim_ids TEXT NOT NULL DEFAULT '[]');
CREATE INDEX events_date ON events(event_date);
-- One index per (topic, holder, claim_type): update_events matches a key from a date on, checking negation and
-- target in the index; the position queries read it in (event_date, id) order.
CREATE INDEX events_state ON events(topic, holder, claim_type, event_date, id, negated, target);
-- The other side of a contradiction: same topic, claim type and polarity within a window, holder and target
-- read from the index (storage/contradictions.py).
CREATE INDEX events_match ON events(topic, claim_type, negated, event_date, holder, target);

-- Which event each claim belongs to.
CREATE TABLE event_claims (
        claim_id TEXT PRIMARY KEY, event_id INTEGER NOT NULL
    ) WITHOUT ROWID;
CREATE INDEX event_claims_event ON event_claims(event_id);

-- A party's current position per topic and claim type: its latest event, standing since `since`.
CREATE TABLE positions (
        topic TEXT NOT NULL, holder TEXT NOT NULL, claim_type TEXT NOT NULL, event_id INTEGER NOT NULL,
        since TEXT NOT NULL, PRIMARY KEY (topic, holder, claim_type)
    ) WITHOUT ROWID;

-- Position changes (storage/positions.py). kind: new, negation_flipped or reversal. The id is the change's date
-- and a hash of its content ('2025-05-22:4be1...'): re-deriving a change keeps its first detected_at, and an
-- update's new rows land on the pages of recent days.
CREATE TABLE changes (
        id TEXT PRIMARY KEY, topic TEXT, holder TEXT, change_date TEXT NOT NULL, kind TEXT NOT NULL,
        from_type TEXT, from_negated INTEGER, to_type TEXT NOT NULL, to_negated INTEGER NOT NULL,
        event_id INTEGER, detected_at TEXT NOT NULL
    );
CREATE INDEX changes_date ON changes(change_date);
CREATE INDEX changes_pair ON changes(topic, holder, change_date);
CREATE INDEX changes_detected ON changes(detected_at);

-- Two parties' events that contradict each other under `rule` (storage/contradictions.py); id as for changes.
CREATE TABLE contradiction_pairs (
        id TEXT PRIMARY KEY, topic TEXT, date TEXT NOT NULL, event_a INTEGER NOT NULL, event_b INTEGER NOT NULL,
        rule TEXT NOT NULL, detected_at TEXT NOT NULL
    );
CREATE INDEX contradiction_pairs_date ON contradiction_pairs(date);
CREATE INDEX contradiction_pairs_a ON contradiction_pairs(event_a);
CREATE INDEX contradiction_pairs_b ON contradiction_pairs(event_b);

-- Work for the next update_events: claims new or changed since the last one, events whose claims went.
CREATE TABLE timeline_queue (claim_id TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE timeline_dirty (event_id INTEGER PRIMARY KEY);

-- What held when: one row per event of a (topic, holder, claim_type), from valid_from (its date) until valid_to
-- (the date of the next event of the key, which ends it; '9999-12-31' while it still holds), with what the state
-- shows. Rows are placed for "which intervals contain day D": an interval of at most 2^level days sits in
-- bucket = (first day number) >> level, so those containing D are in bucket D >> level or the one before, at each
-- of 18 levels; open intervals have level 99 and bucket = first day number, intervals with a date that is not
-- ISO level -1. The placement SQL is storage/timeline_schema.py; update_events re-derives the intervals it
-- touches (storage/positions.py, refresh_intervals), a trigger below copies content changes at once.
CREATE TABLE position_intervals (
        level INTEGER NOT NULL, bucket INTEGER NOT NULL, topic TEXT NOT NULL, holder TEXT NOT NULL,
        claim_type TEXT NOT NULL, valid_from TEXT NOT NULL, event_id INTEGER NOT NULL, valid_to TEXT NOT NULL,
        negated INTEGER NOT NULL, target TEXT, speaker TEXT, evidence TEXT, url TEXT,
        PRIMARY KEY (level, bucket, valid_to, topic, holder, claim_type, valid_from, event_id)
    ) WITHOUT ROWID;
CREATE INDEX position_intervals_event ON position_intervals(valid_from, event_id);


-- =============================================================================================================
-- Reviews: what researchers said about the claims (storage/reviews.py). Kept apart from the claims, which a new
-- reading of an article replaces: a review names its claim by a stable key (article_id, start, end, topic, holder,
-- claim_type: the machine's claim as reviewed) and applies to whichever claim of a later reading has that key.
-- =============================================================================================================

-- The audit trail: every action, never edited or deleted. action: accept, reject, correct, add, or revert (undoes
-- review `reverts`). fields: a JSON object, the corrected fields (correct) or the added claim's (add); claim_id the
-- id the claim had when reviewed (for reading only: the key is what attaches).
CREATE TABLE reviews (
        id INTEGER PRIMARY KEY, action TEXT NOT NULL, reviewer TEXT NOT NULL, reviewed_at TEXT NOT NULL, note TEXT,
        article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, topic TEXT, holder TEXT,
        claim_type TEXT, claim_id TEXT, fields TEXT NOT NULL DEFAULT '{}', reverts INTEGER
    );
CREATE INDEX reviews_key ON reviews(article_id, start, "end", topic, holder, claim_type);

-- Where the trail leaves each reviewed key, derived from `reviews` after every action: review is accepted,
-- rejected, corrected or added; fields the corrections (and an added claim's fields) merged in order; added_id the
-- id ('added:N') of a claim the reader missed, used while no reading finds a claim with the same key.
CREATE TABLE claim_reviews (
        article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, topic TEXT, holder TEXT,
        claim_type TEXT, review TEXT NOT NULL, review_id INTEGER NOT NULL, reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL, fields TEXT NOT NULL, added_id TEXT
    );
CREATE INDEX claim_reviews_key ON claim_reviews(article_id, start, "end", topic, holder, claim_type);


-- --- Triggers: events never name a missing claim, and update_events only touches what moved ------------------

-- A new claim waits in the queue.
CREATE TRIGGER timeline_claim_insert AFTER INSERT ON claims BEGIN
        INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (new.id);
    END;

-- A deleted claim leaves its event at once (claim_ids, and the best quote if it was that claim's); the event is
-- marked for the next update to re-derive.
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

-- A claim changed in anything the timeline reads leaves its event as if deleted, and is queued again.
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

-- An article marked as a copy, moved to another source or date, or retitled: its claims' events are re-derived.
CREATE TRIGGER timeline_article_update AFTER UPDATE ON articles
    WHEN old.dup_of IS NOT new.dup_of OR old.source IS NOT new.source OR old.published IS NOT new.published
      OR old.url IS NOT new.url OR old.title IS NOT new.title
    BEGIN
        INSERT OR IGNORE INTO timeline_dirty (event_id)
        SELECT ec.event_id FROM claims c JOIN event_claims ec ON ec.claim_id = c.id WHERE c.article_id = new.id;
    END;

-- An event's quote, speaker, url, negation or target changed (a deleted best quote): its interval follows at once.
CREATE TRIGGER timeline_interval_content AFTER UPDATE OF negated, target, speaker, evidence, url ON events
    WHEN old.negated IS NOT new.negated OR old.target IS NOT new.target OR old.speaker IS NOT new.speaker
      OR old.evidence IS NOT new.evidence OR old.url IS NOT new.url
    BEGIN
        UPDATE position_intervals SET negated = new.negated, target = new.target, speaker = new.speaker,
               evidence = new.evidence, url = new.url
        WHERE topic = new.topic AND holder = new.holder AND claim_type = new.claim_type
          AND valid_from = new.event_date AND event_id = new.id;
    END;


-- --- Views: the timeline with its evidence, for Datasette and ad-hoc SQL ----------------------------------------
-- reviewed (timeline_events): how many of the event's claims a researcher reviewed and kept.

CREATE VIEW timeline_events AS
    SELECT id, topic, holder, claim_type, negated, target, event_date, last_date, first_seen, last_seen,
           corroboration, claims, articles, outlets, article_ids, claim_ids, evidence, speaker, url, title,
           best_claim_id,
           (CASE WHEN NOT EXISTS (SELECT 1 FROM claim_reviews) THEN 0 ELSE
               (SELECT count(*) FROM json_each(events.claim_ids) WHERE value IN
                   (SELECT id FROM claim_review_rows WHERE review != 'rejected')) END) AS reviewed
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

-- The claims as reviewed. claim_review_rows: each reviewed key with the claim it is about now (the reading's claim
-- with that key, or the added claim), the corrections laid over it; a review whose claim no reading finds any more
-- (orphaned) has no row here. reviewed_claims: what everything downstream reads (the events, so the state, changes,
-- contradictions and digest): the machine's claims without the reviewed ones, plus the reviewed ones not rejected;
-- review is NULL for a claim nobody reviewed, else accepted, corrected or added.
CREATE VIEW claim_review_rows AS
    SELECT COALESCE(c.id, r.added_id) AS id, r.article_id,
           CASE WHEN json_type(r.fields, '$.topic') IS NULL THEN c.topic ELSE json_extract(r.fields, '$.topic') END
               AS topic,
           CASE WHEN json_type(r.fields, '$.holder') IS NULL THEN c.holder ELSE json_extract(r.fields, '$.holder') END
               AS holder,
           CASE WHEN json_type(r.fields, '$.speaker') IS NULL THEN c.speaker
                ELSE json_extract(r.fields, '$.speaker') END AS speaker,
           CASE WHEN json_type(r.fields, '$.claim_type') IS NULL THEN c.claim_type
                ELSE json_extract(r.fields, '$.claim_type') END AS claim_type,
           CASE WHEN json_type(r.fields, '$.negated') IS NULL THEN c.negated
                ELSE json_extract(r.fields, '$.negated') END AS negated,
           CASE WHEN json_type(r.fields, '$.target') IS NULL THEN c.target ELSE json_extract(r.fields, '$.target') END
               AS target,
           CASE WHEN json_type(r.fields, '$.claim_date') IS NULL THEN c.claim_date
                ELSE json_extract(r.fields, '$.claim_date') END AS claim_date,
           COALESCE(c.evidence, substr(a.text, r.start + 1, r."end" - r.start)) AS evidence, r.start, r."end",
           COALESCE(c.source, a.source) AS source, c.via, COALESCE(c.confidence, 1.0) AS confidence,
           c.extractor_version, r.review, r.review_id, r.reviewer, r.reviewed_at, c.id AS machine_id
    FROM claim_reviews r
    LEFT JOIN claims c ON c.article_id = r.article_id AND c.start IS r.start AND c."end" IS r."end"
         AND c.topic IS r.topic AND c.holder IS r.holder AND c.claim_type IS r.claim_type
    LEFT JOIN articles a ON a.id = r.article_id
    WHERE c.id IS NOT NULL OR r.added_id IS NOT NULL;


CREATE VIEW reviewed_claims AS
    SELECT c.id, c.article_id, c.topic, c.holder, c.speaker, c.claim_type, c.negated, c.target, c.claim_date,
           c.evidence, c.start, c."end", c.source, c.via, c.confidence, c.extractor_version, NULL AS review
    FROM claims c
    WHERE NOT EXISTS (SELECT 1 FROM claim_reviews r WHERE r.article_id = c.article_id AND r.start IS c.start
                        AND r."end" IS c."end" AND r.topic IS c.topic AND r.holder IS c.holder
                        AND r.claim_type IS c.claim_type)
    UNION ALL
    SELECT id, article_id, topic, holder, speaker, claim_type, negated, target, claim_date, evidence, start, "end",
           source, via, confidence, extractor_version, review
    FROM claim_review_rows WHERE review != 'rejected';


-- =============================================================================================================
-- Near-duplicate candidates (after the tables above, as upgraded stores created it)
-- =============================================================================================================

-- The LSH bands of each article_minhash signature: 32 bands of 4 hash values, a band's key the 32 bytes of its
-- values. The crawl finds an article's near-duplicate candidates with index look-ups here instead of holding
-- every signature in memory (crawlers/dedup.py).
CREATE TABLE article_minhash_bands (
        band INTEGER NOT NULL, key BLOB NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band, key, article_id)
    ) WITHOUT ROWID;


-- =============================================================================================================
-- Watchlists and alerts (storage/alerts.py): matched after each timeline update, delivered by onrecord/alerts/
-- =============================================================================================================

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


-- =============================================================================================================
-- Backfills (storage/backfill.py, `onrecord backfill`): walks of a source's archive back in time, resumable
-- =============================================================================================================

-- One walk per source and date range (since, until: ISO dates, both included); kind: the archive's kind
-- (sitemap, dated_listing, feed_pages); finished_at: when every archive page of the walk had been read.
CREATE TABLE backfill_walks (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT, UNIQUE (source, since, until)
    );
-- The archive pages of a walk in walk order (seq): role index, sitemap, listing or feed; day: the date a listing
-- page stands for or a sitemap's lastmod; read_at is null until the page was read, with its links stored in the
-- same transaction; the first unread page is where a stopped walk resumes.
CREATE TABLE backfill_pages (
        walk_id INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT NOT NULL, role TEXT NOT NULL, day TEXT,
        read_at TEXT, links INTEGER, PRIMARY KEY (walk_id, seq)
    ) WITHOUT ROWID;
-- The article links the walk's pages gave (in its date range): those not stored yet are fetched when it resumes.
CREATE TABLE backfill_links (
        walk_id INTEGER NOT NULL, url TEXT NOT NULL, title TEXT, published TEXT, PRIMARY KEY (walk_id, url)
    ) WITHOUT ROWID;


-- =============================================================================================================
-- Revisions and withdrawals (storage/revisions.py): what an article said before its text changed or it was withdrawn
-- =============================================================================================================

-- Each replaced text of an article: version (1 is the first text stored), its title and text as they were, when it
-- was first seen (seen_from) and when a changed text replaced it (replaced_at). The current text is in articles.
CREATE TABLE article_versions (
        article_id TEXT NOT NULL REFERENCES articles(id), version INTEGER NOT NULL, title TEXT, text TEXT,
        content_hash TEXT, text_source TEXT, seen_from TEXT, replaced_at TEXT NOT NULL,
        PRIMARY KEY (article_id, version)
    );

-- Claims no longer on record: read from a text since replaced or from a withdrawn story (their offsets point into
-- the text of article_version: in article_versions, or in articles while it is the current one). Moved here out of
-- `claims`, so the events, positions, digest, alerts and Datasette's claims never count them; retired_why says
-- which ('revised: ...' or 'withdrawn: ...').
CREATE TABLE retired_claims (
        id TEXT NOT NULL, article_id TEXT NOT NULL REFERENCES articles(id),
        topic TEXT, holder TEXT, speaker TEXT, claim_type TEXT, negated INTEGER NOT NULL, target TEXT,
        claim_date TEXT, evidence TEXT, start INTEGER, "end" INTEGER, source TEXT, via TEXT, confidence REAL,
        extractor_version TEXT, article_version INTEGER NOT NULL, retired_at TEXT NOT NULL, retired_why TEXT NOT NULL,
        PRIMARY KEY (id, retired_at)
    );
CREATE INDEX retired_claims_article ON retired_claims(article_id);
CREATE INDEX retired_claims_timeline ON retired_claims(topic, holder, claim_date);
