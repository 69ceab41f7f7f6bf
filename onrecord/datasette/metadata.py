"""Datasette metadata for one store: metadata.yaml and queries.yaml, put under the served database's name.

The YAML files hold the words and SQL; this module only fits them to a store: it keys them by the
database name Datasette derives from the file name, and leaves out tables, columns and queries the store
does not have (an older store, or one whose later migrations have not run yet).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import yaml

from onrecord.core.config import Config
from onrecord.core.errors import StoreError

HERE = Path(__file__).resolve().parent
METADATA_FILE = HERE / "metadata.yaml"
QUERIES_FILE = HERE / "queries.yaml"
PLUGIN_NAME = "onrecord"
TIMELINE_PATH = "/-/onrecord-timeline"


def database_name(db_path: str | Path) -> str:
    """The name Datasette gives a database file: its stem."""
    return Path(db_path).stem


def store_schema(db_path: str | Path) -> dict[str, list[str]]:
    """Columns of every table and view in the store, read through a read-only connection."""
    path = Path(db_path)
    if not path.is_file():
        raise StoreError(f"{path}: store not found (run `onrecord demo` or `onrecord crawl` first, or pass --db)")
    try:
        conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)
        try:
            names = [
                r[0]
                for r in conn.execute("select name from sqlite_master where type in ('table', 'view') order by name")
            ]
            return {name: [r[1] for r in conn.execute(f"pragma table_info([{name}])")] for name in names}
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot read store schema: {exc}") from None


def _load_yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _tables(schema: dict[str, list[str]]) -> dict[str, Any]:
    tables = {}
    for name, meta in _load_yaml(METADATA_FILE).get("tables", {}).items():
        if name not in schema:
            continue
        meta = dict(meta)
        meta["columns"] = {c: d for c, d in (meta.get("columns") or {}).items() if c in schema[name]}
        meta["facets"] = [c for c in meta.get("facets", []) if c in schema[name]]
        tables[name] = meta
    return tables


def _queries(schema: dict[str, list[str]]) -> dict[str, Any]:
    queries = {}
    for name, query in _load_yaml(QUERIES_FILE).items():
        query = dict(query)
        if all(required in schema for required in query.pop("requires", [])):
            queries[name] = query
    return queries


def build_metadata(config: Config, db_path: str | Path) -> dict[str, Any]:
    """The complete metadata document Datasette gets with --metadata for the store at db_path."""
    schema = store_schema(db_path)
    name = database_name(db_path)
    description = _load_yaml(METADATA_FILE)["description"]
    title = f"{config.project.name}: on the record"
    timeline_link = (
        f'<p><a href="{TIMELINE_PATH}">Open the visual timeline</a>: lanes per party for a topic, '
        f"one mark per claim, coloured by claim type.</p>"
    )
    return {
        "title": title,
        "description_html": f"<p>{description}</p>{timeline_link}",
        "databases": {
            name: {
                "title": title,
                "description_html": f"<p>{description}</p>{timeline_link}",
                "tables": _tables(schema),
                "queries": _queries(schema),
            }
        },
        "plugins": {PLUGIN_NAME: {"database": name}},
    }


def undescribed(metadata: dict[str, Any], db_path: str | Path) -> list[str]:
    """Tables, views and columns of the store that the metadata does not describe ('table' or 'table.column')."""
    schema = store_schema(db_path)
    tables = metadata["databases"][database_name(db_path)]["tables"]
    missing = []
    for table, columns in schema.items():
        if "_fts" in table or table.startswith("sqlite_"):
            continue
        meta = tables.get(table)
        if not meta or not meta.get("description"):
            missing.append(table)
            continue
        missing += [f"{table}.{c}" for c in columns if not (meta.get("columns") or {}).get(c)]
    return missing
