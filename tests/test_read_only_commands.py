"""Read commands (timeline, status, serve, eval) never write the store: not its bytes, not its schema, and they do
not wait for the daemon's write lock."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from click.testing import CliRunner

from conftest import REPO
from onrecord.cli import cli
from onrecord.core.errors import StoreError
from onrecord.storage import timeline
from onrecord.storage.db import open_store
from onrecord.storage.migrations import schema_version
from onrecord.storage.sources import mark_source_result, sync_config
from test_schema import store_at
from timeline_fixtures import build_may_2025

CONFIG = str(REPO / "config.yaml")
READS = [
    ["timeline"],
    ["timeline", "--events", "--format", "json"],
    ["timeline", "--as-of", "2025-05-23"],
    ["timeline", "--changes"],
    ["timeline", "--contradictions", "--format", "csv"],
    ["status", "--json"],
    ["status"],
]


@pytest.fixture
def filled(tmp_path, config):
    """A store with claims folded into events and a source's health, closed (as the daemon leaves it between runs)."""
    path = tmp_path / "store.db"
    db = open_store(path)
    sync_config(db, config)
    build_may_2025(db)
    timeline.update_events(db, config)
    mark_source_result(db, "tass-en", "HTTP 503 Service Unavailable")
    db.conn.close()
    return path


def fingerprint(path) -> tuple[bytes, int]:
    return path.read_bytes(), os.stat(path).st_mtime_ns


def invoke(path, args: list[str]):
    return CliRunner().invoke(cli, [*args, "--config", CONFIG, "--db", str(path)])


def test_read_commands_leave_the_file_as_it_was(filled, tmp_path):
    before = fingerprint(filled)
    for args in READS:
        result = invoke(filled, args)
        assert result.exit_code == 0, (args, result.output)
    result = invoke(filled, ["serve", "--print-command", "--metadata-file", str(tmp_path / "meta.json")])
    assert result.exit_code == 0, result.output
    assert fingerprint(filled) == before


def test_eval_does_not_open_the_store(tmp_path):
    path = tmp_path / "not-a-store.db"
    path.write_bytes(b"not SQLite at all")
    articles, gold = tmp_path / "articles.jsonl", tmp_path / "gold.jsonl"
    articles.write_text(
        json.dumps(
            {
                "id": "a",
                "url": "https://example.org/a",
                "source": "test-wire",
                "published": "2025-05-22",
                "title": "a",
                "language": "en",
                "text": "Nothing was said today.",
            }
        )
        + "\n",
        encoding="utf-8",
    )
    gold.write_text(json.dumps({"article_id": "a", "claims": []}) + "\n", encoding="utf-8")
    result = invoke(path, ["eval", "--engine", "rules", "--articles", str(articles), "--gold", str(gold), "--json"])
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == b"not SQLite at all"


def test_read_commands_run_while_a_writer_holds_the_write_lock(filled):
    """A separate process reads while this one holds BEGIN IMMEDIATE with an uncommitted claim in it."""
    writer = sqlite3.connect(filled, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE sources SET last_error = 'not committed' WHERE id = 'tass-en'")
    try:
        for args in (["timeline", "--events", "--format", "json"], ["status", "--json"]):
            done = subprocess.run(
                [sys.executable, "-m", "onrecord", *args, "--config", CONFIG, "--db", str(filled)],
                capture_output=True,
                text=True,
                timeout=120,
                cwd=REPO,
            )
            assert done.returncode == 0, (args, done.stderr)
            if args[0] == "status":  # the committed state, not the writer's uncommitted one
                sources = {row["source"]: row for row in json.loads(done.stdout)["sources"]}
                assert sources["tass-en"]["last_error"] == "HTTP 503 Service Unavailable"
            else:
                assert {e["holder"] for e in json.loads(done.stdout)} == {"russia", "ukraine"}
        assert writer.in_transaction  # the writer kept its lock throughout
    finally:
        writer.execute("ROLLBACK")
        writer.close()


def test_a_store_at_an_older_schema_is_named_in_one_line_and_left_alone(tmp_path):
    path = tmp_path / "old.db"
    store_at(path, 7).conn.close()
    before = fingerprint(path)
    line = (
        f"{path}: store is at schema 7, this onrecord reads schema {schema_version()}; run any writing command "
        f"(onrecord crawl or extract) to upgrade it"
    )
    for args in (["timeline"], ["status"], ["serve"]):
        result = invoke(path, args)
        assert isinstance(result.exception, StoreError) and str(result.exception) == line, (args, result.output)
    done = subprocess.run(
        [sys.executable, "-m", "onrecord", "timeline", "--config", CONFIG, "--db", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert done.returncode == 2 and f"onrecord: error: {line}" in done.stderr.splitlines()
    assert fingerprint(path) == before


def test_a_missing_store_is_not_created_by_a_read_command(tmp_path):
    path = tmp_path / "nothing.db"
    for args in (["timeline"], ["status"], ["serve"]):
        result = invoke(path, args)
        assert isinstance(result.exception, StoreError), (args, result.output)
        assert str(result.exception).startswith(f"{path}: store not found")
    assert not path.exists()


def test_timeline_says_when_claims_wait_to_be_folded_and_leaves_them_waiting(filled, config):
    db = open_store(filled)
    db.execute("UPDATE claims SET confidence = 0.5 WHERE rowid = (SELECT min(rowid) FROM claims)")  # queued by trigger
    assert timeline.pending(db)
    db.conn.close()
    before = fingerprint(filled)
    result = CliRunner().invoke(cli, ["timeline", "--events", "--config", CONFIG, "--db", str(filled)])
    assert result.exit_code == 0, result.output
    assert "claims newer than the events are not in them yet; `onrecord extract` folds them" in result.stderr
    claims_only = CliRunner().invoke(cli, ["timeline", "--config", CONFIG, "--db", str(filled)])
    assert "not in them yet" not in claims_only.stderr  # claims are read as they are: nothing to fold
    assert fingerprint(filled) == before
