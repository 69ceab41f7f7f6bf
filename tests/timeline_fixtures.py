"""A small store of claims written by us, modelled on the May 2025 list exchange, for the timeline tests."""

from __future__ import annotations

from onrecord.core.records import Article, Claim
from onrecord.storage.articles import save_article
from onrecord.storage.claims import save_extraction

TOPIC = "prisoner-exchange"
VERSION = "test-1"


def claim(
    holder: str,
    claim_type: str,
    evidence: str,
    *,
    negated: bool = False,
    target: str | None = None,
    speaker: str | None = None,
    confidence: float = 0.8,
    topic: str = TOPIC,
    day: str | None = None,
) -> dict:
    return {
        "holder": holder,
        "claim_type": claim_type,
        "evidence": evidence,
        "negated": negated,
        "target": target,
        "speaker": speaker,
        "confidence": confidence,
        "topic": topic,
        "day": day,
    }


def add_article(
    db,
    key: str,
    source: str,
    published: str,
    claims: list[dict],
    dup_of: str | None = None,
    fetched_at: str | None = None,
) -> str:
    """Store an article whose text is the claims' evidence sentences, and its claims; return its id."""
    text = " ".join(c["evidence"] for c in claims) or f"Nothing on the record in {key}."
    article = Article.create(
        url=f"http://news.example/{source}/{key}",
        source=source,
        title=f"Report {key}",
        text=text,
        published=published,
        dup_of=dup_of,
        fetched_at=fetched_at or f"{published}T12:00:00+00:00",
    )
    save_article(db, article)
    replace_claims(db, article.id, source, published, claims)
    return article.id


def replace_claims(db, article_id: str, source: str, published: str, claims: list[dict]) -> None:
    """Re-extract an article: its claims become `claims` (what storage.claims.save_extraction does)."""
    records, offset = [], 0
    for c in claims:
        start, end = offset, offset + len(c["evidence"])
        offset = end + 1
        records.append(
            Claim(
                article_id=article_id,
                topic=c["topic"],
                holder=c["holder"],
                claim_type=c["claim_type"],
                negated=c["negated"],
                evidence=c["evidence"],
                start=start,
                end=end,
                claim_date=c["day"] or published,
                speaker=c["speaker"],
                target=c["target"],
                source=source,
                confidence=c["confidence"],
                extractor_version=VERSION,
            )
        )
    save_extraction(db, article_id, records, VERSION)


HANDED_OVER = "We have handed over our list to Kyiv, the Kremlin spokesman said."
WAITING = "Moscow is now waiting for the Ukrainian list."
NOT_RECEIVED = "No list has been received from Moscow so far, Kyiv said."
RECEIVED = "Kyiv confirmed it has now received the Russian list."
COMPLETED = "The first stage of the exchange took place today."
COMMITTED = "Kyiv reaffirmed its commitment to the talks format."
REJECTED = "Kyiv rejected the proposed memorandum outright."


def build_may_2025(db) -> dict[str, str]:
    """Eight articles from five outlets; returns article ids by key."""
    ids = {}
    ids["tass-list"] = add_article(
        db,
        "tass-list",
        "tass",
        "2025-05-22",
        [
            claim("russia", "list_submitted", HANDED_OVER, target="ukraine", speaker="Dmitry Peskov", confidence=0.9),
            claim("russia", "awaiting_counterpart", WAITING, target="ukraine"),
        ],
    )
    ids["interfax-list"] = add_article(
        db,
        "interfax-list",
        "interfax",
        "2025-05-22",
        [claim("russia", "list_submitted", HANDED_OVER, target="ukraine", speaker="Dmitry Peskov")],
    )
    ids["ria-copy"] = add_article(
        db,
        "ria-copy",
        "ria",
        "2025-05-23",
        [claim("russia", "list_submitted", HANDED_OVER, target="ukraine", speaker="Dmitry Peskov", day="2025-05-22")],
        dup_of=ids["interfax-list"],
    )
    ids["ukr-not-received"] = add_article(
        db,
        "ukr-not-received",
        "ukrinform",
        "2025-05-22",
        [claim("ukraine", "list_received", NOT_RECEIVED, negated=True, target="russia")],
    )
    ids["ukr-received"] = add_article(
        db, "ukr-received", "ukrinform", "2025-05-23", [claim("ukraine", "list_received", RECEIVED, target="russia")]
    )
    ids["tass-exchange"] = add_article(
        db, "tass-exchange", "tass", "2025-05-23", [claim("russia", "exchange_completed", COMPLETED)]
    )
    ids["ukr-commit"] = add_article(
        db, "ukr-commit", "ukrinform", "2025-05-20", [claim("ukraine", "commitment", COMMITTED)]
    )
    ids["ukr-reject"] = add_article(
        db, "ukr-reject", "kyivindependent", "2025-05-30", [claim("ukraine", "rejection", REJECTED)]
    )
    ids["tass-list-again"] = add_article(
        db, "tass-list-again", "tass", "2025-06-10", [claim("russia", "list_submitted", HANDED_OVER, target="ukraine")]
    )
    return ids
