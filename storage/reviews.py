"""Reviews: researchers accept, reject, correct or add claims; the actions are kept apart from the machine's claims.

Every action is one row of `reviews` (the audit trail, never edited): who, when, a note, and the claim's stable key
(article_id, start, end, topic, holder, claim_type: the machine's claim as reviewed). A new reading of an article
replaces its claims (storage/claims.py); a review applies to whichever claim then has its key, so corrections last
across extractor versions. A review whose claim no reading finds any more is orphaned: kept, listed, not applied.

After each action `claim_reviews` holds where the trail leaves that key (the latest action not reverted; the
corrections merged in order), the views claim_review_rows and reviewed_claims (storage/schema.sql) lay it over the
claims, and the timeline is told which events to re-derive (storage/events.py reads the claims as reviewed).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import sqlite_utils

from onrecord.core.errors import OnrecordError
from onrecord.core.records import utc_now
from onrecord.storage.db import write_transaction

ACTIONS = ("accept", "reject", "correct", "add", "revert")
KEY = ("article_id", "start", "end", "topic", "holder", "claim_type")
# Fields a correction may set; an added claim needs the first three, the others are optional.
FIELDS = ("topic", "holder", "claim_type", "negated", "target", "claim_date", "speaker")
ADD_REQUIRED = ("topic", "holder", "claim_type")
ADDED_PREFIX = "added:"
_KEY_MATCH = (
    '{a}.article_id = {b}.article_id AND {a}.start IS {b}.start AND {a}."end" IS {b}."end" '
    "AND {a}.topic IS {b}.topic AND {a}.holder IS {b}.holder AND {a}.claim_type IS {b}.claim_type"
)
_KEY_WHERE = 'article_id = ? AND start IS ? AND "end" IS ? AND topic IS ? AND holder IS ? AND claim_type IS ?'
_REFERENCE = {"topic": "topics", "holder": "parties", "target": "parties", "claim_type": "claim_types"}


class ReviewError(OnrecordError):
    """A review that cannot be recorded: unknown claim, bad field, nothing to revert."""


def record(
    db: sqlite_utils.Database,
    action: str,
    reviewer: str,
    *,
    claim_id: str | None = None,
    article_id: str | None = None,
    fields: dict[str, Any] | None = None,
    evidence: str | None = None,
    start: int | None = None,
    end: int | None = None,
    reverts: int | None = None,
    note: str | None = None,
    now: str | None = None,
) -> dict[str, Any]:
    """Record one review action and return its row (with `claim_id`: the claim it now applies to).

    accept / reject / correct name a claim by id (a reading's claim, or 'added:N'); correct gives `fields`. add
    names an article, the claim's fields and its evidence span (start and end, or the evidence text, found in the
    article). revert names the review it undoes. The timeline re-derives the events it touches on its next update.
    """
    if action not in ACTIONS:
        raise ReviewError(f"unknown review action {action!r} (one of {', '.join(ACTIONS)})")
    if not (reviewer or "").strip():
        raise ReviewError("a review needs a reviewer")
    fields = dict(fields or {})
    with write_transaction(db):
        if action == "revert":
            key, claim_ref = _revert_key(db, reverts)
        elif action == "add":
            key = _added_key(db, article_id, fields, evidence, start, end)
            claim_ref = None
        else:
            if reverts is not None:
                raise ReviewError("only a revert names a review to undo")
            key, claim_ref = _claim_key(db, claim_id)
            if action == "correct" and not fields:
                raise ReviewError("a correction needs at least one field to correct")
            if action != "correct" and fields:
                raise ReviewError(f"{action} takes no fields (use correct)")
        if action in ("correct", "add"):
            fields = _check_fields(db, fields)
        before = _current_ids(db, key)
        review_id = db.execute(
            """INSERT INTO reviews (action, reviewer, reviewed_at, note, article_id, start, "end", topic, holder,
                   claim_type, claim_id, fields, reverts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                action,
                reviewer.strip(),
                now or utc_now(),
                note or None,
                *key,
                claim_ref,
                json.dumps(fields, ensure_ascii=False, sort_keys=True),
                reverts,
            ],
        ).lastrowid
        _derive(db, key)
        after = _current_ids(db, key)
        _requeue(db, before, after)
        row = dict(
            zip(
                _REVIEW_COLUMNS,
                db.execute(f"SELECT {_REVIEW_SELECT} FROM reviews WHERE id = ?", [review_id]).fetchone(),
                strict=True,
            )
        )
    row["fields"] = json.loads(row["fields"])
    row["claim_id"] = min(after, default=None)
    return row


