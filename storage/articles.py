"""Articles and the URLs that lead to them: idempotent upserts and look-ups."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlite_utils

from onrecord.core.records import Article
from onrecord.storage.db import write_transaction

ARTICLE_COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "final_url",
    "source",
    "title",
    "published",
    "fetched_at",
    "language",
    "text",
    "content_hash",
    "dup_of",
    "via",
    "speaks_for",
    "text_source",
    "published_from",
)


# Columns added by upgrade step 15: a store not yet upgraded (opened without migrating) is written without them.
_SINCE_15 = ("text_source", "published_from")


def _upsert(columns: tuple[str, ...]) -> str:
    return (
        f"INSERT INTO articles ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
        f"ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns if c != 'id')}"
    )


_UPSERT_ARTICLE = _upsert(ARTICLE_COLUMNS)
_BEFORE_15 = tuple(c for c in ARTICLE_COLUMNS if c not in _SINCE_15)
_UPSERT_ARTICLE_BEFORE_15 = _upsert(_BEFORE_15)


def _row_to_article(row: dict) -> Article:
    values: dict[str, Any] = {k: row.get(k) for k in ARTICLE_COLUMNS}
    return Article(**values)


def save_article(db: sqlite_utils.Database, article: Article) -> bool:
    """Store an article (upsert by id) and every URL that names it; return True if it was new.

    Re-saving an article never changes its first `fetched_at`, so re-runs leave rows as they were.
    """
    with write_transaction(db):
        existing = db.execute("SELECT fetched_at FROM articles WHERE id = ?", [article.id]).fetchone()
        row = {k: getattr(article, k) for k in ARTICLE_COLUMNS}
        if existing:
            row["fetched_at"] = existing[0]
        if db.execute("SELECT 1 FROM pragma_table_info('articles') WHERE name = 'text_source'").fetchone():
            db.execute(_UPSERT_ARTICLE, [row[k] for k in ARTICLE_COLUMNS])
        else:
            db.execute(_UPSERT_ARTICLE_BEFORE_15, [row[k] for k in _BEFORE_15])
        for url, kind in ((article.url, "link"), (article.canonical_url, "canonical"), (article.final_url, "final")):
            if url:
                db.execute(
                    "INSERT OR IGNORE INTO article_urls (url, article_id, kind) VALUES (?, ?, ?)",
                    [url, article.id, kind],
                )
    return existing is None


def article_id_for_url(db: sqlite_utils.Database, url: str) -> str | None:
    """The id of the stored article any of whose URLs is `url`, else None."""
    row = db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
    return row[0] if row else None


def any_url_known(db: sqlite_utils.Database, *urls: str) -> bool:
    """Whether a stored article is known by any of `urls` (a link, its canonical form ...)."""
    marks = ", ".join("?" * len(urls))
    return db.execute(f"SELECT 1 FROM article_urls WHERE url IN ({marks})", list(urls)).fetchone() is not None


def article_by_hash(db: sqlite_utils.Database, content_hash: str) -> str | None:
    row = db.execute(
        "SELECT id FROM articles WHERE content_hash = ? ORDER BY fetched_at LIMIT 1", [content_hash]
    ).fetchone()
    return row[0] if row else None


def stored_version(db: sqlite_utils.Database, article_id: str) -> tuple[str, str | None] | None:
    """(content_hash, dup_of) of the stored article, or None when it is not stored."""
    row = db.execute("SELECT content_hash, dup_of FROM articles WHERE id = ?", [article_id]).fetchone()
    return (row[0], row[1]) if row else None


def count_articles(db: sqlite_utils.Database, source: str) -> int:
    return db.execute("SELECT count(*) FROM articles WHERE source = ?", [source]).fetchone()[0]


def articles_fetched_since(db: sqlite_utils.Database, source: str, *since: str) -> tuple[list[int], str | None]:
    """([articles of `source` first fetched at or after each of `since`], when its latest was fetched)."""
    sums = ", ".join("sum(fetched_at >= ?)" for _ in since)
    row = db.execute(f"SELECT {sums}, max(fetched_at) FROM articles WHERE source = ?", [*since, source]).fetchone()
    return [n or 0 for n in row[:-1]], row[-1]


_PENDING = (
    "FROM articles a LEFT JOIN extractions e ON e.article_id = a.id AND e.extractor_version = ? "
    "WHERE e.article_id IS NULL AND a.status = 'live'"  # a withdrawn story is not read (storage/revisions.py)
)


def count_pending(db: sqlite_utils.Database, extractor_version: str) -> int:
    """How many articles this extractor version has not read yet."""
    return db.execute(f"SELECT count(*) {_PENDING}", [extractor_version]).fetchone()[0]


def pending_batches(
    db: sqlite_utils.Database, extractor_version: str, batch_size: int = 64, limit: int | None = None
) -> Iterator[list[Article]]:
    """Articles not yet extracted by this extractor version, oldest first, `batch_size` at a time.

    Only one batch of texts is in memory at once; each batch is read after the previous one was handled
    (keyset paging on published, id), so articles that stay pending (a failed extraction) are not read twice.
    """
    after: tuple[str, str] | None = None
    left = limit if limit is not None else -1
    while left != 0:
        size = batch_size if left < 0 else min(batch_size, left)
        where = " AND (coalesce(a.published, ''), a.id) > (?, ?)" if after else ""
        params = [extractor_version, *(after or ())]
        rows = db.execute(
            f"SELECT {', '.join('a.' + c for c in ARTICLE_COLUMNS)} {_PENDING}{where} "
            f"ORDER BY coalesce(a.published, ''), a.id LIMIT {int(size)}",
            params,
        ).fetchall()
        if not rows:
            return
        batch = [_row_to_article(dict(zip(ARTICLE_COLUMNS, row, strict=True))) for row in rows]
        after = (batch[-1].published or "", batch[-1].id)
        if left > 0:
            left -= len(batch)
        yield batch


def pending_articles(db: sqlite_utils.Database, extractor_version: str, limit: int | None = None) -> list[Article]:
    """Articles not yet extracted by this extractor version, oldest first (all in one list: for small stores)."""
    return [a for batch in pending_batches(db, extractor_version, limit=limit or None) for a in batch]
