"""The crawler's pure parts: canonical URLs, decoding, feeds, agencies, language, back-off, not-articles, dedup."""

from __future__ import annotations

import pytest
from twisted.internet.error import DNSLookupError
from twisted.python.failure import Failure

from crawl_helpers import article_html, article_text
from onrecord.crawlers.agencies import cited_agency
from onrecord.crawlers.decode import decode_body
from onrecord.crawlers.dedup import NearDuplicateIndex, signature
from onrecord.crawlers.extract import Extraction, NotArticle, extract_article
from onrecord.crawlers.feeds import parse_feed
from onrecord.crawlers.fetch_errors import describe_failure
from onrecord.crawlers.middlewares import retry_after_seconds
from onrecord.crawlers.urls import canonical_url
from onrecord.nlp.language import detect_language


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://Tass.com:443/politics/1?utm_source=rss&utm_medium=feed#comments", "https://tass.com/politics/1"),
        ("http://example.org/a?b=2&a=1&fbclid=x", "http://example.org/a?a=1&b=2"),
        ("http://127.0.0.1:8080/p", "http://127.0.0.1:8080/p"),
        ("https://example.org", "https://example.org/"),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_decode_prefers_bytes_that_decode_over_a_wrong_declaration():
    text = "Обмен пленными состоялся"
    decoded, charset = decode_body(text.encode("utf-8"), "iso-8859-1")
    assert decoded == text and charset == "utf-8"
    assert decode_body(f"<meta charset='koi8-r'>{text}".encode("koi8-r"))[0].endswith(text)


def test_feed_keeps_entries_of_a_truncated_document():
    body = b"<rss version='2.0'><channel><item><title>A</title><link>http://x/a</link></item><item><title>B"
    result = parse_feed(body, "http://x/feed")
    assert [e.link for e in result.entries] == ["http://x/a"] and result.problem.startswith("malformed feed")


@pytest.mark.parametrize("body, problem", [(b"", "empty feed body"), (b"<html><p>hello</p></html>", "not a feed")])
def test_feed_problems_are_named(body, problem):
    result = parse_feed(body, "http://x/feed")
    assert result.failed and problem in result.problem


@pytest.mark.parametrize(
    "text, agency",
    [
        ("Peskov told Interfax on Monday that the list had been handed over.", "Interfax"),
        ("MOSCOW, May 23. /TASS/ — text", None),
        ("Moscow, May 23 — TASS. The Kremlin said", "TASS"),
        ("Песков заявил об этом, сообщает ТАСС.", "TASS"),
        ("Про це Лубінець повідомив Укрінформу.", "Ukrinform"),
        ("KYIV (Reuters) - Ukraine said", "Reuters"),
        ("The weather was fine.", None),
    ],
)
def test_cited_agency(text, agency):
    assert cited_agency(text) == agency


def test_outlet_does_not_cite_itself():
    assert cited_agency("Moscow, May 23 — TASS. The Kremlin said", own_agency="TASS") is None


@pytest.mark.parametrize(
    "text, declared, expected",
    [
        ("Обмін полоненими відбувся, повідомили в Координаційному штабі. Їх повернули додому.", None, "uk"),
        ("Обмен пленными состоялся, сообщили в Минобороны. Их вернули домой, это подтвердили.", None, "ru"),
        ("The exchange took place on Friday.", "ru", "en"),
        ("The exchange took place on Friday.", None, "en"),
        # neighbours of the wires' languages are told apart, not folded into them
        ("Абмен палоннымі адбыўся ў пятніцу, паведамілі ў Міністэрстве абароны. Іх вярнулі дадому.", "ru", "be"),
        ("Wymiana jeńców odbyła się w piątek, poinformowało ministerstwo obrony. Wrócili do domu.", "uk", "pl"),
        ("Der Gefangenenaustausch fand am Freitag statt, teilte das Verteidigungsministerium mit.", "en", "de"),
        # links and Markdown do not make a Russian post Polish or English
        (
            "**Обмен пленными** состоялся [подробнее](https://t.me/+xDU2HIttx541Mzky) — сообщили в Минобороны "
            "https://example.org/news/2025/05/23/exchange-390-people-home",
            None,
            "ru",
        ),
        # too little text to tell: the page's declared language (normalised), else the default
        ("Обмен 390 на 390", "uk-UA", "uk"),
        ("OK", None, "en"),
    ],
)
def test_detect_language(text, declared, expected):
    assert detect_language(text, declared=declared) == expected


def test_retry_after_header_forms():
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: retry now


def test_dns_failure_is_described():
    assert describe_failure(Failure(DNSLookupError("nohost.invalid")), 10, 5) == "DNS lookup failed (no such host)"


def test_article_fields_are_extracted():
    result = extract_article(article_html("Kyiv confirms it received the list", 3), "http://x/a", own_agency=None)
    assert isinstance(result, Extraction)
    assert result.title == "Kyiv confirms it received the list" and result.language == "en"
    assert "handed over its list" in result.text and "© Test outlet" not in result.text


