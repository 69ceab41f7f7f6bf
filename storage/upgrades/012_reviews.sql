-- Upgrade step 12: a store at version 11 to version 12. Frozen: never edit it once shipped.
--
-- Reviews (storage/reviews.py): researchers' accept / reject / correct / add actions on claims, kept apart from
-- the machine's claims and re-attached to them by a stable key; the reviewed claims as views; timeline_events counts an
-- event's reviewed claims.

CREATE TABLE reviews (
        id INTEGER PRIMARY KEY, action TEXT NOT NULL, reviewer TEXT NOT NULL, reviewed_at TEXT NOT NULL, note TEXT,
        article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, topic TEXT, holder TEXT,
        claim_type TEXT, claim_id TEXT, fields TEXT NOT NULL DEFAULT '{}', reverts INTEGER
    );

CREATE INDEX reviews_key ON reviews(article_id, start, "end", topic, holder, claim_type);

CREATE TABLE claim_reviews (
        article_id TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, topic TEXT, holder TEXT,
        claim_type TEXT, review TEXT NOT NULL, review_id INTEGER NOT NULL, reviewer TEXT NOT NULL,
        reviewed_at TEXT NOT NULL, fields TEXT NOT NULL, added_id TEXT
    );

CREATE INDEX claim_reviews_key ON claim_reviews(article_id, start, "end", topic, holder, claim_type);

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

DROP VIEW timeline_events;

CREATE VIEW timeline_events AS
    SELECT id, topic, holder, claim_type, negated, target, event_date, last_date, first_seen, last_seen,
           corroboration, claims, articles, outlets, article_ids, claim_ids, evidence, speaker, url, title,
           best_claim_id,
           (CASE WHEN NOT EXISTS (SELECT 1 FROM claim_reviews) THEN 0 ELSE
               (SELECT count(*) FROM json_each(events.claim_ids) WHERE value IN
                   (SELECT id FROM claim_review_rows WHERE review != 'rejected')) END) AS reviewed
    FROM events;
