-- Upgrade step 7: a store at version 6 to version 7. Frozen: never edit it once shipped.
-- (Named 006_timeline_intervals in the `_migrations` table of stores made before storage/schema.sql.)
--
-- Position intervals, so "state as of a date" is a few index range scans. One row per event of a (topic,
-- holder, claim_type), from its date until the date of the next event of the key (or '9999-12-31'), placed by
-- (level, bucket) for range search (see storage/schema.sql and storage/timeline_schema.py). Row triggers on
-- `events` keep the table equal to the events; covering indexes serve the claims timeline.

CREATE TABLE position_intervals (
        level INTEGER NOT NULL, bucket INTEGER NOT NULL, topic TEXT NOT NULL, holder TEXT NOT NULL,
        claim_type TEXT NOT NULL, valid_from TEXT NOT NULL, event_id INTEGER NOT NULL, valid_to TEXT NOT NULL,
        negated INTEGER NOT NULL, target TEXT, speaker TEXT, evidence TEXT, url TEXT,
        PRIMARY KEY (level, bucket, valid_to, topic, holder, claim_type, valid_from, event_id)
    ) WITHOUT ROWID;

CREATE INDEX position_intervals_key ON position_intervals(topic, holder, claim_type, valid_from, event_id);

INSERT INTO position_intervals
        SELECT (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END), topic, holder, claim_type, event_date, id, s.valid_to,
               negated, target, speaker, evidence, url
        FROM (SELECT *, next_date AS valid_to, (CASE WHEN date(julianday(event_date)) = event_date THEN CAST(julianday(event_date) AS INTEGER) END) AS lo, (CASE WHEN date(julianday(next_date)) = next_date THEN CAST(julianday(next_date) AS INTEGER) END) - (CASE WHEN date(julianday(event_date)) = event_date THEN CAST(julianday(event_date) AS INTEGER) END) AS n FROM (
                SELECT *, lead(event_date, 1, '9999-12-31') OVER (
                    PARTITION BY topic, holder, claim_type ORDER BY event_date, id) AS next_date
                FROM events WHERE topic IS NOT NULL AND holder IS NOT NULL AND claim_type IS NOT NULL)) s;

