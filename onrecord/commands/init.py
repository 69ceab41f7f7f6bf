"""`onrecord init`: write an editable copy of the packaged default configuration."""

from __future__ import annotations

import os
from pathlib import Path

import click

from onrecord.core.config import CONFIG_ENV, CONFIG_NAME, PACKAGED_CONFIG
from onrecord.core.errors import ConfigError


@click.command("init")
@click.argument("target", metavar="[PATH]", default=CONFIG_NAME, required=False)
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def command(target: str, force: bool) -> None:
    """Write the packaged default configuration to PATH (default ./config.yaml; a folder gets a config.yaml)
    for you to edit: sources, parties, topics, claim types, digest recipients.

    Commands then use it when run in its folder, or anywhere with --config PATH or $ONRECORD_CONFIG.
    """
    path = Path(target)
    if path.is_dir() or target.endswith(("/", os.sep)):
        path = path / CONFIG_NAME
    if path.exists() and not force:
        raise ConfigError(f"{path}: already exists; pass --force to overwrite it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PACKAGED_CONFIG.read_text(encoding="utf-8"), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the config: {exc.strerror or exc}") from None
    click.echo(f"wrote {path}")
    where = "commands run in its folder use it" if path.name == CONFIG_NAME else "pass it with --config"
    click.echo(f"Edit it; {where}, or name it anywhere with {CONFIG_ENV}={path.resolve()}", err=True)
