"""`onrecord backfill`: walk one source's archive back in time into the store, resumably."""

from __future__ import annotations

import json
import sys
import time

import click

from onrecord.context import Context, common_options

PLAIN_EVERY = 5.0  # seconds between progress lines when stderr is not a terminal


@click.command("backfill")
@common_options
@click.option("--source", "source_id", required=True, metavar="ID", help="The source whose archive is walked.")
@click.option("--since", required=True, metavar="DATE", help="Oldest day to backfill (YYYY-MM-DD), included.")
@click.option("--until", default=None, metavar="DATE", help="Newest day (YYYY-MM-DD), included. [default: today]")
@click.option(
    "--restart", is_flag=True, help="Read the archive pages of this range again (stored articles still skipped)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
def command(ctx: Context, source_id: str, since: str, until: str | None, restart: bool, as_json: bool) -> None:
    """Walk a source's archive from --until back to --since and store its articles like a crawl does.

    The archive is the source's `archive:` entry in the config: a sitemap index (child sitemaps with
    <lastmod>), a dated listing page per day or month, or the feed's older pages. Polite as a crawl
    (robots.txt, AutoThrottle, per-domain concurrency, archive.download_delay or crawl.download_delay).
    Articles already stored are never requested again. Stopped (Ctrl-C, SIGTERM), it finishes the pages in
    flight and keeps its place: the same command resumes where it stopped. Shows a progress bar with an
    estimate on a terminal, a line every few seconds otherwise.
    """
    from onrecord.crawlers.archive.run import backfill, parse_day

    first = parse_day(since, "--since")
    last = parse_day(until, "--until") if until else None
    ctx.open_store().conn.close()  # create/migrate the store and mirror the config before the walk
    with _progress_display(source_id) as show:
        try:
            summary = backfill(
                ctx.config,
                source_id,
                first,
                last,
                restart=restart,
                progress=lambda line: click.echo(line, err=True),
                on_progress=show,
            )
        except KeyboardInterrupt:  # the backfill process was stopped gracefully before this comes up
            show.stop()
            click.echo("backfill: stopped; run the same command to resume where it stopped", err=True)
            raise SystemExit(130) from None
    if as_json:
        click.echo(json.dumps(summary.to_dict()))
    else:
        click.echo(_summary_line(summary))
    if summary.stopped:
        raise SystemExit(1)


def _summary_line(summary) -> str:
    c = summary.counts
    state = "complete" if summary.complete else f"not complete ({summary.stopped or 'some archive pages failed'})"
    return (
        f"backfill {summary.source} {summary.since}..{summary.until}: {state}; archive pages {summary.pages_read}/"
        f"{summary.pages_planned} read ({summary.pages_failed} failed); {summary.links} links in range: "
        f"{c.get('new', 0) + c.get('duplicate', 0)} new articles ({c.get('duplicate', 0)} duplicates), "
        f"{c.get('known', 0)} already stored, {c.get('not-article', 0)} not articles, {c.get('error', 0)} errors; "
        f"{summary.pages_per_second:.1f} pages/s"
    )


def estimate(progress: dict) -> tuple[int, int | None]:
    """(articles handled, estimated articles in the range or None): the links found so far, scaled up by how much
    of the walk is behind us."""
    counts = progress["counts"]
    done = sum(counts.get(k, 0) for k in ("new", "duplicate", "updated", "unchanged", "not-article", "known"))
    done += counts.get("error", 0)
    walked = progress.get("walked")
    links = progress["links"]
    if not walked:
        return done, None
    return done, max(links, done, round(links / walked))


class _progress_display:
    """A Rich progress bar on a terminal (stderr), plain lines every few seconds otherwise."""

    def __init__(self, source_id: str) -> None:
        self.source_id = source_id
        self.rich = sys.stderr.isatty()
        self.last_line = 0.0

    def __enter__(self):
        if self.rich:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn(self.source_id),
                BarColumn(bar_width=16),
                MofNCompleteColumn(),
                TextColumn("articles (est.)"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[pages]}"),
                console=Console(stderr=True),
            )
            self.bar.start()
            self.task = self.bar.add_task("walk", total=None, pages="")
        return self

    def __call__(self, progress: dict) -> None:
        self.show(progress)

    def stop(self) -> None:
        if self.rich:
            self.bar.stop()

    def show(self, progress: dict) -> None:
        done, total = estimate(progress)
        pages = f"archive {progress['pages_read']}/{progress['pages_planned']}"
        if self.rich:
            self.bar.update(self.task, completed=done, total=total, pages=pages)
            return
        now = time.monotonic()
        if now - self.last_line >= PLAIN_EVERY:
            self.last_line = now
            of = f" of about {total}" if total else ""
            click.echo(f"backfill {self.source_id}: {done} articles{of}; {pages} pages read", err=True)

    def __exit__(self, *exc: object) -> None:
        self.stop()
