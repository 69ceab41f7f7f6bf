"""Contradictions: pairs of events where two parties state incompatible things about the same fact.

The rules are config data (each claim type's `contradicts`, read by `contradiction_rules`): side A's (claim_type,
negated) against side B's, both on the same topic, held by different parties, no more than
`timeline.contradiction_window_days` apart, and about each other where a target is given (A's target, if any, is B;
B's target, if any, is A; targeted rules need one). Example: Russia `list_submitted` ("we handed over our list")
against Ukraine `list_received` negated ("no list has been received"). Pairs are re-derived for the events an update
touched; a pair's id is its date and a hash of the two events' content ('2025-05-22:9f3c...'), so re-deriving keeps
its first `detected_at`.
"""

from __future__ import annotations

import sqlite_utils

from onrecord.core.config import ClaimTypeConfig, Config
from onrecord.core.records import short_hash
from onrecord.storage.positions import replace_rows

Rule = tuple[str, str, bool, str, bool, bool]  # (rule name, type A, negated A, type B, negated B, targeted)


def contradiction_rules(claim_types: list[ClaimTypeConfig]) -> list[Rule]:
    """The rules of config.yaml: each claim type's `contradicts` entries, that type on side A. Targeted rules are
    about claim types too general to be about the same fact by topic alone ("agreed" to what?): one side must
    name the other as its target."""
    return [
        (rule.rule, claim_type.id, rule.negated, rule.other, rule.other_negated, rule.targeted)
        for claim_type in claim_types
        for rule in claim_type.contradicts
    ]


# The rules are written into the query as a VALUES list (a handful of rows from config): the planner then knows
# they are few and lets the changed events drive the plan (a temp table of rules made the full build 4x slower).
_PAIRS = """
WITH rules(name, type_a, neg_a, type_b, neg_b, targeted) AS (VALUES {values})
SELECT r.name, a.id, b.id, a.topic, max(a.event_date, b.event_date),
       a.holder, a.claim_type, a.negated, a.event_date, b.holder, b.claim_type, b.negated, b.event_date
FROM temp.tl_changed ch
CROSS JOIN events {near} ON {near}.id = ch.id  -- CROSS JOIN: changed events drive the plan
CROSS JOIN rules r ON r.type_{near_side} = {near}.claim_type AND r.neg_{near_side} = {near}.negated
JOIN events {far} ON {far}.topic = {near}.topic AND {far}.claim_type = r.type_{far_side}
     AND {far}.negated = r.neg_{far_side}
     AND {far}.event_date BETWEEN date({near}.event_date, ?1) AND date({near}.event_date, ?2)
WHERE a.holder IS NOT b.holder
  AND (a.target IS NULL OR a.target = b.holder) AND (b.target IS NULL OR b.target = a.holder)
  AND (NOT r.targeted OR a.target = b.holder OR b.target = a.holder)
  AND abs(julianday(a.event_date) - julianday(b.event_date)) <= ?3"""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _pairs_sql(near: str, rules: list[Rule]) -> str:
    far = "b" if near == "a" else "a"
    values = ", ".join(
        f"({_literal(n)}, {_literal(ta)}, {int(na)}, {_literal(tb)}, {int(nb)}, {int(t)})"
        for n, ta, na, tb, nb, t in rules
    )
    return _PAIRS.format(values=values, near=near, far=far, near_side=near, far_side=far)


def refresh_contradictions(db: sqlite_utils.Database, changed: set[int], config: Config, now: str) -> None:
    """Re-derive the contradictions of the events in `changed` (new, moved or removed event ids), by the rules
    and within the window of `config`."""
    if not changed:
        return
    window_days = config.timeline.contradiction_window_days
    rules = contradiction_rules(config.claim_types)
    db.execute("CREATE TEMP TABLE IF NOT EXISTS tl_changed (id INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.tl_changed")
    db.conn.executemany("INSERT INTO temp.tl_changed (id) VALUES (?)", [(i,) for i in changed])
    rows = {}
    params = [f"-{window_days + 1} days", f"+{window_days + 1} days", window_days]
    for near in ("a", "b") if rules else ():  # no rules, no pairs (the stale ones are still removed below)
        for row in db.execute(_pairs_sql(near, rules), params):
            name, event_a, event_b, topic, day = row[:5]
            pair_id = f"{day}:{short_hash(name, *row[5:])}"  # led by the date: neighbours in the key (009)
            rows[pair_id] = {
                "id": pair_id,
                "topic": topic,
                "date": day,
                "event_a": event_a,
                "event_b": event_b,
                "rule": name,
            }
    where = "event_a IN (SELECT id FROM temp.tl_changed) OR event_b IN (SELECT id FROM temp.tl_changed)"
    replace_rows(db, "contradiction_pairs", where, [], list(rows.values()), now)
