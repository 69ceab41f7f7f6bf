"""`onrecord eval`: precision, recall and F1 of the extractor against a gold file."""

from __future__ import annotations

import json

import click

from onrecord.context import Context, common_options


@click.command("eval")
@click.option("--articles", "articles_path", required=True, type=click.Path(dir_okay=False),
              help="Articles as JSON Lines.")
@click.option("--gold", "gold_path", required=True, type=click.Path(dir_okay=False),
              help="Gold claims as JSON Lines: {article_id, claims: [{holder, claim_type, negated, target, claim_date}]}.")
@click.option("--errors", is_flag=True, help="Also list false positives, misses, wrong targets and dates.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@common_options
def command(ctx: Context, articles_path: str, gold_path: str, errors: bool, as_json: bool) -> None:
    """Score extraction: micro P/R/F1 over (holder, claim_type, negated), target and date accuracy, per type."""
    from nlp.evaluate import evaluate, format_report
    from nlp.extractor import Extractor
    from nlp.jsonl import read_articles, read_records

    def report(line: str) -> None:
        click.echo(f"onrecord: error: {line}", err=True)

    extractor = Extractor(ctx.config)
    predicted = {article.id: claims for article, claims in extractor.extract(read_articles(articles_path, report))}
    result = evaluate(predicted, list(read_records(gold_path, report)))
    if as_json:
        click.echo(json.dumps(result.to_dict(errors=errors) | {"extractor_version": extractor.version}, indent=2))
    else:
        click.echo(format_report(result, errors=errors))
