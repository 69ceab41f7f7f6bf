"""Revisions and withdrawals in the store, through the crawl's writer: a changed text keeps the old one and retires
its claims (every live claim quotes the current text), a withdrawal retires them and a return restores the
article; writing the same thing twice changes nothing."""

from __future__ import annotations

from onrecord.core.records import Article, Claim, Fetch
from onrecord.crawlers.writer import StoreWriter
from onrecord.storage.articles import count_pending
from onrecord.storage.claims import save_extraction
from onrecord.storage.revisions import retired_claims, revision_counts

VERSION = "test-v1"
FIRST = "Moscow has handed over its list of prisoners, the ministry said. The exchange is expected soon."
SECOND = "Updated: a correction. Moscow has not yet handed over its list of prisoners, the ministry said."


def article(text: str) -> Article:
    return Article.create(url="http://wire.example/a", source="wire", title="List", text=text, published="2025-05-22")


def fetch(status: int = 200) -> Fetch:
    return Fetch(url="http://wire.example/a", source="wire", kind="page", status=status)


def read(db, stored: Article, sentence: str, negated: bool) -> None:
    """What the extractor would store: one claim quoting `sentence` at its offsets in the stored text."""
    start = stored.text.index(sentence)
    claim = Claim(
        article_id=stored.id,
        topic="prisoner-exchange",
        holder="russia",
        claim_type="list_submitted",
        negated=negated,
        evidence=sentence,
        start=start,
        end=start + len(sentence),
        extractor_version=VERSION,
    )
    save_extraction(db, stored.id, [claim], VERSION)


def off_text(db) -> list:
    return db.execute(
        "SELECT c.id FROM claims c JOIN articles a ON a.id = c.article_id "
        'WHERE substr(a.text, c.start + 1, c."end" - c.start) != c.evidence'
    ).fetchall()


def counts(db) -> tuple:
    return tuple(
        db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("articles", "article_versions", "claims", "retired_claims", "extractions")
    )


def test_a_changed_text_is_a_new_version_and_its_old_claims_retire(store):
    writer = StoreWriter(store, 0.8)
    first = article(FIRST)
    assert writer.save(first, fetch(), None) == "new"
    read(store, first, "Moscow has handed over its list of prisoners, the ministry said.", False)
    assert writer.save(article(FIRST), fetch(), None) == "unchanged"
    assert count_pending(store, VERSION) == 0

    second = article(SECOND)
    assert writer.save(second, fetch(), None) == "updated"
    writer.flush()
    row = store.execute("SELECT version, text, published FROM articles WHERE id = ?", [first.id]).fetchone()
    assert row == (2, SECOND, "2025-05-22")
    assert store.execute("SELECT version, text FROM article_versions").fetchall() == [(1, FIRST)]
    assert store.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    [old] = retired_claims(store, first.id)
    assert old["article_version"] == 1 and old["retired_why"].startswith("revised:") and old["negated"] == 0
    assert count_pending(store, VERSION) == 1, "the new text is not read again"

    read(store, second, "Moscow has not yet handed over its list of prisoners, the ministry said.", True)
    assert off_text(store) == []
    before = counts(store)
    assert writer.save(article(SECOND), fetch(), None) == "unchanged"
    writer.flush()
    assert counts(store) == before
    assert revision_counts(store) == {"wire": {"revisions": 1, "revised": 1, "withdrawn": 0}}


def test_a_withdrawn_story_keeps_its_row_retires_its_claims_and_comes_back(store):
    writer = StoreWriter(store, 0.8)
    stored = article(FIRST)
    writer.save(stored, fetch(), None)
    read(store, stored, "Moscow has handed over its list of prisoners, the ministry said.", False)

    assert writer.withdraw(
        Fetch(url=stored.url, source="wire", kind="page", status=404, error="HTTP 404 Not Found", outcome="withdrawn")
    )
    first_at = store.execute("SELECT withdrawn_at FROM articles").fetchone()[0]
    assert not writer.withdraw(
        Fetch(url=stored.url, source="wire", kind="page", status=410, error="HTTP 410 Gone", outcome="withdrawn")
    )
    writer.flush()
    assert store.execute("SELECT status, withdrawn_at, withdrawn_why, text FROM articles").fetchone() == (
        "withdrawn",
        first_at,
        "HTTP 410 Gone",
        FIRST,
    )
    assert [r["retired_why"] for r in retired_claims(store)] == ["withdrawn: HTTP 404 Not Found"]
    assert store.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
    assert count_pending(store, VERSION) == 0, "a withdrawn story is read"
    assert store.execute("SELECT outcome FROM fetches ORDER BY id").fetchall()[-2:] == [("withdrawn",), ("withdrawn",)]
    assert revision_counts(store)["wire"]["withdrawn"] == 1

    assert writer.save(article(FIRST), fetch(), None) == "unchanged"
    writer.flush()
    assert store.execute("SELECT status, withdrawn_at FROM articles").fetchone() == ("live", None)
    assert count_pending(store, VERSION) == 1, "a story back from withdrawal is not read again"
