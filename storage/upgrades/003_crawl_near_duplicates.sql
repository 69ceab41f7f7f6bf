-- Upgrade step 3: a store at version 2 to version 3. Frozen: never edit it once shipped.
-- (Named 004_crawl_near_duplicates in the `_migrations` table of stores made before storage/schema.sql.)
--
-- MinHash signatures of stored articles, so near-duplicates are found across crawl runs.

CREATE TABLE article_minhash (article_id TEXT PRIMARY KEY REFERENCES articles(id), signature BLOB NOT NULL);
