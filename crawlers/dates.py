"""An article's date from what its feed states and what its page says, checked against the zone rules.

Pure: it gets strings and never fetches anything. Some feeds write local time with a wrong UTC offset (the
Kremlin's writes Moscow time as +04:00, Moscow's offset before October 2014); read literally, every date is
an hour early and items just after midnight land on the previous day. Where the outlet's zone is known
(crawlers/source_zones.yaml), the feed's wall-clock time is kept and given the offset the zone's rules give
it on that day; the page's own date then confirms the day or, where they disagree, wins.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.utils import parsedate_tz
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

ZONES_FILE = Path(__file__).with_name("source_zones.yaml")
_STATED = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})$")
_RFC822_OFFSET = re.compile(r"([+-]\d{4}|GMT|UTC|Z)\s*$")
# The page's own date: schema.org/Open Graph metadata, or a <time> element marked as the publication date.
_PAGE_DATE = (
    re.compile(
        r"<meta[^>]+(?:property|name|itemprop)=[\"'](?:article:published_time|datePublished)[\"'][^>]*"
        r"content=[\"'](\d{4}-\d{2}-\d{2}[^\"']*)",
        re.I,
    ),
    re.compile(r"<time[^>]+datetime=[\"'](\d{4}-\d{2}-\d{2}[^\"']*)[\"'][^>]*itemprop=[\"']datePublished", re.I),
    re.compile(r"<time[^>]+itemprop=[\"']datePublished[\"'][^>]*datetime=[\"'](\d{4}-\d{2}-\d{2}[^\"']*)", re.I),
)


@cache
def source_zones() -> dict[str, str]:
    data = yaml.safe_load(ZONES_FILE.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def zone_of(source_id: str) -> ZoneInfo | None:
    name = source_zones().get(source_id)
    try:
        return ZoneInfo(name) if name else None
    except ZoneInfoNotFoundError:
        return None


def page_date(html: str) -> str | None:
    """The publication date the page states in its metadata (ISO 8601 as written), or None."""
    head = html[:200_000]
    for pattern in _PAGE_DATE:
        match = pattern.search(head)
        if match:
            return match.group(1).strip()
    return None


def _wall_and_offset(stated: str | None) -> tuple[datetime, timedelta] | None:
    """The wall-clock time and UTC offset a feed wrote (ISO 8601 or RFC 822), or None without an offset."""
    text = (stated or "").strip()
    match = _STATED.match(text)
    if match:
        return datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}"), _offset(match.group(3))
    parsed = parsedate_tz(text) if _RFC822_OFFSET.search(text) else None
    if parsed is None or parsed[9] is None:
        return None
    try:
        return datetime(*parsed[:6]), timedelta(seconds=parsed[9])
    except ValueError:
        return None


def _offset(text: str) -> timedelta:
    if text == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    return sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))


def settle_date(
    feed_utc: str | None, feed_stated: str | None, page: str | None, zone: ZoneInfo | None
) -> tuple[str | None, str | None]:
    """(published, where it came from): 'feed', 'feed, offset corrected' or 'page'.

    feed_utc is the feed's date as UTC (the stated offset applied), feed_stated the date as the feed wrote it
    (ISO 8601 with its offset), page the page's own date (a day, or a datetime)."""
    if not feed_utc:
        return (page, "page") if page else (None, None)
    published, origin = feed_utc, "feed"
    local_day = feed_utc[:10]
    stated = _wall_and_offset(feed_stated)
    if zone is not None and stated is not None:
        wall, offset = stated
        published = wall.replace(tzinfo=zone).isoformat()
        local_day = published[:10]
        if zone.utcoffset(wall) != offset:
            origin = "feed, offset corrected"
    if page and re.match(r"\d{4}-\d{2}-\d{2}", page) and page[:10] != local_day:
        return page, "page"  # the page's own day wins over a feed that disagrees with it
    return published, origin
