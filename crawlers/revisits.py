"""Which stored articles a crawl pass fetches again, to catch revisions and withdrawals.

An article is fetched again (conditional GET) on its source's passes while it is younger than the revisit window
(counted from when it was first stored) and when its URL was last fetched at least the revisit interval ago
(config: crawl.revisit, or the source's own `revisit`). What comes of the fetch is decided downstream: 304 or the
same text changes nothing, a changed text is a new version (crawlers/writer.py), 404/410 a withdrawal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils

from onrecord.core.config import Config, RevisitConfig, SourceConfig
from onrecord.crawlers.urls import canonical_url
from onrecord.storage.fetches import last_fetched_at
from onrecord.storage.revisions import revisits

# As for a source's interval: a pass started a little early (the daemon's timing) still counts as due.
DUE_SHARE = 0.95


@dataclass(frozen=True)
class DueRevisit:
    article_id: str
    link: str  # the URL as first linked
    url: str  # the URL requested: the article's canonical URL (where the first fetch ended, redirects followed)
    title: str


def revisit_settings(config: Config, source: SourceConfig) -> RevisitConfig:
    return source.revisit or config.crawl.revisit


def due_revisits(
    db: sqlite_utils.Database, config: Config, source: SourceConfig, now: datetime | None = None
) -> list[DueRevisit]:
    """The source's stored articles to fetch again in this pass, oldest first."""
    settings = revisit_settings(config, source)
    if settings.window_days <= 0:
        return []
    now = now or datetime.now(UTC)
    since = (now - timedelta(days=settings.window_days)).astimezone(UTC).isoformat(timespec="seconds")
    wait = timedelta(seconds=settings.interval_seconds * DUE_SHARE)
    due = []
    for stored in revisits(db, source.id, since):
        if _fetched_since(db, source.id, now - wait, stored.canonical_url, _canonical(stored.url)):
            continue
        due.append(DueRevisit(stored.article_id, stored.url, stored.canonical_url, stored.title or ""))
    return due


def _fetched_since(db: sqlite_utils.Database, source: str, when: datetime, *urls: str | None) -> bool:
    """Whether the source fetched any of `urls` (the article's canonical URL, its link as requested the first time,
    which a redirect may have recorded) at or after `when`."""
    for url in dict.fromkeys(u for u in urls if u):
        last = last_fetched_at(db, url, source)
        if last and _aware(datetime.fromisoformat(last)) >= when:
            return True
    return False


def _canonical(link: str) -> str | None:
    try:
        return canonical_url(link)
    except ValueError:  # a link stored before URL handling refused such links: its canonical URL is enough
        return None


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)
