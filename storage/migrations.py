"""Append-only schema migrations. Never edit one that has run; add a new one at the end."""

from __future__ import annotations

import logging
import time
from typing import Callable

import sqlite_utils

log = logging.getLogger("onrecord.store")


def _m001_core(db: sqlite_utils.Database) -> None:
    db.executescript("""
    CREATE TABLE sources (
        id TEXT PRIMARY KEY, name TEXT, kind TEXT, url TEXT, language TEXT, speaks_for TEXT,
        interval TEXT, enabled INTEGER, last_success TEXT, last_error TEXT, last_error_at TEXT,
        failures INTEGER NOT NULL DEFAULT 0, backoff_until TEXT
    );
    CREATE TABLE fetches (
        id INTEGER PRIMARY KEY, source TEXT REFERENCES sources(id), url TEXT NOT NULL, kind TEXT,
        status INTEGER, error TEXT, etag TEXT, last_modified TEXT, final_url TEXT, bytes INTEGER,
        outcome TEXT, fetched_at TEXT NOT NULL
    );
    CREATE INDEX fetches_url ON fetches(url, fetched_at);
    CREATE INDEX fetches_source ON fetches(source, fetched_at);
    CREATE TABLE articles (
        id TEXT PRIMARY KEY, url TEXT NOT NULL, canonical_url TEXT NOT NULL UNIQUE, final_url TEXT,
        source TEXT REFERENCES sources(id), title TEXT, published TEXT, fetched_at TEXT, language TEXT,
        text TEXT, content_hash TEXT, dup_of TEXT REFERENCES articles(id), via TEXT, speaks_for TEXT
    );
    CREATE INDEX articles_content_hash ON articles(content_hash);
    CREATE INDEX articles_source_published ON articles(source, published);
    CREATE TABLE article_urls (
        url TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id), kind TEXT
    );
    CREATE TABLE parties (id TEXT PRIMARY KEY, name TEXT);
    CREATE TABLE topics (id TEXT PRIMARY KEY, description TEXT);
    CREATE TABLE claim_types (id TEXT PRIMARY KEY, description TEXT);
    CREATE TABLE claims (
        id TEXT PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id),
        topic TEXT REFERENCES topics(id), holder TEXT REFERENCES parties(id), speaker TEXT,
        claim_type TEXT REFERENCES claim_types(id), negated INTEGER NOT NULL, target TEXT REFERENCES parties(id),
        claim_date TEXT, evidence TEXT, start INTEGER, "end" INTEGER, source TEXT REFERENCES sources(id),
        via TEXT, confidence REAL, extractor_version TEXT
    );
    CREATE INDEX claims_timeline ON claims(topic, holder, claim_date);
    CREATE INDEX claims_article ON claims(article_id);
    CREATE TABLE extractions (
        article_id TEXT NOT NULL REFERENCES articles(id), extractor_version TEXT NOT NULL,
        extracted_at TEXT NOT NULL, claims INTEGER NOT NULL,
        PRIMARY KEY (article_id, extractor_version)
    );
    """)
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="unicode61")
    db["claims"].enable_fts(["evidence", "speaker"], create_triggers=True, tokenize="unicode61")


def _m003_digest(db: sqlite_utils.Database) -> None:
    # Separate statements (not executescript, which would commit the migration's transaction early).
    db.execute("""
    CREATE TABLE digests (
        id INTEGER PRIMARY KEY, period_start TEXT NOT NULL, period_end TEXT NOT NULL, topic TEXT NOT NULL,
        recipients TEXT NOT NULL, message_id TEXT, subject TEXT, sent_at TEXT, status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, error TEXT, created_at TEXT NOT NULL
    )""")
    db.execute("CREATE INDEX digests_period ON digests(period_start, period_end, topic, recipients, status)")


def _m004_crawl_near_duplicates(db: sqlite_utils.Database) -> None:
    """MinHash signatures of stored articles, so near-duplicates are found across crawl runs."""
    db.execute("CREATE TABLE article_minhash (article_id TEXT PRIMARY KEY REFERENCES articles(id), signature BLOB NOT NULL)")


def _m004_scheduler(db: sqlite_utils.Database) -> None:
    """The daemon's schedule (next run time per job, so it survives restarts) and its run history."""
    # Separate statements: executescript would commit the migration's transaction early.
    db.execute("CREATE TABLE job_state (job_id TEXT PRIMARY KEY, kind TEXT NOT NULL, next_run_time TEXT, "
               "updated_at TEXT)")
    db.execute("""
    CREATE TABLE job_runs (
        id INTEGER PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, started TEXT NOT NULL,
        finished TEXT, status TEXT NOT NULL, result TEXT
    )""")
    db.execute("CREATE INDEX job_runs_job ON job_runs(job_id, started)")


def _timeline(statements: str) -> Callable[[sqlite_utils.Database], None]:
    """The migration step that runs storage.timeline_schema.<statements> (its comments say what each one does),
    one statement at a time: executescript would commit the migration's transaction early."""
    def step(db: sqlite_utils.Database) -> None:
        from onrecord.storage import timeline_schema

        for statement in getattr(timeline_schema, statements):
            db.execute(statement)
    return step


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_core", _m001_core),
    ("003_digest", _m003_digest),
    ("004_crawl_near_duplicates", _m004_crawl_near_duplicates),
    ("004_scheduler", _m004_scheduler),
    ("002_timeline", _timeline("TIMELINE_002")),
    ("005_timeline_evidence", _timeline("TIMELINE_005")),
    ("006_timeline_intervals", _timeline("TIMELINE_006")),
    ("007_timeline_interval_refresh", _timeline("TIMELINE_007")),
    ("008_timeline_fewer_indexes", _timeline("TIMELINE_008")),
    ("009_timeline_locality", _timeline("TIMELINE_009")),
    ("010_timeline_contradiction_read", _timeline("TIMELINE_010")),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply every migration not yet recorded in `_migrations`; return the names applied."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                db.conn.execute("ROLLBACK")
                continue
            started = time.perf_counter()
            step(db)
            db.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [name])
            db.conn.execute("COMMIT")
            if done:  # an existing store upgraded (a new one gets every migration, not worth a line each)
                log.info("store upgraded: migration %s applied in %.1f s", name, time.perf_counter() - started)
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        applied.append(name)
    return applied
