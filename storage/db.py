"""Open the store: one SQLite file in WAL mode, created or upgraded on open, with a busy timeout.

WAL lets readers (Datasette, `onrecord timeline`) browse while the pipeline writes; writers take the
write lock up front (BEGIN IMMEDIATE) so two writers queue instead of failing half-way. A store opened
read-only (the read commands) is never written: not created, not upgraded, no lock taken.
"""

from __future__ import annotations

import functools
import gc
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from onrecord.core.errors import StoreError
from onrecord.storage.migrations import migrate, schema_version, store_version

BUSY_TIMEOUT_MS = 30_000


def open_store(path: str | Path, *, migrate_schema: bool = True, read_only: bool = False) -> sqlite_utils.Database:
    """Open the store at `path` in WAL mode: created if missing and brought to the current schema.

    read_only: open it as it is, for reading only (SQLite's mode=ro and query_only). Nothing is created or
    upgraded; a missing store, or one at an older schema, is a StoreError saying which writing command fixes it.
    """
    path = Path(path)
    if read_only:
        try:
            return _open_read_only(path)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path}: cannot open store: {exc}") from None
    try:
        if path.parent and not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        _tune(conn)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = OFF")
        db = sqlite_utils.Database(conn)
        if migrate_schema:
            migrate(db)
        return db
    except (sqlite3.DatabaseError, StoreError) as exc:
        raise StoreError(f"{path}: cannot open store: {exc}") from None


def _open_read_only(path: Path) -> sqlite_utils.Database:
    if not path.is_file():
        raise StoreError(
            f"{path}: store not found; run a writing command (onrecord crawl, extract or demo) to "
            f"create it, or pass --db"
        )
    conn = _connect_read_only(path, immutable=False)
    try:
        try:
            version = store_version(conn)
        except sqlite3.OperationalError:
            # A WAL store's reader needs the shared-memory file (-shm); on a full disk it cannot be made. With no
            # WAL content nobody is writing (a writer has both files), so the file alone is the whole store.
            wal = Path(f"{path}-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise
            conn.close()
            conn = _connect_read_only(path, immutable=True)
            version = store_version(conn)
        current = schema_version()
        if version is None:
            raise StoreError(
                f"{path}: empty, not a store yet; run a writing command (onrecord crawl or extract) to create it"
            )
        if version < current:
            raise StoreError(
                f"{path}: store is at schema {version}, this onrecord reads schema {current}; run any "
                f"writing command (onrecord crawl or extract) to upgrade it"
            )
        if version > current:
            raise StoreError(
                f"{path}: store is at schema {version}, newer than this onrecord's ({current}); upgrade onrecord"
            )
    except BaseException:
        conn.close()
        raise
    return sqlite_utils.Database(conn)


def _connect_read_only(path: Path, immutable: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro{'&immutable=1' if immutable else ''}",
        uri=True,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    conn.execute("PRAGMA query_only = 1")
    _tune(conn)
    return conn


def _tune(conn: sqlite3.Connection) -> None:
    """Settings of every connection, reading or writing (per connection, nothing written to the file)."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # Timeline reads hop between claims and articles, and update_events between index pages: a store of 1M
    # claims is ~1.4 GB, and pages past the mapped size are read by a system call each (57,000 per 10,000 new
    # claims with 256 MB mapped, 22,000 with the whole file). SQLite caps this at its compiled maximum.
    conn.execute("PRAGMA mmap_size = 2147418112")
    # Statement journals and temp tables in memory: update_events wrote ~200 MB to temp files (100,000 write
    # calls) per 10,000 new claims, the journals of its multi-row statements; a full rebuild peaks ~80 MB higher.
    conn.execute("PRAGMA temp_store = MEMORY")


@contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One atomic write: BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
    conn = db.conn
    if conn.in_transaction:  # nested: join the outer transaction
        yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


# Tables of researchers' input, not of the pipeline (storage/reviews.py): counted only once they hold rows, so a
# store nobody reviewed lists what the pipeline made (onrecord demo's row counts).
HUMAN_TABLES = frozenset({"reviews", "claim_reviews"})
# Likewise the watchlists and their alerts (storage/alerts.py): there only once someone configures a watchlist;
# backfills (storage/backfill.py), once one has run; and what revisions and withdrawals leave (storage/revisions.py),
# once an outlet changed or withdrew a story.
OPTIONAL_TABLES = HUMAN_TABLES | {
    "watchlists",
    "alerts",
    "alert_deliveries",
    "alert_messages",
    "backfill_walks",
    "backfill_pages",
    "backfill_links",
    "article_versions",
    "retired_claims",
}


# Lookup structures derived from other tables, like the FTS shadow tables: not listed either.
INDEX_TABLES = frozenset({"article_minhash_bands"})


def row_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Rows per table (not views, not FTS shadow or other index tables; review tables only when not empty)."""
    counts = {}
    for name in db.table_names():
        if name.startswith("_") or "_fts" in name or name in INDEX_TABLES:
            continue
        count = db.execute(f"select count(*) from [{name}]").fetchone()[0]
        if count or name not in OPTIONAL_TABLES:
            counts[name] = count
    return counts


def gc_paused(work: Callable) -> Callable:
    """Run `work` with Python's cyclic garbage collector paused, and resume it after (also on error).

    Timeline reads build thousands of dicts and tuples and update_events tens of thousands of rows and claims, none
    of them in a cycle; allocating them triggers collections that walk every tracked object of the process, which
    made the long tail (p95) of reads and ~5% of an update. Nothing is left uncollected: collection resumes after.
    """

    @functools.wraps(work)
    def paused(*args, **kwargs):
        if not gc.isenabled():
            return work(*args, **kwargs)
        gc.disable()
        try:
            return work(*args, **kwargs)
        finally:
            gc.enable()

    return paused
