"""`onrecord serve`: browse the store in Datasette, read-only, with onrecord's metadata and timeline page."""

from __future__ import annotations

import os
from pathlib import Path

import click

from onrecord.context import Context, common_options


@click.command("serve")
@common_options
@click.option("--host", default=None, help="Interface to listen on. [default: serve.host, 127.0.0.1]")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="Port to listen on. [default: serve.port, 8001]"
)
@click.option(
    "--metadata-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also keep the generated Datasette metadata in this file (with --print-command: "
    "where it is written; default onrecord-datasette.json).",
)
@click.option(
    "--print-command",
    is_flag=True,
    help="Write the metadata file and print the plain `datasette` command that serves the store, then exit.",
)
def command(ctx: Context, host: str | None, port: int | None, metadata_file: str | None, print_command: bool) -> None:
    """Serve the store in Datasette: described tables, facets, full-text search, canned queries and a
    visual timeline at /-/onrecord-timeline.

    The database is served read-only (read-only connections, no writable queries, SQL time limit on) and
    can be browsed while `onrecord run` writes to it. Stop with Ctrl+C. A missing store, or one at an older
    schema, is refused in one line: serving never creates or upgrades it.

    With ONRECORD_REVIEWER and ONRECORD_REVIEW_SECRET set, the review page (/-/onrecord-review, linked from a
    claim's evidence and the timeline) also takes reviews, through its own short write connection; without them
    it only shows them.
    """
    from onrecord.serve import DEFAULT_METADATA_FILE, datasette_command, serve, write_metadata
    from onrecord.storage.db import open_store

    open_store(ctx.db_path, read_only=True).conn.close()  # exists and at this onrecord's schema, else one line
    if ctx.config_source:  # the review page (onrecord/datasette) folds reviews in with the same config
        os.environ["ONRECORD_CONFIG"] = str(Path(ctx.config_source.path).resolve())

    if print_command:
        metadata = write_metadata(ctx.config, ctx.db_path, metadata_file or DEFAULT_METADATA_FILE)
        click.echo(datasette_command(ctx.config, ctx.db_path, metadata, host, port))
        return
    serve(ctx.config, ctx.db_path, host=host, port=port, metadata_path=metadata_file)
