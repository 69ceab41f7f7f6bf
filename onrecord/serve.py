"""Serve the store with Datasette: onrecord's metadata, canned queries, plugin and timeline page, read-only.

The store is served as a mutable database on purpose: Datasette's immutable mode (-i) assumes the file
never changes and ignores the WAL, so it would show stale or torn data while `onrecord run` writes. Instead
every read connection is `mode=ro` (Datasette) and `query_only` with a busy timeout (our plugin), there are
no writable canned queries, and the SQL time limit stays on.
"""

from __future__ import annotations

import json
import shlex
import sys
import tempfile
from pathlib import Path

from onrecord.core.config import Config
from onrecord.datasette.metadata import build_metadata

DATASETTE_DIR = Path(__file__).resolve().parent / "datasette"
PLUGINS_DIR = DATASETTE_DIR / "plugins"
TEMPLATES_DIR = DATASETTE_DIR / "templates"
STATIC_DIR = DATASETTE_DIR / "static"
STATIC_MOUNT = "onrecord-assets"  # must match ASSETS in the plugin
DEFAULT_METADATA_FILE = "onrecord-datasette.json"


def write_metadata(config: Config, db_path: str | Path, path: str | Path) -> Path:
    """Write the store's Datasette metadata as JSON to `path` and return it."""
    path = Path(path)
    path.write_text(json.dumps(build_metadata(config, db_path), indent=2, ensure_ascii=False), encoding="utf-8")
    return path


def datasette_argv(
    config: Config, db_path: str | Path, metadata_path: str | Path, host: str | None = None, port: int | None = None
) -> list[str]:
    """The `datasette serve ...` command line (argv, starting with 'datasette') that serves the store."""
    serve = config.serve
    return [
        "datasette",
        "serve",
        str(Path(db_path)),
        "--metadata",
        str(metadata_path),
        "--plugins-dir",
        str(PLUGINS_DIR),
        "--template-dir",
        str(TEMPLATES_DIR),
        "--static",
        f"{STATIC_MOUNT}:{STATIC_DIR}",
        "--host",
        host or serve.host,
        "--port",
        str(port or serve.port),
        "--setting",
        "sql_time_limit_ms",
        str(serve.sql_time_limit_ms),
        "--setting",
        "facet_time_limit_ms",
        str(serve.sql_time_limit_ms),
        "--setting",
        "allow_download",
        "off",
    ]


def datasette_command(
    config: Config, db_path: str | Path, metadata_path: str | Path, host: str | None = None, port: int | None = None
) -> str:
    """The same command as one shell line, for the README and `onrecord serve --print-command`."""
    return shlex.join(datasette_argv(config, db_path, metadata_path, host, port))


def run_datasette(argv: list[str]) -> None:
    """Run Datasette in this process with the given argv (blocks until the server stops)."""
    from datasette.cli import cli as datasette_cli

    datasette_cli.main(args=argv[1:], prog_name="datasette", standalone_mode=False)


def serve(
    config: Config,
    db_path: str | Path,
    host: str | None = None,
    port: int | None = None,
    metadata_path: str | Path | None = None,
) -> None:
    """Serve the store until interrupted; the metadata goes to metadata_path or a temporary file."""
    with tempfile.TemporaryDirectory(prefix="onrecord-serve-") as tmp:
        metadata = write_metadata(config, db_path, metadata_path or Path(tmp) / DEFAULT_METADATA_FILE)
        print(
            f"onrecord: serving {db_path} read-only at http://{host or config.serve.host}:{port or config.serve.port}/",
            file=sys.stderr,
            flush=True,
        )
        run_datasette(datasette_argv(config, db_path, metadata, host, port))
