"""Batched writes: many small atomic items in one transaction, committed every so many items or seconds.

A commit per item costs more than the write itself when a crawl stores hundreds of pages a second; each
item stays atomic on its own (a savepoint). A process killed mid-batch loses at most that batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import sqlite_utils


class Batch:
    def __init__(self, db: sqlite_utils.Database, max_items: int, max_seconds: float) -> None:
        self.db = db
        self.max_items = max_items
        self.max_seconds = max_seconds
        self._started: float | None = None
        self._items = 0
        self.commits = 0  # batches committed so far: an item written now is committed with batch number `commits`

    @contextmanager
    def item(self) -> Iterator[None]:
        """One item's writes, atomic (a savepoint) inside the current batch transaction."""
        conn = self.db.conn
        if not conn.in_transaction:
            conn.execute("BEGIN IMMEDIATE")
            self._started, self._items = time.monotonic(), 0
        conn.execute("SAVEPOINT item")
        try:
            yield
        except BaseException:
            if conn.in_transaction:  # SQLite itself rolls the whole transaction back on some errors (a full disk)
                conn.execute("ROLLBACK TO item")
                conn.execute("RELEASE item")
            raise
        conn.execute("RELEASE item")
        self._items += 1
        if self._items >= self.max_items:
            self.flush()
        else:
            self.flush_if_stale()

    def flush_if_stale(self) -> None:
        """Commit a batch that has been open max_seconds (called per item and by a timer)."""
        if self._started is not None and time.monotonic() - self._started >= self.max_seconds:
            self.flush()

    def forget(self) -> None:
        """Start afresh after the connection's transaction was rolled back (its items are lost)."""
        self._started, self._items = None, 0

    def flush(self) -> None:
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")
            self.commits += 1
        self._started = None
