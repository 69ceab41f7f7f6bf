"""Scrapy crawls a loopback server of our own pages: good articles, bad input of every kind, duplicates,
and a second pass that refetches nothing it already has."""

from __future__ import annotations

import pytest

from crawl_helpers import article_html, atom, loopback_config, rss
from loopback import LoopbackServer, Route
from onrecord.core.config import SourceConfig
from onrecord.crawlers.run import crawl
from onrecord.storage.db import open_store, row_counts

pytestmark = pytest.mark.slow
HTML = {"Content-Type": "text/html; charset=utf-8"}
RUSSIAN = (
    "Песков заявил, что Москва передала Киеву свой список пленных и ждёт ответа. "
    "Обмен пленными пройдёт в несколько этапов, сообщает ТАСС. "
) * 12


def _flaky():
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:
            return request.send(429, b"slow down", {"Retry-After": "1", "Content-Type": "text/plain"})
        body = article_html("Exchange stage two completed", 7).encode()
        request.send(200, body, HTML)

    return handler


def build_site(server: LoopbackServer) -> None:
    r = server.routes
    u = server.url
    r["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"})
    wire_links = [
        "/wire/a1?utm_source=rss&utm_medium=feed#top",
        "/wire/a2",
        "/wire/dead",
        "/wire/moved",
        "/wire/loop",
        "/wire/huge",
        "/wire/slow",
        "/wire/cp1251",
        "/wire/empty",
        "/wire/flaky",
        "/wire/index",
        "/wire/paywall",
        "/wire/video",
        "/private/secret",
    ]
    titles = {wire_links[0]: "Kremlin says it handed over its list"}
    r["/wire/feed.xml"] = Route(
        rss([(u(p), titles.get(p, p.rsplit("/", 1)[-1])) for p in wire_links]),
        headers={"Content-Type": "application/rss+xml"},
        etag='"wire-1"',
    )
    r["/wire/a1"] = Route(article_html("Kremlin says it handed over its list", 1).encode())
    r["/wire/a2"] = Route(article_html("Kyiv confirms it received the list", 2).encode())
    r["/wire/a3"] = Route(article_html("Western capitals call for transparency", 3).encode())
    r["/wire/moved"] = Route(status=301, headers={"Location": u("/wire/a3")})
    r["/wire/loop"] = Route(status=302, headers={"Location": u("/wire/loop")})
    r["/wire/huge"] = Route(article_html("Huge", 4, paragraphs=12000).encode())
    r["/wire/slow"] = Route(article_html("Slow", 5).encode(), delay=2.5)
    r["/wire/cp1251"] = Route(
        f"<html><body><article><h1>Обмен</h1><p>{RUSSIAN}</p></article></body></html>".encode("cp1251"), headers=HTML
    )  # declared UTF-8, really Windows-1251
    r["/wire/empty"] = Route(b"")
    r["/wire/flaky"] = Route(handler=_flaky())
    headlines = "".join(f"<li><a href='/wire/x{i}'>Headline number {i} about the talks</a></li>" for i in range(30))
    r["/wire/index"] = Route(f"<html><body><main><ul>{headlines}</ul></main></body></html>".encode())
    r["/wire/paywall"] = Route(
        b"<html><body><article><h1>Exclusive</h1><p>The first lines of the story about "
        b"the exchange.</p><p>Subscribe to continue reading. Already a subscriber? Log in."
        b"</p></article></body></html>"
    )
    r["/wire/video"] = Route(
        b"<html><head><meta property='og:type' content='video.other'></head><body><h1>Watch"
        b"</h1><video src='/v.mp4'></video><p>Video of the exchange.</p></body></html>"
    )
    r["/private/secret"] = Route(article_html("Secret", 6).encode())
    # A second outlet republishing the wire: one copy word for word, one lightly edited.
    r["/agency/atom.xml"] = Route(
        atom([(u("/agency/r1"), "Republished"), (u("/agency/r2"), "Copied")]),
        headers={"Content-Type": "application/atom+xml"},
    )
    r["/agency/r1"] = Route(
        article_html(
            "Moscow handed over list, Kremlin says", 1, extra="<p>Additional reporting by our desk.</p>"
        ).encode()
    )
    r["/agency/r2"] = Route(article_html("Kyiv confirms it received the list", 2).encode())
    # A truncated feed: the complete first item is kept, the rest is logged.
    ok_item = f"<item><title>Kept</title><link>{u('/broken/ok')}</link></item>"
    r["/broken/feed.xml"] = Route(
        f"<?xml version='1.0'?><rss version='2.0'><channel><title>B</title>{ok_item}<item><title>Cut off".encode(),
        headers={"Content-Type": "application/rss+xml"},
    )
    r["/broken/ok"] = Route(article_html("Ukrainian officials doubt the timetable", 9).encode())
    r["/gone/feed.xml"] = Route(b"oops", status=500, headers={"Content-Type": "text/plain"})


def sources(server: LoopbackServer) -> list[SourceConfig]:
    return [
        SourceConfig(id="wire", name="Wire", url=server.url("/wire/feed.xml"), interval="1h"),
        SourceConfig(id="agency", name="Agency", url=server.url("/agency/atom.xml")),
        SourceConfig(id="broken", name="Broken", url=server.url("/broken/feed.xml")),
        SourceConfig(id="gone", name="Gone", url=server.url("/gone/feed.xml")),
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, config):
    """Three passes: the first fetches everything, the second (forced) is conditional, the third is not due."""
    db_path = str(tmp_path_factory.mktemp("crawl") / "store.db")
    with LoopbackServer() as server:
        build_site(server)
        cfg = loopback_config(config, db_path, sources(server), timeout=1.0, retry_times=1, max_page_bytes=1_000_000)
        lines: list[str] = []
        first = crawl(cfg, force=True, progress=lines.append)
        db = open_store(db_path)
        counts_first = row_counts(db)
        hits_first = list(server.hits)
        second = crawl(cfg, force=True, progress=lines.append)
        counts_second = row_counts(db)
        hits_second = list(server.hits)
        third = crawl(cfg, force=False, progress=lines.append)
        yield {
            "server": server,
            "db": db,
            "first": first,
            "second": second,
            "third": third,
            "lines": lines,
            "counts": (counts_first, counts_second),
            "hits": (hits_first, hits_second),
        }
        db.conn.close()


