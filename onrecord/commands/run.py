"""`onrecord run`: the scheduled daemon (crawl each source on its interval, extract, timeline, digest)."""

from __future__ import annotations

import logging

import click

from onrecord.context import Context, common_options


@click.command("run")
@common_options
@click.option("--once", is_flag=True, help="Crawl every enabled source once, extract, then exit (for cron).")
def command(ctx: Context, once: bool) -> None:
    """Run the daemon until SIGINT/SIGTERM.

    Each source is crawled on its own interval (plus jitter) in a child process; extraction and the
    timeline follow every crawl that stored new articles; the digest goes out daily at digest.send_at.
    The schedule is kept in the store, so a restart continues where it stopped. Log lines:
    `time level source event key=value ...` on stderr (and scheduler.log_file).
    """
    from onrecord.scheduler.daemon import Daemon
    from onrecord.scheduler.logs import setup_logging

    setup_logging(ctx.config.scheduler.log_file)
    daemon = Daemon(ctx.config, ctx.db_path)
    code = daemon.run_once() if once else daemon.run_forever()
    logging.shutdown()
    if code:
        raise SystemExit(code)
