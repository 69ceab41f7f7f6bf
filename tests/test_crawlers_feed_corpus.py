"""Every feed of shared/corpus/feedparser-tests through the feed path: entries or a clear problem, never an
exception; and the ill-formed ones through the real crawl, which loses nothing already stored."""

from __future__ import annotations

import os
import re

import pytest

from conftest import SHARED
from crawl_helpers import loopback_config
from loopback import LoopbackServer, Route
from onrecord.core.config import SourceConfig
from onrecord.core.records import Article
from onrecord.crawlers.feeds import parse_feed
from onrecord.crawlers.run import crawl
from onrecord.storage.articles import save_article
from onrecord.storage.db import open_store

CORPUS = SHARED / "corpus" / "feedparser-tests"
FILES = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in (".xml", ".json"))
_HEADER = re.compile(rb"Header:\s*Content-type:\s*([^\n]+?)\s*(?:-->|\n)", re.I)

# CI always has ../shared beside the clone: there a missing corpus is a failure, not a skip
pytestmark = pytest.mark.skipif(
    not FILES and os.environ.get("CI") != "true", reason="shared/corpus/feedparser-tests is not present"
)


def _content_type(body: bytes) -> str | None:
    match = _HEADER.search(body[:2000])
    return match.group(1).decode("latin-1") if match else None


def test_every_corpus_feed_gives_entries_or_a_clear_problem():
    outcomes = {"entries": 0, "problem": 0, "valid-empty": 0}
    for path in FILES:
        body = path.read_bytes()
        result = parse_feed(body, f"http://127.0.0.1/{path.name}", _content_type(body))  # must not raise
        if result.entries:
            outcomes["entries"] += 1
        elif result.problem:
            assert len(result.problem) < 300 and "\n" not in result.problem, path
            outcomes["problem"] += 1
        else:
            outcomes["valid-empty"] += 1  # a well-formed feed that has no items
    if "illformed" in {p.parent.name for p in FILES}:
        for path in (CORPUS / "illformed").glob("*.xml"):
            body = path.read_bytes()
            expect = re.search(rb"Expect:\s*([^\n]*)", body[:2000])
            if expect and b"bozo" in expect.group(1) and b"not bozo" not in expect.group(1):
                result = parse_feed(body, "http://127.0.0.1/f")
                assert result.entries or result.problem, f"{path.name}: neither entries nor a problem"
    assert outcomes["entries"] > 50 and sum(outcomes.values()) == len(FILES)


@pytest.mark.slow
def test_illformed_feeds_through_the_crawler_lose_nothing(tmp_path, config):
    """Serve every ill-formed and encoding sample as a source; each leaves one clear fetch row, and an article
    stored before the crawl is still there afterwards."""
    samples = sorted((CORPUS / "illformed").rglob("*.xml")) + sorted((CORPUS / "encoding").glob("*.xml"))[:30]
    db_path = str(tmp_path / "store.db")
    db = open_store(db_path)
    keep = Article.create(url="http://127.0.0.1/kept", source=None, title="Kept", text="Stored before the crawl.")
    save_article(db, keep)
    with LoopbackServer() as server:
        sources = []
        for i, path in enumerate(samples):
            body = path.read_bytes()
            server.routes[f"/f{i}.xml"] = Route(
                body, headers={"Content-Type": _content_type(body) or "application/xml"}
            )
            sources.append(SourceConfig(id=f"s{i}", name=path.name, url=server.url(f"/f{i}.xml")))
        cfg = loopback_config(config, db_path, sources)
        crawl(cfg, force=True, progress=lambda line: None)
    rows = {r["source"]: r for r in db.query("SELECT * FROM fetches WHERE kind = 'feed'")}
    assert set(rows) == {s.id for s in sources}
    for source in sources:
        row = rows[source.id]
        assert row["outcome"] in ("ok", "partial", "error"), source.name
        if row["outcome"] != "ok":
            assert row["error"], f"{source.name}: problem without a message"
    assert db.execute("SELECT title FROM articles WHERE id = ?", [keep.id]).fetchone()[0] == "Kept"
