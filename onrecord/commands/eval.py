"""`onrecord eval`: precision, recall and F1 of the extractor against gold — a file, or the claims corpus."""

from __future__ import annotations

import json
from pathlib import Path

import click

from onrecord.context import Context, common_options
from onrecord.core.errors import OnrecordError

SPLITS = ("train", "dev", "test")
LANGUAGES = ("en", "ru", "uk")
# The former development sets: test sets now (../shared/eval/README.md), reported, never tuned on.
FORMER_DEV = {
    "en": ("dev-articles.jsonl", "dev-gold.jsonl"),
    "ru": ("dev-articles-ru.jsonl", "dev-gold-ru.jsonl"),
    "uk": ("dev-articles-uk.jsonl", "dev-gold-uk.jsonl"),
}


@click.command("eval")
@click.option(
    "--articles",
    "articles_path",
    type=click.Path(dir_okay=False),
    help="Articles as JSON Lines (file mode, with --gold).",
)
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False),
    help="Gold claims as JSON Lines: {article_id, claims: [{holder, claim_type, negated, target, claim_date}]}.",
)
@click.option("--corpus", is_flag=True, help="Score the claims corpus (nlp/corpus/data) per language and split.")
@click.option(
    "--reviews",
    "reviews_dir",
    type=click.Path(file_okay=False),
    help="Score against researchers' reviews: a folder written by `onrecord export --reviews`.",
)
@click.option(
    "--split",
    "splits",
    multiple=True,
    type=click.Choice(SPLITS),
    help="With --corpus: the splits to score (repeatable) [default: train, dev, test].",
)
@click.option(
    "--language",
    "languages",
    multiple=True,
    type=click.Choice(LANGUAGES),
    help="With --corpus: the languages to score (repeatable) [default: en, ru, uk].",
)
@click.option(
    "--former-dev",
    is_flag=True,
    help="With --corpus: also score the former development sets of ../shared/eval (test sets now).",
)
@click.option(
    "--engine",
    type=click.Choice(["config", "learned", "rules"]),
    default="config",
    help="Score this engine for every language instead of the configured ones (compare them).",
)
@click.option(
    "--shared",
    type=click.Path(file_okay=False),
    default=None,
    help="The shared folder (corpus/, eval/) [default: ../shared beside the checkout].",
)
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The corpus files (passages.jsonl, gold.jsonl) [default: the shipped nlp/corpus/data].",
)
@click.option(
    "--learning-curve",
    is_flag=True,
    help="With --corpus: train the learned reader on 25/50/100%% of the train records and score dev "
    "(needs the training extra: pip install -e '.[train]').",
)
@click.option(
    "--errors",
    is_flag=True,
    help="Also list false positives, misses, wrong targets and dates "
    "(with --corpus, for the dev split only: test sets are never read for errors).",
)
@click.option(
    "--reread",
    is_flag=True,
    help="With --corpus: score only the dev passages read again blind by other readers "
    "(nlp/corpus/data/rereadings.jsonl), and those readers beside the extractor on the same passages.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@common_options
def command(
    ctx: Context,
    articles_path: str | None,
    gold_path: str | None,
    corpus: bool,
    reviews_dir: str | None,
    splits: tuple[str, ...],
    languages: tuple[str, ...],
    former_dev: bool,
    engine: str,
    shared: str | None,
    corpus_dir: str | None,
    learning_curve: bool,
    errors: bool,
    reread: bool,
    as_json: bool,
) -> None:
    """Score extraction: micro P/R/F1 over (holder, claim_type, negated), target and date accuracy, per type.

    Either a file (--articles A.jsonl --gold G.jsonl) or the claims corpus (--corpus), every language and split:

      onrecord eval --corpus --former-dev          # the figures of the model card and the README
      onrecord eval --corpus --split dev --errors  # what to look at while working (never test)
      onrecord eval --corpus --reread              # the extractor beside blind re-readers of dev
      onrecord eval --reviews reviewed/            # the reader on your own reviewed articles (onrecord export)

    Reads files only: the store (--db) is never opened.
    """
    from onrecord.nlp.corpus.sources import default_shared
    from onrecord.nlp.extractor import Extractor

    config = ctx.config
    if engine != "config":
        config = config.with_engine(engine)
    if reviews_dir:
        from onrecord.commands.export import ARTICLES_FILE, GOLD_FILE

        folder = Path(reviews_dir)
        if not (folder / ARTICLES_FILE).is_file() or not (folder / GOLD_FILE).is_file():
            raise OnrecordError(f"eval: {folder}: no {ARTICLES_FILE} and {GOLD_FILE} (write them with onrecord export)")
        extractor = Extractor(config)
        result = _score_file(extractor, folder / ARTICLES_FILE, folder / GOLD_FILE)
        _print(result, errors, as_json, extra={"extractor_version": extractor.version})
        return
    if not corpus:
        if not (articles_path and gold_path):
            raise OnrecordError("eval: give --articles and --gold, or --corpus")
        extractor = Extractor(config)
        result = _score_file(extractor, articles_path, gold_path)
        _print(result, errors, as_json, extra={"extractor_version": extractor.version})
        return
    if reread and not corpus:
        raise OnrecordError("eval: --reread scores the claims corpus: add --corpus")
    if reread and set(splits or ("dev",)) != {"dev"}:
        raise OnrecordError("eval: --reread is for the dev split only (only dev passages were read again)")
    splits = ("dev",) if reread else splits or SPLITS
    if errors and set(splits) != {"dev"}:
        raise OnrecordError(
            "eval: --errors is for the dev split only (--split dev); test sets are never read for errors"
        )
    shared_dir = Path(shared) if shared else default_shared()
    if learning_curve:
        _learning_curve(config, shared_dir, languages or LANGUAGES, as_json)
        return
    from onrecord.nlp.corpus import rereading
    from onrecord.nlp.corpus.store import DATA_DIR, gold_records, keys, materialise
    from onrecord.nlp.evaluate import Evaluation, evaluate, format_report

    data_dir = Path(corpus_dir) if corpus_dir else DATA_DIR
    readings = rereading.load(data_dir) if reread else {}
    if reread and not readings:
        raise OnrecordError(f"eval: {data_dir / rereading.FILE}: no re-readings to compare with")
    extractor = Extractor(config)
    report: dict[str, tuple[int | None, Evaluation]] = {}
    readers: dict[str, Evaluation] = {}  # re-readers, scored on the same passages (no per-type detail)
    for language in languages or LANGUAGES:
        groups = [(split, materialise(shared_dir, data_dir, languages=[language], splits=[split])) for split in splits]
        for split, passages in groups:
            name = f"{language}/{split}"
            mine: dict[str, dict] = {}  # the re-readers of this language's passages
            if reread:
                mine, reread_pids = rereading.readers_of(readings, (p.pid for p in passages))
                if not mine:
                    continue
                common = set(reread_pids)
                passages = [p for p in passages if p.pid in common]
                name += "-reread"
            predicted = {a.id: c for a, c in extractor.extract([p.article for p in passages])}
            result = evaluate(predicted, gold_records(passages))
            report[name] = (len(passages), result)
            if reread:
                gold = {p.pid: keys(p.gold) for p in passages}
                for reader, by_pid in mine.items():
                    readers[f"{name} {reader}"] = Evaluation(micro=rereading.score(gold, by_pid, gold))
        if former_dev and language in FORMER_DEV:
            names = FORMER_DEV[language]
            report[f"{language}/former-dev"] = (
                None,
                _score_file(extractor, shared_dir / "eval" / names[0], shared_dir / "eval" / names[1]),
            )
    if reread and not readers:
        raise OnrecordError(f"eval: no re-read passages in {', '.join(languages or LANGUAGES)}")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "extractor_version": extractor.version,
                    "results": {k: {"passages": n} | r.to_dict(errors=errors) for k, (n, r) in report.items()},
                }
                | ({"readers": {k: r.micro.to_dict() for k, r in readers.items()}} if reread else {}),
                indent=2,
            )
        )
        return
    for name, (n, result) in report.items():
        click.echo(f"== {name}" + (f" ({n} passages)" if n is not None else ""))
        click.echo(format_report(result, errors=errors))
        click.echo("")
    width = 22 if reread else 16
    click.echo(f"{'set':<{width}}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}")
    rows = [(name, result) for name, (_, result) in report.items()] + list(readers.items())
    for name, result in rows:
        m = result.micro
        click.echo(f"{name:<{width}}{m.precision:>7.3f}{m.recall:>7.3f}{m.f1:>7.3f}{m.tp:>6}{m.fp:>6}{m.fn:>6}")


