"""Near-duplicate signatures (table `article_minhash`: one MinHash per article, as bytes) and their LSH bands
(table `article_minhash_bands`: the band keys of each signature, looked up per new article)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import sqlite_utils

# How signatures are cut into bands: fixed, because stored band keys are only comparable under one cut
# (storage/upgrades/013_minhash_bands.sql computes the same keys in SQL).
BANDS = 32
ROWS = 4
VALUE_BYTES = 8
SIGNATURE_BYTES = BANDS * ROWS * VALUE_BYTES
BAND_BYTES = ROWS * VALUE_BYTES


def band_keys(signature: bytes) -> list[bytes]:
    """The signature's band keys: BANDS slices of ROWS hash values each."""
    return [signature[b * BAND_BYTES : (b + 1) * BAND_BYTES] for b in range(BANDS)]


def _candidates_sql(max_candidates: int) -> str:
    bands = " UNION ".join(
        "SELECT article_id FROM article_minhash_bands WHERE band = ? AND key = ?" for _ in range(BANDS)
    )
    return (
        "SELECT m.article_id, m.signature, a.dup_of FROM article_minhash m JOIN articles a ON a.id = m.article_id "
        f"WHERE m.article_id IN ({bands}) ORDER BY a.fetched_at, m.article_id LIMIT {int(max_candidates)}"
    )


def candidates(
    db: sqlite_utils.Database, signature: bytes, max_candidates: int
) -> Iterator[tuple[str, bytes, str | None]]:
    """(article id, signature bytes, the id it duplicates or None) of the stored articles sharing at least one
    band with `signature`: index look-ups, at most `max_candidates` rows (the earliest fetched first)."""
    params: list[object] = []
    for band, key in enumerate(band_keys(signature)):
        params += [band, key]
    yield from db.execute(_candidates_sql(max_candidates), params)


def save_signature(db: sqlite_utils.Database, article_id: str, signature: bytes) -> None:
    """Keep the first signature of an article and its bands (the caller holds the write transaction)."""
    cursor = db.execute(
        "INSERT OR IGNORE INTO article_minhash (article_id, signature) VALUES (?, ?)", [article_id, signature]
    )
    if cursor.rowcount:
        _save_bands(db, article_id, band_keys(signature))


def _save_bands(db: sqlite_utils.Database, article_id: str, keys: Sequence[bytes]) -> None:
    db.conn.executemany(
        "INSERT OR IGNORE INTO article_minhash_bands (band, key, article_id) VALUES (?, ?, ?)",
        [(band, key, article_id) for band, key in enumerate(keys)],
    )
