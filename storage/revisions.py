"""Revisions and withdrawals of stored articles: the replaced text kept, the claims read from it retired.

A claim's evidence offsets point into the text it was read from. When an article's text changes, the old text goes
to `article_versions` and its claims move from `claims` to `retired_claims` (with when and why), and the article's
extraction marks are dropped so the extractor reads the new text: every claim left in `claims` quotes the current
text. A withdrawn story (404/410 after it was stored) keeps its row and text, flagged; its claims are retired too,
and come back (read again) if the story does. Moving claims out of `claims`, rather than flagging them in place,
keeps every reader of claims (events, positions, digest, alerts, reviews, Datasette) right without a filter each.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from onrecord.storage.claims import CLAIM_COLUMNS
from onrecord.storage.db import write_transaction

_CLAIMS = ", ".join(f'"{c}"' for c in CLAIM_COLUMNS)


@dataclass(frozen=True)
class StoredArticle:
    """What the crawl compares a fetched page with: the stored article's text hash, copy link, version, date."""

    content_hash: str | None
    dup_of: str | None
    version: int
    withdrawn: bool
    published: str | None
    published_from: str | None


@dataclass(frozen=True)
class Revisit:
    """A stored article due to be fetched again."""

    article_id: str
    url: str  # as linked
    canonical_url: str  # where the page was found, after redirects (what a revisit requests)
    title: str | None


def stored_article(db: sqlite_utils.Database, article_id: str) -> StoredArticle | None:
    row = db.execute(
        "SELECT content_hash, dup_of, version, status, published, published_from FROM articles WHERE id = ?",
        [article_id],
    ).fetchone()
    if row is None:
        return None
    return StoredArticle(row[0], row[1], row[2], row[3] == "withdrawn", row[4], row[5])


def retire_claims(db: sqlite_utils.Database, article_id: str, at: str, why: str) -> int:
    """Move the article's claims to retired_claims (why, when, the version they were read from) and drop its
    extraction marks, so its current text is read again; returns how many claims were retired."""
    with write_transaction(db):
        moved = db.execute(
            f"INSERT OR IGNORE INTO retired_claims ({_CLAIMS}, article_version, retired_at, retired_why) "
            f"SELECT {', '.join('c.' + c for c in _CLAIMS.split(', '))}, a.version, ?, ? "
            "FROM claims c JOIN articles a ON a.id = c.article_id WHERE c.article_id = ?",
            [at, why, article_id],
        ).rowcount
        db.execute("DELETE FROM claims WHERE article_id = ?", [article_id])
        db.execute("DELETE FROM extractions WHERE article_id = ?", [article_id])
    return moved


def keep_version(db: sqlite_utils.Database, article_id: str, at: str) -> int:
    """The article's text is about to be replaced: keep it as a version, retire its claims, count the new version.

    Returns the new version number. Call it in the transaction that stores the new text."""
    with write_transaction(db):
        version = db.execute("SELECT version FROM articles WHERE id = ?", [article_id]).fetchone()[0]
        db.execute(
            "INSERT OR IGNORE INTO article_versions "
            "(article_id, version, title, text, content_hash, text_source, seen_from, replaced_at) "
            "SELECT id, version, title, text, content_hash, text_source, coalesce(revised_at, fetched_at), ? "
            "FROM articles WHERE id = ?",
            [at, article_id],
        )
        retire_claims(db, article_id, at, f"revised: the text changed (version {version} replaced by {version + 1})")
        db.execute("UPDATE articles SET version = ?, revised_at = ? WHERE id = ?", [version + 1, at, article_id])
    return version + 1


def withdraw(db: sqlite_utils.Database, article_id: str, at: str, why: str) -> bool:
    """Flag the article withdrawn (first time: when and why, its claims retired; again: only the latest why).

    Returns True when it was live until now."""
    with write_transaction(db):
        row = db.execute("SELECT status FROM articles WHERE id = ?", [article_id]).fetchone()
        if row is None:
            return False
        if row[0] == "withdrawn":
            db.execute(
                "UPDATE articles SET withdrawn_why = ? WHERE id = ? AND withdrawn_why IS NOT ?", [why, article_id, why]
            )
            return False
        retire_claims(db, article_id, at, f"withdrawn: {why}")
        db.execute(
            "UPDATE articles SET status = 'withdrawn', withdrawn_at = ?, withdrawn_why = ? WHERE id = ?",
            [at, why, article_id],
        )
    return True


def restore(db: sqlite_utils.Database, article_id: str) -> None:
    """A withdrawn story is back: live again; its text (extraction marks dropped when it went) is read again."""
    with write_transaction(db):
        db.execute(
            "UPDATE articles SET status = 'live', withdrawn_at = NULL, withdrawn_why = NULL WHERE id = ?", [article_id]
        )
        db.execute("DELETE FROM extractions WHERE article_id = ?", [article_id])


def revisits(db: sqlite_utils.Database, source: str, first_stored_since: str) -> list[Revisit]:
    """The source's articles first stored at or after `first_stored_since` whose text came from their page (a text
    taken from the feed, because the page could not be had, is not looked for on the page again), oldest first."""
    rows = db.execute(
        "SELECT id, url, canonical_url, title FROM articles WHERE source = ? AND fetched_at >= ? "
        "AND coalesce(text_source, 'page') = 'page' ORDER BY fetched_at, id",
        [source, first_stored_since],
    ).fetchall()
    return [Revisit(*row) for row in rows]


def revision_counts(db: sqlite_utils.Database) -> dict[str, dict[str, int]]:
    """Per source: revisions (replaced texts), revised (articles with any) and withdrawn (articles now withdrawn)."""
    counts: dict[str, dict[str, int]] = {}
    for source, revisions, revised in db.execute(
        "SELECT a.source, count(*), count(DISTINCT v.article_id) FROM article_versions v "
        "JOIN articles a ON a.id = v.article_id GROUP BY a.source"
    ):
        counts.setdefault(source, {"revisions": 0, "revised": 0, "withdrawn": 0}).update(
            revisions=revisions, revised=revised
        )
    for source, withdrawn in db.execute(
        "SELECT source, count(*) FROM articles WHERE status = 'withdrawn' GROUP BY source"
    ):
        counts.setdefault(source, {"revisions": 0, "revised": 0, "withdrawn": 0})["withdrawn"] = withdrawn
    return counts


def retired_claims(db: sqlite_utils.Database, article_id: str | None = None) -> list[dict]:
    """Retired claims (of one article), oldest retirement first."""
    where, params = ("WHERE article_id = ?", [article_id]) if article_id else ("", [])
    return list(db.query(f"SELECT * FROM retired_claims {where} ORDER BY retired_at, article_id, start, id", params))