@pytest.mark.parametrize(
    "html, reason",
    [
        ("", "empty body"),
        ("<html><body><h1>Watch</h1><video src='/v.mp4'></video><p>Clip.</p></body></html>", "video-only"),
        ("<html><body><p>Short note.</p></body></html>", "too little text"),
    ],
)
def test_not_articles(html, reason):
    result = extract_article(html, "http://x/p")
    assert isinstance(result, NotArticle) and reason in result.reason


def test_near_duplicates_link_to_the_original(tmp_path):
    from onrecord.core.records import Article
    from onrecord.storage.articles import save_article
    from onrecord.storage.db import open_store

    original = "\n".join(article_text(11))
    edited = original.replace("Paragraph 2.", "Paragraph two, updated.") + "\nAdditional reporting by our desk."
    unrelated = "\n".join(article_text(12))
    db = open_store(tmp_path / "store.db")
    stored = Article.create(url="http://x/orig", canonical_url="http://x/orig", source="s", title="t", text=original)
    save_article(db, stored)
    index = NearDuplicateIndex(db, 0.8)
    index.remember(db, stored.id, signature(original), None)
    assert index.find("copy", signature(edited)) == stored.id
    assert index.find("other", signature(unrelated)) is None
    assert signature("too short") is None


def test_the_feed_text_is_used_only_where_the_page_gives_none_or_less():
    from onrecord.crawlers.extract import Extraction, NotArticle, prefer_feed_text
    from onrecord.crawlers.feed_text import html_to_paragraphs

    feed = html_to_paragraphs(
        "<div><p>The minister said the talks would resume on Monday in the capital.</p></div>"
        "<p>" + "Both delegations agreed to exchange lists of prisoners before the next round. " * 4 + "</p>"
        "<img src='x.jpg'><script>var x = 1;</script>"
    )
    assert feed.splitlines()[0] == "The minister said the talks would resume on Monday in the capital."
    assert "var x" not in feed and len(feed.splitlines()) == 2
    page = Extraction(title="T", text=feed, published=None, language="en", via=None)
    assert prefer_feed_text(page, feed).text_source == "page"  # the page as long: the page stays
    short = Extraction(
        title="T", text="The minister said the talks would resume.", published=None, language="en", via=None
    )
    chosen = prefer_feed_text(short, feed)
    assert chosen.text_source == "feed" and chosen.text == feed and chosen.title == "T"
    refused = prefer_feed_text(NotArticle("empty body"), feed)
    assert isinstance(refused, Extraction) and refused.text_source == "feed"
    assert isinstance(prefer_feed_text(NotArticle("empty body"), "Too short a teaser."), NotArticle)


def test_a_feed_date_is_checked_against_the_zone_rules_and_the_page():
    from zoneinfo import ZoneInfo

    from onrecord.crawlers.dates import page_date, settle_date

    moscow = ZoneInfo("Europe/Moscow")
    # Half past midnight in Moscow, written with the pre-2014 offset: stays on its day, at +03:00.
    assert settle_date("2020-08-19T20:30:00+00:00", "2020-08-20T00:30:00+04:00", "2020-08-20", moscow) == (
        "2020-08-20T00:30:00+03:00",
        "feed, offset corrected",
    )
    # The same in RSS's date form; and a right offset is not "corrected".
    assert settle_date("2020-08-19T20:30:00+00:00", "Thu, 20 Aug 2020 00:30:00 +0400", None, moscow)[0] == (
        "2020-08-20T00:30:00+03:00"
    )
    assert settle_date("2020-08-19T21:30:00+00:00", "2020-08-20T00:30:00+03:00", None, moscow) == (
        "2020-08-20T00:30:00+03:00",
        "feed",
    )
    # In 2013 Moscow was UTC+4: the same offset is right then.
    assert settle_date("2013-08-19T20:30:00+00:00", "2013-08-20T00:30:00+04:00", None, moscow)[1] == "feed"
    # No known zone: the feed's UTC date stands unless the page's own day disagrees, then the page wins.
    assert settle_date("2020-08-19T20:30:00+00:00", "x", None, None) == ("2020-08-19T20:30:00+00:00", "feed")
    assert settle_date("2020-08-19T20:30:00+00:00", "x", "2020-08-20", None) == ("2020-08-20", "page")
    assert settle_date(None, None, "2020-08-20", None) == ("2020-08-20", "page")
    page = "<html><body><time class='x' datetime='2020-08-20' itemprop='datePublished'>August 20</time></body></html>"
    assert page_date(page) == "2020-08-20"
    assert (
        page_date("<meta property='article:published_time' content='2025-05-23T09:00:00Z'>") == "2025-05-23T09:00:00Z"
    )
