"""config.yaml as typed, validated models: loaded once at the entry point and passed down.

Every key has a default and a description. A wrong key or value stops with one line naming the file,
the key path and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import ErrorDetails

from onrecord.core.errors import ConfigError
from onrecord.core.grammar_refs import check_grammar_ids

CONFIG_NAME = "config.yaml"
CONFIG_ENV = "ONRECORD_CONFIG"
# The default configuration ships inside the package (in a checkout, a symlink to the top-level config.yaml).
PACKAGED_CONFIG = Path(__file__).resolve().parent.parent / "default-config.yaml"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str | int | float) -> float:
    """Seconds from '90s', '30m', '2h', '1d' or a plain number of seconds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value <= 0:
            raise ValueError("must be a positive duration")
        return float(value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"expected a duration such as '90s', '30m', '2h' or '1d', got {_short(value)}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def check_http_url(value: str) -> str:
    """An absolute http(s) URL with a host, a valid port and no whitespace or control characters."""
    from urllib.parse import urlsplit

    shown = _short(value)
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise ValueError(f"expected an http(s) URL without spaces or control characters, got {shown}")
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"expected an http(s) URL ({exc}), got {shown}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"expected an http(s) URL with a host, such as 'https://example.org/feed.xml', got {shown}")
    if port == 0:
        raise ValueError(f"expected a port from 1 to 65535, got {shown}")
    return value


def check_cluster_url(value: str) -> str:
    """The address of a Dask scheduler: tcp://host:port or tls://host:port."""
    from urllib.parse import urlsplit

    shown = _short(value)
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"expected a Dask scheduler address ({exc}), got {shown}") from None
    if parts.scheme.lower() not in ("tcp", "tls") or not parts.hostname or not port or parts.path not in ("", "/"):
        raise ValueError(
            f"expected a Dask scheduler address such as 'tcp://10.0.0.5:8786' (tcp:// or tls://), got {shown}"
        )
    return value.strip()


