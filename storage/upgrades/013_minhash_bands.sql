-- Upgrade step 13: a store at version 12 to version 13. Frozen: never edit it once shipped.
--
-- The LSH bands of every stored MinHash signature, in an index the crawl queries per new article instead of
-- loading every signature into memory (crawlers/dedup.py): 32 bands of 4 hash values, each band's key the
-- 32 bytes of its 4 values (8 bytes each) as stored in article_minhash.signature. Signatures of another length
-- (damaged rows) get no bands.

CREATE TABLE article_minhash_bands (
        band INTEGER NOT NULL, key BLOB NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY (band, key, article_id)
    ) WITHOUT ROWID;

INSERT OR IGNORE INTO article_minhash_bands (band, key, article_id)
    WITH RECURSIVE bands(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM bands WHERE n < 31)
    SELECT bands.n, substr(m.signature, 1 + bands.n * 32, 32), m.article_id
    FROM article_minhash m, bands WHERE length(m.signature) = 1024;
