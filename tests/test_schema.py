"""The schema: a new store is created from storage/schema.sql; a store at any older version, upgraded by the frozen
steps of storage/upgrades/, ends with exactly the same schema and keeps its data."""

from __future__ import annotations

import re
import sqlite3

import pytest

from onrecord.core.errors import StoreError
from onrecord.storage import migrations, timeline
from onrecord.storage.db import open_store
from onrecord.storage.migrations import LEGACY_STEPS, schema_version, statements, upgrades
from timeline_fixtures import build_may_2025

CURRENT = schema_version()
OLDER = range(1, CURRENT)


def normal_sql(sql: str | None) -> str | None:
    """A CREATE statement without comments, with runs of white space made one and none around ( ) , ;"""
    if sql is None:
        return None
    sql = re.sub(r"--[^\n]*", "", sql)
    sql = re.sub(r"\s+", " ", sql).strip()
    return re.sub(r"\s*([(),;])\s*", r"\1", sql)


def schema_of(conn: sqlite3.Connection) -> dict:
    """Everything sqlite_master says (normalised SQL), the order of the tables (what row_counts lists), and what
    SQLite reads from it: every table's columns, foreign keys and indexes, every index's columns."""
    objects = sorted(
        (kind, name, table, normal_sql(sql))
        for kind, name, table, sql in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
    )
    tables = [name for kind, name, _, _ in objects if kind == "table"]
    indexes = [name for kind, name, _, _ in objects if kind == "index"]
    return {
        "objects": objects,
        "table_order": [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        ],
        "columns": {t: conn.execute(f"PRAGMA table_xinfo([{t}])").fetchall() for t in tables},
        "foreign_keys": {t: conn.execute(f"PRAGMA foreign_key_list([{t}])").fetchall() for t in tables},
        "table_indexes": {t: sorted(conn.execute(f"PRAGMA index_list([{t}])").fetchall()) for t in tables},
        "index_columns": {i: conn.execute(f"PRAGMA index_xinfo([{i}])").fetchall() for i in indexes},
        "version": conn.execute("PRAGMA user_version").fetchone()[0],
    }


def store_at(path, version: int):
    """A store at an older version, as that version's stores are: the frozen steps replayed up to it."""
    db = open_store(path, migrate_schema=False)
    assert migrations.upgrade(db.conn, to=version) == [f"{u.version:03d}_{u.name}" for u in upgrades()[:version]]
    assert db.execute("PRAGMA user_version").fetchone()[0] == version
    return db


def legacy_store_at(path, version: int):
    """A store as onrecord made it before schema.sql: the same tables, its steps named in `_migrations`."""
    db = store_at(path, version)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
    for name in LEGACY_STEPS[:version]:
        db.execute("INSERT INTO _migrations VALUES (?, datetime('now'))", [name])
    db.execute("PRAGMA user_version = 0")
    return db


@pytest.fixture(scope="module")
def fresh_schema(tmp_path_factory):
    db = open_store(tmp_path_factory.mktemp("fresh") / "fresh.db")
    yield schema_of(db.conn)
    db.conn.close()


def test_a_new_store_is_made_from_schema_sql_in_one_step(tmp_path, fresh_schema):
    db = open_store(tmp_path / "new.db", migrate_schema=False)
    assert migrations.upgrade(db.conn) == ["schema.sql"]
    assert schema_of(db.conn) == fresh_schema
    assert fresh_schema["version"] == CURRENT == len(upgrades())
    names = {name for _, name, _, _ in fresh_schema["objects"]}
    assert {
        "claims",
        "events",
        "position_intervals",
        "claims_fts",
        "timeline_events",
        "timeline_claim_insert",
        "events_state",
    } <= names


@pytest.mark.parametrize("version", OLDER)
def test_every_older_version_upgrades_to_exactly_the_fresh_schema(tmp_path, fresh_schema, version):
    old = store_at(tmp_path / f"v{version}.db", version)
    assert schema_of(old.conn) != fresh_schema
    old.conn.close()
    db = open_store(tmp_path / f"v{version}.db")
    assert schema_of(db.conn) == fresh_schema
    db.conn.close()


@pytest.mark.parametrize("version", [1, 5, 7, len(LEGACY_STEPS)])
def test_a_store_from_before_schema_sql_keeps_its_version_and_upgrades_to_the_fresh_schema(
    tmp_path, fresh_schema, version
):
    path = tmp_path / "legacy.db"
    legacy_store_at(path, version).conn.close()
    if version == CURRENT:  # as current as it gets: readable as it is, without an upgrade
        reader = open_store(path, read_only=True)
        assert migrations.store_version(reader.conn) == CURRENT
        reader.conn.close()
    else:  # the last legacy version: recognised, then upgraded by the newer steps
        assert migrations.store_version(open_store(path, migrate_schema=False).conn) == version
    db = open_store(path)
    assert schema_of(db.conn) == fresh_schema
    assert "_migrations" not in db.table_names()
    db.conn.close()


