"""`onrecord demo` end to end: real Scrapy crawls the loopback demo site, claims land in SQLite, re-runs add nothing."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest

from conftest import REPO, free_port

pytestmark = pytest.mark.slow

CONTENT_TABLES = ("sources", "articles", "article_urls", "claims", "extractions", "events", "event_claims")


def run_demo(db, port):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "onrecord",
            "demo",
            "--config",
            str(REPO / "config.yaml"),
            "--db",
            str(db),
            "--port",
            str(port),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
    )


def counts(db) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES + ("fetches",)}


@pytest.fixture(scope="module")
def demo_runs(tmp_path_factory):
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    port = free_port()
    first = run_demo(db, port)
    after_first = counts(db) if db.exists() else {}
    second = run_demo(db, port)
    return db, first, after_first, second, counts(db)


def test_demo_prints_a_timeline_of_several_parties(demo_runs):
    db, first, _, _, _ = demo_runs
    assert first.returncode == 0, first.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        holders = {h for (h,) in conn.execute("SELECT DISTINCT holder FROM claims")}
        n_claims = conn.execute("SELECT count(*) FROM claims").fetchone()[0]
        languages = {lang for (lang,) in conn.execute("SELECT DISTINCT language FROM articles")}
    assert {"russia", "ukraine"} <= holders
    assert n_claims >= 8
    assert {"en", "ru", "uk"} <= languages
    for party in ("russia", "ukraine"):
        assert f"Claims: {party}" in first.stdout


def test_demo_reads_the_key_statements_of_the_sequence(demo_runs):
    """The Kremlin's list handed over, Kyiv's receipt, and the completed exchange are all on the record."""
    db = demo_runs[0]
    with sqlite3.connect(db) as conn:
        keys = set(conn.execute("SELECT holder, claim_type FROM claims WHERE negated = 0"))
    assert ("russia", "list_submitted") in keys
    assert ("ukraine", "list_received") in keys or ("ukraine", "list_submitted") in keys
    assert any(claim_type == "exchange_completed" for _, claim_type in keys)


def test_bad_inputs_are_one_line_errors_and_do_not_stop_the_run(demo_runs):
    _, first, after_first, _, _ = demo_runs
    lines = first.stderr.splitlines()
    assert any("demo-broken:" in line and "malformed feed" in line for line in lines), first.stderr[-3000:]
    assert any("demo-interfax:" in line and "removed-story.html" in line and "404" in line for line in lines)
    assert after_first["articles"] >= 40  # every other outlet's articles were stored


def test_running_the_demo_twice_adds_no_rows(demo_runs):
    _, _, after_first, second, after_second = demo_runs
    assert second.returncode == 0, second.stderr[-2000:]
    assert {t: after_second[t] for t in CONTENT_TABLES} == {t: after_first[t] for t in CONTENT_TABLES}
    # the second pass only re-asks each feed (answered 304): no article page is fetched again
    with sqlite3.connect(demo_runs[0]) as conn:
        page_fetches = conn.execute(
            "SELECT url, count(*) FROM fetches WHERE kind = 'page' GROUP BY url HAVING count(*) > 1"
        ).fetchall()
    assert page_fetches == []
    assert after_second["fetches"] - after_first["fetches"] == 7
