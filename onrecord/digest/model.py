"""The digest as plain records: what the templates render, independent of the store and of email."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SHIFT_KINDS = ("reversal", "negation_flipped")


@dataclass(frozen=True)
class Change:
    """A party's position moved: from one stance to another (or a first stance, kind 'new')."""

    topic: str
    holder: str
    holder_name: str
    date: str
    kind: str  # 'new' | 'negation_flipped' | 'reversal'
    before: str | None  # phrase of the previous stance, None for kind 'new'
    after: str
    evidence: str
    speaker: str | None
    url: str | None
    title: str
    outlets: tuple[str, ...]
    corroboration: int
    link: str | None = None  # into Datasette
    reviewed: bool = False  # a researcher reviewed a claim of its event (storage/reviews.py)

    @property
    def headline(self) -> str:
        return f"{self.holder_name} {self.after}"

    @property
    def is_shift(self) -> bool:
        return self.kind in SHIFT_KINDS


@dataclass(frozen=True)
class Statement:
    """One event (claims merged across outlets) shown under its party."""

    date: str
    text: str
    evidence: str
    speaker: str | None
    url: str | None
    title: str
    outlets: tuple[str, ...]
    corroboration: int
    link: str | None = None
    reviewed: bool = False  # a researcher reviewed a claim of it (storage/reviews.py)


@dataclass(frozen=True)
class PartyClaims:
    holder: str
    name: str
    statements: tuple[Statement, ...]
    more: int = 0  # statements left out (digest.max_claims_per_party)


@dataclass(frozen=True)
class Contradiction:
    date: str
    name_a: str
    text_a: str
    evidence_a: str
    url_a: str | None
    name_b: str
    text_b: str
    evidence_b: str
    url_b: str | None


@dataclass(frozen=True)
class TopicDigest:
    topic: str
    description: str
    changes: tuple[Change, ...] = ()
    parties: tuple[PartyClaims, ...] = ()
    contradictions: tuple[Contradiction, ...] = ()

    @property
    def title(self) -> str:
        """'prisoner-exchange' -> 'Prisoner exchange'."""
        return self.topic.replace("-", " ").replace("_", " ").capitalize()

    @property
    def claim_count(self) -> int:
        return sum(len(p.statements) + p.more for p in self.parties)

    @property
    def is_empty(self) -> bool:
        return not (self.changes or self.parties or self.contradictions)


@dataclass(frozen=True)
class Digest:
    """Everything one email says, for one period and one topic (or every topic)."""

    project: str
    since: datetime
    until: datetime
    topic: str | None  # None: every configured topic
    topics: tuple[TopicDigest, ...] = field(default=())

    @property
    def changes(self) -> list[Change]:
        return [c for t in self.topics for c in t.changes]

    @property
    def is_empty(self) -> bool:
        return all(t.is_empty for t in self.topics)

    @property
    def summary(self) -> str:
        """One line that says what happened: '3 changes: Russia received Ukraine's list; 4 new claims'."""
        if self.is_empty:
            return "Nothing new on the record"
        parts = []
        changes = self.changes
        if changes:
            lead = next((c for c in changes if c.is_shift), changes[0])
            parts.append(f"{_count(len(changes), 'change')}: {lead.headline}")
        claims = sum(t.claim_count for t in self.topics)
        if claims:
            parts.append(f"{_count(claims, 'new claim')}")
        contradictions = sum(len(t.contradictions) for t in self.topics)
        if contradictions:
            parts.append(_count(contradictions, "contradiction"))
        return "; ".join(parts)

    @property
    def visible_topics(self) -> list[TopicDigest]:
        return [t for t in self.topics if not t.is_empty]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
