-- Upgrade step 17: a store at version 16 to version 17. Frozen: never edit it once shipped.
--
-- Revisions and withdrawals (crawlers/revisits.py, storage/revisions.py). Recent articles are fetched again; a
-- changed text replaces the article's text, the replaced one is kept in article_versions and the claims read from
-- it move to retired_claims (with when and why), so every claim left in `claims` quotes the current text. A story
-- that answers 404 or 410 after it was stored is marked withdrawn (status, withdrawn_at, withdrawn_why), never
-- deleted; its claims are retired too. Articles stored before this step are at version 1 and live.

ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN revised_at TEXT;
ALTER TABLE articles ADD COLUMN status TEXT NOT NULL DEFAULT 'live';
ALTER TABLE articles ADD COLUMN withdrawn_at TEXT;
ALTER TABLE articles ADD COLUMN withdrawn_why TEXT;

CREATE TABLE article_versions (
        article_id TEXT NOT NULL REFERENCES articles(id), version INTEGER NOT NULL, title TEXT, text TEXT,
        content_hash TEXT, text_source TEXT, seen_from TEXT, replaced_at TEXT NOT NULL,
        PRIMARY KEY (article_id, version)
    );

CREATE TABLE retired_claims (
        id TEXT NOT NULL, article_id TEXT NOT NULL REFERENCES articles(id),
        topic TEXT, holder TEXT, speaker TEXT, claim_type TEXT, negated INTEGER NOT NULL, target TEXT,
        claim_date TEXT, evidence TEXT, start INTEGER, "end" INTEGER, source TEXT, via TEXT, confidence REAL,
        extractor_version TEXT, article_version INTEGER NOT NULL, retired_at TEXT NOT NULL, retired_why TEXT NOT NULL,
        PRIMARY KEY (id, retired_at)
    );
CREATE INDEX retired_claims_article ON retired_claims(article_id);
CREATE INDEX retired_claims_timeline ON retired_claims(topic, holder, claim_date);
