"""`onrecord demo`: the whole pipeline on the bundled offline demo."""

from __future__ import annotations

import click

from onrecord.context import Context, common_options

DEFAULT_DEMO_DB = "onrecord-demo.db"


@click.command("demo")
@click.option(
    "--port",
    type=int,
    default=8765,
    show_default=True,
    help="Loopback port of the demo site. Keep it fixed across runs: article ids derive from URLs.",
)
@common_options
def command(ctx: Context, port: int) -> None:
    """Run crawl -> extract -> timeline on the bundled offline demo and print each party's timeline.

    A loopback server (127.0.0.1, --port) serves the demo outlets (RSS and Atom feeds, article pages in
    English, Russian and Ukrainian, one malformed feed and one dead link); the real crawler, extractor
    and store run against it. The store is onrecord-demo.db unless --db is given. Running the demo again
    over the same store adds no content rows; the fetch log records the feeds' 304 answers.
    """
    from onrecord.demo.run import run_demo
    from onrecord.storage.db import open_store
    from onrecord.storage.timeline import claims_timeline
    from onrecord.timeline_view import print_claims_timeline

    config = ctx.config
    if not ctx.db_given:
        config = config.with_storage_path(DEFAULT_DEMO_DB)
    result = run_demo(config, progress=lambda line: click.echo(line, err=True), port=port)
    db = open_store(config.storage.path)
    rows = claims_timeline(db)
    print_claims_timeline(rows)
    click.echo(
        f"\n{len(rows)} claims from {result.extract.get('articles', 0)} articles extracted; "
        f"{len({r['holder'] for r in rows})} parties; {result.events} claims folded into events.\n"
        f"Rows: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()) + "\n"
        "Crawl: " + ", ".join(f"{k} {v}" for k, v in result.crawl.items() if isinstance(v, int)) + "\n"
        f"Browse it:  onrecord serve --db {config.storage.path}   (Datasette on http://127.0.0.1:8001)\n"
        f"Query it:   onrecord timeline --db {config.storage.path} --events --format markdown"
    )
