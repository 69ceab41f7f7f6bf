"""What spiders hand to the item pipeline: a fetched page to store, or a fetch to record as it is."""

from __future__ import annotations

from dataclasses import dataclass

from onrecord.core.records import Fetch


@dataclass
class FetchItem:
    """A fetch that produced no page to extract (feed, listing, error, refusal): recorded in `fetches`. One with
    outcome "withdrawn" (a stored article's page answered 404/410) also flags its article withdrawn."""

    fetch: Fetch


@dataclass
class PageItem:
    """A fetched article page: the pipeline extracts it, deduplicates it and stores it."""

    source: str
    link: str  # the URL as the feed or listing gave it
    url: str  # the URL requested (canonical form of the link)
    final_url: str  # after redirects
    status: int
    html: str
    bytes: int
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    feed_title: str = ""
    feed_published: str | None = None
    feed_stated: str | None = None  # the feed's date as written (with its offset)
    feed_text: str | None = None  # the article text the feed entry carried, if any
    page_error: str | None = None  # why the page itself could not be had (then html is empty)