def _article(db, path):
    rows = list(
        db.query(
            "SELECT a.* FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url LIKE ?", [f"%{path}"]
        )
    )
    return rows[0] if rows else None


def _fetch(db, path):
    rows = list(db.query("SELECT * FROM fetches WHERE url LIKE ? ORDER BY id", [f"%{path}"]))
    assert rows, f"no fetch recorded for {path}"
    return rows[0]


def test_good_articles_are_stored_with_canonical_urls(crawled):
    db = crawled["db"]
    a1 = _article(db, "/wire/a1")
    assert a1["canonical_url"].endswith("/wire/a1") and "utm_" in a1["url"]
    assert a1["title"] == "Kremlin says it handed over its list"
    assert a1["published"].startswith("2025-05-23") and a1["language"] == "en"
    assert "handed over its list" in a1["text"]
    assert _article(db, "/broken/ok") is not None, "the complete item of a truncated feed was lost"


def test_redirect_records_both_urls(crawled):
    db = crawled["db"]
    moved = _article(db, "/wire/moved")
    assert moved is not None and moved["canonical_url"].endswith("/wire/a3")
    urls = {
        r[0].rsplit("/", 1)[-1] for r in db.execute("SELECT url FROM article_urls WHERE article_id = ?", [moved["id"]])
    }
    assert {"moved", "a3"} <= urls


def test_wrong_charset_is_decoded(crawled):
    article = _article(crawled["db"], "/wire/cp1251")
    assert article is not None and "Песков заявил" in article["text"]
    assert article["language"] == "ru" and article["via"] == "TASS"


def test_retry_after_is_honoured(crawled):
    assert crawled["server"].count("/wire/flaky") >= 2
    assert _article(crawled["db"], "/wire/flaky") is not None


@pytest.mark.parametrize(
    "path, words",
    [
        ("/wire/dead", "404"),
        ("/wire/loop", "redirect"),
        ("/wire/huge", "cap"),
        ("/wire/slow", "timed out"),
        ("/private/secret", "robots.txt"),
        ("/gone/feed.xml", "500"),
    ],
)
def test_failures_are_recorded_with_a_clear_reason(crawled, path, words):
    fetch = _fetch(crawled["db"], path)
    assert fetch["outcome"] == "error" and words in fetch["error"]
    assert any(path in line and words in line for line in crawled["lines"]), f"no log line names {path}"


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/wire/index", "index page"),
        ("/wire/paywall", "paywall"),
        ("/wire/video", "video-only"),
        ("/wire/empty", "empty body"),
    ],
)
def test_pages_that_are_not_articles_are_kept_out(crawled, path, reason):
    fetch = _fetch(crawled["db"], path)
    assert fetch["outcome"] == "not-article" and reason in fetch["error"]
    assert _article(crawled["db"], path) is None


def test_truncated_feed_keeps_what_parses_and_says_so(crawled):
    fetch = _fetch(crawled["db"], "/broken/feed.xml")
    assert fetch["outcome"] == "partial" and "malformed feed" in fetch["error"] and "kept 1" in fetch["error"]


def test_duplicates_are_linked_to_the_original(crawled):
    db = crawled["db"]
    # The two outlets are crawled concurrently, so either copy may be stored first and be the original.
    for wire, agency in (("/wire/a2", "/agency/r2"), ("/wire/a1", "/agency/r1")):  # exact, then near copy
        one, other = _article(db, wire), _article(db, agency)
        assert {one["dup_of"], other["dup_of"]} in ({None, one["id"]}, {None, other["id"]}), (wire, agency)


def test_summary_and_source_health(crawled):
    first = crawled["first"]
    wire, agency = first.per_source["wire"], first.per_source["agency"]
    assert wire["new"] + wire.get("duplicate", 0) == 5  # a1, a2, a3 (via redirect), cp1251, flaky
    assert wire.get("duplicate", 0) + agency.get("duplicate", 0) == 2
    assert first.errors >= 6
    last_error = crawled["db"].execute("SELECT last_error FROM sources WHERE id = 'gone'").fetchone()[0]
    assert "500" in last_error


def test_second_pass_refetches_no_article(crawled):
    """Conditional GET answers 304 and no stored article page is fetched again."""
    server, (hits_first, hits_second) = crawled["server"], crawled["hits"]
    second = server.hits[len(hits_first) : len(hits_second)]
    assert not [p for p, _ in second if p.startswith(("/wire/a", "/agency/r", "/broken/ok", "/wire/moved"))]
    wire = [h for p, h in second if p == "/wire/feed.xml"]
    assert wire and wire[0].get("If-None-Match") == '"wire-1"'
    assert crawled["second"].per_source["wire"].get("not-modified") == 1
    assert crawled["second"].per_source["agency"].get("known") == 2
    counts_first, counts_second = crawled["counts"]
    assert counts_first["articles"] == counts_second["articles"]


def test_interval_is_respected(crawled):
    hits_second = crawled["hits"][1]
    assert not [p for p, _ in crawled["server"].hits[len(hits_second) :] if p.endswith((".xml", ".txt"))]
    assert crawled["third"].per_source["wire"] == {"not-due": 1}
