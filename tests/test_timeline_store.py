"""Timeline built from claims we wrote: merge, corroboration, as-of state, changes, contradictions, re-extraction."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from onrecord.storage import timeline
from timeline_fixtures import (
    COMMITTED,
    HANDED_OVER,
    NOT_RECEIVED,
    RECEIVED,
    TOPIC,
    add_article,
    build_may_2025,
    claim,
    replace_claims,
)


@pytest.fixture
def may(store, config):
    ids = build_may_2025(store)
    assert timeline.update_events(store, config) == 10
    return ids


def _event(db, holder, claim_type, day=None):
    found = [
        e
        for e in timeline.events(db, party=holder)
        if e["claim_type"] == claim_type and (day is None or e["event_date"] == day)
    ]
    assert len(found) == 1, found
    return found[0]


def _dangling_links(db) -> int:
    """Links, listed claim ids and best claims of events that name a claim no longer in the store."""
    return db.execute("""SELECT
        (SELECT count(*) FROM event_claims ec LEFT JOIN claims c ON c.id = ec.claim_id WHERE c.id IS NULL)
      + (SELECT count(*) FROM events e, json_each(e.claim_ids) j LEFT JOIN claims c ON c.id = j.value
         WHERE c.id IS NULL)
      + (SELECT count(*) FROM events e LEFT JOIN claims c ON c.id = e.best_claim_id
         WHERE e.best_claim_id IS NOT NULL AND c.id IS NULL)""").fetchone()[0]


def test_same_statement_from_several_outlets_merges_into_one_event(store, may):
    event = _event(store, "russia", "list_submitted", "2025-05-22")
    assert event["outlets"] == ["interfax", "ria", "tass"]
    assert len(event["claim_ids"]) == 3 and len(event["article_ids"]) == 3
    assert event["evidence"] == HANDED_OVER and event["speaker"] == "Dmitry Peskov"
    assert event["url"].endswith("/tass/tass-list")  # the most confident claim's article
    assert event["first_seen"].startswith("2025-05-22") and event["last_seen"].startswith("2025-05-23")
    json.dumps(timeline.events(store))  # plain records


def test_near_duplicate_copy_is_not_counted_twice(store, may):
    # tass + interfax + ria, where ria's article is a copy (dup_of) of interfax's: two independent outlets.
    assert _event(store, "russia", "list_submitted", "2025-05-22")["corroboration"] == 2


def test_same_outlet_twice_counts_once(store, config):
    add_article(store, "a1", "tass", "2025-05-22", [claim("russia", "commitment", COMMITTED)])
    add_article(store, "a2", "tass", "2025-05-23", [claim("russia", "commitment", COMMITTED)])
    timeline.update_events(store, config)
    event = _event(store, "russia", "commitment")
    assert event["corroboration"] == 1 and len(event["article_ids"]) == 2


def test_claims_outside_the_window_make_a_new_event(store, may):
    events = [e for e in timeline.events(store, party="russia") if e["claim_type"] == "list_submitted"]
    assert [e["event_date"] for e in events] == ["2025-05-22", "2025-06-10"]


def test_state_as_of_a_date_is_what_was_on_the_record_then(store, may):
    def state(day):
        return {s["claim_type"]: s["negated"] for s in timeline.state_as_of(store, day, topic=TOPIC, party="ukraine")}

    assert state("2025-05-19") == {}
    assert state("2025-05-22") == {"commitment": False, "list_received": True}
    assert state("2025-05-23") == {"commitment": False, "list_received": False}
    assert state("2025-06-01") == {"commitment": False, "list_received": False, "rejection": False}


def test_changes_new_negation_flip_and_reversal(store, may):
    moves = [
        (c["change_date"], c["kind"], c["from_type"], c["from_negated"], c["to_type"], c["to_negated"])
        for c in timeline.changes(store, party="ukraine")
    ]
    assert moves == [
        ("2025-05-20", "new", None, None, "commitment", False),
        ("2025-05-22", "new", None, None, "list_received", True),
        ("2025-05-23", "negation_flipped", "list_received", True, "list_received", False),
        ("2025-05-30", "reversal", "commitment", False, "rejection", False),
    ]
    russia = timeline.changes(store, party="russia", since="2025-05-23", until="2025-12-31")
    assert [(c["kind"], c["to_type"]) for c in russia] == [("new", "exchange_completed")]  # repeat in June: no change
    assert russia[0]["evidence"] and russia[0]["outlets"] == ["tass"]


def test_contradiction_pairs_both_evidences(store, may):
    [pair] = timeline.contradictions(store, topic=TOPIC)
    assert (pair["holder_a"], pair["claim_type_a"], pair["negated_a"]) == ("russia", "list_submitted", False)
    assert (pair["holder_b"], pair["claim_type_b"], pair["negated_b"]) == ("ukraine", "list_received", True)
    assert pair["evidence_a"] == HANDED_OVER and pair["evidence_b"] == NOT_RECEIVED
    assert pair["date"] == "2025-05-22" and pair["url_b"].endswith("/ukr-not-received")
    assert timeline.contradictions(store, since="2025-05-23") == []


def test_update_is_idempotent_and_keeps_detected_at(store, config, may):
    before = (timeline.events(store), timeline.changes(store), timeline.contradictions(store))
    assert timeline.update_events(store, config) == 0
    timeline.rebuild_events(store, config)
    after = (timeline.events(store), timeline.changes(store), timeline.contradictions(store))
    assert after == before


def test_re_extraction_never_leaves_events_pointing_to_missing_claims(store, config, may):
    # Re-extracting TASS's article drops its list claim; the link goes at once, the event is re-derived.
    replace_claims(store, may["tass-list"], "tass", "2025-05-22", [])
    assert _dangling_links(store) == 0
    assert len(_event(store, "russia", "list_submitted", "2025-05-22")["claim_ids"]) == 2
    assert timeline.update_events(store, config) == 0
    event = _event(store, "russia", "list_submitted", "2025-05-22")
    assert event["outlets"] == ["interfax", "ria"] and event["corroboration"] == 1
    assert [e["claim_type"] for e in timeline.events(store, party="russia", until="2025-05-22")] == ["list_submitted"]
    # Ukraine's "not received" is re-extracted as nothing: the contradiction and the negated state go.
    replace_claims(store, may["ukr-not-received"], "ukrinform", "2025-05-22", [])
    timeline.update_events(store, config)
    assert timeline.contradictions(store) == []
    kinds = [(c["kind"], c["to_type"]) for c in timeline.changes(store, party="ukraine")]
    assert ("new", "list_received") in kinds and not any(k == "negation_flipped" for k, _ in kinds)
    assert _dangling_links(store) == 0


def test_incremental_updates_equal_a_full_rebuild(store, config, may):
    add_article(
        store,
        "late-report",
        "interfax",
        "2025-05-21",
        [
            claim("ukraine", "list_received", RECEIVED, target="russia"),
            claim("russia", "list_submitted", HANDED_OVER, target="ukraine", negated=True),
        ],
    )
    add_article(
        store,
        "next-day",
        "ria",
        "2025-05-24",
        [claim("ukraine", "list_received", NOT_RECEIVED, negated=True, target="russia")],
    )
    assert timeline.update_events(store, config) == 3
    incremental = (
        timeline.events(store),
        timeline.changes(store),
        timeline.contradictions(store),
        timeline.state_as_of(store, "2025-12-31"),
    )
    timeline.rebuild_events(store, config)
    full = (
        timeline.events(store),
        timeline.changes(store),
        timeline.contradictions(store),
        timeline.state_as_of(store, "2025-12-31"),
    )
    assert incremental == full
    assert len(full[2]) >= 2  # the new "not received" (24th) contradicts nothing; the 21st pair does


def test_claims_timeline_in_date_order_with_article_fields(store, may):
    rows = timeline.claims_timeline(store, topic=TOPIC, party="ukraine", since="2025-05-21", until="2025-05-23")
    assert [(r["claim_date"], r["claim_type"], r["negated"]) for r in rows] == [
        ("2025-05-22", "list_received", True),
        ("2025-05-23", "list_received", False),
    ]
    assert set(rows[0]) >= {
        "claim_date",
        "holder",
        "claim_type",
        "negated",
        "target",
        "speaker",
        "evidence",
        "source",
        "url",
        "title",
        "article_id",
        "topic",
        "via",
        "id",
    }
    assert rows[0]["url"].endswith("/ukr-not-received") and rows[0]["title"] == "Report ukr-not-received"


def test_sql_views_are_queryable(store, may):
    assert store.execute("SELECT count(*) FROM timeline_events").fetchone()[0] == 8
    assert store.execute("SELECT count(*) FROM position_state WHERE holder = 'ukraine'").fetchone()[0] == 3
    assert store.execute("SELECT kind FROM position_changes WHERE kind = 'reversal'").fetchall() == [("reversal",)]
    assert store.execute("SELECT holder_a, holder_b FROM contradictions").fetchall() == [("russia", "ukraine")]


def test_merge_window_comes_from_config(store, config, may):
    narrow = config.model_copy(update={"timeline": config.timeline.model_copy(update={"merge_window_days": 0})})
    timeline.rebuild_events(store, narrow)
    days = [e["event_date"] for e in timeline.events(store, party="russia") if e["claim_type"] == "list_submitted"]
    assert days == ["2025-05-22", "2025-06-10"]  # ria's copy is dated the 22nd too: same day still merges
    add_article(store, "late", "tass", "2025-05-24", [claim("russia", "list_submitted", HANDED_OVER, target="ukraine")])
    timeline.update_events(store, narrow)
    days = [e["event_date"] for e in timeline.events(store, party="russia") if e["claim_type"] == "list_submitted"]
    assert days == ["2025-05-22", "2025-05-24", "2025-06-10"]
    timeline.rebuild_events(store, config)  # two days: the 24th joins the 22nd
    days = [e["event_date"] for e in timeline.events(store, party="russia") if e["claim_type"] == "list_submitted"]
    assert days == ["2025-05-22", "2025-06-10"]


def test_undated_claim_takes_its_article_date(store, config):
    article_id = add_article(store, "undated", "tass", "2025-05-25", [claim("russia", "commitment", COMMITTED)])
    store.execute("UPDATE claims SET claim_date = NULL WHERE article_id = ?", [article_id])
    timeline.update_events(store, config)
    assert [e["event_date"] for e in timeline.events(store)] == ["2025-05-25"]
    assert [r["claim_date"] for r in timeline.claims_timeline(store, since="2025-05-25")] == ["2025-05-25"]


def test_article_marked_as_copy_later_lowers_corroboration(store, config):
    first = add_article(store, "original", "tass", "2025-05-22", [claim("russia", "commitment", COMMITTED)])
    add_article(store, "reprint", "ria", "2025-05-22", [claim("russia", "commitment", COMMITTED)])
    timeline.update_events(store, config)
    assert _event(store, "russia", "commitment")["corroboration"] == 2
    add_article(store, "reprint", "ria", "2025-05-22", [claim("russia", "commitment", COMMITTED)], dup_of=first)
    assert timeline.pending(store)
    timeline.update_events(store, config)
    event = _event(store, "russia", "commitment")
    assert event["corroboration"] == 1 and event["outlets"] == ["ria", "tass"]


@pytest.mark.parametrize(
    "sequence, expected",
    [
        # (claim_type, negated) in date order -> kinds of change
        ([("commitment", 0), ("rejection", 0)], ["new", "reversal"]),
        ([("commitment", 0), ("commitment", 1), ("rejection", 0)], ["new", "negation_flipped", "new"]),
        ([("rejection", 0), ("agreement", 0), ("agreement", 0), ("rejection", 0)], ["new", "reversal", "reversal"]),
        (
            [("concern", 0), ("concern", 0), ("concern", 1), ("concern", 0)],
            ["new", "negation_flipped", "negation_flipped"],
        ),
    ],
)
def test_change_rules(config, sequence, expected):
    from onrecord.storage.positions import detect_changes, reversal_pairs

    events = [(i, t, n, f"2025-05-{10 + i:02d}") for i, (t, n) in enumerate(sequence)]
    assert [change[0] for _, change in detect_changes(events, {}, reversal_pairs(config.claim_types))] == expected


@pytest.mark.parametrize("target, expected", [(None, 0), ("russia", 1)])
def test_general_claim_types_contradict_only_when_aimed_at_each_other(store, config, target, expected):
    add_article(
        store,
        "agreed",
        "ukrinform",
        "2025-05-16",
        [claim("ukraine", "agreement", "Kyiv said the sides agreed on the swap.", topic="peace-talks", target=target)],
    )
    add_article(
        store,
        "rejected",
        "tass",
        "2025-05-17",
        [claim("russia", "rejection", "Moscow rejected the ceasefire demand.", topic="peace-talks")],
    )
    timeline.update_events(store, config)
    assert len(timeline.contradictions(store, topic="peace-talks")) == expected


def _state_from_events(db, day: str) -> dict:
    """Brute force: per topic, holder and claim type, the event latest in (date, id) order on or before `day`."""
    latest = {}
    for event in db.query("SELECT id, topic, holder, claim_type, negated, evidence, event_date FROM events"):
        event["negated"] = bool(event["negated"])
        key = (event["topic"], event["holder"], event["claim_type"])
        if event["event_date"] <= day and (
            key not in latest or (event["event_date"], event["id"]) > (latest[key]["event_date"], latest[key]["id"])
        ):
            latest[key] = event
    return {key: (e["id"], e["negated"], e["evidence"]) for key, e in latest.items()}


def _state(db, day: str) -> dict:
    return {
        (s["topic"], s["holder"], s["claim_type"]): (s["event_id"], s["negated"], s["evidence"])
        for s in timeline.state_as_of(db, day)
    }


def test_state_as_of_every_day_equals_the_events_through_updates_and_deletions(store, config, may):
    # Long gaps (intervals of years), same-day events of one claim type (a tie), an undated-looking day.
    add_article(store, "old", "tass", "2023-02-01", [claim("russia", "commitment", COMMITTED)])
    add_article(store, "far", "tass", "2027-09-30", [claim("russia", "commitment", COMMITTED, negated=True)])
    add_article(store, "tie", "ria", "2025-05-22", [claim("russia", "list_submitted", HANDED_OVER, target="usa")])
    add_article(store, "odd", "ria", "2025-02-30", [claim("ukraine", "concern", NOT_RECEIVED)])  # sorts as text
    timeline.update_events(store, config)
    first = date(2023, 1, 1)
    days = sorted({(first + timedelta(days=n)).isoformat() for n in [*range(0, 1900, 13), *range(860, 920)]})
    days += [
        "2099-01-01",
        "2025-05",
        "2025-02-30",
        "2025-02-29",
        "2025-03-01",
    ]  # far future; not an ISO date (compared as a string, as before)

    def check():
        for day in days:
            assert _state(store, day) == _state_from_events(store, day), day

    check()
    replace_claims(store, may["tass-list"], "tass", "2025-05-22", [])  # best quote cleared by a trigger
    check()
    timeline.update_events(store, config)
    check()
    timeline.rebuild_events(store, config)
    check()
    intervals = store.execute("SELECT count(*) FROM position_intervals").fetchone()[0]
    assert intervals == store.execute("SELECT count(*) FROM events").fetchone()[0]


def store_at(path, version: int):
    """A store at an older schema version: the frozen upgrade steps replayed up to `version`."""
    from onrecord.storage import migrations
    from onrecord.storage.db import open_store

    db = open_store(path, migrate_schema=False)
    migrations.upgrade(db.conn, to=version)
    return db


def _intervals(db) -> list[tuple]:
    return db.execute(
        "SELECT * FROM position_intervals ORDER BY topic, holder, claim_type, valid_from, event_id, "
        "level, bucket, valid_to"
    ).fetchall()


def _intervals_from_scratch(db) -> list[tuple]:
    """Every interval derived from the events at once (the statement of upgrade step 7, which created the table),
    rolled back after reading."""
    from onrecord.storage.migrations import statements, upgrades

    [derive] = [s for s in statements(upgrades()[6].sql) if s.startswith("INSERT INTO position_intervals")]
    db.conn.execute("SAVEPOINT scratch")
    try:
        db.execute("DELETE FROM position_intervals")
        db.execute(derive)
        return _intervals(db)
    finally:
        db.conn.execute("ROLLBACK TO scratch")
        db.conn.execute("RELEASE scratch")


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_intervals_of_touched_keys_equal_a_full_derivation_through_updates_and_deletions(store, config, seed):
    import random

    rng = random.Random(seed)
    holders, types = ["russia", "ukraine", "usa"], ["commitment", "rejection", "list_received"]
    days = [(date(2025, 1, 1) + timedelta(days=rng.randrange(120))).isoformat() for _ in range(12)]
    articles = []
    for batch in range(6):
        for n in range(8):  # same days again and again: ties, merges into earlier events, gaps closed
            key = f"b{batch}-{n}"
            claims = [
                claim(rng.choice(holders), rng.choice(types), f"Statement {key} {i}.", negated=rng.random() < 0.3)
                for i in range(rng.randrange(1, 4))
            ]
            articles.append((add_article(store, key, rng.choice(["tass", "ria"]), rng.choice(days), claims), key))
        if batch % 2:  # re-extract a few earlier articles as nothing: their events shrink, move or go
            for article_id, _ in rng.sample(articles, 3):
                replace_claims(store, article_id, "tass", "2025-01-01", [])
        timeline.update_events(store, config)
        assert _intervals(store) == _intervals_from_scratch(store), batch
    timeline.rebuild_events(store, config)
    assert _intervals(store) == _intervals_from_scratch(store)


def test_store_at_version_7_upgrades_and_stays_exact(tmp_path, config):
    from onrecord.storage.db import open_store

    path = tmp_path / "v7.db"
    # A store at version 7 (as old migration 006 left it): intervals kept by row triggers
    old = store_at(path, 7)
    ids = build_may_2025(old)
    timeline.update_events(old, config)
    old.conn.close()
    db = open_store(path)
    triggers = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert "timeline_interval_insert" not in triggers and "timeline_interval_content" in triggers
    assert _intervals(db) == _intervals_from_scratch(db)
    add_article(db, "late", "tass", "2025-05-21", [claim("russia", "list_submitted", HANDED_OVER, target="ukraine")])
    replace_claims(db, ids["ukr-received"], "ukrinform", "2025-05-23", [])
    timeline.update_events(db, config)
    assert _intervals(db) == _intervals_from_scratch(db)
    assert _state(db, "2025-05-23") == _state_from_events(db, "2025-05-23")
    db.conn.close()


def test_store_at_version_8_upgrades_and_updates_equal_a_full_rebuild(tmp_path, config):
    from onrecord.storage.db import open_store

    path = tmp_path / "v8.db"
    # A store at version 8 (as old migration 007 left it): events_key beside events_state
    old = store_at(path, 8)
    ids = build_may_2025(old)
    timeline.update_events(old, config)
    before = (timeline.events(old), timeline.changes(old), timeline.contradictions(old))
    old.conn.close()
    db = open_store(path)
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "events_key" not in indexes and "events_state" in indexes
    assert (timeline.events(db), timeline.changes(db), timeline.contradictions(db)) == before
    # Same key but the other polarity or target, on the same and the next days: matched by negation and target.
    add_article(
        db,
        "late",
        "tass",
        "2025-05-22",
        [
            claim("russia", "list_submitted", HANDED_OVER, target="ukraine", negated=True),
            claim("russia", "list_submitted", HANDED_OVER, target="usa"),
        ],
    )
    add_article(db, "next", "ria", "2025-05-23", [claim("russia", "list_submitted", HANDED_OVER, target="ukraine")])
    replace_claims(db, ids["ukr-received"], "ukrinform", "2025-05-23", [])
    timeline.update_events(db, config)
    incremental = (
        timeline.events(db),
        timeline.changes(db),
        timeline.contradictions(db),
        timeline.state_as_of(db, "2025-12-31"),
        _intervals(db),
    )
    timeline.rebuild_events(db, config)
    assert incremental == (
        timeline.events(db),
        timeline.changes(db),
        timeline.contradictions(db),
        timeline.state_as_of(db, "2025-12-31"),
        _intervals(db),
    )
    assert _intervals(db) == _intervals_from_scratch(db)
    db.conn.close()


def test_store_at_version_9_keeps_its_change_and_contradiction_ids_and_detected_at(tmp_path, config, caplog):
    from onrecord.storage.db import open_store

    path = tmp_path / "v9.db"
    # A store at version 9 (as old migration 008 left it): ids are bare content hashes
    old = store_at(path, 9)
    build_may_2025(old)
    timeline.update_events(old, config)
    for table in ("changes", "contradiction_pairs"):
        old.execute(f"UPDATE {table} SET id = substr(id, instr(id, ':') + 1), detected_at = '2025-01-01T00:00:00Z'")
    bare = {row[0] for row in old.execute("SELECT id FROM changes UNION ALL SELECT id FROM contradiction_pairs")}
    old.conn.commit()
    old.conn.close()
    assert bare and not any(":" in i for i in bare)
    with caplog.at_level("INFO", logger="onrecord.store"):
        db = open_store(path)
    assert [r.getMessage().split(" applied")[0] for r in caplog.records][:2] == [  # then any later steps
        "store upgraded: step 010_timeline_locality",
        "store upgraded: step 011_timeline_contradiction_read",
    ]
    indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "position_intervals_key" not in indexes and "position_intervals_event" in indexes
    upgraded = (timeline.changes(db), timeline.contradictions(db))
    assert {c["id"].split(":", 1)[1] for rows in upgraded for c in rows} == bare
    assert all(c["id"].startswith(c["change_date"] + ":") for c in upgraded[0])
    assert all(c["id"].startswith(c["date"] + ":") for c in upgraded[1])
    # Re-deriving everything gives the same ids, so every change and contradiction keeps its first detected_at.
    timeline.rebuild_events(db, config)
    assert (timeline.changes(db), timeline.contradictions(db)) == upgraded
    assert {c["detected_at"] for rows in upgraded for c in rows} == {"2025-01-01T00:00:00Z"}
    db.conn.close()


@pytest.mark.parametrize("extra_days", [-1, 0, 1, 30])
def test_a_later_claim_joins_the_last_event_only_within_the_window_and_updates_equal_a_rebuild(
    store, config, extra_days
):
    window = int(config.timeline.merge_window_days)
    add_article(store, "first", "tass", "2025-06-01", [claim("russia", "commitment", COMMITTED)])
    add_article(store, "second", "ria", "2025-06-02", [claim("russia", "commitment", COMMITTED)])
    timeline.update_events(store, config)
    later = (date(2025, 6, 1) + timedelta(days=window + extra_days)).isoformat()
    add_article(store, "later", "interfax", later, [claim("russia", "commitment", COMMITTED)])
    timeline.update_events(store, config)
    incremental = (
        timeline.events(store),
        timeline.changes(store),
        timeline.state_as_of(store, "2025-12-31"),
        _intervals(store),
    )
    assert [e["claims"] for e in incremental[0]] == ([3] if extra_days <= 0 else [2, 1])
    timeline.rebuild_events(store, config)
    assert incremental == (
        timeline.events(store),
        timeline.changes(store),
        timeline.state_as_of(store, "2025-12-31"),
        _intervals(store),
    )


def test_reads_pause_the_garbage_collector_and_restore_it(store, may):
    """The reads run with gc paused (their dicts hold no cycles) and leave it as they found it, also on error."""
    import gc

    seen = []
    original = timeline.json_list

    def spy(text):
        seen.append(gc.isenabled())
        return original(text)

    timeline.json_list = spy
    try:
        assert gc.isenabled() and timeline.events(store, topic=TOPIC) and seen and not any(seen)
        assert gc.isenabled()
        gc.disable()
        timeline.events(store, topic=TOPIC)
        assert not gc.isenabled()  # a caller that had paused it keeps it paused
    finally:
        gc.enable()
        timeline.json_list = original
    with pytest.raises(sqlite3.Error):
        timeline.state_as_of(store, "2025-05-20", topic=object())  # an unbindable parameter: sqlite3 raises
    assert gc.isenabled()


def test_update_pauses_the_garbage_collector_and_restores_it(store, config, monkeypatch):
    import gc

    from onrecord.storage import events

    seen = []
    original = events._clusters
    monkeypatch.setattr(events, "_clusters", lambda *args: seen.append(gc.isenabled()) or original(*args))
    build_may_2025(store)
    assert timeline.update_events(store, config) and seen and not any(seen)
    assert gc.isenabled()
