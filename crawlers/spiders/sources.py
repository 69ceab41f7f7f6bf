"""The one spider: every enabled source, whatever its kind; the kind only picks the link extractor.

It asks for each due source's document (conditional GET), hands it to the link extractor of its kind
(crawlers.links), requests the new article pages, and turns every failure into a recorded fetch instead
of an exception. The pass's live objects (config model, store writer, extraction workers) are built here
from the plain settings, inside the crawler process.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from onrecord.core.config import Config, SourceConfig
from onrecord.core.records import Fetch
from onrecord.crawlers.decode import decode_body
from onrecord.crawlers.fetch_errors import describe_failure, describe_status
from onrecord.crawlers.items import FetchItem, PageItem
from onrecord.crawlers.links import LINK_EXTRACTORS, header
from onrecord.crawlers.pipelines import PassResources
from onrecord.crawlers.revisits import DueRevisit, due_revisits
from onrecord.crawlers.urls import canonical_url
from onrecord.storage.articles import any_url_known
from onrecord.storage.fetches import last_fetched_at, last_validators, refused_before

log = logging.getLogger("onrecord.crawl")
ERROR_STATUSES = list(range(400, 600))
GONE = (404, 410)  # a stored article's page answering this was withdrawn


def requested_url(response: Response) -> str:
    """The URL the spider asked for (`response.url` is where redirects ended)."""
    assert response.request is not None  # Scrapy sets it on every response it hands a callback
    return response.request.url


class SourceSpider(scrapy.Spider):
    name = "sources"

    def __init__(
        self,
        config: Config,
        resources: PassResources,
        force: bool = False,
        recheck_refused: bool = False,
        sources: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.config = config
        self.resources = resources
        self.db = resources.writer.db  # reads see the writes of the open batch too
        self.force = force
        self.recheck_refused = recheck_refused  # fetch again pages an earlier pass refused as not articles
        self.source_ids = sources
        self.requested: set[str] = set()  # page URLs requested in this run (requests are not dupe-filtered,
        # so that a redirect loop ends in an error we record instead of a silently dropped request)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        settings = crawler.settings
        config = Config.model_validate(settings.getdict("ONRECORD_CONFIG"))
        resources = PassResources(config, settings["ONRECORD_DB_PATH"])
        spider = super().from_crawler(
            crawler,
            *args,
            config=config,
            resources=resources,
            force=settings.getbool("ONRECORD_FORCE"),
            recheck_refused=settings.getbool("ONRECORD_RECHECK_REFUSED"),
            **kwargs,
        )
        return spider

    def my_sources(self) -> list[SourceConfig]:
        wanted = set(self.source_ids) if self.source_ids is not None else None
        return [s for s in self.config.sources if s.enabled and (wanted is None or s.id in wanted)]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for source in self.my_sources():
            if not self.force and not self._due(source):
                self.crawler.stats.inc_value(f"onrecord/source/{source.id}/not-due")
                log.info("%s: skipped, crawled less than %s ago", source.id, source.interval)
                continue
            yield scrapy.Request(
                source.url,
                headers=self.conditional_headers(source.url),
                callback=self.parse_source,
                errback=self.failed,
                dont_filter=True,
                meta={"source": source.id, "kind": source.kind, "handle_httpstatus_list": [304, *ERROR_STATUSES]},
            )
            for revisit in due_revisits(self.db, self.config, source):
                yield self.revisit_request(source, revisit)

    def _due(self, source: SourceConfig) -> bool:
        last = last_fetched_at(self.db, source.url, source.id)
        if not last:
            return True
        return datetime.now(UTC) - datetime.fromisoformat(last) >= timedelta(seconds=source.interval_seconds * 0.95)

    # -- the source document (feed or listing page) ---------------------------------------------------

    def source_fetch(self, response: Response, **fields: Any) -> Fetch:
        return Fetch(
            url=requested_url(response),
            source=response.meta["source"],
            kind=response.meta["kind"],
            status=response.status,
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            bytes=len(response.body),
            final_url=response.url if response.url != requested_url(response) else None,
            **fields,
        )

    def parse_source(self, response: Response) -> Iterable[Any]:
        source = self.config.source(response.meta["source"])
        assert source is not None  # the request was made for one of this pass's sources
        if response.status == 304:
            yield FetchItem(self.source_fetch(response, outcome="not-modified"))
            log.info("%s: %s not modified since the last crawl", source.id, source.kind)
            return
        if response.status >= 400:
            note = response.meta.get("backoff_note")
            yield FetchItem(self.source_fetch(response, outcome="error", error=describe_status(response.status, note)))
            return
        found = LINK_EXTRACTORS[source.kind](response, source)
        fetch = self.source_fetch(response, outcome=found.outcome, error=found.problem)
        if found.outcome != "ok":  # not read whole: no validators, so the next pass reads it again (no 304)
            fetch = replace(fetch, etag=None, last_modified=None)
        yield FetchItem(fetch)
        for link, why in found.unusable:  # each broken link is recorded; the rest of the document goes on
            yield FetchItem(Fetch(url=link, source=source.id, kind="page", outcome="error", error=why))
        yield from self.page_requests(source, found.links, found.texts, found.stated)

    # -- article pages ---------------------------------------------------------------------------------

    def conditional_headers(self, url: str) -> dict[str, str]:
        """If-None-Match / If-Modified-Since from what the last good fetch of `url` answered (none if never)."""
        etag, modified = last_validators(self.db, url)
        return {k: v for k, v in (("If-None-Match", etag), ("If-Modified-Since", modified)) if v}

    def revisit_request(self, source: SourceConfig, revisit: DueRevisit) -> scrapy.Request:
        """A stored article's page again, conditional on what its last good fetch said (ETag, Last-Modified)."""
        self.crawler.stats.inc_value(f"onrecord/source/{source.id}/revisited")
        self.requested.add(revisit.url)
        return scrapy.Request(
            revisit.url,
            headers=self.conditional_headers(revisit.url),
            callback=self.parse_page,
            errback=self.failed,
            dont_filter=True,
            meta={
                "source": source.id,
                "kind": "page",
                "link": revisit.link,
                "title": revisit.title,
                "published": None,
                "revisit": revisit.article_id,
                "handle_httpstatus_list": [304, *ERROR_STATUSES],
            },
        )

    def page_requests(
        self,
        source: SourceConfig,
        links: list[tuple[str, str, str | None]],
        texts: dict[str, str] | None = None,
        stated: dict[str, str] | None = None,
    ) -> Iterable[Any]:
        stats = self.crawler.stats
        queued = known = refused = 0
        for link, title, published in links:
            try:
                url = canonical_url(link)
                request = scrapy.Request(url, dont_filter=True)
            except ValueError as exc:  # a link the extractors let through but URL handling cannot take
                yield FetchItem(
                    Fetch(url=link, source=source.id, kind="page", outcome="error", error=f"unusable link: {exc}")
                )
                continue
            if url in self.requested:
                continue
            if any_url_known(self.db, link, url):
                known += 1
                stats.inc_value(f"onrecord/source/{source.id}/known")
                continue
            if not self.recheck_refused and refused_before(self.db, url):  # a page once refused stays refused
                refused += 1
                stats.inc_value(f"onrecord/source/{source.id}/refused-before")
                continue
            queued += 1
            self.requested.add(url)
            yield request.replace(
                callback=self.parse_page,
                errback=self.failed,
                meta={
                    "source": source.id,
                    "kind": "page",
                    "link": link,
                    "title": title,
                    "published": published,
                    "feed_text": (texts or {}).get(link),
                    "feed_stated": (stated or {}).get(link),
                    "handle_httpstatus_list": ERROR_STATUSES,
                },
            )
        log.info(
            "%s: %d links, %d new to fetch, %d already stored%s",
            source.id,
            len(links),
            queued,
            known,
            f", {refused} refused before (not fetched again)" if refused else "",
        )

    def parse_page(self, response: Response) -> Iterable[Any]:
        meta = response.meta
        if meta.get("revisit") and (response.status == 304 or response.status in GONE):
            yield from self.revisit_answer(response)
            return
        if response.status >= 400 and meta.get("feed_text"):  # the page is refused: the feed's text is stored
            yield PageItem(
                source=meta["source"],
                link=meta["link"],
                url=requested_url(response),
                final_url=response.url,
                status=response.status,
                html="",
                bytes=len(response.body),
                content_type="",
                feed_title=meta.get("title") or "",
                feed_published=meta.get("published"),
                feed_stated=meta.get("feed_stated"),
                feed_text=meta["feed_text"],
                page_error=describe_status(response.status, meta.get("backoff_note")),
            )
            return
        if response.status >= 400:
            yield FetchItem(
                Fetch(
                    url=requested_url(response),
                    source=meta["source"],
                    kind="page",
                    status=response.status,
                    outcome="error",
                    error=describe_status(response.status, meta.get("backoff_note")),
                    final_url=response.url if response.url != requested_url(response) else None,
                )
            )
            return
        charset = response.encoding if isinstance(response, TextResponse) else None
        html, _ = decode_body(response.body, charset)
        yield PageItem(
            source=meta["source"],
            link=meta["link"],
            url=requested_url(response),
            final_url=response.url,
            status=response.status,
            html=html,
            bytes=len(response.body),
            content_type=(header(response, "Content-Type") or "").lower(),
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            feed_title=meta.get("title") or "",
            feed_published=meta.get("published"),
            feed_stated=meta.get("feed_stated"),
            feed_text=meta.get("feed_text"),
        )

    def revisit_answer(self, response: Response) -> Iterable[Any]:
        """A stored article's page not modified (nothing changes) or gone (the article is withdrawn)."""
        meta = response.meta
        fetch = Fetch(
            url=requested_url(response),
            source=meta["source"],
            kind="page",
            status=response.status,
            etag=header(response, "ETag"),
            last_modified=header(response, "Last-Modified"),
            bytes=len(response.body),
            final_url=response.url if response.url != requested_url(response) else None,
        )
        if response.status == 304:
            yield FetchItem(replace(fetch, outcome="not-modified"))
        else:
            error = describe_status(response.status, meta.get("backoff_note"))
            yield FetchItem(replace(fetch, etag=None, last_modified=None, error=error, outcome="withdrawn"))

    def failed(self, failure: Failure) -> Iterable[Any]:
        request: Request = failure.request  # type: ignore[attr-defined]  # Scrapy attaches it to the failure
        crawl = self.config.crawl
        hops = request.meta.get("redirect_urls") or []  # a redirect's target failed: the fetch is of the first URL
        yield FetchItem(
            Fetch(
                url=hops[0] if hops else request.url,
                source=request.meta["source"],
                kind=request.meta["kind"],
                outcome="error",
                error=describe_failure(failure, crawl.max_page_bytes, crawl.timeout),
                final_url=request.url if hops else None,
            )
        )
