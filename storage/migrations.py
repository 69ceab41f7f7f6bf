"""The store's schema version: a new store is created from schema.sql, an older one upgraded by frozen SQL steps.

storage/schema.sql is the whole current schema; its header names its version. storage/upgrades/NNN_name.sql
takes a store from version NNN-1 to NNN, and is never edited once shipped. The version is the store's
PRAGMA user_version. Stores made before this scheme recorded the names of the steps they had run in a table
`_migrations`; LEGACY_STEPS maps those onto the version numbers (the same steps, in the order they ran).

Every step runs in its own BEGIN IMMEDIATE transaction, one statement at a time (never executescript, which
would commit the transaction early on sqlite-utils 3 and Python's sqlite3), and sets the version in the same
transaction: a store is always at exactly one version.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources

from onrecord.core.errors import StoreError

log = logging.getLogger("onrecord.store")

# Names a store made before schema.sql recorded in `_migrations`, in the order they ran: version = position.
LEGACY_STEPS = (
    "001_core",
    "003_digest",
    "004_crawl_near_duplicates",
    "004_scheduler",
    "002_timeline",
    "005_timeline_evidence",
    "006_timeline_intervals",
    "007_timeline_interval_refresh",
    "008_timeline_fewer_indexes",
    "009_timeline_locality",
    "010_timeline_contradiction_read",
)

_UPGRADE_FILE = re.compile(r"(\d{3})_(\w+)\.sql")
_SCHEMA_VERSION = re.compile(r"^-- schema-version: (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Upgrade:
    version: int  # the version a store is at after this step
    name: str
    sql: str


def _package_text(*parts: str) -> str:
    return resources.files("onrecord.storage").joinpath(*parts).read_text(encoding="utf-8")


@cache
def upgrades() -> tuple[Upgrade, ...]:
    """The frozen upgrade steps, by version (checked: numbered 1, 2, 3 ... without gaps or repeats)."""
    found = []
    for entry in resources.files("onrecord.storage").joinpath("upgrades").iterdir():
        match = _UPGRADE_FILE.fullmatch(entry.name)
        if match:
            found.append(Upgrade(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda u: u.version)
    if [u.version for u in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"storage/upgrades: steps must be numbered 1..N once each, found {[u.version for u in found]}")
    return tuple(found)


@cache
def schema_sql() -> str:
    """The text of storage/schema.sql."""
    return _package_text("schema.sql")


@cache
def schema_version() -> int:
    """The version schema.sql creates: the number of the last upgrade step (checked against its header)."""
    match = _SCHEMA_VERSION.search(schema_sql())
    last = len(upgrades())
    if not match or int(match[1]) != last:
        raise StoreError(
            f"storage/schema.sql: header says schema-version {match[1] if match else '(none)'}, "
            f"the last upgrade step is {last}: add the change to both"
        )
    return last


def statements(sql: str) -> list[str]:
    """Split a SQL script into its statements (trigger bodies kept whole), dropping comment-only text."""
    out, pending = [], ""
    for line in sql.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            if _code(pending):
                out.append(re.sub(r"\A(?:\s*--[^\n]*\n)*", "", pending).strip())
            pending = ""
    if _code(pending):
        raise StoreError(f"unterminated SQL statement: {pending.strip()[:80]!r}")
    return out


def _code(sql: str) -> bool:
    """True when `sql` holds more than comments and semicolons."""
    return bool(re.sub(r"--[^\n]*|[\s;]", "", sql))


def store_version(conn: sqlite3.Connection) -> int | None:
    """The store's schema version; None for an empty database (no store yet)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version:
        return version
    names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    if "_migrations" in names:
        return _legacy_version(conn)
    if not names:
        return None
    raise StoreError("not an onrecord store (tables but no schema version)")


def _legacy_version(conn: sqlite3.Connection) -> int:
    applied = [row[0] for row in conn.execute("SELECT name FROM _migrations")]
    version = len(applied)
    if sorted(applied) != sorted(LEGACY_STEPS[:version]):
        raise StoreError(f"unknown set of migrations in _migrations: {sorted(applied)}")
    return version


def _run(conn: sqlite3.Connection, sql: str) -> None:
    for statement in statements(sql):
        conn.execute(statement)


def _set_version(conn: sqlite3.Connection, version: int) -> None:
    conn.execute(f"PRAGMA user_version = {int(version)}")


def _step(conn: sqlite3.Connection, before: int | None, target: int, work) -> bool:
    """Run `work(conn)` in one BEGIN IMMEDIATE transaction that leaves the store at version `target`, if the store
    (read again under the write lock: another process may have got there first) is still at `before` (None: an
    empty database). Returns whether it ran."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = store_version(conn)
        if version != before and not (before == 0 and version is None):
            conn.execute("ROLLBACK")
            return False
        work(conn)
        _set_version(conn, target)
        conn.execute("COMMIT")
        return True
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def create_schema(conn: sqlite3.Connection) -> bool:
    """Create the current schema in an empty database (schema.sql, one transaction); False if not empty."""
    return _step(conn, None, schema_version(), lambda c: _run(c, schema_sql()))


def upgrade(conn: sqlite3.Connection, to: int | None = None) -> list[str]:
    """Bring the store to the current schema: create it from schema.sql if empty, else apply the frozen steps it
    lacks, each in its own transaction. With `to`, apply the steps up to that version only, an empty store
    included (how tests build a store as an older version made it). Returns the names of the steps applied."""
    target = schema_version() if to is None else to
    version = store_version(conn)
    if version is not None and version > schema_version():
        raise StoreError(
            f"store is at schema {version}, newer than this onrecord's ({schema_version()}): upgrade onrecord"
        )
    if version is None and to is None and create_schema(conn):
        return ["schema.sql"]
    if version and conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_migrations'").fetchone():
        # A store from before schema.sql: same version, the old bookkeeping table dropped (one transaction).
        _step(conn, version, version, lambda c: c.execute("DROP TABLE _migrations"))
    applied = []
    for step in upgrades()[version or 0 : target]:  # none at all (no write lock taken) for a current store
        started = time.perf_counter()
        if _step(conn, step.version - 1, step.version, lambda c, sql=step.sql: _run(c, sql)):
            applied.append(f"{step.version:03d}_{step.name}")
            if version:  # an existing store upgraded (not worth a line per step while building one for a test)
                log.info(
                    "store upgraded: step %03d_%s applied in %.1f s",
                    step.version,
                    step.name,
                    time.perf_counter() - started,
                )
    return applied


def migrate(db) -> list[str]:
    """Bring an open sqlite-utils Database to the current schema (see upgrade)."""
    return upgrade(db.conn)