def check_redis_url(value: str) -> str:
    """The address of a Redis server: redis://host[:port][/db], rediss://… (TLS) or unix:///path/to.sock."""
    from urllib.parse import urlsplit

    shown = _short(value)
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError as exc:
        raise ValueError(f"expected a Redis URL ({exc}), got {shown}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("redis", "rediss", "unix") or not (parts.path if scheme == "unix" else parts.hostname):
        raise ValueError(
            f"expected a Redis URL such as 'redis://10.0.0.5:6379/0' (redis://, rediss:// or unix://), got {shown}"
        )
    return value.strip()


VERIFIED_WITH_REFERENCE = ("real-copy", "real-structure")
VERIFIED_PLAIN = ("fixture-only", "unverified")


def check_verified(value: str) -> str:
    """A source's `verified:` value: 'real-copy: <reference>', 'real-structure: <reference>', 'fixture-only' or
    'unverified'; the reference names where the real copy is (a path, or repository@commit:path)."""
    kind, sep, reference = value.partition(":")
    kind, reference = kind.strip(), reference.strip()
    if kind in VERIFIED_WITH_REFERENCE and sep and reference:
        return f"{kind}: {reference}"
    if kind in VERIFIED_PLAIN and not sep:
        return kind
    if kind in VERIFIED_WITH_REFERENCE:
        raise ValueError(f"{kind} needs the reference of the real copy ('{kind}: <path or repo@commit:path>')")
    raise ValueError(
        "expected 'real-copy: <reference>', 'real-structure: <reference>', 'fixture-only' or 'unverified', "
        f"got {_short(value)}"
    )


def _short(value: Any, limit: int = 80) -> str:
    """repr of a value for an error line, cut to about `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProjectConfig(Model):
    name: str = Field("onrecord", description="Name shown in logs, digests and Datasette.")
    user_agent: str = Field(
        "onrecord/0.1 (research monitor; +https://github.com/onrecord/onrecord)",
        description="User agent sent with every request; names the project.",
    )
    contact: str = Field("onrecord@example.org", description="Contact address added to the user agent.")


class StorageConfig(Model):
    path: str = Field("onrecord.db", description="SQLite file of the store (relative to the working directory).")


class RevisitConfig(Model):
    window_days: float = Field(
        2.0,
        ge=0,
        description="Fetch a stored article again (conditional GET) on crawl passes for this many days after it "
        "was first stored, to catch revisions and withdrawals; 0: never.",
    )
    interval: str = Field(
        "6h", description="Fetch each such article again at most this often ('0s': on every pass of its source)."
    )

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_duration(value)
        return value

    @property
    def interval_seconds(self) -> float:
        return parse_duration(self.interval)


class CrawlConfig(Model):
    obey_robots: bool = Field(True, description="Obey robots.txt.")
    autothrottle: bool = Field(True, description="Adapt the request rate to each server's latency.")
    concurrent_per_domain: int = Field(2, ge=1, description="Parallel requests per domain.")
    concurrent_requests: int = Field(16, ge=1, description="Parallel requests overall.")
    download_delay: float = Field(1.0, ge=0, description="Seconds between requests to one domain.")
    timeout: float = Field(20.0, gt=0, description="Seconds before a request times out.")
    max_page_bytes: int = Field(5_000_000, gt=0, description="Pages larger than this are refused.")
    retry_times: int = Field(2, ge=0, description="Retries of a failed request (429/5xx/timeouts).")
    max_retry_after: float = Field(600.0, ge=0, description="Longest Retry-After (seconds) honoured in a run.")
    near_duplicate_threshold: float = Field(
        0.8, gt=0, le=1, description="Jaccard similarity above which two texts are near-duplicates."
    )
    min_article_words: int = Field(60, ge=0, description="Pages with fewer words of text are not articles.")
    revisit: RevisitConfig = Field(
        default_factory=RevisitConfig, description="Re-fetching recent articles for revisions and withdrawals."
    )
    frontier: str | None = Field(
        None,
        description="Redis (redis://host:port/db, rediss://… or unix:///path.sock) holding the shared crawl "
        "frontier: `onrecord crawl --fetcher` processes on any machine fetch this machine's pages, with "
        "per-domain politeness kept across them; null: the crawl fetches alone.",
    )

    @field_validator("frontier")
    @classmethod
    def _frontier(cls, value: str | None) -> str | None:
        return None if value is None else check_redis_url(value)


class LanguageConfig(Model):
    model: str = Field(
        ...,
        description="spaCy pipeline (package name) or a blank language code such as 'ru': "
        "what the rule engine parses with.",
    )
    engine: Literal["auto", "learned", "rules"] = Field(
        "auto",
        description="learned: the trained reader (nlp/learned, weights in `reader`); rules: the "
        "hand-written rule engine alone; auto: learned where a model exists for the language.",
    )
    reader: str | None = Field(
        None,
        description="Folder of the learned reader's model (model.json, weights.npz); "
        "default: the model shipped for the language (nlp/models/<lang>).",
    )


class NlpConfig(Model):
    languages: dict[str, LanguageConfig] = Field(
        default_factory=lambda: {"en": LanguageConfig(model="en_core_web_sm")},
        description="spaCy pipeline per language code.",
    )
    batch_size: int = Field(64, ge=1, description="Texts per nlp.pipe batch.")
    default_language: str = Field("en", description="Language used when detection is not sure.")
    prefilter: bool = Field(True, description="Parse only sentences with a topic keyword and a cue (much faster).")
    min_confidence: float = Field(0.0, ge=0, le=1, description="Claims below this confidence are dropped.")
    max_article_chars: int = Field(
        200_000,
        ge=1000,
        description="Longer article texts are cut to this many "
        "characters (at a word boundary) before extraction, with a warning; claims "
        "come from the first part. Bounds the time one article can take.",
    )
    cluster: str | None = Field(
        None,
        description="Dask scheduler (tcp://host:port or tls://host:port) that `onrecord extract` runs on; "
        "null: extract in this process. The --cluster flag wins.",
    )

    @field_validator("cluster")
    @classmethod
    def _cluster(cls, value: str | None) -> str | None:
        return None if value is None else check_cluster_url(value)


class TimelineConfig(Model):
    merge_window_days: float = Field(
        2.0, ge=0, description="Claims this many days apart or closer merge into one event."
    )
    contradiction_window_days: float = Field(
        2.0,
        ge=0,
        description="Events of two parties this many days apart or "
        "closer are checked against each other for contradictions.",
    )


class SmtpConfig(Model):
    host: str | None = Field(None, description="SMTP server; the digest refuses to send without one.")
    port: int = Field(587, ge=1, le=65535, description="SMTP port.")
    security: Literal["starttls", "tls", "none"] = Field("starttls", description="starttls, tls (implicit) or none.")
    user: str | None = Field(None, description="SMTP login user.")
    password_env: str = Field("ONRECORD_SMTP_PASSWORD", description="Environment variable holding the SMTP password.")
    sender: str = Field("onrecord <onrecord@localhost>", description="From address.")
    timeout: float = Field(30.0, gt=0, description="Seconds before an SMTP operation times out.")
    ca_file: str | None = Field(
        None,
        description="CA certificate (PEM) to trust for the server's TLS "
        "certificate, e.g. a self-signed relay; default: the system's CAs.",
    )


class DigestConfig(Model):
    send_at: str = Field("07:00", description="Local time (HH:MM) of the daily digest.")
    timezone: str = Field("Europe/Kyiv", description="IANA time zone of send_at.")
    recipients: dict[str, list[str]] = Field(
        default_factory=dict, description="Recipients per topic id ('*' for every topic)."
    )
    empty: Literal["skip", "send"] = Field("skip", description="What to do on a day with nothing new.")
    datasette_url: str | None = Field(
        None,
        description="URL of the store's database in Datasette "
        "(http://127.0.0.1:8001/onrecord); each event links to {url}/events/{id}.",
    )
    list_id: str = Field("onrecord digest <digest.onrecord.local>", description="List-Id header.")
    retries: int = Field(3, ge=0, description="Delivery attempts after the first failure.")
    retry_backoff: float = Field(2.0, ge=0, description="Seconds before the first retry; doubles each time.")
    max_claims_per_party: int = Field(
        5, ge=1, description="New claims listed per party and topic; the rest are counted."
    )
    smtp: SmtpConfig = Field(default_factory=SmtpConfig)

    @field_validator("send_at")
    @classmethod
    def _send_at(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", value):
            raise ValueError(f"expected a local time HH:MM such as '07:00', got {_short(value)}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"expected an IANA time zone such as 'Europe/Kyiv', got {_short(value)}") from None
        return value


class ServeConfig(Model):
    host: str = Field("127.0.0.1", description="Interface Datasette listens on.")
    port: int = Field(8001, ge=1, le=65535, description="Port Datasette listens on.")
    sql_time_limit_ms: int = Field(1000, ge=1, description="Datasette SQL time limit.")


class SchedulerConfig(Model):
    jitter: float = Field(0.1, ge=0, le=1, description="Random share of each interval added to crawl times.")
    misfire_grace: str = Field("6h", description="How late a missed digest may still run once.")
    max_backoff: str = Field("6h", description="Longest pause of a failing source.")
    log_file: str | None = Field(None, description="Also write structured log lines to this file.")
    max_parallel: int = Field(2, ge=1, description="Crawls (child processes) running at the same time.")
    crawl_timeout: str = Field(
        "30m", description="A crawl still running after this long is stopped and counts as failed."
    )
    extract_every: str = Field(
        "1h", description="Extraction and timeline also run this often, besides after each crawl with new articles."
    )
    stop_timeout: float = Field(
        3.0, gt=0, description="Seconds a child process gets to stop on shutdown before it is killed."
    )
    history_days: int = Field(30, ge=1, description="Days of job run history kept in the job_runs table.")
    min_interval: str = Field(
        "1m",
        description="Shortest source interval accepted: a lower one is a config error "
        "(a crawl every few seconds is a mistake, not a schedule). Tests lower it.",
    )

    @field_validator("misfire_grace", "max_backoff", "crawl_timeout", "extract_every", "min_interval")
    @classmethod
    def _durations(cls, value: str) -> str:
        parse_duration(value)
        return value


class SpeakerConfig(Model):
    name: str = Field(..., description="Canonical name ('Dmitry Peskov').")
    role: str | None = Field(None, description="Role ('Kremlin spokesman').")
    aliases: list[str] = Field(default_factory=list, description="Other spellings, any language.")


class PartyConfig(Model):
    id: str = Field(..., description="Party id (see spec/claims.md).")
    name: str = Field(..., description="Display name.")
    aliases: dict[str, list[str]] = Field(
        default_factory=dict, description="Names of the party per language (countries, adjectives, capitals)."
    )
    institutions: dict[str, list[str]] = Field(
        default_factory=dict, description="Bodies that speak for the party, per language."
    )
    roles: dict[str, list[str]] = Field(
        default_factory=dict, description="Titles of officials of the party, per language ('Kremlin spokesman')."
    )
    speakers: list[SpeakerConfig] = Field(default_factory=list, description="Known people speaking for the party.")
    counterpart: str | None = Field(
        None,
        description="Party a claim of this party is about when the text names none "
        "(used for claim types with default_target: counterpart).",
    )


class TopicConfig(Model):
    id: str = Field(..., description="Topic id ('prisoner-exchange').")
    description: str = Field("", description="What the topic covers.")
    keywords: dict[str, list[str]] = Field(
        default_factory=dict, description="Keywords (lemmas or phrases) per language."
    )


class ContradictionConfig(Model):
    rule: str = Field(
        ..., description="Name of the rule, stored with each pair it finds ('list handed over / not received')."
    )
    negated: bool = Field(False, description="Whether this type's event is the negated one ('has not handed over').")
    other: str = Field(..., description="Claim type id of the other party's event.")
    other_negated: bool = Field(False, description="Whether the other party's event is the negated one.")
    targeted: bool = Field(
        False,
        description="The type is too general to be about the same fact by topic alone "
        "('agreed' to what?): one side must name the other as its target.",
    )


class PhraseConfig(Model):
    affirmed: str = Field(
        ...,
        description="Verb phrase of the claim in the digest ('received {target}'s list'); "
        "{target} is the target party's name, or 'the other side'.",
    )
    negated: str = Field(..., description="The same, negated ('has not received {target}'s list').")

    @field_validator("affirmed", "negated")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        unknown = sorted(set(re.findall(r"\{([^{}]*)\}", value)) - {"target"})
        if unknown:
            raise ValueError(f"unknown placeholder {{{unknown[0]}}}; the only one is {{target}}")
        return value


class ClaimTypeConfig(Model):
    id: str = Field(..., description="Claim type id ('list_submitted').")
    description: str = Field("", description="What the holder says.")
    cues: dict[str, list[str]] = Field(default_factory=dict, description="Cue phrases per language, matched on lemmas.")
    when_negated: str | None = Field(
        None,
        description="Claim type to use instead when the cue is negated ('not received yet' -> awaiting_counterpart).",
    )
    reported_of_other: str | None = Field(
        None,
        description="Claim type of the reporting side when a speaker reports "
        "the other side doing this ('Russia rejected' said by Kyiv "
        "-> accusation); null: not a claim of the reporter.",
    )
    factual: bool = Field(
        False,
        description="Only asserted facts count: a cue in an infinitive, under a modal "
        "('must release') or as a noun ('the release of') is not this type.",
    )
    borrows_topic: bool = Field(
        False,
        description="A short stance of this type that names its holder may take the "
        "topic of the passage around it when its own sentence has no topic "
        "word ('Kyiv rejected that.' after a paragraph on the swap).",
    )
    event: bool = Field(
        False,
        description="Reports something done (an exchange, a list handed over): a sentence that "
        "looks ahead (the grammar's prospective_markers: 'expected', 'will', "
        "'being prepared') does not state it.",
    )
    default_target: Literal["none", "counterpart"] = Field(
        "none", description="Target when the sentence names no other party: none, or the holder's counterpart."
    )
    reverses: list[str] = Field(
        default_factory=list,
        description="Claim types this one reverses: an affirmed event of "
        "this type after the party's standing affirmed stance of one of them is a "
        "`reversal` (rejection reverses commitment).",
    )
    contradicts: list[ContradictionConfig] = Field(
        default_factory=list,
        description="Events of another party this type's events contradict: same topic, no "
        "more than timeline.contradiction_window_days apart.",
    )
    phrase: PhraseConfig | None = Field(None, description="How the digest words the claim; null: its description.")


ArchiveKind = Literal["sitemap", "dated_listing", "feed_pages"]
# What each archive kind's `url` must name: the placeholder the walk fills in.
_ARCHIVE_PLACEHOLDER = {"dated_listing": "{date", "feed_pages": "{page}"}


class ArchiveConfig(Model):
    kind: ArchiveKind = Field(
        ...,
        description="How the source's archive is walked (`onrecord backfill`): sitemap (a sitemap index whose "
        "child sitemaps carry lastmod dates, or one sitemap), dated_listing (one listing page per day or month) or "
        "feed_pages (the feed's older pages, page 1 newest).",
    )
    url: str = Field(
        ...,
        description="sitemap: the sitemap (index) URL; dated_listing: a template with {date:FORMAT} "
        "('https://example.org/archive/{date:%Y/%m/%d}/', strftime codes); feed_pages: a template with {page} "
        "('https://example.org/feed/?paged={page}').",
    )
    step: Literal["day", "month"] = Field("day", description="dated_listing: one listing page per day or per month.")
    link_selector: str | None = Field(
        None,
        description="dated_listing: CSS selector of article links on a listing page; default: the source's "
        "link_selector, else 'article a, h2 a, h3 a'.",
    )
    first_page: int = Field(1, ge=0, description="feed_pages: number of the newest page.")
    max_pages: int = Field(10_000, ge=1, description="feed_pages: the walk stops after this many pages.")
    download_delay: float | None = Field(
        None, ge=0, description="Seconds between requests during a backfill; default: crawl.download_delay."
    )

    @field_validator("url")
    @classmethod
    def _template(cls, value: str, info: ValidationInfo) -> str:
        from datetime import date

        kind = info.data.get("kind")
        needed = _ARCHIVE_PLACEHOLDER.get(kind or "")
        if needed and needed not in value:
            shown = "{date:FORMAT}" if needed == "{date" else needed
            raise ValueError(f"kind {kind} needs a URL template with {shown}, got {_short(value)}")
        try:
            sample = value.format(date=date(2025, 5, 16), page=2)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"not a usable URL template ({type(exc).__name__}: {exc}); its placeholders are {{date:FORMAT}} "
                f"and {{page}}, got {_short(value)}"
            ) from None
        check_http_url(sample)
        return value


class SourceConfig(Model):
    id: str = Field(..., description="Source id, unique.")
    name: str = Field(..., description="Outlet name.")
    kind: Literal["feed", "site"] = Field("feed", description="feed (RSS/Atom) or site (listing page with selectors).")
    url: str = Field(..., description="Feed URL, or listing page URL for kind: site.")
    language: str = Field("en", description="Default language of the outlet.")
    interval: str = Field("30m", description="How often to crawl ('15m', '1h').")
    speaks_for: str | None = Field(None, description="Party id when the source is an official voice of that party.")
    enabled: bool = Field(True, description="Crawl this source.")
    link_selector: str | None = Field(
        None, description="kind: site: CSS selector of article links on the listing page."
    )
    parser: str | None = Field(None, description="Name of a publisher-specific parser in crawlers/publishers/.")
    revisit: RevisitConfig | None = Field(
        None, description="This source's revisit window and interval; null: those of crawl.revisit."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts besides the source's own (the host of `url`) its links may lead "
        "to, subdomains included ('bbc.co.uk' for a feed on feeds.bbci.co.uk), on ports 80 and 443, or on the "
        "one port it names ('example.org:8080'); a link or redirect anywhere else is refused and recorded.",
    )
    archive: ArchiveConfig | None = Field(
        None, description="Where the source's archive is, for `onrecord backfill`; none: it cannot be backfilled."
    )
    allow_private_addresses: bool = Field(
        False,
        description="Let this source's own and allowed hosts resolve to loopback, private or link-local "
        "addresses (a server on this machine or the local network, such as the demo's). Off: such addresses are "
        "refused after DNS resolution and on every redirect.",
    )

    verified: str = Field(
        "unverified",
        description="What the source's settings were checked against: 'real-copy: <reference>' (a real saved "
        "copy of the site, replayed by the tests), 'real-structure: <reference>' (a fixture we wrote in our own "
        "words on the markup and feed shape of a real copy found elsewhere), 'fixture-only' (only fixtures we "
        "wrote) or 'unverified' (no fixture). Shown by `onrecord status` and the README.",
    )

    @field_validator("verified")
    @classmethod
    def _verified(cls, value: str) -> str:
        return check_verified(value)

    @property
    def verified_kind(self) -> str:
        """'real-copy', 'real-structure', 'fixture-only' or 'unverified'."""
        return self.verified.split(":", 1)[0].strip()

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, value: list[str]) -> list[str]:
        hosts = [host.strip().lower().rstrip(".") for host in value]
        for host in hosts:
            if not re.fullmatch(r"([a-z0-9_-]+(\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])(:\d{1,5})?", host):
                raise ValueError(
                    f"expected a host such as 'example.org' or 'example.org:8080' (no scheme or path), got {host!r}"
                )
        return hosts

    @field_validator("interval")
    @classmethod
    def _interval(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)

    @property
    def interval_seconds(self) -> float:
        return parse_duration(self.interval)


WatchKind = Literal["new", "reversal", "negation_flipped", "contradiction"]
WATCH_KINDS: tuple[WatchKind, ...] = ("new", "reversal", "negation_flipped", "contradiction")


class WebhookConfig(Model):
    url: str = Field(..., description="URL the alerts are POSTed to as JSON.")
    secret_env: str = Field(
        "ONRECORD_WEBHOOK_SECRET",
        description="Environment variable holding the secret the "
        "body is signed with (HMAC-SHA256 in the X-Onrecord-Signature header); never the secret "
        "itself.",
    )
    timeout: float = Field(10.0, gt=0, description="Seconds before a POST times out.")
    retries: int = Field(5, ge=0, description="Attempts after the first failure before the message is failed.")
    retry_backoff: str = Field("30s", description="Wait before the first retry; doubles each time.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_http_url(value)

    @field_validator("retry_backoff")
    @classmethod
    def _backoff(cls, value: str) -> str:
        parse_duration(value)
        return value


class WatchlistDelivery(Model):
    email: list[str] = Field(
        default_factory=list, description="Recipients of the alert e-mails (sent with digest.smtp)."
    )
    atom: bool = Field(
        True,
        description="Publish the alerts in an Atom feed served by `onrecord serve` at /-/onrecord-alerts/<id>.atom.",
    )
    webhook: WebhookConfig | None = Field(None, description="POST each message of alerts to a URL.")


class WatchlistConfig(Model):
    id: str = Field(..., description="Watchlist id, unique ('exchange-lists').", pattern=r"^[A-Za-z0-9_.-]+$")
    enabled: bool = Field(True, description="Match and deliver alerts for this watchlist.")
    topics: list[str] = Field(default_factory=list, description="Topic ids followed; empty: every topic.")
    parties: list[str] = Field(
        default_factory=list,
        description="Party ids followed (the holder; for a contradiction either side); empty: every party.",
    )
    speakers: list[str] = Field(
        default_factory=list, description="Speakers followed, as named in claims ('Dmitry Peskov'); empty: any speaker."
    )
    claim_types: list[str] = Field(
        default_factory=list,
        description="Claim type ids followed (the new stance; for a contradiction either side's); empty: every type.",
    )
    kinds: list[WatchKind] = Field(
        default_factory=lambda: list(WATCH_KINDS),
        description="What counts: new (a first position), reversal, "
        "negation_flipped, contradiction (two parties' events that contradict each other).",
    )
    group_window: str = Field(
        "10m",
        description="At most one message per channel in this window: alerts that come while one waits go out together.",
    )
    delivery: WatchlistDelivery = Field(default_factory=WatchlistDelivery, description="Where the alerts go.")

    @field_validator("group_window")
    @classmethod
    def _window(cls, value: str) -> str:
        parse_duration(value)
        return value


class Config(Model):
    project: ProjectConfig = Field(default_factory=ProjectConfig, description="Who we are to the sites we crawl.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Where the SQLite store lives.")
    crawl: CrawlConfig = Field(default_factory=CrawlConfig, description="Politeness, limits and dedup of the crawler.")
    nlp: NlpConfig = Field(default_factory=NlpConfig, description="Claim extraction: pipelines per language.")
    timeline: TimelineConfig = Field(default_factory=TimelineConfig, description="How claims merge into events.")
    digest: DigestConfig = Field(default_factory=DigestConfig, description="The daily digest email and its delivery.")
    serve: ServeConfig = Field(default_factory=ServeConfig, description="`onrecord serve` (Datasette).")
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig, description="The `onrecord run` daemon.")
    parties: list[PartyConfig] = Field(default_factory=list, description="Parties and who speaks for them.")
    topics: list[TopicConfig] = Field(default_factory=list, description="Topics claims are kept for.")
    claim_types: list[ClaimTypeConfig] = Field(
        default_factory=list,
        description="The claim taxonomy: per type its cues, what it reverses, what it "
        "contradicts and how the digest words it.",
    )
    sources: list[SourceConfig] = Field(default_factory=list, description="Outlets to crawl.")
    watchlists: list[WatchlistConfig] = Field(
        default_factory=list,
        description="What researchers follow, and where their immediate alerts go (`onrecord alerts`).",
    )

    @model_validator(mode="after")
    def _references(self) -> Config:
        for name, ids in (
            ("parties", [p.id for p in self.parties]),
            ("sources", [s.id for s in self.sources]),
            ("topics", [t.id for t in self.topics]),
            ("claim_types", [c.id for c in self.claim_types]),
            ("watchlists", [w.id for w in self.watchlists]),
        ):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{name}: duplicate id {dupes[0]!r}")
        floor = parse_duration(self.scheduler.min_interval)
        for i, source in enumerate(self.sources):
            if source.interval_seconds < floor:
                raise ValueError(
                    f"sources[{i}].interval: {source.interval!r} is shorter than "
                    f"scheduler.min_interval ({self.scheduler.min_interval})"
                )
        for key, kind, value in self.references():
            known = self.ids(kind)
            if value not in known:
                raise ValueError(
                    f"{key}: unknown {kind.replace('_', ' ')} {value!r}; "
                    f"expected one of {', '.join(sorted(known)) or '(none configured)'}"
                )
        return self

    def references(self) -> list[tuple[str, str, str]]:
        """(key path, kind, id) of every id one part of the config names of another; kind: party, topic, claim_type."""
        refs: list[tuple[str, str, str | None]]
        refs = [(f"sources[{i}].speaks_for", "party", s.speaks_for) for i, s in enumerate(self.sources)]
        refs += [(f"parties[{i}].counterpart", "party", p.counterpart) for i, p in enumerate(self.parties)]
        refs += [(f"digest.recipients.{topic}", "topic", topic) for topic in self.digest.recipients if topic != "*"]
        for i, claim_type in enumerate(self.claim_types):
            key = f"claim_types[{i}]"
            refs += [
                (f"{key}.when_negated", "claim_type", claim_type.when_negated),
                (f"{key}.reported_of_other", "claim_type", claim_type.reported_of_other),
            ]
            refs += [(f"{key}.reverses[{j}]", "claim_type", other) for j, other in enumerate(claim_type.reverses)]
            refs += [
                (f"{key}.contradicts[{j}].other", "claim_type", rule.other)
                for j, rule in enumerate(claim_type.contradicts)
            ]
        for i, watch in enumerate(self.watchlists):
            for field_name, kind in (("topics", "topic"), ("parties", "party"), ("claim_types", "claim_type")):
                refs += [
                    (f"watchlists[{i}].{field_name}[{j}]", kind, ref)
                    for j, ref in enumerate(getattr(watch, field_name))
                ]
        return [(key, kind, ref) for key, kind, ref in refs if ref is not None]

    def ids(self, kind: str) -> set[str]:
        """The configured ids of one kind: party, topic or claim_type."""
        by_kind: dict[str, list[PartyConfig] | list[TopicConfig] | list[ClaimTypeConfig]]
        by_kind = {"party": self.parties, "topic": self.topics, "claim_type": self.claim_types}
        items = by_kind[kind]
        return {item.id for item in items}

    def party(self, party_id: str) -> PartyConfig | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def source(self, source_id: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def with_sources(self, sources: list[SourceConfig]) -> Config:
        return self.model_copy(update={"sources": sources})

    def with_storage_path(self, path: str) -> Config:
        return self.model_copy(update={"storage": self.storage.model_copy(update={"path": path})})

    def with_engine(self, engine: str) -> Config:
        """The same configuration with every language read by one engine (`learned` or `rules`)."""
        languages = {
            code: settings.model_copy(update={"engine": engine}) for code, settings in self.nlp.languages.items()
        }
        return self.model_copy(update={"nlp": self.nlp.model_copy(update={"languages": languages})})


def _location(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(error: ErrorDetails) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if (
        error.get("loc")
        and "input" in error
        and "got " not in message
        and kind not in ("model_type", "dict_type", "list_type")
    ):
        return f"{message} (got {_short(error['input'])})"
    return message


MAX_CONFIG_BYTES = 5_000_000  # the shipped config is ~50 KB
MAX_CONFIG_VALUES = 1_000_000  # keys, values and list items, aliases expanded
MAX_ERROR_CHARS = 300  # a config error is one readable line, never the config echoed back


def _capped(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= MAX_ERROR_CHARS else line[: MAX_ERROR_CHARS - 1] + "…"


def config_from_dict(data: Any, origin: str = "config") -> Config:
    """Validate a parsed YAML document; raise ConfigError naming the key path of the first problem."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{origin}: expected a mapping of sections at the top level, got {type(data).__name__}")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = len(exc.errors()) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        where = f"{_location(first['loc'])}: " if first["loc"] else ""  # a cross-reference names its own key path
        raise ConfigError(_capped(f"{origin}: {where}{_describe(first)}") + suffix) from None
    check_grammar_ids({kind: config.ids(kind) for kind in ("claim_type", "topic")}, config.nlp.languages, origin)
    return config


