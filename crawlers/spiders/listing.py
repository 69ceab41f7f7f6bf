"""The generic listing spider: a site without a usable feed, its article links picked by a CSS selector."""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.http import Response, TextResponse

from onrecord.crawlers.spiders.base import SourceSpider
from onrecord.core.config import SourceConfig

DEFAULT_LINK_SELECTOR = "article a, h2 a, h3 a"


class ListingSpider(SourceSpider):
    name = "listing"
    kind = "site"

    def links(self, response: Response, source: SourceConfig):
        if not isinstance(response, TextResponse):
            return [], "listing page is not HTML", "error"
        selector = source.link_selector or DEFAULT_LINK_SELECTOR
        links, seen = [], set()
        for anchor in response.css(selector):
            href = anchor.attrib.get("href") or anchor.css("a::attr(href)").get()
            if not href:
                continue
            url = urljoin(response.url, href.strip())
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                links.append((url, " ".join(anchor.css("::text").getall()).strip()[:300], None))
        if not links:
            return [], f"no links matched the selector {selector!r}", "error"
        return links, None, "ok"
