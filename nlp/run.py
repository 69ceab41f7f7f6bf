"""DB mode: extract claims for every stored article not yet read by this extractor version."""

from __future__ import annotations

import logging
from typing import Callable

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.nlp.extractor import Extractor
from onrecord.storage.articles import pending_articles
from onrecord.storage.claims import save_extraction

log = logging.getLogger("onrecord.nlp")


def extract_pending(config: Config, db, progress: Callable[[str], None] | None = None,
                    limit: int | None = None, extractor: Extractor | None = None) -> dict:
    """Extract and store claims of pending articles (each article atomically); return counts."""
    extractor = extractor or Extractor(config)
    articles = pending_articles(db, extractor.version, limit=limit)
    counts = {"articles": 0, "claims": 0, "errors": 0}
    total = len(articles)
    for article, claims in extractor.extract(articles):
        try:
            counts["claims"] += save_extraction(db, article.id, claims, extractor.version)
            counts["articles"] += 1
        except OnrecordError as exc:
            counts["errors"] += 1
            log.error("%s: %s: cannot store claims: %s", article.source, article.url, exc)
        if progress and (counts["articles"] % 50 == 0 or counts["articles"] == total):
            progress(f"extract: {counts['articles']}/{total} articles, {counts['claims']} claims")
    return counts
