"""Digest cost on a busy store: build + render + compose the daily digest from a timeline of N claims,
then deliver it to a loopback SMTP server (aiosmtpd).

Prints the time of each step, the message size and peak RSS. Claims are synthetic: random parties,
claim types and polarity over 60 days, several outlets per statement.

    .venv/bin/python benchmarks/digest.py [--claims 6000]
"""

from __future__ import annotations

import argparse
import random
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aiosmtpd.controller import Controller  # noqa: E402

from onrecord.core.config import load_config  # noqa: E402
from onrecord.core.records import Article, Claim  # noqa: E402
from onrecord.digest import build_digest, compose, daily_period, send_digest  # noqa: E402
from onrecord.storage.articles import save_article  # noqa: E402
from onrecord.storage.claims import save_extraction  # noqa: E402
from onrecord.storage.db import open_store  # noqa: E402
from onrecord.storage.sources import sync_config  # noqa: E402
from onrecord.storage.timeline import update_events  # noqa: E402

PARTIES = ["russia", "ukraine", "usa", "eu", "turkey", "icrc", "un", "uae"]
TYPES = [
    "list_submitted",
    "list_received",
    "awaiting_counterpart",
    "commitment",
    "proposal",
    "agreement",
    "rejection",
    "concern",
    "demand",
    "accusation",
    "exchange_completed",
    "denial",
]


class Sink:
    async def handle_DATA(self, server, session, envelope):
        return "250 OK"


def seed(db, config, claims: int, rng: random.Random, start: datetime) -> None:
    sources = [s.id for s in config.sources][:8]
    per_article = 3
    for index in range(claims // per_article):
        day = (start + timedelta(days=rng.randrange(60))).date().isoformat()
        sentences = [
            f"Statement {index}-{k}: the {rng.choice(PARTIES)} side spoke about the exchange."
            for k in range(per_article)
        ]
        text = " ".join(sentences)
        article = Article.create(
            url=f"https://bench.example/{index}",
            source=rng.choice(sources),
            title=f"Report {index}",
            text=text,
            published=day,
            fetched_at=f"{day}T12:00:00+00:00",
        )
        save_article(db, article)
        rows = []
        for sentence in sentences:
            begin = text.index(sentence)
            holder = rng.choice(PARTIES)
            rows.append(
                Claim(
                    article_id=article.id,
                    topic=rng.choice(["prisoner-exchange", "peace-talks"]),
                    holder=holder,
                    claim_type=rng.choice(TYPES),
                    negated=rng.random() < 0.3,
                    evidence=sentence,
                    start=begin,
                    end=begin + len(sentence),
                    claim_date=day,
                    target=rng.choice([p for p in PARTIES if p != holder]),
                    source=article.source,
                    confidence=rng.random(),
                    extractor_version="bench",
                )
            )
        save_extraction(db, article.id, rows, "bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=6_000)
    args = parser.parse_args()
    rng = random.Random(7)
    config = load_config(REPO / "config.yaml")
    start = datetime(2025, 5, 1, tzinfo=UTC)
    with tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        digest_cfg = config.digest.model_copy(
            update={
                "timezone": "UTC",
                "retries": 0,
                "smtp": config.digest.smtp.model_copy(update={"host": "127.0.0.1", "port": port, "security": "none"}),
            }
        )
        config = config.model_copy(update={"digest": digest_cfg})
        db = open_store(Path(tmp) / "bench.db")
        sync_config(db, config)
        t0 = time.perf_counter()
        seed(db, config, args.claims, rng, start)
        t1 = time.perf_counter()
        update_events(db, config)
        t2 = time.perf_counter()
        since, until = daily_period(config, start + timedelta(days=30, hours=8))
        digest = build_digest(config, db, since, until)
        t3 = time.perf_counter()
        message = compose(digest, config, ["desk@example.org"])
        size = len(message.as_bytes())
        t4 = time.perf_counter()
        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            result = send_digest(config, db, digest, ["desk@example.org"])
        finally:
            controller.stop()
        t5 = time.perf_counter()
    counts = (
        len(digest.changes),
        sum(t.claim_count for t in digest.topics),
        sum(len(t.contradictions) for t in digest.topics),
    )
    print(f"claims stored            {args.claims:>10,}   ({t1 - t0:.2f} s)")
    print(f"update_events            {t2 - t1:>10.2f} s")
    print(f"build_digest (1 day)     {t3 - t2:>10.3f} s   changes/new claims/contradictions = {counts}")
    print(f"render + compose         {t4 - t3:>10.3f} s   message {size / 1024:.1f} KiB")
    print(f"deliver (loopback SMTP)  {t5 - t4:>10.3f} s   status {result.status}")
    print(f"peak RSS                 {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:>10.1f} MiB")


if __name__ == "__main__":
    main()
