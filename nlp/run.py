"""DB mode: extract claims for every stored article not yet read by this extractor version.

Memory is bounded by one batch of articles (streamed from the store), time by the size guard
(nlp.max_article_chars); an article whose extraction fails costs that article only: it is logged, counted
and stays pending for the next run, and the run goes on.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator

from onrecord.core.config import Config
from onrecord.core.errors import OnrecordError
from onrecord.core.records import Article, Claim
from onrecord.nlp.extractor import Extractor
from onrecord.storage.articles import count_pending, pending_batches
from onrecord.storage.claims import save_extraction

log = logging.getLogger("onrecord.nlp")

# Articles read from the store at a time: the texts of one batch are all that extraction holds in memory.
STORE_BATCH = 64


def guard_size(article: Article, max_chars: int, report: Callable[[str], None]) -> Article:
    """The article with its text cut to `max_chars` (at the last whitespace before the limit), reported.

    Claims keep their offsets: the kept text is a prefix of the stored one."""
    if max_chars <= 0 or len(article.text or "") <= max_chars:
        return article
    cut = article.text.rfind(" ", max_chars // 2, max_chars)
    kept = article.text[: cut if cut > 0 else max_chars]
    report(
        f"{article.source}: {article.url or article.id}: text of {len(article.text):,} characters truncated to "
        f"{len(kept):,} (nlp.max_article_chars); claims come from the first part only"
    )
    return dataclasses.replace(article, text=kept)


def extract_each(
    extractor: Extractor,
    articles: Iterable[Article],
    on_error: Callable[[Article, BaseException], None],
    chunk_size: int = STORE_BATCH,
) -> Iterator[tuple[Article, list[Claim]]]:
    """(article, claims) for each article that extracts; a chunk that fails is read again one article at a
    time, so one failing article costs only itself (reported through on_error)."""
    chunk: list[Article] = []

    def run(batch: list[Article]) -> Iterator[tuple[Article, list[Claim]]]:
        try:
            results = list(extractor.extract(batch))
        except Exception as exc:  # any failure of one article must not end the run
            if len(batch) == 1:
                on_error(batch[0], exc)
                return
            for article in batch:
                yield from run([article])
            return
        yield from results

    for article in articles:
        chunk.append(article)
        if len(chunk) >= chunk_size:
            yield from run(chunk)
            chunk = []
    if chunk:
        yield from run(chunk)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:200]}" if text else type(exc).__name__


def extract_pending(
    config: Config,
    db,
    progress: Callable[[str], None] | None = None,
    limit: int | None = None,
    extractor: Extractor | None = None,
) -> dict:
    """Extract and store claims of pending articles (each article atomically); return counts.

    counts: articles (extracted and stored), claims, errors (articles that failed to extract or store; they
    stay pending). An article cut to nlp.max_article_chars is logged as a warning."""
    extractor = extractor or Extractor(config)
    counts = {"articles": 0, "claims": 0, "errors": 0}
    total = count_pending(db, extractor.version)
    if limit is not None:
        total = min(total, limit)
    max_chars = config.nlp.max_article_chars

    def truncated(line: str) -> None:
        log.warning("%s", line)

    def failed(article: Article, exc: BaseException) -> None:
        counts["errors"] += 1
        log.error("%s: %s: extraction failed, article left pending: %s", article.source, article.url, _reason(exc))

    done = 0
    for batch in pending_batches(db, extractor.version, batch_size=STORE_BATCH, limit=limit):
        guarded = [guard_size(article, max_chars, truncated) for article in batch]
        for article, claims in extract_each(extractor, guarded, failed):
            try:
                counts["claims"] += save_extraction(db, article.id, claims, extractor.version)
                counts["articles"] += 1
            except OnrecordError as exc:
                counts["errors"] += 1
                log.error("%s: %s: cannot store claims: %s", article.source, article.url, exc)
        done += len(batch)
        if progress:
            progress(f"extract: {done}/{total} articles, {counts['claims']} claims")
    return counts
