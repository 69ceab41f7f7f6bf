"""`onrecord timeline`: claims, events, state, changes or contradictions, as table/JSON/CSV/Markdown or a chart."""

from __future__ import annotations

from datetime import date

import click

from onrecord.context import Context, common_options
from onrecord.core.errors import ConfigError
from onrecord.timeline_view import FORMATS


def _day(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value.strip()[:10]).isoformat()
    except ValueError:
        raise ConfigError(f"{option}: expected a date such as 2025-05-22, got {value!r}") from None


@click.command("timeline")
@common_options
@click.option("--topic", metavar="T", help="Only this topic id.")
@click.option("--party", metavar="P", help="Only claims held by this party id.")
@click.option("--since", metavar="D", help="From this date (YYYY-MM-DD, inclusive).")
@click.option("--until", metavar="D", help="Up to this date (YYYY-MM-DD, inclusive).")
@click.option("--events", "mode", flag_value="events", help="Merged events with outlets and corroboration.")
@click.option("--as-of", "as_of", metavar="D", help="Each party's position as it stood on this date.")
@click.option("--changes", "mode", flag_value="changes", help="Position changes (new, negation flipped, reversal).")
@click.option(
    "--contradictions",
    "mode",
    flag_value="contradictions",
    help="Pairs of events where two parties contradict each other.",
)
@click.option(
    "--include-retired",
    is_flag=True,
    help="With the claims (the default view): also the claims retired because their story was revised or "
    "withdrawn, each marked with when and why.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Output format.")
@click.option(
    "--plot",
    "plot_path",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Also draw a swimlane chart of the events (FILE.png or FILE.svg).",
)
def command(
    ctx: Context,
    topic: str | None,
    party: str | None,
    since: str | None,
    until: str | None,
    mode: str | None,
    as_of: str | None,
    fmt: str,
    plot_path: str | None,
    include_retired: bool,
) -> None:
    """Print the timeline: by default each party's claims in date order.

    --events merges claims that say the same thing (same topic, holder, claim type, negation and target
    within timeline.merge_window_days) and counts the independent outlets that carried them; --as-of D
    shows each party's position per claim type as it stood on D; --changes lists the moves of positions;
    --contradictions pairs incompatible statements of two parties. --plot draws the events as lanes per party.

    The store is only read (never written, never waited on while the daemon writes): events are as the last
    `onrecord extract` or daemon run folded them, and a note on stderr says when newer claims wait to be folded.
    """
    from onrecord.storage import timeline
    from onrecord.storage.db import open_store
    from onrecord.timeline_view import render

    since, until, as_of = _day(since, "--since"), _day(until, "--until"), _day(as_of, "--as-of")
    if as_of and mode:
        raise ConfigError(f"--as-of cannot be combined with --{mode}")
    if include_retired and (as_of or mode):
        raise ConfigError(f"--include-retired lists claims: it cannot be combined with --{mode or 'as-of'}")
    db = open_store(ctx.db_path, read_only=True)
    try:
        kind = "state" if as_of else (mode or "claims")
        if (kind != "claims" or plot_path) and timeline.pending(db):
            click.echo(
                f"onrecord: note: {ctx.db_path}: claims newer than the events are not in them yet; "
                f"`onrecord extract` folds them",
                err=True,
            )
        if kind == "claims":
            rows = timeline.claims_timeline(
                db, topic=topic, party=party, since=since, until=until, include_retired=include_retired
            )
        elif kind == "events":
            rows = timeline.events(db, topic=topic, party=party, since=since, until=until)
        elif kind == "state":
            rows = timeline.state_as_of(db, as_of, topic=topic, party=party)
        elif kind == "changes":
            rows = timeline.changes(db, since=since, until=until, topic=topic, party=party)
        else:
            rows = timeline.contradictions(db, since=since, until=until, topic=topic)
            if party:
                rows = [r for r in rows if party in (r["holder_a"], r["holder_b"])]
        click.echo(render(rows, "claims+retired" if include_retired else kind, fmt))
        if plot_path:
            _plot(db, plot_path, topic, party, since, until)
    finally:
        db.conn.close()


def _plot(db, path: str, topic: str | None, party: str | None, since: str | None, until: str | None) -> None:
    from onrecord.plot import plot_timeline
    from onrecord.storage import timeline

    events = timeline.events(db, topic=topic, party=party, since=since, until=until)
    changes = timeline.changes(db, since=since, until=until, topic=topic, party=party)
    title = " · ".join(
        x for x in (topic or "all topics", party, since and f"from {since}", until and f"until {until}") if x
    )
    written = plot_timeline(events, changes, path, title=title)
    click.echo(f"plot: {len(events)} events, {len(changes)} changes -> {written}", err=True)
