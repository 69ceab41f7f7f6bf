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
def command(ctx: Context, sources: tuple[str, ...], force: bool, recheck_refused: bool) -> None:
    """Fetch each source's feed (or listing page) and every new article it links to, into the store.

    Polite by configuration (robots.txt, AutoThrottle, per-domain concurrency, back-off on 429/503),
    incremental (conditional GET, known articles are not refetched, each source's interval is
    respected unless --force; a page once refused as not an article is not fetched again unless
    --recheck-refused), and deduplicated (canonical URLs, content hashes, near-duplicates
    linked with dup_of). A failing source or page is logged in one line and recorded in `fetches`;
    the other sources carry on. Prints a line per source and a summary.
    """
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
    if summary.stopped:  # its one line was printed as it happened (a full store)
        raise SystemExit(1)
