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
@click.option("--limit", type=int, default=None, help="Extract at most this many articles.")
@common_options
def command(ctx: Context, input_path: str | None, output_path: str | None, limit: int | None) -> None:
    """Extract claims (who said what position, when) from articles.

    Without --input, reads the store's articles that this extractor version has not read yet, saves their
    claims and folds them into the timeline's events (what `onrecord timeline` reads). With --input, reads a
    JSON Lines file and writes claim records as JSON Lines.
    """
    from onrecord.nlp.extractor import Extractor

    extractor = Extractor(ctx.config)
    if input_path:
        _file_mode(extractor, input_path, output_path, limit)
        return
    from onrecord.nlp.run import extract_pending
    from onrecord.storage.timeline import update_events

    db = ctx.open_store()
    counts = extract_pending(
        ctx.config, db, progress=lambda line: click.echo(line, err=True), limit=limit, extractor=extractor
    )
    click.echo(f"extracted {counts['articles']} articles: {counts['claims']} claims, {counts['errors']} errors")
    click.echo(f"timeline: {update_events(db, ctx.config)} claims folded into events", err=True)


def _file_mode(extractor, input_path: str, output_path: str | None, limit: int | None) -> None:
    from contextlib import nullcontext
    from itertools import islice

    from onrecord.nlp.jsonl import read_articles

    articles = read_articles(input_path, on_error=lambda line: click.echo(f"onrecord: error: {line}", err=True))
    with open(output_path, "w", encoding="utf-8") if output_path else nullcontext(sys.stdout) as out:
        for _, claims in extractor.extract(islice(articles, limit)):
            for claim in claims:
                out.write(json.dumps(claim.to_dict(), ensure_ascii=False) + "\n")