@dataclass(frozen=True)
class ConfigSource:
    """Which configuration file a run uses, and why that one."""

    path: Path
    origin: str

    def describe(self) -> str:
        return f"config: {self.path} ({self.origin})"


def resolve_config(given: str | Path | None, environ: Mapping[str, str], cwd: Path | None = None) -> ConfigSource:
    """The config file to load, first match wins: --config, then $ONRECORD_CONFIG, then config.yaml in the working
    folder, then the packaged default. The environment comes before the working folder so that a chosen config is
    not shadowed by whatever config.yaml happens to sit where the command runs."""
    if given:
        return ConfigSource(Path(given), "given with --config")
    if environ.get(CONFIG_ENV):
        return ConfigSource(Path(environ[CONFIG_ENV]), f"from ${CONFIG_ENV}")
    local = (cwd or Path.cwd()) / CONFIG_NAME
    if local.is_file():
        return ConfigSource(local.absolute(), "found in the working folder")
    return ConfigSource(PACKAGED_CONFIG, "packaged default; `onrecord init` writes an editable copy")


def load_config(path: str | Path | None = None) -> Config:
    """Load and validate a config file; defaults apply to every key the file leaves out.

    Without a path: config.yaml in the working folder, else the packaged default."""
    path = Path(path) if path else resolve_config(None, {}).path
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: config file larger than {MAX_CONFIG_BYTES:,} bytes; refused")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: config file not found (pass --config PATH, or write one with `onrecord init`)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read config file: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: invalid YAML{where}: {problem}") from None
    if _expanded_size(data, MAX_CONFIG_VALUES) > MAX_CONFIG_VALUES:
        raise ConfigError(
            f"{path}: more than {MAX_CONFIG_VALUES:,} values once YAML aliases are expanded; refused (an alias bomb?)"
        )
    return config_from_dict(data, origin=str(path))


def _expanded_size(data: Any, limit: int) -> int:
    """How many values `data` holds with every shared (aliased) part counted each time it is used; stops
    counting past `limit`, so a document whose aliases expand to billions of values costs little to refuse."""
    count, stack = 0, [data]
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count
