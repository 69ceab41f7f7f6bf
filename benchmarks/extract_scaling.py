"""Extraction time and peak memory against article size and against backlog size.

Usage: .venv/bin/python benchmarks/extract_scaling.py [--sizes 0.05,0.25,1,4] [--unguarded 0.25,0.5,1]
       [--backlogs 100,400,1600] [--reads 20000] [--config config.yaml]

Articles are generated here from sentence templates (statements, attributions and filler as news wires write
them), never copied from a corpus. Each figure comes from a fresh child process (its own peak RSS):
- size: one article of N MB extracted with the size guard (nlp.max_article_chars) as configured;
- unguarded: the same with the guard off, to show how the extractor itself scales with text length;
- backlog: N stored articles of ~3 KB extracted from a SQLite store by `extract_pending` (DB mode);
- reads: the memory of only reading N pending articles, all at once (as before) or batch by batch (now).
Both should grow no faster than the work: with the guard, time and memory of one huge article are bounded;
memory of a backlog is bounded by one batch. Figures only; nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SPEAKERS = ["Dmitry Peskov", "Maria Zakharova", "Andriy Yermak", "Dmytro Lubinets", "Rustem Umerov", "a spokesman"]
BODIES = ["the Kremlin", "Moscow", "Kyiv", "the Foreign Ministry", "the Ukrainian side", "the Russian delegation"]
VERBS = ["said", "told reporters", "stated on Friday", "added", "noted in a statement", "confirmed"]
CLAIMS = [
    "{body} has handed over its list of prisoners for the exchange",
    "no list has been received from {other} so far",
    "{body} is waiting for the counterpart's list",
    "the next stage of the exchange is being prepared",
    "{body} rejected the proposed memorandum",
    "{body} remains committed to the talks in Istanbul",
    "the exchange of bodies took place at the border",
]
FILLER = [
    "Weather in the region stayed mild, with light rain expected over the weekend.",
    "The city council discussed the budget for road repairs and new school buses.",
    "Markets closed slightly higher as energy prices eased in late trading.",
    "Officials opened a new bridge across the river after two years of work.",
    "A local football club announced the signing of a young midfielder.",
    "The museum extended its opening hours for the summer exhibition.",
]


def sentence(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(FILLER)
    body, other = rng.sample(BODIES, 2)
    claim = rng.choice(CLAIMS).format(body=body, other=other)
    speaker = rng.choice(SPEAKERS)
    if rng.random() < 0.5:
        return f'"{claim[0].upper()}{claim[1:]}," {speaker} {rng.choice(VERBS)}.'
    return f"{speaker} {rng.choice(VERBS)} that {claim}."


def article_text(chars: int, seed: int) -> str:
    rng = random.Random(seed)
    parts, size = [], 0
    while size < chars:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
        parts.append(paragraph)
        size += len(paragraph) + 2
    return "\n\n".join(parts)[:chars]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_article(chars: int, seed: int):
    from onrecord.core.records import Article

    return Article.create(
        url=f"http://bench.example/{seed}-{chars}",
        source="bench",
        title=f"Bench article {seed}",
        text=article_text(chars, seed),
        published="2025-05-22",
        language="en",
    )


def child_size(config_path: str, megabytes: float, guarded: bool) -> dict:
    from onrecord.core.config import load_config
    from onrecord.nlp.extractor import Extractor
    from onrecord.nlp.run import extract_each, guard_size

    config = load_config(config_path)
    extractor = Extractor(config)
    list(extractor.extract([make_article(2000, 0)]))  # models loaded before the clock starts
    base = peak_rss_mb()
    article = make_article(int(megabytes * 1_000_000), 1)
    limit = config.nlp.max_article_chars if guarded else 0
    start = time.perf_counter()
    guarded_article = guard_size(article, limit, lambda line: None)
    claims = sum(len(c) for _, c in extract_each(extractor, [guarded_article], lambda a, e: print(e, file=sys.stderr)))
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "growth_mb": peak_rss_mb() - base, "claims": claims,
            "read_chars": len(guarded_article.text)}  # fmt: skip


def child_backlog(config_path: str, count: int) -> dict:
    from onrecord.core.config import load_config
    from onrecord.nlp.extractor import Extractor
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.articles import save_article
    from onrecord.storage.db import open_store, write_transaction

    config = load_config(config_path)
    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "bench.db")
        with write_transaction(db):
            for n in range(count):
                save_article(db, make_article(3000, n + 10))
        extractor = Extractor(config)
        list(extractor.extract([make_article(2000, 0)]))
        base = peak_rss_mb()
        start = time.perf_counter()
        counts = extract_pending(config, db, extractor=extractor)
        seconds = time.perf_counter() - start
        db.conn.close()
    return {"seconds": seconds, "peak_mb": peak_rss_mb(), "growth_mb": peak_rss_mb() - base, **counts}


def child_reading(count: int, batched: bool) -> dict:
    """Peak memory of reading a backlog of `count` pending articles: all at once (as extraction did before)
    or batch by batch (as it does now); no extraction, so the store's reading alone is measured."""
    from onrecord.storage.articles import pending_articles, pending_batches, save_article
    from onrecord.storage.db import open_store, write_transaction

    with tempfile.TemporaryDirectory() as tmp:
        db = open_store(Path(tmp) / "bench.db")
        texts = [article_text(3000, n) for n in range(50)]
        with write_transaction(db):
            for n in range(count):
                article = make_article(10, n)
                save_article(db, type(article)(**{**article.to_dict(), "text": texts[n % 50] + str(n)}))
        db.conn.close()
        db = open_store(Path(tmp) / "bench.db")
        # Python's own allocations (tracemalloc): peak RSS would also count the store's pages SQLite maps
        # into memory (mmap_size), file cache the kernel can drop, which grows with any read of the file
        tracemalloc.start()
        start = time.perf_counter()
        seen = 0
        if batched:
            for batch in pending_batches(db, "bench"):
                seen += len(batch)
        else:
            seen = len(pending_articles(db, "bench"))
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        db.conn.close()
    return {"seconds": seconds, "growth_mb": peak, "articles": seen}


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"child {args} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(REPO / "config.yaml"))
    parser.add_argument("--sizes", default="0.05,0.25,1,4", help="Article sizes in MB (size guard on).")
    parser.add_argument("--unguarded", default="0.25,0.5,1", help="Article sizes in MB with the guard off.")
    parser.add_argument("--backlogs", default="100,400,1600", help="Pending articles of ~3 KB in the store.")
    parser.add_argument("--reads", default="20000", help="Pending articles read without extraction (memory only).")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, value = args.child[0], args.child[1]
        if kind == "backlog":
            result = child_backlog(args.config, int(value))
        elif kind in ("read-all", "read-batches"):
            result = child_reading(int(value), batched=kind == "read-batches")
        else:
            result = child_size(args.config, float(value), guarded=kind == "size")
        print(json.dumps(result))
        return

    def numbers(text: str) -> list[str]:
        return [v for v in text.split(",") if v.strip()]

    print("article size (size guard on: nlp.max_article_chars)")
    header = ("MB", 6), ("chars read", 11), ("seconds", 8), ("s/100k chars", 13), ("peak MB", 8), ("growth MB", 10)
    print(" ".join(f"{name:>{width}}" for name, width in header) + f" {'claims':>7}")
    for kind, sizes in (("size", numbers(args.sizes)), ("unguarded", numbers(args.unguarded))):
        if kind == "unguarded" and sizes:
            print("article size (guard off: the extractor alone)")
        for size in sizes:
            r = run_child(kind, size)
            per = r["seconds"] / max(r["read_chars"], 1) * 100_000
            print(f"{float(size):>6} {r['read_chars']:>11,} {r['seconds']:>8.2f} {per:>13.2f} {r['peak_mb']:>8.0f} "
                  f"{r['growth_mb']:>10.0f} {r['claims']:>7}")  # fmt: skip
    print("backlog (pending articles of ~3 KB, DB mode)")
    header = ("articles", 8), ("seconds", 8), ("ms/article", 11), ("peak MB", 8), ("growth MB", 10), ("claims", 7)
    print(" ".join(f"{name:>{width}}" for name, width in header) + f" {'errors':>6}")
    for count in numbers(args.backlogs):
        r = run_child("backlog", count)
        per = r["seconds"] / max(int(count), 1) * 1000
        print(f"{int(count):>8} {r['seconds']:>8.2f} {per:>11.1f} {r['peak_mb']:>8.0f} {r['growth_mb']:>10.0f} "
              f"{r['claims']:>7} {r['errors']:>6}")  # fmt: skip

    print("reading the backlog without extracting: all at once (before) vs in batches (now)")
    print(f"{'articles':>8} {'all: MB':>8} {'batches: MB':>12}  (peak of Python allocations)")
    for count in numbers(args.reads):
        every, batches = run_child("read-all", count), run_child("read-batches", count)
        print(f"{int(count):>8} {every['growth_mb']:>8.1f} {batches['growth_mb']:>12.1f}")


if __name__ == "__main__":
    main()
