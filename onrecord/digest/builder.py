"""Gather one period's changes, claims and contradictions from the timeline into a Digest.

Period: [since, until), both aware datetimes. An item counts in the period in which it was detected (a
change's or contradiction's `detected_at`, an event's `first_seen` = first fetch of its articles), so a
statement found late still reaches the next digest, and the daily digests never repeat an item. For a
period that ended before the item was detected (a digest of the past, built afterwards) its statement
date counts instead; a bare date stands for the end of that day in digest.timezone, so the morning
digest reports what was said the day before.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import sqlite_utils

from onrecord.core.config import Config
from onrecord.digest.model import Change, Contradiction, Digest, PartyClaims, Statement, TopicDigest
from onrecord.digest.phrases import describe

KIND_RANK = {"reversal": 0, "negation_flipped": 1, "new": 2}


def build_digest(
    config: Config, db: sqlite_utils.Database, since: datetime, until: datetime, topic: str | None = None
) -> Digest:
    """The digest of [since, until) for one topic (or all), read from the timeline in the store."""
    from onrecord.storage import timeline

    timeline.update_events(db, config)
    # Everything of the topic: late detection reaches back to any statement date, and changes need their
    # events' targets; assemble() then keeps exactly the period's items.
    changes = timeline.changes(db, topic=topic)
    events = timeline.events(db, topic=topic)
    contradictions = timeline.contradictions(db, topic=topic)
    return assemble(config, since, until, topic, changes, events, contradictions)


def assemble(
    config: Config,
    since: datetime,
    until: datetime,
    topic: str | None,
    changes: Iterable[dict],
    events: Iterable[dict],
    contradictions: Iterable[dict],
) -> Digest:
    """A Digest from timeline records (plain dicts, see storage.timeline); pure, so tests can feed it."""
    window = _Window(since, until, ZoneInfo(config.digest.timezone))
    names = _Names(config)
    topic_ids = [topic] if topic else [t.id for t in config.topics]
    events = list(events)
    targets = {e.get("id"): e.get("target") for e in events}
    # Date order; within a day the turnarounds first (reversal, flipped negation), then first positions.
    changes = sorted(
        (c for c in changes if window.contains(c.get("change_date"), c.get("detected_at"))),
        key=lambda c: (
            str(c.get("change_date") or ""),
            KIND_RANK.get(c.get("kind") or "", 9),
            c.get("holder") or "",
            str(c.get("event_id")),
            str(c.get("id")),
        ),
    )
    events = [e for e in events if window.contains(e.get("event_date"), e.get("first_seen"))]
    contradictions = sorted(
        (c for c in contradictions if window.contains(c.get("date"), c.get("detected_at"))),
        key=lambda c: (str(c.get("date") or ""), str(c.get("id"))),
    )
    sections = []
    for topic_id in topic_ids:
        topic_changes = [c for c in changes if c.get("topic") == topic_id]
        shown = {c.get("event_id") for c in topic_changes}
        topic_events = [e for e in events if e.get("topic") == topic_id and e.get("id") not in shown]
        sections.append(
            TopicDigest(
                topic=topic_id,
                description=names.topic(topic_id),
                changes=tuple(_change(c, names, targets.get(c.get("event_id"))) for c in topic_changes),
                parties=_party_groups(topic_events, names, config.digest.max_claims_per_party),
                contradictions=tuple(_contradiction(c, names) for c in contradictions if c.get("topic") == topic_id),
            )
        )
    return Digest(project=config.project.name, since=since, until=until, topic=topic, topics=tuple(sections))


class _Window:
    def __init__(self, since: datetime, until: datetime, tz: ZoneInfo):
        self.since, self.until, self.tz = _aware(since), _aware(until), tz

    def contains(self, stated: Any, detected: Any) -> bool:
        """Detected in the period; or, for a period that ended before detection, stated in it."""
        seen = _instant(detected, self.tz)
        if seen is not None and seen < self.until:
            return self.since <= seen
        said = _instant(stated, self.tz, end_of_day=True)
        return said is not None and self.since <= said < self.until


def _aware(value: datetime) -> datetime:
    """Naive times (SQLite's datetime('now')) are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _instant(value: Any, tz: ZoneInfo, end_of_day: bool = False) -> datetime | None:
    """An aware datetime from an ISO date or datetime; a bare date is the start (or end) of that day in `tz`."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return _aware(value)
    try:
        text = str(value).strip().replace("Z", "+00:00")
        if isinstance(value, date) or len(text) == 10:
            day = value if isinstance(value, date) else date.fromisoformat(text)
            moment = datetime(day.year, day.month, day.day, tzinfo=tz)
            return moment + timedelta(days=1, microseconds=-1) if end_of_day else moment
        return _aware(datetime.fromisoformat(text.replace(" ", "T", 1)))
    except ValueError:
        return None


class _Names:
    """Display names and phrases from config; unknown ids show as themselves."""

    def __init__(self, config: Config):
        self.config = config
        self.types = {c.id: c for c in config.claim_types}
        self.topics = {t.id: t.description for t in config.topics}
        self.base = (config.digest.datasette_url or "").rstrip("/") or None

    def party(self, party_id: str | None) -> str:
        party = self.config.party(party_id) if party_id else None
        return party.name if party else (party_id or "unknown party")

    def outlet(self, source_id: str) -> str:
        source = self.config.source(source_id)
        return source.name if source else source_id

    def topic(self, topic_id: str) -> str:
        return self.topics.get(topic_id, "")

    def phrase(self, claim_type: str | None, negated: Any, target: str | None = None) -> str:
        return describe(
            claim_type, bool(negated), self.party(target) if target else None, self.types.get(claim_type or "")
        )

    def link(self, table: str, row_id: Any) -> str | None:
        if not self.base or row_id is None:
            return None
        return f"{self.base}/{table}/{quote(str(row_id), safe='')}"


# A quote or title longer than this is cut at a word boundary and ends in "…": the digest is an email (one
# 272 KB "sentence" made a 615 KB message); the link leads to the whole text.
MAX_QUOTE_CHARS = 600
MAX_TITLE_CHARS = 200


def clean(text: Any, limit: int | None = None) -> str:
    """Text on one line (feeds bring stray newlines and tabs), cut to `limit` characters when given."""
    raw = str(text or "")
    line = " ".join(raw[: limit * 4 if limit else None].split())
    if limit is None or (len(line) <= limit and len(raw) <= limit * 4):
        return line
    if len(line) <= limit - 1:
        return line + "…"
    cut = line.rfind(" ", limit // 2, limit)
    return line[: cut if cut > 0 else limit - 1].rstrip() + "…"


def quote_text(text: Any) -> str:
    """Evidence as the digest quotes it: on one line, at most MAX_QUOTE_CHARS characters."""
    return clean(text, MAX_QUOTE_CHARS)


def safe_url(url: Any) -> str | None:
    """Only http(s) links go into a digest; anything else (javascript:, data:) is dropped."""
    url = clean(url)
    return url if url.lower().startswith(("http://", "https://")) else None


def _outlets(value: Any, names: _Names) -> tuple[str, ...]:
    """Outlet names from source ids (a JSON list in a string is accepted too)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    return tuple(sorted({names.outlet(clean(v)) for v in (value or []) if clean(v)}))


def _change(row: dict, names: _Names, target: str | None) -> Change:
    target = row.get("target") or target
    before = None
    if row.get("kind") != "new" and row.get("from_type"):
        before = names.phrase(row.get("from_type"), row.get("from_negated"), target)
    return Change(
        topic=row.get("topic") or "",
        holder=row.get("holder") or "",
        holder_name=names.party(row.get("holder")),
        date=clean(row.get("change_date")),
        kind=row.get("kind") or "new",
        before=before,
        after=names.phrase(row.get("to_type"), row.get("to_negated"), target),
        evidence=quote_text(row.get("evidence")),
        speaker=clean(row.get("speaker"), MAX_TITLE_CHARS) or None,
        url=safe_url(row.get("url")),
        title=clean(row.get("title"), MAX_TITLE_CHARS),
        outlets=_outlets(row.get("outlets"), names),
        corroboration=int(row.get("corroboration") or 0),
        link=names.link("events", row.get("event_id")),
        reviewed=bool(row.get("reviewed")),
    )


def _statement(row: dict, names: _Names) -> Statement:
    return Statement(
        date=clean(row.get("event_date")),
        text=names.phrase(row.get("claim_type"), row.get("negated"), row.get("target")),
        evidence=quote_text(row.get("evidence")),
        speaker=clean(row.get("speaker"), MAX_TITLE_CHARS) or None,
        url=safe_url(row.get("url")),
        title=clean(row.get("title"), MAX_TITLE_CHARS),
        outlets=_outlets(row.get("outlets"), names),
        corroboration=int(row.get("corroboration") or 0),
        link=names.link("events", row.get("id")),
        reviewed=bool(row.get("reviewed")),
    )


def _party_groups(events: list[dict], names: _Names, limit: int) -> tuple[PartyClaims, ...]:
    """Events grouped by party (most active first); within a party the best-corroborated first."""
    by_party: dict[str, list[dict]] = defaultdict(list)
    for event in events:
        by_party[event.get("holder") or ""].append(event)
    groups = []
    for holder, rows in sorted(by_party.items(), key=lambda kv: (-len(kv[1]), names.party(kv[0]))):
        rows.sort(key=lambda e: (-int(e.get("corroboration") or 0), str(e.get("event_date") or ""), str(e.get("id"))))
        groups.append(
            PartyClaims(
                holder=holder,
                name=names.party(holder),
                statements=tuple(_statement(e, names) for e in rows[:limit]),
                more=max(0, len(rows) - limit),
            )
        )
    return tuple(groups)


def _contradiction(row: dict, names: _Names) -> Contradiction:
    return Contradiction(
        date=clean(row.get("date")),
        name_a=names.party(row.get("holder_a")),
        text_a=names.phrase(row.get("claim_type_a"), row.get("negated_a"), row.get("holder_b")),
        evidence_a=quote_text(row.get("evidence_a")),
        url_a=safe_url(row.get("url_a")),
        name_b=names.party(row.get("holder_b")),
        text_b=names.phrase(row.get("claim_type_b"), row.get("negated_b"), row.get("holder_a")),
        evidence_b=quote_text(row.get("evidence_b")),
        url_b=safe_url(row.get("url_b")),
    )
