"""The archive kinds as pure functions of a response (crawlers/archive/kinds.py): what one archive page gives."""

from __future__ import annotations

import gzip
from datetime import date

import pytest
from scrapy.http import HtmlResponse, Request, XmlResponse

from onrecord.commands.backfill import estimate
from onrecord.core.config import ArchiveConfig, SourceConfig
from onrecord.crawlers.archive.kinds import DateRange, date_span, first_pages, listing_days, parse_sitemap, read_page

SPAN = DateRange(date(2025, 5, 1), date(2025, 5, 20))
SOURCE = SourceConfig(id="s", name="S", url="https://example.org/feed")
NS = "xmlns='http://www.sitemaps.org/schemas/sitemap/0.9' xmlns:news='http://www.google.com/schemas/sitemap-news/0.9'"


def xml(url: str, body: bytes) -> XmlResponse:
    return XmlResponse(url, body=body, request=Request(url))


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("2025-05-16T10:00:00+03:00", (date(2025, 5, 16), date(2025, 5, 16))),
        ("2025-02", (date(2025, 2, 1), date(2025, 2, 28))),
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("yesterday", None),
        ("", None),
    ],
)
def test_date_span_reads_w3c_datetimes_as_written(text, span):
    assert date_span(text) == span


def test_listing_days_walk_back_by_day_or_month():
    assert listing_days("day", SPAN)[:2] == [date(2025, 5, 20), date(2025, 5, 19)]
    assert len(listing_days("day", SPAN)) == 20
    assert listing_days("month", DateRange(date(2024, 12, 15), date(2025, 2, 3))) == [
        date(2025, 2, 1),
        date(2025, 1, 1),
        date(2024, 12, 1),
    ]
    archive = ArchiveConfig(kind="dated_listing", url="https://example.org/by-date/{date:%d.%m.%Y}")
    assert first_pages(archive, SPAN)[0] == ("https://example.org/by-date/20.05.2025", "listing", "2025-05-20")


def test_a_sitemap_index_skips_children_older_than_the_range_and_goes_newest_first():
    body = (
        f"<sitemapindex {NS}>"
        "<sitemap><loc>https://example.org/s/2025-03.xml</loc><lastmod>2025-03-31</lastmod></sitemap>"
        "<sitemap><loc>https://example.org/s/2025-04.xml</loc><lastmod>2025-05-02</lastmod></sitemap>"
        "<sitemap><loc>https://example.org/s/2025-05.xml</loc><lastmod>2025-05-30</lastmod></sitemap>"
        "<sitemap><loc>https://example.org/s/undated.xml</loc></sitemap>"
        "</sitemapindex>"
    ).encode()
    archive = ArchiveConfig(kind="sitemap", url="https://example.org/sitemap.xml")
    result = read_page("index", 1, xml("https://example.org/sitemap.xml", body), SOURCE, archive, SPAN)
    assert [url.rsplit("/", 1)[1] for url, _, _ in result.more] == ["2025-05.xml", "2025-04.xml", "undated.xml"]
    assert result.out_of_range == 1 and result.links == []


def test_a_sitemap_keeps_urls_in_range_by_publication_date_else_lastmod():
    body = (
        f"<urlset {NS} xmlns:image='http://www.google.com/schemas/sitemap-image/1.1'>"
        "<url><loc>https://example.org/a</loc><lastmod>2025-06-01</lastmod>"  # changed later, published in range
        "<news:news><news:publication_date>2025-05-03T08:00:00Z</news:publication_date></news:news></url>"
        "<url><loc>https://example.org/b</loc><image:image><image:loc>https://example.org/b.jpg</image:loc>"
        "</image:image><lastmod>2025-05-19</lastmod></url>"
        "<url><loc>https://example.org/c</loc><lastmod>2025-04-30</lastmod></url>"
        "<url><loc>https://example.org/d</loc></url>"
        "</urlset>"
    ).encode()
    archive = ArchiveConfig(kind="sitemap", url="https://example.org/sitemap.xml")
    for payload in (body, gzip.compress(body)):
        result = read_page("sitemap", 2, xml("https://example.org/s.xml", payload), SOURCE, archive, SPAN)
        assert [url for url, _, _ in result.links] == ["https://example.org/a", "https://example.org/b"]
        assert (result.out_of_range, result.undated) == (1, 1)


def test_what_is_not_a_sitemap_is_said():
    with pytest.raises(ValueError, match="its root element is 'html'"):
        parse_sitemap(b"<html><body>Just a moment...</body></html>")


def feed(items: list[tuple[str, str]]) -> bytes:
    entries = "".join(f"<item><link>https://example.org/{n}</link><pubDate>{d}</pubDate></item>" for n, d in items)
    return f"<rss version='2.0'><channel><title>t</title>{entries}</channel></rss>".encode()


def test_feed_pages_keep_the_range_and_stop_past_since():
    archive = ArchiveConfig(kind="feed_pages", url="https://example.org/feed/?paged={page}", max_pages=3)
    url = "https://example.org/feed/?paged=1"
    page = feed([("new", "Thu, 22 May 2025 10:00:00 GMT"), ("in", "Fri, 16 May 2025 10:00:00 GMT")])
    result = read_page("feed", 1, xml(url, page), SOURCE, archive, SPAN)
    assert [u for u, _, _ in result.links] == ["https://example.org/in"] and result.out_of_range == 1
    assert result.more == [("https://example.org/feed/?paged=2", "feed", None)]
    older = feed([("old", "Tue, 29 Apr 2025 10:00:00 GMT")])
    assert read_page("feed", 2, xml(url, older), SOURCE, archive, SPAN).more == []  # all before since: the end
    assert read_page("feed", 3, xml(url, page), SOURCE, archive, SPAN).more == []  # max_pages reached


def test_an_empty_day_is_read_and_empty():
    archive = ArchiveConfig(kind="dated_listing", url="https://example.org/{date:%Y/%m/%d}/", link_selector="main a")
    body = b"<html><body><nav><a href='/'>Home</a></nav><main></main></body></html>"
    response = HtmlResponse("https://example.org/2025/05/03/", body=body, request=Request("https://example.org/"))
    result = read_page("listing", 1, response, SOURCE, archive, SPAN)
    assert (result.outcome, result.links) == ("ok", [])


def test_the_estimate_scales_the_links_found_by_the_share_walked():
    progress = {"links": 100, "walked": 0.25, "counts": {"new": 40, "known": 10}}
    assert estimate(progress) == (50, 400)
    assert estimate({**progress, "walked": None}) == (50, None)
