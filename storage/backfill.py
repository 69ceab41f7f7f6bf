"""Backfill walks (`onrecord backfill`): the walk of one source's archive over a date range, its archive pages in
walk order, and the article links they gave.

The cursor of a walk is its first archive page not read yet. A page is marked read in the same transaction that
stores its links (and plans the pages it leads to), so a walk stopped at any point resumes at a page it has not
read, and the links of the pages it has read are still there to fetch: no archive page is read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlite_utils

from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction


@dataclass(frozen=True)
class Walk:
    id: int
    source: str
    kind: str
    since: str
    until: str
    started_at: str
    finished_at: str | None


@dataclass(frozen=True)
class ArchivePage:
    """One page of a walk: seq is its place in walk order; role: index, sitemap, listing or feed."""

    seq: int
    url: str
    role: str
    day: str | None = None


_WALK_COLUMNS = "id, source, kind, since, until, started_at, finished_at"


def open_walk(db: sqlite_utils.Database, source: str, kind: str, since: str, until: str) -> Walk:
    """The walk of `source` over since..until, started now if there is none yet."""
    with write_transaction(db):
        db.execute(
            "INSERT INTO backfill_walks (source, kind, since, until, started_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(source, since, until) DO NOTHING",
            [source, kind, since, until, utc_now()],
        )
    row = db.execute(
        f"SELECT {_WALK_COLUMNS} FROM backfill_walks WHERE source = ? AND since = ? AND until = ?",
        [source, since, until],
    ).fetchone()
    return Walk(*row)


def restart_walk(db: sqlite_utils.Database, walk_id: int) -> None:
    """Forget what a walk read, so that it reads its archive again (stored articles are still not fetched)."""
    with write_transaction(db):
        db.execute("DELETE FROM backfill_pages WHERE walk_id = ?", [walk_id])
        db.execute("DELETE FROM backfill_links WHERE walk_id = ?", [walk_id])
        db.execute("UPDATE backfill_walks SET finished_at = NULL, started_at = ? WHERE id = ?", [utc_now(), walk_id])


def plan_pages(db: sqlite_utils.Database, walk_id: int, pages: list[ArchivePage]) -> None:
    """Add archive pages to the walk (their seq given by the caller, after every page planned so far)."""
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO backfill_pages (walk_id, seq, url, role, day) VALUES (?, ?, ?, ?, ?)",
            [(walk_id, p.seq, p.url, p.role, p.day) for p in pages],
        )


def unread_pages(db: sqlite_utils.Database, walk_id: int) -> list[ArchivePage]:
    """The pages of the walk not read yet, in walk order (the first is the cursor)."""
    rows = db.execute(
        "SELECT seq, url, role, day FROM backfill_pages WHERE walk_id = ? AND read_at IS NULL ORDER BY seq",
        [walk_id],
    ).fetchall()
    return [ArchivePage(*row) for row in rows]


def last_seq(db: sqlite_utils.Database, walk_id: int) -> int:
    """The seq of the walk's last planned page (0 when none is)."""
    return db.execute("SELECT coalesce(max(seq), 0) FROM backfill_pages WHERE walk_id = ?", [walk_id]).fetchone()[0]


def mark_read(
    db: sqlite_utils.Database,
    walk_id: int,
    seq: int,
    links: list[tuple[str, str, str | None]],
    more: list[ArchivePage] | None = None,
) -> None:
    """Page `seq` was read: its links (url, title, published) and the pages it leads to, in one transaction."""
    with write_transaction(db):
        db.conn.executemany(
            "INSERT OR IGNORE INTO backfill_links (walk_id, url, title, published) VALUES (?, ?, ?, ?)",
            [(walk_id, url, title, published) for url, title, published in links],
        )
        plan_pages(db, walk_id, more or [])
        db.execute(
            "UPDATE backfill_pages SET read_at = ?, links = ? WHERE walk_id = ? AND seq = ?",
            [utc_now(), len(links), walk_id, seq],
        )


def links_of(db: sqlite_utils.Database, walk_id: int) -> Iterator[tuple[str, str, str | None]]:
    """Every link the walk's pages gave: (url, title, published)."""
    yield from db.execute("SELECT url, title, published FROM backfill_links WHERE walk_id = ?", [walk_id])


def finish_walk(db: sqlite_utils.Database, walk_id: int) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE backfill_walks SET finished_at = ? WHERE id = ? AND finished_at IS NULL", [utc_now(), walk_id]
        )


def walk_counts(db: sqlite_utils.Database, walk_id: int) -> dict[str, int]:
    """pages planned and read, and links found, of one walk."""
    planned, read = db.execute(
        "SELECT count(*), count(read_at) FROM backfill_pages WHERE walk_id = ?", [walk_id]
    ).fetchone()
    links = db.execute("SELECT count(*) FROM backfill_links WHERE walk_id = ?", [walk_id]).fetchone()[0]
    return {"pages_planned": planned, "pages_read": read, "links": links}
