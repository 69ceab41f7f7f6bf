"""Timeline query latency and incremental event building on a synthetic store.

Builds a store of --claims synthetic claims (default 1,000,000) over 20 topics, 30 parties and 3 years:
statements that 1-4 outlets report within a day, some articles near-duplicate copies of others. Then:
  - full event build (update_events on every claim),
  - median / p95 latency of: one party's timeline on one topic (claims and events), all parties' state as
    of a date (one topic, and every topic), changes in the last 24 hours (after a first call per query, printed
    apart),
  - incremental update_events after 10,000 new claims of the next two days, --batches times (3: each batch
    the two days after the one before), and after 10,000 claims scattered over the whole period (a back-fill).
Prints wall and CPU time (CPU time is what a busy machine does not inflate) and peak RSS; asserts
nothing.

    .venv/bin/python benchmarks/query.py [--claims N] [--db PATH] [--repeat 50]
    .venv/bin/python benchmarks/query.py --store PATH    # build PATH only if missing, else reuse it

Before the queries the store file is read once, so that it is in the OS page cache as a store in use is (--cold
skips that: the first calls then wait for the disk). With --store the built store is kept: later runs measure it
again without the ~6 minute build, and the incremental step runs on a copy of it (PATH.incremental.db), so PATH
stays as built. --no-incremental skips that step.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from onrecord.core.config import load_config
from onrecord.core.records import short_hash
from onrecord.storage import timeline
from onrecord.storage.db import gc_paused, open_store

TOPICS = [f"topic-{i:02d}" for i in range(20)]
PARTIES = [f"party-{i:02d}" for i in range(30)]
OUTLETS = [f"outlet-{i:02d}" for i in range(60)]
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
TYPE_WEIGHTS = [6, 5, 5, 10, 8, 4, 6, 12, 12, 14, 4, 6]
START = date(2023, 1, 1)
DAYS = 3 * 365


def _weights(n: int) -> list[float]:
    return [1.0] * n  # every topic and party equally active: timelines of ~1,700 claims at 1M


def synthetic_claims(rng: random.Random, count: int, first_day: int, last_day: int, serial: int) -> tuple[list, dict]:
    """Claim rows and the articles they need: statements reported by 1-4 outlets within a day."""
    claims, articles = [], {}
    party_w, topic_w = _weights(len(PARTIES)), _weights(len(TOPICS))
    while len(claims) < count:
        topic = rng.choices(TOPICS, topic_w)[0]
        holder = rng.choices(PARTIES, party_w)[0]
        claim_type = rng.choices(TYPES, TYPE_WEIGHTS)[0]
        negated = int(rng.random() < 0.15)
        target = None if rng.random() < 0.5 else rng.choice(PARTIES[:8])
        day = first_day + rng.randrange(last_day - first_day + 1)
        for _ in range(min(1 + int(rng.expovariate(1.2)), 4)):
            report_day = day + (rng.random() < 0.3)
            outlet = rng.choice(OUTLETS)
            article_id = short_hash("article", outlet, report_day, rng.randrange(6))
            iso = (START + timedelta(days=report_day)).isoformat()
            if article_id not in articles:
                copy_of = short_hash("article", rng.choice(OUTLETS), report_day, rng.randrange(6))
                articles[article_id] = (
                    article_id,
                    f"http://synthetic.example/{article_id}",
                    outlet,
                    f"Synthetic report {article_id}",
                    iso,
                    f"{iso}T08:00:00+00:00",
                    copy_of if rng.random() < 0.1 else None,
                )
            serial += 1
            claims.append(
                (
                    f"c{serial:09d}",
                    article_id,
                    topic,
                    holder,
                    None,
                    claim_type,
                    negated,
                    target,
                    iso,
                    f"Synthetic statement {serial} of {holder}.",
                    0,
                    30,
                    outlet,
                    None,
                    round(rng.random(), 2),
                    "bench",
                )
            )
    return claims, articles


def insert(db, claims: list, articles: dict) -> None:
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        "INSERT OR IGNORE INTO articles (id, url, canonical_url, source, title, published, fetched_at, "
        "dup_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        sorted((a[0], a[1], a[1], a[2], a[3], a[4], a[5], a[6]) for a in articles.values()),
    )
    conn.executemany(
        "INSERT INTO claims (id, article_id, topic, holder, speaker, claim_type, negated, target, "
        'claim_date, evidence, start, "end", source, via, confidence, extractor_version) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        claims,
    )
    conn.execute("COMMIT")


def latency(label: str, func, repeat: int) -> None:
    """Median and p95 of `repeat` calls, after one first call (reported apart: it also pays for reading the store's
    pages into this process). Each result is dropped after its clock stops, so a call is not charged for freeing the
    rows of the one before."""
    started = time.perf_counter()
    rows = func()
    first = (time.perf_counter() - started) * 1000
    del rows
    times, cpu, sizes = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        rows = func()
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        sizes.append(len(rows))
        del rows
    print(
        f"  {label:<44} median {statistics.median(times):7.2f} ms   p95 {_p95(times):7.2f} ms   "
        f"(CPU median {statistics.median(cpu):6.2f} p95 {_p95(cpu):6.2f})   first call {first:7.2f} ms   "
        f"rows median {int(statistics.median(sizes))}"
    )


def _read_through(path: Path) -> float:
    """Read the store file once (into the OS page cache); return the seconds it took."""
    started = time.perf_counter()
    with open(path, "rb") as store:
        while store.read(8 << 20):
            pass
    return time.perf_counter() - started


def _rows_from_memory(rows: list[dict]):
    """A reader of `rows` from an in-memory SQLite table into dicts, as state_as_of builds them: no search and no
    sort, only what turning that many SQLite values into Python objects costs (the floor of any such query)."""
    import sqlite3

    columns = list(rows[0])
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE state ({', '.join(columns)})")
    conn.executemany(f"INSERT INTO state VALUES ({', '.join('?' for _ in columns)})", [tuple(r.values()) for r in rows])
    sql = f"SELECT {', '.join(columns)} FROM state"
    return gc_paused(
        lambda: [
            {
                "topic": topic,
                "holder": holder,
                "claim_type": claim_type,
                "negated": bool(negated),
                "target": target,
                "event_id": event_id,
                "event_date": event_date,
                "evidence": evidence,
                "speaker": speaker,
                "url": url,
            }
            for (
                topic,
                holder,
                claim_type,
                negated,
                target,
                event_id,
                event_date,
                evidence,
                speaker,
                url,
            ) in conn.execute(sql)
        ]
    )


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def timed(label: str, func) -> object:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = func()
    print(
        f"  {label:<44} {time.perf_counter() - started:7.2f} s   (CPU {time.process_time() - started_cpu:6.2f} s)"
        f"   {result}"
    )
    return result


def _built(path: Path) -> bool:
    """True when `path` holds a store whose events were built (a finished earlier run)."""
    if not path.exists():
        return False
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        return bool(conn.execute("SELECT count(*) FROM events").fetchone()[0])
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--db", help="store to build (default: a temporary file)")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="measure an existing --db again, without building it")
    parser.add_argument("--store", help="keep the built store at PATH: build it only if missing, else reuse it")
    parser.add_argument("--no-incremental", action="store_true", help="skip the incremental update step")
    parser.add_argument(
        "--cold", action="store_true", help="do not read the store through the OS page cache before the queries"
    )
    parser.add_argument(
        "--batches",
        type=int,
        default=3,
        help="incremental batches of 10,000 new claims, each of the two days after the last (default 3)",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    config = load_config(Path(__file__).resolve().parents[1] / "config.yaml")  # the shipped claim types and rules
    if args.store:
        path = Path(args.store)
        reuse = _built(path)
        if path.exists() and not reuse:
            sys.exit(f"{path}: exists but its events were never built (an interrupted run?): delete it first")
    else:
        path = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="onrecord-bench-")) / "bench.db"
        reuse = args.reuse
    db = open_store(path)
    print(
        f"store {path} ({'reused' if reuse else 'built'}): {args.claims:,} claims, {len(TOPICS)} topics, "
        f"{len(PARTIES)} parties, {DAYS} days"
    )
    if not reuse:
        claims, articles = synthetic_claims(rng, args.claims, 0, DAYS - 3, 0)
        timed("insert claims and articles", lambda: insert(db, claims, articles) or f"{len(articles):,} articles")
        del claims, articles
        timed("full event build (update_events)", lambda: f"{timeline.update_events(db, config):,} claims folded")
    counts = {
        t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("events", "changes", "contradiction_pairs", "positions")
    }
    print("  " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    last = START + timedelta(days=DAYS - 3)

    def any_day() -> date:
        return START + timedelta(days=rng.randrange(DAYS - 3))

    if not args.cold:  # a store in use is in the OS page cache: measure queries, not the disk
        print(f"  read through the OS page cache in {_read_through(path):.1f} s")
    print(f"queries ({args.repeat} runs each, random arguments):")
    big_topics, big_parties = TOPICS[:5], PARTIES[:5]
    latency(
        "party timeline on a topic (claims)",
        lambda: timeline.claims_timeline(db, topic=rng.choice(big_topics), party=rng.choice(big_parties)),
        args.repeat,
    )
    latency(
        "party timeline on a topic (events)",
        lambda: timeline.events(db, topic=rng.choice(big_topics), party=rng.choice(big_parties)),
        args.repeat,
    )
    latency(
        "all parties' state as of a date (one topic)",
        lambda: timeline.state_as_of(db, any_day(), topic=rng.choice(TOPICS)),
        args.repeat,
    )
    latency("all parties' state as of a date (all topics)", lambda: timeline.state_as_of(db, any_day()), args.repeat)
    latency(
        "  reference: the same rows from memory", _rows_from_memory(timeline.state_as_of(db, any_day())), args.repeat
    )
    latency(
        "changes in the last 24 hours (last day)", lambda: timeline.changes(db, since=last, until=last), args.repeat
    )
    latency("changes on a random day", lambda: timeline.changes(db, since=(d := any_day()), until=d), args.repeat)
    if args.no_incremental:
        return
    if args.store:  # keep the kept store as built: measure the incremental step on a copy
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.conn.close()
        copy = path.with_name(path.name + ".incremental.db")
        shutil.copyfile(path, copy)
        path, db = copy, open_store(copy)
    print("incremental:")
    serial = db.execute("SELECT max(CAST(substr(id, 2) AS INTEGER)) FROM claims").fetchone()[0] or 0
    for batch in range(args.batches):  # day after day: each batch the two days after the one before
        first_day = DAYS - 2 + 2 * batch
        fresh, more = synthetic_claims(rng, 10_000, first_day, first_day + 1, int(serial) + 1 + 20_000 * batch)
        insert(db, fresh, more)
        timed(
            f"10,000 new claims of the next two days ({batch + 1}/{args.batches})",
            lambda: f"{timeline.update_events(db, config):,} folded",
        )
    backfill, more = synthetic_claims(rng, 10_000, 0, DAYS - 3, int(serial) + 1 + 20_000 * args.batches)
    insert(db, backfill, more)
    timed("10,000 back-filled claims over 3 years", lambda: f"{timeline.update_events(db, config):,} folded")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:,.0f} MB; store {path.stat().st_size / 1e6:,.0f} MB")


if __name__ == "__main__":
    main()
