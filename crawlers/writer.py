"""The crawl pass's one writer to the store: fetch rows and deduplicated articles, in batched transactions.

The spider and the pipeline share it (one connection, one near-duplicate index). Writes are grouped into one
transaction per BATCH_ITEMS items or BATCH_SECONDS, whichever comes first (storage.batches); a pass killed
mid-batch loses at most that batch's rows, which the next pass fetches again: a source counts as done only
when its pass completed.
"""

from __future__ import annotations

from dataclasses import replace

import sqlite_utils
from datasketch import MinHash

from onrecord.core.config import Config
from onrecord.core.records import Article, Fetch, FetchOutcome
from onrecord.crawlers.dedup import NearDuplicateIndex
from onrecord.storage.articles import article_by_hash, save_article, stored_version
from onrecord.storage.batches import Batch
from onrecord.storage.db import open_store
from onrecord.storage.fetches import record_fetch
from onrecord.storage.sources import sync_config

BATCH_ITEMS = 200
BATCH_SECONDS = 1.0


class StoreWriter:
    def __init__(self, db: sqlite_utils.Database, near_duplicate_threshold: float) -> None:
        self.db = db
        self.index = NearDuplicateIndex.load(db, near_duplicate_threshold)
        self.batch = Batch(db, BATCH_ITEMS, BATCH_SECONDS)

    @classmethod
    def open(cls, config: Config, db_path: str) -> StoreWriter:
        db = open_store(db_path)
        sync_config(db, config)
        return cls(db, config.crawl.near_duplicate_threshold)

    def record(self, fetch: Fetch) -> None:
        with self.batch.item():
            record_fetch(self.db, fetch)

    def save(self, article: Article, fetch: Fetch, minhash: MinHash | None) -> FetchOutcome:
        """Store the article (linked to the original it duplicates, if any) and its fetch; return the outcome:
        new, updated, unchanged or duplicate."""
        with self.batch.item():
            previous = stored_version(self.db, article.id)
            outcome: FetchOutcome
            if previous and previous[0] == article.content_hash:
                outcome, dup_of = "unchanged", previous[1]
            else:
                dup_of = self._original_of(article, minhash)
                outcome = "duplicate" if dup_of else ("updated" if previous else "new")
            article = replace(article, dup_of=dup_of)
            save_article(self.db, article)
            self.index.remember(self.db, article.id, minhash, dup_of)
            record_fetch(self.db, replace(fetch, outcome=outcome))
        return outcome

    def _original_of(self, article: Article, minhash: MinHash | None) -> str | None:
        """The stored article this one copies: same text exactly, else nearly the same (MinHash)."""
        same = article_by_hash(self.db, article.content_hash) if article.content_hash else None
        if same and same != article.id:
            stored = stored_version(self.db, same)
            return stored[1] if stored and stored[1] else same
        return self.index.find(article.id, minhash)

    def flush_if_stale(self) -> None:
        self.batch.flush_if_stale()

    def flush(self) -> None:
        self.batch.flush()

    def close(self) -> None:
        self.flush()
        self.db.conn.close()
