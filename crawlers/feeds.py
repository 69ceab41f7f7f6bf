"""Feed bytes -> entries. We fetch the bytes; feedparser only parses them (never fetches)."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin

import feedparser

from onrecord.crawlers.decode import damaged_utf8
from onrecord.crawlers.feed_text import entry_text
from onrecord.crawlers.urls import canonical_url


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str = ""
    published: str | None = None  # ISO 8601 UTC
    stated: str | None = None  # the date as the feed wrote it (with its offset), for crawlers/dates.py
    text: str | None = None  # the article text the entry carries (crawlers/feed_text.py), if any


@dataclass
class FeedResult:
    entries: list[FeedEntry] = field(default_factory=list)
    problem: str | None = None  # what was wrong with the document, even when some entries were kept
    skipped: int = 0  # entries without a link, or repeating one
    unusable: list[tuple[str, str]] = field(default_factory=list)  # (link, why) of entries whose URL is broken

    @property
    def failed(self) -> bool:
        """Nothing usable came out of the document and something was wrong with it."""
        return not self.entries and self.problem is not None


def _iso(struct) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), tz=UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _stated(entry) -> str | None:
    """The date string the entry's date was parsed from (published, else updated), as written."""
    key = "published" if entry.get("published_parsed") else "updated"
    value = entry.get(key)
    return value.strip()[:100] if isinstance(value, str) else None


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "malformed feed"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"malformed feed: {text[:200]}"


def usable_link(link: str) -> str:
    """The link if every step after it can handle it (host, port, canonical form); else ValueError saying why."""
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    if parts.scheme in ("http", "https"):
        parts.port  # noqa: B018  # raises ValueError on a port out of range
        if not parts.hostname:
            raise ValueError("no host")
        canonical_url(link)
    return link


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> FeedResult:
    """Parse an RSS/Atom/JSON feed leniently: keep every entry that has a link, report the rest.

    feedparser's loose parser recovers entries from truncated or ill-formed XML; we keep them and
    still report the problem ("bozo"), so a half-broken feed loses nothing that could be read.
    """
    if not body.strip():
        return FeedResult(problem="empty feed body")
    repaired = damaged_utf8(body)
    if repaired is not None:
        # UTF-8 with a few bad bytes: left to itself, feedparser would decode the whole feed with a legacy code
        # page (iso-8859-2), every Cyrillic title turned to mojibake. Give it the text as UTF-8, U+FFFD for the
        # bad bytes, and say so in the header it reads the charset from.
        body = repaired.encode("utf-8")
        content_type = f"{(content_type or 'application/xml').split(';')[0].strip()}; charset=utf-8"
    headers = {"content-type": content_type} if content_type else {}
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser itself failing on hostile input is an input problem, not ours
        return FeedResult(problem=f"feed parser failed: {type(exc).__name__}: {exc}"[:240])
    base = parsed.feed.get("link") if isinstance(parsed.feed.get("link"), str) else None
    result = FeedResult(problem=_describe(parsed.get("bozo_exception")) if parsed.get("bozo") else None)
    seen = set()
    for entry in parsed.entries:
        link = entry.get("link") or entry.get("id") or ""
        if not isinstance(link, str) or not link.strip():
            result.skipped += 1
            continue
        try:
            link = usable_link(urljoin(url, urljoin(base or url, link.strip())))
        except ValueError as exc:  # one broken link costs its entry only, never the rest of the feed
            result.unusable.append((link.strip()[:300], f"unusable link: {exc}"[:200]))
            continue
        if not link.startswith(("http://", "https://")) or link in seen:
            result.skipped += 1
            continue
        seen.add(link)
        title = entry.get("title") if isinstance(entry.get("title"), str) else ""
        published = _iso(entry.get("published_parsed") or entry.get("updated_parsed"))
        result.entries.append(
            FeedEntry(
                link=link,
                title=" ".join(title.split()),
                published=published,
                stated=_stated(entry) if published else None,
                text=entry_text(entry),
            )
        )
    if result.unusable:
        first, why = result.unusable[0]
        skipped = f"skipped {len(result.unusable)} entr{'y' if len(result.unusable) == 1 else 'ies'} ({why}: {first})"
        result.problem = f"{result.problem}; {skipped}" if result.problem else skipped
    if not parsed.entries and not parsed.get("version") and result.problem is None:
        result.problem = "not a feed: no RSS, Atom or JSON Feed document found"
    return result
