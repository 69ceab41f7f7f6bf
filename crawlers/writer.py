"""The crawl pass's one writer to the store: fetch rows and deduplicated articles, in batched transactions.

The spider and the pipeline share it (one connection, one near-duplicate index). Writes are grouped into one
transaction per BATCH_ITEMS items or BATCH_SECONDS, whichever comes first (storage.batches); a pass killed
mid-batch loses at most that batch's rows, which the next pass fetches again: a source counts as done only
when its pass completed.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import sqlite_utils
from datasketch import MinHash

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.core.records import Article, Fetch, FetchOutcome
from onrecord.crawlers.dedup import NearDuplicateIndex
from onrecord.storage.articles import article_by_hash, article_id_for_url, save_article, stored_version
from onrecord.storage.batches import Batch
from onrecord.storage.db import open_store
from onrecord.storage.fetches import record_fetch
from onrecord.storage.revisions import keep_version, restore, stored_article, withdraw
from onrecord.storage.sources import sync_config

BATCH_ITEMS = 200
BATCH_SECONDS = 1.0


class StoreFull(OnrecordError):
    """The store's disk (or its size limit) is full: nothing more can be written in this pass."""


def _is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "full" in str(exc).lower()


@contextmanager
def _full_is_one_error(path: str) -> Iterator[None]:
    """SQLITE_FULL -> StoreFull, with the open transaction rolled back (its batch is lost; the next pass redoes it)."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not _is_full(exc):
            raise
        raise StoreFull(f"{path}: store full ({exc}); stopped writing") from None


class StoreWriter:
    def __init__(self, db: sqlite_utils.Database, near_duplicate_threshold: float, path: str = "store") -> None:
        self.db = db
        self.path = path
        self.full: StoreFull | None = None  # set once the store is full: every later write is skipped
        self.index = NearDuplicateIndex.load(db, near_duplicate_threshold)
        self.batch = Batch(db, BATCH_ITEMS, BATCH_SECONDS)

    @classmethod
    def open(cls, config: Config, db_path: str) -> StoreWriter:
        db = open_store(db_path)
        # Pages through SQLite's own small cache, not the store's memory map: a pass touches a few index pages per
        # article all over the file (32 LSH bands, the full-text index), and each touch of a mapped page faults
        # in its neighbours too, so the mapped part of the pass's memory would grow with the store (75 MB more
        # at 20,000 articles, 146 MB at 100,000; benchmarks/crawl_memory.py).
        db.execute("PRAGMA mmap_size = 0")
        with _full_is_one_error(str(db_path)):
            sync_config(db, config)
        return cls(db, config.crawl.near_duplicate_threshold, str(db_path))

    @contextmanager
    def _writing(self) -> Iterator[None]:
        if self.full is not None:
            raise self.full
        try:
            with _full_is_one_error(self.path):
                yield
        except StoreFull as exc:
            self.full = exc
            self._roll_back()
            raise

    def _roll_back(self) -> None:
        try:
            if self.db.conn.in_transaction:
                self.db.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass
        self.batch.forget()

    def record(self, fetch: Fetch) -> None:
        with self._writing(), self.batch.item():
            record_fetch(self.db, fetch)

    def save(self, article: Article, fetch: Fetch, minhash: MinHash | None) -> FetchOutcome:
        """Store the article (linked to the original it duplicates, if any) and its fetch; return the outcome:
        new, updated (a stored article's text changed: the old text is kept as a version and its claims retired),
        unchanged or duplicate. A withdrawn article that answers again is live again."""
        with self._writing(), self.batch.item():
            previous = stored_article(self.db, article.id)
            outcome: FetchOutcome
            if previous and previous.content_hash == article.content_hash:
                outcome, dup_of = "unchanged", previous.dup_of
            else:
                dup_of = self._original_of(article, minhash)
                outcome = "duplicate" if dup_of else ("updated" if previous else "new")
                if previous:
                    keep_version(self.db, article.id, fetch.fetched_at)
            if previous:  # a revision keeps the date the story was first published with
                article = replace(article, published=previous.published, published_from=previous.published_from)
                if previous.withdrawn:
                    restore(self.db, article.id)
            article = replace(article, dup_of=dup_of)
            save_article(self.db, article)
            self.index.remember(self.db, article.id, minhash, dup_of)
            record_fetch(self.db, replace(fetch, outcome=outcome))
        return outcome

    def withdraw(self, fetch: Fetch) -> bool:
        """A stored article's page answered 404 or 410 (a fetch with outcome "withdrawn"): flag the article its URL
        names withdrawn (its claims retired) and record the fetch; True when it was live until now."""
        with self._writing(), self.batch.item():
            article_id = article_id_for_url(self.db, fetch.url)
            first = article_id is not None and withdraw(
                self.db, article_id, fetch.fetched_at, fetch.error or f"HTTP {fetch.status}"
            )
            record_fetch(self.db, fetch)
        return first

    def _original_of(self, article: Article, minhash: MinHash | None) -> str | None:
        """The stored article this one copies: same text exactly, else nearly the same (MinHash)."""
        same = article_by_hash(self.db, article.content_hash) if article.content_hash else None
        if same and same != article.id:
            stored = stored_version(self.db, same)
            return stored[1] if stored and stored[1] else same
        return self.index.find(article.id, minhash)

    def flush_if_stale(self) -> None:
        if self.full is None:
            with contextlib.suppress(StoreFull), self._writing():
                self.batch.flush_if_stale()

    def flush(self) -> None:
        """Commit the open batch; raises StoreFull when the store is (or becomes) full."""
        with self._writing():
            self.batch.flush()

    def close(self) -> None:
        with contextlib.suppress(StoreFull):
            self.flush()
        self.db.conn.close()
