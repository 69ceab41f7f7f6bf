"""The real copy of a configured source (../shared/corpus/real-sources/kremlin-en-2020: the President of Russia's
English Atom feed and its 20 article pages as served in August 2020) replayed through the real crawl path over
loopback. The copy is read at run time and never kept in the repository; without it these tests are skipped."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

from crawl_helpers import loopback_config
from loopback import LoopbackServer, Route
from onrecord.core.config import SourceConfig
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store

pytestmark = pytest.mark.slow
COPY = Path(__file__).resolve().parent.parent.parent / "shared/corpus/real-sources/kremlin-en-2020/en.kremlin.ru"
NEWS = COPY / "events/president/news"
SITE = b"http://en.kremlin.ru"

if not (NEWS / "feed").is_file():
    pytest.skip(f"the real Kremlin copy is not at {COPY}", allow_module_level=True)


def page_ids() -> list[str]:
    return sorted(p.stem for p in NEWS.glob("*.html"))


def lead_of(page_id: str) -> str:
    """The page's own lead as the site marks it up (the sentence that says who did what), '' when it has none."""
    tree = lxml.html.fromstring((NEWS / f"{page_id}.html").read_bytes())
    nodes = tree.cssselect(".read__lead")
    return " ".join(nodes[0].text_content().split()) if nodes else ""


def words(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def serve_copy(server: LoopbackServer) -> None:
    """The feed and pages at their paths on the site, the feed's absolute links pointing at the loopback host."""
    base = server.base.encode()
    server.routes["/robots.txt"] = Route((COPY / "robots.txt").read_bytes(), headers={"Content-Type": "text/plain"})
    server.routes["/events/president/news/feed"] = Route(
        (NEWS / "feed").read_bytes().replace(SITE, base), headers={"Content-Type": "application/atom+xml"}
    )
    for page_id in page_ids():
        server.routes[f"/events/president/news/{page_id}"] = Route((NEWS / f"{page_id}.html").read_bytes())


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, config):
    """Two passes over the real copy: the first stores what it can, the second (forced) must refetch nothing."""
    db_path = str(tmp_path_factory.mktemp("kremlin") / "store.db")
    with LoopbackServer() as server:
        serve_copy(server)
        source = SourceConfig(
            id="kremlin-en", name="President of Russia (English)", url=server.url("/events/president/news/feed")
        )
        cfg = loopback_config(config, db_path, [source])
        crawl(cfg, force=True, progress=lambda line: None)
        first_hits = list(server.hits)
        crawl(cfg, force=True, progress=lambda line: None)
        second_hits = server.hits[len(first_hits) :]
        db = open_store(db_path)
        yield {"db": db, "first": first_hits, "second": second_hits}
        db.conn.close()


def stored(db) -> dict[str, dict]:
    rows = db.query("SELECT a.*, u.url AS link FROM articles a JOIN article_urls u ON u.article_id = a.id")
    return {row["link"].rsplit("/", 1)[-1]: row for row in rows}


def test_every_page_is_stored_short_readouts_included(replayed):
    articles = stored(replayed["db"])
    missing = sorted(set(page_ids()) - set(articles))
    assert not missing, f"not stored: {missing}"
    refused = list(replayed["db"].query("SELECT url, error FROM fetches WHERE outcome = 'not-article'"))
    assert not refused, refused


@pytest.mark.parametrize("page_id", page_ids())
def test_the_lead_is_in_the_stored_text(replayed, page_id):
    lead = lead_of(page_id)
    if not lead:
        pytest.skip("this page has no lead")
    text = stored(replayed["db"])[page_id]["text"]
    assert words(lead) in words(text)
    assert words(text).startswith(words(lead)), "the lead is not where the page has it: first"


def test_no_furniture_in_the_stored_text(replayed):
    for page_id, row in stored(replayed["db"]).items():
        assert "Publication status" not in row["text"] and "Direct link" not in row["text"], page_id


def test_the_second_pass_fetches_no_article_again(replayed):
    again = [path for path, _ in replayed["second"] if not path.endswith(("/feed", "/robots.txt"))]
    assert not again, again


def test_stored_texts_say_they_are_the_pages(replayed):
    assert {row["text_source"] for row in stored(replayed["db"]).values()} == {"page"}


def test_when_the_site_refuses_its_pages_the_feed_text_is_stored(tmp_path, config):
    """The feed carries every entry's full text: with every article page answering 403 (as some sites answer
    bots), each entry is still stored, from the feed, lead first, and says so."""
    db_path = str(tmp_path / "store.db")
    with LoopbackServer() as server:
        serve_copy(server)
        for page_id in page_ids():
            server.routes[f"/events/president/news/{page_id}"] = Route(b"Forbidden", status=403)
        source = SourceConfig(id="kremlin-en", name="Kremlin", url=server.url("/events/president/news/feed"))
        crawl(loopback_config(config, db_path, [source]), force=True, progress=lambda line: None)
    db = open_store(db_path)
    try:
        articles = stored(db)
        assert sorted(articles) == page_ids()
        for page_id, row in articles.items():
            assert row["text_source"] == "feed", page_id
            lead = lead_of(page_id)
            assert words(row["text"]).startswith(words(lead)), page_id
        statuses = {r["status"] for r in db.query("SELECT status FROM fetches WHERE kind = 'page'")}
        assert statuses == {403}, "the page fetches must keep the status the site answered"
    finally:
        db.conn.close()


def page_clock(page_id: str) -> tuple[str, str]:
    """(day, HH:MM) the page itself states: its datePublished and the Moscow time shown beside it."""
    tree = lxml.html.fromstring((NEWS / f"{page_id}.html").read_bytes())
    day = tree.cssselect("time[itemprop=datePublished]")[0].get("datetime")
    clock = tree.cssselect(".read__time")
    return day, (" ".join(clock[0].text_content().split()) if clock else "")


@pytest.mark.parametrize("page_id", page_ids())
def test_dates_are_moscow_time_with_moscows_offset(replayed, page_id):
    """The feed writes Moscow time as +04:00; Moscow has been UTC+3 since 2014: the stored date is the feed's
    wall-clock time at +03:00, on the day (and at the time) the page itself states, and says so."""
    row = stored(replayed["db"])[page_id]
    day, clock = page_clock(page_id)
    assert row["published"].startswith(day), (row["published"], day)
    assert row["published"].endswith("+03:00")
    if clock:
        assert row["published"][11:16] == clock
    assert row["published_from"] == "feed, offset corrected"
