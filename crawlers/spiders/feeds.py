"""The generic feed spider: fetch a feed's bytes, let feedparser parse them, follow every new entry."""

from __future__ import annotations

from scrapy.http import Response

from onrecord.crawlers.feeds import parse_feed
from onrecord.crawlers.spiders.base import SourceSpider, header
from onrecord.core.config import SourceConfig


class FeedSpider(SourceSpider):
    name = "feeds"
    kind = "feed"

    def links(self, response: Response, source: SourceConfig):
        result = parse_feed(response.body, response.url, header(response, "Content-Type"))
        links = [(e.link, e.title, e.published) for e in result.entries]
        if result.failed:
            return links, result.problem, "error"
        if result.problem:
            return links, f"{result.problem}; kept {len(links)} entries", "partial"
        return links, None, "ok"
