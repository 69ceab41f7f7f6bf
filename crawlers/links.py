"""Link extractors, one per kind of source: the source document (a feed, a listing page) -> article links.

Each gets the response and the source's config and returns a Links: the links as (url, title, published),
what was wrong with the document (or None), and the outcome of its fetch. A new kind of source is a new
function here and one entry in LINK_EXTRACTORS (and the kind's name in the config model).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin

from scrapy.http import Response, TextResponse

from onrecord.core.config import SourceConfig
from onrecord.core.records import FetchOutcome
from onrecord.crawlers.feeds import parse_feed, usable_link
from onrecord.crawlers.health import BLOCKED

DEFAULT_LINK_SELECTOR = "article a, h2 a, h3 a"
# What bot checks served with HTTP 200 say, lower case.
CHALLENGE_MARKERS = (
    "cf-challenge",
    "challenge-platform",
    "just a moment...",
    "checking your browser",
    "ddos-guard",
    "g-recaptcha",
    "h-captcha",
    "please enable javascript and cookies to continue",
    "verify you are human",
)


@dataclass(frozen=True)
class Links:
    outcome: FetchOutcome
    problem: str | None = None
    links: list[tuple[str, str, str | None]] = field(default_factory=list)  # (url, title, published or None)
    unusable: list[tuple[str, str]] = field(default_factory=list)  # (link, why) of links skipped as broken
    texts: dict[str, str] = field(default_factory=dict)  # link -> the article text its feed entry carries
    stated: dict[str, str] = field(default_factory=dict)  # link -> its feed entry's date as written


def header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def feed_links(response: Response, source: SourceConfig) -> Links:
    """A feed's entries; feedparser parses the bytes we fetched. A half-broken feed keeps what could be read."""
    result = parse_feed(response.body, response.url, header(response, "Content-Type"))
    links = [(e.link, e.title, e.published) for e in result.entries]
    texts = {e.link: e.text for e in result.entries if e.text}
    stated = {e.link: e.stated for e in result.entries if e.stated}
    if result.failed:
        return Links("error", result.problem, links, result.unusable, texts, stated)
    if result.problem:
        kept = f"{result.problem}; kept {len(links)} entries"
        return Links("partial", kept, links, result.unusable, texts, stated)
    return Links("ok", None, links, texts=texts, stated=stated)


def challenge_page(html: str) -> bool:
    """A bot check served in place of the page (Cloudflare, DDoS-Guard, a captcha): it has little else."""
    head = html[:20_000].lower()
    return any(marker in head for marker in CHALLENGE_MARKERS)


def listing_links(response: Response, source: SourceConfig) -> Links:
    """A site without a usable feed: the article links of its listing page, picked by a CSS selector."""
    if not isinstance(response, TextResponse):
        return Links("error", "listing page is not HTML")
    selector = source.link_selector or DEFAULT_LINK_SELECTOR
    links: list[tuple[str, str, str | None]] = []
    seen: set[str] = set()
    unusable: list[tuple[str, str]] = []
    for anchor in response.css(selector):
        href = anchor.attrib.get("href") or anchor.css("a::attr(href)").get()
        if not href:
            continue
        try:
            url = usable_link(urljoin(response.url, href.strip()))
        except ValueError as exc:  # one broken link costs itself only
            unusable.append((href.strip()[:300], f"unusable link: {exc}"[:200]))
            continue
        if url.startswith(("http://", "https://")) and url not in seen:
            seen.add(url)
            links.append((url, " ".join(anchor.css("::text").getall()).strip()[:300], None))
    if not links:
        if challenge_page(response.text):
            return Links("error", f"{BLOCKED}: a challenge page (HTTP {response.status}) instead of the listing")
        return Links("error", f"no links matched the selector {selector!r}", unusable=unusable)
    if unusable:
        first, why = unusable[0]
        return Links("partial", f"skipped {len(unusable)} unusable links ({why}: {first})", links, unusable)
    return Links("ok", None, links)


# SourceConfig.kind -> its link extractor.
LINK_EXTRACTORS: dict[str, Callable[[Response, SourceConfig], Links]] = {"feed": feed_links, "site": listing_links}