_REVIEW_COLUMNS = (
    "id",
    "action",
    "reviewer",
    "reviewed_at",
    "note",
    "article_id",
    "start",
    "end",
    "topic",
    "holder",
    "claim_type",
    "claim_id",
    "fields",
    "reverts",
)
_REVIEW_SELECT = ", ".join(f'"{c}"' for c in _REVIEW_COLUMNS)


def _claim_key(db: sqlite_utils.Database, claim_id: str | None) -> tuple[tuple, str]:
    """The stable key of a claim named by id: a reading's claim, or one a reviewer added ('added:N')."""
    if not claim_id:
        raise ReviewError("name the claim to review (its id)")
    row = db.execute(
        'SELECT article_id, start, "end", topic, holder, claim_type FROM claims WHERE id = ?', [claim_id]
    ).fetchone()
    if row:
        return tuple(row), claim_id
    row = db.execute(
        'SELECT article_id, start, "end", topic, holder, claim_type FROM claim_reviews WHERE added_id = ?', [claim_id]
    ).fetchone()
    if row:
        return tuple(row), claim_id
    raise ReviewError(f"no claim {claim_id!r} in the store")


def _revert_key(db: sqlite_utils.Database, reverts: int | None) -> tuple[tuple, str | None]:
    if reverts is None:
        raise ReviewError("name the review to revert (its id)")
    row = db.execute(
        'SELECT action, article_id, start, "end", topic, holder, claim_type, claim_id FROM reviews WHERE id = ?',
        [reverts],
    ).fetchone()
    if not row:
        raise ReviewError(f"no review {reverts}")
    if row[0] == "revert":
        raise ReviewError(f"review {reverts} is itself a revert; record the action again instead")
    if db.execute("SELECT 1 FROM reviews WHERE action = 'revert' AND reverts = ?", [reverts]).fetchone():
        raise ReviewError(f"review {reverts} is already reverted")
    return tuple(row[1:7]), row[7]


def _added_key(db, article_id, fields, evidence, start, end) -> tuple:
    if not article_id:
        raise ReviewError("an added claim needs its article (article id)")
    found = db.execute("SELECT text FROM articles WHERE id = ?", [article_id]).fetchone()
    if not found:
        raise ReviewError(f"no article {article_id!r} in the store")
    text = found[0] or ""
    if start is None or end is None:
        needle = (evidence or "").strip()
        if not needle:
            raise ReviewError("an added claim needs its evidence: the quoted text, or start and end in the article")
        start = text.find(needle)
        if start < 0:
            raise ReviewError("the evidence is not in the article's text (quote it exactly)")
        end = start + len(needle)
    start, end = int(start), int(end)
    if not 0 <= start < end <= len(text):
        raise ReviewError(f"evidence span {start}..{end} is not inside the article's text (0..{len(text)})")
    missing = [name for name in ADD_REQUIRED if not fields.get(name)]
    if missing:
        raise ReviewError(f"an added claim needs {', '.join(missing)}")
    fields.setdefault("negated", False)
    return (article_id, start, end, fields["topic"], fields["holder"], fields["claim_type"])