CREATE TRIGGER timeline_interval_insert AFTER INSERT ON events BEGIN 
        INSERT INTO position_intervals (level, bucket, topic, holder, claim_type, valid_from, event_id, valid_to,
                                        negated, target, speaker, evidence, url)
        SELECT (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END), new.topic, new.holder, new.claim_type, new.event_date, new.id,
               s.valid_to, new.negated, new.target, new.speaker, new.evidence, new.url
        FROM (SELECT nxt.valid_to AS valid_to, (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) AS lo, (CASE WHEN date(julianday(nxt.valid_to)) = nxt.valid_to THEN CAST(julianday(nxt.valid_to) AS INTEGER) END) - (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) AS n
              FROM (SELECT COALESCE((SELECT x.valid_from FROM position_intervals x WHERE x.topic = new.topic AND x.holder = new.holder AND x.claim_type = new.claim_type
             AND (x.valid_from, x.event_id) > (new.event_date, new.id) ORDER BY x.valid_from, x.event_id LIMIT 1), '9999-12-31') AS valid_to) nxt) s
        WHERE new.topic IS NOT NULL AND new.holder IS NOT NULL AND new.claim_type IS NOT NULL;
        
        UPDATE position_intervals SET valid_to = s.valid_to, level = (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), bucket = (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END)
        FROM (SELECT p.valid_from, p.event_id, new.event_date AS valid_to, (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS lo, (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) - (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS n
              FROM (SELECT x.valid_from, x.event_id FROM position_intervals x WHERE x.topic = new.topic AND x.holder = new.holder AND x.claim_type = new.claim_type
                AND (x.valid_from, x.event_id) < (new.event_date, new.id)
                ORDER BY x.valid_from DESC, x.event_id DESC LIMIT 1) p) s
        WHERE position_intervals.topic = new.topic AND position_intervals.holder = new.holder
          AND position_intervals.claim_type = new.claim_type AND position_intervals.valid_from = s.valid_from
          AND position_intervals.event_id = s.event_id;
    END;

CREATE TRIGGER timeline_interval_delete AFTER DELETE ON events BEGIN 
        
        UPDATE position_intervals SET valid_to = s.valid_to, level = (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), bucket = (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END)
        FROM (SELECT p.valid_from, p.event_id, (SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id) AS valid_to, (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS lo, (CASE WHEN date(julianday((SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id))) = (SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id) THEN CAST(julianday((SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id)) AS INTEGER) END) - (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS n
              FROM (SELECT x.valid_from, x.event_id FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
                AND (x.valid_from, x.event_id) < (old.event_date, old.id)
                ORDER BY x.valid_from DESC, x.event_id DESC LIMIT 1) p) s
        WHERE position_intervals.topic = old.topic AND position_intervals.holder = old.holder
          AND position_intervals.claim_type = old.claim_type AND position_intervals.valid_from = s.valid_from
          AND position_intervals.event_id = s.event_id;
        DELETE FROM position_intervals WHERE topic = old.topic AND holder = old.holder
          AND claim_type = old.claim_type AND valid_from = old.event_date AND event_id = old.id;
    END;

CREATE TRIGGER timeline_interval_move AFTER UPDATE OF id, topic, holder, claim_type, event_date ON events
    WHEN old.id IS NOT new.id OR old.topic IS NOT new.topic OR old.holder IS NOT new.holder
      OR old.claim_type IS NOT new.claim_type OR old.event_date IS NOT new.event_date
    BEGIN 
        
        UPDATE position_intervals SET valid_to = s.valid_to, level = (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), bucket = (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END)
        FROM (SELECT p.valid_from, p.event_id, (SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id) AS valid_to, (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS lo, (CASE WHEN date(julianday((SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id))) = (SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id) THEN CAST(julianday((SELECT x.valid_to FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
               AND x.valid_from = old.event_date AND x.event_id = old.id)) AS INTEGER) END) - (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS n
              FROM (SELECT x.valid_from, x.event_id FROM position_intervals x WHERE x.topic = old.topic AND x.holder = old.holder AND x.claim_type = old.claim_type
                AND (x.valid_from, x.event_id) < (old.event_date, old.id)
                ORDER BY x.valid_from DESC, x.event_id DESC LIMIT 1) p) s
        WHERE position_intervals.topic = old.topic AND position_intervals.holder = old.holder
          AND position_intervals.claim_type = old.claim_type AND position_intervals.valid_from = s.valid_from
          AND position_intervals.event_id = s.event_id;
        DELETE FROM position_intervals WHERE topic = old.topic AND holder = old.holder
          AND claim_type = old.claim_type AND valid_from = old.event_date AND event_id = old.id; 
        INSERT INTO position_intervals (level, bucket, topic, holder, claim_type, valid_from, event_id, valid_to,
                                        negated, target, speaker, evidence, url)
        SELECT (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END), new.topic, new.holder, new.claim_type, new.event_date, new.id,
               s.valid_to, new.negated, new.target, new.speaker, new.evidence, new.url
        FROM (SELECT nxt.valid_to AS valid_to, (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) AS lo, (CASE WHEN date(julianday(nxt.valid_to)) = nxt.valid_to THEN CAST(julianday(nxt.valid_to) AS INTEGER) END) - (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) AS n
              FROM (SELECT COALESCE((SELECT x.valid_from FROM position_intervals x WHERE x.topic = new.topic AND x.holder = new.holder AND x.claim_type = new.claim_type
             AND (x.valid_from, x.event_id) > (new.event_date, new.id) ORDER BY x.valid_from, x.event_id LIMIT 1), '9999-12-31') AS valid_to) nxt) s
        WHERE new.topic IS NOT NULL AND new.holder IS NOT NULL AND new.claim_type IS NOT NULL;
        
        UPDATE position_intervals SET valid_to = s.valid_to, level = (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END), bucket = (CASE WHEN s.lo IS NULL THEN 0 WHEN s.valid_to = '9999-12-31' THEN s.lo WHEN s.n IS NULL THEN 0 ELSE s.lo >> (CASE WHEN s.valid_to = '9999-12-31' THEN 99 WHEN s.n IS NULL THEN -1 WHEN s.n <= 1 THEN 0 WHEN s.n <= 2 THEN 1 WHEN s.n <= 4 THEN 2 WHEN s.n <= 8 THEN 3 WHEN s.n <= 16 THEN 4 WHEN s.n <= 32 THEN 5 WHEN s.n <= 64 THEN 6 WHEN s.n <= 128 THEN 7 WHEN s.n <= 256 THEN 8 WHEN s.n <= 512 THEN 9 WHEN s.n <= 1024 THEN 10 WHEN s.n <= 2048 THEN 11 WHEN s.n <= 4096 THEN 12 WHEN s.n <= 8192 THEN 13 WHEN s.n <= 16384 THEN 14 WHEN s.n <= 32768 THEN 15 WHEN s.n <= 65536 THEN 16 ELSE 17 END) END)
        FROM (SELECT p.valid_from, p.event_id, new.event_date AS valid_to, (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS lo, (CASE WHEN date(julianday(new.event_date)) = new.event_date THEN CAST(julianday(new.event_date) AS INTEGER) END) - (CASE WHEN date(julianday(p.valid_from)) = p.valid_from THEN CAST(julianday(p.valid_from) AS INTEGER) END) AS n
              FROM (SELECT x.valid_from, x.event_id FROM position_intervals x WHERE x.topic = new.topic AND x.holder = new.holder AND x.claim_type = new.claim_type
                AND (x.valid_from, x.event_id) < (new.event_date, new.id)
                ORDER BY x.valid_from DESC, x.event_id DESC LIMIT 1) p) s
        WHERE position_intervals.topic = new.topic AND position_intervals.holder = new.holder
          AND position_intervals.claim_type = new.claim_type AND position_intervals.valid_from = s.valid_from
          AND position_intervals.event_id = s.event_id;
    END;

CREATE TRIGGER timeline_interval_content AFTER UPDATE OF negated, target, speaker, evidence, url ON events
    WHEN old.negated IS NOT new.negated OR old.target IS NOT new.target OR old.speaker IS NOT new.speaker
      OR old.evidence IS NOT new.evidence OR old.url IS NOT new.url
    BEGIN
        UPDATE position_intervals SET negated = new.negated, target = new.target, speaker = new.speaker,
               evidence = new.evidence, url = new.url
        WHERE topic = new.topic AND holder = new.holder AND claim_type = new.claim_type
          AND valid_from = new.event_date AND event_id = new.id;
    END;

CREATE INDEX IF NOT EXISTS claims_timeline_read ON claims(topic, holder, claim_date, id, article_id,
        claim_type, negated, target, source, via, speaker, evidence);

CREATE INDEX IF NOT EXISTS articles_timeline_read ON articles(id, url, title, source, published, fetched_at);
