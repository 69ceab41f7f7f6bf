"""The crawl pass's one writer to the store: fetch rows and deduplicated articles, in batched transactions.

Every spider of a pass shares it (one connection, one near-duplicate index), so two spiders never wait on
each other's write lock inside the one reactor thread. Writes are grouped into one transaction per
BATCH_ITEMS items or BATCH_SECONDS, whichever comes first (a commit per item cost more than the write);
each item is still atomic on its own (a savepoint). A pass killed mid-batch loses at most that batch's
rows, which the next pass fetches again: a source counts as done only when its pass completed.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import replace
from typing import Iterator

import sqlite_utils
from datasketch import MinHash

from onrecord.crawlers.dedup import NearDuplicateIndex
from onrecord.core.config import Config
from onrecord.core.records import Article, Fetch
from onrecord.storage.articles import article_by_hash, save_article
from onrecord.storage.db import open_store
from onrecord.storage.fetches import record_fetch
from onrecord.storage.sources import sync_config

BATCH_ITEMS = 200
BATCH_SECONDS = 1.0


class StoreWriter:
    def __init__(self, db: sqlite_utils.Database, near_duplicate_threshold: float) -> None:
        self.db = db
        self.index = NearDuplicateIndex.load(db, near_duplicate_threshold)
        self._batch_started: float | None = None
        self._batch_items = 0

    @classmethod
    def open(cls, config: Config, db_path: str) -> "StoreWriter":
        db = open_store(db_path)
        sync_config(db, config)
        return cls(db, config.crawl.near_duplicate_threshold)

    def record(self, fetch: Fetch) -> None:
        with self._item():
            record_fetch(self.db, fetch)

    def save(self, article: Article, fetch: Fetch, minhash: MinHash | None) -> str:
        """Store the article (linked to the original it duplicates, if any) and its fetch; return the outcome:
        new, updated, unchanged or duplicate."""
        with self._item():
            previous = self.db.execute("SELECT content_hash, dup_of FROM articles WHERE id = ?",
                                       [article.id]).fetchone()
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
        same = article_by_hash(self.db, article.content_hash)
        if same and same != article.id:
            row = self.db.execute("SELECT dup_of FROM articles WHERE id = ?", [same]).fetchone()
            return (row[0] if row and row[0] else same)
        return self.index.find(article.id, minhash)

    @contextmanager
    def _item(self) -> Iterator[None]:
        """One item's writes, atomic (a savepoint) inside the current batch transaction."""
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self._batch_started, self._batch_items = time.monotonic(), 0
        conn.execute("SAVEPOINT item")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK TO item")
            conn.execute("RELEASE item")
            raise
        conn.execute("RELEASE item")
        self._batch_items += 1
        if self._batch_items >= BATCH_ITEMS:
            self.flush()
        else:
            self.flush_if_stale()

    def flush_if_stale(self) -> None:
        """Commit a batch that has been open BATCH_SECONDS (called per item and by a timer)."""
        if self._batch_started is not None and time.monotonic() - self._batch_started >= BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
        self._batch_started = None

    def close(self) -> None:
        self.flush()
        self.db.conn.close()
