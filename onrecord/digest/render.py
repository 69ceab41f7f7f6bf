"""Render a Digest as an email: plain text and HTML from the Jinja2 templates, with stable headers.

The HTML template is autoescaped (every title, quote and name is text, never markup), uses inline CSS
only, no scripts and no remote assets, and a single 600px column that shrinks to phone width.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, parseaddr
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from onrecord.core.config import Config
from onrecord.core.records import short_hash
from onrecord.digest.model import Digest

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_MAX = 140
KIND_LABELS = {"new": "new position", "negation_flipped": "turned around", "reversal": "changed position"}
KIND_COLORS = {"new": "#1f5fa3", "negation_flipped": "#a3361f", "reversal": "#a3361f"}


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(
        kind_label=lambda kind: KIND_LABELS.get(kind, kind),
        kind_color=lambda kind: KIND_COLORS.get(kind, "#6b6858"),
        sources_line=sources_line,
        quoted=quoted,
    )
    return env


def quoted(text: str) -> str:
    """The quote in quotation marks, unless the evidence already starts with one."""
    return text if text[:1] in "\"“«„'‘" else f"“{text}”"


def sources_line(outlets: tuple[str, ...], corroboration: int) -> str:
    """'Reported by 2 outlets: Interfax, TASS' (corroboration is the count the timeline computed)."""
    count = max(corroboration, len(outlets))
    if not outlets:
        return f"corroboration {count}" if count else "source unknown"
    noun = "outlet" if count == 1 else "outlets"
    return f"Reported by {count} {noun}: {', '.join(outlets)}"


_ENV = _environment()


def period_text(digest: Digest, timezone: str) -> str:
    tz = ZoneInfo(timezone)
    since, until = digest.since.astimezone(tz), digest.until.astimezone(tz)
    fmt = "%d %b %Y %H:%M"
    return f"{since.strftime(fmt)} – {until.strftime(fmt)} ({timezone})"


def subject(digest: Digest, config: Config) -> str:
    day = digest.until.astimezone(ZoneInfo(config.digest.timezone)).strftime("%d %b %Y")
    scope = f" {digest.topic}" if digest.topic else ""
    text = f"[{digest.project}{scope}] {day}: {digest.summary}"
    text = " ".join(text.split())
    return text if len(text) <= SUBJECT_MAX else text[: SUBJECT_MAX - 1].rstrip() + "…"


def render_text(digest: Digest, config: Config) -> str:
    return _ENV.get_template("digest.txt").render(digest=digest, period=period_text(digest, config.digest.timezone))


def render_html(digest: Digest, config: Config) -> str:
    return _ENV.get_template("digest.html").render(
        digest=digest, subject=subject(digest, config), period=period_text(digest, config.digest.timezone)
    )


def topic_key(digest: Digest) -> str:
    """The topic column of a digest record: the topic id, or '*' for every topic."""
    return digest.topic or "*"


def message_id(digest: Digest, config: Config, recipients: list[str]) -> str:
    """Same period, topic and recipients -> same Message-ID, so a resend is recognisable as the same mail."""
    key = short_hash(
        config.project.name,
        topic_key(digest),
        digest.since.isoformat(),
        digest.until.isoformat(),
        ",".join(sorted(r.lower() for r in recipients)),
        length=24,
    )
    domain = parseaddr(config.digest.smtp.sender)[1].rpartition("@")[2] or "onrecord.local"
    return f"<digest.{digest.until.strftime('%Y%m%dT%H%M')}.{key}@{domain}>"


def compose(digest: Digest, config: Config, recipients: list[str], now: datetime | None = None) -> EmailMessage:
    """The multipart/alternative message (text first, HTML preferred) for these recipients."""
    msg = EmailMessage()
    msg["Subject"] = subject(digest, config)
    msg["From"] = config.digest.smtp.sender
    msg["To"] = ", ".join(recipients) if recipients else "undisclosed-recipients:;"
    msg["Date"] = format_datetime(now or datetime.now().astimezone())
    msg["Message-ID"] = message_id(digest, config, recipients)
    msg["List-Id"] = config.digest.list_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Onrecord-Period"] = f"{digest.since.isoformat()}/{digest.until.isoformat()}"
    msg.set_content(render_text(digest, config))
    msg.add_alternative(render_html(digest, config), subtype="html")
    return msg


def addresses(values: list[str]) -> list[str]:
    """Bare addresses from 'Name <a@b>' or 'a@b' strings (the SMTP envelope wants bare ones)."""
    return [addr for _, addr in getaddresses(values) if addr]
