"""Render timeline records (storage.timeline) as a rich table, JSON, CSV or Markdown.

Table and Markdown show the columns a reader needs, grouped per party where that makes sense; JSON and
CSV carry every key of the records (CSV joins lists with '; ').
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "csv", "markdown")


@dataclass(frozen=True)
class View:
    title: str
    columns: tuple[str, ...]
    group: str | None = "holder"  # rows are printed per value of this key


VIEWS = {
    "claims": View(
        "Claims", ("claim_date", "holder", "claim_type", "negated", "target", "speaker", "evidence", "source", "url")
    ),
    # onrecord timeline --include-retired: the claims and those retired (revised or withdrawn stories), marked.
    "claims+retired": View(
        "Claims (retired ones included)",
        ("claim_date", "holder", "claim_type", "negated", "target", "speaker", "evidence", "source", "url", "retired"),
    ),
    "events": View(
        "Events",
        (
            "event_date",
            "holder",
            "claim_type",
            "negated",
            "target",
            "corroboration",
            "outlets",
            "speaker",
            "evidence",
            "url",
        ),
    ),
    "state": View(
        "Position state", ("topic", "holder", "claim_type", "negated", "target", "event_date", "evidence", "url")
    ),
    "changes": View(
        "Position changes",
        (
            "change_date",
            "topic",
            "holder",
            "kind",
            "from_type",
            "from_negated",
            "to_type",
            "to_negated",
            "corroboration",
            "evidence",
            "url",
        ),
        group=None,
    ),
    "contradictions": View(
        "Contradictions",
        (
            "date",
            "topic",
            "holder_a",
            "claim_type_a",
            "negated_a",
            "evidence_a",
            "holder_b",
            "claim_type_b",
            "negated_b",
            "evidence_b",
        ),
        group=None,
    ),
}


def cell(value: object) -> str:
    """A value as text for a table, Markdown or CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _groups(rows: list[dict], view: View) -> list[tuple[str | None, list[dict]]]:
    if not view.group:
        return [(None, rows)]
    groups: dict[str, list[dict]] = {}
    for row in rows:
        groups.setdefault(row.get(view.group) or "?", []).append(row)
    return sorted(groups.items())


def render(rows: list[dict], kind: str, fmt: str) -> str:
    """The records of one kind ('claims', 'events', 'state', 'changes', 'contradictions') in one format."""
    view = VIEWS[kind]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        return _csv(rows, view)
    if fmt == "markdown":
        return _markdown(rows, view)
    return _table(rows, view)


def _csv(rows: list[dict], view: View) -> str:
    out = io.StringIO()
    names = list(rows[0]) if rows else list(view.columns)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(
            [
                json.dumps(row[n])
                if isinstance(row.get(n), dict)
                else ("true" if row.get(n) is True else "false" if row.get(n) is False else cell(row.get(n)))
                for n in names
            ]
        )
    return out.getvalue().rstrip("\n")


def _markdown(rows: list[dict], view: View) -> str:
    parts = [f"## {view.title}", ""]
    if not rows:
        return "\n".join(parts + ["(none)"])
    for group, members in _groups(rows, view):
        if group is not None:
            parts += [f"### {group}", ""]
        parts.append("| " + " | ".join(view.columns) + " |")
        parts.append("|" + "---|" * len(view.columns))
        for row in members:
            parts.append(
                "| " + " | ".join(cell(row.get(c)).replace("|", "\\|").replace("\n", " ") for c in view.columns) + " |"
            )
        parts.append("")
    return "\n".join(parts).rstrip("\n")


def _table(rows: list[dict], view: View) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, width=180, force_terminal=sys.stdout.isatty())
    if not rows:
        console.print(Text(f"{view.title}: none"))
    for group, members in _groups(rows, view):
        table = Table(
            title=Text(f"{view.title}: {group}" if group else view.title),
            title_justify="left",
            show_lines=False,
            expand=False,
        )
        for column in view.columns:
            table.add_column(column, overflow="fold", max_width=60 if column.startswith("evidence") else None)
        for row in members:
            # Text, not str: stored evidence is shown as stored, never read as Rich markup or :emoji: codes
            table.add_row(*(Text(cell(row.get(c))) for c in view.columns))
        console.print(table)
    return buffer.getvalue().rstrip("\n")


def print_claims_timeline(rows: list[dict]) -> None:
    """Print the claims of each party in date order as tables (what `onrecord timeline` shows by default)."""
    print(render(rows, "claims", "table"))
