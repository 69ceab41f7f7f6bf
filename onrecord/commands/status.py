"""`onrecord status`: the health of every source and the daemon's jobs."""

from __future__ import annotations

import dataclasses
import json

import click

from onrecord.context import Context, common_options

# How the `verified` kinds read in the table (the JSON output gives the whole value, reference included).
CHECKED_ON = {
    "real-copy": "real copy",
    "real-structure": "real struct.",
    "fixture-only": "our fixture",
    "unverified": "nothing",
}


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print sources and jobs as one JSON object.")
@common_options
def command(ctx: Context, as_json: bool) -> None:
    """Show per source: last success, last error, articles in the last day and week, revised articles (text
    changed after it was stored; 'a/b': b texts replaced) and withdrawn ones (gone: 404/410), what its settings were
    checked against (a real copy of the site, a fixture we wrote on a real copy's structure, only our own
    fixtures, or nothing: the `verified` key of config.yaml), and a warning for any source failing or silent
    for longer than its interval leads us to expect; then each scheduler job's next run time and last result
    (from `onrecord run`). The store is only read, never written."""
    from onrecord.crawlers.health import NOT_CONFIGURED, source_health
    from onrecord.scheduler import job_status
    from onrecord.storage.db import open_store
    from onrecord.storage.revisions import revision_counts

    db = open_store(ctx.db_path, read_only=True)
    try:
        rows = source_health(db, ctx.config)
        jobs = job_status(ctx.config, db)
        revised = revision_counts(db)
    finally:
        db.conn.close()
    none = {"revisions": 0, "revised": 0, "withdrawn": 0}
    verified = {source.id: source.verified for source in ctx.config.sources}
    if as_json:
        click.echo(
            json.dumps(
                {
                    "sources": [
                        {**dataclasses.asdict(h), "verified": verified.get(h.source), **revised.get(h.source, none)}
                        for h in rows
                    ],
                    "jobs": jobs,
                },
                ensure_ascii=False,
                indent=2,
                default=str,
            )
        )
        return
    header = (
        f"{'source':<22} {'last success':<26} {'day':>4} {'week':>5} {'revised':>7} {'gone':>4} {'checked on':<14}  "
        "last error / attention"
    )
    click.echo(header)
    click.echo("-" * len(header))
    for h in rows:
        note = "-- not in this config" if h.problem == NOT_CONFIGURED else (f"!! {h.problem}" if h.problem else "")
        error = f"{h.last_error_at}: {h.last_error}" if h.last_error else ""
        click.echo(
            f"{h.source:<22} {h.last_success or 'never':<26} {h.articles_day:>4} {h.articles_week:>5} "
            f"{_revised(revised.get(h.source, none)):>7} {revised.get(h.source, none)['withdrawn']:>4} "
            f"{CHECKED_ON.get(verified.get(h.source, '-').split(':', 1)[0], '-'):<14}  "
            + "; ".join(filter(None, [note, error]))
        )
    others = [h for h in rows if h.problem == NOT_CONFIGURED]
    real = sum(1 for h in rows if verified.get(h.source, "").startswith("real-"))
    attention = [h for h in rows if h.problem and h.problem != NOT_CONFIGURED]
    click.echo(
        f"\n{len(rows) - len(others)} sources ({real} checked on real copies or their structure, the others only on "
        f"fixtures we wrote or not at all: `verified` in config.yaml), {len(attention)} need attention"
        + (f"; {len(others)} more in the store that this config does not name\n" if others else "\n")
    )
    header = f"{'job':<22} {'next run':<26} {'last':<12} last result"
    click.echo(header)
    click.echo("-" * len(header))
    for job in jobs:
        result = job["last_result"]
        summary = (
            ", ".join(f"{k} {v}" for k, v in result.items() if not isinstance(v, (dict, list)))
            if isinstance(result, dict)
            else (result or "")
        )
        if job.get("backoff_until"):
            summary = f"backing off until {job['backoff_until']}; " + summary
        click.echo(
            f"{job['job']:<22} {job['next_run'] or 'not scheduled':<26} {job['last_status'] or '-':<12} {summary}"
        )


def _revised(counts: dict[str, int]) -> str:
    """Articles revised, and the texts they replaced when more than one each ('3', '3/5')."""
    if counts["revisions"] == counts["revised"]:
        return str(counts["revised"])
    return f"{counts['revised']}/{counts['revisions']}"
