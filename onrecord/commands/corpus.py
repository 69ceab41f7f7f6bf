"""`onrecord corpus`: the annotated claims corpus — materialise its passages, print its figures."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _shared(path: str | None) -> Path:
    from onrecord.nlp.corpus.sources import default_shared

    return Path(path) if path else default_shared()


@click.group("corpus")
def command() -> None:
    """The claims corpus: references into ../shared/corpus plus gold (nlp/corpus/data/, guide in
    docs/annotation-guide.md). Passages are never stored as text; `materialise` reads them from the corpus."""


@command.command("materialise")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Folder for articles-<lang>-<split>.jsonl and gold-<lang>-<split>.jsonl.",
)
@click.option(
    "--shared",
    "shared",
    type=click.Path(file_okay=False),
    default=None,
    help="The shared folder holding corpus/ and eval/ [default: ../shared beside the checkout].",
)
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The corpus files [default: the shipped nlp/corpus/data].",
)
def materialise(out_dir: str, shared: str | None, corpus_dir: str | None) -> None:
    """Write every passage (checked against its hash) and its gold, per language and split."""
    from onrecord.nlp.corpus.store import DATA_DIR, export

    counts = export(_shared(shared), Path(out_dir), Path(corpus_dir) if corpus_dir else DATA_DIR)
    for name, n in counts.items():
        click.echo(f"{name}: {n} passages")
    click.echo(f"wrote {sum(counts.values())} passages to {out_dir}")


@command.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--corpus-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="The corpus files [default: the shipped nlp/corpus/data].",
)
def stats(as_json: bool, corpus_dir: str | None) -> None:
    """Passages, gold claims (per type), doubly annotated passages and their agreement F1, per language and
    split."""
    from onrecord.nlp.corpus.stats import corpus_stats, format_stats
    from onrecord.nlp.corpus.store import DATA_DIR

    figures = corpus_stats(Path(corpus_dir) if corpus_dir else DATA_DIR)
    if as_json:
        click.echo(
            json.dumps(
                {
                    lang: {k: v for k, v in s.items() if k != "agreement"} | {"agreement": s["agreement"]}
                    for lang, s in figures.items()
                },
                indent=2,
            )
        )
    else:
        click.echo(format_stats(figures))
