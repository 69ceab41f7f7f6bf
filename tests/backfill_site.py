"""A dated archive of our own, for backfill tests and benchmarks/backfill.py: articles spread over days, reachable
three ways, as outlets offer them: a listing page per day, a sitemap index with a child sitemap per month (with
<lastmod>), and an RSS feed paged from newest to oldest.

    /news/2025/05/16/report-17.html     an article (its date in <time> and article:published_time)
    /archive/2025/05/16/                the day's listing (h2 links)
    /sitemap.xml                        the index; /sitemaps/2025-05.xml the month's URLs, each with <lastmod>
    /feed/page/1/                       20 entries a page, newest first; past the last page: 404
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from email.utils import format_datetime
from html import escape

from crawl_helpers import article_text

FEED_PAGE_SIZE = 20
HTML = "text/html; charset=utf-8"
XML = "application/xml"


def article_dates(count: int, first: date, last: date) -> list[date]:
    """`count` articles spread evenly from `first` to `last`, oldest first."""
    days = (last - first).days + 1
    return [first + timedelta(days=(i * days) // count) for i in range(count)]


def article_path(i: int, day: date) -> str:
    return f"/news/{day:%Y/%m/%d}/report-{i}.html"


def article_page(i: int, day: date, paragraphs: int = 6) -> bytes:
    body = "".join(f"<p>{escape(p)}</p>" for p in article_text(i, paragraphs))
    return (
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Report {i}</title>"
        f"<meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='{day.isoformat()}T09:00:00+00:00'></head><body>"
        f"<header><nav><a href='/'>Home</a></nav></header><article><h1>Report {i} on the talks</h1>"
        f"<time datetime='{day.isoformat()}'>{day:%d %B %Y}</time>{body}</article>"
        f"<footer>© Archive outlet</footer></body></html>"
    ).encode()


def archive_pages(base: str, count: int, first: date, last: date, paragraphs: int = 6) -> dict[str, tuple[bytes, str]]:
    """Every page of the archive served at `base` (sitemaps and feeds name absolute URLs): path -> (body, type)."""
    pages: dict[str, tuple[bytes, str]] = {}
    by_day: dict[date, list[int]] = defaultdict(list)
    dates = article_dates(count, first, last)
    for i, day in enumerate(dates):
        pages[article_path(i, day)] = (article_page(i, day, paragraphs), HTML)
        by_day[day].append(i)
    day = first
    while day <= last:  # a listing for every day, empty ones too
        links = "".join(f"<h2><a href='{article_path(i, day)}'>Report {i}</a></h2>" for i in by_day.get(day, []))
        nav = "<nav><a href='/'>Home</a> <a href='/about'>About</a></nav>"
        pages[f"/archive/{day:%Y/%m/%d}/"] = (f"<html><body>{nav}<main>{links}</main></body></html>".encode(), HTML)
        day += timedelta(days=1)
    pages.update(_sitemaps(base, dates))
    pages.update(_feed_pages(base, dates))
    return pages


def _sitemaps(base: str, dates: list[date]) -> dict[str, tuple[bytes, str]]:
    months: dict[str, list[int]] = defaultdict(list)
    for i, day in enumerate(dates):
        months[f"{day:%Y-%m}"].append(i)
    ns = "http://www.sitemaps.org/schemas/sitemap/0.9"
    pages = {}
    index = []
    for month, ids in sorted(months.items()):
        urls = "".join(
            f"<url><loc>{base}{article_path(i, dates[i])}</loc><lastmod>{dates[i].isoformat()}</lastmod></url>"
            for i in ids
        )
        pages[f"/sitemaps/{month}.xml"] = (f"<?xml version='1.0'?><urlset xmlns='{ns}'>{urls}</urlset>".encode(), XML)
        index.append(
            f"<sitemap><loc>{base}/sitemaps/{month}.xml</loc><lastmod>{dates[ids[-1]].isoformat()}</lastmod></sitemap>"
        )
    body = f"<?xml version='1.0'?><sitemapindex xmlns='{ns}'>{''.join(index)}</sitemapindex>"
    pages["/sitemap.xml"] = (body.encode(), XML)
    return pages


def _feed_pages(base: str, dates: list[date]) -> dict[str, tuple[bytes, str]]:
    from datetime import UTC, datetime

    newest_first = sorted(range(len(dates)), key=lambda i: (dates[i], i), reverse=True)
    pages = {}
    for n in range(0, len(newest_first), FEED_PAGE_SIZE):
        items = "".join(
            f"<item><title>Report {i}</title><link>{base}{article_path(i, dates[i])}</link>"
            f"<pubDate>{format_datetime(datetime(dates[i].year, dates[i].month, dates[i].day, 9, tzinfo=UTC))}"
            f"</pubDate></item>"
            for i in newest_first[n : n + FEED_PAGE_SIZE]
        )
        body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>Archive</title>{items}</channel></rss>"
        pages[f"/feed/page/{n // FEED_PAGE_SIZE + 1}/"] = (body.encode(), "application/rss+xml")
    return pages


def in_range(count: int, first: date, last: date, since: date, until: date) -> set[str]:
    """Paths of the articles dated since..until."""
    return {article_path(i, d) for i, d in enumerate(article_dates(count, first, last)) if since <= d <= until}
