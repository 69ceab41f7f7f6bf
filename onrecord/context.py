"""What every command shares: the --config and --db options, loaded once into a Context."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import click
import sqlite_utils

from onrecord.core.config import Config, ConfigSource, load_config, resolve_config


@dataclass
class Context:
    config: Config
    db_path: str
    db_given: bool = False  # --db was passed explicitly
    config_source: ConfigSource | None = None  # which file the config came from, and why

    def open_store(self) -> sqlite_utils.Database:
        """Open the store and mirror the config's reference tables into it."""
        from onrecord.storage.db import open_store
        from onrecord.storage.sources import sync_config

        db = open_store(self.db_path)
        sync_config(db, self.config)
        return db


def load_context(config_path: str | None, db_path: str | None) -> Context:
    """Load the config (--config, else $ONRECORD_CONFIG, else ./config.yaml, else the packaged default)."""
    source = resolve_config(config_path, os.environ)
    config = load_config(source.path)
    if db_path:
        config = config.with_storage_path(db_path)
    return Context(config=config, db_path=config.storage.path, db_given=bool(db_path), config_source=source)


def common_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add --config and --db to a command and pass it a loaded `ctx: Context` instead."""

    @click.option(
        "--config",
        "config_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="Configuration file. [default: $ONRECORD_CONFIG, else ./config.yaml, else the packaged default]",
    )
    @click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False),
        default=None,
        help="SQLite store. [default: storage.path from the config]",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, config_path: str | None, db_path: str | None, **kwargs: Any) -> Any:
        ctx = load_context(config_path, db_path)
        if ctx.config_source and not click.get_current_context().find_root().params.get("quiet"):
            click.echo(ctx.config_source.describe(), err=True)  # stderr: stdout may be JSON or CSV
        return func(*args, ctx=ctx, **kwargs)

    return wrapper
