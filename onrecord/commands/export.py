"""`onrecord export --reviews OUT`: the reviewed articles as gold, in the claims corpus's shape, for `onrecord eval`."""

from __future__ import annotations

import json
from pathlib import Path

import click

from onrecord.context import Context, common_options
from onrecord.core.errors import OnrecordError

ARTICLES_FILE = "articles.jsonl"  # the articles, as `onrecord eval --articles` and `extract --input` read them
PASSAGES_FILE = "passages.jsonl"  # one passage per article (the whole text), as in nlp/corpus/data
GOLD_FILE = "gold.jsonl"  # per passage its gold claims with evidence spans, as in nlp/corpus/data


def _lines(rows: list[dict]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n" for row in rows)


@click.command("export")
@common_options
@click.option(
    "--reviews",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False),
    help="Write the reviewed articles and their reviewed claims as gold into this folder.",
)
def command(ctx: Context, out_dir: str) -> None:
    """Export what researchers reviewed as gold: every article with a review, its claims as reviewed.

    OUT gets articles.jsonl (the articles), passages.jsonl and gold.jsonl (the claims corpus's records: a passage per
    article, gold claims with evidence_start / evidence_end). Score the current reader on them with
    `onrecord eval --reviews OUT`. Reads the store only.
    """
    from onrecord.storage.db import open_store
    from onrecord.storage.reviews import gold_articles

    db = open_store(ctx.db_path, read_only=True)
    try:
        reviewed = gold_articles(db)
    finally:
        db.conn.close()
    if not reviewed:
        raise OnrecordError(f"{ctx.db_path}: no reviewed articles to export (review claims first: onrecord review)")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    passages = [
        {
            "pid": article["id"],
            "lang": article["language"],
            "kind": "review",
            "start": 0,
            "end": len(article["text"] or ""),
            "split": "test",
            "source": article["source"],
            "url": article["url"],
            "title": article["title"],
            "text": article["text"],
        }
        for article, _ in reviewed
    ]
    gold = [{"pid": a["id"], "article_id": a["id"], "claims": claims, "source": "review"} for a, claims in reviewed]
    (out / ARTICLES_FILE).write_text(_lines([article for article, _ in reviewed]), encoding="utf-8")
    (out / PASSAGES_FILE).write_text(_lines(passages), encoding="utf-8")
    (out / GOLD_FILE).write_text(_lines(gold), encoding="utf-8")
    claims = sum(len(c) for _, c in reviewed)
    click.echo(f"exported {len(reviewed)} reviewed articles, {claims} gold claims to {out}")
