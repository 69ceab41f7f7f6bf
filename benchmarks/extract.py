"""Extraction speed: onrecord's extractor vs the same spaCy model run in full on every article.

Usage: .venv/bin/python benchmarks/extract.py [--corpus PATH] [--baseline-sample N] [--config config.yaml]
Prints articles/second for both, the speed-up, claims found and peak RSS. Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from onrecord.core.config import load_config  # noqa: E402
from onrecord.nlp.extractor import Extractor  # noqa: E402
from onrecord.nlp.jsonl import read_articles  # noqa: E402
from onrecord.nlp.pipeline import MODEL_PACKAGES  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "ua-ru-press-releases" / "press_releases.jsonl"
RU_CORPUS = REPO.parent / "shared" / "corpus" / "telegram-news-ru" / "telegram_news_ru.jsonl"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def word_count(articles) -> int:
    return sum(len(a.text.split()) for a in articles)


def russian_run(extractor, corpus: str, en_seconds_per_kword: float, en_cpu_per_kword: float) -> None:
    """The Russian extractor (blank spaCy + pymorphy3 lemmas) over a Russian corpus, per 1,000 words vs English."""
    articles = [
        a
        for a in read_articles(corpus, on_error=lambda line: print(line, file=sys.stderr))
        if (a.language or "ru") == "ru"
    ]
    extractor.language("ru")  # load the dictionaries before timing
    started, started_cpu = time.perf_counter(), time.process_time()
    claims = sum(len(found) for _, found in extractor.extract(articles))
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    kwords = word_count(articles) / 1000
    print(
        f"onrecord extract ru: {len(articles) / seconds:8.1f} articles/s  ({seconds:.1f} s, {len(articles)} articles, "
        f"{claims} claims, {corpus})"
    )
    print(
        f"per 1,000 words: ru {seconds / kwords * 1000:.2f} ms, en {en_seconds_per_kword * 1000:.2f} ms "
        f"(ru/en time ratio {seconds / kwords / en_seconds_per_kword:.2f}; by CPU time "
        f"{cpu / kwords / en_cpu_per_kword:.2f}; target <= 2)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(DEFAULT_CORPUS))
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument(
        "--ru-corpus", default=str(RU_CORPUS), help="Russian corpus for the per-1,000-words comparison."
    )
    parser.add_argument(
        "--baseline-sample",
        type=int,
        default=200,
        help="Articles (random, fixed seed) the full-parse baseline runs on; its rate is per article.",
    )
    args = parser.parse_args()

    config = load_config(args.config)
    articles = list(read_articles(args.corpus, on_error=lambda line: print(line, file=sys.stderr)))
    chars = sum(len(a.text) for a in articles)
    print(f"corpus: {len(articles)} articles, {chars / 1e6:.1f} M characters ({args.corpus})")

    extractor = Extractor(config)
    extractor.language("en")  # load the model before timing
    started, started_cpu = time.perf_counter(), time.process_time()
    claims = sum(len(found) for _, found in extractor.extract(articles))
    ours, ours_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    rss_ours = peak_rss_mb()
    print(
        f"onrecord extract: {len(articles) / ours:8.1f} articles/s  ({ours:.1f} s, CPU {ours_cpu:.1f} s, "
        f"{claims} claims, peak RSS {rss_ours:.0f} MB)"
    )
    kwords = word_count(articles) / 1000
    russian_run(extractor, args.ru_corpus, en_seconds_per_kword=ours / kwords, en_cpu_per_kword=ours_cpu / kwords)

    import spacy

    name = config.nlp.languages["en"].model
    try:
        full = spacy.load(name)
    except OSError:
        full = spacy.load(MODEL_PACKAGES[name][0])
    sample = random.Random(7).sample(articles, min(args.baseline_sample, len(articles)))
    started, started_cpu = time.perf_counter(), time.process_time()
    for _ in full.pipe((a.text for a in sample), batch_size=8):
        pass
    base, base_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    base_rate = len(sample) / base
    sample_chars = sum(len(a.text) for a in sample)
    print(
        f"full parse ({'+'.join(full.pipe_names)}): {base_rate:8.1f} articles/s  ({base:.1f} s on {len(sample)} "
        f"random articles, {sample_chars / len(sample):.0f} chars/article vs {chars / len(articles):.0f} overall)"
    )
    # normalise by characters so that a sample of shorter/longer articles does not flatter either side
    ratio = (chars / ours) / (sample_chars / base)
    cpu_ratio = (chars / ours_cpu) / (sample_chars / base_cpu)
    print(
        f"speed-up (characters/s): {ratio:.1f}x   articles/s ratio: {(len(articles) / ours) / base_rate:.1f}x   "
        f"by CPU time (what other load on the machine inflates least): {cpu_ratio:.1f}x"
    )
    print(f"peak RSS (whole run): {peak_rss_mb():.0f} MB")
    print(
        json.dumps(
            {
                "articles": len(articles),
                "extract_articles_per_s": round(len(articles) / ours, 2),
                "baseline_articles_per_s": round(base_rate, 2),
                "speedup_chars": round(ratio, 2),
                "speedup_cpu": round(cpu_ratio, 2),
                "claims": claims,
                "peak_rss_mb": round(peak_rss_mb()),
            }
        )
    )


if __name__ == "__main__":
    main()