def test_an_unknown_set_of_old_migrations_is_refused(tmp_path):
    path = tmp_path / "odd.db"
    db = legacy_store_at(path, 3)
    db.execute("DELETE FROM _migrations WHERE name = ?", [LEGACY_STEPS[1]])
    db.conn.close()
    with pytest.raises(StoreError, match="unknown set of migrations"):
        open_store(path)


@pytest.mark.parametrize("version", [1, 4, 5, 6, 7, 9, 10])
def test_claims_stored_at_an_older_version_give_the_same_timeline_as_in_a_new_store(tmp_path, config, version):
    old = store_at(tmp_path / "old.db", version)
    build_may_2025(old)  # articles and claims only: every version has their tables
    old.conn.close()
    upgraded = open_store(tmp_path / "old.db")
    fresh = open_store(tmp_path / "fresh.db")
    build_may_2025(fresh)
    for db in (upgraded, fresh):
        assert timeline.pending(db)
        timeline.update_events(db, config)

    def everything(db):
        search = "SELECT count(*) FROM {0}_fts WHERE {0}_fts MATCH ?"
        return (
            timeline.claims_timeline(db),
            timeline.events(db),
            timeline.changes(db),
            timeline.contradictions(db),
            timeline.state_as_of(db, "2025-06-30"),
            db.execute(search.format("claims"), ["Kyiv"]).fetchone(),
            db.execute(search.format("articles"), ["list"]).fetchone(),
        )

    assert everything(upgraded) == everything(fresh)
    assert timeline.events(upgraded) and everything(upgraded)[-1][0] > 0


def test_a_store_newer_than_this_onrecord_is_refused_not_touched(tmp_path):
    path = tmp_path / "future.db"
    db = open_store(path)
    db.execute(f"PRAGMA user_version = {CURRENT + 1}")
    db.conn.close()
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError, match=f"schema {CURRENT + 1}, newer than this onrecord"):
            open_store(path, read_only=read_only)
    assert path.read_bytes() == before


def test_a_failed_step_leaves_the_store_at_the_version_before(tmp_path, monkeypatch):
    path = tmp_path / "v8.db"
    store_at(path, 8).conn.close()
    broken = migrations.Upgrade(10, "broken", "CREATE TABLE half_done (x);\nSELECT no_such_function();\n")
    monkeypatch.setattr(migrations, "upgrades", lambda: (*upgrades()[:9], broken, *upgrades()[10:]))
    with pytest.raises(StoreError, match="no_such_function"):
        open_store(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 9  # step 9 committed, step 10 rolled back whole
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'half_done'").fetchone()
    conn.close()


def test_statements_keep_trigger_bodies_whole_and_drop_comments():
    sql = """-- a comment; with a semicolon
CREATE TABLE t (a);  -- trailing
CREATE TRIGGER t_ai AFTER INSERT ON t BEGIN
    INSERT INTO t VALUES (1);  -- inside
    DELETE FROM t WHERE a = ';';
END;
-- the end
"""
    assert [s.split()[1] for s in statements(sql)] == ["TABLE", "TRIGGER"]
    assert statements(sql)[1].endswith("END;")
    with pytest.raises(StoreError, match="unterminated"):
        statements("CREATE TABLE u (a")


def test_upgrade_steps_are_literal_sql_files():
    assert [u.version for u in upgrades()] == list(range(1, CURRENT + 1))
    for step in upgrades():
        assert statements(step.sql), step.name


def test_articles_stored_before_revisions_are_live_first_versions(tmp_path):
    old = store_at(tmp_path / "v16.db", 16)
    old.execute(
        "INSERT INTO articles (id, url, canonical_url, source, title, text, content_hash) "
        "VALUES ('a', 'http://x/a', 'http://x/a', 'wire', 'T', 'Text.', 'h')"
    )
    old.conn.close()
    db = open_store(tmp_path / "v16.db")
    assert db.execute("SELECT version, status, revised_at, withdrawn_at FROM articles").fetchall() == [
        (1, "live", None, None)
    ]
    assert db.execute("SELECT count(*) FROM article_versions").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM retired_claims").fetchone()[0] == 0
    db.conn.close()