def _check_fields(db: sqlite_utils.Database, fields: dict[str, Any]) -> dict[str, Any]:
    """Only known fields, ids that the store's reference tables hold, negated a boolean, a date YYYY-MM-DD."""
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise ReviewError(f"unknown field {unknown[0]!r} (fields: {', '.join(FIELDS)})")
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value = value.strip() or None
        if name == "negated":
            value = _boolean(value)
        elif name in _REFERENCE and value is not None:
            if not db.execute(f"SELECT 1 FROM {_REFERENCE[name]} WHERE id = ?", [value]).fetchone():
                raise ReviewError(f"{name}: unknown id {value!r}")
        elif name in ("topic", "holder", "claim_type") and value is None:
            raise ReviewError(f"{name} cannot be empty")
        elif name == "claim_date" and value is not None:
            from datetime import date

            try:
                date.fromisoformat(str(value)[:10])
            except ValueError:
                raise ReviewError(f"claim_date: expected YYYY-MM-DD, got {value!r}") from None
        out[name] = value
    return out


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", "", "none"):
        return False
    raise ReviewError(f"negated: expected true or false, got {value!r}")


def _derive(db: sqlite_utils.Database, key: tuple) -> None:
    """Rewrite the key's claim_reviews row from the trail: the latest action not reverted decides."""
    rows = db.execute(
        f"SELECT id, action, reviewer, reviewed_at, fields FROM reviews WHERE {_KEY_WHERE} AND action != 'revert' "
        f"AND id NOT IN (SELECT reverts FROM reviews WHERE action = 'revert' AND reverts IS NOT NULL) ORDER BY id",
        list(key),
    ).fetchall()
    db.execute(f"DELETE FROM claim_reviews WHERE {_KEY_WHERE}", list(key))
    if not rows:
        return
    merged: dict[str, Any] = {}
    added_id = None
    for review_id, action, _, _, fields in rows:
        if action in ("correct", "add"):
            merged.update(json.loads(fields))
        if action == "add" and added_id is None:
            added_id = f"{ADDED_PREFIX}{review_id}"
    last_id, last_action, reviewer, reviewed_at, _ = rows[-1]
    if last_action == "reject":
        review = "rejected"
    elif added_id:
        review = "added"
    elif merged:
        review = "corrected"
    else:
        review = "accepted"
    db.execute(
        """INSERT INTO claim_reviews (article_id, start, "end", topic, holder, claim_type, review, review_id,
               reviewer, reviewed_at, fields, added_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            *key,
            review,
            last_id,
            reviewer,
            reviewed_at,
            json.dumps(merged, ensure_ascii=False, sort_keys=True),
            added_id,
        ],
    )


def _current_ids(db: sqlite_utils.Database, key: tuple) -> dict[str, tuple | None]:
    """The claims the key names now (the reading's claims with the key, an added claim), each with the event key it
    is folded under as reviewed (topic, holder, claim_type, negated, target; None when rejected)."""
    ids: dict[str, tuple | None] = {
        row[0]: tuple(row[1:])
        for row in db.execute(
            f"SELECT id, topic, holder, claim_type, negated, target FROM claims WHERE {_KEY_WHERE}", list(key)
        )
    }
    added = db.execute(f"SELECT added_id FROM claim_reviews WHERE {_KEY_WHERE} AND added_id IS NOT NULL", list(key))
    ids.update((row[0], None) for row in added)
    if ids:
        marks = ", ".join("?" for _ in ids)
        reviewed = db.execute(
            "SELECT id, topic, holder, claim_type, negated, target, review FROM claim_review_rows "
            f"WHERE id IN ({marks})",
            list(ids),
        )
        for claim_id, *event_key, review in reviewed:
            ids[claim_id] = None if review == "rejected" else tuple(event_key)
    return ids


def _requeue(db: sqlite_utils.Database, before: dict[str, tuple | None], after: dict[str, tuple | None]) -> None:
    """The events holding these claims are re-derived, and the claims folded in again as reviewed. A claim whose
    event key moved leaves its event now (as the claims' update trigger does), so the event is not kept as is."""
    for claim_id in sorted(set(before) | set(after)):
        db.execute(
            "INSERT OR IGNORE INTO timeline_dirty (event_id) SELECT event_id FROM event_claims WHERE claim_id = ?",
            [claim_id],
        )
        if before.get(claim_id) != after.get(claim_id):
            db.execute("DELETE FROM event_claims WHERE claim_id = ?", [claim_id])
        db.execute("INSERT OR IGNORE INTO timeline_queue (claim_id) VALUES (?)", [claim_id])


# --- reading ------------------------------------------------------------------------------------------------------


def any_reviews(db: sqlite_utils.Database) -> bool:
    """True when some claim has a review in force (cheap; lets readers skip the overlay otherwise). A store from
    before reviews (schema < 12, still updated by tests of old versions) has none."""
    try:
        return db.execute("SELECT EXISTS (SELECT 1 FROM claim_reviews)").fetchone()[0] == 1
    except sqlite3.OperationalError:
        return False


def hidden_claim_ids(db: sqlite_utils.Database) -> set[str]:
    """Ids of the reading's claims a review stands in for (rejected, accepted, corrected): read them as reviewed."""
    return {
        row[0]
        for row in db.execute(f"SELECT c.id FROM claim_reviews r JOIN claims c ON {_KEY_MATCH.format(a='c', b='r')}")
    }


def reviewed_claim_ids(db: sqlite_utils.Database) -> set[str]:
    """Ids of the claims a researcher reviewed and kept (accepted, corrected, added)."""
    return {row[0] for row in db.execute("SELECT id FROM claim_review_rows WHERE review != 'rejected'")}


# The reviewed claims (not rejected) in the shape the event fold reads (storage/events.py, _CLAIMS_OF_KEY_SPAN).
FOLD_SQL = """
SELECT c.id, c.topic, c.holder, c.claim_type, c.negated, c.target,
       substr(COALESCE(c.claim_date, a.published, a.fetched_at, ''), 1, 10) AS day,
       COALESCE(c.confidence, 0) AS confidence, c.speaker, c.article_id,
       COALESCE(a.source, c.source) AS source, a.dup_of, COALESCE(r.source, a.source, c.source) AS root_source,
       a.fetched_at, c.evidence, a.url, a.title
FROM claim_review_rows c
LEFT JOIN articles a ON a.id = c.article_id
LEFT JOIN articles r ON r.id = a.dup_of
WHERE c.review != 'rejected'"""


def reviewed_claims(db: sqlite_utils.Database, article_id: str | None = None) -> list[dict[str, Any]]:
    """The claims as reviewed (machine claims nobody rejected, corrections applied, added ones), one article's or
    all, with `review` (None when nobody reviewed the claim)."""
    where, params = ("WHERE article_id = ?", [article_id]) if article_id else ("", [])
    sql = f"SELECT * FROM reviewed_claims {where} ORDER BY article_id, start, id"
    rows = [dict(r) for r in db.query(sql, params)]
    for row in rows:
        row["negated"] = bool(row["negated"])
    return rows


def claim(db: sqlite_utils.Database, claim_id: str) -> dict[str, Any] | None:
    """One claim as reviewed (also a rejected one, with review 'rejected'), with its article's text; None if unknown."""
    rows = list(db.query("SELECT * FROM claim_review_rows WHERE id = ?", [claim_id]))
    if rows:
        found = dict(rows[0])
    else:
        machine = list(db.query("SELECT * FROM claims WHERE id = ?", [claim_id]))
        if not machine:
            return None
        found = dict(machine[0], review=None, review_id=None, reviewer=None, reviewed_at=None, machine_id=claim_id)
    found["negated"] = bool(found["negated"])
    return found


def machine_claim(db: sqlite_utils.Database, claim_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM claims WHERE id = ?", [claim_id]))
    return dict(rows[0]) if rows else None


def history(db: sqlite_utils.Database, claim_id: str | None = None, review_id: int | None = None) -> list[dict]:
    """The audit trail, oldest first: every review, or those of one claim's key (by claim id or review id)."""
    where, params = "", []
    if claim_id is not None:
        key, _ = _claim_key(db, claim_id)
        where, params = f"WHERE {_KEY_WHERE}", list(key)
    elif review_id is not None:
        row = db.execute(
            'SELECT article_id, start, "end", topic, holder, claim_type FROM reviews WHERE id = ?', [review_id]
        ).fetchone()
        if not row:
            raise ReviewError(f"no review {review_id}")
        where, params = f"WHERE {_KEY_WHERE}", list(row)
    reverted = {r[0] for r in db.execute("SELECT reverts FROM reviews WHERE action = 'revert'")}
    out = []
    for values in db.execute(f"SELECT {_REVIEW_SELECT} FROM reviews {where} ORDER BY id", params):
        row = dict(zip(_REVIEW_COLUMNS, values, strict=True))
        row["fields"] = json.loads(row["fields"])
        row["reverted"] = row["id"] in reverted
        out.append(row)
    return out


def list_reviews(db: sqlite_utils.Database, orphaned: bool = False) -> list[dict[str, Any]]:
    """Every reviewed key where the trail leaves it, with the claim it applies to now (claim_id; None when
    orphaned: no reading finds its claim any more). orphaned=True: only those."""
    sql = f"""SELECT r.article_id, r.start, r."end", r.topic, r.holder, r.claim_type, r.review, r.review_id,
                     r.reviewer, r.reviewed_at, r.fields, COALESCE(
                       (SELECT c.id FROM claims c WHERE {_KEY_MATCH.format(a="c", b="r")} ORDER BY c.id LIMIT 1),
                       r.added_id) AS claim_id
              FROM claim_reviews r ORDER BY r.review_id"""
    out = []
    for values in db.execute(sql):
        row = dict(
            zip(
                (
                    "article_id",
                    "start",
                    "end",
                    "topic",
                    "holder",
                    "claim_type",
                    "review",
                    "review_id",
                    "reviewer",
                    "reviewed_at",
                    "fields",
                    "claim_id",
                ),
                values,
                strict=True,
            )
        )
        row["fields"] = json.loads(row["fields"])
        row["orphaned"] = row["claim_id"] is None
        if row["orphaned"] or not orphaned:
            out.append(row)
    return out


def reviewed_article_ids(db: sqlite_utils.Database) -> list[str]:
    """Articles with at least one review in force, in id order."""
    return [row[0] for row in db.execute("SELECT DISTINCT article_id FROM claim_reviews ORDER BY article_id")]


def article(db: sqlite_utils.Database, article_id: str) -> dict[str, Any] | None:
    rows = list(
        db.query("SELECT id, url, title, source, published, language, text FROM articles WHERE id = ?", [article_id])
    )
    return dict(rows[0]) if rows else None


# --- gold for evaluation ------------------------------------------------------------------------------------------

GOLD_FIELDS = ("topic", "holder", "claim_type", "negated", "target", "speaker", "via", "claim_date")
ARTICLE_FIELDS = (
    "id",
    "url",
    "canonical_url",
    "source",
    "title",
    "text",
    "published",
    "fetched_at",
    "language",
    "via",
    "speaks_for",
)


def gold_articles(db: sqlite_utils.Database) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Each article with a review in force, and its claims as reviewed, as gold: the claim fields of the claims
    corpus (nlp/corpus) with the evidence span as evidence_start / evidence_end. Reviewing an article vouches for the
    claims on it nobody rejected: review an article whole before exporting it."""
    out = []
    for article_id in reviewed_article_ids(db):
        rows = list(db.query(f"SELECT {', '.join(ARTICLE_FIELDS)} FROM articles WHERE id = ?", [article_id]))
        if not rows:
            continue
        claims = [
            {name: claim[name] for name in GOLD_FIELDS}
            | {
                "evidence_start": claim["start"],
                "evidence_end": claim["end"],
                "evidence": claim["evidence"],
                "review": claim["review"],
            }
            for claim in reviewed_claims(db, article_id)
        ]
        out.append((dict(rows[0]), claims))
    return out
