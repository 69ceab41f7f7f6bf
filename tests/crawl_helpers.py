"""Helpers for crawler tests: our own article pages and feeds, and a config pointing at loopback sources."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime
from html import escape

from onrecord.core.config import Config, SourceConfig

WORDS = (
    "delegation officials prisoners exchange list ministry statement soldiers families border talks "
    "agreement ceasefire bodies names verification mediators capital morning evening region convoy "
    "buses hospital doctors lawyers journalists minister spokesman parliament commission committee "
    "humanitarian corridor documents proposal response deadline schedule stage round memorandum "
    "observers monitors returned detained civilians hostages wounded medics volunteers village city "
    "river bridge railway airport station checkpoint negotiators envoy letter request"
).split()


def article_text(seed: int, paragraphs: int = 6) -> list[str]:
    """Paragraphs of plausible words, different for every seed (so distinct articles never look alike)."""
    rng = random.Random(seed)
    out = []
    for i in range(paragraphs):
        words = [rng.choice(WORDS) for _ in range(28)]
        out.append(
            f"The spokesman said on Tuesday that Moscow had handed over its list. Report {seed}: "
            + " ".join(words)
            + f". Paragraph {i}."
        )
    return out


def article_html(title: str, seed: int, paragraphs: int = 6, lang: str = "en", extra: str = "") -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in article_text(seed, paragraphs))
    return (
        f"<!DOCTYPE html><html lang='{lang}'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta property='og:type' content='article'></head><body><header><nav><a href='/'>Home</a> "
        f"<a href='/world'>World</a></nav></header><article><h1>{escape(title)}</h1>{body}{extra}</article>"
        f"<footer>© Test outlet</footer></body></html>"
    )


def rss(entries: list[tuple[str, str]], title: str = "Test feed") -> bytes:
    when = format_datetime(datetime(2025, 5, 23, 9, 0, tzinfo=UTC))
    items = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><pubDate>{when}</pubDate></item>"
        for link, t in entries
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>{escape(title)}</title>"
        f"<link>http://example.org/</link>{items}</channel></rss>"
    ).encode()


def atom(entries: list[tuple[str, str]], title: str = "Test feed") -> bytes:
    items = "".join(
        f"<entry><title>{escape(t)}</title><link href='{escape(link)}'/><id>{escape(link)}</id>"
        f"<updated>2025-05-23T09:00:00Z</updated></entry>"
        for link, t in entries
    )
    return (
        f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>{escape(title)}"
        f"</title><id>urn:test</id><updated>2025-05-23T09:00:00Z</updated>{items}</feed>"
    ).encode()


def loopback_config(config: Config, db_path: str, sources: list[SourceConfig], **crawl: object) -> Config:
    """The project config with these sources, the store at db_path, and no politeness delays (loopback).

    The sources are served on 127.0.0.1, so each allows private addresses (for its own host only)."""
    settings = {"download_delay": 0.0, "autothrottle": False, "concurrent_per_domain": 8, **crawl}
    on_loopback = [source.model_copy(update={"allow_private_addresses": True}) for source in sources]
    return (
        config.with_sources(on_loopback)
        .with_storage_path(db_path)
        .model_copy(update={"crawl": config.crawl.model_copy(update=settings)})
    )
