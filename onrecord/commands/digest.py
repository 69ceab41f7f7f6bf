"""`onrecord digest`: build the digest of a period; print it, write it as .eml, or send it over SMTP."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from onrecord.context import Context, common_options
from onrecord.core.config import Config, parse_duration
from onrecord.core.errors import ConfigError, OnrecordError


def _moment(value: str, option: str, tz: ZoneInfo) -> datetime:
    """An ISO date or datetime (local to digest.timezone unless it carries an offset)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"{option}: expected a duration such as 24h or a date such as 2025-06-10 "
            f"(or 2025-06-10T07:00), got {value!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def resolve_period(
    config: Config, since: str | None, until: str | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """--since/--until to [since, until); neither: the daily period that send_daily uses."""
    from onrecord.digest import daily_period

    tz = ZoneInfo(config.digest.timezone)
    now = (now or datetime.now(tz)).astimezone(tz).replace(microsecond=0)
    if since is None and until is None:
        return daily_period(config, now)
    end = _moment(until, "--until", tz) if until else now
    if since is None:
        return end - timedelta(days=1), end
    try:
        start = end - timedelta(seconds=parse_duration(since))
    except ValueError:
        start = _moment(since, "--since", tz)
    if start >= end:
        raise ConfigError(f"--since: the period is empty ({start.isoformat()} is not before {end.isoformat()})")
    return start, end


@click.command("digest")
@common_options
@click.option(
    "--since",
    default=None,
    metavar="24h|DATE",
    help="Start of the period: a duration back from --until (24h, 3d) or a date/time. "
    "[default: the last daily period, ending at digest.send_at]",
)
@click.option("--until", default=None, metavar="DATE", help="End of the period (exclusive). [default: now]")
@click.option("--topic", default=None, help="Only this topic id. [default: every topic]")
@click.option(
    "--to", "to", multiple=True, metavar="ADDR", help="Send to this address instead of digest.recipients (repeatable)."
)
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE.eml",
    help="Write the complete message to FILE.eml instead of printing it.",
)
@click.option("--send", is_flag=True, help="Send over SMTP (digest.smtp) and record it.")
@click.option("--force", is_flag=True, help="Send even if this period was already sent.")
def command(
    ctx: Context,
    since: str | None,
    until: str | None,
    topic: str | None,
    to: tuple[str, ...],
    dry_run: str | None,
    send: bool,
    force: bool,
) -> None:
    """Build the digest of a period: per topic, the position changes, new claims by party and
    contradictions, with quotes, outlets and links.

    Without --send or --dry-run the plain-text part is printed. With --send one message goes to each
    recipient group of digest.recipients (or to --to), and a period already sent is skipped unless --force.
    """
    from onrecord.digest import build_digest, compose, render_text, send_digest
    from onrecord.digest.daily import recipient_groups
    from onrecord.digest.render import addresses
    from onrecord.digest.sender import require_host

    config = ctx.config
    if send and dry_run:
        raise click.UsageError("--dry-run writes the message instead of sending it: pass one of --send, --dry-run")
    if topic and topic not in [t.id for t in config.topics]:
        raise ConfigError(f"--topic: unknown topic {topic!r}; expected one of {', '.join(t.id for t in config.topics)}")
    if send:
        require_host(config.digest.smtp)
    start, end = resolve_period(config, since, until)
    groups = [(topic, addresses(list(to)))] if to else recipient_groups(config, topic)
    db = ctx.open_store()
    if not send:
        recipients = sorted({addr for _, group in groups for addr in group})
        digest = build_digest(config, db, start, end, topic=topic)
        if dry_run:
            message = compose(digest, config, recipients)
            Path(dry_run).write_bytes(message.as_bytes())
            click.echo(f"wrote {dry_run}: {message['Subject']}")
        else:
            click.echo(render_text(digest, config), nl=False)
        return
    if not groups:
        raise ConfigError("no recipients: pass --to ADDR or set digest.recipients in config.yaml")
    failed = []
    for group_topic, recipients in groups:
        digest = build_digest(config, db, start, end, topic=group_topic)
        result = send_digest(config, db, digest, recipients, force=force)
        click.echo(_result_line(result))
        if result.status == "failed":
            failed.append(result.error or "delivery failed")
    if failed:
        raise OnrecordError(failed[0])


def _result_line(result) -> str:
    who = ", ".join(result.recipients)
    if result.status == "sent":
        extra = f"; refused: {result.error}" if result.error else ""
        return (
            f"sent {result.topic} {result.since}..{result.until} to {who} as {result.message_id} "
            f"({result.attempts} attempt{'s' if result.attempts != 1 else ''}){extra}: {result.summary}"
        )
    if result.status == "already-sent":
        return (
            f"already sent {result.topic} {result.since}..{result.until} to {who} ({result.message_id}); "
            "--force to resend"
        )
    if result.status == "empty":
        return f"nothing new for {result.topic} {result.since}..{result.until}: not sent (digest.empty: skip)"
    return f"FAILED {result.topic} {result.since}..{result.until} to {who}: {result.error}"
