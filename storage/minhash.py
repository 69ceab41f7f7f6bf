"""Near-duplicate signatures (table `article_minhash`): one MinHash per article, as bytes."""

from __future__ import annotations

from collections.abc import Iterator

import sqlite_utils


def signatures(db: sqlite_utils.Database) -> Iterator[tuple[str, bytes, str | None]]:
    """(article id, signature bytes, the id it duplicates or None) of every stored signature."""
    yield from db.execute(
        "SELECT m.article_id, m.signature, a.dup_of FROM article_minhash m JOIN articles a ON a.id = m.article_id"
    )


def save_signature(db: sqlite_utils.Database, article_id: str, signature: bytes) -> None:
    """Keep the first signature of an article (the caller holds the write transaction)."""
    db.execute("INSERT OR IGNORE INTO article_minhash (article_id, signature) VALUES (?, ?)", [article_id, signature])
