"""The crawl's store writer: batched transactions, each item atomic on its own, duplicates linked."""

from __future__ import annotations

import sqlite3

import pytest

from crawl_helpers import article_text
from onrecord.core.records import Article, Fetch
from onrecord.crawlers.dedup import signature
from onrecord.crawlers.writer import StoreWriter


def _article(url: str, seed: int, source: str = "interfax-en") -> Article:
    return Article.create(url=url, canonical_url=url, source=source, title="T", text=" ".join(article_text(seed)))


def _page_fetch(url: str, source: str = "interfax-en") -> Fetch:
    return Fetch(url=url, source=source, kind="page", status=200)


@pytest.fixture
def writer(tmp_path, config):
    writer = StoreWriter.open(config, str(tmp_path / "store.db"))
    yield writer
    writer.close()


def _count(path: str, table: str) -> int:
    with sqlite3.connect(path) as other:  # another connection sees only committed rows
        return other.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_writes_are_committed_in_batches(writer, tmp_path):
    path = str(tmp_path / "store.db")
    for i in range(3):
        writer.record(Fetch(url=f"http://x/{i}", source="interfax-en", kind="page", outcome="error", error="HTTP 404"))
    assert _count(path, "fetches") == 0
    writer.flush()
    assert _count(path, "fetches") == 3


def test_a_failing_item_rolls_back_only_its_own_writes(writer, monkeypatch):
    writer.save(_article("http://x/a", 1), _page_fetch("http://x/a"), signature(" ".join(article_text(1))))
    monkeypatch.setattr(writer.index, "remember", lambda *args: 1 / 0)  # fails after the article row is written
    with pytest.raises(ZeroDivisionError):
        writer.save(_article("http://x/b", 2), _page_fetch("http://x/b"), None)
    writer.flush()
    urls = {row[0] for row in writer.db.execute("SELECT url FROM articles")}
    assert urls == {"http://x/a"}
    assert [row[0] for row in writer.db.execute("SELECT url FROM fetches")] == ["http://x/a"]


def test_copies_are_linked_to_the_original_and_a_refetch_is_unchanged(writer):
    text = " ".join(article_text(5))
    original, copy = _article("http://x/orig", 5), _article("http://y/copy", 5, source="tass-en")
    assert writer.save(original, _page_fetch("http://x/orig"), signature(text)) == "new"
    assert writer.save(copy, _page_fetch("http://y/copy", "tass-en"), signature(text)) == "duplicate"
    assert writer.save(original, _page_fetch("http://x/orig"), signature(text)) == "unchanged"
    dup_of = writer.db.execute("SELECT dup_of FROM articles WHERE id = ?", [copy.id]).fetchone()[0]
    assert dup_of == original.id
