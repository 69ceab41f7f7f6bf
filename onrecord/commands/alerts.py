"""`onrecord alerts`: list the watchlists' alerts, deliver the pending ones, or send a test alert."""

from __future__ import annotations

import json

import click

from onrecord.context import Context, common_options
from onrecord.core.errors import ConfigError


@click.command("alerts")
@common_options
@click.option(
    "--status", type=click.Choice(["pending", "sent", "failed"]), default=None, help="Only alerts with this status."
)
@click.option("--watchlist", metavar="ID", default=None, help="Only this watchlist's alerts.")
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as a JSON list.")
@click.option("--deliver", is_flag=True, help="Send the pending alerts that are due (the daemon does this itself).")
@click.option(
    "--test",
    "test_watchlist",
    metavar="WATCHLIST",
    default=None,
    help="Send a sample alert by each channel of WATCHLIST; nothing is recorded.",
)
def command(
    ctx: Context, status: str | None, watchlist: str | None, as_json: bool, deliver: bool, test_watchlist: str | None
) -> None:
    """List the alerts of the watchlists in config.yaml: what matched, when, and whether each went out.

    An alert is made once per watchlist for each position change (new, reversal, negation flipped) and
    contradiction a timeline update finds, if the watchlist follows it; `onrecord run` sends it at once by e-mail
    and webhook (at most one message per watchlist and channel per group_window), and `onrecord serve` publishes
    it in the watchlist's Atom feed (/-/onrecord-alerts/<id>.atom). Listing only reads the store.
    """
    if test_watchlist:
        from onrecord.alerts.deliver import send_test

        watch = next((w for w in ctx.config.watchlists if w.id == test_watchlist), None)
        if watch is None:
            known = ", ".join(w.id for w in ctx.config.watchlists) or "(none configured)"
            raise ConfigError(f"no watchlist {test_watchlist!r} in the config; expected one of {known}")
        results = send_test(ctx.config, watch)
        if as_json:
            click.echo(json.dumps(results, indent=2))
        for channel, result in results.items():
            if not as_json:
                click.echo(f"{watch.id} {channel}: {result}")
        if not results and not as_json:
            click.echo(f"{watch.id}: no e-mail or webhook configured (the Atom feed needs no test)")
        if any(r != "sent" for r in results.values()):
            raise SystemExit(1)
        return
    if deliver:
        from onrecord.alerts import deliver_pending

        db = ctx.open_store()
        try:
            run = deliver_pending(ctx.config, db, ctx.db_path)
        finally:
            db.conn.close()
        if as_json:
            click.echo(json.dumps(run.to_dict(), indent=2))
        elif run.busy:
            click.echo("another delivery run is sending; nothing done")
        else:
            click.echo(
                f"sent {run.sent} message(s) with {run.alerts} alert(s); {run.retrying} to retry, {run.failed} "
                f"failed, {run.waiting} waiting for their window, {run.interrupted} interrupted earlier"
            )
        return
    _list(ctx, status, watchlist, as_json)


def _list(ctx: Context, status: str | None, watchlist: str | None, as_json: bool) -> None:
    from onrecord.alerts.render import Words, alert_text
    from onrecord.storage.alerts import list_alerts
    from onrecord.storage.db import open_store

    db = open_store(ctx.db_path, read_only=True)
    try:
        rows = list_alerts(db, status=status, watchlist=watchlist)
    finally:
        db.conn.close()
    words = Words(ctx.config)
    if as_json:
        for row in rows:
            row["text"] = alert_text(row, words).text()
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no alerts" + (f" with status {status}" if status else ""))
        return
    for row in rows:
        text = alert_text(row, words)
        click.echo(
            f"{row['id']:>5} {row['status']:<8} {row['watchlist']:<20} {row['created_at']}  "
            f"[{row['kind']}] {text.headline}"
        )
        if row["channels"]:
            click.echo(f"      channels: {row['channels']}" + (f"; last error: {row['error']}" if row["error"] else ""))
