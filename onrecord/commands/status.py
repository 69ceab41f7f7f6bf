"""`onrecord status`: the health of every source."""

from __future__ import annotations

import click

from onrecord.context import Context, common_options


@click.command("status")
@common_options
def command(ctx: Context) -> None:
    """Show per source: last success, last error, articles in the last day and week, and a warning for
    any source failing or silent for longer than its interval leads us to expect."""
    from crawlers.health import source_health

    db = ctx.open_store()
    rows = source_health(db, ctx.config)
    header = f"{'source':<22} {'last success':<26} {'day':>4} {'week':>5}  last error / attention"
    click.echo(header)
    click.echo("-" * len(header))
    for h in rows:
        note = f"!! {h.problem}" if h.problem else ""
        error = f"{h.last_error_at}: {h.last_error}" if h.last_error else ""
        click.echo(f"{h.source:<22} {h.last_success or 'never':<26} {h.articles_day:>4} {h.articles_week:>5}  "
                   + "; ".join(filter(None, [note, error])))
    attention = [h for h in rows if h.problem]
    click.echo(f"\n{len(rows)} sources, {len(attention)} need attention")
