"""`onrecord review`: accept, reject, correct or add claims, undo a review, list them, for scripted work.

The browser page (`onrecord serve` with ONRECORD_REVIEWER and ONRECORD_REVIEW_SECRET set) takes the same actions.
Every action is kept in the store's audit trail (storage/reviews.py) and folded into the timeline at once.
"""

from __future__ import annotations

import json
import os
from typing import Any

import click

from onrecord.context import Context, common_options
from onrecord.core.errors import ConfigError

REVIEWER_ENV = "ONRECORD_REVIEWER"


def _reviewer(given: str | None) -> str:
    reviewer = (given or os.environ.get(REVIEWER_ENV) or "").strip()
    if not reviewer:
        raise ConfigError(f"a review needs a reviewer: pass --reviewer NAME or set ${REVIEWER_ENV}")
    return reviewer


def _emit(value: Any, as_json: bool, line: str) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2) if as_json else line)


def _act(ctx: Context, action: str, reviewer: str | None, as_json: bool, **kwargs: Any) -> None:
    from onrecord.storage.events import update_events
    from onrecord.storage.reviews import record

    db = ctx.open_store()
    try:
        row = record(db, action, _reviewer(reviewer), **kwargs)
        update_events(db, ctx.config)
    finally:
        db.conn.close()
    target = f"review {row['reverts']}" if action == "revert" else f"claim {row['claim_id'] or '(none)'}"
    _emit(row, as_json, f"review {row['id']}: {action} {target} by {row['reviewer']}")


_reviewer_option = click.option("--reviewer", metavar="NAME", help=f"Who reviews. [default: ${REVIEWER_ENV}]")
_note_option = click.option("--note", metavar="TEXT", help="Why (kept in the audit trail).")
_json_option = click.option("--json", "as_json", is_flag=True, help="Print the review as JSON.")


@click.group("review")
def command() -> None:
    """Review the reader's claims: accept, reject, correct, add, revert; list reviews.

    A review names a claim by its id (claims.id in the store, or added:N for a claim a reviewer added) and is kept
    by the claim's stable key (article, evidence span, topic, holder, claim type), so it still applies after the
    article is read again by a new extractor version. Everything downstream (events, state, changes,
    contradictions, digest) reads the claims as reviewed.
    """


@command.command("accept")
@common_options
@click.argument("claim_id")
@_reviewer_option
@_note_option
@_json_option
def accept(ctx: Context, claim_id: str, reviewer: str | None, note: str | None, as_json: bool) -> None:
    """The claim is right as read."""
    _act(ctx, "accept", reviewer, as_json, claim_id=claim_id, note=note)


@command.command("reject")
@common_options
@click.argument("claim_id")
@_reviewer_option
@_note_option
@_json_option
def reject(ctx: Context, claim_id: str, reviewer: str | None, note: str | None, as_json: bool) -> None:
    """The claim is wrong: it leaves the timeline."""
    _act(ctx, "reject", reviewer, as_json, claim_id=claim_id, note=note)


def _claim_fields(
    topic: str | None,
    holder: str | None,
    claim_type: str | None,
    negated: bool | None,
    target: str | None,
    claim_date: str | None,
    speaker: str | None,
) -> dict[str, Any]:
    given: dict[str, Any] = {
        "topic": topic,
        "holder": holder,
        "claim_type": claim_type,
        "negated": negated,
        "target": target,
        "claim_date": claim_date,
        "speaker": speaker,
    }
    fields = {name: value for name, value in given.items() if value is not None}
    for name in ("target", "claim_date", "speaker"):  # "-" clears an optional field
        if fields.get(name) == "-":
            fields[name] = None
    return fields


