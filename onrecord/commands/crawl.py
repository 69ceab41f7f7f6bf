"""`onrecord crawl`: one collection pass over all (or the named) sources."""

from __future__ import annotations

import click

from onrecord.context import Context, common_options


@click.command("crawl")
@common_options
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="ID",
    help="Crawl only this source (repeatable). [default: every enabled source]",
)
@click.option(
    "--force", is_flag=True, help="Crawl even sources whose `interval` has not passed since their last fetch."
)
@click.option(
    "--recheck-refused",
    is_flag=True,
    help="Fetch again, this once, the pages an earlier pass refused as not articles (they are skipped on every "
    "other pass), e.g. after a selector or extraction fix. A page refused again stays skipped.",
)
@click.option(
    "--fetcher",
    is_flag=True,
    help="Fetch article pages for the crawl pass that holds the shared frontier (crawl.frontier, a Redis URL), "
    "on this or any machine, storing nothing here: waits for a pass, fetches until it ends, and again for the "
    "next pass until stopped. The crawl on the store's machine writes what fetchers got.",
)
@click.option("--once", is_flag=True, help="With --fetcher: end after one pass.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="With --fetcher: give up when no pass opens within SECONDS. [default: wait as long as it takes]",
)
def command(
    ctx: Context,
    sources: tuple[str, ...],
    force: bool,
    recheck_refused: bool,
    fetcher: bool = False,
    once: bool = False,
    wait: float | None = None,
) -> None:
    """Fetch each source's feed (or listing page) and every new article it links to, into the store.

    Polite by configuration (robots.txt, AutoThrottle, per-domain concurrency, back-off on 429/503),
    incremental (conditional GET, known articles are not refetched, each source's interval is
    respected unless --force; a page once refused as not an article is not fetched again unless
    --recheck-refused), and deduplicated (canonical URLs, content hashes, near-duplicates
    linked with dup_of). A failing source or page is logged in one line and recorded in `fetches`;
    the other sources carry on. Prints a line per source and a summary.
    """
    if fetcher and (sources or force or recheck_refused):
        raise click.UsageError(
            "--fetcher fetches the pages the crawl passes queue: no --source, --force or --recheck-refused"
        )
    if not fetcher and (once or wait is not None):
        raise click.UsageError("--once and --wait go with --fetcher")
    if fetcher:
        return _fetch(ctx, once, wait)
    from onrecord.crawlers.run import crawl

    ctx.open_store().conn.close()  # create/migrate the store and mirror the config before the crawl
    summary = crawl(
        ctx.config,
        sources=list(sources) or None,
        force=force,
        recheck_refused=recheck_refused,
        progress=lambda line: click.echo(line, err=True),
    )
    for source in ctx.config.sources:
        if source.id in summary.per_source:
            click.echo(summary.line(source.id))
    click.echo(
        f"crawl: {summary.new_articles} new articles ({summary.total('duplicate')} of them duplicates), "
        f"{summary.unchanged} unchanged, {summary.total('not-article')} not articles, "
        f"{summary.errors} errors"
    )
    if summary.frontier or ctx.config.crawl.frontier:  # the shared frontier: who fetched the pages
        shared = summary.frontier
        click.echo(
            f"frontier: {shared.get('queued', 0)} pages queued, {shared.get('fetched-here', 0)} fetched here, "
            f"{shared.get('fetched-elsewhere', 0)} by fetchers"
        )
    if summary.stopped:  # its one line was printed as it happened (a full store)
        raise SystemExit(1)


def _fetch(ctx: Context, once: bool, wait: float | None) -> None:
    """`crawl --fetcher`: one pass after another on the shared frontier (README, "Running on several machines")."""
    from onrecord.crawlers.frontier import shown_url
    from onrecord.crawlers.frontier_fetcher import fetch_one_pass

    url = shown_url(ctx.config.crawl.frontier or "")
    while True:
        summary = fetch_one_pass(ctx.config, wait=wait, progress=lambda line: click.echo(line, err=True))
        click.echo(summary.line(url))
        if once or not summary.took_part:
            return
