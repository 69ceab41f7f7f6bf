"""The records that flow between stages: Article (crawl -> nlp -> store) and Claim (nlp -> store -> timeline).

Ids are derived from content so that every write is an upsert: an article's id from its canonical URL,
a claim's id from its article, holder, type, negation and evidence offsets.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args


def short_hash(*parts: object, length: int = 16) -> str:
    """A stable hex digest of the parts, joined with a separator that cannot occur in them."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:length]


def article_id_for(canonical_url: str) -> str:
    return short_hash(canonical_url)


def content_hash_for(text: str) -> str:
    normalised = " ".join(text.split()).lower()
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Article:
    """One article as stored: the text the extractor reads and where it came from."""

    id: str
    url: str
    canonical_url: str
    source: str
    title: str
    text: str
    published: str | None = None  # ISO 8601 datetime or date
    fetched_at: str | None = None
    language: str | None = None
    content_hash: str | None = None
    dup_of: str | None = None  # id of the article this one is a (near-)copy of
    via: str | None = None  # agency the article cites ("Interfax")
    speaks_for: str | None = None  # party id when the source is official
    final_url: str | None = None  # URL after redirects, when it differs
    text_source: str | None = "page"  # which text it holds: "page" (extracted) or "feed" (the entry's text)
    published_from: str | None = None  # where `published` came from: "feed", "page", "feed, offset corrected"

    @classmethod
    def create(
        cls, *, url: str, canonical_url: str | None = None, source: str, title: str, text: str, **kwargs: Any
    ) -> Article:
        """Build an article with its id and content hash derived from its content."""
        canonical = canonical_url or url
        kwargs.setdefault("content_hash", content_hash_for(text))
        kwargs.setdefault("fetched_at", utc_now())
        return cls(
            id=article_id_for(canonical),
            url=url,
            canonical_url=canonical,
            source=source,
            title=title,
            text=text,
            **kwargs,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        """Read an article from a JSON Lines record (`id, url, source, published, title, text, language`)."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        url = values["url"] = values.get("url") or ""  # a record may name itself by id alone
        values.setdefault("canonical_url", url)
        values.setdefault("id", article_id_for(values["canonical_url"]))
        values.setdefault("title", "")
        values.setdefault("source", "")
        values["text"] = values.get("text") or ""
        if not values.get("content_hash"):
            values["content_hash"] = content_hash_for(values["text"])
        return cls(**values)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Claim:
    """One position one party states on the record in one article (see shared/spec/claims.md)."""

    article_id: str
    topic: str
    holder: str
    claim_type: str
    negated: bool
    evidence: str
    start: int
    end: int
    claim_date: str | None = None  # ISO date
    speaker: str | None = None
    target: str | None = None
    source: str | None = None
    via: str | None = None
    confidence: float = 0.5
    extractor_version: str = ""
    id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(
                self,
                "id",
                short_hash(
                    self.article_id, self.topic, self.holder, self.claim_type, self.negated, self.start, self.end
                ),
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# What came of one fetch, the one list (the `fetches.outcome` column, the crawl's counts): a feed or listing page
# read whole (ok), read in part (partial) or unchanged (not-modified); an article page stored as new, updated (a
# stored article's text changed: a revision), unchanged or duplicate, not an article, or withdrawn (a stored
# article's page answered 404 or 410); or an error.
FetchOutcome = Literal[
    "new", "duplicate", "partial", "updated", "unchanged", "not-modified", "not-article", "withdrawn", "error", "ok"
]
FETCH_OUTCOMES: tuple[str, ...] = get_args(FetchOutcome)


@dataclass(frozen=True)
class Fetch:
    """One HTTP fetch as recorded in the `fetches` table, successful or not."""

    url: str
    source: str
    kind: str  # "feed" | "page" | "listing" | "robots"
    status: int | None = None
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    bytes: int | None = None
    outcome: FetchOutcome | None = None
    fetched_at: str = field(default_factory=utc_now)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
