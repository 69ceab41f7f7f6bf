"""The archive kinds: where a walk starts, and what one archive page gives (the article links in the date range
and the archive pages to read after it). Pure functions of a response; nothing here fetches.

- dated_listing: one listing page per day (or month), from `until` back to `since`; every link on a day's page
  belongs to that day.
- sitemap: a sitemap index whose child sitemaps carry <lastmod> (a child last changed before `since` holds nothing
  newer and is not read), or one sitemap; a URL is in range by its <news:publication_date>, else its <lastmod>.
- feed_pages: the feed's page 1, 2, 3 ... (newest first); the walk stops at the first page whose dated entries are
  all older than `since`, at an empty page, at a 404, or after `max_pages`.

A link whose date cannot be told (a sitemap URL without a date, a feed entry without one) is left out and counted:
the walk keeps to the range it was asked for.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from lxml import etree
from scrapy.http import Response

from onrecord.core.config import ArchiveConfig, SourceConfig
from onrecord.crawlers.feeds import usable_link
from onrecord.crawlers.links import feed_links, listing_links

Link = tuple[str, str, str | None]  # (url, title, published or None), as the crawl's link extractors give them
MAX_SITEMAP_BYTES = 50_000_000  # the sitemaps protocol's own limit for one (uncompressed) file


@dataclass(frozen=True)
class DateRange:
    since: date
    until: date

    def overlaps(self, span: tuple[date, date]) -> bool:
        return span[0] <= self.until and span[1] >= self.since

    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass
class PageResult:
    """What one archive page gave."""

    links: list[Link] = field(default_factory=list)
    more: list[tuple[str, str, str | None]] = field(default_factory=list)  # pages to read next: (url, role, day)
    outcome: str = "ok"  # of the page's fetch: ok, partial or error
    problem: str | None = None
    out_of_range: int = 0
    undated: int = 0
    oldest: date | None = None  # the oldest date the page showed (where a feed_pages walk has got to)


def first_pages(archive: ArchiveConfig, span: DateRange) -> list[tuple[str, str, str | None]]:
    """The pages a walk starts with, in walk order: (url, role, day)."""
    if archive.kind == "sitemap":
        return [(archive.url, "index", None)]
    if archive.kind == "feed_pages":
        return [(archive.url.format(page=archive.first_page), "feed", None)]
    return [(archive.url.format(date=day), "listing", day.isoformat()) for day in listing_days(archive.step, span)]


def listing_days(step: str, span: DateRange) -> list[date]:
    """The days (or first days of months) a dated listing is read for, newest first."""
    if step == "month":
        months, day = [], span.until.replace(day=1)
        while day >= span.since.replace(day=1):
            months.append(day)
            day = (day - timedelta(days=1)).replace(day=1)
        return months
    return [span.until - timedelta(days=n) for n in range(span.days())]


def date_span(text: str | None) -> tuple[date, date] | None:
    """The days a W3C datetime covers ('2025-05-16T10:00+03:00' one, '2025-05' a month, '2025' a year), as written."""
    text = (text or "").strip()
    try:
        if len(text) >= 10:
            day = date.fromisoformat(text[:10])
            return day, day
        if len(text) == 7:
            first = date.fromisoformat(text + "-01")
            return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1), date(int(text), 12, 31)
    except ValueError:
        return None
    return None


def read_page(
    role: str, seq: int, response: Response, source: SourceConfig, archive: ArchiveConfig, span: DateRange
) -> PageResult:
    """What an archive page of this role gives."""
    if role in ("index", "sitemap"):
        return _sitemap(response, span)
    if role == "feed":
        return _feed_page(response, source, archive, span, seq)
    return _listing(response, source, archive)


def _listing(response: Response, source: SourceConfig, archive: ArchiveConfig) -> PageResult:
    selector = archive.link_selector or source.link_selector
    found = listing_links(response, source.model_copy(update={"link_selector": selector}))
    if found.outcome == "error" and (found.problem or "").startswith("no links matched"):
        return PageResult()  # a day without articles: nothing on its page
    return PageResult(links=found.links, outcome=found.outcome, problem=found.problem)


def _feed_page(
    response: Response, source: SourceConfig, archive: ArchiveConfig, span: DateRange, seq: int
) -> PageResult:
    found = feed_links(response, source)
    result = PageResult(outcome=found.outcome, problem=found.problem)
    newest: date | None = None
    for url, title, published in found.links:
        span_of = date_span(published)
        if span_of is None:
            result.undated += 1
            continue
        newest = max(newest or span_of[0], span_of[0])
        result.oldest = min(result.oldest or span_of[0], span_of[0])
        if span.overlaps(span_of):
            result.links.append((url, title, published))
        else:
            result.out_of_range += 1
    page = archive.first_page + seq - 1  # a feed walk plans its pages one after another: seq 1 is the first
    if found.links and (newest is None or newest >= span.since) and seq < archive.max_pages:
        result.more.append((archive.url.format(page=page + 1), "feed", None))
    return result


def _sitemap(response: Response, span: DateRange) -> PageResult:
    try:
        kind, entries = parse_sitemap(response.body)
    except ValueError as exc:
        return PageResult(outcome="error", problem=str(exc))
    result = PageResult()
    for loc, written in entries:
        try:
            url = usable_link(response.urljoin(loc))
        except ValueError:
            result.outcome, result.problem = "partial", f"unusable URL in the sitemap: {loc[:200]}"
            continue
        span_of = date_span(written)
        if kind == "sitemapindex":  # a child last changed before `since` holds nothing newer
            if span_of is None or span_of[1] >= span.since:
                result.more.append((url, "sitemap", written))
            else:
                result.out_of_range += 1
        elif span_of is None:
            result.undated += 1
        elif span.overlaps(span_of):
            result.links.append((url, "", None))
        else:
            result.out_of_range += 1
    # Walk back in time: the newest child sitemaps first (those without a date last, in the index's order).
    result.more.sort(key=lambda page: page[2] or "", reverse=True)
    return result


def parse_sitemap(body: bytes) -> tuple[str, list[tuple[str, str | None]]]:
    """('sitemapindex' or 'urlset', [(loc, date as written)]); a URL's date is its news:publication_date, else its
    lastmod. Gzipped sitemaps are unpacked (up to the protocol's 50 MB); entities are never resolved."""
    if body[:2] == b"\x1f\x8b":
        from scrapy.utils.gz import gunzip

        try:
            body = gunzip(body, max_size=MAX_SITEMAP_BYTES)
        except (OSError, ValueError) as exc:
            raise ValueError(f"not a readable gzipped sitemap ({exc})") from None
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not a sitemap ({exc})") from None
    kind = etree.QName(root).localname if root is not None and isinstance(root.tag, str) else ""
    if kind not in ("sitemapindex", "urlset"):
        raise ValueError(f"not a sitemap (its root element is {kind or 'missing'!r}, not urlset or sitemapindex)")
    entries = []
    for entry in root:
        if not isinstance(entry.tag, str):
            continue
        fields: dict[str, str] = {}
        for el in entry.iter():  # the first of each name: an image:loc inside a <url> is not the URL's loc
            if isinstance(el.tag, str):
                fields.setdefault(etree.QName(el).localname, (el.text or "").strip())
        if fields.get("loc"):
            entries.append((fields["loc"], fields.get("publication_date") or fields.get("lastmod") or None))
    return kind, entries
