"""Revisions and withdrawals over loopback: a stored article is fetched again (conditional GET) while it is recent;
a changed text is a new version whose old claims are retired (kept, out of the timeline) and whose new claims quote
the current text; a story answering 404, then 410, is flagged withdrawn, not deleted; re-runs change nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from click.testing import CliRunner

from crawl_helpers import article_text, loopback_config, rss
from loopback import LoopbackServer, Route
from onrecord.cli import cli
from onrecord.core.config import RevisitConfig, SourceConfig
from onrecord.crawlers.run import crawl
from onrecord.nlp.extractor import Extractor
from onrecord.nlp.run import extract_pending
from onrecord.storage import timeline
from onrecord.storage.db import open_store
from onrecord.storage.revisions import revision_counts

pytestmark = pytest.mark.slow

SAID = (
    "Russian Foreign Ministry spokeswoman Maria Zakharova said on Thursday that Moscow had handed over its list "
    "of prisoners to Kyiv."
)
CORRECTED = (
    "Russian Foreign Ministry spokeswoman Maria Zakharova said on Thursday that Moscow had not yet handed over "
    "its list of prisoners to Kyiv."
)
UPDATE_NOTE = "This story was updated at 14:00 with a correction from the ministry."


def page(title: str, *paragraphs: str, seed: int = 7) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in (*paragraphs, *article_text(seed, 3)))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta property='og:type' content='article'></head><body><article><h1>{escape(title)}</h1>{body}"
        f"</article></body></html>"
    ).encode()


def live_claims_quote_their_text(db) -> list[tuple]:
    """Claims whose evidence is not the current text at their offsets (the invariant: none)."""
    return db.execute(
        "SELECT c.id FROM claims c JOIN articles a ON a.id = c.article_id "
        'WHERE substr(a.text, c.start + 1, c."end" - c.start) != c.evidence'
    ).fetchall()


def snapshot(db) -> dict:
    return {
        table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("articles", "article_versions", "claims", "retired_claims", "extractions")
    }


@pytest.fixture
def site():
    with LoopbackServer() as server:
        u = server.url
        server.routes["/feed.xml"] = Route(
            rss([(u("/news/list"), "Moscow hands over its list"), (u("/news/other"), "Talks go on")]),
            headers={"Content-Type": "application/rss+xml"},
        )
        server.routes["/news/list"] = Route(page("Moscow hands over its list", SAID))
        server.routes["/news/other"] = Route(page("Talks go on", seed=11), etag='"other-v1"')
        yield server


def run_pass(cfg, db_path, extractor, lines):
    summary = crawl(cfg, force=True, progress=lines.append)
    db = open_store(db_path)
    try:
        extract_pending(cfg, db, progress=lambda line: None, extractor=extractor)
        timeline.update_events(db, cfg)
    finally:
        db.conn.close()
    return summary


def test_revision_then_withdrawal_retire_claims_and_keep_everything(site, tmp_path, config):
    db_path = str(tmp_path / "store.db")
    source = SourceConfig(id="wire", name="Wire", url=site.url("/feed.xml"))
    cfg = loopback_config(config, db_path, [source], revisit=RevisitConfig(window_days=2, interval="0s"))
    extractor = Extractor(cfg)
    lines: list[str] = []

    run_pass(cfg, db_path, extractor, lines)
    db = open_store(db_path)
    first = timeline.claims_timeline(db, party="russia")
    assert any(c["evidence"] == SAID and not c["negated"] for c in first), first
    before = snapshot(db)
    db.conn.close()

    # Nothing changed: the page with an ETag answers 304 to the conditional GET, the other the same text.
    summary = run_pass(cfg, db_path, extractor, lines)
    assert summary.per_source["wire"]["revisited"] == 2
    assert summary.total("not-modified") == 1 and summary.total("unchanged") == 1, summary.per_source
    other_hits = [headers for path, headers in site.hits if path == "/news/other"]
    assert other_hits[-1].get("If-None-Match") == '"other-v1"'
    db = open_store(db_path)
    assert snapshot(db) == before
    db.conn.close()

    # The agency revises the story: a note on top (every offset moves) and the claim corrected.
    site.routes["/news/list"] = Route(page("Moscow has not handed over its list", UPDATE_NOTE, CORRECTED))
    summary = run_pass(cfg, db_path, extractor, lines)
    assert summary.total("updated") == 1, summary.per_source
    db = open_store(db_path)
    article = db.execute(
        "SELECT id, version, revised_at, status, title, text FROM articles WHERE url LIKE '%/news/list'"
    ).fetchone()
    article_id = article[0]
    assert article[1] == 2 and article[2] and article[3] == "live" and CORRECTED in article[5]
    old = db.execute("SELECT version, text, title FROM article_versions WHERE article_id = ?", [article_id]).fetchall()
    assert len(old) == 1 and old[0][0] == 1 and SAID in old[0][1] and old[0][2] == "Moscow hands over its list"
    retired = db.execute(
        "SELECT evidence, article_version, retired_why FROM retired_claims WHERE article_id = ?", [article_id]
    ).fetchall()
    assert (SAID, 1) in [(r[0], r[1]) for r in retired]
    assert all(r[2].startswith("revised:") for r in retired)
    assert live_claims_quote_their_text(db) == []
    russia = timeline.claims_timeline(db, party="russia")
    assert SAID not in [c["evidence"] for c in russia]
    assert any(c["evidence"] == CORRECTED and c["negated"] for c in russia), russia
    with_retired = timeline.claims_timeline(db, party="russia", include_retired=True)
    old_rows = [c for c in with_retired if c["evidence"] == SAID]
    assert old_rows and all(c["retired"] and "revised" in c["retired"] for c in old_rows)
    events = [e for e in timeline.events(db, party="russia") if e["claim_type"] == "list_submitted"]
    assert events and all(e["negated"] for e in events), events
    revised = snapshot(db)
    db.conn.close()

    # Withdrawn: 404, then 410 (a re-run of a withdrawal). Flagged once (first date kept), its claims retired,
    # nothing deleted, nothing duplicated.
    site.routes["/news/list"] = Route(b"gone", status=404, headers={"Content-Type": "text/plain"})
    summary = run_pass(cfg, db_path, extractor, lines)
    assert summary.total("withdrawn") == 1
    db = open_store(db_path)
    status, withdrawn_at, why = db.execute(
        "SELECT status, withdrawn_at, withdrawn_why FROM articles WHERE id = ?", [article_id]
    ).fetchone()
    assert status == "withdrawn" and withdrawn_at and "404" in why
    assert db.execute("SELECT count(*) FROM claims WHERE article_id = ?", [article_id]).fetchone()[0] == 0
    assert CORRECTED not in [c["evidence"] for c in timeline.claims_timeline(db, party="russia")]
    assert not [e for e in timeline.events(db, party="russia") if article_id in e["article_ids"]]
    gone = db.execute(
        "SELECT evidence FROM retired_claims WHERE article_id = ? AND retired_why LIKE 'withdrawn:%'", [article_id]
    ).fetchall()
    assert (CORRECTED,) in gone
    withdrawn = snapshot(db)
    assert withdrawn["articles"] == revised["articles"] and withdrawn["article_versions"] == revised["article_versions"]
    db.conn.close()

    site.routes["/news/list"] = Route(b"gone for good", status=410, headers={"Content-Type": "text/plain"})
    run_pass(cfg, db_path, extractor, lines)
    db = open_store(db_path)
    assert db.execute(
        "SELECT status, withdrawn_at, withdrawn_why LIKE '%410%' FROM articles WHERE id = ?", [article_id]
    ).fetchone() == ("withdrawn", withdrawn_at, 1)
    assert snapshot(db) == withdrawn
    assert revision_counts(db)["wire"] == {"revisions": 1, "revised": 1, "withdrawn": 1}
    db.conn.close()

    result = CliRunner().invoke(cli, ["status", "--json", "--db", db_path])
    assert result.exit_code == 0, result.output
    wire = next(s for s in json.loads(result.stdout)["sources"] if s["source"] == "wire")
    assert (wire["revisions"], wire["revised"], wire["withdrawn"]) == (1, 1, 1)


def test_only_recent_articles_are_fetched_again_and_not_more_often_than_the_interval(site, tmp_path, config):
    db_path = str(tmp_path / "store.db")
    source = SourceConfig(id="wire", name="Wire", url=site.url("/feed.xml"))
    hourly = loopback_config(config, db_path, [source], revisit=RevisitConfig(window_days=2, interval="1h"))
    lines: list[str] = []
    crawl(hourly, force=True, progress=lines.append)
    assert site.count("/news/list") == 1
    crawl(hourly, force=True, progress=lines.append)
    assert site.count("/news/list") == 1, "fetched again within the revisit interval"

    every_pass = loopback_config(config, db_path, [source], revisit=RevisitConfig(window_days=2, interval="0s"))
    crawl(every_pass, force=True, progress=lines.append)
    assert site.count("/news/list") == 2

    # One article first stored three days ago: out of the two-day window, not fetched again.
    db = open_store(db_path)
    old = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0).isoformat()
    db.execute("UPDATE articles SET fetched_at = ? WHERE url LIKE '%/news/list'", [old])
    db.conn.close()
    crawl(every_pass, force=True, progress=lines.append)
    assert site.count("/news/list") == 2 and site.count("/news/other") == 3

    # A source's own setting wins over crawl.revisit: window 0 is never.
    never = source.model_copy(update={"revisit": RevisitConfig(window_days=0)})
    crawl(
        loopback_config(config, db_path, [never], revisit=RevisitConfig(window_days=2, interval="0s")),
        force=True,
        progress=lines.append,
    )
    assert site.count("/news/other") == 3