def _field_options(func: Any) -> Any:
    for option in reversed(
        [
            click.option("--topic", metavar="ID", help="Topic id."),
            click.option("--holder", metavar="ID", help="Party id holding the claim."),
            click.option("--type", "claim_type", metavar="ID", help="Claim type id."),
            click.option("--negated/--affirmed", default=None, help="The claim is negated (or affirmed)."),
            click.option("--target", metavar="ID", help="Party id the claim is about ('-' for none)."),
            click.option("--date", "claim_date", metavar="D", help="Day the claim speaks of, YYYY-MM-DD ('-': none)."),
            click.option("--speaker", metavar="NAME", help="Who said it ('-' for none)."),
        ]
    ):
        func = option(func)
    return func


@command.command("correct")
@common_options
@click.argument("claim_id")
@_field_options
@_reviewer_option
@_note_option
@_json_option
def correct(ctx: Context, claim_id: str, reviewer: str | None, note: str | None, as_json: bool, **given: Any) -> None:
    """Correct the claim's fields (those given; the others stay as read)."""
    _act(ctx, "correct", reviewer, as_json, claim_id=claim_id, fields=_claim_fields(**given), note=note)


@command.command("add")
@common_options
@click.argument("article_id")
@_field_options
@click.option("--evidence", metavar="TEXT", help="The quoted sentence, exactly as in the article's text.")
@click.option("--start", type=int, help="Evidence start offset in the article's text (with --end).")
@click.option("--end", type=int, help="Evidence end offset (exclusive).")
@_reviewer_option
@_note_option
@_json_option
def add(
    ctx: Context,
    article_id: str,
    evidence: str | None,
    start: int | None,
    end: int | None,
    reviewer: str | None,
    note: str | None,
    as_json: bool,
    **given: Any,
) -> None:
    """Add a claim the reader missed in ARTICLE_ID (needs --topic, --holder, --type and the evidence)."""
    _act(
        ctx,
        "add",
        reviewer,
        as_json,
        article_id=article_id,
        fields=_claim_fields(**given),
        evidence=evidence,
        start=start,
        end=end,
        note=note,
    )


@command.command("revert")
@common_options
@click.argument("review_id", type=int)
@_reviewer_option
@_note_option
@_json_option
def revert(ctx: Context, review_id: int, reviewer: str | None, note: str | None, as_json: bool) -> None:
    """Undo review REVIEW_ID (the trail keeps both; the claim is as the reviews before it left it)."""
    _act(ctx, "revert", reviewer, as_json, reverts=review_id, note=note)


@command.command("list")
@common_options
@click.option("--orphaned", is_flag=True, help="Only reviews whose claim no reading finds any more.")
@click.option("--history", "trail", is_flag=True, help="Every action of the audit trail instead, oldest first.")
@_json_option
def list_(ctx: Context, orphaned: bool, trail: bool, as_json: bool) -> None:
    """The reviewed claims as the reviews leave them (or the whole audit trail)."""
    from onrecord.storage.db import open_store
    from onrecord.storage.reviews import history, list_reviews

    db = open_store(ctx.db_path, read_only=True)
    try:
        rows = history(db) if trail else list_reviews(db, orphaned=orphaned)
    finally:
        db.conn.close()
    if as_json:
        _emit(rows, True, "")
        return
    for row in rows:
        if trail:
            undone = " (reverted)" if row["reverted"] else ""
            what = f"review {row['reverts']}" if row["action"] == "revert" else row["claim_id"] or row["article_id"]
            click.echo(f"{row['id']}\t{row['reviewed_at']}\t{row['reviewer']}\t{row['action']}{undone}\t{what}")
        else:
            claim = row["claim_id"] or "ORPHANED"
            key = f"{row['article_id']}[{row['start']}:{row['end']}] {row['holder']} {row['claim_type']}"
            fields = json.dumps(row["fields"], ensure_ascii=False) if row["fields"] else ""
            click.echo(f"{row['review_id']}\t{row['review']}\t{claim}\t{key}\t{row['reviewer']}\t{fields}".rstrip())
    if not rows:
        click.echo("no reviews" + (" orphaned" if orphaned else ""), err=True)
