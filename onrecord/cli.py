"""The `onrecord` command line: one thin command per job; the work lives in the stage modules.

Only this entry point turns OnrecordError into a one-line message and exit code 2, and a store or file that
cannot be written or read (sqlite3 errors, OSError: a full disk) into one line and exit code 1.
"""

from __future__ import annotations

import importlib
import logging
import sqlite3
import sys

import click

from onrecord import __version__
from onrecord.core.errors import OnrecordError

# Each module in onrecord/commands/ defines one click command (or group) named `command`.
COMMAND_MODULES = [
    "init",
    "demo",
    "crawl",
    "backfill",
    "extract",
    "eval",
    "corpus",
    "timeline",
    "status",
    "digest",
    "serve",
    "run",
    "review",
    "export",
    "alerts",
]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="onrecord")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
def cli(verbose: int, quiet: bool) -> None:
    """onrecord: track what parties to a conflict say on the record, and how their positions move.

    The pipeline is crawl -> extract -> timeline, each stage reading and writing one SQLite store.
    Every command takes --config and --db (default: storage.path in the config). Without --config: the file
    named by $ONRECORD_CONFIG, else ./config.yaml, else the packaged default; each command names the one it uses
    on stderr. `onrecord init` writes an editable copy. Start with `onrecord demo` to run everything on the
    bundled offline demo.
    """
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    logging.basicConfig(
        level=level,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
    )
    for noisy in (
        "scrapy",
        "twisted",
        "filelock",
        "trafilatura",
        "htmldate",
        "urllib3",
        "asyncio",
        "matplotlib",
        "pymorphy3",
        "spacy",
        "datasketch",
    ):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING) if verbose < 2 else level)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"onrecord.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"onrecord.commands.{name}":
                continue  # command not built yet
            raise
        cli.add_command(module.command, name=name)


_register()


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="onrecord", standalone_mode=False)
    except OnrecordError as exc:
        click.echo(f"onrecord: error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("onrecord: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # `onrecord timeline | head`: the reader left; nothing to say
        sys.stderr.close()
        sys.exit(1)
    except (sqlite3.Error, OSError) as exc:
        # A store or file that cannot be written (a full disk, a read-only folder) ends in one line, not a traceback
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        where = f"{exc.filename}: " if isinstance(exc, OSError) and exc.filename else ""
        click.echo(f"onrecord: error: {where}{' '.join(text.split())[:300]}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
