-- Upgrade step 1: a store at version 0 to version 1. Frozen: never edit it once shipped.
-- (Named 001_core in the `_migrations` table of stores made before storage/schema.sql.)
--
-- The first store: sources, fetches, articles and their URLs, reference tables, claims, extractions, and
-- full-text search over articles and claims (the SQL sqlite-utils' enable_fts wrote, frozen here).

CREATE TABLE sources (
        id TEXT PRIMARY KEY, name TEXT, kind TEXT, url TEXT, language TEXT, speaks_for TEXT,
        interval TEXT, enabled INTEGER, last_success TEXT, last_error TEXT, last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0, backoff_until TEXT
    );

CREATE TABLE fetches (
        id INTEGER PRIMARY KEY, source TEXT REFERENCES sources(id), url TEXT NOT NULL, kind TEXT,
        status INTEGER, error TEXT, etag TEXT, last_modified TEXT, final_url TEXT, bytes INTEGER,
        outcome TEXT, fetched_at TEXT NOT NULL
    );

CREATE INDEX fetches_url ON fetches(url, fetched_at);

CREATE INDEX fetches_source ON fetches(source, fetched_at);

CREATE TABLE articles (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, canonical_url TEXT NOT NULL UNIQUE, final_url TEXT,
        source TEXT REFERENCES sources(id), title TEXT, published TEXT, fetched_at TEXT, language TEXT,
        text TEXT, content_hash TEXT, dup_of TEXT REFERENCES articles(id), via TEXT, speaks_for TEXT
    );

CREATE INDEX articles_content_hash ON articles(content_hash);

CREATE INDEX articles_source_published ON articles(source, published);

CREATE TABLE article_urls (
        url TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id), kind TEXT
    );

CREATE TABLE parties (id TEXT PRIMARY KEY, name TEXT);

CREATE TABLE topics (id TEXT PRIMARY KEY, description TEXT);

CREATE TABLE claim_types (id TEXT PRIMARY KEY, description TEXT);

CREATE TABLE claims (
        id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
        topic TEXT REFERENCES topics(id), holder TEXT REFERENCES parties(id), speaker TEXT,
        claim_type TEXT REFERENCES claim_types(id), negated INTEGER NOT NULL, target TEXT REFERENCES parties(id),
        claim_date TEXT, evidence TEXT, start INTEGER, "end" INTEGER, source TEXT REFERENCES sources(id),
        via TEXT, confidence REAL, extractor_version TEXT
    );

CREATE INDEX claims_timeline ON claims(topic, holder, claim_date);

CREATE INDEX claims_article ON claims(article_id);

CREATE TABLE extractions (
        article_id TEXT NOT NULL REFERENCES articles(id), extractor_version TEXT NOT NULL,
        extracted_at TEXT NOT NULL, claims INTEGER NOT NULL,
        PRIMARY KEY (article_id, extractor_version)
    );

CREATE VIRTUAL TABLE "articles_fts" USING FTS5 (
    "title", "text",
    tokenize='unicode61',
    content="articles"
);

INSERT INTO "articles_fts" (rowid, "title", "text")
    SELECT rowid, "title", "text" FROM "articles";

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

INSERT INTO "claims_fts" (rowid, "evidence", "speaker")
    SELECT rowid, "evidence", "speaker" FROM "claims";

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
