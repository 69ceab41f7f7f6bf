-- Upgrade step 16: a store at version 15 to version 16. Frozen: never edit it once shipped.
--
-- Backfills (storage/backfill.py, `onrecord backfill`): one walk per source and date range; the archive pages it
-- reads, in walk order (the cursor: the first page not read yet); and the article links those pages gave, so a
-- walk that was stopped resumes where it stopped without reading an archive page or an article twice.

CREATE TABLE backfill_walks (
        id INTEGER PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL, since TEXT NOT NULL, until TEXT NOT NULL,
        started_at TEXT NOT NULL, finished_at TEXT, UNIQUE (source, since, until)
    );
CREATE TABLE backfill_pages (
        walk_id INTEGER NOT NULL, seq INTEGER NOT NULL, url TEXT NOT NULL, role TEXT NOT NULL, day TEXT,
        read_at TEXT, links INTEGER, PRIMARY KEY (walk_id, seq)
    ) WITHOUT ROWID;
CREATE TABLE backfill_links (
        walk_id INTEGER NOT NULL, url TEXT NOT NULL, title TEXT, published TEXT, PRIMARY KEY (walk_id, url)
    ) WITHOUT ROWID;
