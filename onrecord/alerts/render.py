"""What an alert says, worded as the digest words things: the party and its new stance, the quoted evidence, the
speaker, the outlets and the link; then the same alerts as an e-mail, a webhook's JSON and an Atom feed."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any
from urllib.parse import quote

from onrecord.core.config import Config
from onrecord.core.records import short_hash
from onrecord.digest.builder import clean, quote_text, safe_url
from onrecord.digest.phrases import describe

KIND_WORDS = {
    "new": "new position",
    "reversal": "reversal",
    "negation_flipped": "now says the opposite",
    "contradiction": "contradiction",
}
ATOM = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Side:
    party: str
    says: str
    evidence: str
    speaker: str | None
    outlets: tuple[str, ...]
    url: str | None
    title: str
    link: str | None


@dataclass(frozen=True)
class AlertText:
    """One alert as read by a person."""

    id: int
    watchlist: str
    kind: str
    topic: str | None
    date: str
    headline: str
    sides: tuple[Side, ...]
    created_at: str

    def text(self) -> str:
        lines = [f"[{KIND_WORDS.get(self.kind, self.kind)}] {self.headline} ({self.date}, {self.topic or '-'})"]
        for side in self.sides:
            if len(self.sides) > 1:
                lines.append(f"  {side.party} {side.says}:")
            lines.append(f'  "{side.evidence}"')
            who = f"  -- {side.speaker}" if side.speaker else "  --"
            lines.append(f"{who}; {', '.join(side.outlets) or 'outlet unknown'}")
            if side.url:
                lines.append(f"  {side.url}")
            if side.link:
                lines.append(f"  in onrecord: {side.link}")
        return "\n".join(lines)


class Words:
    """Names and phrases from config; ids the config no longer has show as themselves."""

    def __init__(self, config: Config):
        self.config = config
        self.types = {c.id: c for c in config.claim_types}
        self.base = (config.digest.datasette_url or "").rstrip("/") or None

    def party(self, party_id: str | None) -> str:
        party = self.config.party(party_id) if party_id else None
        return party.name if party else (party_id or "unknown party")

    def says(self, claim_type: str | None, negated: Any, target: str | None) -> str:
        spec = self.types.get(claim_type or "")
        return describe(claim_type, bool(negated), self.party(target) if target else None, spec)

    def link(self, event_id: Any) -> str | None:
        return f"{self.base}/events/{quote(str(event_id), safe='')}" if self.base and event_id is not None else None

    def side(self, event: dict) -> Side:
        return Side(
            party=self.party(event.get("holder")),
            says=self.says(event.get("claim_type"), event.get("negated"), event.get("target")),
            evidence=quote_text(event.get("evidence")),
            speaker=clean(event.get("speaker")) or None,
            outlets=tuple(sorted({clean(o) for o in event.get("outlets") or [] if clean(o)})),
            url=safe_url(event.get("url")),
            title=clean(event.get("title"), 200),
            link=self.link(event.get("event_id")),
        )


def alert_text(alert: dict, words: Words) -> AlertText:
    """An outbox row (storage.alerts, body decoded) in words."""
    body = alert["body"]
    if alert["kind"] == "contradiction":
        sides: tuple[Side, ...] = (words.side(body["a"]), words.side(body["b"]))
        headline = f"{sides[0].party} {sides[0].says}; {sides[1].party} {sides[1].says}"
    else:
        side = words.side(body)
        sides = (side,)
        if alert["kind"] == "reversal" or alert["kind"] == "negation_flipped":
            before = words.says(body.get("from_type"), body.get("from_negated"), body.get("target"))
            headline = f"{side.party} {side.says} (before: {before})"
        else:
            headline = f"{side.party} {side.says}"
    return AlertText(
        id=alert["id"],
        watchlist=alert["watchlist"],
        kind=alert["kind"],
        topic=alert.get("topic"),
        date=alert["date"],
        headline=headline,
        sides=sides,
        created_at=alert["created_at"],
    )


# --- e-mail --------------------------------------------------------------------------------------------------


def message_key(config: Config, watchlist: str, channel: str, message_id: int | str) -> str:
    """A stable id of one outbox message: the same on every attempt, so a receiver can tell a resend."""
    return f"{short_hash(config.project.name, watchlist, channel, message_id, length=20)}"


def subject(watchlist: str, alerts: list[AlertText]) -> str:
    if len(alerts) == 1:
        return clean(f"[onrecord {watchlist}] {alerts[0].headline}", 200)
    return f"[onrecord {watchlist}] {len(alerts)} alerts: {clean(alerts[0].headline, 120)}"


def compose_email(
    config: Config, watchlist: str, alerts: list[AlertText], recipients: list[str], key: str, now: datetime
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject(watchlist, alerts)
    msg["From"] = config.digest.smtp.sender
    msg["To"] = ", ".join(recipients)
    msg["Date"] = format_datetime(now)
    domain = parseaddr(config.digest.smtp.sender)[1].rpartition("@")[2] or "onrecord.local"
    msg["Message-ID"] = f"<alert.{key}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Onrecord-Watchlist"] = watchlist
    intro = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''} of watchlist {watchlist}:"
    msg.set_content("\n\n".join([intro, *(a.text() for a in alerts)]) + "\n")
    return msg


# --- webhook -------------------------------------------------------------------------------------------------


def webhook_body(watchlist: str, alerts: list[AlertText], key: str) -> bytes:
    """The JSON a webhook receives: the message's stable id, the watchlist and its alerts."""
    payload = {
        "delivery": key,
        "watchlist": watchlist,
        "alerts": [{**asdict(a), "text": a.text()} for a in alerts],
    }
    return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")


# --- Atom ----------------------------------------------------------------------------------------------------


def _iso(moment: str) -> str:
    """An RFC 3339 time for Atom from a stored ISO time or date."""
    value = datetime.fromisoformat(moment if "T" in moment else moment + "T00:00:00+00:00")
    return value.isoformat()


def atom_feed(config: Config, watchlist: str, alerts: list[AlertText], self_url: str) -> bytes:
    """An Atom 1.0 feed of a watchlist's alerts (newest first)."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", f"urn:onrecord:{short_hash(config.project.name, watchlist)}:{watchlist}")
    sub(feed, "title", f"{config.project.name}: watchlist {watchlist}")
    sub(feed, "updated", _iso(alerts[0].created_at) if alerts else "1970-01-01T00:00:00+00:00")
    sub(feed, "link", rel="self", href=self_url)
    author = sub(feed, "author")
    sub(author, "name", config.project.name)
    for alert in alerts:
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:onrecord:alert:{short_hash(config.project.name, watchlist, alert.id)}")
        sub(entry, "title", f"[{KIND_WORDS.get(alert.kind, alert.kind)}] {alert.headline}")
        sub(entry, "updated", _iso(alert.created_at))
        sub(entry, "published", _iso(alert.created_at))
        first = alert.sides[0]
        if first.url or first.link:
            sub(entry, "link", href=first.url or first.link or "")
        sub(entry, "summary", alert.text())
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
