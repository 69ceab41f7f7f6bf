"""The store: created at the current schema version, WAL, idempotent upserts, atomic per-article extraction."""

from __future__ import annotations

import sqlite3

import pytest

from onrecord.core.records import Article, Claim, Fetch
from onrecord.storage.articles import article_id_for_url, pending_articles, save_article
from onrecord.storage.claims import save_extraction
from onrecord.storage.db import open_store, row_counts, write_transaction
from onrecord.storage.fetches import last_validators, record_fetch
from onrecord.storage.sources import mark_source_result


def make_article(n: int = 1, **kw) -> Article:
    return Article.create(
        url=f"http://example.test/news/{n}?utm_source=rss",
        canonical_url=f"http://example.test/news/{n}",
        source="demo-interfax",
        title=f"Story {n}",
        text=f"The Kremlin said it had handed over its list, story number {n}.",
        published="2025-05-22T10:00:00+00:00",
        language="en",
        **kw,
    )


def make_claim(article: Article, claim_type: str = "list_submitted", start: int = 0) -> Claim:
    evidence = article.text[start:]
    return Claim(
        article_id=article.id,
        topic="prisoner-exchange",
        holder="russia",
        claim_type=claim_type,
        negated=False,
        evidence=evidence,
        start=start,
        end=len(article.text),
        claim_date="2025-05-22",
        source=article.source,
        extractor_version="t1",
    )


def test_store_is_wal_at_the_current_version_and_reopens_without_writing(tmp_path):
    from onrecord.storage.migrations import schema_version

    path = tmp_path / "s.db"
    db = open_store(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == schema_version()
    db.conn.close()
    before = path.read_bytes()
    db = open_store(path)  # re-open: nothing re-applied, nothing written, nothing fails
    assert {"sources", "fetches", "articles", "claims", "extractions"} <= set(db.table_names())
    db.conn.close()
    assert path.read_bytes() == before


def test_saving_an_article_twice_keeps_one_row_and_first_fetch_time(store):
    first = make_article()
    assert save_article(store, first) is True
    again = Article.create(
        url=first.url,
        canonical_url=first.canonical_url,
        source=first.source,
        title=first.title,
        text=first.text,
        fetched_at="2030-01-01T00:00:00+00:00",
    )
    assert save_article(store, again) is False
    rows = list(store.query("SELECT fetched_at FROM articles"))
    assert len(rows) == 1 and rows[0]["fetched_at"] == first.fetched_at
    assert article_id_for_url(store, first.url) == first.id
    assert article_id_for_url(store, first.canonical_url) == first.id


def test_extraction_replaces_claims_atomically_and_marks_article_done(store):
    article = make_article()
    save_article(store, article)
    assert [a.id for a in pending_articles(store, "t1")] == [article.id]
    save_extraction(store, article.id, [make_claim(article), make_claim(article, "awaiting_counterpart", 4)], "t1")
    save_extraction(store, article.id, [make_claim(article)], "t1")  # re-run: replaced, not added
    assert row_counts(store)["claims"] == 1
    assert pending_articles(store, "t1") == []
    assert [a.id for a in pending_articles(store, "t2")] == [article.id]


def test_failed_extraction_write_leaves_article_pending_and_old_claims(store):
    article = make_article()
    save_article(store, article)
    save_extraction(store, article.id, [make_claim(article)], "t1")

    bad = make_claim(article, "concern")
    object.__setattr__(bad, "start", object())  # not storable: the insert fails mid-transaction
    with pytest.raises((sqlite3.Error, TypeError, ValueError)):
        save_extraction(store, article.id, [bad], "t2")
    assert row_counts(store)["claims"] == 1
    assert [a.id for a in pending_articles(store, "t2")] == [article.id]


def test_claim_ids_are_stable_and_content_derived():
    article = make_article()
    assert make_claim(article).id == make_claim(article).id
    assert make_claim(article).id != make_claim(article, "concern").id


def test_conditional_get_validators_come_from_last_good_fetch_of_a_completed_pass(store):
    url = "http://example.test/rss.xml"
    store["sources"].insert({"id": "s", "name": "S", "url": url})
    record_fetch(
        store,
        Fetch(
            url=url,
            source="s",
            kind="feed",
            status=200,
            etag='"a"',
            last_modified="Mon",
            fetched_at="2025-05-22T10:00:00+00:00",
        ),
    )
    # the pass that made this fetch has not completed (killed mid-crawl?): no conditional GET yet
    assert last_validators(store, url) == (None, None)
    mark_source_result(store, "s", None)
    record_fetch(store, Fetch(url=url, source="s", kind="feed", status=500, error="HTTP 500"))
    assert last_validators(store, url) == ('"a"', "Mon")
    record_fetch(
        store, Fetch(url=url, source="s", kind="feed", status=200, etag='"b"', fetched_at="2999-01-01T00:00:00+00:00")
    )  # a newer pass, not completed
    assert last_validators(store, url) == ('"a"', "Mon")
    assert last_validators(store, "http://other.test/") == (None, None)


def test_write_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError), write_transaction(store):
        save_article(store, make_article(7))
        raise RuntimeError("boom")
    assert row_counts(store)["articles"] == 0
