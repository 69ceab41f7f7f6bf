"""The CPU-heavy part of storing a page, run in the extraction worker processes: extraction and the
near-duplicate signature. The crawling process then only downloads, compares and writes."""

from __future__ import annotations

from typing import Any

from onrecord.crawlers.dedup import signature, to_bytes
from onrecord.crawlers.extract import Extraction, NotArticle, extract_article, prefer_feed_text


def extract_page(html: str, url: str, options: dict[str, Any]) -> tuple[Extraction | NotArticle, bytes | None]:
    """(extraction or the reason it is not an article, MinHash signature bytes or None)."""
    options = dict(options)
    feed_text = options.pop("feed_text", None)
    result = extract_article(html, url, **options)
    if feed_text:
        result = prefer_feed_text(result, feed_text, options.get("default_language", "en"), options.get("own_agency"))
    if isinstance(result, NotArticle):
        return result, None
    minhash = signature(result.text)
    return result, to_bytes(minhash) if minhash is not None else None
