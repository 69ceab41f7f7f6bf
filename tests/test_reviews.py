"""Reviews: accept / reject / correct / add / revert on a real store, through the storage API and the real CLI.

The store is the one the Datasette tests fill (tests/test_serve_datasette.py: five articles, nine claims). Checked:
what the timeline shows after each action, that an incremental update equals a rebuild from scratch, that reviews
re-attach after a re-extraction by a new extractor version (and a vanished claim's review is kept and listed), that
the CLI refuses a review without a reviewer and changes nothing, and that export round-trips through eval.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from conftest import REPO
from onrecord.core.records import Claim
from onrecord.digest import build_digest, render_text
from onrecord.storage import reviews, timeline
from onrecord.storage.claims import save_extraction
from onrecord.storage.db import open_store
from onrecord.storage.events import rebuild_events, update_events
from test_serve_datasette import SOURCES, fill_store

KEPT_COLUMNS = ("topic", "holder", "claim_type", "negated", "target", "event_date", "claim_ids", "evidence")


@pytest.fixture
def filled(tmp_path, config):
    path = tmp_path / "onrecord.db"
    fill_store(path, config)
    db = open_store(path)
    yield db, config.with_sources(SOURCES), path
    db.conn.close()


def claim_id(db, claim_type: str, holder: str | None = None) -> str:
    sql = "SELECT id FROM claims WHERE claim_type = ?" + (" AND holder = ?" if holder else "") + " ORDER BY id"
    return db.execute(sql, [claim_type] + ([holder] if holder else [])).fetchone()[0]


def event_keys(db) -> set[tuple]:
    return {(e["holder"], e["claim_type"], e["negated"], e["event_date"]) for e in timeline.events(db)}


def kept(db, columns=KEPT_COLUMNS) -> list[tuple]:
    return sorted(tuple(json.dumps(e[c]) for c in columns) for e in timeline.events(db))


def article_of(db, claim: str) -> str:
    return db.execute("SELECT article_id FROM claims WHERE id = ?", [claim]).fetchone()[0]


def test_reject_correct_add_and_revert_move_the_timeline_as_a_rebuild_would(filled, tmp_path):
    db, config, path = filled
    before = event_keys(db)
    assert ("ukraine", "demand", False, "2025-05-09") in before

    rejected = reviews.record(db, "reject", "ann", claim_id=claim_id(db, "demand"), note="a condition, not a demand")
    update_events(db, config)
    assert event_keys(db) == before - {("ukraine", "demand", False, "2025-05-09")}
    assert rejected["action"] == "reject" and rejected["note"] == "a condition, not a demand"

    proposal = claim_id(db, "proposal")
    reviews.record(db, "correct", "ann", claim_id=proposal, fields={"holder": "russia", "negated": True})
    update_events(db, config)
    keys = event_keys(db)
    assert ("turkey", "proposal", False, "2025-05-09") not in keys
    assert ("russia", "proposal", True, "2025-05-09") in keys

    article = article_of(db, proposal)
    evidence = "Kyiv said it was ready to attend if a ceasefire came first."
    added = reviews.record(
        db, "add", "bob", article_id=article, evidence=evidence,
        fields={"topic": "peace-talks", "holder": "ukraine", "claim_type": "agreement", "target": "russia"},
    )  # fmt: skip
    update_events(db, config)
    assert added["claim_id"].startswith("added:")
    events = {(e["holder"], e["claim_type"]): e for e in timeline.events(db)}
    assert events["ukraine", "agreement"]["evidence"] == evidence
    assert events["ukraine", "agreement"]["reviewed"] == 1 and events["russia", "proposal"]["reviewed"] == 1
    assert events["ukraine", "accusation"]["reviewed"] == 0
    claims = {c["id"]: c for c in timeline.claims_timeline(db, topic="peace-talks")}
    assert claims[proposal]["holder"] == "russia" and claims[proposal]["review"] == "corrected"
    assert claims[added["claim_id"]]["review"] == "added"
    assert claim_id(db, "demand") not in claims

    # The same store rebuilt from nothing gives the same events as the incremental updates did.
    incremental = kept(db)
    copy = tmp_path / "copy.db"
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(path, copy)
    other = open_store(copy)
    for table in ("events", "event_claims", "positions", "position_intervals"):
        other.execute(f"DELETE FROM {table}")
    rebuild_events(other, config)
    assert kept(other) == incremental
    other.conn.close()

    # Undo the rejection: the demand is back; the trail keeps all four actions and marks the one undone.
    reviews.record(db, "revert", "ann", reverts=rejected["id"])
    update_events(db, config)
    assert ("ukraine", "demand", False, "2025-05-09") in event_keys(db)
    trail = reviews.history(db)
    assert [r["action"] for r in trail] == ["reject", "correct", "add", "revert"]
    assert [r["reverted"] for r in trail] == [True, False, False, False]
    with pytest.raises(reviews.ReviewError, match="already reverted"):
        reviews.record(db, "revert", "ann", reverts=rejected["id"])


def test_reviews_reattach_after_a_new_extractor_version_and_a_vanished_claim_is_kept_and_listed(filled):
    db, config, _ = filled
    demand, proposal = claim_id(db, "demand"), claim_id(db, "proposal")
    accusation = claim_id(db, "accusation")
    article = article_of(db, proposal)
    reviews.record(db, "reject", "ann", claim_id=demand)
    reviews.record(db, "correct", "ann", claim_id=proposal, fields={"claim_type": "demand", "holder": "russia"})
    reviews.record(db, "accept", "ann", claim_id=accusation)
    update_events(db, config)
    columns = (*[c for c in KEPT_COLUMNS if c != "claim_ids"], "reviewed")
    reviewed_before = kept(db, columns)
    assert sorted(e["reviewed"] for e in timeline.events(db)) == [0] * 5 + [1, 1]

    # Every article read again by a new extractor version: the claims are deleted and written anew, under new ids
    # (as if ids followed the version) and a new confidence: only the stable key can re-attach the reviews.
    old_ids = {row[0] for row in db.execute("SELECT id FROM claims")}
    for article_id in [row[0] for row in db.execute("SELECT id FROM articles")]:
        claims = [
            Claim(
                **(
                    dict(row)
                    | {"id": "v2-" + row["id"], "negated": bool(row["negated"]), "confidence": 0.7}
                    | {"extractor_version": "test-v2"}
                )
            )
            for row in db.query("SELECT * FROM claims WHERE article_id = ?", [article_id])
        ]
        save_extraction(db, article_id, claims, "test-v2")
    update_events(db, config)
    assert {row[0] for row in db.execute("SELECT DISTINCT extractor_version FROM claims")} == {"test-v2"}
    assert not old_ids & {row[0] for row in db.execute("SELECT id FROM claims")}
    assert kept(db, columns) == reviewed_before
    assert reviews.list_reviews(db, orphaned=True) == []
    assert {r["review"] for r in reviews.list_reviews(db)} == {"rejected", "corrected", "accepted"}

    # The new reading no longer finds the proposal: its correction is kept, listed as orphaned, and not applied.
    keep = [
        Claim(**(dict(row) | {"negated": bool(row["negated"])}))
        for row in db.query("SELECT * FROM claims WHERE article_id = ? AND claim_type != 'proposal'", [article])
    ]
    save_extraction(db, article, keep, "test-v3")
    update_events(db, config)
    orphaned = reviews.list_reviews(db, orphaned=True)
    assert [(r["holder"], r["claim_type"], r["review"], r["claim_id"]) for r in orphaned] == [
        ("turkey", "proposal", "corrected", None)
    ]
    assert ("russia", "demand", False, "2025-05-09") not in event_keys(db)
    assert ("ukraine", "demand", False, "2025-05-09") not in event_keys(db)  # its rejection still holds


def test_a_review_that_cannot_be_recorded_changes_nothing(filled):
    db, _, _ = filled
    proposal = claim_id(db, "proposal")
    for action, kwargs, message in [
        ("correct", {"claim_id": proposal, "fields": {"claim_type": "no-such-type"}}, "unknown id"),
        ("correct", {"claim_id": proposal, "fields": {}}, "at least one field"),
        ("reject", {"claim_id": "nope"}, "no claim"),
        ("add", {"article_id": article_of(db, proposal), "evidence": "not in the text",
                 "fields": {"topic": "peace-talks", "holder": "russia", "claim_type": "demand"}}, "not in the article"),
        ("accept", {"claim_id": proposal, "reverts": 1}, "only a revert"),
    ]:  # fmt: skip
        with pytest.raises(reviews.ReviewError, match=message):
            reviews.record(db, action, "ann", **kwargs)
    with pytest.raises(reviews.ReviewError, match="reviewer"):
        reviews.record(db, "accept", "  ", claim_id=proposal)
    assert db.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM claim_reviews").fetchone()[0] == 0


def test_the_digest_reads_the_reviewed_claims_and_marks_them(filled):
    from datetime import UTC, datetime

    db, config, _ = filled
    window = (datetime(2025, 5, 1, tzinfo=UTC), datetime(2025, 5, 31, tzinfo=UTC))
    before = render_text(build_digest(config, db, *window, "peace-talks"), config)
    assert "reviewed" not in before and "ready to attend if a ceasefire" in before
    reviews.record(db, "reject", "ann", claim_id=claim_id(db, "demand"))
    reviews.record(db, "accept", "ann", claim_id=claim_id(db, "proposal"))
    after = render_text(build_digest(config, db, *window, "peace-talks"), config)
    assert "ready to attend if a ceasefire" not in after
    assert "reviewed" in after


# --- the CLI ------------------------------------------------------------------------------------------------------


def onrecord(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("ONRECORD_")} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "onrecord", "-q", *args, "--config", str(REPO / "config.yaml")],
        capture_output=True,
        text=True,
        env=environ,
        cwd=cwd,
        timeout=120,
    )


def test_the_cli_reviews_lists_and_export_round_trips_through_eval(filled, tmp_path):
    db, _, path = filled
    demand, proposal = claim_id(db, "demand"), claim_id(db, "proposal")
    article = article_of(db, proposal)
    db.conn.close()
    store = ("--db", str(path))

    refused = onrecord("review", "reject", demand, *store)
    assert refused.returncode == 2 and "needs a reviewer" in refused.stderr
    con = open_store(path)
    assert con.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0
    con.conn.close()

    as_ann = {"ONRECORD_REVIEWER": "ann"}
    done = onrecord("review", "reject", demand, "--note", "a condition", "--json", *store, env=as_ann)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["action"] == "reject"
    done = onrecord("review", "correct", proposal, "--holder", "russia", "--negated", "--json", *store, env=as_ann)
    assert json.loads(done.stdout)["fields"] == {"holder": "russia", "negated": True}
    added = onrecord(
        "review", "add", article, "--topic", "peace-talks", "--holder", "ukraine", "--type", "agreement",
        "--evidence", "Kyiv said it was ready to attend if a ceasefire came first.", "--reviewer", "bob", "--json",
        *store,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    added_id = json.loads(added.stdout)["claim_id"]
    accepted = onrecord("review", "accept", added_id, "--json", *store, env=as_ann)
    accept_id = json.loads(accepted.stdout)["id"]
    reverted = onrecord("review", "revert", str(accept_id), *store, env=as_ann)
    assert reverted.returncode == 0 and f"revert review {accept_id}" in reverted.stdout

    listed = json.loads(onrecord("review", "list", "--json", *store).stdout)
    assert {(r["holder"], r["claim_type"], r["review"]) for r in listed} == {
        ("ukraine", "demand", "rejected"),
        ("turkey", "proposal", "corrected"),
        ("ukraine", "agreement", "added"),
    }
    trail = json.loads(onrecord("review", "list", "--history", "--json", *store).stdout)
    assert [r["action"] for r in trail] == ["reject", "correct", "add", "accept", "revert"]
    assert onrecord("review", "list", "--orphaned", "--json", *store).stdout.strip() == "[]"
    events = json.loads(onrecord("timeline", "--events", "--format", "json", "--topic", "peace-talks", *store).stdout)
    assert {(e["holder"], e["claim_type"], e["negated"]) for e in events} == {
        ("russia", "proposal", True),
        ("ukraine", "agreement", False),
    }

    out = tmp_path / "gold"
    exported = onrecord("export", "--reviews", str(out), *store)
    assert exported.returncode == 0, exported.stderr
    gold = [json.loads(line) for line in (out / "gold.jsonl").read_text().splitlines()]
    assert [g["article_id"] for g in gold] == [article]
    assert sorted((c["holder"], c["claim_type"], c["negated"]) for c in gold[0]["claims"]) == [
        ("russia", "proposal", True),
        ("ukraine", "agreement", False),
    ]
    text = json.loads((out / "articles.jsonl").read_text())["text"]
    assert all(text[c["evidence_start"] : c["evidence_end"]] == c["evidence"] for c in gold[0]["claims"])
    passages = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    assert [p["pid"] for p in passages] == [article]

    scored = onrecord("eval", "--reviews", str(out), "--json")
    assert scored.returncode == 0, scored.stderr
    micro = json.loads(scored.stdout)["micro"]
    assert micro["tp"] + micro["fn"] == 2  # every gold claim of the export is scored, found or missed
