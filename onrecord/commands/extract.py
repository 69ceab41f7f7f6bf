"""`onrecord extract`: claims from stored articles (DB mode) or from a JSON Lines file (file mode)."""

from __future__ import annotations

import json
import sys

import click

from onrecord.context import Context, common_options


@click.command("extract")
@click.option(
    "--input",
    "input_path",
    type=click.Path(dir_okay=False),
    help="Articles as JSON Lines (id, url, source, published, title, text, language; without a language "
    "the text's is detected); no database used.",
)
@click.option(
    "--output",
    "output_path",
    type=click.Path(dir_okay=False),
    help="With --input: write claims as JSON Lines here instead of stdout.",
)
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Extract at most this many articles.")
@click.option(
    "--cluster",
    metavar="ADDRESS",
    default=None,
    help="Read the store's articles on the Dask cluster whose scheduler is at ADDRESS (tcp://host:8786 or "
    "tls://…); this process stays the store's one writer. [default: nlp.cluster from the config]",
)
@click.option("--local", is_flag=True, help="Extract in this process even when nlp.cluster is set.")
@common_options
def command(
    ctx: Context, input_path: str | None, output_path: str | None, limit: int | None, cluster: str | None, local: bool
) -> None:
    """Extract claims (who said what position, when) from articles.

    Without --input, reads the store's articles that this extractor version has not read yet, saves their
    claims and folds them into the timeline's events (what `onrecord timeline` reads); with --cluster (or
    nlp.cluster) the reading runs on a Dask cluster's workers and gives the same claims. With --input, reads a
    JSON Lines file and writes claim records as JSON Lines.
    """
    from onrecord.nlp.extractor import Extractor

    address = _cluster_address(ctx, cluster, local, input_path)
    extractor = Extractor(ctx.config)
    if input_path:
        _file_mode(extractor, input_path, output_path, limit)
        return
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.timeline import update_events

    db = ctx.open_store()
    progress = lambda line: click.echo(line, err=True)  # noqa: E731
    if address:
        from onrecord.extract_cluster import connect, extract_on_cluster

        with connect(address) as client:
            counts = extract_on_cluster(client, ctx.config, db, extractor.version, progress=progress, limit=limit)
    else:
        counts = extract_pending(ctx.config, db, progress=progress, limit=limit, extractor=extractor)
    click.echo(f"extracted {counts['articles']} articles: {counts['claims']} claims, {counts['errors']} errors")
    click.echo(f"timeline: {update_events(db, ctx.config)} claims folded into events", err=True)


def _cluster_address(ctx: Context, flag: str | None, local: bool, input_path: str | None) -> str | None:
    """The scheduler to extract on: --cluster, else nlp.cluster; none with --local or in file mode."""
    from onrecord.core.config import check_cluster_url

    if flag and (local or input_path):
        raise click.UsageError(f"--cluster cannot go with {'--local' if local else '--input'}")
    if flag:
        try:
            return check_cluster_url(flag)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--cluster") from None
    return None if local or input_path else ctx.config.nlp.cluster


def _file_mode(extractor, input_path: str, output_path: str | None, limit: int | None) -> None:
    """Claims of a JSON Lines file: a bad record or an article whose extraction fails costs that article only
    (one line on stderr), the others are read; an output that cannot be written ends the command in one line."""
    from itertools import islice

    from onrecord.core.errors import OnrecordError
    from onrecord.nlp.jsonl import read_articles
    from onrecord.nlp.run import extract_each, guard_size

    def report(line: str) -> None:
        click.echo(f"onrecord: error: {line}", err=True)

    def failed(article, exc: BaseException) -> None:
        report(f"{input_path}: article {article.id!r}: extraction failed: {type(exc).__name__}: {str(exc)[:200]}")

    max_chars = extractor.config.nlp.max_article_chars
    articles = read_articles(input_path, on_error=report)
    guarded = (
        guard_size(a, max_chars, lambda line: click.echo(f"onrecord: warning: {line}", err=True))
        for a in islice(articles, limit)
    )
    try:
        out = open(output_path, "w", encoding="utf-8") if output_path else sys.stdout  # noqa: SIM115
    except OSError as exc:
        raise OnrecordError(f"{output_path}: cannot write: {exc.strerror}") from None
    try:
        for _, claims in extract_each(extractor, guarded, failed):
            for claim in claims:
                out.write(json.dumps(claim.to_dict(), ensure_ascii=False) + "\n")
        out.flush()
        if out is not sys.stdout:
            out.close()
    except OSError as exc:
        raise OnrecordError(f"{output_path or 'stdout'}: cannot write: {exc.strerror}") from None
