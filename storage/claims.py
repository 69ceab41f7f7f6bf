"""Claims: an article's claims are replaced atomically together with its extraction mark."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import sqlite_utils

from onrecord.core.records import Claim, utc_now
from onrecord.storage.db import write_transaction

CLAIM_COLUMNS = (
    "id",
    "article_id",
    "topic",
    "holder",
    "speaker",
    "claim_type",
    "negated",
    "target",
    "claim_date",
    "evidence",
    "start",
    "end",
    "source",
    "via",
    "confidence",
    "extractor_version",
)


def save_extraction(db: sqlite_utils.Database, article_id: str, claims: Iterable[Claim], extractor_version: str) -> int:
    """Replace the article's claims with `claims` and mark it extracted by this version, in one transaction.

    A crash before COMMIT leaves the article as it was (still pending); after, it is fully done.
    """
    rows = [{k: getattr(c, k) for k in CLAIM_COLUMNS} | {"negated": int(c.negated)} for c in claims]
    with write_transaction(db):
        db.execute("DELETE FROM claims WHERE article_id = ?", [article_id])
        if rows:
            db.table("claims").upsert_all(rows, pk="id")
        db.table("extractions").upsert(
            {
                "article_id": article_id,
                "extractor_version": extractor_version,
                "extracted_at": utc_now(),
                "claims": len(rows),
            },
            pk=("article_id", "extractor_version"),
        )
    return len(rows)


def _row_to_claim(row: dict) -> Claim:
    values: dict[str, Any] = {k: row.get(k) for k in CLAIM_COLUMNS}
    values["negated"] = bool(values["negated"])
    return Claim(**values)


def iter_claims(
    db: sqlite_utils.Database, where: str = "1", params: list | None = None, order: str = "claim_date, holder, id"
) -> Iterator[Claim]:
    for row in db.query(f"SELECT * FROM claims WHERE {where} ORDER BY {order}", params or []):
        yield _row_to_claim(row)