def _score_file(extractor, articles_path, gold_path):
    from onrecord.nlp.evaluate import evaluate
    from onrecord.nlp.jsonl import read_articles, read_records

    def report(line: str) -> None:
        click.echo(f"onrecord: error: {line}", err=True)

    predicted = {article.id: claims for article, claims in extractor.extract(read_articles(articles_path, report))}
    return evaluate(predicted, list(read_records(gold_path, report)))


def _print(result, errors: bool, as_json: bool, extra: dict) -> None:
    from onrecord.nlp.evaluate import format_report

    if as_json:
        click.echo(json.dumps(result.to_dict(errors=errors) | extra, indent=2))
    else:
        click.echo(format_report(result, errors=errors))


def _learning_curve(config, shared: Path, languages, as_json: bool) -> None:
    try:
        from onrecord.nlp.learned.train import learning_curve
    except ImportError as exc:
        raise OnrecordError(
            f"eval --learning-curve needs the training extra ({exc.name} missing): pip install -e '.[train]'"
        ) from None
    out = {language: learning_curve(config, language, shared) for language in languages}
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"{'lang':<6}{'train share':>12}{'passages':>10}{'dev P':>8}{'dev R':>8}{'dev F1':>8}")
    for language, points in out.items():
        for p in points:
            d = p["dev"]
            click.echo(
                f"{language:<6}{int(p['train_share'] * 100):>11}%{p['train_passages']:>10}"
                f"{d['precision']:>8.3f}{d['recall']:>8.3f}{d['f1']:>8.3f}"
            )
