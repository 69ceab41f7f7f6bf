-- Upgrade step 15: a store at version 14 to version 15. Frozen: never edit it once shipped.
--
-- Which text an article holds and where its date came from (crawlers/extract.py, crawlers/dates.py):
-- text_source is 'page' (extracted from the article page) or 'feed' (the text its feed entry carried, kept
-- when the page could not be had or gave less); published_from says which date was stored ('feed', 'page',
-- or the feed's wall-clock time with its offset corrected by the zone rules, 'feed, offset corrected').
-- Articles stored before this step hold their page's text.

ALTER TABLE articles ADD COLUMN text_source TEXT;
ALTER TABLE articles ADD COLUMN published_from TEXT;
UPDATE articles SET text_source = 'page';
